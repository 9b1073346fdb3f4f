# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open vSwitch: parsers on output captured from the ovs lab (tests/unit/fixtures/ovs/README.md says how),
the collector without OVS, the two fixers' plans, and their inverses in the fixer registry."""
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import ovs_flow, ovs_interface, ovs_port_vlan
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import ovs_port_config
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ovs')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_bridges_ports_interfaces_from_ovsdb_json():
    bridges = ovs.build_bridges(*(ovs.parse_table(fixture('list_%s.json' % t)) for t in ('Bridge', 'Port', 'Interface')))
    assert [b['name'] for b in bridges] == ['br-ex', 'br-int', 'br-spare']
    ports = dict((p['name'], p) for p in bridges[1]['ports'])
    assert sorted(ports) == ['br-int', 'hv0', 'patch-ex', 'vnet-vm1']
    assert (ports['vnet-vm1']['tag'], ports['vnet-vm1']['trunks'], ports['patch-ex']['trunks']) == (10, [], [10, 20])
    vm = ports['vnet-vm1']['interfaces'][0]
    assert vm['type'] == 'system' and vm['admin_state'] == 'up' and vm['mtu_request'] is None
    assert vm['external_ids']['attached-mac'] == '02:76:6d:11:00:01'
    assert ports['patch-ex']['interfaces'][0]['options'] == {'peer': 'patch-int'}
    assert bridges[1]['fail_mode'] is None and bridges[1]['datapath_type'] == 'netdev'


def test_flows_fdb_dpif():
    flows = ovs.parse_flows(fixture('dump_flows_drop.txt'))
    assert flows[0] == {'table': 0, 'priority': 100, 'cookie': '0xbad1ab', 'match': 'icmp,nw_dst=10.240.10.11',
                        'actions': 'drop', 'n_packets': flows[0]['n_packets'], 'n_bytes': flows[0]['n_bytes'],
                        'drops': True}
    assert flows[1]['match'] == '' and flows[1]['actions'] == 'NORMAL' and not flows[1]['drops']
    fdb = ovs.parse_fdb(fixture('fdb_show.txt'), {'vnet-vm1': 3, 'hv0': 2, 'patch-ex': 1})
    assert set(e['port'] for e in fdb) <= {'vnet-vm1', 'hv0', 'patch-ex'} and all(e['vlan'] == 10 for e in fdb)
    dp = ovs.parse_dpif(fixture('dpif_show.txt'))
    assert 'vnet-vm1' in dp.values() and 'uplink0' in dp.values() and 'patch-ex' not in dp.values()


@pytest.mark.parametrize('name,dropped_rule', [
    ('trace_drop_flow.txt', {'bridge': 'br-int', 'priority': 100, 'cookie': '0xbad1ab', 'actions': ['drop']}),
    ('trace_secure.txt', {'bridge': 'br-int', 'priority': 0, 'match': 'reg0=0x2', 'actions': ['drop']}),
    ('trace_ok.txt', None),
])
def test_trace_verdict_and_deciding_rule(name, dropped_rule):
    dp = ovs.parse_dpif(fixture('dpif_show.txt'))
    trace = ovs.parse_trace(fixture(name), dp)
    assert [r['bridge'] for r in trace['rules']] == ['br-ex', 'br-int']
    if dropped_rule is None:
        assert 'vnet-vm1' in trace['outputs'] and trace['deciding_rule'] is None
    else:
        assert 'vnet-vm1' not in trace['outputs']
        assert dict((k, trace['deciding_rule'][k]) for k in dropped_rule) == dropped_rule


class NoOvs(object):
    def which(self, name):
        return None


def test_collect_without_ovs_names_the_package():
    out = ovs.collect(NoOvs(), [{'src': '192.0.2.1', 'dst': '192.0.2.2'}])
    assert out['present'] is False and 'openvswitch-switch' in out['note'] and out['bridges'] == []
    assert out['db'] == 'unix:/var/run/openvswitch/db.sock'


# ------------------------------------------------------------------ fixers: plan (pure)
PORTS = {'vnet1': {'name': 'vnet1', 'tag': 20, 'trunks': [], 'vlan_mode': None, 'interfaces': []},
         'patch-ex': {'name': 'patch-ex', 'tag': None, 'trunks': [20], 'vlan_mode': None, 'interfaces': []}}


