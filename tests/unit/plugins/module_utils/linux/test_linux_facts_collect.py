"""collect(), option validation and ICMP query building (plugins/module_utils/linux/facts.py).

The host is the recorded namespace nf-cap-h (tests/unit/fixtures/linux, README.md): only the
runner edge is replaced, by ``RecordedRunner`` answering from the captured files.
"""
import importlib.util
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import facts as linux_facts

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'linux')
_spec = importlib.util.spec_from_file_location('nf_recorded', os.path.join(FIXTURES, 'recorded.py'))
recorded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorded)

SCHEMA_SECTIONS = {'schema_version', 'platform', 'hostname', 'tools', 'errors', 'interfaces', 'routes',
                   'policy_rules', 'route_lookups', 'neighbors', 'bridges', 'sysctls', 'firewall',
                   'virtual_switches', 'vm_nics', 'vmkernel_nics', 'physical_nics', 'duplicate_macs', 'ovs', 'libvirt',
                   'virtualbox', 'vmware_workstation'}


class FakeFirewall(object):
    """Stands in for firewall.collect_firewall to see what net_facts hands over."""

    def __init__(self, errors=()):
        self.calls = []
        self.errors = list(errors)

    def __call__(self, run, queries, gather_rulesets):
        self.calls.append((run, queries, gather_rulesets))
        return {'backends': {'nftables': {'present': False, 'active': False}},
                'icmp': [dict(q, verdict='accept') for q in queries], 'rulesets': {},
                '_errors': list(self.errors)}


@pytest.fixture
def fake_firewall(monkeypatch):
    fake = FakeFirewall(errors=[('iptables', 'iptables-save: Permission denied')])
    monkeypatch.setattr(linux_facts, 'collect_firewall', fake)
    monkeypatch.setattr(linux_facts, 'nft_tables_in', lambda out: False)     # no MAC filters from nft either
    return fake


def collect(runner, peers=(), flows=(), **kwargs):
    peers, flows = linux_facts.validate_options(list(peers), list(flows))
    return linux_facts.collect(runner, peers, flows, **kwargs)


# ----------------------------------------------------------------- options

@pytest.mark.parametrize('peers,flows,fragment', [
    (['192.0.2.300'], [], "peers[0]: '192.0.2.300' is not an IP address"),
    (['vm1.example'], [], 'peers[0]'),
    (['192.0.2.0/24'], [], 'no prefix length'),
    ([5], [], 'peers[0] must be an IP address string'),
    ([], [{'src': '192.0.2.1', 'dst': 'nope'}], "flows[0].dst: 'nope'"),
    ([], [{'src': '192.0.2.1', 'dst': '2001:db8::1'}], 'not the same IP family'),
])
def test_validate_options_rejects(peers, flows, fragment):
    with pytest.raises(DoctorError) as caught:
        linux_facts.validate_options(peers, flows)
    assert fragment in str(caught.value)


def test_validate_options_canonicalises_and_dedups():
    peers, flows = linux_facts.validate_options(
        ['2001:DB8::0001', '192.0.2.20', '192.0.2.20 '],
        [{'src': '192.0.2.1', 'dst': '192.0.2.2'}, {'src': '192.0.2.1', 'dst': '192.0.2.2'}])
    assert peers == ['2001:db8::1', '192.0.2.20']
    assert flows == [{'src': '192.0.2.1', 'dst': '192.0.2.2'}]


# ----------------------------------------------------------------- icmp queries

def test_icmp_queries_for_peer_use_route_lookup_source_and_device():
    lookups = [{'address': '192.0.2.20', 'ok': True, 'dev': 'eth0', 'prefsrc': '192.0.2.10'}]
    queries = linux_facts.build_icmp_queries(['192.0.2.20'], [], lookups, [])
    assert queries == [
        {'family': 'ipv4', 'hook': 'input', 'icmp_type': 'echo-request', 'src': '192.0.2.20',
         'dst': '192.0.2.10', 'iif': 'eth0', 'oif': None},
        {'family': 'ipv4', 'hook': 'output', 'icmp_type': 'echo-reply', 'src': '192.0.2.10',
         'dst': '192.0.2.20', 'iif': None, 'oif': 'eth0'},
        {'family': 'ipv4', 'hook': 'output', 'icmp_type': 'echo-request', 'src': '192.0.2.10',
         'dst': '192.0.2.20', 'iif': None, 'oif': 'eth0'},
        {'family': 'ipv4', 'hook': 'input', 'icmp_type': 'echo-reply', 'src': '192.0.2.20',
         'dst': '192.0.2.10', 'iif': 'eth0', 'oif': None},
    ]


