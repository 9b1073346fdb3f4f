# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refused sends, reverse-direction drops and secondary addresses, through the real playbooks on
the namespace lab (issue 12 item 3, issue 11 point 6).

* The source's own stack refuses the echo (blackhole, prohibit, unreachable route; an nftables
  OUTPUT drop): diagnose.yml diagnoses a probed, broken path located on the source - never
  "could not be read or probed" - and the forward probe carries the error and the route lookup.
* A forward-chain drop of the VM -> host echo on the routing hypervisor: diagnose.yml and
  remediate.yml give the same verdict (both fail with doctor_fail_on_broken when nothing is fixed).
* A VM targeted on its secondary address keeps its firewall checks.
"""
import glob
import json
import os

import pytest

from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIAGNOSE = os.path.join(REPO, 'playbooks', 'diagnose.yml')
REMEDIATE = os.path.join(REPO, 'playbooks', 'remediate.yml')


@pytest.fixture(scope='module')
def labs(tmp_path_factory):
    made = {}

    def get(topology):
        if topology not in made:
            lab = Lab(unique_prefix('pv'), topology)
            made[topology] = lab
            lab.up()
            lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
            lab.write_inventory(lab.inventory_path)
        return made[topology]
    yield get
    for lab in made.values():
        destroy_lab(lab.prefix)


def run(run_playbook, lab, tmp_path, playbook=DIAGNOSE, target_ip=None, **extra):
    report_dir = tmp_path / ('reports-%d' % len(list(tmp_path.glob('reports-*'))))
    extra_vars = {'doctor_source': lab.ns('host'), 'doctor_target_ip': target_ip or lab.ip('vm1'),
                  'doctor_target_host': lab.ns('vm1'), 'doctor_hypervisor': lab.ns('hv'),
                  'doctor_report_dir': str(report_dir)}
    extra_vars.update(extra)
    rc, _data, output = run_playbook(playbook, lab.inventory_path, extra_vars=extra_vars)
    reports = sorted(f for f in glob.glob(str(report_dir / '*.json')) if 'diagnosis' not in os.path.basename(f)) \
        or sorted(glob.glob(str(report_dir / '*.json')))
    report = None
    if reports:
        with open(reports[-1]) as f:
            report = json.load(f)
    return rc, report, output


REFUSALS = {
    # name: (setup argv on host, undo argv, expected local error, finding code)
    'blackhole': (['ip', 'route', 'add', 'blackhole', '{vm}/32'], ['ip', 'route', 'del', 'blackhole', '{vm}/32'],
                  'connect: Invalid argument', 'NO_ROUTE'),
    'prohibit': (['ip', 'route', 'add', 'prohibit', '{vm}/32'], ['ip', 'route', 'del', 'prohibit', '{vm}/32'],
                 'connect: Permission denied', 'NO_ROUTE'),
    'unreachable': (['ip', 'route', 'add', 'unreachable', '{vm}/32'],
                    ['ip', 'route', 'del', 'unreachable', '{vm}/32'], 'connect: No route to host', 'NO_ROUTE'),
}


@pytest.mark.parametrize('kind', sorted(REFUSALS))
def test_a_send_the_source_refuses_is_a_probed_broken_path(labs, run_playbook, tmp_path, kind):
    lab = labs('bridged')
    setup, undo, error, code = REFUSALS[kind]
    vm = lab.ip('vm1')
    lab.run('host', [a.replace('{vm}', vm) for a in setup])
    try:
        rc, report, output = run(run_playbook, lab, tmp_path)
    finally:
        lab.run('host', [a.replace('{vm}', vm) for a in undo])
    assert rc == 0 and report, output[-3000:]
    path = report['paths'][0]
    assert 'could not be read or probed' not in json.dumps(path), path['summary']
    assert path['status'] == 'broken' and path['state'] == 'broken', path['summary']
    first = path['findings'][0]
    assert (first['code'], first['host']) == (code, lab.ns('host')), path['summary']
    assert first['fix'].get('manual') and ('%s route' % kind) in first['fix']['reason']
    fwd = report['probes'][lab.ns('host')]['forward'][0]
    assert fwd['reachable'] is False and fwd['local_error'] == error
    assert fwd['route_lookup']['refusing_route']['type'] == kind


def test_an_output_drop_on_the_source_is_a_probed_broken_path(labs, run_playbook, tmp_path):
    lab = labs('bridged')
    lab.run('host', ['nft', '-f', '-'], input_text=(
        'table inet vmnet_out_drop {\n chain output {\n type filter hook output priority 0;\n'
        ' ip daddr %s icmp type echo-request drop\n }\n}\n' % lab.ip('vm1')))
    try:
        rc, report, output = run(run_playbook, lab, tmp_path)
    finally:
        lab.run('host', ['nft', 'delete', 'table', 'inet', 'vmnet_out_drop'])
    assert rc == 0 and report, output[-3000:]
    path = report['paths'][0]
    assert 'could not be read or probed' not in json.dumps(path)
    first = path['findings'][0]
    assert (first['code'], first['host'], first['object'].get('hook')) == ('ICMP_BLOCKED', lab.ns('host'), 'output')


def test_a_secondary_address_keeps_its_firewall_checks(labs, run_playbook, tmp_path):
    lab = labs('bridged')
    secondary = lab.ip('vm1').rsplit('.', 1)[0] + '.111'
    lab.run('vm1', ['ip', 'address', 'add', secondary + '/24', 'dev', 'eth0'])
    lab.run('vm1', ['nft', '-f', '-'], input_text=(
        'table inet vmnet_sec_drop {\n chain input {\n type filter hook input priority 0;\n'
        ' ip daddr %s icmp type echo-request drop\n }\n}\n' % secondary))
    try:
        rc, report, output = run(run_playbook, lab, tmp_path, target_ip=secondary)
    finally:
        lab.run('vm1', ['nft', 'delete', 'table', 'inet', 'vmnet_sec_drop'])
        lab.run('vm1', ['ip', 'address', 'del', secondary + '/24', 'dev', 'eth0'])
    assert rc == 0 and report, output[-3000:]
    path = report['paths'][0]
    assert path['status'] == 'broken', path['summary']
    first = path['findings'][0]
    assert (first['code'], first['host'], first['object'].get('hook')) == ('ICMP_BLOCKED', lab.ns('vm1'), 'input')


def test_a_reverse_forward_drop_gets_the_same_verdict_from_both_playbooks(labs, run_playbook, tmp_path):
    lab = labs('routed')
    lab.run('hv', ['nft', '-f', '-'], input_text=(
        'table inet vmnet_rev_drop {\n chain forward {\n type filter hook forward priority 0;\n'
        ' ip saddr %s ip daddr %s icmp type echo-request drop\n }\n}\n' % (lab.ip('vm1'), lab.ip('host'))))
    try:
        rc_d, report_d, out_d = run(run_playbook, lab, tmp_path, doctor_fail_on_broken=True)
        # Nothing the diagnosis proposes is allowed: remediate changes nothing and must agree.
        rc_r, report_r, out_r = run(run_playbook, lab, tmp_path, playbook=REMEDIATE, doctor_fail_on_broken=True,
                                    doctor_allow=['NO_ROUTE'])
    finally:
        lab.run('hv', ['nft', 'delete', 'table', 'inet', 'vmnet_rev_drop'])
    assert report_d, out_d[-3000:]
    path = report_d['paths'][0]
    assert rc_d == 2 and path['state'] == 'broken', path['summary']
    codes = [(f['code'], f['host'], f['direction']) for f in path['findings']]
    assert ('ICMP_BLOCKED', lab.ns('hv'), 'return') in codes, path['summary']
    assert report_r, out_r[-3000:]
    rpath = report_r['paths'][0]
    assert rc_r == 2, out_r[-3000:]
    assert rpath['result'] == 'broken' and rpath['verdict_before'] == 'broken'
    assert not [line for line in report_r.get('summary_lines') or [] if line.startswith('OK')]
