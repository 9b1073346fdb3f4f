# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/remediate.yml (role vmnet.doctor.remediate) against the namespace lab, for real.

For every lab fault with a safe automatic fix: check mode changes nothing (real kernel and
firewall state dumped before and after), a real run restores the path (a real ping from the
lab, outside Ansible), a second run changes nothing. Then combined faults, a wrong fix rolled
back (made the path worse / did not help), keep_partial, a manual finding left alone, the host
lock (taken by another run; two concurrent runs), and the management guard over SSH: a lab
host managed through sshd inside its namespace survives a gateway change that cuts it off.

One lab per topology for the module (prefix "rm" + random), healed between tests.
"""
import glob
import json
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
import yaml

from conftest import BIN_DIR, ansible_env, parse_callback_output
from vmnetlab import FAULTS, WRONG_GATEWAY, Lab, destroy_lab, faults_fixed_by, in_shared_suites, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'remediate.yml')


def libvirt(fault):
    """The libvirt topology's faults run in tests/integration/test_libvirt.py, on its one libvirt lab
    (ovs: test_ovs.py, left out by in_shared_suites)."""
    return FAULTS[fault]['topologies'] == ['libvirt']


# Faults whose finding has a safe automatic fix, and the code + fixer expected (first fix), each in
# its first topology: declared by the faults (tests/lab/vmnetlab.py FAULTS[name]['expect']).
SAFE = dict((f, (FAULTS[f]['topologies'][0], FAULTS[f]['expect']['code'], FAULTS[f]['expect']['fixer']))
            for f in faults_fixed_by(True) if in_shared_suites(f) and not libvirt(f))
# Faults whose VM -> host direction would stay broken after remediation. hv_forward_drop drops every
# forwarded echo request on hv, both ways: net_facts now evaluates both directions of a forwarded flow,
# so the diagnosis finds (and remediate fixes) the VM -> host drop too (issue 11 point 6).
REVERSE_NOT_DIAGNOSED = set()
# Faults whose fix is manual (a person decides): reported, never touched.
MANUAL = dict((f, FAULTS[f]['topologies'][0]) for f in faults_fixed_by(False) if in_shared_suites(f) and not libvirt(f))
# Faster probes for the tests (the lab answers in microseconds).
FAST = {'diagnose_probe_count': 2, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 2,
        'remediate_probe_timeout': 0.5}


# ------------------------------------------------------------------ labs, runs, state
@pytest.fixture(scope='module')
def labs(tmp_path_factory):
    made = {}

    def get(topology):
        if topology not in made:
            lab = Lab(unique_prefix('rm'), topology, vms=1)
            made[topology] = lab
            lab.up()
            lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
            lab.write_inventory(lab.inventory_path)
        lab = made[topology]
        lab.heal('all')
        # a fix may leave the lab changed where no fault was (mtu_mismatch raises the bridge): reset
        for node in ['host', 'hv'] + list(lab.vm_names):
            for link in json.loads(lab.run(node, ['ip', '-j', 'link', 'show']).stdout):
                if link['ifname'] != 'lo' and link.get('mtu') != 1500:
                    lab.run(node, ['ip', 'link', 'set', 'dev', link['ifname'], 'mtu', '1500'])
                if link['ifname'] != 'lo':   # rp_filter_asymmetric's fix sets the interface key
                    lab.run(node, ['sysctl', '-qw', 'net.ipv4.conf.%s.rp_filter=0' % link['ifname']])
        return lab
    yield get
    for lab in made.values():
        destroy_lab(lab.prefix)


def path_vars(lab, **extra):
    out = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip('vm1'),
           'doctor_target_host': lab.ns('vm1'), 'doctor_hypervisor': lab.ns('hv')}
    out.update(FAST)
    out.update(extra)
    return out


def remediate(run_playbook, lab, tmp_path, extra=None, check=False, inventory=None):
    """Run remediate.yml; return (rc, remediation report, stats, output)."""
    report_dir = tmp_path / ('reports-%d' % len(list(tmp_path.glob('reports-*'))))
    extra = dict(extra or path_vars(lab), doctor_report_dir=str(report_dir))
    rc, data, output = run_playbook(PLAYBOOK, inventory or lab.inventory_path, extra_vars=extra, check=check)
    return rc, read_report(report_dir), (data or {}).get('stats', {}), output


def failed_tasks(output):
    """Names and messages of the failed (not ignored) task results in a run's output, for assertion messages."""
    try:
        data = parse_callback_output(output.split('\n--- stderr ---\n')[0])
    except ValueError:
        return output[-3000:]
    out = []
    for play in data.get('plays', []):
        for task in play['tasks']:
            for host, res in task['hosts'].items():
                if (res.get('failed') or res.get('unreachable')) and not res.get('ignore_errors'):
                    out.append('%s on %s: %s' % (task['task']['name'], host, str(res.get('msg'))[:500]))
    return '\n'.join(out) or output[-3000:]


