"""The HostNetworkSystem / DistributedVirtualPortgroup methods added to the simulator, through
pyVmomi over real SOAP: arguments, faults and effect on config.network per the vSphere API
reference."""
import pytest
from pyVmomi import vim

from vcsim_helpers import find, all_of, wait


def host_of(si):
    return sorted(all_of(si, vim.HostSystem), key=lambda h: h.name)[0]


def security(allow_promiscuous=None, mac_changes=None, forged_transmits=None):
    return vim.host.NetworkPolicy.SecurityPolicy(
        allowPromiscuous=allow_promiscuous, macChanges=mac_changes, forgedTransmits=forged_transmits)


def vswitch(host, name):
    return [v for v in host.config.network.vswitch if v.name == name][0]


def portgroup(host, name):
    return [p for p in host.config.network.portgroup if p.spec.name == name][0]


def test_add_virtual_switch_honours_spec(si):
    host = host_of(si)
    ns = host.configManager.networkSystem
    spec = vim.host.VirtualSwitch.Specification(
        numPorts=64, mtu=9000, policy=vim.host.NetworkPolicy(security=security(True, False, False)),
        bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=['vmnic1']))
    ns.AddVirtualSwitch(vswitchName='vSwitch1', spec=spec)
    vs = vswitch(host, 'vSwitch1')
    assert vs.mtu == 9000 and vs.spec.mtu == 9000 and vs.numPorts == 64
    assert vs.key == 'key-vim.host.VirtualSwitch-vSwitch1'
    assert list(vs.pnic) == ['key-vim.host.PhysicalNic-vmnic1']
    assert (vs.spec.policy.security.allowPromiscuous, vs.spec.policy.security.macChanges,
            vs.spec.policy.security.forgedTransmits) == (True, False, False)
    # the network system's networkInfo is the same data as the host's config.network
    assert [v.name for v in ns.networkInfo.vswitch] == [v.name for v in host.config.network.vswitch]

    with pytest.raises(vim.fault.AlreadyExists):
        ns.AddVirtualSwitch(vswitchName='vSwitch1')
    with pytest.raises(vmodl_fault('InvalidArgument')):
        ns.AddVirtualSwitch(vswitchName='vSwitch2', spec=vim.host.VirtualSwitch.Specification(numPorts=64, mtu=100))
    with pytest.raises(vim.fault.ResourceInUse):  # vmnic0 is vSwitch0's uplink
        ns.AddVirtualSwitch(vswitchName='vSwitch2', spec=vim.host.VirtualSwitch.Specification(
            numPorts=64, bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=['vmnic0'])))


def test_add_virtual_switch_defaults(si):
    host = host_of(si)
    host.configManager.networkSystem.AddVirtualSwitch(vswitchName='vSwitch9')
    vs = vswitch(host, 'vSwitch9')
    assert vs.mtu == 1500 and list(vs.pnic) == []
    assert vs.spec.policy.security.allowPromiscuous is False


def vmodl_fault(name):
    from pyVmomi import vmodl
    return getattr(vmodl.fault, name)


def test_update_virtual_switch(si):
    host = host_of(si)
    ns = host.configManager.networkSystem
    spec = vswitch(host, 'vSwitch0').spec
    spec.mtu = 9000
    spec.policy.security.allowPromiscuous = True
    ns.UpdateVirtualSwitch(vswitchName='vSwitch0', spec=spec)
    vs = vswitch(host, 'vSwitch0')
    assert vs.mtu == 9000 and vs.spec.policy.security.allowPromiscuous is True
    assert list(vs.pnic) == ['key-vim.host.PhysicalNic-vmnic0']  # bridge kept (it was in the spec)
    # portgroups without an override inherit the new policy: computedPolicy is the effective one
    pg = portgroup(host, 'VM Network')
    assert pg.spec.policy.security.allowPromiscuous is None
    assert pg.computedPolicy.security.allowPromiscuous is True

    with pytest.raises(vim.fault.NotFound):
        ns.UpdateVirtualSwitch(vswitchName='nope', spec=spec)
    spec.mtu = 20000
    with pytest.raises(vmodl_fault('InvalidArgument')):
        ns.UpdateVirtualSwitch(vswitchName='vSwitch0', spec=spec)
    assert vswitch(host, 'vSwitch0').mtu == 9000


