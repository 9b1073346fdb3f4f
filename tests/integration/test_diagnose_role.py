# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/diagnose.yml (role vmnet.doctor.diagnose) against the namespace lab, for real.

One lab per topology for the whole module (prefix "dg" + random), every fault of the lab catalog
injected, diagnosed through ``ansible-playbook playbooks/diagnose.yml -e doctor_*`` and healed.
The JSON report is the oracle: code, host and object of the first finding; the JUnit file must
parse and carry a failing test case for it. Runtime: about 25 playbook runs.
"""
import glob
import json
import os
import xml.etree.ElementTree as ET

import pytest
import yaml

from vmnetlab import FAULTS, Lab, destroy_lab, expected_finding, in_shared_suites, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'diagnose.yml')


# ------------------------------------------------------------------ expectations per fault
# What each fault must produce (code, node that owns the broken object, stable object keys) is
# declared by the fault itself: FAULTS[name]['expect'] (tests/lab/vmnetlab.py, checked against the
# catalogue by tests/unit/lab/test_fault_expectations.py).

# Each fault is tested in one topology (the first that supports it, in this order).
TOPOLOGY_ORDER = ('bridged', 'routed', 'vlan')


def topology_of(fault):
    """None for the libvirt topology's faults: tests/integration/test_libvirt.py runs them on its one libvirt lab."""
    return next((t for t in TOPOLOGY_ORDER if t in FAULTS[fault]['topologies']), None)


def faults_in(topology):
    return sorted(f for f in FAULTS if in_shared_suites(f) and topology_of(f) == topology and 'expect' in FAULTS[f])


# ------------------------------------------------------------------ labs and runs
@pytest.fixture(scope='module')
def labs(tmp_path_factory):
    """Module-wide labs, made on first use, always destroyed."""
    made = {}

    def get(topology, vms=1):
        key = (topology, vms)
        if key not in made:
            lab = Lab(unique_prefix('dg'), topology, vms=vms)
            made[key] = lab
            lab.up()
            lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
            lab.write_inventory(lab.inventory_path)
        return made[key]
    yield get
    for lab in made.values():
        destroy_lab(lab.prefix)


def path_vars(lab, vm='vm1', target_host=True, hypervisor=True):
    extra = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip(vm)}
    if target_host:
        extra['doctor_target_host'] = lab.ns(vm)
    if hypervisor:
        extra['doctor_hypervisor'] = lab.ns('hv')
    return extra


def diagnose(run_playbook, lab, tmp_path, extra, inventory=None):
    """Run the playbook; return (rc, report dict or None, junit root or None, output).

    ``output`` is the run's output with the printed summary lines (from the callback data) first."""
    report_dir = tmp_path / ('reports-%d' % len(list(tmp_path.glob('reports-*'))))
    extra = dict(extra, doctor_report_dir=str(report_dir))
    rc, data, output = run_playbook(PLAYBOOK, inventory or lab.inventory_path, extra_vars=extra)
    printed = ''
    if data:
        for play in data.get('plays', []):
            for task in play['tasks']:
                if task['task']['name'].endswith('Summary, one line per path'):
                    printed = task['hosts'].get('localhost', {}).get('msg', '')
        output = 'SUMMARY:\n%s\nHOSTS: %s\n%s' % (printed, ' '.join(sorted(data.get('stats', {}))), output)
    reports = sorted(glob.glob(str(report_dir / '*.json')))
    junits = sorted(glob.glob(str(report_dir / '*.junit.xml')))
    report = junit = None
    if reports:
        with open(reports[-1]) as f:
            report = json.load(f)
    if junits:
        junit = ET.parse(junits[-1]).getroot()
    return rc, report, junit, output


def expected_for(lab, fault):
    code, node, _fixer, obj = expected_finding(fault, {'{vm1_ip}': lab.ip('vm1'), '{vm1_mac}': lab.mac('vm1')})
    return code, lab.ns(node), obj


def assert_finding(finding, code, host, obj, output):
    assert (finding['code'], finding['host']) == (code, host), output[-3000:]
    for key, value in obj.items():
        assert finding['object'].get(key) == value, (key, finding['object'], output[-2000:])
    assert finding.get('fix'), finding