def test_icmp_queries_without_route_use_every_global_address_of_the_family():
    interfaces = [{'addresses': [
        {'address': '192.0.2.10', 'family': 'ipv4', 'scope': 'global', 'dad_failed': False},
        {'address': '127.0.0.1', 'family': 'ipv4', 'scope': 'host', 'dad_failed': False},
        {'address': '2001:db8::1', 'family': 'ipv6', 'scope': 'global', 'dad_failed': False},
        {'address': '198.51.100.1', 'family': 'ipv4', 'scope': 'global', 'dad_failed': False}]}]
    lookups = [{'address': '203.0.113.9', 'ok': False, 'dev': None, 'prefsrc': None}]
    queries = linux_facts.build_icmp_queries(['203.0.113.9'], [], lookups, interfaces)
    assert len(queries) == 8
    assert set(q['dst'] for q in queries if q['hook'] == 'input') == {'192.0.2.10', '198.51.100.1'}
    assert all(q['iif'] is None and q['oif'] is None for q in queries)


def test_icmp_queries_for_flow_are_forward_both_ways():
    lookups = [{'address': '198.51.100.7', 'ok': True, 'dev': 'br0', 'prefsrc': '198.51.100.1'},
               {'address': '192.0.2.20', 'ok': True, 'dev': 'eth0', 'prefsrc': '192.0.2.10'}]
    queries = linux_facts.build_icmp_queries([], [{'src': '198.51.100.7', 'dst': '192.0.2.20'}], lookups, [])
    assert queries == [
        {'family': 'ipv4', 'hook': 'forward', 'icmp_type': 'echo-request', 'src': '198.51.100.7',
         'dst': '192.0.2.20', 'iif': 'br0', 'oif': 'eth0'},
        {'family': 'ipv4', 'hook': 'forward', 'icmp_type': 'echo-reply', 'src': '192.0.2.20',
         'dst': '198.51.100.7', 'iif': 'eth0', 'oif': 'br0'},
        # the VM pinging back (issue 11: a forward drop of the VM -> host echo must be seen)
        {'family': 'ipv4', 'hook': 'forward', 'icmp_type': 'echo-request', 'src': '192.0.2.20',
         'dst': '198.51.100.7', 'iif': 'eth0', 'oif': 'br0'},
        {'family': 'ipv4', 'hook': 'forward', 'icmp_type': 'echo-reply', 'src': '198.51.100.7',
         'dst': '192.0.2.20', 'iif': 'br0', 'oif': 'eth0'},
    ]


def test_icmp_queries_cover_the_secondary_addresses_of_the_egress_device():
    interfaces = [{'name': 'eth0', 'addresses': [
        {'address': '192.0.2.20', 'family': 'ipv4', 'scope': 'global', 'dad_failed': False},
        {'address': '192.0.2.21', 'family': 'ipv4', 'scope': 'global', 'dad_failed': False}]},
        {'name': 'eth1', 'addresses': [
            {'address': '203.0.113.5', 'family': 'ipv4', 'scope': 'global', 'dad_failed': False}]}]
    lookups = [{'address': '198.51.100.7', 'ok': True, 'dev': 'eth0', 'prefsrc': '192.0.2.20'}]
    queries = linux_facts.build_icmp_queries(['198.51.100.7'], [], lookups, interfaces)
    assert [q['dst'] for q in queries if q['hook'] == 'input' and q['icmp_type'] == 'echo-request'] == \
        ['192.0.2.20', '192.0.2.21']


# ----------------------------------------------------------------- collect

