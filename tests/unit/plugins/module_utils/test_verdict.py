# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One verdict for diagnose.yml and remediate.yml, and fix verification attributed to the fix that
changed the probe result (issue 11 point 6)."""
import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import plan as R
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import verdict


def cls(fwd=None, large=None, rev=None):
    out = {}
    for name, value in (('forward', fwd), ('forward_large', large), ('reverse', rev)):
        if value is not None:
            out[name] = {'reachable': value < 100, 'loss': float(value)}
    return out


def finding(code, host, module, args):
    return {'code': code, 'host': host, 'layer': 'x', 'message': code, 'object': {},
            'fix': {'module': 'vmnet.doctor.' + module, 'host': host, 'args': args}}


SYSCTL = finding('ICMP_IGNORED', 'vm1', 'net_sysctl', {'name': 'icmp_echo_ignore_all', 'value': 0})
GATEWAY = finding('GATEWAY_WRONG', 'vm1', 'default_gateway', {'gateway': '10.0.0.1', 'state': 'present'})
FW_REV = finding('ICMP_BLOCKED', 'hv', 'icmp_rule', {'hook': 'forward', 'icmp_types': ['echo-request']})


def diagnosed(status, reachable, findings):
    return {'name': 'host -> 10.0.0.11', 'source': 'host', 'target_ip': '10.0.0.11', 'target_host': 'vm1',
            'hypervisor': 'hv', 'status': status, 'reachable': reachable, 'findings': findings}


def remediate(diagnosis, baseline, steps, final, keep=False):
    plan = R.build_plan([diagnosis])
    state = R.new_state(plan, {'0': baseline}, '2026-01-01T00:00:00Z', keep_partial=keep)
    for fix_id, after in steps:
        R.record_fix(state, fix_id, {'changed': True, 'before': {'value': 1}, 'after': {'value': 0},
                                     'changes': ['x']}, {'0': after}, '2026-01-01T00:00:05Z')
    pending = R.pending_rollbacks(state)
    done = R.finish(state, {'0': final}, '2026-01-01T00:00:09Z')
    return state, pending, done['paths'][0]


# ------------------------------------------------------------------ the same verdict in both playbooks
@pytest.mark.parametrize('status,reachable,probes', [
    ('degraded', True, cls(0, None, 100)),     # the VM -> host echo dropped, nothing found
    ('unexplained', False, cls(100)),
    ('ok', True, cls(0, None, 0)),
])
def test_remediate_without_fixes_gives_the_diagnose_verdict(status, reachable, probes):
    diag = diagnosed(status, reachable, [])
    _s, _p, path = remediate(diag, probes, [], probes)
    assert (path['result'] == 'ok') == (report.path_state(diag) == 'ok')
    assert path['verdict_before'] == report.path_state(diag)
    line = report.remediation_summary_line(path)
    assert line.startswith('OK ') == (report.summary_line(diag).startswith('OK '))


def test_a_reverse_only_break_is_not_ok_nothing_changed():
    _s, _p, path = remediate(diagnosed('degraded', True, []), cls(0, None, 100), [], cls(0, None, 100))
    assert path['result'] == 'broken'
    assert not report.remediation_summary_line(path).startswith('OK')
    assert 'reverse ping: 100 % loss' in report.remediation_summary_line(path)


# ------------------------------------------------------------------ attribution
def test_a_fix_without_effect_is_not_verified_when_another_one_improved_the_path():
    """fix1 changes nothing visible; fix2 makes the forward ping answer (the reverse one still fails)."""
    state, pending, path = remediate(diagnosed('broken', False, [SYSCTL, GATEWAY]), cls(100, None, 100),
                                     [('fix1', cls(100, None, 100)), ('fix2', cls(0, None, 100))], cls(0, None, 100))
    statuses = dict((f['id'], f['status']) for f in state['fixes'])
    assert statuses['fix2'] == 'verified'
    assert statuses['fix1'] != 'verified'
    assert [p['id'] for p in pending] == ['fix1']
    assert 'no visible effect of its own' in state['fixes'][0]['reason']
    assert path['result'] == 'improved'


def test_a_fix_without_effect_kept_with_keep_partial_is_still_not_verified():
    state, pending, _path = remediate(diagnosed('broken', False, [SYSCTL, GATEWAY]), cls(100, None, 100),
                                      [('fix1', cls(100, None, 100)), ('fix2', cls(0, None, 100))],
                                      cls(0, None, 100), keep=True)
    assert pending == [] and state['fixes'][0]['status'] == 'applied'
    assert 'kept' in state['fixes'][0]['reason']


def test_never_improved_and_verified_at_full_forward_loss():
    """The only change: the reverse ping now answers; the forward ping is still at 100 % loss."""
    state, _pending, path = remediate(diagnosed('broken', False, [FW_REV]), cls(100, None, 100),
                                      [('fix1', cls(100, None, 0))], cls(100, None, 0))
    assert state['fixes'][0]['status'] != 'verified'
    assert path['result'] == 'broken'
    line = report.remediation_summary_line(path)
    assert not line.startswith('IMPROVED') and 'verified' not in line
    assert 'forward ping: 100 % loss' in line


def test_two_fixes_that_restore_together_are_both_verified():
    state, _pending, path = remediate(diagnosed('broken', False, [SYSCTL, GATEWAY]), cls(100, None, 100),
                                      [('fix1', cls(100, None, 100)), ('fix2', cls(0, None, 0))], cls(0, None, 0))
    assert [f['status'] for f in state['fixes']] == ['verified', 'verified']
    assert path['result'] == 'restored'


@pytest.mark.parametrize('before,final,fixes,verified,expected', [
    ('ok', cls(0, None, 0), [], False, 'ok'),
    ('broken', cls(0, None, 0), [], False, 'restored'),
    ('broken', cls(0, None, 100), [{}], True, 'improved'),
    ('broken', cls(100, None, 0), [{}], True, 'broken'),
    ('broken', cls(50, None, 100), [{}], False, 'broken'),
    ('unexplained', {}, [], False, 'broken'),
])
def test_remediation_result_table(before, final, fixes, verified, expected):
    assert verdict.remediation_result(before, fixes, final, verified) == expected