@pytest.mark.parametrize('params,argv_tail', [
    ({'port': 'vnet1', 'tag': 10}, ['set', 'Port', 'vnet1', 'tag=10']),
    ({'port': 'vnet1', 'tag': 20}, None),                                      # already right
    ({'port': 'patch-ex', 'trunks': [20, 10]}, ['set', 'Port', 'patch-ex', 'trunks=10,20']),
    ({'port': 'patch-ex', 'trunks': []}, ['clear', 'Port', 'patch-ex', 'trunks']),
    ({'port': 'vnet1', 'vlan_mode': 'access', 'tag': 20}, ['set', 'Port', 'vnet1', 'vlan_mode=access']),
])
def test_port_vlan_plan_changes_only_the_fields_given(params, argv_tail):
    want = ovs_port_vlan.want_from_params(dict({'bridge': None, 'rundir': '/run/x'}, **params))
    changes = ovs_port_vlan.plan(want, {'ports': PORTS, 'bridge': 'br-int'})
    if argv_tail is None:
        assert changes == []
    else:
        assert [c['argv'][3:] for c in changes] == [argv_tail] and changes[0]['argv'][2] == '--db=unix:/run/x/db.sock'


@pytest.mark.parametrize('params,have_bridge,words', [
    ({'port': 'nope', 'tag': 10}, 'br-int', "port 'nope' does not exist (known: patch-ex, vnet1)"),
    ({'port': 'vnet1', 'bridge': 'br-ex', 'tag': 10}, 'br-int', 'is on bridge br-int, not br-ex'),
])
def test_port_vlan_refuses_unknown_port_or_bridge(params, have_bridge, words):
    want = ovs_port_vlan.want_from_params(dict({'bridge': None, 'rundir': None}, **params))
    with pytest.raises(DoctorError) as err:
        ovs_port_vlan.plan(want, {'ports': PORTS, 'bridge': have_bridge})
    assert words in str(err.value)


@pytest.mark.parametrize('params', [{'port': 'vnet1'}, {'port': 'vnet1', 'tag': 5000},
                                    {'port': 'vnet1', 'vlan_mode': 'weird'}])
def test_port_vlan_bad_input(params):
    with pytest.raises(DoctorError):
        ovs_port_vlan.want_from_params(dict({'bridge': None, 'rundir': None}, **params))


FLOWS = {'flows': [{'table': 0, 'priority': 100, 'cookie': '0xbad', 'match': 'icmp,nw_dst=192.0.2.20',
                    'actions': 'drop', 'n_packets': 4, 'n_bytes': 0, 'drops': True}]}


def _flow(**params):
    base = {'bridge': 'br-int', 'table': 0, 'priority': 100, 'cookie': '0xbad', 'match': 'icmp,nw_dst=192.0.2.20',
            'state': 'absent', 'actions': None, 'rundir': None}
    base.update(params)
    return ovs_flow.want_from_params(base)


def test_flow_delete_is_strict_and_exact():
    changes = ovs_flow.plan(_flow(), FLOWS)
    assert changes[0]['argv'] == ['ovs-ofctl', '--strict', 'del-flows', 'unix:/var/run/openvswitch/br-int.mgmt',
                                  'cookie=0xbad/-1,table=0,priority=100,icmp,nw_dst=192.0.2.20']
    before, after = ovs_flow.states(_flow(), FLOWS, changes)
    assert before['present'] and before['actions'] == 'drop' and not after['present']
    assert ovs_flow.plan(_flow(cookie='0xbee'), FLOWS) == []          # another cookie: not that flow
    assert ovs_flow.plan(_flow(priority=99), FLOWS) == []


def test_flow_add_allow_and_idempotence():
    want = _flow(priority=101, cookie='0x0', state='present', actions='NORMAL')
    assert ovs_flow.plan(want, FLOWS)[0]['argv'][-1] == 'cookie=0x0,table=0,priority=101,icmp,nw_dst=192.0.2.20,actions=NORMAL'
    assert ovs_flow.plan(_flow(state='present', actions='drop'), FLOWS) == []


@pytest.mark.parametrize('match', ['priority=5,icmp', 'icmp,actions=drop'])
def test_flow_match_must_be_match_fields_only(match):
    with pytest.raises(DoctorError):
        _flow(match=match)