def read_report(report_dir):
    files = [f for f in sorted(glob.glob(str(report_dir) + '/*.json')) if not f.endswith('-diagnosis.json')]
    if not files:
        return None
    with open(files[-1]) as f:
        report = json.load(f)
    junit = files[-1][:-len('.json')] + '.junit.xml'
    report['_junit'] = ET.parse(junit).getroot()
    return report


def _strip_counters(value):
    if isinstance(value, dict):
        return dict((k, _strip_counters(v)) for k, v in value.items() if k not in ('counter', 'packets', 'bytes'))
    if isinstance(value, list):
        return [_strip_counters(v) for v in value if not (isinstance(v, dict) and 'counter' in v)]
    return value


SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv4.icmp_echo_ignore_all', 'net.ipv4.conf.all.rp_filter',
           'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.eth0.rp_filter']


def state_dump(lab):
    """The real kernel and firewall state of every lab namespace (no counters, no dynamic neighbours)."""
    out = {}
    for node in ['host', 'hv'] + list(lab.vm_names):
        ns = {}
        links = json.loads(lab.run(node, ['ip', '-j', 'link', 'show']).stdout)
        ns['links'] = sorted((ln['ifname'], ln.get('mtu'), sorted(set(ln.get('flags', [])) - set(['LOWER_UP', 'NO-CARRIER'])),
                              ln.get('master')) for ln in links)
        ns['addrs'] = json.loads(lab.run(node, ['ip', '-j', '-4', 'addr', 'show']).stdout)
        for a in ns['addrs']:
            for info in a.get('addr_info', []):
                info.pop('valid_life_time', None)
                info.pop('preferred_life_time', None)
            a.pop('operstate', None)
            a['flags'] = sorted(set(a.get('flags', [])) - set(['LOWER_UP', 'NO-CARRIER']))
        # IPv4 only: IPv6 link-local addresses and their routes come and go with DAD on a fresh lab
        ns['routes'] = json.loads(lab.run(node, ['ip', '-j', '-4', 'route', 'show', 'table', 'all']).stdout)
        neigh = json.loads(lab.run(node, ['ip', '-j', '-4', 'neigh', 'show']).stdout)
        ns['neigh'] = sorted((n.get('dst'), n.get('lladdr'), n.get('dev')) for n in neigh
                             if 'PERMANENT' in n.get('state', []) or 'NOARP' in n.get('state', []))
        ns['nft'] = _strip_counters(json.loads(lab.run(node, ['nft', '-j', 'list', 'ruleset']).stdout))
        ipt = lab.run(node, ['iptables-save']).stdout
        ns['iptables'] = [re.sub(r'\[\d+:\d+\]', '', line) for line in ipt.splitlines() if not line.startswith('#')]
        ns['sysctl'] = lab.run(node, ['sysctl'] + [k for k in SYSCTLS if 'eth0' not in k or node != 'hv']).stdout
        out[node] = ns
    return out


def fixes_of(report, index=0):
    return report['paths'][index]['fixes']


def localhost_changed(stats):
    return stats.get('localhost', {}).get('changed')


