# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure remediation decisions: plan, guard decision, rollback inverses, probe verdicts, run state."""
import copy

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import plan as R
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError


def finding(code, host, module=None, args=None, manual=None):
    if manual:
        fix = {'manual': True, 'reason': manual}
    else:
        fix = {'module': 'vmnet.doctor.' + module, 'host': host, 'args': args or {}}
    return {'code': code, 'host': host, 'layer': 'x', 'message': code + ' on ' + host, 'object': {}, 'fix': fix}


def path(findings, source='host', target='10.0.0.11', vm='vm1'):
    return {'name': '%s -> %s' % (source, target), 'source': source, 'target_ip': target, 'target_host': vm,
            'hypervisor': 'hv', 'status': 'broken', 'reachable': False, 'findings': findings}


SYSCTL = finding('ICMP_IGNORED', 'vm1', 'net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0})
GATEWAY = finding('GATEWAY_WRONG', 'vm1', 'default_gateway', {'gateway': '10.0.0.1', 'state': 'present'})
DUP = finding('IP_CONFLICT', 'host', manual='a person decides')


# ------------------------------------------------------------------ plan
def test_plan_orders_along_the_path_and_dedupes_across_paths():
    fw = finding('ICMP_BLOCKED', 'hv', 'icmp_rule', {'hook': 'forward', 'destination': '10.0.0.0/24'})
    plan = R.build_plan([path([fw, SYSCTL]), path([copy.deepcopy(fw), GATEWAY], target='10.0.0.12', vm='vm2')])
    assert [(f['id'], f['module'], f['paths']) for f in plan['fixes']] == [
        ('fix1', 'vmnet.doctor.icmp_rule', [0, 1]), ('fix2', 'vmnet.doctor.net_sysctl', [0]),
        ('fix3', 'vmnet.doctor.default_gateway', [1])]
    assert plan['paths'][1]['fixes'] == ['fix1', 'fix3']


def test_plan_reports_manual_and_disallowed_findings_without_fixes():
    plan = R.build_plan([path([DUP, SYSCTL, GATEWAY])], allow=['gateway_wrong'])
    statuses = [(f['code'], f['status']) for f in plan['paths'][0]['findings']]
    assert statuses == [('IP_CONFLICT', 'manual'), ('ICMP_IGNORED', 'skipped'), ('GATEWAY_WRONG', 'planned')]
    assert 'remediate_allow' in plan['paths'][0]['findings'][1]['reason']
    assert [f['module'] for f in plan['fixes']] == ['vmnet.doctor.default_gateway']


def test_default_allow_is_every_auto_fix_code():
    assert 'ICMP_BLOCKED' in R.auto_fix_codes() and 'IP_CONFLICT' not in R.auto_fix_codes()
    assert R.normalise_allow([]) is None
    with pytest.raises(DoctorError) as err:
        R.normalise_allow(['NOPE'])
    assert 'unknown finding code' in str(err.value)


def test_injected_fixes_come_first_and_ignore_allow():
    extra = [{'path': 0, 'host': 'vm1', 'module': 'vmnet.doctor.interface_mtu', 'args': {'interface': 'eth0', 'mtu': 1400}}]
    plan = R.build_plan([path([SYSCTL])], allow=['GATEWAY_WRONG'], extra_fixes=extra)
    assert [(f['module'], f['injected']) for f in plan['fixes']] == [('vmnet.doctor.interface_mtu', True)]


def test_unknown_fixer_module_is_skipped():
    bad = finding('ICMP_BLOCKED', 'vm1', 'shell', {'cmd': 'x'})
    plan = R.build_plan([path([bad])])
    assert plan['fixes'] == [] and 'not a vmnet.doctor fixer' in plan['paths'][0]['findings'][0]['reason']


@pytest.mark.parametrize('module,args,expected', [
    ('default_gateway', {'gateway': '10.0.0.1'}, True),
    ('default_gateway', {'gateway': '10.0.0.1', 'device': 'eth1'}, False),
    ('static_route', {'prefix': '10.9.0.0/16', 'device': 'eth0'}, True),
    ('interface_mtu', {'interface': 'eth0', 'mtu': 1500}, True),
    ('interface_mtu', {'interface': 'br0', 'mtu': 1500}, True),     # related: master of eth0
    ('link_state', {'interface': 'eth1', 'state': 'up'}, False),
    ('net_sysctl', {'name': 'rp_filter', 'value': 2}, False),
    ('icmp_rule', {'hook': 'input'}, False),
])
def test_guard_only_for_route_mtu_link_of_the_management_interface(module, args, expected):
    assert R.needs_guard(module, args, {'interface': 'eth0', 'related': ['br0']}) is expected
    assert R.needs_guard(module, args, {'interface': None}) is False   # netns/local: no remote path


# ------------------------------------------------------------------ rollback inverses (fixer before/after shapes)
@pytest.mark.parametrize('module,args,result,expected', [
    ('net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0},
     {'before': {'key': 'net.ipv4.icmp_echo_ignore_all', 'value': 1}},
     [('net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 1})]),
    ('default_gateway', {'gateway': '10.220.1.1', 'state': 'present'},
     {'before': {'family': 'ipv4', 'default_routes': [{'dst': '0.0.0.0/0', 'gateway': '10.220.1.254', 'dev': 'eth0',
                                                       'metric': 0}]}},
     [('default_gateway', {'gateway': '10.220.1.254', 'device': 'eth0', 'metric': 0, 'family': 'ipv4'})]),
    ('default_gateway', {'gateway': '10.220.1.1'},
     {'before': {'family': 'ipv4', 'default_routes': []},
      'after': {'family': 'ipv4', 'default_routes': [{'gateway': '10.220.1.1'}]}},
     [('default_gateway', {'state': 'absent', 'family': 'ipv4', 'gateway': '10.220.1.1'})]),
    ('static_route', {'prefix': '10.220.1.0/24', 'gateway': '10.220.0.2'},
     {'before': {'family': 'ipv4', 'prefix': '10.220.1.0/24', 'table': 'main', 'routes': []}},
     [('static_route', {'prefix': '10.220.1.0/24', 'table': 'main', 'state': 'absent'})]),
    ('interface_mtu', {'interface': 'br0', 'mtu': 9000, 'bridge_ports': True},
     {'before': {'mtu': {'br0': 1500, 'uplink0': 1500, 'vnet-vm1': 1500}},
      'after': {'mtu': {'br0': 9000, 'uplink0': 9000, 'vnet-vm1': 9000}}},
     [('interface_mtu', {'interface': 'br0', 'mtu': 1500}), ('interface_mtu', {'interface': 'uplink0', 'mtu': 1500}),
      ('interface_mtu', {'interface': 'vnet-vm1', 'mtu': 1500})]),
    ('link_state', {'interface': 'vnet-vm1', 'state': 'up'},
     {'before': {'interface': 'vnet-vm1', 'admin_up': False}},
     [('link_state', {'interface': 'vnet-vm1', 'state': 'down'})]),
    ('neighbor', {'address': '10.210.0.11', 'device': 'eth0', 'state': 'absent'},
     {'before': {'address': '10.210.0.11', 'entries': [{'dev': 'eth0', 'mac': '02:76:6d:ee:ee:ee', 'state': 'PERMANENT'}]}},
     [('neighbor', {'address': '10.210.0.11', 'device': 'eth0', 'mac': '02:76:6d:ee:ee:ee', 'nud': 'permanent'})]),
    ('icmp_rule', {'source': '10.0.0.1/32', 'hook': 'input', 'state': 'present'}, {'before': {}},
     [('icmp_rule', {'source': '10.0.0.1/32', 'hook': 'input', 'state': 'absent'})]),
    ('mac_allow', {'mac': '02:76:6d:11:00:01', 'bridge': 'br0', 'state': 'present'}, {'before': {}},
     [('mac_allow', {'mac': '02:76:6d:11:00:01', 'bridge': 'br0', 'state': 'absent'})]),
    ('bridge_vlan', {'port': 'vnet1', 'pvid': 10, 'vids': [10]},
     {'before': {'port': 'vnet1', 'pvid': 20, 'vids': [20], 'untagged': [20]},
      'after': {'port': 'vnet1', 'pvid': 10, 'vids': [10, 20], 'untagged': [10, 20]}},
     [('bridge_vlan', {'port': 'vnet1', 'vids': [10], 'state': 'absent'}), ('bridge_vlan', {'port': 'vnet1', 'pvid': 20})]),
])
def test_rollback_is_the_inverse_from_before(module, args, result, expected):
    calls, why = R.rollback_calls('vmnet.doctor.' + module, args, dict(result, changed=True))
    assert why is None
    assert [(R.short_module(c['module']), c['args']) for c in calls] == expected


def test_icmp_rule_rollback_keeps_persist_for_firewalld_and_refuses_zone_settings():
    args = {'source': '10.0.0.1/32', 'hook': 'input', 'state': 'present', 'persist': True}
    rich = {'changed': True, 'changes': [{'action': 'add rich rule', 'backend': 'firewalld', 'zone': 'drop'},
                                         {'action': 'add rich rule (permanent)', 'backend': 'firewalld'}]}
    calls, why = R.rollback_calls('vmnet.doctor.icmp_rule', args, rich)
    assert why is None and calls[0]['args'] == dict(args, state='absent')   # the persisted rule goes too
    block = {'changed': True, 'changes': [{'action': 'remove icmp-block', 'backend': 'firewalld', 'zone': 'public'}]}
    calls, why = R.rollback_calls('vmnet.doctor.icmp_rule', dict(args, source=None), block)
    assert calls is None and 'remove icmp-block' in why


def test_rollback_of_unchanged_fix_is_nothing_and_deleted_rule_is_not_reversible():
    assert R.rollback_calls('net_sysctl', {'name': 'ip_forward', 'value': 1}, {'changed': False}) == ([], None)
    calls, why = R.rollback_calls('icmp_rule', {'remove_rule': {'backend': 'nftables'}}, {'changed': True})
    assert calls is None and 'cannot re-create' in why


# ------------------------------------------------------------------ verdicts
def cls(fwd=None, large=None, rev=None):
    out = {}
    for name, value in (('forward', fwd), ('forward_large', large), ('reverse', rev)):
        if value is not None:
            out[name] = {'reachable': value < 100, 'loss': float(value)}
    return out


@pytest.mark.parametrize('before,after,verdict', [
    (cls(100, 100, 100), cls(0, 0, 0), 'restored'),
    (cls(100, 100, 0), cls(0, 0, 0), 'restored'),
    (cls(100, 100, 0), cls(100, 100, 100), 'worse'),
    (cls(100, 100, 100), cls(100, 100, 100), 'unchanged'),
    (cls(100, 100, 100), cls(100, 100, 0), 'improved'),
    (cls(100, 100, 100), cls(0, 0, 100), 'improved'),     # reachable again, the reverse still fails
    (cls(0, 100, 100), cls(0, 0, 100), 'improved'),
    (cls(0, 100), cls(0, 100), 'unchanged'),
    (cls(0, 0), cls(100, 100), 'worse'),
    (cls(100), cls(50), 'restored'),
])
def test_compare(before, after, verdict):
    assert R.compare(before, after) == verdict


def registered(host, results, loop_var='__remediate_probe'):
    return {'results': [{loop_var: {'host': host, 'targets': [r['target'] for r in results]},
                         'ansible_loop_var': loop_var, 'results': results}]}


def probe(target, ok):
    return {'target': target, 'address': target, 'reachable': ok, 'loss_percent': 0.0 if ok else 100.0}


def test_probe_view_reads_the_large_probe_that_went_with_the_forward_one():
    p = R.build_plan([path([SYSCTL])])['paths']
    forward = registered('host', [probe('10.0.0.11', True)])
    forward['results'][0]['large'] = {'results': [probe('10.0.0.11', False)], 'reachable_all': False}
    view = R.probe_view(p, forward, {})
    assert view == {'0': {'forward': {'reachable': True, 'loss': 0.0}, 'forward_large': {'reachable': False, 'loss': 100.0}}}


def test_probe_view_reads_looped_registered_results():
    p = R.build_plan([path([SYSCTL])])['paths']
    view = R.probe_view(p, registered('host', [probe('10.0.0.11', True)]), None,
                        registered('vm1', [probe('10.0.0.1', False)]), {'0': '10.0.0.1'})
    assert view == {'0': {'forward': {'reachable': True, 'loss': 0.0}, 'reverse': {'reachable': False, 'loss': 100.0}}}


# ------------------------------------------------------------------ run state
def run_state(findings, baseline, keep=False):
    plan = R.build_plan([path(findings)])
    return R.new_state(plan, {'0': baseline}, '2026-01-01T00:00:00Z', keep_partial=keep)


def applied(before, after):
    return {'changed': True, 'before': before, 'after': after, 'changes': ['x']}


def test_record_restored_verifies_earlier_applied_fixes_of_the_path():
    state = run_state([GATEWAY, SYSCTL], cls(100, None, 100))
    state, action = R.record_fix(state, 'fix1', applied({'family': 'ipv4', 'default_routes': []}, {}),
                                 {'0': cls(100, None, 100)}, '2026-01-01T00:00:05Z')
    assert action['rollback'] == [] and state['fixes'][0]['status'] == 'applied'
    state, action = R.record_fix(state, 'fix2', applied({'value': 1}, {'value': 0}), {'0': cls(0, None, 0)},
                                 '2026-01-01T00:00:07.5Z')
    assert [f['status'] for f in state['fixes']] == ['verified', 'verified']
    done = R.finish(state, {'0': cls(0, None, 0)}, '2026-01-01T00:00:09Z')
    assert done['paths'][0]['result'] == 'restored' and done['paths'][0]['seconds_to_reachable'] == 7.5


def test_record_worse_asks_for_immediate_rollback():
    state = run_state([GATEWAY], cls(100, None, 0))
    before = {'family': 'ipv4', 'default_routes': [{'gateway': '10.0.0.1', 'dev': 'eth0', 'metric': 0}]}
    state, action = R.record_fix(state, 'fix1', applied(before, {}), {'0': cls(100, None, 100)}, 't')
    assert action['reason'] == 'made the path worse'
    assert action['rollback'][0]['args']['gateway'] == '10.0.0.1'
    state = R.record_rollback(state, 'fix1', [{'changed': True}], {'0': cls(100, None, 0)}, 't', action['reason'])
    assert state['fixes'][0]['status'] == 'rolled back'


@pytest.mark.parametrize('keep', [False, True])
def test_fix_without_effect_is_rolled_back_unless_kept(keep):
    state = run_state([SYSCTL], cls(100), keep=keep)
    state, _a = R.record_fix(state, 'fix1', applied({'value': 1}, {'value': 0}), {'0': cls(100)}, 't')
    pending = R.pending_rollbacks(state)
    if keep:
        assert pending == [] and state['fixes'][0]['status'] == 'applied' and 'kept' in state['fixes'][0]['reason']
    else:
        assert [p['id'] for p in pending] == ['fix1']
        assert pending[0]['rollback'][0]['args'] == {'name': 'icmp_echo_ignore_all', 'value': 1}


def test_guard_restored_means_rolled_back_and_next_fix_skips_reachable_path():
    state = run_state([GATEWAY, SYSCTL], cls(100))
    state, action = R.record_fix(state, 'fix1', applied({'default_routes': []}, {}), {'0': cls(100)}, 't',
                                 guard={'restored': True})
    assert state['fixes'][0]['status'] == 'rolled back' and 'management connection lost' in state['fixes'][0]['reason']
    assert action['rollback'] == []
    state['paths'][0]['probes_last'] = cls(0)
    nxt = R.next_fix(state, 'fix2')
    assert nxt['apply'] is False and state['fixes'][1]['status'] == 'skipped'


def test_merge_paths_keeps_input_hosts_and_skipped_paths():
    inputs = [{'name': 'a', 'source': 'h1', 'target_ip': '10.0.0.1', 'target_host': 'vm1', 'hypervisor': 'hv'},
              {'name': 'b', 'source': 'h2', 'target_ip': '10.0.0.2', 'target_host': None, 'hypervisor': None}]
    merged = R.merge_paths(inputs, [{'name': 'b', 'source': 'h2', 'findings': []}], {'0': 'unreachable'})
    assert merged[0]['status'] == 'unexplained' and merged[1]['name'] == 'b'


# ------------------------------------------------------------------ waves
def test_waves_one_fix_per_path_in_path_order_guarded_alone():
    fw = finding('ICMP_BLOCKED', 'hv', 'icmp_rule', {'hook': 'forward'})
    sys2 = finding('ICMP_IGNORED', 'vm2', 'net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0})
    gw2 = finding('GATEWAY_WRONG', 'vm2', 'default_gateway', {'gateway': '10.0.0.1'})
    plan = R.build_plan([path([fw, SYSCTL]), path([sys2, gw2], target='10.0.0.12', vm='vm2')],
                        mgmt={'vm2': {'interface': 'eth0'}})
    state = R.new_state(plan, {'0': cls(100), '1': cls(100)}, 't0')
    assert [f['guard'] for f in state['fixes']] == [False, False, False, True]
    wave = R.next_wave(state)
    assert [f['id'] for f in wave['fixes']] == ['fix1', 'fix3']       # fix2 waits for fix1 (same path)
    assert wave['guard'] is False and not wave['done']
    for f in wave['fixes']:
        R.record_fix(state, f['id'], applied({'value': 1}, {'value': 0}), {}, 't1')
    wave = R.next_wave(state)
    assert [f['id'] for f in wave['fixes']] == ['fix2']               # fix4 is guarded: alone
    R.record_fix(state, 'fix2', applied({'value': 1}, {'value': 0}), {'0': cls(0)}, 't2')
    wave = R.next_wave(state)
    assert [f['id'] for f in wave['fixes']] == ['fix4'] and wave['guard'] is True
    R.record_fix(state, 'fix4', applied({'default_routes': []}, {}), {'1': cls(0)}, 't3')
    assert R.next_wave(state)['done'] is True


def test_record_wave_attributes_probes_and_returns_rollbacks():
    sys2 = finding('ICMP_IGNORED', 'vm2', 'net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0})
    plan = R.build_plan([path([SYSCTL]), path([sys2], target='10.0.0.12', vm='vm2')])
    state = R.new_state(plan, {'0': cls(100, None, 0), '1': cls(100, None, 0)}, 't0')
    wave = R.next_wave(state)
    reg = {'results': [dict(applied({'value': 1}, {'value': 0}), __remediate_fix=f, ansible_loop_var='__remediate_fix')
                       for f in wave['fixes']]}
    state, rollbacks, probe = R.record_wave(state, reg, {'0': cls(0, None, 0), '1': cls(100, None, 100)}, 't1')
    assert [f['status'] for f in state['fixes']] == ['verified', 'applied']
    assert [r['id'] for r in rollbacks] == ['fix2'] and rollbacks[0]['reason'] == 'made the path worse'
    assert probe['forward'] == [{'host': 'host', 'targets': ['10.0.0.12'], 'large': ['10.0.0.12']}]


def test_reachable_is_forward_healthy_is_every_class():
    assert R.restored(cls(0, 0, 100)) and not R.healthy(cls(0, 0, 100))
    assert R.healthy(cls(0, 0, 0)) and not R.restored(cls(0, 100, 0))


def test_plan_applies_windows_firewall_fixes_but_not_unguarded_route_or_mtu_changes():
    win_rule = finding('ICMP_BLOCKED', 'win1', 'win_icmp_rule', {'source': '10.0.0.1/32'})
    win_gw = finding('GATEWAY_WRONG', 'win1', 'win_default_gateway', {'gateway': '10.0.0.1', 'interface': 'Ethernet'})
    win_mtu = finding('MTU_MISMATCH', 'win1', 'win_interface_mtu', {'interface': 'Ethernet', 'mtu': 1500})
    plan = R.build_plan([path([win_rule, win_gw, win_mtu], source='win1')])
    assert [f['module'] for f in plan['fixes']] == ['vmnet.doctor.win_icmp_rule']
    statuses = [(item['code'], item['status']) for item in plan['paths'][0]['findings']]
    assert statuses == [('ICMP_BLOCKED', 'planned'), ('GATEWAY_WRONG', 'manual'), ('MTU_MISMATCH', 'manual')]
    reason = plan['paths'][0]['findings'][1]['reason']
    assert 'no management guard' in reason and "'gateway': '10.0.0.1'" in reason


def _locked(results):
    return {'results': [dict(r, __remediate_host=h, ansible_loop_var='__remediate_host') for h, r in results]}


def test_whole_path_locks_gives_back_hosts_of_partly_locked_paths():
    paths = [{'source': 'host', 'target_host': 'vm1', 'hypervisor': 'hv'},
             {'source': 'host2', 'target_host': 'vm2'}]
    registered = _locked([('host', {'acquired': True}), ('hv', {'acquired': False, 'msg': 'locked by run X'}),
                          ('vm1', {'acquired': True}), ('host2', {'acquired': True}), ('vm2', {'acquired': True})])
    locks, give_back = R.whole_path_locks(paths, registered)
    assert give_back == ['host', 'vm1']
    assert locks['host']['acquired'] is False and 'all or nothing' in locks['host']['msg']
    assert locks['host2']['acquired'] and locks['vm2']['acquired']
    assert locks['hv']['msg'] == 'locked by run X'


def test_whole_path_locks_keeps_a_host_shared_with_a_whole_path_and_locks_localhost_for_vmware():
    paths = [{'source': 'host', 'target_host': 'vm1', 'hypervisor': 'hv'},
             {'source': 'host', 'target_ip': '10.0.0.9', 'vmware': {'vm_name': 'vm9'}}]
    registered = _locked([('host', {'acquired': True}), ('hv', {'acquired': False}), ('vm1', {'acquired': True}),
                          ('localhost', {'acquired': True})])
    locks, give_back = R.whole_path_locks(paths, registered)
    assert give_back == ['vm1']
    assert R.path_lock_hosts(paths[1]) == ['host', 'localhost']
    assert locks['host']['acquired'] and locks['localhost']['acquired']


def test_whole_path_locks_from_the_locks_each_host_took_itself():
    """remediate_lock_timeout 0: the hosts take their locks side by side (``taken``); the loop locked only
    localhost (its other items are skipped)."""
    paths = [{'source': 'host', 'target_host': 'vm1', 'hypervisor': 'hv'},
             {'source': 'host2', 'target_host': 'vm2', 'vmware': {'vm_name': 'vm2'}}]
    registered = _locked([('localhost', {'acquired': True})])
    taken = {'host': {'acquired': True, 'changed': True}, 'vm1': {'acquired': True}, 'hv': {'acquired': True},
             'host2': {'acquired': False, 'msg': 'locked by run X'}, 'vm2': {'acquired': True},
             'other': {'skipped': True, 'changed': False}, 'gone': {}}
    locks, give_back = R.whole_path_locks(paths, registered, taken)
    assert give_back == ['localhost', 'vm2']
    assert locks['host']['acquired'] and locks['vm1']['acquired'] and locks['hv']['acquired']
    assert locks['host2']['msg'] == 'locked by run X' and 'all or nothing' in locks['vm2']['msg']
    assert 'other' not in locks and 'gone' not in locks


def _recorded(name):
    import json
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, '..', '..', '..', 'fixtures', 'remediation', name)) as handle:
        return json.load(handle)


def test_results_of_a_recorded_loop_whose_first_item_was_skipped():
    """The first item of the recorded loop was skipped (it has no ``results``): the loop is still
    read as a loop, the skipped item is left out and the second item's probe keeps its host."""
    registered = _recorded('loop_first_item_skipped.json')
    assert 'results' not in registered['results'][0]
    results = R._results_of(registered)
    assert [(r['_host'], r['target'], r['reachable']) for r in results] == [('localhost', '127.0.0.1', True)]


def test_results_of_a_loop_with_every_item_skipped_and_of_a_single_probe():
    registered = _recorded('loop_first_item_skipped.json')
    registered['results'] = registered['results'][:1]
    assert R._results_of(registered) == []
    assert R._results_of({'results': [], 'skipped': True, 'msg': 'No items in the list'}) == []
    single = {'changed': False, 'results': [probe('10.0.0.11', True)]}
    assert R._results_of(single) == [probe('10.0.0.11', True)]


def test_probe_view_reads_a_loop_whose_first_item_was_skipped():
    registered = _recorded('loop_first_item_skipped.json')
    paths = [{'index': 0, 'source': 'localhost', 'target_ip': '127.0.0.1', 'target_host': None}]
    assert R.probe_view(paths, registered) == {'0': {'forward': {'reachable': True, 'loss': 0.0}}}


def test_verification_sends_the_large_probe_to_paths_the_diagnosis_sent_it_only_when_small_answered():
    sys2 = finding('ICMP_IGNORED', 'vm2', 'net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0})
    plan = R.build_plan([path([SYSCTL]), path([sys2], target='10.0.0.12', vm='vm2')])
    # path 0: small probe failed, so the diagnosis sent no large probe; path 1: small answered, no large sent
    state = R.new_state(plan, {'0': cls(100), '1': {'forward': {'reachable': True, 'loss': 0.0}}}, 't0')
    assert R.probe_targets(state)['forward'] == [{'host': 'host', 'targets': ['10.0.0.11', '10.0.0.12'],
                                                  'large': ['10.0.0.11']}]


def test_a_reverse_probe_waits_as_long_as_the_forward_probe_of_the_same_hosts_measured():
    sys2 = finding('ICMP_IGNORED', 'vm2', 'net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0})
    plan = R.build_plan([path([SYSCTL]), path([sys2], target='10.0.0.12', vm='vm2')])
    state = R.new_state(plan, {'0': cls(100, rev=100), '1': cls(100, rev=100)}, 't0')
    state['source_addresses'] = {'0': '10.0.0.1', '1': '10.0.0.1'}
    reverse = R.probe_targets(state)['reverse']
    assert reverse == [{'host': 'vm1', 'targets': ['10.0.0.1'], 'pairs': {'10.0.0.1': {'host': 'host', 'target': '10.0.0.11'}}},
                       {'host': 'vm2', 'targets': ['10.0.0.1'], 'pairs': {'10.0.0.1': {'host': 'host', 'target': '10.0.0.12'}}}]
    answered = dict(probe('10.0.0.11', True), rtt={'min': 0.1, 'avg': 0.2, 'max': 0.9, 'mdev': 0.1})
    forward = registered('host', [answered, probe('10.0.0.12', False)])
    # vm1's forward probe answered: its largest round trip; vm2's did not: no bound, the timeout applies
    assert R.forward_rtts(reverse[0]['pairs'], forward) == {'10.0.0.1': 0.9}
    assert R.forward_rtts(reverse[1]['pairs'], forward) == {}
    # the same target probed from another source host says nothing of this pair; nothing registered, nothing bound
    assert R.forward_rtts(reverse[0]['pairs'], registered('other', [answered])) == {}
    assert R.forward_rtts(reverse[0]['pairs'], {}) == {}
    assert R.forward_rtts({}, forward) == {}
