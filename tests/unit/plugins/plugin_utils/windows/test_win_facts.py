# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing the recorded cmdlet outputs into the facts schema (platform windows)."""
import copy

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F

import win_fixtures as W


@pytest.fixture(scope='module')
def hv01():
    return F.parse(W.raw_host(), W.PEERS)


def _iface(facts, name):
    return [i for i in facts['interfaces'] if i['name'] == name][0]


def test_top_level_sections_present(hv01):
    for key in ('schema_version', 'platform', 'hostname', 'tools', 'errors', 'interfaces', 'routes', 'policy_rules',
                'route_lookups', 'neighbors', 'bridges', 'sysctls', 'firewall', 'virtual_switches', 'vm_nics',
                'vmkernel_nics', 'physical_nics', 'duplicate_macs', 'host_vnics', 'nat_networks'):
        assert key in hv01, key
    assert hv01['platform'] == 'windows' and hv01['hostname'] == 'HV01' and hv01['schema_version'] == 1
    assert hv01['tools'] == {'powershell': True, 'windows_firewall': True, 'hyperv': True}


def test_interfaces(hv01):
    ext = _iface(hv01, 'vEthernet (External)')
    assert ext['ifindex'] == 14 and ext['kind'] == 'vnic' and ext['admin_up'] is True and ext['carrier'] is True
    assert ext['mtu'] == 1400 and ext['mtu_by_family'] == {'ipv4': 1400, 'ipv6': 1500} and ext['max_mtu'] == 1500
    assert ext['mac'] == '00:1c:42:8a:11:01' and ext['network_category'] == 'Private'
    assert [(a['address'], a['prefixlen'], a['scope']) for a in ext['addresses']] == [
        ('fe80::21c:42ff:fe8a:1101', 64, 'link'), ('192.168.10.20', 24, 'global')]
    assert ext['addresses'][1]['network'] == '192.168.10.0/24'
    phys = _iface(hv01, 'Ethernet')
    assert phys['kind'] == 'physical' and phys['master'] == 'External' and phys['mtu'] is None
    down = _iface(hv01, 'Ethernet 2')
    assert down['carrier'] is False and down['oper_state'] == 'DISCONNECTED' and down['admin_up'] is True
    lo = _iface(hv01, 'Loopback Pseudo-Interface 1')
    assert lo['kind'] == 'loopback' and lo['addresses'][0]['scope'] == 'host'
    nat = _iface(hv01, 'vEthernet (NATSwitch)')
    assert nat['forwarding'] == {'ipv6': False, 'ipv4': True}


def test_routes_skip_persistent_copies_and_map_gateways(hv01):
    defaults = [r for r in hv01['routes'] if r['dst'] == 'default']
    assert defaults == [{'family': 'ipv4', 'table': 'main', 'dst': 'default', 'gateway': '192.168.10.254',
                         'dev': 'vEthernet (External)', 'metric': 0, 'type': 'unicast', 'protocol': 'static',
                         'scope': 'global', 'prefsrc': None, 'onlink': False, 'nexthops': [], 'ifindex': 14,
                         'interface_metric': 25, 'store': 'ActiveStore'}]
    connected = [r for r in hv01['routes'] if r['dst'] == '172.20.0.0/24'][0]
    assert connected['gateway'] is None and connected['scope'] == 'link' and connected['protocol'] == 'kernel'


def test_route_lookups(hv01):
    by = dict((r['address'], r) for r in hv01['route_lookups'])
    assert by['10.9.9.9']['gateway'] == '192.168.10.254' and by['10.9.9.9']['prefsrc'] == '192.168.10.20'
    assert by['172.20.0.10']['dev'] == 'vEthernet (NATSwitch)' and by['172.20.0.10']['gateway'] is None
    assert by['198.51.100.1']['ok'] is False and 'cannot be reached' in by['198.51.100.1']['error']


def test_neighbors(hv01):
    by = dict((n['address'], n) for n in hv01['neighbors'])
    assert by['172.20.0.10'] == {'address': '172.20.0.10', 'family': 'ipv4', 'mac': '00:15:5d:0a:64:10',
                                 'dev': 'vEthernet (NATSwitch)', 'state': ['REACHABLE'], 'router': False}
    assert by['172.20.0.11']['state'] == ['STALE']
    assert by['172.20.0.99']['state'] == ['FAILED'] and by['172.20.0.99']['mac'] is None
    assert by['192.168.10.255']['state'] == ['PERMANENT']


def test_hyperv_switches_adapters_vlans_nat(hv01):
    sw = dict((s['name'], s) for s in hv01['virtual_switches'])
    assert [sw[n]['type'] for n in ('External', 'NATSwitch', 'Isolated')] == [
        'hyperv_external', 'hyperv_internal', 'hyperv_private']
    assert sw['External']['uplinks'] == ['Ethernet'] and sw['NATSwitch']['uplinks'] == []
    nics = dict(((n['vm'], n['mac']), n) for n in hv01['vm_nics'])
    web = nics[('web01', '00:15:5d:0a:64:10')]
    assert (web['switch'], web['connected'], web['vlan_id'], web['vlan_mode'], web['mac_spoofing']) == (
        'NATSwitch', True, 0, 'untagged', False)
    assert web['guest_ips'] == ['172.20.0.10', 'fe80::215:5dff:fe0a:6410'] and web['status'] == ['Ok']
    loose = nics[('db01', '00:15:5d:0a:64:12')]
    assert loose['switch'] is None and loose['connected'] is False
    lab = nics[('lab-vm', '00:15:5d:0a:64:20')]
    assert (lab['vlan_id'], lab['vlan_mode'], lab['mac_spoofing']) == (20, 'access', True)
    trunk = nics[('router-vm', '00:15:5d:0a:64:30')]
    assert (trunk['vlan_id'], trunk['vlan_mode'], trunk['vlan_allowed']) == (1, 'trunk', [10, 11, 12, 20])
    assert [v['name'] for v in hv01['host_vnics']] == ['vEthernet (External)', 'vEthernet (NATSwitch)']
    assert hv01['nat_networks'] == [{'name': 'NATNetwork', 'internal_prefix': '172.20.0.0/24',
                                     'external_prefix': None, 'active': True}]
    assert hv01['duplicate_macs'] == []
    assert [p['name'] for p in hv01['physical_nics']] == ['Ethernet', 'Ethernet 2']
    assert hv01['physical_nics'][0]['speed_mbps'] == 1000 and hv01['physical_nics'][0]['duplex'] == 'full'