def test_inverses():
    result = {'changed': True, 'before': {'present': True, 'actions': 'drop'}, 'after': {'present': False}}
    args = {'bridge': 'br-int', 'table': 0, 'priority': 100, 'cookie': '0xbad', 'match': 'icmp', 'state': 'absent'}
    calls, _why = fixer_registry.inverse('ovs_flow', args, result)
    assert calls == [{'module': 'vmnet.doctor.ovs_flow', 'args': dict(args, state='present', actions='drop')}]
    result = {'changed': True, 'before': {'tag': 20, 'trunks': [], 'vlan_mode': None},
              'after': {'tag': 10, 'trunks': [], 'vlan_mode': None}}
    calls, _why = fixer_registry.inverse('ovs_port_vlan', {'port': 'vnet1', 'tag': 10}, result)
    assert calls == [{'module': 'vmnet.doctor.ovs_port_vlan', 'args': {'port': 'vnet1', 'tag': 20}}]


# ------------------------------------------------------------------ ovs_interface (mtu_request)
IFACES = {'vnet1': {'mtu': 1280, 'mtu_request': 1280}, 'uplink0': {'mtu': 1500, 'mtu_request': []}}


@pytest.mark.parametrize('name, value, argv_tail, after', [
    ('vnet1', 1500, ['set', 'Interface', 'vnet1', 'mtu_request=1500'], {'mtu_request': 1500, 'mtu': 1500}),
    ('vnet1', 0, ['clear', 'Interface', 'vnet1', 'mtu_request'], {'mtu_request': None, 'mtu': 1280}),
    ('vnet1', 1280, None, {'mtu_request': 1280, 'mtu': 1280}),
    ('uplink0', 0, None, {'mtu_request': None, 'mtu': 1500}),
])
def test_interface_mtu_request_plan(name, value, argv_tail, after):
    want = ovs_interface.want_from_params({'interface': name, 'mtu_request': value, 'rundir': '/run/x'})
    have = {'interfaces': IFACES}
    changes = ovs_interface.plan(want, have)
    assert [c['argv'][3:] for c in changes] == ([argv_tail] if argv_tail else [])
    assert all(c['argv'][2] == '--db=unix:/run/x/db.sock' for c in changes)
    _before, predicted = ovs_interface.states(want, have, changes)
    assert dict((k, predicted[k]) for k in after) == after


def test_interface_mtu_request_bad_input():
    with pytest.raises(DoctorError) as err:
        ovs_interface.plan(ovs_interface.want_from_params({'interface': 'nope', 'mtu_request': 1500}),
                           {'interfaces': IFACES})
    assert "interface 'nope' does not exist" in str(err.value)
    with pytest.raises(DoctorError) as err:
        ovs_interface.want_from_params({'interface': 'vnet1', 'mtu_request': 20})
    assert 'out of range' in str(err.value)


def test_interface_mtu_request_inverse():
    result = {'changed': True, 'before': {'interface': 'vnet1', 'mtu_request': 1280},
              'after': {'interface': 'vnet1', 'mtu_request': 1500}}
    calls, _why = fixer_registry.inverse('ovs_interface', {'interface': 'vnet1', 'mtu_request': 1500}, result)
    assert calls == [{'module': 'vmnet.doctor.ovs_interface', 'args': {'interface': 'vnet1', 'mtu_request': 1280}}]
    result = {'changed': True, 'before': {'mtu_request': None}, 'after': {'mtu_request': 1500}}
    calls, _why = fixer_registry.inverse('ovs_interface', {'interface': 'vnet1', 'mtu_request': 1500, 'rundir': '/r'},
                                         result)
    assert calls[0]['args'] == {'interface': 'vnet1', 'mtu_request': 0, 'rundir': '/r'}


# ------------------------------------------------------------------ OpenFlow port config, interface errors, counters
def test_ports_desc_config_and_state_flags():
    desc = ovs.parse_ports_desc(fixture('ports_desc_no_fwd.txt'))
    assert desc['vnet-vm1'] == {'ofport': 3, 'config': ['NO_FWD'], 'state': []}
    assert desc['hv0']['config'] == ['NO_FLOOD'] and desc['patch-ex']['config'] == []
    assert desc['br-int'] == {'ofport': 'LOCAL', 'config': ['PORT_DOWN'], 'state': ['LINK_DOWN']}
    assert ovs.parse_ports_desc(' 7(vnet2): addr:02:00:00:00:00:01\n     config:     NO_RECV NO_FWD\n')['vnet2'][
        'config'] == ['NO_RECV', 'NO_FWD']


def test_patch_peer_error_column():
    rows = dict((r['name'], ovs.ovsdb_value(r['error'])) for r in ovs.parse_table(fixture('list_Interface_patch_peer.json')))
    assert rows['patch-ex'] == "No usable peer 'patch-nope' exists in 'netdev' datapath."
    assert rows['vnet-vm1'] == []


