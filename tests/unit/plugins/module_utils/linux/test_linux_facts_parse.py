"""Parsers of plugins/module_utils/linux/parse.py on real iproute2 outputs.

Fixtures: tests/unit/fixtures/linux/ (README.md says how each was captured; ``hand_*`` files are
hand-written in the iproute2 6.1 JSON shape for features this kernel lacks).
"""
import importlib.util
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import parse

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'linux')
_spec = importlib.util.spec_from_file_location('nf_recorded', os.path.join(FIXTURES, 'recorded.py'))
recorded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorded)
load = recorded.load


def by_name(items, key='name'):
    return dict((item[key], item) for item in items)


@pytest.fixture(scope='module')
def interfaces():
    return by_name(parse.parse_interfaces(load('link_details.json'), load('addr.json')))


# ----------------------------------------------------------------- interfaces

def test_interface_kinds(interfaces):
    kinds = dict((name, iface['kind']) for name, iface in interfaces.items())
    assert kinds == {'lo': 'loopback', 'eth0': 'veth', 'br0': 'bridge', 'vnet0': 'veth',
                     'vnet1': 'veth', 'br1': 'bridge', 'vnet2': 'veth', 'tap0': 'tun'}


def test_interface_state_mtu_mac_master(interfaces):
    vnet0 = interfaces['vnet0']
    assert vnet0['admin_up'] is True and vnet0['carrier'] is True
    assert vnet0['oper_state'] == 'UP'
    assert (vnet0['mtu'], vnet0['max_mtu']) == (1400, 65535)
    assert vnet0['master'] == 'br0'
    assert vnet0['mac'] == '52:54:00:00:02:00'
    # admin down: IFF_LOWER_UP is not reported, carrier unknown
    assert interfaces['vnet1']['admin_up'] is False
    assert interfaces['vnet1']['carrier'] is None
    assert interfaces['vnet1']['oper_state'] == 'DOWN'
    # up but no carrier (bridge without a forwarding port)
    assert interfaces['br1']['admin_up'] is True and interfaces['br1']['carrier'] is False
    # loopback: max_mtu 0 means "not said"
    assert interfaces['lo']['max_mtu'] is None
    assert interfaces['tap0']['max_mtu'] == 65521
    assert interfaces['eth0']['vlan_id'] is None and interfaces['eth0']['link'] is None


def test_interface_addresses(interfaces):
    addrs = by_name(interfaces['eth0']['addresses'], 'address')
    assert addrs['192.0.2.10'] == {'address': '192.0.2.10', 'prefixlen': 24, 'family': 'ipv4',
                                   'network': '192.0.2.0/24', 'scope': 'global',
                                   'secondary': False, 'dad_failed': False}
    assert addrs['192.0.2.11']['secondary'] is True
    assert addrs['2001:db8:2::99']['dad_failed'] is True
    assert addrs['2001:db8:2::99']['network'] == '2001:db8:2::/64'
    assert addrs['2001:db8:2::10']['dad_failed'] is False
    assert addrs['fe80::5054:ff:fe00:10']['scope'] == 'link'
    assert interfaces['vnet1']['addresses'] == []


def test_physical_from_root_namespace_nic():
    # real virtio NIC: no linkinfo, parentbus set by iproute2
    [iface] = parse.parse_interfaces(load('link_physical_root.json'), [])
    assert iface['kind'] == 'physical'


def test_physical_from_sys_device_and_other():
    link = {'ifname': 'ens3', 'flags': ['BROADCAST', 'UP'], 'link_type': 'ether'}
    assert parse.interface_kind(link, devices={'ens3'}) == 'physical'
    assert parse.interface_kind(link, devices=()) == 'other'
    assert parse.interface_kind({'ifname': 'x', 'linkinfo': {'info_kind': 'vxlan'}}) == 'other'
    assert parse.interface_kind({'ifname': 'b', 'linkinfo': {'info_kind': 'bond'}}) == 'bond'