# ------------------------------------------------------------------ every fault with a safe fix
@pytest.mark.parametrize('fault', [pytest.param(f, id=f) for f in sorted(SAFE, key=lambda f: (SAFE[f][0], f))])
def test_fault_is_remediated(labs, run_playbook, tmp_path, fault):
    topology, code, module = SAFE[fault]
    lab = labs(topology)
    lab.inject(fault)
    try:
        assert not lab.reachable('host', 'vm1', size=3000 if fault == 'mtu_mismatch' else None, attempts=1)
        before = state_dump(lab)

        # check mode: says what it would change, where; changes nothing
        rc, report, stats, output = remediate(run_playbook, lab, tmp_path, check=True)
        assert rc == 0, failed_tasks(output)
        assert state_dump(lab) == before
        fixes = fixes_of(report)
        assert fixes and fixes[0]['status'] == 'would apply', fixes
        assert fixes[0]['module'] == 'vmnet.doctor.' + module and code in fixes[0]['codes']
        assert fixes[0]['commands'] and fixes[0]['changes'], fixes[0]   # the exact commands it would run
        assert report['summary_lines'][0].startswith('CHECK '), report['summary_lines']
        assert localhost_changed(stats) > 0    # check mode reports what would change

        # real run: path restored and verified
        rc, report, stats, output = remediate(run_playbook, lab, tmp_path)
        assert rc == 0, failed_tasks(output)
        path = report['paths'][0]
        assert path['result'] == 'restored', (report['summary_lines'], output[-3000:])
        assert path['reachable_after'] is True and path['seconds_to_reachable'] > 0
        statuses = [f['status'] for f in path['fixes']]
        assert 'verified' in statuses and not set(statuses) - set(['verified', 'skipped', 'unchanged']), path['fixes']
        first = [f for f in path['fixes'] if f['status'] == 'verified'][0]
        assert first['before'] and first['after'] and first['before'] != first['after'], first
        assert report['summary_lines'][0].startswith('RESTORED %s -> %s in ' % (lab.ns('host'), lab.ip('vm1')))
        assert lab.reachable('host', 'vm1', size=3000 if fault == 'mtu_mismatch' else None)
        assert lab.reachable('vm1', 'host') is (fault not in REVERSE_NOT_DIAGNOSED)
        after_fix = state_dump(lab)

        # second run: nothing to change
        rc, report, stats, output = remediate(run_playbook, lab, tmp_path)
        assert rc == 0, failed_tasks(output)
        path = report['paths'][0]
        assert path['result'] == 'ok' and path['fixes'] == [], report['summary_lines']
        assert localhost_changed(stats) == 0, stats
        assert state_dump(lab) == after_fix
    finally:
        lab.heal('all')


# ------------------------------------------------------------------ faults together
@pytest.mark.parametrize('topology,faults', [
    ('bridged', ['vm_icmp_nft_drop', 'host_stale_arp', 'vm_mac_filtered']),
    ('routed', ['hv_forward_drop', 'vm_icmp_ignore', 'vm_gateway_wrong']),
])
def test_combined_faults_all_fixed(labs, run_playbook, tmp_path, topology, faults):
    lab = labs(topology)
    try:
        for fault in faults:
            lab.inject(fault)
        rc, report, _stats, output = remediate(run_playbook, lab, tmp_path,
                                               path_vars(lab, doctor_fail_on_broken=True))
        assert rc == 0, failed_tasks(output)
        path = report['paths'][0]
        assert path['result'] == 'restored', report['summary_lines']
        codes = set(c for f in path['fixes'] if f['status'] == 'verified' for c in f['codes'])
        assert codes >= set(SAFE[f][1] for f in faults), path['fixes']
        assert lab.reachable('host', 'vm1')
        assert lab.reachable('vm1', 'host') == (not set(faults) & REVERSE_NOT_DIAGNOSED)
    finally:
        lab.heal('all')


# ------------------------------------------------------------------ wrong fixes are rolled back
def test_fix_that_makes_the_path_worse_is_rolled_back(labs, run_playbook, tmp_path):
    lab = labs('routed')
    wrong = {'path': 0, 'code': 'INJECTED', 'host': lab.ns('vm1'), 'module': 'vmnet.doctor.default_gateway',
             'args': {'gateway': WRONG_GATEWAY}}
    try:
        lab.inject('vm_icmp_ignore')
        routes_before = lab.run('vm1', ['ip', '-j', 'route']).stdout
        rc, report, _stats, output = remediate(run_playbook, lab, tmp_path,
                                               path_vars(lab, __remediate_test_fixes=[wrong]))
        assert rc == 0, failed_tasks(output)
        fixes = fixes_of(report)
        assert [(f['module'], f['status']) for f in fixes] == [
            ('vmnet.doctor.default_gateway', 'rolled back'), ('vmnet.doctor.net_sysctl', 'verified')], fixes
        assert fixes[0]['reason'] == 'made the path worse'
        assert fixes[0]['before']['default_routes'][0]['gateway'] == '10.220.1.1'
        assert fixes[0]['after']['default_routes'][0]['gateway'] == WRONG_GATEWAY
        assert lab.run('vm1', ['ip', '-j', 'route']).stdout == routes_before
        assert report['paths'][0]['result'] == 'restored'
        junit = report['_junit']
        failures = [c.find('failure').get('type') for c in junit.iter('testcase') if c.find('failure') is not None]
        assert failures == ['ROLLED_BACK'], failures
    finally:
        lab.heal('all')


