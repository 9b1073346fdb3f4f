# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""schedule.py: triage, budget, cooldown, re-break escalation, record (pure, plain dicts)."""
import copy

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import schedule

T0 = 1795791600.0


def finding(host, module='vmnet.doctor.net_sysctl'):
    return {'code': 'ICMP_IGNORED', 'host': host, 'fix': {'module': module, 'host': host, 'args': {}}}


def manual(host):
    return {'code': 'ARP_STALE', 'host': host, 'fix': {'manual': True, 'reason': 'check'}}


def path(name, *findings):
    return {'name': name, 'source': 'h', 'target_ip': '10.0.0.1', 'findings': list(findings)}


def probe(reachable, loss=None):
    return {'reachable': reachable, 'loss_percent': (0.0 if reachable else 100.0) if loss is None else loss}


def test_settings_defaults_and_validation():
    conf = schedule.settings_of({'budget_hosts': '2', 'cooldown': None})
    assert conf['budget_hosts'] == 2
    assert conf['cooldown'] == schedule.DEFAULTS['cooldown']
    with pytest.raises(schedule.ScheduleError):
        schedule.settings_of({'budget': 1})
    with pytest.raises(schedule.ScheduleError):
        schedule.settings_of({'budget_hosts': -1})
    with pytest.raises(schedule.ScheduleError):
        schedule.settings_of({'max_loss': 2})


def test_load_state_starts_afresh_on_garbage():
    assert schedule.load_state(None) == schedule.empty_state()
    assert schedule.load_state({'version': 99, 'paths': {}}) == schedule.empty_state()
    assert schedule.load_state([1, 2]) == schedule.empty_state()


def test_path_key():
    assert schedule.path_key({'name': 'web'}) == 'web'
    assert schedule.path_key({'source': 'h', 'target_ip': '10.0.0.1'}) == 'h -> 10.0.0.1'


def test_triage_splits_and_records_without_mutating():
    state = schedule.empty_state()
    before = copy.deepcopy(state)
    out, new = schedule.triage(state, [{'key': 'a', 'probe': probe(True)}, {'key': 'b', 'probe': probe(False)},
                                       {'key': 'c', 'probe': None}, {'key': 'd', 'probe': probe(True, 33.3)}], T0)
    assert out == {'ok': ['a'], 'broken': ['b', 'c', 'd']}
    assert new['paths']['a']['last_ok_at'] == T0
    assert new['paths']['b']['last_broken_at'] == T0
    assert state == before


def test_triage_max_loss_tolerates_some_loss():
    out, _new = schedule.triage(None, [{'key': 'd', 'probe': probe(True, 33.3)}], T0, {'max_loss': 0.5})
    assert out['ok'] == ['d']


def test_triage_ok_clears_escalation():
    state = {'version': 1, 'paths': {'a': {'escalated': 'rebroken', 'escalated_at': T0}}, 'last_run': {}}
    _out, new = schedule.triage(state, [{'key': 'a', 'probe': probe(True)}], T0 + 10)
    assert new['paths']['a']['escalated'] is None


@pytest.mark.parametrize('budget, expected', [
    (0, ['escalate', 'escalate', 'escalate']),
    (1, ['remediate', 'escalate', 'escalate']),
    (2, ['remediate', 'remediate', 'escalate']),
    (3, ['remediate', 'remediate', 'escalate']),
    (4, ['remediate', 'remediate', 'remediate']),
])
def test_budget_counts_distinct_hosts(budget, expected):
    paths = [path('p1', finding('vm1')), path('p2', finding('vm2')), path('p3', finding('vm3'), finding('hv'))]
    # p3 needs two hosts: it fits only when 4 hosts may change.
    actions, new = schedule.decide(None, paths, T0, {'budget_hosts': budget})
    assert [a['action'] for a in actions] == expected
    assert all(a['reason'] == 'budget' for a in actions if a['action'] == 'escalate')
    assert new['last_run']['remediate'] == [a['key'] for a in actions if a['action'] == 'remediate']
    assert len(new['last_run']['hosts_planned']) <= budget


def test_budget_shared_host_costs_nothing_more():
    paths = [path('p1', finding('hv')), path('p2', finding('hv'))]
    actions, _new = schedule.decide(None, paths, T0, {'budget_hosts': 1})
    assert [a['action'] for a in actions] == ['remediate', 'remediate']


def test_no_automatic_fix_escalates():
    actions, new = schedule.decide(None, [path('p1', manual('host')), path('p2')], T0, {'budget_hosts': 5})
    assert [(a['action'], a['reason']) for a in actions] == [('escalate', 'no_fix'), ('escalate', 'no_fix')]
    assert new['paths']['p1']['escalated'] == 'no_fix'