def test_collect_recorded_host(fake_firewall):
    runner = recorded.RecordedRunner()
    facts = collect(runner, peers=['192.0.2.20', '2001:db8:2::20', '203.0.113.9'],
                    flows=[{'src': '198.51.100.7', 'dst': '192.0.2.20'}], gather_rulesets=True)
    assert set(facts) == SCHEMA_SECTIONS
    assert facts['platform'] == 'linux' and facts['schema_version'] == 1
    assert facts['ovs']['present'] is False and 'openvswitch-switch' in facts['ovs']['note']  # no ovs-vsctl
    assert facts['tools'] == {'ip': True, 'bridge': True, 'nft': False, 'iptables': False,
                              'iptables_legacy': False, 'firewall_cmd': False, 'ufw': False}
    assert [i['name'] for i in facts['interfaces']] == ['lo', 'eth0', 'br0', 'vnet0', 'vnet1', 'br1',
                                                        'vnet2', 'tap0']
    assert len(facts['routes']) == 8 + 7  # ipv4 + ipv6 without the local table
    assert len(facts['policy_rules']) == 7 + 3
    lookups = dict((r['address'], r) for r in facts['route_lookups'])
    assert list(lookups) == ['192.0.2.20', '2001:db8:2::20', '203.0.113.9', '198.51.100.7']
    assert lookups['203.0.113.9']['ok'] is False
    assert lookups['203.0.113.9']['error'] == 'Network is unreachable'
    assert [b['name'] for b in facts['bridges']] == ['br0', 'br1']
    assert facts['sysctls']['conf']['eth0']['rp_filter'] == 1
    # bridge vlan is not asked when no bridge filters VLANs
    assert ('bridge', '-j', 'vlan', 'show') not in runner.calls
    # the firewall collector got the runner, the queries and the flag
    [(run, queries, gather)] = fake_firewall.calls
    assert run == runner.run and gather is True
    hooks = [(q['hook'], q['icmp_type'], q['src'], q['dst']) for q in queries]
    assert ('input', 'echo-request', '192.0.2.20', '192.0.2.10') in hooks
    assert ('input', 'echo-request', '2001:db8:2::20', '2001:db8:2::10') in hooks
    assert ('forward', 'echo-reply', '192.0.2.20', '198.51.100.7') in hooks
    assert facts['firewall']['icmp'][0]['verdict'] == 'accept'
    assert '_errors' not in facts['firewall']
    assert facts['errors'] == [{'source': 'iptables', 'message': 'iptables-save: Permission denied'}]


def test_collect_include_local_routes(fake_firewall):
    facts = collect(recorded.RecordedRunner(), include_local_routes=True)
    assert len(facts['routes']) == 16 + 17
    assert 'local' in set(r['table'] for r in facts['routes'])


def test_collect_vlan_aware_bridge_asks_bridge_vlan(fake_firewall):
    runner = recorded.RecordedRunner(commands=recorded.recorded_commands(hand_written=True))
    facts = collect(runner)
    assert ('bridge', '-j', 'vlan', 'show') in runner.calls
    [br0] = facts['bridges']
    ports = dict((p['name'], p) for p in br0['ports'])
    assert ports['vnet0']['pvid'] == 10 and ports['vnet1']['state'] == 'blocking'


def test_collect_missing_bridge_tool_is_not_an_error(fake_firewall):
    runner = recorded.RecordedRunner(tools=('ip',))
    facts = collect(runner)
    assert facts['tools']['bridge'] is False
    assert not any(call[0] == 'bridge' for call in runner.calls)
    assert [e for e in facts['errors'] if e['source'].startswith('bridge')] == []
    # port states still known from `ip -d link`
    ports = dict((p['name'], p) for p in facts['bridges'][0]['ports'])
    assert ports['vnet1']['state'] == 'disabled'


def test_collect_missing_ip_tool_leaves_sections_empty(fake_firewall):
    facts = collect(recorded.RecordedRunner(tools=()), peers=['192.0.2.20'])
    assert facts['tools']['ip'] is False
    for section in ('interfaces', 'routes', 'policy_rules', 'route_lookups', 'neighbors', 'bridges'):
        assert facts[section] == [], section
    assert facts['sysctls']['ipv4']['ip_forward'] == 1  # files are still read
    assert [e['source'] for e in facts['errors']] == ['iptables']  # only the fake firewall's