@pytest.mark.parametrize('keep', [False, True], ids=['rolled_back', 'keep_partial'])
def test_fix_that_does_not_help_is_rolled_back_unless_kept(labs, run_playbook, tmp_path, keep):
    lab = labs('routed')
    useless = {'path': 0, 'code': 'INJECTED', 'host': lab.ns('vm1'), 'module': 'vmnet.doctor.interface_mtu',
               'args': {'interface': 'eth0', 'mtu': 1400}}
    try:
        lab.inject('hv_forward_drop')
        rc, report, _stats, output = remediate(run_playbook, lab, tmp_path, path_vars(
            lab, __remediate_test_fixes=[useless], doctor_allow=['ICMP_IGNORED'], doctor_keep_partial=keep))
        assert rc == 0, failed_tasks(output)
        path = report['paths'][0]
        assert path['result'] == 'broken' and path['reachable_after'] is False
        fix = path['fixes'][0]
        mtu = json.loads(lab.run('vm1', ['ip', '-j', 'link', 'show', 'dev', 'eth0']).stdout)[0]['mtu']
        if keep:
            assert fix['status'] == 'applied' and 'kept' in fix['reason'], fix
            assert mtu == 1400
        else:
            assert fix['status'] == 'rolled back', fix
            assert fix['reason'] == 'did not restore or improve the path'
            assert mtu == 1500
        blocked = [f for f in path['findings'] if f['code'] == 'ICMP_BLOCKED']
        assert blocked and blocked[0]['status'] == 'skipped' and 'remediate_allow' in blocked[0]['reason']
        assert report['summary_lines'][0].startswith('BROKEN ')
    finally:
        lab.heal('all')
        lab.run('vm1', ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1500'])


# ------------------------------------------------------------------ manual findings
@pytest.mark.parametrize('fault', sorted(MANUAL))
def test_manual_finding_is_reported_not_touched(labs, run_playbook, tmp_path, fault):
    lab = labs(MANUAL[fault])
    try:
        lab.inject(fault)
        before = state_dump(lab)
        rc, report, stats, output = remediate(run_playbook, lab, tmp_path)
        assert rc == 0, failed_tasks(output)
        path = report['paths'][0]
        assert path['fixes'] == [] and path['result'] == 'broken'
        manual = [f for f in path['findings'] if f['status'] == 'manual']
        assert manual and manual[0]['reason'], path['findings']
        assert 'manual' in report['summary_lines'][0]
        assert localhost_changed(stats) == 0
        assert state_dump(lab) == before
    finally:
        lab.heal('all')


# ------------------------------------------------------------------ host lock
def test_lock_held_by_another_run_is_reported(labs, run_playbook, ansible_run, tmp_path):
    lab = labs('routed')
    try:
        lab.inject('vm_icmp_ignore')
        held = ansible_run(lab.inventory_path, lab.ns('vm1'), 'vmnet.doctor.host_lock',
                           {'run_id': 'other-run', 'owner': 'tester@lab', 'lease': 600})
        assert held['acquired'] is True, held
        rc, report, _stats, output = remediate(run_playbook, lab, tmp_path, path_vars(lab, doctor_lock_timeout=1))
        assert rc == 0, failed_tasks(output)
        fix = fixes_of(report)[0]
        assert fix['status'] == 'skipped' and 'locked by run other-run (tester@lab)' in fix['reason'], fix
        assert lab.run('vm1', ['sysctl', '-n', 'net.ipv4.icmp_echo_ignore_all']).stdout.strip() == '1'
        # the other run's lock is still there, untouched
        status = ansible_run(lab.inventory_path, lab.ns('vm1'), 'vmnet.doctor.host_lock', {'state': 'status'})
        assert status['lock']['run_id'] == 'other-run'
    finally:
        ansible_run(lab.inventory_path, lab.ns('vm1'), 'vmnet.doctor.host_lock',
                    {'state': 'released', 'run_id': 'other-run'})
        lab.heal('all')


def test_concurrent_runs_do_not_interleave(labs, tmp_path):
    lab = labs('routed')
    try:
        lab.inject('vm_icmp_ignore')
        lab.inject('hv_ip_forward_off')
        procs = []
        for i in range(2):
            extra = path_vars(lab, doctor_lock_timeout=240, doctor_report_dir=str(tmp_path / ('run%d' % i)))
            argv = [os.path.join(BIN_DIR, 'ansible-playbook'), PLAYBOOK, '-i', lab.inventory_path,
                    '-e', json.dumps(extra)]
            procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          universal_newlines=True, env=ansible_env(), cwd=REPO))
            time.sleep(0.5)
        outputs = [p.communicate(timeout=600)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[-2000:] for o in outputs]
        reports = [read_report(tmp_path / ('run%d' % i)) for i in range(2)]
        applied = [[f for f in r['paths'][0]['fixes'] if f['status'] == 'verified'] for r in reports]
        # exactly one run fixed the path; the other waited and found nothing to do
        assert sorted(len(a) for a in applied) == [0, 2], applied
        assert sorted(r['paths'][0]['result'] for r in reports) == ['ok', 'restored']
        first, second = (reports if applied[0] else reports[::-1])
        for host in (lab.ns('host'), lab.ns('hv'), lab.ns('vm1')):
            got = second['run']['locks'][host]
            assert got['acquired'] is True
            # the second run took each lock only after the first had written its report
            assert got['lock']['acquired_epoch'] >= _epoch(first['generated_at']), (host, got)
        assert lab.reachable('host', 'vm1')
    finally:
        lab.heal('all')