def test_cooldown_holds_back_after_failed_fix_then_releases():
    state = schedule.record(None, [{'key': 'p1', 'result': 'failed', 'hosts': ['vm1']}], T0)
    conf = {'cooldown': 600, 'rebreak_window': 0}
    actions, _new = schedule.decide(state, [path('p1', finding('vm1'))], T0 + 599, conf)
    assert actions[0]['action'] == 'cooldown'
    actions, _new = schedule.decide(state, [path('p1', finding('vm1'))], T0 + 601, conf)
    assert actions[0]['action'] == 'remediate'


def test_cooldown_after_successful_fix_without_rebreak_window():
    state = schedule.record(None, [{'key': 'p1', 'result': 'fixed', 'hosts': ['vm1']}], T0)
    actions, _new = schedule.decide(state, [path('p1', finding('vm1'))], T0 + 60, {'cooldown': 600, 'rebreak_window': 0})
    assert actions[0]['action'] == 'cooldown'


def test_rebreak_soon_after_fix_escalates_and_keeps_first_time():
    state = schedule.record(None, [{'key': 'p1', 'result': 'fixed', 'hosts': ['vm1']}], T0)
    conf = {'cooldown': 60, 'rebreak_window': 3600}
    actions, new = schedule.decide(state, [path('p1', finding('vm1'))], T0 + 120, conf)
    assert (actions[0]['action'], actions[0]['reason']) == ('escalate', 'rebroken')
    assert new['paths']['p1']['escalated_at'] == T0 + 120
    actions, newer = schedule.decide(new, [path('p1', finding('vm1'))], T0 + 240, conf)
    assert newer['paths']['p1']['escalated_at'] == T0 + 120
    # Past the window it is fixed again.
    actions, _n = schedule.decide(state, [path('p1', finding('vm1'))], T0 + 3601, conf)
    assert actions[0]['action'] == 'remediate'


def test_rebreak_does_not_consume_budget():
    state = schedule.record(None, [{'key': 'p1', 'result': 'fixed', 'hosts': ['vm1']}], T0)
    actions, _new = schedule.decide(state, [path('p1', finding('vm1')), path('p2', finding('vm2'))], T0 + 5,
                                    {'budget_hosts': 1, 'cooldown': 60, 'rebreak_window': 3600})
    assert [a['action'] for a in actions] == ['escalate', 'remediate']


def test_record_counts_and_clears():
    state = {'version': 1, 'paths': {'p1': {'escalated': 'budget', 'fix_count': 1}}, 'last_run': {}}
    new = schedule.record(state, [{'key': 'p1', 'result': 'fixed', 'hosts': ['vm1', 'hv']},
                                  {'key': 'p2', 'result': None, 'hosts': ['vm2']}], T0)
    assert new['paths']['p1']['fix_count'] == 2
    assert new['paths']['p1']['escalated'] is None
    assert new['paths']['p1']['last_fix_hosts'] == ['hv', 'vm1']
    assert new['paths']['p2']['last_fix_result'] == 'failed'
    assert new['last_run']['hosts_changed'] == ['hv', 'vm1', 'vm2']
    assert state['paths']['p1']['fix_count'] == 1


# ----------------------------------------------------------------------------- the playbook's data
# (what playbooks/templates/scheduled_*.j2 did before they moved into schedule_state)

def icmp(target, reachable=True, sent=3):
    return {'target': target, 'reachable': reachable, 'sent': sent, 'received': sent if reachable else 0,
            'loss_percent': 0.0 if reachable else 100.0}


CONFIG = [{'source': 'h1', 'target_ip': ' 10.0.0.1 ', 'target_host': 'vm1',
           'vmware': {'hostname': 'vc', 'password': 'kept'}},
          {'source': 'h1', 'target_ip': '10.0.0.2', 'name': 'db'},
          {'source': 'h2', 'target_ip': '10.0.0.1'}]


def test_configured_paths_are_named_trimmed_and_keep_every_key():
    paths = schedule.configured_paths(CONFIG, [], ['h1', 'h2'])
    assert [p['name'] for p in paths] == ['h1 -> 10.0.0.1', 'db', 'h2 -> 10.0.0.1']
    assert paths[0]['target_ip'] == '10.0.0.1' and paths[0]['vmware']['password'] == 'kept'
    assert CONFIG[0]['target_ip'] == ' 10.0.0.1 '          # input not mutated
    assert schedule.probe_targets(paths) == {'h1': ['10.0.0.1', '10.0.0.2'], 'h2': ['10.0.0.1']}


@pytest.mark.parametrize('only,names', [
    (['db'], ['db']), (['10.0.0.1'], ['h1 -> 10.0.0.1', 'h2 -> 10.0.0.1']), (['nothing'], []), (None, None)])
def test_configured_paths_narrowed_by_name_or_target(only, names):
    paths = schedule.configured_paths(CONFIG, only, ['h1', 'h2'])
    assert [p['name'] for p in paths] == (names if names is not None else ['h1 -> 10.0.0.1', 'db', 'h2 -> 10.0.0.1'])