def test_single_object_sections_parse_like_one_item_lists():
    raw = W.raw_host()
    single = copy.deepcopy(raw)
    for section in ('NetNat', 'VMSwitch', 'NetConnectionProfile'):
        if isinstance(single[section], list):
            single[section] = single[section][0]
    raw['NetNat'] = [raw['NetNat']]
    raw['VMSwitch'] = raw['VMSwitch'][:1]
    raw['NetConnectionProfile'] = raw['NetConnectionProfile'][:1]
    assert F.parse(single, W.PEERS) == F.parse(raw, W.PEERS)


def test_numeric_enums_parse_like_names():
    names = F.parse(W.raw_host(), W.PEERS)
    numbers = F.parse(W.raw_host(NetFirewallRule='numeric'), W.PEERS)
    assert numbers['firewall'] == names['firewall']
    raw = W.raw_host()
    for item in raw['NetIPInterface']:
        item['AddressFamily'] = {'IPv4': 2, 'IPv6': 23}[item['AddressFamily']]
        item['ConnectionState'] = {'Connected': 1, 'Disconnected': 0}[item['ConnectionState']]
        item['Forwarding'] = {'Enabled': 1, 'Disabled': 0}[item['Forwarding']]
    for item in raw['NetNeighbor']:
        item['State'] = {'Reachable': 5, 'Stale': 4, 'Unreachable': 0, 'Permanent': 6}[item['State']]
    for item in raw['VMSwitch']:
        item['SwitchType'] = {'Private': 0, 'Internal': 1, 'External': 2}[item['SwitchType']]
    for item in raw['VMNetworkAdapterVlan']:
        item['OperationMode'] = {'Untagged': 0, 'Access': 1, 'Trunk': 2}[item['OperationMode']]
    assert F.parse(raw, W.PEERS) == names


def test_localised_display_names_change_nothing_but_the_names():
    en = F.parse(W.raw_host(), W.PEERS)
    de = F.parse(W.raw_host(NetFirewallRule='de-DE'), W.PEERS)
    assert [e['verdict'] for e in de['firewall']['icmp']] == [e['verdict'] for e in en['firewall']['icmp']]
    rules = dict((r['name'], r) for r in de['firewall']['windows']['rules'])
    assert rules['FPS-ICMP4-ERQ-In']['display_name'] == \
        'Datei- und Druckerfreigabe (Echoanforderung - ICMPv4 eingehend)'


def test_failed_cmdlet_is_an_error_and_its_section_empty():
    raw = W.raw_host()
    del raw['NetNeighbor']
    raw['Errors'] = {'source': 'NetNeighbor', 'message': 'Access is denied.'}   # one error: a single object
    out = F.parse(raw, W.PEERS)
    assert out['neighbors'] == []
    assert out['errors'] == [{'source': 'neighbors', 'message': 'NetNeighbor: Access is denied.'}]


def test_no_hyperv_module_leaves_hypervisor_sections_empty():
    raw = W.raw_host()
    raw['HyperV'] = False
    out = F.parse(raw, W.PEERS)
    assert out['vm_nics'] == [] and out['virtual_switches'] == [] and out['host_vnics'] == []
    assert out['tools']['hyperv'] is False


@pytest.mark.parametrize('value, expected', [
    ('00-15-5D-0A-64-10', '00:15:5d:0a:64:10'), ('00155D0A6410', '00:15:5d:0a:64:10'),
    ('00:15:5d:0a:64:10', '00:15:5d:0a:64:10'), ('', None), (None, None), ('00155D0A64', None), ('zz-15', None),
])
def test_mac(value, expected):
    assert F.mac(value) == expected


def test_windows_powershell_51_array_wrapper_is_unwrapped():
    raw = W.raw_host()
    raw['VMNetworkAdapter'] = W.load('ps51/VMNetworkAdapter.json')
    raw['VMNetworkAdapterVlan'] = [v for v in raw['VMNetworkAdapterVlan'] if v['VMName'] == 'web01']
    nics = F.parse(raw, W.PEERS)['vm_nics']
    assert [(n['vm'], n['status'], n['guest_ips'], n['vlan_mode']) for n in nics] == [
        ('web01', ['Ok'], ['172.20.0.10', 'fe80::215:5dff:fe0a:6410'], 'untagged')]
    raw['NetFirewallPortFilter'] = {'value': raw['NetFirewallPortFilter'], 'Count': 10}
    assert F.parse(raw, W.PEERS)['firewall'] == F.parse(W.raw_host(), W.PEERS)['firewall']