def test_coverage_drop_counters_and_their_increase():
    totals = ovs.parse_coverage(fixture('coverage_show.txt'))
    assert totals['drop_action_of_pipeline'] == 13 and totals['netdev_sent'] == 94
    assert ovs.drop_counters(totals) == {'drop_action_of_pipeline': 13}
    assert ovs.increased({'drop_action_of_pipeline': 13}, {'drop_action_of_pipeline': 15, 'datapath_drop_meter': 1}) \
        == {'drop_action_of_pipeline': 2, 'datapath_drop_meter': 1}


UNIX = """Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 81234 /run/lab-ovs/ovs-vswitchd.4242.ctl
0000000000000000: 00000002 00000000 00010000 0001 01 81235 /run/lab-ovs/ovsdb-server.4240.ctl
0000000000000000: 00000002 00000000 00010000 0001 01 81236 /run/lab-ovs/br-int.mgmt
"""


def test_witness_reads_the_counters_of_the_daemons_of_its_namespace():
    assert ovs.controls(UNIX) == [(4242, '/run/lab-ovs/ovs-vswitchd.4242.ctl')]
    assert ovs.drop_reading(None, 'Num RefCount\n') is None            # no ovs-vswitchd here: nothing run
    texts = [fixture('coverage_show.txt'), fixture('coverage_show.txt').replace('total: 13', 'total: 16')]
    seen = []

    def run(argv):
        seen.append(argv)
        return 0, texts[len(seen) - 1], ''
    before = ovs.drop_reading(run, UNIX)
    after = ovs.drop_reading(run, UNIX)
    assert seen[0] == ['ovs-appctl', '-t', '/run/lab-ovs/ovs-vswitchd.4242.ctl', 'coverage/show']
    drops = ovs.drops_during(before, after)
    assert drops['counters'] == {'drop_action_of_pipeline': 3} and drops['errors'] == []
    assert ovs.drops_during(None, None) is None
    failed = ovs.drop_reading(lambda argv: (1, '', 'connection refused'), UNIX)
    assert failed['daemons'] == [] and 'connection refused' in failed['errors'][0]


PORT_HAVE = {'bridge': 'br-int', 'config': ['NO_FWD']}


@pytest.mark.parametrize('params,words', [
    ({'forward': True}, ['forward']),
    ({'forward': True, 'receive': True, 'flood': True}, ['forward']),      # only what differs
    ({'forward': False}, []),                                                # already so
    ({'receive': False, 'flood': False}, ['no-receive', 'no-flood']),
])
def test_port_config_plan_changes_only_the_flags_given(params, words):
    want = ovs_port_config.want_from_params(dict({'port': 'vnet1', 'bridge': None, 'rundir': '/run/x'}, **params))
    changes = ovs_port_config.plan(want, PORT_HAVE)
    assert [c['argv'][-1] for c in changes] == words
    assert all(c['argv'][:4] == ['ovs-ofctl', 'mod-port', 'unix:/run/x/br-int.mgmt', 'vnet1'] for c in changes)
    before, after = ovs_port_config.states(want, PORT_HAVE, changes)
    assert before == {'port': 'vnet1', 'bridge': 'br-int', 'receive': True, 'forward': False, 'flood': True,
                      'config': ['NO_FWD']}
    assert all(after[k] == v for k, v in params.items())
    assert sorted(after['config']) == sorted({'receive': 'NO_RECV', 'forward': 'NO_FWD', 'flood': 'NO_FLOOD'}[k]
                                             for k in ('receive', 'forward', 'flood') if not after[k])


def test_port_config_bad_input():
    with pytest.raises(DoctorError):
        ovs_port_config.want_from_params({'port': 'vnet1', 'bridge': None, 'rundir': None})
    want = ovs_port_config.want_from_params({'port': 'vnet1', 'bridge': 'br-ex', 'rundir': None, 'forward': True})
    with pytest.raises(DoctorError) as err:
        ovs_port_config.plan(want, PORT_HAVE)
    assert 'is on bridge br-int, not br-ex' in str(err.value)