@pytest.mark.parametrize('bad', [
    [{'source': 'ghost', 'target_ip': '10.0.0.1'}], [{'target_ip': '10.0.0.1'}],
    [{'source': 'h1', 'target_ip': '  '}], [{'source': 'h1'}], ['h1'], {'source': 'h1'}])
def test_configured_paths_refuse_unknown_sources_and_missing_targets(bad):
    with pytest.raises(schedule.ScheduleError) as exc:
        schedule.configured_paths(bad, [], ['h1', 'h2'])
    assert 'source' in str(exc.value) or 'must be a list' in str(exc.value)


def test_probe_items_match_each_path_to_its_source_probe():
    paths = schedule.configured_paths(CONFIG, [], ['h1', 'h2'])
    registered = {'h1': {'results': [icmp('10.0.0.2', False), icmp('10.0.0.1')]},
                  'h2': {'unreachable': True, 'msg': 'ssh: connect'}}
    items = schedule.probe_items(paths, registered)
    assert [(i['key'], (i['probe'] or {}).get('reachable')) for i in items] == [
        ('h1 -> 10.0.0.1', True), ('db', False), ('h2 -> 10.0.0.1', None)]
    out, _state = schedule.triage(schedule.empty_state(), items, T0)
    assert out == {'ok': ['h1 -> 10.0.0.1'], 'broken': ['db', 'h2 -> 10.0.0.1']}


def test_outcomes_fixed_or_failed_with_the_hosts_changed():
    remediated = [
        {'name': 'a', 'reachable_after': True, 'result': 'fixed',
         'fixes': [{'host': 'vm1', 'status': 'verified'}, {'host': 'hv', 'status': 'skipped'},
                   {'host': 'vm1', 'status': 'rolled back'}]},
        {'name': 'b', 'reachable_after': False, 'result': 'failed', 'fixes': [{'host': 'vm2', 'status': 'rolled back'}]},
        {'name': 'c', 'reachable_after': None, 'result': 'check', 'fixes': [{'host': 'vm3', 'status': 'would apply'}]}]
    assert schedule.outcomes(remediated) == [{'key': 'a', 'result': 'fixed', 'hosts': ['vm1']},
                                             {'key': 'b', 'result': 'failed', 'hosts': ['vm2']}]
    assert schedule.outcomes(None) == []


def test_run_report_one_entry_per_configured_path():
    paths = schedule.configured_paths(CONFIG, [], ['h1', 'h2'])
    registered = {'h1': {'results': [icmp('10.0.0.1'), icmp('10.0.0.2', False)]}, 'h2': {'skipped': True}}
    diagnosed = [{'name': 'db', 'source': 'h1', 'target_ip': '10.0.0.2', 'status': 'broken', 'state': 'broken',
                  'findings': [finding('vm2')]}]
    actions = [{'key': 'db', 'action': 'remediate', 'reason': None, 'hosts': ['vm2'], 'detail': 'fix on vm2'}]
    remediated = [{'name': 'db', 'result': 'fixed', 'reachable_after': True, 'fixes': [{'host': 'vm2', 'status': 'verified'}]}]
    run = schedule.run_report(paths, registered, diagnosed, remediated, ['h1 -> 10.0.0.1'], actions)
    ok, db, unknown = run['paths']
    assert ok['status'] == 'ok' and ok['checks'][0] == {'id': 'scheduled.probe', 'status': 'pass', 'host': 'h1',
                                                        'detail': '3 of 3 echo replies'}
    assert ok['target_host'] == 'vm1' and ok['hypervisor'] is None and 'vmware' not in ok
    assert db['state'] == 'broken' and db['schedule'] == actions[0]
    assert db['reachable_after'] is True and db['remediation_result'] == 'fixed' and db['fixes'][0]['host'] == 'vm2'
    assert unknown['status'] == 'unexplained' and unknown['checks'][0]['status'] == 'fail'
    assert run['probes'] == {'h1': {'forward': [icmp('10.0.0.1'), icmp('10.0.0.2', False)]}}
    assert run['remediation'] == {'db': {'result': 'fixed', 'reachable_after': True,
                                         'fixes': [{'host': 'vm2', 'status': 'verified'}]}}


def test_decide_passes_over_paths_whose_verdict_is_ok():
    """scheduled.yml hands decide the diagnose role's diagnose_result.paths as they are: an ok path
    (engine status ok, no finding) gets no action; an unexplained one (no fix) is escalated."""
    ok = {'name': 'p0', 'source': 'host', 'target_ip': '10.0.0.10', 'status': 'ok', 'findings': [],
          'reachable': True}
    unexplained = {'name': 'p2', 'source': 'host', 'target_ip': '10.0.0.12', 'status': 'unexplained',
                   'findings': [], 'reachable': False}
    actions, new = schedule.decide(None, [ok, path('p1', finding('vm1')), unexplained], T0, {'budget_hosts': 1})
    assert [(a['key'], a['action']) for a in actions] == [('p1', 'remediate'), ('p2', 'escalate')]
    assert new['last_run']['remediate'] == ['p1']