def test_vlan_device_hand_written():
    ifaces = by_name(parse.parse_interfaces(load('hand_link_vlan_filtering.json'), []))
    assert ifaces['br0.10']['kind'] == 'vlan'
    assert ifaces['br0.10']['vlan_id'] == 10
    assert ifaces['br0.10']['link'] == 'br0'
    assert ifaces['enp1s0']['kind'] == 'physical'
    assert ifaces['enp1s0']['master'] == 'br0'
    assert (ifaces['enp1s0']['mtu'], ifaces['enp1s0']['max_mtu']) == (9000, 9216)
    assert ifaces['vnet0']['kind'] == 'tun'


# ----------------------------------------------------------------- routes

def test_routes_exclude_local_table_by_default():
    routes = parse.parse_routes(load('route4_all.json'), 'ipv4')
    assert 'local' not in set(r['table'] for r in routes)
    assert len(routes) == 8
    with_local = parse.parse_routes(load('route4_all.json'), 'ipv4', include_local=True)
    assert len(with_local) == 16
    assert {'table': 'local', 'dst': '192.0.2.10/32', 'type': 'local'} == dict(
        (k, v) for k, v in with_local[11].items() if k in ('table', 'dst', 'type'))


def test_route_fields():
    routes = parse.parse_routes(load('route4_all.json'), 'ipv4')
    index = dict(((r['table'], r['dst']), r) for r in routes)
    default = index[('main', 'default')]
    assert default == {'family': 'ipv4', 'table': 'main', 'dst': 'default', 'gateway': '192.0.2.1',
                       'dev': 'eth0', 'metric': 100, 'type': 'unicast', 'protocol': 'boot',
                       'scope': 'global', 'prefsrc': None, 'onlink': False, 'nexthops': []}
    connected = index[('main', '192.0.2.0/24')]
    assert (connected['protocol'], connected['scope'], connected['prefsrc'], connected['metric']) == \
        ('kernel', 'link', '192.0.2.10', None)
    assert index[('main', '192.0.2.99/32')]['protocol'] == 'static'
    assert index[('main', '10.99.0.0/16')]['type'] == 'blackhole'
    assert index[('main', '10.99.0.0/16')]['dev'] is None
    assert index[('100', '10.98.0.0/16')]['type'] == 'unreachable'
    assert index[('100', '10.97.0.0/16')]['type'] == 'prohibit'
    assert index[('100', '203.0.113.0/24')]['gateway'] == '192.0.2.20'


def test_routes_ipv6():
    routes = parse.parse_routes(load('route6_all.json'), 'ipv6')
    index = dict(((r['table'], r['dst'], r['dev']), r) for r in routes)
    assert index[('main', 'default', 'eth0')]['gateway'] == '2001:db8:2::1'
    assert index[('main', 'default', 'eth0')]['metric'] == 1024
    assert index[('100', '2001:db8:9::/64', 'eth0')]['gateway'] == '2001:db8:2::20'
    assert all(r['family'] == 'ipv6' for r in routes)
    assert not any(r['type'] == 'multicast' for r in routes)  # those live in the local table


def test_multipath_and_onlink_shapes():
    # shape of `ip -j route` for "nexthop via A dev X weight 1 nexthop via B dev Y weight 1"
    route = {'dst': '203.0.113.0/24', 'flags': [], 'nexthops': [
        {'gateway': '192.0.2.1', 'dev': 'eth0', 'weight': 1, 'flags': ['onlink']},
        {'gateway': '192.0.2.2', 'dev': 'eth1', 'weight': 2, 'flags': []}]}
    [parsed] = parse.parse_routes([route], 'ipv4')
    assert parsed['gateway'] is None and parsed['dev'] is None
    assert parsed['nexthops'][0] == {'gateway': '192.0.2.1', 'dev': 'eth0', 'weight': 1, 'onlink': True}
    [onlink] = parse.parse_routes([{'dst': 'default', 'gateway': '10.0.0.1', 'dev': 'eth0',
                                    'flags': ['onlink']}], 'ipv4')
    assert onlink['onlink'] is True


