# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""metrics.py: textfile format, HELP/TYPE, escaping, values from report and state.
(promtool itself validates the output in tests/integration/test_metrics_promtool.py.)"""
import re

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import metrics

REPORT = {
    'generated_at': '2026-11-27T15:00:00+00:00',
    'paths': [
        {'name': 'web', 'source': 'h1', 'target_ip': '10.0.0.2', 'state': 'ok', 'findings': []},
        {'name': 'db "main"\\x\nline2', 'source': 'h1', 'target_ip': '10.0.0.3', 'state': 'broken',
         'findings': [{'code': 'ICMP_BLOCKED'}, {'code': 'ICMP_BLOCKED'}, {'code': 'ARP_STALE'}]},
        {'name': 'nop', 'source': 'h2', 'target_ip': '10.0.0.4', 'state': 'unexplained', 'reachable': False},
    ],
    'probes': {'h1': {'forward': [
        {'target': '10.0.0.2', 'reachable': True, 'loss_percent': 0.0, 'rtt': {'avg': 250.5}, 'path_mtu': 1500},
        {'target': '10.0.0.3', 'reachable': False, 'loss_percent': 100.0, 'rtt': {'avg': None}, 'path_mtu': None},
    ]}},
}
STATE = {'version': 1, 'paths': {
    'web': {'last_fix_at': 1795791000.0, 'last_fix_result': 'fixed', 'fix_count': 3},
    'db': {'fix_count': 0, 'escalated': 'budget'}}, 'last_run': {'at': 1, 'hosts_changed': ['vm1', 'hv']}}

LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? -?[0-9.e+Inf]+$')


def sample(text, name, **labels):
    want = metrics._labels(labels) if labels else ''
    for line in text.splitlines():
        if line.startswith(name + want + ' '):
            return line.rsplit(' ', 1)[1]
    return None


def test_every_family_has_help_and_type_before_samples():
    text = metrics.render(REPORT, STATE, lock_busy=False)
    seen = set()
    for line in text.splitlines():
        if line.startswith('# HELP '):
            seen.add(('help', line.split()[2]))
        elif line.startswith('# TYPE '):
            seen.add(('type', line.split()[2]))
        else:
            name = re.match(r'[a-z_]+', line).group(0)
            assert ('help', name) in seen and ('type', name) in seen, line
            assert LINE.match(line), line
    assert text.endswith('\n')


def test_families_are_contiguous():
    names = [re.match(r'[a-z_]+', x).group(0) for x in metrics.render(REPORT, STATE).splitlines()
             if not x.startswith('#')]
    blocks = [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]
    assert len(blocks) == len(set(blocks))


def test_path_values_in_base_units():
    text = metrics.render(REPORT)
    web = dict(path='web', source='h1', target='10.0.0.2')
    assert sample(text, 'vmnet_doctor_path_reachable', **web) == '1'
    assert sample(text, 'vmnet_doctor_path_loss_ratio', **web) == '0'
    assert sample(text, 'vmnet_doctor_path_rtt_seconds', **web) == '0.2505'
    assert sample(text, 'vmnet_doctor_path_mtu_bytes', **web) == '1500'
    assert sample(text, 'vmnet_doctor_path_ok', **web) == '1'
    # A path with no probe falls back to its reachable flag; no RTT invented.
    nop = dict(path='nop', source='h2', target='10.0.0.4')
    assert sample(text, 'vmnet_doctor_path_reachable', **nop) == '0'
    assert sample(text, 'vmnet_doctor_path_rtt_seconds', **nop) is None


def test_label_escaping():
    text = metrics.render(REPORT)
    assert 'path="db \\"main\\"\\\\x\\nline2"' in text
    assert sample(text, 'vmnet_doctor_path_loss_ratio', path='db "main"\\x\nline2', source='h1',
                  target='10.0.0.3') == '1'
    assert metrics.escape_label('a\\b"c\nd') == 'a\\\\b\\"c\\nd'
    assert metrics.escape_help('x\\y\nz') == 'x\\\\y\\nz'


def test_findings_per_code_and_run_totals():
    text = metrics.render(REPORT)
    assert sample(text, 'vmnet_doctor_findings', code='ICMP_BLOCKED') == '2'
    assert sample(text, 'vmnet_doctor_findings', code='ARP_STALE') == '1'
    assert sample(text, 'vmnet_doctor_run_paths', state='ok') == '1'
    assert sample(text, 'vmnet_doctor_run_paths', state='broken') == '1'
    assert sample(text, 'vmnet_doctor_run_paths', state='unexplained') == '1'
    assert sample(text, 'vmnet_doctor_run_timestamp_seconds') == '1795791600'


def test_state_metrics():
    text = metrics.render(REPORT, STATE, lock_busy=True)
    assert sample(text, 'vmnet_doctor_remediation_last_timestamp_seconds', path='web') == '1795791000'
    assert sample(text, 'vmnet_doctor_remediation_last_success', path='web') == '1'
    assert sample(text, 'vmnet_doctor_remediation_last_success', path='db') is None
    assert sample(text, 'vmnet_doctor_remediations_total', path='web') == '3'
    assert sample(text, 'vmnet_doctor_path_escalated', path='db', reason='budget') == '1'
    assert sample(text, 'vmnet_doctor_run_hosts_changed') == '2'
    assert sample(text, 'vmnet_doctor_run_lock_busy') == '1'
    assert '# TYPE vmnet_doctor_remediations_total counter' in text


def test_empty_report_only_run_paths():
    text = metrics.render({})
    assert 'vmnet_doctor_path_reachable' not in text
    assert sample(text, 'vmnet_doctor_run_paths', state='ok') == '0'


def test_format_value():
    assert metrics.format_value(True) == '1'
    assert metrics.format_value(0.5) == '0.5'
    assert metrics.format_value(float('nan')) == 'NaN'
    assert metrics.format_value(float('inf')) == '+Inf'


def test_remediated_path_reports_state_at_end_of_run():
    report = {'paths': [{'name': 'fixed', 'source': 'h1', 'target_ip': '10.0.0.3', 'state': 'broken',
                         'findings': [{'code': 'ICMP_IGNORED'}], 'reachable_after': True}],
              'probes': REPORT['probes']}
    text = metrics.render(report)
    labels = dict(path='fixed', source='h1', target='10.0.0.3')
    assert sample(text, 'vmnet_doctor_path_reachable', **labels) == '1'
    assert sample(text, 'vmnet_doctor_path_ok', **labels) == '1'
    assert sample(text, 'vmnet_doctor_path_loss_ratio', **labels) == '1'   # the probe at the start