def failing_cases(junit):
    return [(case.get('name'), case.find('failure').get('type'))
            for case in junit.iter('testcase') if case.find('failure') is not None]


# ------------------------------------------------------------------ healthy lab
@pytest.mark.parametrize('topology', TOPOLOGY_ORDER)
def test_healthy_lab_is_ok(labs, run_playbook, tmp_path, topology):
    lab = labs(topology)
    rc, report, junit, output = diagnose(run_playbook, lab, tmp_path,
                                         dict(path_vars(lab), doctor_fail_on_broken=True))
    assert rc == 0, output[-3000:]
    path = report['paths'][0]
    assert (path['status'], path['reachable'], path['findings']) == ('ok', True, []), output[-3000:]
    assert report['summary_lines'] == ['OK  %s -> %s' % (lab.ns('host'), lab.ip('vm1'))]
    assert output.startswith('SUMMARY:\nOK  %s -> %s\n' % (lab.ns('host'), lab.ip('vm1'))), output[:500]
    assert report['collection_version'] and report['generated_at']
    assert report['probes'][lab.ns('host')]['forward'][0]['reachable'] is True
    assert report['probes'][lab.ns('vm1')]['reverse'][0]['reachable'] is True
    assert report['timings']['seconds']['total'] > 0
    assert failing_cases(junit) == []
    assert int(junit.get('tests')) == len(path['checks']) > 10


# ------------------------------------------------------------------ every fault alone
def _fault_params():
    return [pytest.param(f, id=f) for t in TOPOLOGY_ORDER for f in faults_in(t)]


@pytest.mark.parametrize('fault', _fault_params())
def test_fault_is_diagnosed(labs, run_playbook, tmp_path, fault):
    lab = labs(topology_of(fault))
    code, host, obj = expected_for(lab, fault)
    lab.inject(fault)
    try:
        rc, report, junit, output = diagnose(run_playbook, lab, tmp_path, path_vars(lab))
    finally:
        lab.heal(fault)
    assert rc == 0, output[-3000:]  # a broken path is a result, not a failed run
    path = report['paths'][0]
    assert path['status'] in ('broken', 'degraded'), (path['status'], path['summary'])
    assert path['findings'], path['summary']
    assert_finding(path['findings'][0], code, host, obj, output)
    assert set(f['code'] for f in path['findings']) == set([code]), [f['code'] for f in path['findings']]
    fixer, fix = FAULTS[fault]['expect']['fixer'], path['findings'][0]['fix']
    assert (fix.get('module'), bool(fix.get('manual'))) == ('vmnet.doctor.%s' % fixer if fixer else None, not fixer), fix
    layer = path['findings'][0]['layer']
    line = report['summary_lines'][0]
    assert line.startswith('BROKEN at %s on %s: ' % (layer, host)), line
    assert output.startswith('SUMMARY:\n%s\nreports: ' % line), output[:800]
    assert (path['findings'][0]['code'] in [t for _n, t in failing_cases(junit)])


# ------------------------------------------------------------------ faults together
@pytest.mark.parametrize('topology,faults', [
    ('bridged', ['vm_icmp_nft_drop', 'host_stale_arp']),
    ('routed', ['hv_forward_drop', 'vm_icmp_ignore', 'vm_gateway_wrong']),
])
def test_several_faults_all_found(labs, run_playbook, tmp_path, topology, faults):
    lab = labs(topology)
    try:
        for fault in faults:
            lab.inject(fault)
        rc, report, junit, output = diagnose(run_playbook, lab, tmp_path,
                                             dict(path_vars(lab), doctor_fail_on_broken=True))
    finally:
        lab.heal('all')
    assert rc != 0, 'doctor_fail_on_broken must fail the run'
    path = report['paths'][0]
    assert path['status'] == 'broken'
    for fault in faults:
        code, host, obj = expected_for(lab, fault)
        matches = [f for f in path['findings'] if (f['code'], f['host']) == (code, host)]
        assert matches, (fault, [(f['code'], f['host']) for f in path['findings']])
        assert_finding(matches[0], code, host, obj, output)
    # the first finding, how many more, (where the witness saw the echo die,) then the path
    line = report['summary_lines'][0]
    assert '(+%d more)' % (len(path['findings']) - 1) in line, line
    assert line.endswith('  [%s -> %s]' % (lab.ns('host'), lab.ip('vm1'))), line
    assert set(FAULTS[f]['expect']['code'] for f in faults) <= set(t for _n, t in failing_cases(junit))
    assert 'not OK (diagnose_fail_on_broken is set)' in output