def test_collect_command_failure_is_an_error_entry(fake_firewall):
    commands = recorded.recorded_commands()
    commands[('ip', '-j', 'neigh', 'show')] = (1, '', 'Cannot send dump request: Operation not permitted\n')
    commands[('ip', '-j', '-6', 'rule', 'show')] = (0, '{broken', '')
    facts = collect(recorded.RecordedRunner(commands=commands))
    assert facts['neighbors'] == []
    errors = dict((e['source'], e['message']) for e in facts['errors'])
    assert errors['ip neigh'] == 'ip -j neigh show: Cannot send dump request: Operation not permitted'
    assert errors['ip rule'].startswith('ip -j -6 rule show: output is not JSON')
    assert len([r for r in facts['policy_rules'] if r['family'] == 'ipv4']) == 7
    assert facts['interfaces']  # the rest is still there


def test_collect_without_ipv6(fake_firewall):
    files = dict((p, v) for p, v in recorded.recorded_files().items() if '/ipv6/' not in p)
    runner = recorded.RecordedRunner(files=files)
    facts = collect(runner)
    assert not any('-6' in call for call in runner.calls)
    assert facts['sysctls']['ipv6'] == {}


def test_collect_unreadable_sysctl_is_an_error(fake_firewall):
    runner = recorded.RecordedRunner()

    def read(path):
        if path.endswith('/ip_forward'):
            raise IOError(13, 'Permission denied')
        return runner.files.get(path)
    runner.read = read
    facts = collect(runner)
    assert 'ip_forward' not in facts['sysctls']['ipv4']
    assert any(e['source'] == 'sysctl' and 'ip_forward' in e['message'] for e in facts['errors'])


def test_collect_fdb_one_dump_for_all_bridges_and_veth_peers(fake_firewall):
    """nx-fdb-h (capture_fdb.sh): two bridges, one ``bridge -j fdb show`` for both."""
    runner = recorded.RecordedRunner(commands=recorded.fdb_commands())
    facts = collect(runner)
    assert [e['source'] for e in facts['errors']] == ['iptables']  # from fake_firewall only
    fdb_calls = [call for call in runner.calls if call[:3] == ('bridge', '-j', 'fdb')]
    assert fdb_calls == [('bridge', '-j', 'fdb', 'show')]
    bridges = dict((b['name'], b) for b in facts['bridges'])
    learned = [(e['mac'], e['port']) for e in bridges['br0']['fdb'] if not e['local']]
    assert ('52:54:00:00:00:21', 'vnet-vm1') in learned and ('52:54:00:00:00:20', 'uplink0') in learned
    assert set(e['port'] for e in bridges['br1']['fdb']) == {'vport0'}
    ifaces = dict((i['name'], i) for i in facts['interfaces'])
    assert (ifaces['uplink0']['peer_ifindex'], ifaces['uplink0']['link_netnsid']) == (2, 0)
    assert (ifaces['vport0']['peer_ifindex'], ifaces['vport0']['link_netnsid']) == (6, None)


def test_collect_fdb_failure_is_an_error_and_unknown(fake_firewall):
    commands = recorded.fdb_commands()
    commands[('bridge', '-j', 'fdb', 'show')] = (1, '', 'Error: Operation not supported\n')
    facts = collect(recorded.RecordedRunner(commands=commands))
    assert {'source': 'bridge fdb', 'message': 'bridge -j fdb show: Error: Operation not supported'} \
        in facts['errors']
    assert [b['fdb'] for b in facts['bridges']] == [None, None]
    # the rest of the bridge section is still there
    assert [len(b['ports']) for b in facts['bridges']] == [2, 1]


def test_collect_fdb_without_bridge_tool_is_unknown(fake_firewall):
    runner = recorded.RecordedRunner(commands=recorded.fdb_commands(), tools=('ip',))
    facts = collect(runner)
    assert [b['fdb'] for b in facts['bridges']] == [None, None]
    assert not [call for call in runner.calls if call[0] == 'bridge']


