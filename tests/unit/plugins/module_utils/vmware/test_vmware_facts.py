"""vmware_facts.normalise() and scope selection, on PropertyCollector results captured from the
test simulator (tests/unit/fixtures/vmware, see capture.py there)."""
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import facts as vmware_facts
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'vmware')


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


@pytest.fixture(scope='module')
def raw():
    return load('raw_multicluster.json')


@pytest.fixture(scope='module')
def captured():
    return load('facts_multicluster.json')


@pytest.fixture(scope='module')
def facts(raw):
    return vmware_facts.normalise(raw, 'vcsim')


def test_json_form_maps_like_live_objects(facts, captured):
    # The same mapping from pyVmomi objects (at capture time) and from their JSON encoding.
    assert facts == captured['facts']


def test_schema_sections(facts):
    assert facts['schema_version'] == 1 and facts['platform'] == 'vmware'
    for key in ('interfaces', 'routes', 'policy_rules', 'route_lookups', 'neighbors', 'bridges'):
        assert facts[key] == []
    assert facts['sysctls'] == {}
    assert facts['errors'] == []


def test_standard_switch_with_jumbo_mtu_and_effective_policy(facts, captured):
    host = captured['setup']['host']
    vs1 = [s for s in facts['virtual_switches'] if s['name'] == 'vSwitch1' and s['host'] == host]
    assert len(vs1) == 1
    vs1 = vs1[0]
    assert vs1['type'] == 'vss' and vs1['mtu'] == 9000 and vs1['uplinks'] == ['vmnic1']
    assert vs1['security'] == {'allow_promiscuous': True, 'mac_changes': True, 'forged_transmits': True}
    pg = vs1['portgroups'][0]
    assert pg['name'] == 'Lab VLAN 20' and pg['vlan_id'] == 20
    # inherited from the switch where not overridden, the override where set
    assert pg['security'] == {'allow_promiscuous': True, 'mac_changes': True, 'forged_transmits': False}
    assert pg['security_override'] == {'forged_transmits': False}


def test_every_host_has_vswitch0_vmk0_and_pnics(facts):
    hosts = sorted(set(s['host'] for s in facts['virtual_switches'] if s['type'] == 'vss'))
    assert hosts == ['DC0_C0_H0', 'DC0_C0_H1', 'DC0_C1_H0', 'DC0_C1_H1', 'DC0_H0']
    assert sorted(k['host'] for k in facts['vmkernel_nics']) == hosts
    vmk = facts['vmkernel_nics'][0]
    assert vmk['name'] == 'vmk0' and vmk['portgroup'] == 'Management Network' and vmk['mtu'] == 1500
    assert vmk['addresses'][0]['family'] == 'ipv4' and vmk['addresses'][0]['prefixlen'] == 8
    assert len(facts['physical_nics']) == 2 * len(hosts)
    assert all(p['link_up'] and p['speed_mbps'] == 10000 and p['duplex'] == 'full' for p in facts['physical_nics'])


def test_distributed_switch_and_portgroup(facts):
    dvs = [s for s in facts['virtual_switches'] if s['type'] == 'dvs']
    assert len(dvs) == 1 and dvs[0]['host'] is None and dvs[0]['mtu'] == 1500
    names = [p['name'] for p in dvs[0]['portgroups']]
    assert names == ['DC0_DVPG0']  # the uplink portgroup is not a VM network
    pg = dvs[0]['portgroups'][0]
    assert pg['vlan_id'] == 30 and pg['key']
    assert pg['security'] == {'allow_promiscuous': False, 'mac_changes': False, 'forged_transmits': False}


def test_vm_nics(facts, captured):
    nics = dict((n['vm'], n) for n in facts['vm_nics'])
    moved = nics[captured['setup']['vm']]
    assert moved['portgroup'] == 'Lab VLAN 20' and moved['switch'] == 'vSwitch1' and moved['vlan_id'] == 20
    assert moved['guest_ips'] == ['192.0.2.20'] and moved['guest_macs'] == [moved['mac']]
    assert moved['connected'] is True and moved['start_connected'] is True
    off = nics[captured['setup']['disconnected_vm']]
    assert off['connected'] is False and off['start_connected'] is True
    assert off['switch'] == 'DVS0' and off['portgroup'] == 'DC0_DVPG0' and off['vlan_id'] == 30