# ------------------------------------------------------------------ several paths, unmanaged hosts
def test_two_paths_one_broken_one_unmanaged_source(labs, run_playbook, tmp_path):
    lab = labs('bridged', vms=2)
    with open(lab.inventory_path) as f:
        inv = yaml.safe_load(f)
    # A host whose namespace does not exist: managing it fails, the other paths go on.
    ghost = dict(inv['all']['children']['vms']['hosts'][lab.ns('vm1')], ansible_netns_name=lab.prefix + '-nosuch')
    inv['all']['children']['vms']['hosts'][lab.prefix + '-ghost'] = ghost
    inventory = tmp_path / 'ghost.yml'
    inventory.write_text(yaml.safe_dump(inv))
    paths = [
        {'source': lab.ns('host'), 'target_ip': lab.ip('vm1'), 'target_host': lab.ns('vm1'),
         'hypervisor': lab.ns('hv'), 'name': 'to vm1'},
        {'source': lab.ns('host'), 'target_ip': lab.ip('vm2'), 'target_host': lab.ns('vm2'),
         'hypervisor': lab.ns('hv'), 'name': 'to vm2'},
        {'source': lab.prefix + '-ghost', 'target_ip': lab.ip('vm2'), 'name': 'from ghost'},
    ]
    lab.inject('vm_link_down')
    try:
        rc, report, junit, output = diagnose(run_playbook, lab, tmp_path, {'doctor_paths': paths},
                                             inventory=str(inventory))
    finally:
        lab.heal('all')
    assert rc == 0, output[-3000:]
    by_name = dict((p['name'], p) for p in report['paths'])
    assert [p['name'] for p in report['paths']] == ['to vm1', 'to vm2', 'from ghost']
    assert by_name['to vm1']['findings'][0]['code'] == 'LINK_DOWN'
    assert by_name['to vm2']['status'] == 'ok'
    assert by_name['from ghost']['status'] == 'unexplained'
    assert report['summary_lines'][1] == 'OK  %s -> %s' % (lab.ns('host'), lab.ip('vm2'))
    assert report['summary_lines'][2].startswith('UNEXPLAINED %s-ghost -> ' % lab.prefix)
    assert lab.prefix + '-ghost' in report['run']['unmanaged_hosts']
    suites = junit.findall('testsuite')
    assert len(suites) == 3 and suites[2].find('testcase/failure') is not None


# ------------------------------------------------------------------ input validation
@pytest.mark.parametrize('extra,needle', [
    ({'doctor_target_ip': 'not-an-ip'}, 'target_ip must be an IPv4 or IPv6 address'),
    ({'doctor_target_ip': '10.210.0.300'}, 'target_ip must be an IPv4 or IPv6 address'),
    ({'doctor_source': 'no-such-host'}, 'must be inventory hosts'),
    ({'doctor_target_ip': None, 'doctor_paths': [{'target_ip': '10.210.0.11'}]}, 'doctor_paths[0].source is required'),
    ({'doctor_target_ip': None, 'doctor_paths': []}, 'doctor_paths must be a non-empty list'),
])
def test_bad_input_fails_before_anything_runs(labs, run_playbook, tmp_path, extra, needle):
    lab = labs('bridged')
    values = dict(path_vars(lab), **extra)
    values = dict((k, v) for k, v in values.items() if v is not None)
    if 'doctor_paths' in values:
        values = {'doctor_paths': values['doctor_paths']}
    rc, report, _junit, output = diagnose(run_playbook, lab, tmp_path, values)
    assert rc != 0
    assert needle in output, output[-3000:]
    assert report is None
    # nothing ran on any lab host: the run stopped at the input check (delegated to localhost)
    for later in ('Probe the VMs from the source host', 'Gather the network facts once', 'Diagnose the paths'):
        assert later not in output, output[:3000]
