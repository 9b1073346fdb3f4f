# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""html_report.py: escaping, no external assets, broken hop placement, fixes and decisions.
(The page is rendered in headless Chromium in tests/integration/test_html_report_chromium.py.)"""
import json
import os
import re
from html.parser import HTMLParser

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import html as html_report

EVIL = '<script>alert(1)</script>"&\''
PATH_VM = {'name': 'to-vm1', 'source': 'host', 'hypervisor': 'hv', 'target_host': 'vm1', 'target_ip': '10.0.0.11',
           'state': 'broken', 'summary_line': 'BROKEN at firewall on vm1',
           'findings': [{'code': 'ICMP_BLOCKED', 'layer': 'firewall', 'host': 'vm1', 'message': EVIL,
                         'fix': {'module': 'vmnet.doctor.icmp_rule', 'host': 'vm1', 'args': {'state': 'absent'}}}],
           'fixes': [{'module': 'vmnet.doctor.icmp_rule', 'host': 'vm1', 'args': {'state': 'absent'},
                      'status': 'fixed', 'detail': EVIL}]}
PATH_HV = {'name': 'to-vm2', 'source': 'host', 'hypervisor': 'hv', 'target_host': 'vm2', 'target_ip': '10.0.0.12',
           'findings': [{'code': 'BRIDGE_PORT_DOWN', 'layer': 'link', 'host': 'hv', 'message': 'port down',
                         'fix': {'manual': True, 'reason': 'ask'}}]}
PATH_OK = {'name': 'ok', 'source': 'host', 'target_ip': '10.0.0.13', 'status': 'ok', 'reachable': True}
PATH_UNEXPLAINED = {'name': EVIL, 'source': 'host', 'target_ip': '10.0.0.14', 'status': 'unexplained',
                    'reachable': False}
REPORT = {'generated_at': '2026-11-27T15:00:00+00:00', 'collection_version': '0.1.0',
          'paths': [PATH_VM, PATH_HV, PATH_OK, PATH_UNEXPLAINED],
          'run': {'schedule': {'actions': [{'key': 'to-vm2', 'action': 'escalate', 'reason': 'no_fix',
                                            'detail': 'manual'}]}}}


class Collector(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self)
        self.tags = []
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def parse(text):
    c = Collector()
    c.feed(text)
    return c


def test_no_script_and_no_external_reference():
    text = html_report.render(REPORT)
    c = parse(text)
    assert 'script' not in c.tags
    assert not {'link', 'img', 'iframe', 'object', 'embed'} & set(c.tags)
    for name, value in c.attrs:
        assert name not in ('src', 'href'), (name, value)
    assert not re.search(r'url\(|@import|https?://(?!www\.w3\.org/2000/svg)', text)


def test_values_escaped():
    text = html_report.render(REPORT)
    assert '<script>' not in text
    assert '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#x27;' in text


def test_hop_placement():
    assert html_report.hop_states(PATH_VM)[0] == {'host': 'ok', 'switch': 'ok', 'vm': 'broken'}
    assert html_report.hop_states(PATH_HV)[0] == {'host': 'ok', 'switch': 'broken', 'vm': 'ok'}
    assert html_report.hop_states(PATH_OK) == ({'host': 'ok', 'switch': 'ok', 'vm': 'ok'},
                                               {'host-switch': 'ok', 'switch-vm': 'ok'})
    hops, links = html_report.hop_states(PATH_UNEXPLAINED)
    assert set(hops.values()) == {'unknown'} and set(links.values()) == {'broken'}


def test_sections_fixes_and_decision():
    text = html_report.render(REPORT)
    assert text.count('<section class="path') == 4
    assert 'data-hop="vm" data-state="broken"' in text
    assert 'class="status-fixed">fixed<' in text
    assert 'Scheduled run: <b>escalate</b> (no_fix)' in text
    assert 'paths: 4' in text and 'broken: 2' in text and 'ok: 1' in text and 'unexplained: 1' in text


def test_fixes_from_run_remediation():
    report = {'paths': [dict(PATH_HV)], 'run': {'remediation': {'to-vm2': {'fixes': [
        {'module': 'vmnet.doctor.link_state', 'host': 'hv', 'status': 'failed'}]}}}}
    assert 'class="status-failed">failed<' in html_report.render(report)


def test_empty_report():
    assert 'The report has no paths.' in html_report.render({})


def test_after_badge():
    fixed = dict(PATH_VM, reachable_after=True)
    text = html_report.render({'paths': [fixed, dict(PATH_HV, reachable_after=False)]})
    assert '<span class="state ok after">fixed</span>' in text
    assert '<span class="state broken after">still broken</span>' in text
    assert 'fixed here' in text


def _ops(name):
    with open(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ops', name)) as f:
        return json.load(f)


def test_recorded_remediation_reports_render():
    # remediate.yml reports (tests/unit/fixtures/ops/README.md): a finding's ``fix`` is the id of
    # the fix applied; rendering them failed with "'str' object has no attribute 'get'".
    for name, status in (('remediate-report.json', 'verified'), ('remediate-report-check.json', 'would apply')):
        report = _ops(name)
        assert report['kind'] == 'remediation' and report['paths'][0]['findings'][0]['fix'] == 'fix1'
        text = html_report.render(report)
        assert 'fix1: icmp_rule on ' in text and '(%s)' % status in text
        assert 'class="status-%s">%s<' % (status.replace(' ', '_'), status) in text


def test_fix_detail_shows_the_commands_of_the_one_result_shape():
    report = _ops('remediate-report.json')
    fix = report['paths'][0]['fixes'][0]
    fix['commands'] = ['nft insert rule inet filter input position 2 ip saddr 10.210.0.1 accept']
    text = html_report.render(report)
    assert 'path restored \u2014 ran: nft insert rule inet filter input position 2' in text
    fix['status'] = 'would apply'
    assert 'would run: nft insert rule' in html_report.render(report)