def _epoch(iso):
    import datetime
    return datetime.datetime.fromisoformat(iso).timestamp()


# ------------------------------------------------------------------ management guard over SSH
def test_ssh_managed_host_survives_a_gateway_change_that_cuts_it_off(labs, tmp_path):
    """ansible-playbook runs inside the lab's host namespace and manages vm1 over SSH (sshd in
    vm1's namespace) through vm1's only interface. A (deliberately wrong) fix moves vm1's default
    gateway to an address nobody has: the SSH return path dies. The guard restores the gateway
    by itself; the controller reconnects; the fix is reported rolled back; the real fix follows."""
    lab = labs('routed')
    key = str(tmp_path / 'id_ed25519')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
    lab.start_sshd('vm1', key + '.pub')
    inv = yaml.safe_load(open(lab.inventory_path))
    vm = inv['all']['children']['vms']['hosts'][lab.ns('vm1')]
    for k in ('ansible_connection', 'ansible_netns_name'):
        vm.pop(k)
    vm.update({'ansible_connection': 'ssh', 'ansible_host': lab.ip('vm1'), 'ansible_user': 'root',
               'ansible_ssh_private_key_file': key,
               'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'})
    inventory = str(tmp_path / 'ssh-inventory.yml')
    with open(inventory, 'w') as f:
        yaml.safe_dump(inv, f)
    wrong = {'path': 0, 'code': 'INJECTED', 'host': lab.ns('vm1'), 'module': 'vmnet.doctor.default_gateway',
             'args': {'gateway': WRONG_GATEWAY}}
    try:
        lab.inject('vm_icmp_ignore')
        extra = path_vars(lab, __remediate_test_fixes=[wrong], doctor_guard_timeout=12,
                          remediate_confirm_timeout=4, doctor_report_dir=str(tmp_path / 'ssh-reports'))
        argv = ['ip', 'netns', 'exec', lab.ns('host'), os.path.join(BIN_DIR, 'ansible-playbook'), PLAYBOOK,
                '-i', inventory, '-e', json.dumps(extra)]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                              env=ansible_env(), cwd=REPO, timeout=600, check=False)
        assert proc.returncode == 0, failed_tasks(proc.stdout)
        report = read_report(tmp_path / 'ssh-reports')
        fixes = fixes_of(report)
        assert fixes[0]['guard'] is True, fixes[0]
        assert fixes[0]['status'] == 'rolled back', fixes
        assert 'management connection lost' in fixes[0]['reason'], fixes[0]
        assert fixes[1]['status'] == 'verified', fixes
        routes = json.loads(lab.run('vm1', ['ip', '-j', 'route', 'show', 'default']).stdout)
        assert [r['gateway'] for r in routes] == ['10.220.1.1'], routes
        assert report['paths'][0]['result'] == 'restored'
        # still manageable over SSH
        data = parse_callback_output(subprocess.run(
            ['ip', 'netns', 'exec', lab.ns('host'), os.path.join(BIN_DIR, 'ansible'), lab.ns('vm1'), '-i', inventory,
             '-m', 'ansible.builtin.ping'], stdout=subprocess.PIPE, universal_newlines=True, env=ansible_env(),
            cwd=REPO, timeout=120, check=False).stdout)
        assert data['plays'][0]['tasks'][0]['hosts'][lab.ns('vm1')]['ping'] == 'pong'
    finally:
        lab.heal('all')
