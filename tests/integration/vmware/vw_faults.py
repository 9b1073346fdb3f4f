"""VMware faults for the diagnose/remediate role tests, injected and read back through the vSphere
API (pyVmomi) of the test simulator (tests/vcsim). Also used by
tests/unit/fixtures/vmware/capture_faults.py to record the facts of each fault.

The scene: VM ``DC0_H0_VM0`` on the standalone host ``DC0_H0``, its NIC on the standard portgroup
``VM Network`` (vSwitch0, VLAN 0), a guest that uses its own MAC ``GUEST_MAC`` (set through the
simulator's guest customization, which is what VMware Tools then reports) and the address
``guest_ip``. A second VM, ``DC0_C0_RP0_VM0`` on ``DC0_C0_H1``, also on ``VM Network`` (of its host).
Both hosts have a second portgroup ``Quarantine`` on vSwitch0. The host side is VLAN 0 and MTU
1500 (the VMkernel NIC vmk0 on vSwitch0 has MTU 1500). Each fault breaks one thing: the first
VM's portgroup VLAN, its portgroup's forged transmits (its guest uses another MAC), its NIC
connection, the vSwitch MTU; the second VM's MAC (same as the first VM's) and its portgroup.
"""
from pyVmomi import vim

import vcsim_helpers as h

VM = 'DC0_H0_VM0'
OTHER_VM = 'DC0_C0_RP0_VM0'
HOST = 'DC0_H0'
OTHER_HOST = 'DC0_C0_H1'
SWITCH = 'vSwitch0'
PORTGROUP = 'VM Network'
WRONG_PORTGROUP = 'Quarantine'
GUEST_MAC = '00:50:56:3f:00:77'
DATACENTER = 'DC0'
FAULTS = ('vlan', 'security', 'disconnected', 'wrong_portgroup', 'duplicate_mac', 'mtu')


def netsys(si, host=HOST):
    return h.find(si, vim.HostSystem, host).configManager.networkSystem


def _pg_spec(ns, name):
    for pg in ns.networkInfo.portgroup:
        if pg.spec.name == name:
            return pg.spec
    raise LookupError(name)


def _vswitch(ns, name):
    for vs in ns.networkInfo.vswitch:
        if vs.name == name:
            return vs
    raise LookupError(name)


def set_portgroup(si, name=PORTGROUP, vlan_id=None, forged_transmits=None):
    ns = netsys(si)
    spec = _pg_spec(ns, name)
    if vlan_id is not None:
        spec.vlanId = vlan_id
    if forged_transmits is not None:
        spec.policy = spec.policy or vim.host.NetworkPolicy()
        spec.policy.security = spec.policy.security or vim.host.NetworkPolicy.SecurityPolicy()
        spec.policy.security.forgedTransmits = forged_transmits
    ns.UpdatePortGroup(pgName=name, portgrp=spec)


def set_mtu(si, mtu, switch=SWITCH):
    ns = netsys(si)
    spec = _vswitch(ns, switch).spec
    spec.mtu = mtu
    ns.UpdateVirtualSwitch(vswitchName=switch, spec=spec)


def move_nic(si, portgroup, vm_name=VM):
    vm = h.find(si, vim.VirtualMachine, vm_name)
    net = [n for n in vm.runtime.host.network if n.name == portgroup][0]
    h.edit_nic(vm, backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=portgroup, network=net))


def set_mac(si, vm_name, mac):
    vm = h.find(si, vim.VirtualMachine, vm_name)
    nic = h.nic_of(vm)
    nic.addressType = 'manual'
    nic.macAddress = mac
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation='edit', device=nic)])
    h.wait(vm.ReconfigVM_Task(spec=spec))


def customize_guest(si, guest_ip, guest_mac=GUEST_MAC, vm_name=VM):
    """What the guest reports (VMware Tools): its address and a MAC of its own, through the
    simulator's guest customization (applied at power on)."""
    vm = h.find(si, vim.VirtualMachine, vm_name)
    h.wait(vm.PowerOffVM_Task())
    c = vim.vm.customization
    spec = c.Specification(
        identity=c.LinuxPrep(hostName=c.FixedName(name='vm'), domain='lab.invalid'),
        globalIPSettings=c.GlobalIPSettings(),
        nicSettingMap=[c.AdapterMapping(macAddress=guest_mac, adapter=c.IPSettings(ip=c.FixedIp(ipAddress=guest_ip)))])
    h.wait(vm.CustomizeVM_Task(spec=spec))
    h.wait(vm.PowerOnVM_Task())


def scene(si, guest_ip):
    """The healthy scene (see the module docstring)."""
    for host in (HOST, OTHER_HOST):
        netsys(si, host).AddPortGroup(portgrp=vim.host.PortGroup.Specification(
            name=WRONG_PORTGROUP, vlanId=0, vswitchName=SWITCH, policy=vim.host.NetworkPolicy()))
    move_nic(si, PORTGROUP)
    move_nic(si, PORTGROUP, OTHER_VM)
    customize_guest(si, guest_ip)
    vm = h.find(si, vim.VirtualMachine, VM)
    nic = h.nic_of(vm)
    if not nic.connectable.connected:
        h.edit_nic(vm, connected=True, startConnected=True)


def inject(si, fault):
    """Break the scene one way (through the API, like an operator's mistake)."""
    if fault == 'vlan':
        set_portgroup(si, vlan_id=20)
    elif fault == 'security':
        set_portgroup(si, forged_transmits=False)
    elif fault == 'disconnected':
        h.edit_nic(h.find(si, vim.VirtualMachine, VM), connected=False)
    elif fault == 'wrong_portgroup':
        move_nic(si, WRONG_PORTGROUP, OTHER_VM)
    elif fault == 'duplicate_mac':
        set_mac(si, OTHER_VM, nic_state(si)['mac'])
    elif fault == 'mtu':
        set_mtu(si, 9000)
    else:
        raise ValueError(fault)


def nic_state(si, vm_name=VM):
    vm = h.find(si, vim.VirtualMachine, vm_name)
    nic = h.nic_of(vm)
    return {'connected': nic.connectable.connected, 'start_connected': nic.connectable.startConnected,
            'network': getattr(nic.backing, 'deviceName', None), 'mac': nic.macAddress}


def state(si):
    """Everything the faults touch, read back through the API."""
    ns = netsys(si)
    pg = _pg_spec(ns, PORTGROUP)
    sec = pg.policy.security if pg.policy else None
    return {
        'nic': nic_state(si),
        'other_nic': nic_state(si, OTHER_VM),
        'portgroup': {'vlan_id': pg.vlanId,
                      'forged_transmits': sec.forgedTransmits if sec else None,
                      'mac_changes': sec.macChanges if sec else None,
                      'allow_promiscuous': sec.allowPromiscuous if sec else None},
        'mtu': _vswitch(ns, SWITCH).spec.mtu,
    }
