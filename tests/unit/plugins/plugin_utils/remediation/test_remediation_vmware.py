# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation of VMware findings (plugin_utils/remediation/plan.py): the inverse of the VMware fixers,
the credentials key, and VMware fixes verified by a new diagnosis on facts read again.
The results below are the shapes vmware_vswitch_policy / vmware_vm_nic return against the
simulator (tests/integration/vmware/test_vmware_vswitch_policy.py, test_vmware_vm_nic.py)."""
import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import plan as R
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import config as cfg
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

CONN = {'hostname': 'vc.example.com', 'port': 443, 'username': 'admin', 'validate_certs': False}
PG = dict(CONN, esxi_hostname='esx1', switch='vSwitch0', portgroup='VM Network')


def finding(code, module, args):
    return {'code': code, 'host': 'vc.example.com', 'layer': 'switch', 'message': code, 'object': {},
            'fix': {'module': 'vmnet.doctor.' + module, 'host': 'localhost', 'args': args, 'connection': 'vmware'}}


def path(findings, target='10.0.0.77'):
    return {'name': 'p ' + target, 'source': 'host', 'target_ip': target, 'target_host': None, 'hypervisor': None,
            'status': 'broken', 'reachable': False, 'findings': findings}


VLAN = finding('VLAN_MISMATCH', 'vmware_vswitch_policy', dict(PG, vlan_id=0))
NIC = finding('VNIC_DISCONNECTED', 'vmware_vm_nic', dict(CONN, vm='web01', mac='00:50:56:aa:bb:cc', connected=True))


def fixer_result(args, have):
    """The real result of the VMware gate (vmware_config.gate, as the modules run it) for a
    target in state ``have``: plan, applied to a recorded state, read back."""
    state = {'now': dict(have)}

    def apply(_obj, changes):
        state['now'] = cfg.predicted(state['now'], changes)
    want = dict((k, v) for k, v in args.items() if k in have)
    return cfg.gate(False, want, lambda: (None, dict(state['now'])), apply, 'Call')


@pytest.mark.parametrize('module,args,have,expected', [
    ('vmware_vswitch_policy', dict(PG, vlan_id=0, forged_transmits=True),
     {'vlan_id': 20, 'forged_transmits': True, 'allow_promiscuous': False, 'mac_changes': False},
     dict(PG, vlan_id=20)),
    ('vmware_vswitch_policy', dict(CONN, switch_type='distributed', switch='DVS0', mtu=1500),
     {'mtu': 9000, 'forged_transmits': False, 'allow_promiscuous': False, 'mac_changes': False},
     dict(CONN, switch_type='distributed', switch='DVS0', mtu=9000)),
    ('vmware_vm_nic', dict(CONN, vm='web01', mac='00:50:56:aa:bb:cc', portgroup='VM Network'),
     {'connected': True, 'start_connected': True, 'portgroup': 'Quarantine'},
     dict(CONN, vm='web01', mac='00:50:56:aa:bb:cc', portgroup='Quarantine')),
    ('vmware_vm_nic', dict(CONN, vm='web01', label='Network adapter 1', connected=True, start_connected=True),
     {'connected': False, 'start_connected': False, 'portgroup': 'VM Network'},
     dict(CONN, vm='web01', label='Network adapter 1', connected=False, start_connected=False)),
])
def test_vmware_rollback_sets_back_only_the_changed_fields(module, args, have, expected):
    result = fixer_result(args, have)
    assert result['changed'] and result['after'] != have and len(result['commands']) == 1
    calls, why = R.rollback_calls(module, args, result)
    assert why is None and calls == [{'module': 'vmnet.doctor.' + module, 'args': expected}]
    assert 'password' not in calls[0]['args']
    # the inverse, run through the same gate, gives the state before back
    undo = fixer_result(calls[0]['args'], result['after'])
    assert undo['after'] == have


def test_vmware_rollback_unchanged_and_unknown_before():
    assert R.rollback_calls('vmware_vm_nic', {}, {'changed': False}) == ([], None)
    result = fixer_result(dict(PG, mtu=1500), {'mtu': None})
    calls, why = R.rollback_calls('vmware_vswitch_policy', PG, result)
    assert calls is None and 'mtu' in why


def test_vmware_gate_fails_when_the_change_did_not_take():
    with pytest.raises(DoctorError) as exc:
        cfg.gate(False, {'mtu': 9000}, lambda: (None, {'mtu': 1500}), lambda obj, changes: None,
                 'UpdateVirtualSwitch vSwitch0')
    assert 'UpdateVirtualSwitch vSwitch0 was applied but vSphere still reports mtu=1500 (wanted 9000)' in str(exc.value)


def test_vmware_gate_check_mode_predicts_and_does_not_apply():
    def apply(_obj, _changes):
        raise AssertionError('applied in check mode')
    result = cfg.gate(True, {'mtu': 9000, 'vlan_id': None}, lambda: (None, {'mtu': 1500, 'vlan_id': 0}), apply, 'X')
    assert result == {'changed': True, 'changes': [{'action': 'set', 'field': 'mtu', 'before': 1500, 'after': 9000}],
                      'commands': ['X mtu=9000'], 'before': {'mtu': 1500, 'vlan_id': 0},
                      'after': {'mtu': 9000, 'vlan_id': 0}, 'warnings': [], 'runtime_only': False}


def test_vmware_key_matches_the_role_template():
    # roles/diagnose/templates/vmware_credentials.j2: '<hostname>|<port or 443>|<username>'
    assert R.vmware_key(CONN) == 'vc.example.com|443|admin'
    assert R.vmware_key({'hostname': 'vc', 'username': 'u'}) == 'vc|443|u'
    assert R.vmware_key({'hostname': 'vc', 'port': '8989', 'username': 'u'}) == 'vc|8989|u'


def test_vmware_fixers_are_accepted_and_run_on_the_controller():
    plan = R.build_plan([path([NIC, VLAN])])
    assert [(f['module'], f['host']) for f in plan['fixes']] == [
        ('vmnet.doctor.vmware_vm_nic', 'localhost'), ('vmnet.doctor.vmware_vswitch_policy', 'localhost')]
    assert not any(f['guard'] for f in plan['fixes'])


def unreachable():
    return {'forward': {'reachable': False, 'loss': 100.0}}


def wave_result(state, changes):
    wave = R.next_wave(state)
    return wave, {'results': [{'changed': True, 'changes': changes, 'before': {}, 'after': {},
                               '__remediate_fix': f, 'ansible_loop_var': '__remediate_fix'} for f in wave['fixes']]}


def test_vmware_fix_verified_when_the_new_diagnosis_no_longer_proposes_it():
    plan = R.build_plan([path([VLAN, NIC])])
    state = R.new_state(plan, {'0': unreachable()}, 't0')
    wave, reg = wave_result(state, [{'action': 'set', 'field': 'vlan_id', 'before': 20, 'after': 0}])
    assert [f['id'] for f in wave['fixes']] == ['fix1']
    # the probes cannot tell (the path stays unreachable), the new diagnosis can
    state, rollbacks, _probe = R.record_wave(state, reg, {'0': unreachable()}, 't1',
                                             rediagnosis=[path([NIC])])
    assert rollbacks == [] and state['fixes'][0]['status'] == 'verified'
    assert 'no longer finds' in state['fixes'][0]['reason']
    assert R.pending_rollbacks(state) == []


def test_vmware_fix_rolled_back_at_once_when_the_new_diagnosis_still_proposes_it():
    plan = R.build_plan([path([VLAN])])
    state = R.new_state(plan, {'0': unreachable()}, 't0')
    _wave, reg = wave_result(state, [{'action': 'set', 'field': 'vlan_id', 'before': 20, 'after': 0}])
    state, rollbacks, _probe = R.record_wave(state, reg, {'0': unreachable()}, 't1', rediagnosis=[path([VLAN])])
    assert [r['rollback'] for r in rollbacks] == [[{'module': 'vmnet.doctor.vmware_vswitch_policy',
                                                    'args': dict(PG, vlan_id=20)}]]
    assert 'still finds' in rollbacks[0]['reason']


def test_without_a_new_diagnosis_a_vmware_fix_is_judged_by_the_probes_only():
    plan = R.build_plan([path([VLAN])])
    state = R.new_state(plan, {'0': unreachable()}, 't0')
    _wave, reg = wave_result(state, [{'action': 'set', 'field': 'vlan_id', 'before': 20, 'after': 0}])
    state, rollbacks, _probe = R.record_wave(state, reg, {'0': unreachable()}, 't1')
    assert rollbacks == [] and state['fixes'][0]['status'] == 'applied'
    assert [p['id'] for p in R.pending_rollbacks(state)] == ['fix1']


def test_injected_vmware_fix_is_not_verified_by_the_diagnosis():
    wrong = {'path': 0, 'code': 'INJECTED', 'host': 'localhost', 'module': 'vmnet.doctor.vmware_vswitch_policy',
             'args': dict(PG, portgroup='Quarantine', vlan_id=30)}
    plan = R.build_plan([path([VLAN])], extra_fixes=[wrong])
    state = R.new_state(plan, {'0': unreachable()}, 't0')
    _wave, reg = wave_result(state, [{'action': 'set', 'field': 'vlan_id', 'before': 0, 'after': 30}])
    state, rollbacks, _probe = R.record_wave(state, reg, {'0': unreachable()}, 't1', rediagnosis=[path([VLAN])])
    assert state['fixes'][0]['injected'] and state['fixes'][0]['status'] == 'applied' and rollbacks == []
