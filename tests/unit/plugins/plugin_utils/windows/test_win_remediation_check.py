# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``remediate.yml --check`` with a Windows fix: the remediation steps (the remediation action
plugin's plan -> record -> finish, then the JSON, JUnit and HTML reports) on the real result of
win_icmp_rule planned on the recorded Windows host (win_fixtures). Before the one fixer result
shape this raised TypeError in report.py (it joined the structured ``changes`` as text) before
any report was written."""
import json
import xml.etree.ElementTree as ET

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import html as html_report
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import plan as R
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans as P

import win_fixtures as W

ARGS = {'source': '10.9.9.0/24', 'profiles': ['private'], 'prefer_builtin': False}


def diagnosis():
    finding = {'code': 'ICMP_BLOCKED', 'host': 'win1', 'layer': 'firewall', 'message': 'echo dropped',
               'fix': {'module': 'vmnet.doctor.win_icmp_rule', 'host': 'win1', 'args': ARGS}}
    return [{'name': 'vm -> win1', 'source': 'vm1', 'target_ip': '10.9.9.20', 'target_host': 'win1',
             'hypervisor': None, 'status': 'broken', 'reachable': False, 'findings': [finding]}]


def test_check_mode_with_a_windows_fix_writes_every_report():
    result = P.result_of(P.plan_icmp_rule(ARGS, F.parse(W.raw_host(), W.PEERS)))   # what the action returns
    assert result['changed'] and all(isinstance(c, str) for c in result['commands'])
    plan = R.build_plan(diagnosis())
    state = R.new_state(plan, {'0': {'forward': {'reachable': False, 'loss': 100.0}}}, 't0', check_mode=True)
    state, action = R.record_fix(state, 'fix1', result, None, 't1')
    assert action == {'rollback': [], 'reason': None}
    done = R.finish(state, None, 't2')
    fix = done['paths'][0]['fixes'][0]
    assert fix['status'] == 'would apply' and fix['commands'] == result['commands']

    lines = report.remediation_summary_lines(done['paths'], check_mode=True)
    assert lines[0].startswith('CHECK vm1 -> 10.9.9.20: 1 would apply | would change: win_icmp_rule on win1: ')
    assert 'New-NetFirewallRule' in lines[0]
    doc = report.remediation_report(done['paths'], generated_at='t3', check_mode=True)
    assert json.loads(report.render_json(doc))['paths'][0]['fixes'][0]['changes'][0]['action'] == 'create_rule'
    junit = ET.fromstring(report.remediation_junit_xml(done['paths']).split('\n', 1)[1])
    assert junit.get('skipped') == '1'
    page = html_report.render(json.loads(report.render_json(doc)))
    assert 'would run: New-NetFirewallRule' in page