def test_diagnosis_pairs_ports_through_fdb_and_peer_ifindex(fake_firewall):
    """The diagnosis engine's port matching on these facts: fdb first, then veth peer indexes."""
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.topology import match_peer
    from ansible_collections.vmnet.doctor.plugins.module_utils.linux import parse

    hv = HostView('switch', 'nx-fdb-h', collect(recorded.RecordedRunner(commands=recorded.fdb_commands())))
    peers = dict((i['name'], i) for i in parse.parse_interfaces(recorded.load('fdb_peer_link_details.json'), []))
    vm = HostView('target', 'nx-fdb-p', {'interfaces': list(peers.values())})
    port, how = match_peer(hv, vm, peers['eth1'], None)
    assert (port['name'], how) == ('vnet-vm1', 'fdb')
    # without a MAC to look up, the veth peer index pairs host eth0 with uplink0 (not br0,
    # which has the same ifindex 2 in the hypervisor's own namespace)
    no_mac = dict(peers['eth0'], mac=None)
    port, how = match_peer(hv, vm, no_mac, None)
    assert (port['name'], how) == ('uplink0', 'peer_ifindex')


def test_collect_firewall_unavailable_is_reported(monkeypatch):
    monkeypatch.setattr(linux_facts, 'collect_firewall', None)
    monkeypatch.setattr(linux_facts, 'FIREWALL_IMPORT_ERROR', 'No module named firewall')
    facts = collect(recorded.RecordedRunner())
    assert facts['firewall'] == {'backends': {}, 'icmp': [], 'rulesets': {}}
    assert {'source': 'firewall', 'message': 'firewall collector unavailable: No module named firewall'} \
        in facts['errors']


# ----------------------------------------------------------------- with the real firewall package

needs_firewall = pytest.mark.skipif(linux_facts.collect_firewall is None,
                                    reason='plugins/module_utils/netfilter not importable')


@needs_firewall
def test_collect_real_firewall_and_bridge_mac_filters():
    """nft ruleset captured in nf-cap-h: bridge MAC drops and an inet ICMP drop (README.md)."""
    runner = recorded.RecordedRunner(tools=('ip', 'bridge', 'nft'))
    facts = collect(runner, peers=['192.0.2.20'])
    assert facts['errors'] == []
    assert facts['tools']['nft'] is True and facts['tools']['iptables'] is False
    assert facts['firewall']['backends']['nftables'] == {'present': True, 'active': True}
    drop = [v for v in facts['firewall']['icmp'] if v['hook'] == 'input' and v['icmp_type'] == 'echo-request'][0]
    assert (drop['src'], drop['dst'], drop['iif'], drop['verdict']) == ('192.0.2.20', '192.0.2.10', 'eth0', 'drop')
    rule = drop['deciding_rule']
    assert (rule['backend'], rule['family'], rule['table'], rule['chain']) == ('nftables', 'inet', 'filter', 'input')
    assert isinstance(rule['handle'], int)
    bridges = dict((b['name'], b) for b in facts['bridges'])
    br0 = sorted((m['mac'], m['direction'], m['port']) for m in bridges['br0']['mac_filters'])
    assert br0 == [('52:54:00:00:00:aa', 'source', 'vnet0'), ('52:54:00:00:00:bb', 'destination', None),
                   ('52:54:00:00:00:cc', 'destination', None)]
    # the rule bound to vnet0 does not concern br1; the any-port rule does
    br1 = sorted(m['mac'] for m in bridges['br1']['mac_filters'])
    assert br1 == ['52:54:00:00:00:bb', '52:54:00:00:00:cc']
    [aa] = [m for m in bridges['br0']['mac_filters'] if m['mac'] == '52:54:00:00:00:aa']
    assert aa['verdict'] == 'drop'
    assert aa['rule']['family'] == 'bridge' and aa['rule']['chain'] == 'forward'
    assert aa['rule']['handle'] == 2


