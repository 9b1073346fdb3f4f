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


# ------------------------------------------------------------------ packet witness (issue 12)
def _witness_report():
    # Recorded on the lab (tests/unit/fixtures/ops/README.md): four diagnose.yml runs whose probe failed.
    return _ops('witness-report.json')


def _path(report, name):
    return [p for p in report['paths'] if p['name'] == name][0]


def test_witness_drop_marks_the_hop_and_shows_the_counters():
    report = _witness_report()
    path = _path(report, 'vm_icmp_nft_drop')
    assert path['witness']['stopped']['role'] == 'target'
    assert html_report.witness_stop(path) == ('hop', 'vm')
    text = html_report.render({'paths': [path]})
    # The marker sits in the VM's hop group of the drawing.
    vm_group = re.search(r'<g class="hop hop-vm[^>]*>(.*?)</g>', text).group(1)
    assert 'class="witness-stop"' in vm_group and 'echo dropped here' in vm_group
    assert text.count('class="witness-stop"') == 1
    table = re.search(r'<table class="witness-hops">.*?</table>', text).group(0)
    stop_rows = re.findall(r'<tr class="witness-hop stop" data-role="([^"]+)" data-interface="([^"]+)">', table)
    assert stop_rows == [('target', 'eth0')]
    assert 'NETFILTER_DROP at nft_do_chain (echo request 10.' in table
    assert 'nft inet filter input handle' in table
    # source eth0 sent 3 echo requests and got no reply: "in / out" counters.
    source_row = re.search(r'<tr class="witness-hop" data-role="source" data-interface="eth0">(.*?)</tr>',
                           table).group(1)
    assert '<td class="num">0 / 3</td><td class="num">0 / 0</td>' in source_row
    assert 'Where it stopped: <b>echo_request dropped on ' in text


def test_witness_alone_places_an_unexplained_loss():
    path = dict(_path(_witness_report(), 'hv_policy_blackhole'), findings=[], state='unexplained')
    hops, links = html_report.hop_states(path)
    assert hops == {'host': 'ok', 'switch': 'broken', 'vm': 'ok'} and set(links.values()) == {'ok'}
    text = html_report.render({'paths': [path]})
    switch_group = re.search(r'<g class="hop hop-switch[^>]*>(.*?)</g>', text).group(1)
    assert 'echo lost here' in switch_group
    # Without the witness the same path is drawn as before: links unexplained.
    bare = dict(path, witness=None)
    assert set(html_report.hop_states(bare)[1].values()) == {'broken'}


def test_witness_loss_between_hops_marks_the_link():
    path = _path(_witness_report(), 'duplicate_ip')
    assert html_report.witness_stop(path) == ('link', 'switch-vm')
    text = html_report.render({'paths': [path]})
    links = re.findall(r'<g class="link state-\w+" data-state="\w+">(.*?)</g>', text)
    assert 'echo lost here' in links[1] and 'witness-stop' not in links[0]
    unexplained = dict(path, findings=[], state='unexplained')
    assert html_report.hop_states(unexplained)[1] == {'host-switch': 'ok', 'switch-vm': 'broken'}


def test_witness_reply_not_answered_and_unwatched_hop():
    report = _witness_report()
    path = _path(report, 'vm_icmp_ignore')
    assert path['witness']['stopped']['kind'] == 'echo_reply'
    assert html_report.witness_stop(path) == ('hop', 'vm')
    path['witness']['hops']['switch'] = {'available': False, 'why': '<b>needs root</b>'}
    text = html_report.render({'paths': [path]})
    assert 'not witnessed: &lt;b&gt;needs root&lt;/b&gt;' in text
    # A healthy path keeps no marker even with a witness summary.
    ok = dict(path, state='ok', findings=[], reachable=True, status='ok')
    assert 'witness-stop' not in html_report.svg(ok)


def test_witness_values_are_escaped_and_bad_shapes_ignored():
    path = dict(PATH_VM, witness={'hops': {'target': {'available': True, 'interfaces': {EVIL: {}},
                                                      'drops': [{'reason': EVIL, 'interface': EVIL}]}},
                                  'located': EVIL, 'stopped': {'at': 'hop', 'role': 'target', 'interface': EVIL}})
    text = html_report.render({'paths': [path]})
    assert '<script>' not in text and text.count('&lt;script&gt;') >= 3
    for bad in ({'stopped': 'x', 'hops': []}, {'stopped': {'role': 'nowhere'}}, 'text'):
        assert 'witness-stop' not in html_report.render({'paths': [dict(PATH_UNEXPLAINED, witness=bad)]})


def test_witness_counts_arp_and_nd_together():
    counters = {'in': {'arp_request': 1, 'nd_solicit': 2, 'nd_advert': 1}, 'out': {'arp_reply': 1, 'nd_advert': 3}}
    assert html_report._neighbor_pair(counters) == '3 / 0 req, 1 / 4 reply'
    assert html_report._neighbor_pair(None) == '0 / 0 req, 0 / 0 reply'
