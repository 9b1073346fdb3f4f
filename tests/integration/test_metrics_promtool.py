# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Prometheus artefacts checked by the real promtool (Debian package "prometheus", installed
by `make test`'s bootstrap; missing promtool is a failure, not a skip):

* metrics written by the vmnet.doctor.doctor_metrics action (a real ansible run) from JSON reports
  and schedule states recorded on the lab (tests/unit/fixtures/ops/) pass `promtool check metrics`;
* examples/prometheus/alerts.yml passes `promtool check rules`, and `promtool test rules` proves
  the alerts fire (unreachable path, RTT above 200 ms) and stay quiet below the thresholds, on
  series whose names and labels are taken from the rendered metrics.
"""
import json
import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'ops')
RULES = os.path.join(REPO, 'examples', 'prometheus', 'alerts.yml')
PROMTOOL = '/usr/bin/promtool'
REPORTS = ['scheduled-report.json', 'scheduled-report-healthy.json']


@pytest.fixture(scope='module')
def promtool():
    assert os.access(PROMTOOL, os.X_OK), (
        '%s missing: install the Debian package "prometheus" (scripts/bootstrap.sh --test does)' % PROMTOOL)
    return PROMTOOL


@pytest.fixture
def local_inventory(tmp_path):
    inv = tmp_path / 'local.yml'
    inv.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n')
    return str(inv)


def write_metrics(ansible_run, inventory, dest, **args):
    result = ansible_run(inventory, 'localhost', 'vmnet.doctor.doctor_metrics', dict(args, dest=str(dest)))
    assert not result.get('failed'), result
    return result


def promtool_check_metrics(promtool, text):
    proc = subprocess.run([promtool, 'check', 'metrics'], input=text, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize('report', REPORTS)
def test_metrics_of_recorded_runs_pass_promtool(promtool, ansible_run, local_inventory, tmp_path, report):
    dest = tmp_path / 'textfile' / 'vmnet_doctor.prom'
    dest.parent.mkdir()
    dest.write_text('old content\n')
    result = write_metrics(ansible_run, local_inventory, dest, report_file=os.path.join(FIXTURES, report),
                           state_file=os.path.join(FIXTURES, 'schedule-state.json'), lock_busy=False)
    text = dest.read_text()
    rc, out = promtool_check_metrics(promtool, text)
    assert rc == 0 and not out.strip(), out
    # Written atomically: the old content replaced, no temporary file left next to it.
    assert sorted(os.listdir(str(dest.parent))) == ['vmnet_doctor.prom']
    assert 'old content' not in text
    assert 'vmnet_doctor_path_reachable' in result['families']
    with open(os.path.join(FIXTURES, report)) as f:
        doc = json.load(f)
    for path in doc['paths']:
        assert 'vmnet_doctor_path_ok{path="%s",' % path['name'] in text


def test_metrics_with_hostile_labels_pass_promtool(promtool, ansible_run, local_inventory, tmp_path):
    report = {'generated_at': '2026-11-27T15:00:00+00:00', 'paths': [
        {'name': 'a "quoted" \\ back\nslash', 'source': u'h\u00f6st', 'target_ip': '10.0.0.1', 'state': 'broken',
         'findings': [{'code': 'ICMP_BLOCKED'}]}],
        'probes': {u'h\u00f6st': {'forward': [{'target': '10.0.0.1', 'reachable': True, 'loss_percent': 33.3,
                                               'rtt': {'avg': 0.5}, 'path_mtu': 1400}]}}}
    dest = tmp_path / 'm.prom'
    write_metrics(ansible_run, local_inventory, dest, report=report, lock_busy=True)
    rc, out = promtool_check_metrics(promtool, dest.read_text())
    assert rc == 0 and not out.strip(), out


def test_promtool_really_lints(promtool):
    """Negative control: promtool rejects what a careless exporter would write."""
    rc, out = promtool_check_metrics(promtool, 'vmnet_doctor_remediations{path="x"} 1\n')
    assert rc != 0 and 'no help text' in out, out


def test_alert_rules_check(promtool):
    proc = subprocess.run([promtool, 'check', 'rules', RULES], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=60, check=False)
    assert proc.returncode == 0 and 'SUCCESS' in proc.stdout, proc.stdout


def _series(text, family):
    """The first sample line of a family in rendered metrics: 'name{labels}'."""
    for line in text.splitlines():
        if line.startswith(family + '{'):
            return line.rsplit(' ', 1)[0]
    raise AssertionError('no %s sample in:\n%s' % (family, text))


def test_alert_rules_fire_on_rendered_series(promtool, ansible_run, local_inventory, tmp_path):
    dest = tmp_path / 'm.prom'
    write_metrics(ansible_run, local_inventory, dest,
                  report_file=os.path.join(FIXTURES, 'scheduled-report-healthy.json'))
    text = dest.read_text()
    reachable = _series(text, 'vmnet_doctor_path_reachable')
    rtt = _series(text, 'vmnet_doctor_path_rtt_seconds')
    labels = dict(re.findall(r'(\w+)="([^"]*)"', reachable))
    slow = rtt.replace('target="%s"' % labels['target'], 'target="192.0.2.99"')
    tests = {
        'rule_files': [RULES],
        'evaluation_interval': '1m',
        'tests': [{
            'interval': '1m',
            'input_series': [
                {'series': reachable, 'values': '1 1 0x20'},
                {'series': rtt, 'values': '0.15x30'},
                {'series': slow, 'values': '0.25x30'},
            ],
            'alert_rule_test': [
                {'eval_time': '5m', 'alertname': 'VmnetDoctorPathUnreachable', 'exp_alerts': []},
                {'eval_time': '15m', 'alertname': 'VmnetDoctorPathUnreachable', 'exp_alerts': [{
                    'exp_labels': dict(labels, severity='page'),
                    'exp_annotations': {
                        'summary': '%(source)s cannot ping %(target)s (path %(path)s)' % labels,
                        'description': 'The scheduled vmnet.doctor probe from %(source)s to %(target)s got no echo '
                                       'reply for 10 minutes. See the latest HTML report of the scheduled run for '
                                       'the broken hop, the findings and the fixes tried.' % labels},
                }]},
                # 150 ms never pages; 250 ms pages after 15 minutes.
                {'eval_time': '20m', 'alertname': 'VmnetDoctorPathHighLatency', 'exp_alerts': [{
                    'exp_labels': dict(labels, target='192.0.2.99', severity='page'),
                    'exp_annotations': {
                        'summary': 'RTT %s -> 192.0.2.99 is 250ms (> 200 ms)' % labels['source'],
                        'description': 'Average round-trip time of the scheduled probe above 200 ms for 15 minutes.'},
                }]},
            ],
        }],
    }
    test_file = tmp_path / 'alerts_test.yml'
    test_file.write_text(json.dumps(tests))  # JSON is YAML
    proc = subprocess.run([promtool, 'test', 'rules', str(test_file)], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0 and 'SUCCESS' in proc.stdout, proc.stdout