class FakeRunner(object):
    """Answers the fixer's reads from recorded output (``ovs-vsctl list-br``, ``port-to-br``, ``dump-ports-desc``)."""

    def __init__(self, ports):
        self.ports = ports

    def run(self, argv):
        if argv[-1] == 'list-br':
            return 0, 'br-ex\nbr-int\n', ''
        if argv[-2] == 'port-to-br':
            known = argv[-1] in self.ports
            return (0, 'br-int\n', '') if known else (1, '', 'ovs-vsctl: no port named %s' % argv[-1])
        return 0, fixture('ports_desc_no_fwd.txt'), ''

    def check(self, argv):
        return self.run(argv)[1]


def test_port_config_collect_reads_the_bridge_and_refuses_unknowns():
    runner = FakeRunner(['vnet-vm1'])
    want = ovs_port_config.want_from_params({'port': 'vnet-vm1', 'bridge': None, 'rundir': None, 'forward': True})
    assert ovs_port_config.collect(runner, want) == {'bridge': 'br-int', 'config': ['NO_FWD']}
    for params, words in (({'port': 'vnet-nope'}, "port 'vnet-nope' does not exist"),
                          ({'port': 'vnet-vm1', 'bridge': 'br-nope'}, "bridge 'br-nope' does not exist")):
        want = ovs_port_config.want_from_params(dict({'bridge': None, 'rundir': None, 'forward': True}, **params))
        with pytest.raises(DoctorError) as err:
            ovs_port_config.collect(runner, want)
        assert words in str(err.value)


PATCHES = {'patch-ex': {'mtu': [], 'mtu_request': [], 'type': 'patch', 'peer': 'patch-nope',
                        'error': "No usable peer 'patch-nope' exists in 'netdev' datapath."},
           'vnet1': {'mtu': 1500, 'mtu_request': [], 'type': 'system', 'peer': None, 'error': None}}


def test_interface_peer_plan_and_states():
    want = ovs_interface.want_from_params({'interface': 'patch-ex', 'peer': 'patch-int', 'rundir': None})
    changes = ovs_interface.plan(want, {'interfaces': PATCHES})
    assert [c['argv'][3:] for c in changes] == [['set', 'Interface', 'patch-ex', 'options:peer=patch-int']]
    before, after = ovs_interface.states(want, {'interfaces': PATCHES}, changes)
    assert (before['peer'], after['peer'], after['error']) == ('patch-nope', 'patch-int', None)
    assert 'mtu_request' not in want and before['mtu_request'] is None
    assert ovs_interface.plan(ovs_interface.want_from_params({'interface': 'patch-ex', 'peer': 'patch-nope'}),
                              {'interfaces': PATCHES}) == []


@pytest.mark.parametrize('params,words', [
    ({'interface': 'vnet1', 'peer': 'patch-int'}, 'is of type system, not patch'),
    ({'interface': 'patch-ex', 'peer': 'patch-ex'}, 'not the name of another interface'),
    ({'interface': 'patch-ex'}, 'give mtu_request or peer'),
])
def test_interface_peer_bad_input(params, words):
    with pytest.raises(DoctorError) as err:
        ovs_interface.plan(ovs_interface.want_from_params(params), {'interfaces': PATCHES})
    assert words in str(err.value)


def test_interface_peer_and_port_config_inverses():
    result = {'changed': True, 'before': {'interface': 'patch-ex', 'peer': 'patch-nope', 'mtu_request': None},
              'after': {'interface': 'patch-ex', 'peer': 'patch-int', 'mtu_request': None}}
    calls, _why = fixer_registry.inverse('ovs_interface', {'interface': 'patch-ex', 'peer': 'patch-int', 'rundir': '/r'},
                                         result)
    assert calls == [{'module': 'vmnet.doctor.ovs_interface',
                      'args': {'interface': 'patch-ex', 'peer': 'patch-nope', 'rundir': '/r'}}]
    result['before']['peer'] = None
    calls, why = fixer_registry.inverse('ovs_interface', {'interface': 'patch-ex', 'peer': 'patch-int'}, result)
    assert calls is None and 'had no peer' in why
    result = {'changed': True, 'before': {'receive': True, 'forward': False, 'flood': True},
              'after': {'receive': True, 'forward': True, 'flood': True}}
    args = {'bridge': 'br-int', 'port': 'vnet1', 'forward': True, 'receive': True}
    calls, _why = fixer_registry.inverse('ovs_port_config', args, result)
    assert calls == [{'module': 'vmnet.doctor.ovs_port_config',
                      'args': {'bridge': 'br-int', 'port': 'vnet1', 'forward': False}}]
    assert fixer_registry.inverse('ovs_port_config', args, dict(result, before=result['after'])) == ([], None)
