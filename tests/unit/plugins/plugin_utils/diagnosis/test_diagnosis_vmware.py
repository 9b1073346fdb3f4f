# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VMware checks (checks_vmware.py) on facts captured from the simulator with each fault of
tests/integration/vmware/vw_faults.py injected through the vSphere API
(tests/unit/fixtures/vmware/facts_faults.json, see capture_faults.py there)."""
import copy
import json
import os

import pytest

import diagnosis_builders as b
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine

FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'vmware',
                       'facts_faults.json')
with open(FIXTURE) as _f:
    CAPTURED = json.load(_f)

VM, OTHER = 'DC0_H0_VM0', 'DC0_C0_RP0_VM0'
SECRET = 'Sim-Secret-42'
CONN = {'hostname': '127.0.0.1', 'port': 8989, 'username': 'vmnet-admin', 'validate_certs': False}


def facts(scene):
    """The captured facts, the VM's guest IP moved to the builders' VM address."""
    out = copy.deepcopy(CAPTURED[scene])
    for nic in out['vm_nics']:
        nic['guest_ips'] = [b.bridged()['vm_ip'] if ip == CAPTURED['guest_ip'] else ip for ip in nic['guest_ips']]
    return out


def vm_path(scene, vm=VM, reachable=False, **ids):
    p = b.path(b.bridged(), reachable=reachable, with_hv=False, with_vm=False)
    p['vmware_facts'] = facts(scene)
    p['vmware'] = dict(CONN, vm_name=vm, datacenter='DC0', expected_portgroup='VM Network', host_vlan_id=0, **ids)
    return p


def run(path):
    return engine.diagnose([path])['paths'][0]


def vmware_findings(res):
    return [f for f in res['findings'] if f['host'] == '127.0.0.1']


def check(res, check_id):
    found = [c for c in res['checks'] if c['id'] == check_id]
    assert found, 'no check %s in %s' % (check_id, [c['id'] for c in res['checks']])
    return found[0]


def test_healthy_scene_has_no_vmware_finding():
    for vm in (VM, OTHER):
        res = run(vm_path('healthy', vm=vm))
        assert vmware_findings(res) == []
        for cid in ('vmware.connected', 'vmware.portgroup', 'vmware.vlan', 'vmware.security', 'vmware.mtu',
                    'vmware.duplicate_mac'):
            assert check(res, cid)['status'] == 'pass', (vm, cid, check(res, cid))


def test_nic_is_found_by_guest_ip_label_or_mac():
    res = run(vm_path('healthy'))
    assert 'identified_by' not in str(check(res, 'vmware.connected'))  # a pass check carries no evidence
    p = vm_path('disconnected')
    res = run(p)
    assert res['findings'][0]['evidence']['identified_by'] == 'guest_ips'
    assert res['findings'][0]['confidence'] == 'high'
    p['vmware']['nic_label'] = 'ethernet-0'
    assert run(p)['findings'][0]['evidence']['identified_by'] == 'label'
    p['vmware']['nic_label'] = 'Network adapter 9'
    res = run(p)
    assert check(res, 'vmware.vm_nic')['status'] == 'skipped' and vmware_findings(res) == []
    p['vmware'].pop('nic_label')
    p['vmware']['vm_name'] = 'nope'
    assert 'nope' in check(run(p), 'vmware.vm_nic')['detail']


def test_vlan_mismatch_fixes_the_portgroup_vlan():
    res = run(vm_path('vlan'))
    [f] = vmware_findings(res)
    assert f['code'] == 'VLAN_MISMATCH' and f['layer'] == 'switch'
    assert f['object'] == {'type': 'vmware_portgroup', 'name': 'VM Network', 'switch': 'vSwitch0', 'host': 'DC0_H0',
                           'switch_type': 'vss', 'vlan_id': 20}
    assert f['evidence']['vlan'] == {'vm_portgroup': 20, 'host': 0, 'host_from': 'vmware.host_vlan_id'}
    assert f['fix'] == {'module': 'vmnet.doctor.vmware_vswitch_policy', 'host': 'localhost', 'connection': 'vmware',
                        'args': dict(CONN, esxi_hostname='DC0_H0', switch='vSwitch0', portgroup='VM Network',
                                     vlan_id=0)}
    assert res['status'] == 'broken'


def test_vlan_host_side_from_a_host_portgroup():
    p = vm_path('vlan', host_portgroup='Management Network')
    p['vmware'].pop('host_vlan_id')
    [f] = vmware_findings(run(p))
    assert f['code'] == 'VLAN_MISMATCH' and f['evidence']['host_portgroup']['vlan_id'] == 0
    p['vmware'].pop('host_portgroup')
    res = run(p)
    assert vmware_findings(res) == [] and check(res, 'vmware.vlan')['status'] == 'skipped'


def test_forged_transmits_rejected_while_the_guest_uses_another_mac():
    [f] = vmware_findings(run(vm_path('security')))
    assert f['code'] == 'VSWITCH_SECURITY_REJECT'
    assert f['evidence']['guest_mac'] == '00:50:56:3f:00:77' and f['confidence'] == 'medium'
    assert f['evidence']['security_override'] == {'forged_transmits': False}
    # only the field at fault
    assert f['fix']['args'] == dict(CONN, esxi_hostname='DC0_H0', switch='vSwitch0', portgroup='VM Network',
                                    forged_transmits=True)


def test_rejecting_policy_is_fine_when_the_guest_uses_the_vnic_mac():
    p = vm_path('security')
    for nic in p['vmware_facts']['vm_nics']:
        nic['guest_macs'] = [nic['mac']]
    res = run(p)
    assert vmware_findings(res) == [] and check(res, 'vmware.security')['status'] == 'pass'


def test_disconnected_nic_is_connected():
    [f] = vmware_findings(run(vm_path('disconnected')))
    assert f['code'] == 'VNIC_DISCONNECTED' and f['object']['type'] == 'vmware_vm_nic'
    assert f['object']['vm'] == VM and f['object']['mac'] == '00:0c:29:36:63:62'
    assert f['fix']['module'] == 'vmnet.doctor.vmware_vm_nic'
    assert f['fix']['args'] == dict(CONN, vm=VM, mac='00:0c:29:36:63:62', connected=True)


def test_powered_off_vm_is_not_reported_disconnected():
    p = vm_path('disconnected')
    for nic in p['vmware_facts']['vm_nics']:
        nic['power_state'] = 'poweredOff'
    res = run(p)
    assert vmware_findings(res) == [] and 'poweredOff' in check(res, 'vmware.connected')['detail']


def test_wrong_portgroup_moves_the_nic_and_skips_the_vlan():
    res = run(vm_path('wrong_portgroup', vm=OTHER))
    [f] = vmware_findings(res)
    assert f['code'] == 'WRONG_PORTGROUP' and f['confidence'] == 'medium'  # the only NIC of the VM
    assert f['object']['portgroup'] == 'Quarantine'
    assert f['fix']['args'] == dict(CONN, vm=OTHER, mac='00:0c:29:33:34:38', portgroup='VM Network')
    assert check(res, 'vmware.vlan')['status'] == 'skipped'


def test_wrong_portgroup_not_on_the_host_is_manual():
    p = vm_path('wrong_portgroup', vm=OTHER)
    p['vmware']['expected_portgroup'] = 'Nowhere'
    [f] = vmware_findings(run(p))
    assert f['code'] == 'WRONG_PORTGROUP' and f['fix']['manual']


def test_duplicate_mac_is_manual_on_both_vms():
    for vm in (VM, OTHER):
        [f] = vmware_findings(run(vm_path('duplicate_mac', vm=vm)))
        assert f['code'] == 'DUPLICATE_MAC' and f['fix']['manual'] and f['object']['type'] == 'vmware_vm_nic'
        assert [n['vm'] for n in f['evidence']['also_on']] == [OTHER if vm == VM else VM]


def test_duplicate_mac_is_intermittent_a_passing_probe_keeps_it():
    res = run(vm_path('duplicate_mac', reachable=True))
    assert [f['code'] for f in vmware_findings(res)] == ['DUPLICATE_MAC'] and res['status'] == 'degraded'


def test_vswitch_mtu_different_from_vmkernel():
    res = run(vm_path('mtu'))
    [f] = vmware_findings(res)
    assert f['code'] == 'MTU_MISMATCH' and f['object'] == {'type': 'vmware_vswitch', 'name': 'vSwitch0',
                                                           'host': 'DC0_H0', 'mtu': 9000}
    assert f['fix']['args'] == dict(CONN, esxi_hostname='DC0_H0', switch='vSwitch0', mtu=1500)
    assert f['confidence'] == 'medium'   # a larger vSwitch MTU drops nothing by itself
    # a large-probe failure is the symptom; a passing small probe does not contradict it
    res = run(vm_path('mtu', reachable=True))
    assert [x['code'] for x in vmware_findings(res)] == ['MTU_MISMATCH']


def test_mtu_members_that_disagree_make_a_manual_fix():
    p = vm_path('mtu', host_mtu=9000)
    [f] = vmware_findings(run(p))
    assert f['code'] == 'MTU_MISMATCH' and f['fix']['manual']


def test_every_fault_at_once():
    res = run(vm_path('all'))
    assert sorted(f['code'] for f in vmware_findings(res)) == sorted(
        ['VLAN_MISMATCH', 'VSWITCH_SECURITY_REJECT', 'VNIC_DISCONNECTED', 'MTU_MISMATCH', 'DUPLICATE_MAC'])
    res = run(vm_path('all', vm=OTHER))
    assert sorted(f['code'] for f in vmware_findings(res)) == ['DUPLICATE_MAC', 'WRONG_PORTGROUP']


def test_the_password_never_reaches_findings_or_checks():
    p = vm_path('all')
    p['vmware']['password'] = SECRET
    out = engine.diagnose([p])
    assert SECRET not in json.dumps(out)
    assert all('password' not in (f.get('fix') or {}).get('args', {}) for f in out['paths'][0]['findings'])


@pytest.mark.parametrize('bad', ['vm1', ['vm1']])
def test_vmware_identifiers_must_be_a_dict(bad):
    p = vm_path('healthy')
    p['vmware'] = bad
    with pytest.raises(Exception) as info:
        engine.validate([p])
    assert 'vmware must be a dict' in str(info.value)