def test_duplicate_macs():
    nics = [{'vm': 'a', 'label': 'n1', 'mac': '00:50:56:00:00:01'},
            {'vm': 'b', 'label': 'n1', 'mac': '00:50:56:00:00:01'},
            {'vm': 'c', 'label': 'n1', 'mac': '00:50:56:00:00:02'},
            {'vm': 'd', 'label': 'n1', 'mac': None}]
    assert vmware_facts.duplicate_macs(nics) == [
        {'mac': '00:50:56:00:00:01', 'nics': [{'vm': 'a', 'label': 'n1'}, {'vm': 'b', 'label': 'n1'}]}]


def test_missing_properties_become_errors():
    raw = {'objects': [{'moid': 'host-1', 'type': 'HostSystem', 'name': 'esx1',
                        '_missing': [{'path': 'config.network.vswitch', 'fault': 'NoPermission: denied'}]}]}
    facts = vmware_facts.normalise(raw, 'vc')
    assert facts['errors'] == [{'source': 'vmware',
                                'message': 'HostSystem esx1: config.network.vswitch: NoPermission: denied'}]
    assert facts['virtual_switches'] == []


def test_trunk_and_pvlan_vlans():
    trunk = {'vlan': {'_vimtype': 'vim.dvs.VmwareDistributedVirtualSwitch.TrunkVlanSpec',
                      'vlanId': [{'start': 10, 'end': 20}]}}
    pvlan = {'vlan': {'_vimtype': 'vim.dvs.VmwareDistributedVirtualSwitch.PvlanSpec', 'pvlanId': 101}}
    assert vmware_facts._dv_vlan(trunk) == [{'start': 10, 'end': 20}]
    assert vmware_facts._dv_vlan(pvlan) == 101
    assert vmware_facts._dv_vlan(None) is None


LISTING = [
    {'moid': 'dc1', 'type': 'Datacenter', 'name': 'DC1', 'parent': 'vim.Folder:root'},
    {'moid': 'dc2', 'type': 'Datacenter', 'name': 'DC2', 'parent': 'vim.Folder:root'},
    {'moid': 'hf1', 'type': 'Folder', 'parent': 'vim.Datacenter:dc1'},
    {'moid': 'hf2', 'type': 'Folder', 'parent': 'vim.Datacenter:dc2'},
    {'moid': 'nf1', 'type': 'Folder', 'parent': 'vim.Datacenter:dc1'},
    {'moid': 'c1', 'type': 'ClusterComputeResource', 'name': 'C1', 'parent': 'vim.Folder:hf1'},
    {'moid': 'c2', 'type': 'ClusterComputeResource', 'name': 'C2', 'parent': 'vim.Folder:hf2'},
    {'moid': 'h1', 'type': 'HostSystem', 'name': 'esx1', 'parent': 'vim.ClusterComputeResource:c1'},
    {'moid': 'h2', 'type': 'HostSystem', 'name': 'esx2', 'parent': 'vim.ClusterComputeResource:c2'},
    {'moid': 'v1', 'type': 'VirtualMachine', 'name': 'web', 'runtime.host': 'vim.HostSystem:h1'},
    {'moid': 'v2', 'type': 'VirtualMachine', 'name': 'db', 'runtime.host': 'vim.HostSystem:h2'},
    {'moid': 's1', 'type': 'VmwareDistributedVirtualSwitch', 'parent': 'vim.Folder:nf1'},
    {'moid': 'p1', 'type': 'DistributedVirtualPortgroup', 'parent': 'vim.Folder:nf1'},
]
for _o in LISTING:
    _o['obj'] = _o['moid']


@pytest.mark.parametrize('scope, expected', [
    ({'vm': 'web'}, ['h1', 'v1', 's1', 'p1']),
    ({'hosts': ['esx2']}, ['h2', 'v2']),
    ({'cluster': 'C1'}, ['h1', 'v1', 's1', 'p1']),
    ({'datacenter': 'DC2'}, ['h2', 'v2']),
    ({}, ['h1', 'h2', 'v1', 'v2', 's1', 'p1']),
])
def test_select_scope(scope, expected):
    assert sorted(vmware_facts._select(LISTING, scope)) == sorted(expected)


@pytest.mark.parametrize('scope, message', [
    ({'vm': 'nope'}, "VM 'nope' not found"),
    ({'hosts': ['esx1', 'esx9']}, "ESXi host 'esx9' not found"),
    ({'cluster': 'C9'}, "Cluster 'C9' not found"),
    ({'datacenter': 'DC9'}, "Datacenter 'DC9' not found"),
])
def test_select_not_found(scope, message):
    with pytest.raises(DoctorError) as err:
        vmware_facts._select(LISTING, scope)
    assert message in str(err.value)