def test_portgroups_add_update_remove(si):
    host = host_of(si)
    ns = host.configManager.networkSystem
    ns.AddVirtualSwitch(vswitchName='vSwitch1')
    ns.AddPortGroup(portgrp=vim.host.PortGroup.Specification(
        name='App', vlanId=10, vswitchName='vSwitch1', policy=vim.host.NetworkPolicy()))
    pg = portgroup(host, 'App')
    assert pg.key == 'key-vim.host.PortGroup-App' and pg.vswitch == 'key-vim.host.VirtualSwitch-vSwitch1'
    assert 'key-vim.host.PortGroup-App' in list(vswitch(host, 'vSwitch1').portgroup)
    assert 'App' in [n.name for n in host.network]  # the vCenter Network entity

    with pytest.raises(vim.fault.AlreadyExists):
        ns.AddPortGroup(portgrp=vim.host.PortGroup.Specification(
            name='App', vlanId=0, vswitchName='vSwitch1', policy=vim.host.NetworkPolicy()))
    with pytest.raises(vim.fault.NotFound):
        ns.AddPortGroup(portgrp=vim.host.PortGroup.Specification(
            name='Other', vlanId=0, vswitchName='nope', policy=vim.host.NetworkPolicy()))

    spec = pg.spec
    spec.vlanId = 20
    spec.policy.security = security(forged_transmits=False)
    ns.UpdatePortGroup(pgName='App', portgrp=spec)
    pg = portgroup(host, 'App')
    assert pg.spec.vlanId == 20 and pg.spec.policy.security.forgedTransmits is False
    assert pg.computedPolicy.security.forgedTransmits is False
    assert pg.computedPolicy.security.macChanges is True  # inherited from vSwitch1

    with pytest.raises(vim.fault.NotFound):
        ns.UpdatePortGroup(pgName='nope', portgrp=spec)
    spec.name = 'VM Network'
    with pytest.raises(vim.fault.AlreadyExists):
        ns.UpdatePortGroup(pgName='App', portgrp=spec)
    spec.name = 'App'
    spec.vswitchName = 'nope'
    with pytest.raises(vim.fault.NotFound):
        ns.UpdatePortGroup(pgName='App', portgrp=spec)

    # move to vSwitch0 and rename
    spec.vswitchName = 'vSwitch0'
    spec.name = 'App2'
    ns.UpdatePortGroup(pgName='App', portgrp=spec)
    assert 'key-vim.host.PortGroup-App2' in list(vswitch(host, 'vSwitch0').portgroup)
    assert list(vswitch(host, 'vSwitch1').portgroup) == []
    assert portgroup(host, 'App2').key == 'key-vim.host.PortGroup-App2'

    with pytest.raises(vim.fault.ResourceInUse):  # vmk0 uses it
        ns.RemovePortGroup(pgName='Management Network')
    ns.RemovePortGroup(pgName='App2')
    assert 'App2' not in [p.spec.name for p in host.config.network.portgroup]
    with pytest.raises(vim.fault.NotFound):
        ns.RemovePortGroup(pgName='App2')
    ns.RemoveVirtualSwitch(vswitchName='vSwitch1')
    with pytest.raises(vim.fault.NotFound):
        ns.RemoveVirtualSwitch(vswitchName='vSwitch1')


def test_other_hosts_untouched(si):
    hosts = sorted(all_of(si, vim.HostSystem), key=lambda h: h.name)
    hosts[0].configManager.networkSystem.AddVirtualSwitch(vswitchName='vSwitch1')
    assert [v.name for v in hosts[1].config.network.vswitch] == ['vSwitch0']


def test_reconfigure_dvportgroup_merges_and_checks_version(si):
    pg = find(si, vim.dvs.DistributedVirtualPortgroup, 'DC0_DVPG0')
    version = pg.config.configVersion
    ports = pg.config.numPorts
    sec = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
        inherited=False, forgedTransmits=vim.BoolPolicy(inherited=False, value=True))
    wait(pg.ReconfigureDVPortgroup_Task(spec=vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=version,
        defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(securityPolicy=sec))))
    setting = pg.config.defaultPortConfig
    assert setting.securityPolicy.forgedTransmits.value is True
    assert setting.securityPolicy.allowPromiscuous.value is False  # untouched, inherited from the switch
    assert pg.name == 'DC0_DVPG0' and pg.config.numPorts == ports
    assert pg.config.configVersion != version

    vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(vlanId=30, inherited=False)
    with pytest.raises(vim.fault.ConcurrentAccess):
        wait(pg.ReconfigureDVPortgroup_Task(spec=vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
            configVersion=version,
            defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(vlan=vlan))))
    assert pg.config.defaultPortConfig.vlan.vlanId == 0
    wait(pg.ReconfigureDVPortgroup_Task(spec=vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=pg.config.configVersion,
        defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(vlan=vlan))))
    setting = pg.config.defaultPortConfig
    assert setting.vlan.vlanId == 30 and setting.securityPolicy.forgedTransmits.value is True


def test_soap_call_counter(vcsim, si):
    vcsim.stats(reset=True)
    host_of(si)
    stats = vcsim.stats()
    assert stats['soap'] >= 2 and stats['methods'].get('CreateContainerView') == 1
    assert vcsim.stats(reset=True)['soap'] == stats['soap'] + 0 and vcsim.stats()['soap'] == 0


def test_reconfigure_dvs_mtu_security_and_version(si):
    dvs = find(si, vim.DistributedVirtualSwitch, 'DVS0')
    version = dvs.config.configVersion
    hosts = len(dvs.summary.hostMember)
    sec = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(
        inherited=False, macChanges=vim.BoolPolicy(inherited=False, value=True))
    wait(dvs.ReconfigureDvs_Task(spec=vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(
        configVersion=version, maxMtu=9000,
        defaultPortConfig=vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(securityPolicy=sec))))
    assert dvs.config.maxMtu == 9000 and dvs.config.configVersion != version
    setting = dvs.config.defaultPortConfig
    assert setting.securityPolicy.macChanges.value is True
    assert setting.securityPolicy.allowPromiscuous.value is False  # unset in the spec: unchanged
    assert setting.vlan.vlanId == 0 and len(dvs.summary.hostMember) == hosts
    # a portgroup that does not override MAC changes inherits the switch's new value
    pg = find(si, vim.dvs.DistributedVirtualPortgroup, 'DC0_DVPG0')
    assert pg.config.defaultPortConfig.securityPolicy.macChanges.value is True

    with pytest.raises(vim.fault.ConcurrentAccess):  # stale configVersion
        wait(dvs.ReconfigureDvs_Task(spec=vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(
            configVersion=version, maxMtu=1500)))
    with pytest.raises(vmodl_fault('InvalidArgument')):
        wait(dvs.ReconfigureDvs_Task(spec=vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(
            configVersion=dvs.config.configVersion, maxMtu=100)))
    assert dvs.config.maxMtu == 9000
