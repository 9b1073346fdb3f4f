# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.py: summary lines, JSON report, JUnit XML (parsed back with ElementTree)."""
import copy
import json
import xml.etree.ElementTree as ET

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report

ICMP = {
    'code': 'ICMP_BLOCKED', 'layer': 'firewall', 'host': 'lab-vm1',
    'object': {'type': 'firewall_rule', 'backend': 'nftables', 'family': 'inet', 'table': 'filter',
               'chain': 'input', 'handle': 5},
    'evidence': {'verdict': 'drop', 'text': 'icmp type echo-request drop'},
    'confidence': 'high', 'direction': 'forward',
    'message': 'lab-vm1 drops the ICMP echo request from 10.0.0.1 (nftables inet filter input handle 5)',
    'fix': {'module': 'vmnet.doctor.icmp_rule', 'host': 'lab-vm1',
            'args': {'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'input',
                                     'handle': 5}}},
}
ARP = {
    'code': 'ARP_STALE', 'layer': 'neighbor', 'host': 'lab-host',
    'object': {'type': 'neighbor', 'address': '10.0.0.2', 'dev': 'eth0'},
    'evidence': {'cached_mac': '52:54:00:00:00:99', 'actual_mac': '52:54:00:00:00:02'},
    'confidence': 'high', 'direction': 'forward',
    'message': 'lab-host has 52:54:00:00:00:99 for 10.0.0.2 but the VM is 52:54:00:00:00:02',
    'fix': {'manual': True, 'reason': 'check which machine owns 52:54:00:00:00:99 before flushing'},
}
OK_PATH = {'name': 'host-to-vm2', 'source': 'lab-host', 'target_ip': '10.0.0.3', 'status': 'ok', 'reachable': True,
           'findings': [], 'summary': 'reachable',
           'checks': [{'id': 'route', 'status': 'pass', 'host': 'lab-host', 'detail': 'via eth0'},
                      {'id': 'vm_firewall', 'status': 'skipped', 'host': None, 'detail': 'VM not managed'}]}
BROKEN_PATH = {'name': 'host-to-vm1', 'source': 'lab-host', 'target_ip': '10.0.0.2', 'status': 'broken',
               'reachable': False, 'findings': [ICMP, ARP], 'summary': 'ICMP blocked',
               'checks': [{'id': 'route', 'status': 'pass', 'host': 'lab-host', 'detail': 'via eth0'},
                          {'id': 'firewall_input', 'status': 'fail', 'host': 'lab-vm1', 'detail': ICMP['message']},
                          {'id': 'hv_bridge', 'status': 'skipped', 'host': 'lab-hv', 'detail': 'not asked'}]}


def test_ok_line():
    assert report.summary_line(OK_PATH) == 'OK  lab-host -> 10.0.0.3'


def test_broken_line_first_finding_and_more():
    line = report.summary_line(BROKEN_PATH)
    assert line.startswith('BROKEN at firewall on lab-vm1: lab-vm1 drops the ICMP echo request')
    assert u' \u2192 icmp_rule on lab-vm1 remove_rule=' in line
    assert line.endswith('(+1 more)  [lab-host -> 10.0.0.2]')
    assert '\n' not in line


def test_broken_line_manual_fix_and_long_message_is_short():
    f = dict(ARP, message='x' * 500)
    line = report.summary_line(dict(BROKEN_PATH, findings=[f]))
    assert 'manual: check which machine owns' in line
    assert 'more)' not in line
    width = report.EVIDENCE_WIDTH
    assert 'x' * (width - 3) + '... ' in line and 'x' * (width - 2) not in line


def test_unreachable_without_findings_is_unexplained():
    p = dict(OK_PATH, status='unexplained', reachable=False, summary='no reply, no cause found')
    assert report.summary_line(p) == 'UNEXPLAINED lab-host -> 10.0.0.3: no reply, no cause found'
    expected = {'paths': 3, 'ok': 1, 'broken': 1, 'unexplained': 1, 'findings': 2}
    assert report.counts([p, OK_PATH, BROKEN_PATH]) == expected


def test_degraded_without_findings_is_broken():
    p = dict(OK_PATH, status='degraded', summary='reachable, but the large probe failed')
    assert report.summary_line(p) == 'BROKEN lab-host -> 10.0.0.3: reachable, but the large probe failed'
    assert report.path_state(p) == 'broken'


