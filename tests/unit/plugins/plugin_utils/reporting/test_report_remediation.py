# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.py remediation functions: summary line, JSON totals, JUnit cases per fix."""
import xml.etree.ElementTree as ET

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report


def fix(fid, status, reason=None, changes=None):
    return {'id': fid, 'host': 'vm1', 'module': 'vmnet.doctor.net_sysctl', 'args': {'name': 'ip_forward', 'value': 1},
            'codes': ['FORWARDING_DISABLED'], 'status': status, 'reason': reason, 'before': {'value': 0},
            'after': {'value': 1},
            'changes': changes or [{'action': 'write_proc', 'path': '/proc/sys/net/ipv4/ip_forward', 'value': '1'}],
            'commands': ['write 1 to /proc/sys/net/ipv4/ip_forward']}


PATH = {'name': 'h -> 10.0.0.11', 'source': 'h', 'target_ip': '10.0.0.11', 'result': 'restored', 'reachable_after': True,
        'seconds_to_reachable': 12.34, 'fixes': [fix('fix1', 'rolled back', 'made the path worse'), fix('fix2', 'verified')],
        'findings': [{'code': 'IP_CONFLICT', 'host': 'h', 'status': 'manual', 'reason': 'a person decides'}]}


def test_summary_lines():
    assert report.remediation_summary_line(PATH) == \
        'RESTORED h -> 10.0.0.11 in 12.3 s: 1 rolled back, 1 verified, 1 manual (IP_CONFLICT)'
    broken = dict(PATH, result='broken', reachable_after=False, seconds_to_reachable=None, fixes=[], findings=[])
    assert report.remediation_summary_line(broken) == 'BROKEN h -> 10.0.0.11: nothing to fix'
    check = dict(PATH, result='check', fixes=[fix('fix1', 'would apply')], findings=[])
    assert report.remediation_summary_line(check, check_mode=True) == (
        'CHECK h -> 10.0.0.11: 1 would apply | would change: net_sysctl on vm1: write 1 to /proc/sys/net/ipv4/ip_forward')
    ok = dict(PATH, result='ok', fixes=[], findings=[])
    assert report.remediation_summary_line(ok) == 'OK  h -> 10.0.0.11: already reachable, nothing changed'


def test_json_totals():
    doc = report.remediation_report([PATH], generated_at='2026-01-01T00:00:00+00:00', run={'run_id': 'r'})
    assert doc['kind'] == 'remediation' and doc['totals']['restored'] == 1
    assert doc['totals']['fixes'] == {'rolled back': 1, 'verified': 1}
    assert doc['paths'][0]['fixes'][1]['before'] == {'value': 0}


def test_junit_case_per_fix_and_reachability():
    root = ET.fromstring(report.remediation_junit_xml([PATH]).split('\n', 1)[1])
    cases = [(c.get('name'), [e.tag for e in c]) for c in root.iter('testcase')]
    assert cases == [('fix1 net_sysctl on vm1', ['failure']), ('fix2 net_sysctl on vm1', ['system-out']),
                     ('finding IP_CONFLICT on h (manual)', ['skipped']), ('reachable end to end', [])]
    assert root.get('failures') == '1' and root.get('tests') == '4'
    assert root.find('.//testcase[@name="reachable end to end"]').get('time') == '12.34'


def test_unreachable_host_is_not_nothing_to_fix():
    # issue 11: a path whose source host was unreachable was summarised "nothing to fix"
    skipped = dict(PATH, result='broken', reachable_after=False, seconds_to_reachable=None, fixes=[], findings=[],
                   status='unexplained', summary='not diagnosed: host h is unreachable')
    line = report.remediation_summary_line(skipped)
    assert line == 'BROKEN h -> 10.0.0.11: not diagnosed: host h is unreachable'
    assert 'nothing to fix' not in line
    unexplained = dict(skipped, summary=None)
    assert 'no cause found' in report.remediation_summary_line(unexplained)
