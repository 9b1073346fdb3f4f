# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine on REAL facts and probes captured from the namespace lab, one file per
(topology, fault); see tests/unit/fixtures/diagnosis/README.md."""
import glob
import json
import os
import sys

import pytest
import yaml

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.engine import diagnose

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'diagnosis')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'lab'))
from vmnetlab import ENGINE_ROLES, expected_finding  # noqa: E402  pylint: disable=wrong-import-position


def lab_finding(fault, direction, fix_args):
    """A finding of lab fault ``fault``: its code, engine role and fixer as the fault declares them
    (tests/lab/vmnetlab.py FAULTS[fault]['expect']), the direction and a subset of the fix arguments
    as recorded."""
    code, node, fixer, _obj = expected_finding(fault)
    return (code, ENGINE_ROLES[node], direction, fixer or 'manual', fix_args)


# scenario -> (status, [(code, host role, direction, fix module or 'manual', {subset of fix args})])
EXPECTED = {
    'bridged__healthy': ('ok', []),
    'routed__healthy': ('ok', []),
    'vlan__healthy': ('ok', []),
    'bridged__bridge_port_down': ('broken', [
        lab_finding('bridge_port_down', 'forward', {'interface': 'vnet-vm1', 'state': 'up'})]),
    'routed__bridge_port_down': ('broken', [
        lab_finding('bridge_port_down', 'forward', {'interface': 'vnet-vm1', 'state': 'up'})]),
    'vlan__bridge_port_down': ('broken', [
        lab_finding('bridge_port_down', 'forward', {'interface': 'vnet-vm1', 'state': 'up'})]),
    'bridged__duplicate_ip': ('degraded', [lab_finding('duplicate_ip', 'forward', {})]),
    'vlan__duplicate_ip': ('degraded', [lab_finding('duplicate_ip', 'forward', {})]),
    'bridged__host_icmp_ipt_drop': ('broken', [
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-reply'],
                                                     'source': '10.210.0.11/32', 'state': 'present'}),
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-request']})]),
    'routed__host_icmp_ipt_drop': ('broken', [
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-reply']}),
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-request']})]),
    'vlan__host_icmp_ipt_drop': ('broken', [
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-reply']}),
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-request']})]),
    'bridged__host_stale_arp': ('broken', [
        lab_finding('host_stale_arp', 'forward', {'address': '10.210.0.11', 'device': 'eth0', 'state': 'absent'})]),
    'vlan__host_stale_arp': ('broken', [
        lab_finding('host_stale_arp', 'forward', {'address': '10.230.10.11', 'device': 'eth0', 'state': 'absent'})]),
    'bridged__mtu_mismatch': ('degraded', [
        lab_finding('mtu_mismatch', 'forward', {'interface': 'br0', 'mtu': 9000, 'bridge_ports': True})]),
    'bridged__vm_icmp_ignore': ('broken', [
        lab_finding('vm_icmp_ignore', 'forward', {'name': 'icmp_echo_ignore_all', 'value': 0})]),
    'routed__vm_icmp_ignore': ('broken', [
        lab_finding('vm_icmp_ignore', 'forward', {'name': 'icmp_echo_ignore_all', 'value': 0})]),
    'vlan__vm_icmp_ignore': ('broken', [
        lab_finding('vm_icmp_ignore', 'forward', {'name': 'icmp_echo_ignore_all', 'value': 0})]),
    'bridged__vm_icmp_nft_drop': ('broken', [
        lab_finding('vm_icmp_nft_drop', 'forward', {'hook': 'input', 'icmp_types': ['echo-request'],
                                                    'source': '10.210.0.1/32', 'ip_version': 'ipv4'})]),
    'routed__vm_icmp_nft_drop': ('broken', [
        lab_finding('vm_icmp_nft_drop', 'forward', {'hook': 'input', 'source': '10.220.0.1/32'})]),
    'vlan__vm_icmp_nft_drop': ('broken', [
        lab_finding('vm_icmp_nft_drop', 'forward', {'hook': 'input', 'source': '10.230.10.1/32'})]),
    'bridged__vm_link_down': ('broken', [lab_finding('vm_link_down', 'forward', {'interface': 'eth0', 'state': 'up'})]),
    # the link went down and took the default route with it: link up alone does not heal (seen in the lab)
    'routed__vm_link_down': ('broken', [
        lab_finding('vm_link_down', 'forward', {'interface': 'eth0', 'state': 'up'}),
        lab_finding('vm_gateway_missing', 'return', {'gateway': '10.220.1.1', 'state': 'present'})]),
    'vlan__vm_link_down': ('broken', [lab_finding('vm_link_down', 'forward', {'interface': 'eth0', 'state': 'up'})]),
    'bridged__vm_mac_filtered': ('broken', [
        lab_finding('vm_mac_filtered', 'return', {'mac': '02:76:6d:11:00:01', 'bridge': 'br0'})]),
    'vlan__vm_mac_filtered': ('broken', [
        lab_finding('vm_mac_filtered', 'return', {'mac': '02:76:6d:11:00:01', 'bridge': 'br10'})]),
    'bridged__vm_wrong_netmask': ('broken', [lab_finding('vm_wrong_netmask', 'return', {})]),
    'routed__vm_wrong_netmask': ('broken', [lab_finding('vm_wrong_netmask', 'return', {})]),
    'vlan__vm_wrong_netmask': ('broken', [lab_finding('vm_wrong_netmask', 'return', {})]),
    'vlan__vm_wrong_vlan': ('broken', [lab_finding('vm_wrong_vlan', 'forward', {})]),
    'routed__host_route_missing': ('broken', [
        lab_finding('host_route_missing', 'forward', {'prefix': '10.220.1.0/24', 'gateway': '10.220.0.2'})]),
    'routed__hv_forward_drop': ('broken', [
        lab_finding('hv_forward_drop', 'forward', {'hook': 'forward', 'source': '10.220.0.1/32',
                                                   'destination': '10.220.1.11/32', 'icmp_types': ['echo-request']})]),
    'routed__hv_ip_forward_off': ('broken', [
        lab_finding('hv_ip_forward_off', 'forward', {'name': 'ip_forward', 'value': 1})]),
    'routed__rp_filter_asymmetric': ('broken', [
        lab_finding('rp_filter_asymmetric', 'return', {'name': 'rp_filter', 'value': 2, 'interface': 'eth1'})]),
    'routed__vm_gateway_missing': ('broken', [lab_finding('vm_gateway_missing', 'return', {'gateway': '10.220.1.1'})]),
    'routed__vm_gateway_wrong': ('broken', [lab_finding('vm_gateway_wrong', 'return', {'gateway': '10.220.1.1'})]),
    # several lab faults injected at once: all found, in path order (forward then return)
    'bridged__vm_icmp_ignore+host_stale_arp': ('broken', [
        lab_finding('host_stale_arp', 'forward', {'address': '10.210.0.11', 'state': 'absent'}),
        lab_finding('vm_icmp_ignore', 'forward', {'name': 'icmp_echo_ignore_all', 'value': 0})]),
    'bridged__host_stale_arp+vm_icmp_ignore+vm_mac_filtered': ('broken', [
        lab_finding('host_stale_arp', 'forward', {'address': '10.210.0.11', 'state': 'absent'}),
        lab_finding('vm_icmp_ignore', 'forward', {'name': 'icmp_echo_ignore_all', 'value': 0}),
        lab_finding('vm_mac_filtered', 'return', {'mac': '02:76:6d:11:00:01'})]),
    'routed__hv_ip_forward_off+vm_icmp_nft_drop+host_icmp_ipt_drop': ('broken', [
        lab_finding('hv_ip_forward_off', 'forward', {'name': 'ip_forward', 'value': 1}),
        lab_finding('vm_icmp_nft_drop', 'forward', {'hook': 'input', 'icmp_types': ['echo-request']}),
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-reply']}),
        lab_finding('host_icmp_ipt_drop', 'return', {'hook': 'input', 'icmp_types': ['echo-request']})]),
}


def load(name):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        doc = json.load(handle)
    meta = doc['meta']
    path = {'source': meta['source'], 'target_ip': meta['target_ip'], 'hypervisor': meta['hypervisor'],
            'target_host': meta['target_host'], 'source_facts': doc['source_facts'],
            'hypervisor_facts': doc['hypervisor_facts'], 'target_facts': doc['target_facts'],
            'probes': doc['probes']}
    return meta, path


def test_every_fixture_has_an_expectation():
    names = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(FIXTURES, '*.json')))
    assert names == sorted(EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_recorded_fault_is_named_with_its_fix(name):
    meta, path = load(name)
    status, expected = EXPECTED[name]
    result = diagnose([path])
    res = result['paths'][0]
    hosts = {'source': meta['source'], 'hypervisor': meta['hypervisor'], 'target': meta['target_host']}
    got = [(f['code'], f['host'], f['direction']) for f in res['findings']]
    assert got == [(code, hosts[role], direction) for code, role, direction, _m, _a in expected], res['summary']
    assert res['status'] == status
    assert result['findings_total'] == len(expected)
    for finding, (_code, _role, _direction, module, args) in zip(res['findings'], expected):
        if module == 'manual':
            assert finding['fix']['manual'] is True and finding['fix']['reason']
        else:
            assert finding['fix']['module'] == 'vmnet.doctor.%s' % module
            assert dict((k, finding['fix']['args'].get(k)) for k in args) == args
        assert finding['confidence'] in ('high', 'medium')
        assert finding['evidence'] and finding['object']['type']
        assert finding['host'] in finding['message'] or finding['host'] in str(finding['evidence'])


@pytest.mark.parametrize('name', ['bridged__healthy', 'routed__healthy', 'vlan__healthy'])
def test_recorded_healthy_path_lists_passed_checks(name):
    _meta, path = load(name)
    res = diagnose([path])['paths'][0]
    assert res['findings'] == [] and res['notes'] == [] and res['reachable'] is True
    statuses = set(c['status'] for c in res['checks'])
    assert statuses <= set(['pass', 'skipped'])
    passed = [c['id'] for c in res['checks'] if c['status'] == 'pass']
    for must in ('source.route', 'source.link', 'target.firewall.input.echo-request', 'target.icmp_echo_ignore_all',
                 'switch.vm_port', 'target.route_back', 'source.firewall.input.echo-reply'):
        assert must in passed
    # The 3000-byte DF probe cannot leave a 1500-MTU host: inconclusive, not a failure.
    large = [c for c in res['checks'] if c['id'] == 'probe.forward_large'][0]
    assert large['status'] == 'skipped' and 'exceeds the source MTU 1500' in large['detail']


def test_recorded_source_facts_only_is_unexplained_not_guessed():
    """Only the host's facts (neither the VM nor the hypervisor can be managed): the permanent
    entry cannot be judged without knowing the VM's MAC, so nothing is invented; the checks
    that need the other hosts are skipped, never failed."""
    _meta, path = load('bridged__host_stale_arp')
    for key in ('target_facts', 'target_host', 'hypervisor_facts', 'hypervisor'):
        path.pop(key)
    res = diagnose([path])['paths'][0]
    assert res['findings'] == []
    assert res['status'] == 'unexplained' and 'no check explains it' in res['summary']
    skipped = [c['id'] for c in res['checks'] if c['status'] == 'skipped']
    assert 'target.firewall.input.echo-request' in skipped and 'switch.vm_port' in skipped
    assert 'no facts' in [c for c in res['checks'] if c['id'] == 'target.link'][0]['detail']


def test_recorded_vm_facts_missing_link_down_seen_from_the_hypervisor():
    """The VM is known by inventory name but cannot be managed: its port on the hypervisor tells."""
    _meta, path = load('bridged__vm_link_down')
    path.pop('target_facts')
    res = diagnose([path])['paths'][0]
    codes = [(f['code'], f['confidence']) for f in res['findings']]
    assert ('LINK_DOWN', 'medium') in codes
    finding = [f for f in res['findings'] if f['code'] == 'LINK_DOWN'][0]
    assert finding['object']['peer_port'] == 'vnet-vm1' and finding['fix']['manual'] is True


def _documented_options(module):
    """The options of a vmnet.doctor fixer module, from its DOCUMENTATION."""
    path = os.path.join(FIXTURES, '..', '..', '..', '..', 'plugins', 'modules', module + '.py')
    with open(path) as handle:
        text = handle.read()
    doc = text.split("DOCUMENTATION = r\'\'\'", 1)[1].split("\'\'\'", 1)[0]
    return yaml.safe_load(doc)['options']


def test_every_proposed_fix_matches_the_fixer_documentation():
    """Contract with the fixers: the module exists and takes exactly the argument names proposed."""
    fixes = []
    for name in EXPECTED:
        _meta, path = load(name)
        for finding in diagnose([path])['paths'][0]['findings']:
            fix = finding['fix']
            fixes.append(fix)
            fixes.extend(fix.get('alternatives') or [])
    assert len(fixes) > 30
    for fix in fixes:
        if fix.get('manual'):
            continue
        options = _documented_options(fix['module'].split('.')[-1])
        assert set(fix['args']) <= set(options), (fix['module'], fix['args'])
        for key, value in fix['args'].items():
            if isinstance(value, dict):
                assert set(value) <= set(options[key]['suboptions']), (fix['module'], key, value)
            choices = options[key].get('choices')
            if choices:
                values = value if isinstance(value, list) else [value]
                assert set(values) <= set(choices), (fix['module'], key, value)


@pytest.mark.parametrize('name', ['routed__vm_gateway_wrong', 'vlan__vm_wrong_vlan', 'bridged__mtu_mismatch'])
def test_any_missing_section_degrades_to_skipped_checks_never_a_crash(name):
    """Partial facts: drop (or empty) each section of each host in turn; the engine still answers,
    and a check whose facts are gone is skipped or passes, it does not invent a finding."""
    _meta, base = load(name)
    expected_codes = set(e[0] for e in EXPECTED[name][1])
    for key in ('source_facts', 'hypervisor_facts', 'target_facts'):
        for section in list(base[key]):
            if section in ('interfaces', 'schema_version'):
                continue
            for mode in ('drop', 'empty'):
                _meta, path = load(name)
                if mode == 'drop':
                    del path[key][section]
                else:
                    path[key][section] = type(path[key][section])() if path[key][section] is not None else None
                res = diagnose([path])['paths'][0]
                assert res['status'] in ('ok', 'degraded', 'broken', 'unexplained')
                got = set(f['code'] for f in res['findings'])
                # Losing facts can hide a finding, never create an unrelated one ...
                extra = got - expected_codes
                # ... except that a neighbor symptom may surface once its explanation is hidden.
                assert extra <= set(['ARP_INCOMPLETE']), (key, section, mode, res['summary'])


def test_recorded_fault_with_its_evidence_missing_is_unexplained_and_lists_checks():
    """Real facts of the VM firewall drop, but the VM's firewall could not be read: the engine
    does not guess the firewall; it says nothing explains the failure and what it checked."""
    _meta, path = load('routed__vm_icmp_nft_drop')
    path['target_facts']['firewall']['icmp'] = []
    path['target_facts']['errors'].append({'source': 'nft', 'message': 'nft -j list ruleset: Operation not permitted'})
    res = diagnose([path])['paths'][0]
    assert res['status'] == 'unexplained' and res['findings'] == []
    skipped = dict((c['id'], c['detail']) for c in res['checks'] if c['status'] == 'skipped')
    assert 'Operation not permitted' in skipped['target.firewall.input.echo-request']
    assert len([c for c in res['checks'] if c['status'] == 'pass']) > 20
    assert '%d checks' % len(res['checks']) in res['summary']