# ----------------------------------------------------------------- rules

def test_rules_ipv4():
    rules = parse.parse_rules(load('rule4.json'), 'ipv4')
    index = by_name(rules, 'priority')
    assert index[0] == {'family': 'ipv4', 'priority': 0, 'src': None, 'dst': None, 'iif': None,
                        'oif': None, 'fwmark': None, 'table': 'local', 'action': 'lookup',
                        'invert': False}
    assert index[1000]['src'] == '198.51.100.0/24' and index[1000]['table'] == '100'
    assert index[1100]['dst'] == '10.0.0.0/8'
    assert index[1100]['fwmark'] == '0x10/0xff'
    assert index[1200]['iif'] == 'br0' and index[1200]['action'] == 'prohibit'
    assert index[1200]['table'] is None
    assert index[1300]['oif'] == 'eth0' and index[1300]['table'] == 'main'
    assert [r['priority'] for r in rules] == [0, 1000, 1100, 1200, 1300, 32766, 32767]


def test_rules_ipv6_and_not():
    rules = parse.parse_rules(load('rule6.json'), 'ipv6')
    assert by_name(rules, 'priority')[1000]['src'] == '2001:db8:3::/64'
    [inverted] = parse.parse_rules([{'priority': 10, 'not': None, 'src': '10.0.0.0', 'srclen': 8,
                                     'table': 'main'}], 'ipv4')
    assert inverted['invert'] is True


# ----------------------------------------------------------------- route get

@pytest.mark.parametrize('name,address,expected', [
    ('route_get_192.0.2.20.json', '192.0.2.20',
     {'ok': True, 'type': 'unicast', 'dev': 'eth0', 'gateway': None, 'prefsrc': '192.0.2.10', 'table': 'main'}),
    ('route_get_203.0.113.5.json', '203.0.113.5',
     {'ok': True, 'dev': 'eth0', 'gateway': '192.0.2.1', 'prefsrc': '192.0.2.10'}),
    ('route_get_198.51.100.7.json', '198.51.100.7', {'ok': True, 'dev': 'br0', 'prefsrc': '198.51.100.1'}),
    ('route_get_2001_db8_2__20.json', '2001:db8:2::20', {'ok': True, 'dev': 'eth0', 'prefsrc': '2001:db8:2::10'}),
])
def test_route_get_ok(name, address, expected):
    entry = parse.parse_route_get(address, 0, recorded.text(name), '', json.loads)
    assert entry['address'] == address and entry['error'] is None
    for key, value in expected.items():
        assert entry[key] == value, key


@pytest.mark.parametrize('stderr_file,address,message', [
    ('route_get_unreachable.stderr', '203.0.113.9', 'Network is unreachable'),
    ('route_get_10.99.1.1.stderr', '10.99.1.1', 'Invalid argument'),
])
def test_route_get_failure(stderr_file, address, message):
    rc, out, err = recorded._failed(stderr_file)
    entry = parse.parse_route_get(address, rc, out, err, json.loads)
    assert entry == {'address': address, 'ok': False, 'error': message, 'type': None, 'dev': None,
                     'gateway': None, 'prefsrc': None, 'table': None}


def test_route_get_garbage():
    entry = parse.parse_route_get('192.0.2.1', 0, 'not json', '', json.loads)
    assert entry['ok'] is False and 'unreadable' in entry['error']


# ----------------------------------------------------------------- neighbours