def test_json_report_shape():
    diag = {'paths': [BROKEN_PATH, OK_PATH]}
    doc = report.json_report(diag, generated_at='2026-01-27T15:30:00+00:00', collection_version='0.1.0',
                             probes={'lab-host': [{'target': '10.0.0.2', 'reachable': False}]},
                             timings={'facts': 1.5})
    back = json.loads(report.render_json(doc))
    assert back['collection_version'] == '0.1.0' and back['generated_at'] == '2026-01-27T15:30:00+00:00'
    assert back['totals']['broken'] == 1 and back['totals']['ok'] == 1
    assert back['paths'][0]['state'] == 'broken'
    codes = [(f['code'], f['host'], f['object']['type']) for f in back['paths'][0]['findings']]
    assert codes == [('ICMP_BLOCKED', 'lab-vm1', 'firewall_rule'), ('ARP_STALE', 'lab-host', 'neighbor')]
    assert back['probes']['lab-host'][0]['reachable'] is False
    assert back['timings'] == {'facts': 1.5}
    assert back['summary_lines'][1] == 'OK  lab-host -> 10.0.0.3'
    # input untouched
    assert 'state' not in BROKEN_PATH


def _parse(paths):
    text = report.junit_xml(paths, timestamp='2026-01-27T15:30:00+00:00')
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode('utf-8'))


def test_junit_structure():
    root = _parse([BROKEN_PATH, OK_PATH])
    suites = root.findall('testsuite')
    assert [s.get('name') for s in suites] == ['host-to-vm1 (lab-host -> 10.0.0.2)', 'host-to-vm2 (lab-host -> 10.0.0.3)']
    broken = suites[0]
    cases = broken.findall('testcase')
    # 3 checks + the ARP finding that no check claimed
    assert len(cases) == 4
    assert (broken.get('tests'), broken.get('failures'), broken.get('skipped')) == ('4', '2', '1')
    fail = cases[1].find('failure')
    assert cases[1].get('name') == 'firewall_input on lab-vm1'
    assert fail.get('type') == 'ICMP_BLOCKED'
    assert 'icmp_rule on lab-vm1' in fail.get('message')
    assert 'proposed fix: icmp_rule on lab-vm1 remove_rule=' in fail.text
    assert cases[2].find('skipped') is not None
    assert cases[3].find('failure').get('type') == 'ARP_STALE'
    assert 'manual: check which machine' in cases[3].find('failure').text
    assert cases[0].find('failure') is None and cases[0].find('skipped') is None
    assert root.get('tests') == '6' and root.get('failures') == '2' and root.get('skipped') == '2'


def test_junit_escaping_and_control_characters():
    f = dict(ICMP, host='h&1', message='drop <&> "quoted" \x07bell \u00e9', fix={'manual': True, 'reason': 'a < b & c'})
    p = dict(BROKEN_PATH, name='we<ird>&"', findings=[f],
             checks=[{'id': 'fw<1>', 'status': 'fail', 'host': 'h&1', 'detail': f['message']}])
    root = _parse([p])
    case = root.find('testsuite/testcase')
    assert case.get('name') == 'fw<1> on h&1'
    failure = case.find('failure')
    assert 'drop <&> "quoted" \ufffdbell \u00e9' in failure.get('message')
    assert 'manual: a < b & c' in failure.text
    assert root.find('testsuite').get('name').startswith('we<ird>&"')


def test_junit_path_without_checks():
    root = _parse([{'source': 'a', 'target_ip': '10.0.0.9', 'status': 'unexplained', 'reachable': False,
                    'findings': [], 'checks': []},
                   {'source': 'a', 'target_ip': '10.0.0.8', 'reachable': True, 'findings': [], 'checks': []}])
    s1, s2 = root.findall('testsuite')
    assert s1.find('testcase/failure').get('type') == 'UNREACHABLE'
    assert s2.find('testcase/failure') is None and s2.get('tests') == '1'


def test_failing_check_without_matching_finding():
    p = copy.deepcopy(BROKEN_PATH)
    p['findings'] = []
    p['checks'][1]['detail'] = 'something else'
    root = _parse([p])
    failure = root.find('testsuite/testcase/failure')
    assert failure.get('type') == 'CHECK_FAILED' and failure.get('message') == 'something else'


def test_fix_text_variants():
    assert report.fix_text(None) == 'no fix proposed'
    fix = {'module': 'vmnet.doctor.link_state', 'host': 'hv', 'args': {'interface': 'vnet0', 'state': 'up'}}
    assert report.fix_text(fix) == 'link_state on hv interface=vnet0 state=up'


def test_phase_seconds():
    marks = {'started': '2026-01-27T15:30:00.000000Z', 'collect_started': '2026-01-27T15:30:01.500000Z',
             'diagnose_started': '2026-01-27T15:30:09+00:00', 'bad': 'not a time'}
    out = report.phase_seconds(marks, '2026-01-27T15:30:10+00:00')
    assert out == {'started': 1.5, 'collect_started': 7.5, 'diagnose_started': 1.0, 'total': 10.0}
    assert report.phase_seconds({}, '2026-01-27T15:30:10+00:00') == {}