@needs_firewall
def test_collect_nft_permission_error_is_reported_not_guessed():
    commands = recorded.recorded_commands()
    commands[('nft', '-j', 'list', 'ruleset')] = (1, '', 'Operation not permitted (you must be root)\n')
    facts = collect(recorded.RecordedRunner(commands=commands, tools=('ip', 'bridge', 'nft')), peers=['192.0.2.20'])
    assert [e['source'] for e in facts['errors']] == ['nft']
    assert 'Operation not permitted' in facts['errors'][0]['message']
    assert all(b['mac_filters'] == [] for b in facts['bridges'])


@needs_firewall
def test_collect_unreadable_nft_json_reported_once():
    commands = recorded.recorded_commands()
    commands[('nft', '-j', 'list', 'ruleset')] = (0, '{"nftables": [', '')
    facts = collect(recorded.RecordedRunner(commands=commands, tools=('ip', 'bridge', 'nft')))
    assert [e['source'] for e in facts['errors']] == ['nft']
    assert all(b['mac_filters'] == [] for b in facts['bridges'])


class HostState(object):
    """The host-reading side of CommandRunner (reads_host, read, preset, cached) for _answer_from_host."""
    reads_host = True

    def __init__(self, files, iptables=None):
        self.files = files
        self.presets = {}
        self.iptables = iptables

    def which(self, name):
        return self.iptables if name == 'iptables' else None

    def read(self, path):
        return self.files.get(path)

    def preset(self, argv, result):
        self.presets[tuple(argv)] = result


def test_an_empty_legacy_table_list_is_an_empty_dump_without_running_iptables_legacy_save():
    tools = dict((key, False) for key, _names in linux_facts.TOOLS)
    tools['iptables_legacy'] = True
    runner = HostState({'/proc/net/ip_tables_names': '', '/proc/net/ip6_tables_names': 'filter\n'})
    linux_facts._answer_from_host(runner, tools)
    # IPv4 has no legacy table in this namespace; IPv6 has one (and a file that is missing says nothing)
    assert runner.presets == {('iptables-legacy-save',): (0, '', '')}
    runner = HostState({})
    linux_facts._answer_from_host(runner, tools)
    assert runner.presets == {}


def test_the_iptables_variant_is_read_from_the_binary_it_links_to(tmp_path):
    real = tmp_path / 'xtables-legacy-multi'
    real.write_text('')
    link = tmp_path / 'iptables'
    link.symlink_to(real)
    tools = dict((key, False) for key, _names in linux_facts.TOOLS)
    runner = HostState({}, iptables=str(link))
    linux_facts._answer_from_host(runner, tools)
    assert runner.presets == {('iptables', '-V'): (0, 'iptables (legacy)\n', '')}


class Prefetching(recorded.RecordedRunner):
    """The recorded host, with CommandRunner's prefetch: which reads are started ahead."""
    caches = True

    def __init__(self, *args, **kwargs):
        super(Prefetching, self).__init__(*args, **kwargs)
        self.prefetched = []

    def cached(self, argv):
        return False

    def prefetch(self, argvs):
        self.prefetched.extend(tuple(a) for a in argvs)


@pytest.mark.parametrize('filtering', ['0', '1'])
def test_the_bridge_dumps_are_started_ahead_when_sysfs_shows_a_bridge(filtering):
    files = recorded.recorded_files()
    files.update({'/sys/class/net/br0/bridge/vlan_filtering': filtering + '\n', '/sys/class/net/eth0/mtu': '1500\n'})
    commands = recorded.recorded_commands()
    commands[('bridge', '-j', 'vlan', 'show')] = (0, '[]', '')
    runner = Prefetching(commands=commands, files=files)
    collect(runner, ['192.0.2.20'])
    bridge_reads = [argv for argv in runner.prefetched if argv[0] == 'bridge']
    assert bridge_reads == [('bridge', '-j', 'link', 'show'), ('bridge', '-j', 'fdb', 'show')] + \
        ([('bridge', '-j', 'vlan', 'show')] if filtering == '1' else [])
    assert ('ip', '-j', 'route', 'get', '192.0.2.20') in runner.prefetched
    # without a bridge in sysfs, no bridge dump is started ahead
    runner = Prefetching(files=recorded.recorded_files())
    collect(runner, ['192.0.2.20'])
    assert [argv for argv in runner.prefetched if argv[0] == 'bridge'] == []