def test_neighbor_states():
    neigh = by_name(parse.parse_neighbors(load('neigh4.json')), 'address')
    assert neigh['192.0.2.20'] == {'address': '192.0.2.20', 'family': 'ipv4', 'mac': '52:54:00:00:00:20',
                                   'dev': 'eth0', 'state': ['REACHABLE'], 'router': False}
    assert neigh['192.0.2.50']['state'] == ['PERMANENT']
    assert neigh['192.0.2.50']['mac'] == '52:54:00:aa:bb:50'
    assert neigh['192.0.2.51']['state'] == ['STALE']
    assert neigh['192.0.2.77'] == {'address': '192.0.2.77', 'family': 'ipv4', 'mac': None,
                                   'dev': 'eth0', 'state': ['FAILED'], 'router': False}
    assert neigh['192.0.2.78']['state'] == ['INCOMPLETE'] and neigh['192.0.2.78']['mac'] is None
    assert neigh['2001:db8:2::20']['family'] == 'ipv6'
    assert neigh['2001:db8:2::20']['router'] is True
    assert neigh['fe80::5054:ff:fe00:20']['router'] is False


# ----------------------------------------------------------------- bridges

def test_bridges_real_no_vlan_filtering():
    links = load('link_details.json')
    ifaces = parse.parse_interfaces(links, load('addr.json'))
    states = parse.parse_bridge_link_states(load('bridge_link.json'))
    assert states == {'vnet0': 'forwarding', 'vnet1': 'disabled', 'vnet2': 'listening'}
    bridges = by_name(parse.parse_bridges(links, ifaces, states, parse.parse_bridge_vlans(
        load('bridge_vlan_nofilter.json'))))
    assert sorted(bridges) == ['br0', 'br1']
    br0 = bridges['br0']
    assert (br0['stp_enabled'], br0['vlan_filtering'], br0['mtu']) == (False, False, 1400)
    # this kernel has no CONFIG_BRIDGE_VLAN_FILTERING: no vlan_default_pvid -> unknown
    assert br0['default_pvid'] is None
    ports = by_name(br0['ports'])
    assert ports['vnet0'] == {'name': 'vnet0', 'state': 'forwarding', 'admin_up': True, 'carrier': True,
                              'mtu': 1400, 'pvid': None, 'vids': [], 'untagged': []}
    assert ports['vnet1']['state'] == 'disabled' and ports['vnet1']['admin_up'] is False
    assert bridges['br1']['stp_enabled'] is True
    assert by_name(bridges['br1']['ports'])['vnet2']['state'] == 'listening'
    assert br0['mac_filters'] == []


def test_bridges_port_state_from_ip_details_without_bridge_tool():
    links = load('link_details.json')
    ifaces = parse.parse_interfaces(links, [])
    bridges = by_name(parse.parse_bridges(links, ifaces))
    assert by_name(bridges['br0']['ports'])['vnet1']['state'] == 'disabled'
    assert by_name(bridges['br1']['ports'])['vnet2']['state'] == 'listening'


def test_bridge_vlans_hand_written():
    vlans = parse.parse_bridge_vlans(load('hand_bridge_vlan.json'))
    assert vlans['vnet0'] == {'pvid': 10, 'vids': [10], 'untagged': [10]}
    assert vlans['enp1s0'] == {'pvid': 1, 'vids': [1, 10, 20, 21, 22], 'untagged': [1]}
    links = load('hand_link_vlan_filtering.json')
    ifaces = parse.parse_interfaces(links, [])
    states = parse.parse_bridge_link_states(load('hand_bridge_link_blocking.json'))
    [br0] = parse.parse_bridges(links, ifaces, states, vlans)
    assert (br0['vlan_filtering'], br0['default_pvid'], br0['stp_enabled']) == (True, 1, True)
    assert (br0['pvid'], br0['vids'], br0['untagged']) == (1, [1, 10], [1])
    ports = by_name(br0['ports'])
    assert sorted(ports) == ['enp1s0', 'vnet0', 'vnet1']  # br0.10 is not a port
    assert ports['vnet1']['state'] == 'blocking'
    assert (ports['vnet1']['pvid'], ports['vnet1']['vids']) == (20, [20])
    assert ports['vnet0']['pvid'] == 10
    assert ports['enp1s0']['mtu'] == 9000


# ----------------------------------------------------------------- veth peers and the bridge fdb
# fdb_*.json: namespaces nx-fdb-h (bridges br0, br1) and nx-fdb-p (the peers), capture_fdb.sh.

