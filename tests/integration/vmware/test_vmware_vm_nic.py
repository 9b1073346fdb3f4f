"""vmnet.doctor.vmware_vm_nic through real `ansible` runs; state read back with pyVmomi."""
from pyVmomi import vim

import vcsim_helpers as h
from vcsim_helpers import fields

MODULE = 'vmnet.doctor.vmware_vm_nic'
VM = 'DC0_H0_VM0'


def state(si, name=VM):
    vm = h.find(si, vim.VirtualMachine, name)
    nic = h.nic_of(vm)
    backing = nic.backing
    if isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
        net = backing.deviceName
    else:
        net = backing.port.portgroupKey
    return {'connected': nic.connectable.connected, 'start_connected': nic.connectable.startConnected,
            'network': net, 'mac': nic.macAddress}


def run(sim, check=False, **args):
    result, out = h.ansible(MODULE, dict(sim.conn, **args), check=check, diff=True)
    assert 'Traceback' not in out
    return result


def test_connect_disconnected_nic(vcsim, si):
    vm = h.find(si, vim.VirtualMachine, VM)
    h.edit_nic(vm, connected=False, startConnected=False)
    before = state(si)
    assert (before['connected'], before['start_connected']) == (False, False)
    label = h.nic_of(vm).deviceInfo.label

    result = run(vcsim, check=True, vm=VM, label=label, connected=True, start_connected=True)
    assert result['changed'] and set(fields(result)) == {'connected', 'start_connected'}
    assert result['after']['connected'] is True
    assert state(si) == before  # check mode changed nothing

    result = run(vcsim, vm=VM, label=label, connected=True, start_connected=True)
    assert result['changed']
    assert state(si) == dict(before, connected=True, start_connected=True)  # same network, same MAC

    result = run(vcsim, vm=VM, label=label, connected=True, start_connected=True)
    assert not result['changed'] and result['changes'] == [] and result['commands'] == []


def test_move_to_portgroup_by_mac(vcsim, si):
    before = state(si)
    assert before['network'].startswith('dvportgroup-')
    result = run(vcsim, check=True, vm=VM, mac=before['mac'].upper(), portgroup='VM Network')
    assert result['changed'] and fields(result)['portgroup'] == {'before': 'DC0_DVPG0', 'after': 'VM Network'}
    assert state(si) == before

    assert run(vcsim, vm=VM, mac=before['mac'], portgroup='VM Network')['changed']
    assert state(si) == dict(before, network='VM Network')
    assert not run(vcsim, vm=VM, mac=before['mac'], portgroup='VM Network')['changed']

    # and back to the distributed portgroup
    assert run(vcsim, vm=VM, mac=before['mac'], portgroup='DC0_DVPG0')['changed']
    assert state(si) == before


def test_powered_off_vm_cannot_be_connected(vcsim, si):
    vm = h.find(si, vim.VirtualMachine, VM)
    h.wait(vm.PowerOffVM_Task())
    h.edit_nic(vm, connected=False)
    label = h.nic_of(vm).deviceInfo.label
    result = run(vcsim, vm=VM, label=label, connected=True)
    assert result['failed'] and 'is poweredOff' in result['msg'] and 'start_connected' in result['msg']
    # start_connected alone is fine
    result = run(vcsim, vm=VM, label=label, start_connected=False)
    assert result['changed'] and state(si)['start_connected'] is False


def test_bad_inputs_fail_clearly(vcsim):
    cases = [
        (dict(vm='novm', label='x', connected=True), "VM 'novm' not found"),
        (dict(vm=VM, label='Network adapter 9', connected=True), "has no network adapter 'Network adapter 9'"),
        (dict(vm=VM, label='ethernet-0', portgroup='nope'), "portgroup 'nope' is not available on ESXi host DC0_H0"),
        (dict(vm=VM, connected=True), 'one of the following is required: label, mac'),
    ]
    for args, message in cases:
        result = run(vcsim, **args)
        assert result['failed'] and message in result['msg'], (args, result)
