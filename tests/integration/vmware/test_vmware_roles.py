# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/diagnose.yml and playbooks/remediate.yml on VMware paths, for real: the test vCenter
(tests/vcsim) with every VMware fault injected through the vSphere API (vw_faults.py), the roles'
VMware facts, findings and fixes, and the state read back through the API.

Data path, kept safe: the simulated VMs do not exist on any network. The paths' source is the
``host`` namespace of a lab made for the test (prefix "vw"), and the paths' target addresses are
unused addresses of that lab's own subnet (the simulator's guests report them as their IPs), so
the probes stay inside the lab's namespaces and fail (nobody answers). A VMware fix is therefore
verified the way the roles verify VMware fixes: by reading the VMware facts again and diagnosing
again. The vCenter password is given in the paths and must never appear in the output or reports.
"""
import glob
import ipaddress
import json
import os

import pytest

import vw_faults as F

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
DIAGNOSE = os.path.join(REPO, 'playbooks', 'diagnose.yml')
REMEDIATE = os.path.join(REPO, 'playbooks', 'remediate.yml')
FAST = {'diagnose_probe_count': 1, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 1,
        'remediate_probe_timeout': 0.5}
# What each path of the scene is expected to find with every fault injected.
EXPECTED = {
    F.VM: {'VLAN_MISMATCH': ('vmware_portgroup', 'vmnet.doctor.vmware_vswitch_policy'),
           'VSWITCH_SECURITY_REJECT': ('vmware_portgroup', 'vmnet.doctor.vmware_vswitch_policy'),
           'VNIC_DISCONNECTED': ('vmware_vm_nic', 'vmnet.doctor.vmware_vm_nic'),
           'MTU_MISMATCH': ('vmware_vswitch', 'vmnet.doctor.vmware_vswitch_policy'),
           'DUPLICATE_MAC': ('vmware_vm_nic', None)},
    F.OTHER_VM: {'WRONG_PORTGROUP': ('vmware_vm_nic', 'vmnet.doctor.vmware_vm_nic'),
                 'DUPLICATE_MAC': ('vmware_vm_nic', None)},
}


@pytest.fixture
def world(vcsim, si, lab_factory, tmp_path):
    """The lab (source namespace), the simulator scene with its two guests on unused lab addresses."""
    lab = lab_factory('bridged', vms=1, base='vw')
    inventory = str(tmp_path / 'hosts.yml')
    lab.write_inventory(inventory)
    used = set(address.split('/')[0] for _node, _ifname, address in lab.layout['addresses'])
    net = ipaddress.ip_network(u'10.210.0.0/24')
    assert all(ipaddress.ip_address(u'%s' % a) in net for a in used), used
    free = [str(a) for a in list(net.hosts())[70:] if str(a) not in used][:2]
    F.scene(si, free[0])
    paths = []
    for vm, ip in ((F.VM, free[0]), (F.OTHER_VM, free[1])):
        paths.append({'name': 'vmware %s' % vm, 'source': lab.ns('host'), 'target_ip': ip,
                      'vmware': dict(vcsim.conn, vm_name=vm, datacenter=F.DATACENTER,
                                     expected_portgroup=F.PORTGROUP, host_vlan_id=0)})
    return {'lab': lab, 'inventory': inventory, 'paths': paths, 'sim': vcsim, 'tmp': tmp_path, 'ips': free}


def run(world, playbook, run_playbook, check=False, verbosity=0, **extra):
    report_dir = world['tmp'] / ('reports-%d' % len(list(world['tmp'].glob('reports-*.out'))))
    extra_vars = dict(FAST, doctor_paths=world['paths'], doctor_report_dir=str(report_dir), **extra)
    rc, data, output = run_playbook(playbook, world['inventory'], extra_vars=extra_vars, check=check, diff=True,
                                    verbosity=verbosity)
    with open(str(report_dir) + '.out', 'w') as handle:   # kept next to the reports for post-mortems
        handle.write(output)
    assert 'Traceback' not in output, output[-4000:]
    files = sorted(glob.glob(str(report_dir) + '/*'))
    texts = dict((os.path.basename(f), open(f).read()) for f in files)
    secret = world['sim'].password
    assert secret not in output, 'the vCenter password appears in the playbook output'
    for name, text in texts.items():
        assert secret not in text, 'the vCenter password appears in %s' % name
    reports = dict((name, json.loads(text)) for name, text in texts.items() if name.endswith('.json'))
    return rc, output, reports


def by_path(report):
    return dict((p['name'].replace('vmware ', ''), p) for p in report['paths'])


def vm_findings(path):
    return dict((f['code'], f) for f in path['findings'] if f['host'] == '127.0.0.1')


def inject_all(si):
    for fault in F.FAULTS:
        F.inject(si, fault)
    broken = F.state(si)
    assert broken['portgroup']['vlan_id'] == 20 and broken['portgroup']['forged_transmits'] is False
    assert broken['nic']['connected'] is False and broken['mtu'] == 9000
    assert broken['other_nic']['network'] == F.WRONG_PORTGROUP and broken['other_nic']['mac'] == broken['nic']['mac']
    return broken


def test_diagnose_role_finds_every_vmware_fault(world, si, run_playbook):
    healthy = F.state(si)
    rc, output, reports = run(world, DIAGNOSE, run_playbook, verbosity=3)   # -vvv: still no password
    assert rc == 0, output[-3000:]
    [report] = reports.values()
    for vm, path in by_path(report).items():
        assert vm_findings(path) == {}, (vm, path['findings'])
        assert [c['status'] for c in path['checks'] if c['id'] == 'vmware.connected'] == ['pass']

    broken = inject_all(si)
    rc, output, reports = run(world, DIAGNOSE, run_playbook)
    assert rc == 0, output[-3000:]
    [report] = reports.values()
    paths = by_path(report)
    for vm, expected in EXPECTED.items():
        found = vm_findings(paths[vm])
        assert sorted(found) == sorted(expected), (vm, sorted(found))
        for code, (obj_type, module) in expected.items():
            f = found[code]
            assert f['object']['type'] == obj_type, f
            if module:
                assert f['fix']['module'] == module and f['fix']['host'] == 'localhost', f
                assert f['fix']['args']['hostname'] == '127.0.0.1' and 'password' not in f['fix']['args']
            else:
                assert f['fix']['manual'], f
        assert paths[vm]['status'] == 'broken'
    vm = vm_findings(paths[F.VM])
    assert vm['VLAN_MISMATCH']['fix']['args']['vlan_id'] == 0
    assert vm['VSWITCH_SECURITY_REJECT']['evidence']['guest_mac'] == F.GUEST_MAC
    assert vm['VSWITCH_SECURITY_REJECT']['fix']['args']['forged_transmits'] is True
    assert 'mac_changes' not in vm['VSWITCH_SECURITY_REJECT']['fix']['args']
    assert vm['MTU_MISMATCH']['fix']['args']['mtu'] == 1500
    assert vm['VNIC_DISCONNECTED']['fix']['args']['connected'] is True
    other = vm_findings(paths[F.OTHER_VM])
    assert other['WRONG_PORTGROUP']['fix']['args']['portgroup'] == F.PORTGROUP
    assert F.state(si) == broken != healthy    # diagnosing is read-only
    assert '127.0.0.1' in output and 'VNIC_DISCONNECTED' in output


def test_remediate_role_check_mode_fix_and_second_run(world, si, run_playbook):
    broken = inject_all(si)

    # check mode: every fix would apply, nothing changes (read back through the API)
    rc, output, reports = run(world, REMEDIATE, run_playbook, check=True)
    assert rc == 0, output[-3000:]
    report = [r for n, r in reports.items() if not n.endswith('-diagnosis.json')][0]
    fixes = [f for p in report['paths'] for f in p['fixes']]
    assert sorted(f['module'].split('.')[-1] for f in fixes) == sorted(
        ['vmware_vswitch_policy'] * 3 + ['vmware_vm_nic'] * 2), fixes
    assert set(f['status'] for f in fixes) == {'would apply'}, fixes
    assert F.state(si) == broken

    # real run: every automatic fix applied and verified by a new diagnosis; duplicate MAC manual
    rc, output, reports = run(world, REMEDIATE, run_playbook)
    assert rc == 0, output[-3000:]
    report = [r for n, r in reports.items() if not n.endswith('-diagnosis.json')][0]
    fixes = dict((f['id'], f) for p in report['paths'] for f in p['fixes'])
    assert len(fixes) == 5 and set(f['status'] for f in fixes.values()) == {'verified'}, fixes
    assert all(f['host'] == 'localhost' and 'password' not in f['args'] for f in fixes.values())
    fixed = F.state(si)
    assert fixed['portgroup']['vlan_id'] == 0
    assert fixed['portgroup']['forged_transmits'] is True
    assert fixed['portgroup']['mac_changes'] == broken['portgroup']['mac_changes']   # only the field at fault
    assert fixed['nic']['connected'] is True and fixed['nic']['network'] == F.PORTGROUP
    assert fixed['mtu'] == 1500
    assert fixed['other_nic']['network'] == F.PORTGROUP
    assert fixed['other_nic']['mac'] == broken['other_nic']['mac']      # DUPLICATE_MAC is left to a person
    manual = [f for p in report['paths'] for f in p['findings'] if f['code'] == 'DUPLICATE_MAC']
    assert manual and all(f['status'] == 'manual' for f in manual), manual

    # second run: nothing left to fix, nothing changes
    rc, output, reports = run(world, REMEDIATE, run_playbook)
    assert rc == 0, output[-3000:]
    report = [r for n, r in reports.items() if not n.endswith('-diagnosis.json')][0]
    assert [f for p in report['paths'] for f in p['fixes']] == []
    assert F.state(si) == fixed


def test_remediate_role_rolls_back_a_vmware_fix_that_does_not_help(world, si, run_playbook):
    F.inject(si, 'vlan')
    conn = dict(world['sim'].conn)
    conn.pop('password')
    wrong = {'path': 0, 'code': 'INJECTED', 'host': 'localhost', 'module': 'vmnet.doctor.vmware_vswitch_policy',
             'args': dict(conn, esxi_hostname=F.HOST, switch=F.SWITCH, portgroup=F.WRONG_PORTGROUP, vlan_id=30)}
    rc, output, reports = run(world, REMEDIATE, run_playbook, __remediate_test_fixes=[wrong])
    assert rc == 0, output[-3000:]
    report = [r for n, r in reports.items() if not n.endswith('-diagnosis.json')][0]
    fixes = [f for p in report['paths'] for f in p['fixes']]
    status = dict((f['module'].split('.')[-1] + ('-injected' if f.get('injected') else ''), f['status'])
                  for f in fixes)
    assert status == {'vmware_vswitch_policy-injected': 'rolled back', 'vmware_vswitch_policy': 'verified'}, fixes
    ns = F.netsys(si)
    vlans = dict((pg.spec.name, pg.spec.vlanId) for pg in ns.networkInfo.portgroup)
    assert vlans[F.WRONG_PORTGROUP] == 0 and vlans[F.PORTGROUP] == 0   # undone from its before state; fixed