def test_veth_peer_ifindex_across_namespaces():
    hv = by_name(parse.parse_interfaces(load('fdb_link_details.json'), []))
    peer = by_name(parse.parse_interfaces(load('fdb_peer_link_details.json'), []))
    # link_index is the peer's ifindex in the PEER's namespace, both ways round
    assert hv['uplink0']['peer_ifindex'] == peer['eth0']['ifindex'] == 2
    assert peer['eth0']['peer_ifindex'] == hv['uplink0']['ifindex'] == 3
    assert hv['vnet-vm1']['peer_ifindex'] == peer['eth1']['ifindex'] == 3
    assert peer['eth1']['peer_ifindex'] == hv['vnet-vm1']['ifindex'] == 4
    # hv's uplink0 points at ifindex 2 -- which in hv's own namespace is br0: only the netnsid
    # tells that the index belongs to another namespace
    assert hv['br0']['ifindex'] == 2
    assert hv['uplink0']['link_netnsid'] == 0 and peer['eth0']['link_netnsid'] == 0
    # nsid 0 is the other namespace, seen from either side (ids are per viewing namespace)
    assert load('fdb_netns_ids_h.json') == [{'nsid': 0, 'name': 'nx-fdb-p'}]
    assert load('fdb_netns_ids_p.json') == [{'nsid': 0, 'name': 'nx-fdb-h'}]
    assert hv['uplink0']['link'] is None


def test_veth_peer_in_same_namespace_and_non_veth():
    hv = by_name(parse.parse_interfaces(load('fdb_link_details.json'), []))
    assert (hv['vport0']['link'], hv['vport0']['peer_ifindex'], hv['vport0']['link_netnsid']) == ('vpeer0', 6, None)
    assert (hv['vpeer0']['link'], hv['vpeer0']['peer_ifindex']) == ('vport0', 7)
    for name in ('lo', 'br0', 'br1'):
        assert (hv[name]['peer_ifindex'], hv[name]['link_netnsid']) == (None, None)
    # nf-cap-h: veth eth0 with its peer in nf-cap-p; tun and vlan devices have no veth peer
    old = by_name(parse.parse_interfaces(load('link_details.json'), []))
    assert (old['eth0']['peer_ifindex'], old['eth0']['link_netnsid']) == (2, 0)
    assert old['tap0']['peer_ifindex'] is None
    vlan = by_name(parse.parse_interfaces(load('hand_link_vlan_filtering.json'), []))
    assert (vlan['br0.10']['link'], vlan['br0.10']['peer_ifindex']) == ('br0', None)


def test_veth_peer_unnamed_by_iproute2():
    # iproute2 prints "if<N>" when it cannot name the peer's index
    link = {'ifname': 'v0', 'ifindex': 9, 'link': 'if12', 'linkinfo': {'info_kind': 'veth'}}
    [iface] = parse.parse_interfaces([link], [])
    assert iface['peer_ifindex'] == 12


def test_bridge_fdb_one_dump_for_all_bridges():
    links = load('fdb_link_details.json')
    fdb = parse.parse_bridge_fdb(load('fdb_show.json'), links)
    assert sorted(fdb) == ['br0', 'br1']
    br0 = dict(((e['mac'], e['port'], 'master' in e['flags']), e) for e in fdb['br0'])
    # learned from the peers' pings, on the right ports
    assert br0[('52:54:00:00:00:21', 'vnet-vm1', True)] == {
        'mac': '52:54:00:00:00:21', 'port': 'vnet-vm1', 'vlan': None, 'local': False,
        'state': 'dynamic', 'flags': ['master']}
    assert br0[('52:54:00:00:00:20', 'uplink0', True)]['state'] == 'dynamic'
    # user static entry: not local; the ports' own MACs and a user permanent entry: local
    assert br0[('52:54:00:00:00:99', 'vnet-vm1', True)]['flags'] == ['master', 'static']
    assert br0[('52:54:00:00:00:99', 'vnet-vm1', True)]['local'] is False
    for mac, port in (('52:54:00:00:02:11', 'vnet-vm1'), ('52:54:00:00:02:10', 'uplink0'),
                      ('52:54:00:00:00:97', 'uplink0')):
        assert br0[(mac, port, True)]['local'] is True
        assert br0[(mac, port, True)]['flags'] == ['master', 'permanent']
    # a port device's own (self) entries are kept, flagged
    assert br0[('33:33:00:00:00:01', 'uplink0', False)]['flags'] == ['self', 'permanent']
    # dropped: the bridge device's own entries (self multicast list, its MAC "dev br0 master br0")
    # and vpeer0's self entries (vpeer0 is no bridge's port)
    assert all(e['port'] not in ('br0', 'br1', 'vpeer0') for entries in fdb.values() for e in entries)
    assert not [e for e in fdb['br0'] if e['mac'] == '52:54:00:00:01:00']
    assert [(e['mac'], e['state']) for e in fdb['br1'] if 'master' in e['flags']] == [
        ('52:54:00:00:02:21', 'dynamic'), ('52:54:00:00:02:20', 'permanent')]


def test_bridge_fdb_single_dump_matches_per_bridge_dump():
    links = load('fdb_link_details.json')
    per_bridge = parse.parse_bridge_fdb(load('fdb_show_br0.json'), links)
    assert per_bridge == {'br0': parse.parse_bridge_fdb(load('fdb_show.json'), links)['br0']}


def test_bridges_carry_fdb_or_unknown():
    links = load('fdb_link_details.json')
    ifaces = parse.parse_interfaces(links, [])
    bridges = by_name(parse.parse_bridges(links, ifaces, fdb=load('fdb_show.json')))
    assert ('52:54:00:00:00:21', 'vnet-vm1') in [(e['mac'], e['port']) for e in bridges['br0']['fdb']]
    assert all(e['port'] == 'vport0' for e in bridges['br1']['fdb'])
    assert [b['fdb'] for b in parse.parse_bridges(links, ifaces, fdb=[])] == [[], []]
    assert [b['fdb'] for b in parse.parse_bridges(links, ifaces)] == [None, None]


# ----------------------------------------------------------------- sysctls

def test_sysctls_real():
    values = load('sysctl.json')
    names = sorted(set(p.split('/')[6] for p in values if p.startswith('/proc/sys/net/ipv4/conf/')))
    sysctls = parse.parse_sysctls(values, names)
    assert sysctls['ipv4'] == {'ip_forward': 1, 'icmp_echo_ignore_all': 0, 'icmp_echo_ignore_broadcasts': 1}
    assert sysctls['ipv6'] == {'forwarding': 0, 'icmp_echo_ignore_all': 0}
    assert sysctls['conf']['eth0']['rp_filter'] == 1
    assert sysctls['conf']['br0']['arp_ignore'] == 1
    assert sysctls['conf']['all'] == {'rp_filter': 0, 'arp_ignore': 0, 'arp_announce': 2,
                                      'forwarding': 1, 'accept_local': 0}
    assert set(sysctls['conf']) == {'all', 'default', 'lo', 'eth0', 'br0', 'br1', 'vnet0', 'vnet1',
                                    'vnet2', 'tap0'}


def test_sysctls_missing_keys_absent():
    sysctls = parse.parse_sysctls({'/proc/sys/net/ipv4/ip_forward': '0\n'}, ['all'])
    assert sysctls == {'ipv4': {'ip_forward': 0}, 'ipv6': {}, 'conf': {}}


def test_canonical_helpers():
    assert parse.canonical_address('2001:DB8:0::1') == '2001:db8::1'
    assert parse.canonical_prefix('2001:db8::1') == '2001:db8::1/128'
    assert parse.canonical_prefix('10.1.2.3/8') == '10.0.0.0/8'
    assert parse.canonical_mac('52:54:00:AA:BB:CC') == '52:54:00:aa:bb:cc'
