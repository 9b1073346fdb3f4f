# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V NAT (Default Switch, WinNAT + static mappings): the recorded cmdlet outputs of hv01
(../fixtures/windows) with the Default Switch and Get-NetNatStaticMapping added
(tests/unit/fixtures/hyperv_nat/README.md names the public sources), parsed, then checks_hyperv_nat."""
import copy
import json
import os
import sys

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_hyperv_nat as hvnat
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import ps

import win_fixtures as W

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'diagnosis'))
import diagnosis_builders as B  # noqa: E402  pylint: disable=wrong-import-position

NAT_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'hyperv_nat')


def nat_fixture(name):
    with open(os.path.join(NAT_FIXTURES, name)) as handle:
        return json.load(handle)


def raw(switch='VMSwitch.default.json', mappings='NetNatStaticMapping.json'):
    doc = copy.deepcopy(W.raw_host())
    doc['VMSwitch'] = list(doc['VMSwitch']) + [nat_fixture(switch)]
    doc['VMNetworkAdapter'] = list(doc['VMNetworkAdapter']) + nat_fixture('VMNetworkAdapter.default.json')
    doc['NetIPAddress'] = list(doc['NetIPAddress']) + [nat_fixture('NetIPAddress.default.json')]
    doc['NetNatStaticMapping'] = nat_fixture(mappings)
    return doc


@pytest.fixture(scope='module')
def hv01():
    return F.parse(raw(), W.PEERS)


def test_the_read_script_reads_static_mappings():
    script = ps.collect_script()
    assert 'Get-NetNatStaticMapping' in script and "'InternalIPAddress'" in script


def test_static_mappings_parsed(hv01):
    assert hv01['nat_static_mappings'] == [
        {'nat': 'NATNetwork', 'protocol': 'tcp', 'external_ip': '0.0.0.0', 'external_port': 8080,
         'internal_ip': '172.20.0.10', 'internal_port': 80, 'active': True},
        {'nat': 'NATNetwork', 'protocol': 'udp', 'external_ip': '0.0.0.0', 'external_port': 5353,
         'internal_ip': '172.20.0.11', 'internal_port': 53, 'active': True}]


def test_numeric_protocol_and_single_object():
    facts = F.parse(raw(mappings='NetNatStaticMapping.numeric.json'), W.PEERS)
    assert [(m['protocol'], m['external_port']) for m in facts['nat_static_mappings']] == [('tcp', 2222)]


def test_without_hyperv_no_mappings():
    doc = raw()
    doc['HyperV'] = False
    assert F.parse(doc, W.PEERS)['nat_static_mappings'] == []


def ctx_for(facts, target_ip, source='laptop'):
    views = {'source': HostView('source', source, {'interfaces': []}), 'switch': HostView('switch', 'hv01', facts),
             'target': HostView('target', 'guest', None)}
    return PathContext('%s -> guest' % source, views, target_ip)


def one_sentence(text):
    return text.count('. ') == 0 and text.endswith('.')


@pytest.mark.parametrize('switch', ['VMSwitch.default.json', 'VMSwitch.default-de.json'])
def test_default_switch_found_by_its_id_whatever_its_name(switch):
    facts = F.parse(raw(switch=switch), W.PEERS)
    if switch.endswith('-de.json'):        # the localised name: the adapters name the switch so too
        for nic in facts['vm_nics'] + facts['host_vnics']:
            nic['switch'] = 'Standardswitch' if nic['switch'] == 'Default Switch' else nic['switch']
    ctx = ctx_for(facts, '172.29.118.50')
    hvnat.check_hyperv_nat(ctx)
    [finding] = ctx.findings
    assert finding['code'] == 'HYPERV_NAT' and finding['host'] == 'hv01'
    assert finding['object']['vm'] == 'dev01' and finding['object']['nat'] == 'default_switch'
    text = finding['message']
    assert one_sentence(text) and 'Default Switch' in text and 'subnet changes' in text
    assert 'External virtual switch' in text and 'never carry ICMP' in text
    assert finding['fix']['manual'] and "-SwitchName 'External'" in finding['fix']['reason']
    assert 'takes no static mappings' in finding['fix']['reason']


def test_internal_switch_behind_netnat_names_the_nat_and_its_mappings(hv01):
    ctx = ctx_for(hv01, '172.20.0.10')
    hvnat.check_hyperv_nat(ctx)
    [finding] = ctx.findings
    assert finding['object'] == {'type': 'hyperv_vm_adapter', 'vm': 'web01', 'name': 'Network Adapter',
                                 'mac': '00:15:5d:0a:64:10', 'switch': 'NATSwitch', 'nat': 'NATNetwork'}
    assert one_sentence(finding['message']) and "WinNAT 'NATNetwork' (172.20.0.0/24)" in finding['message']
    reason = finding['fix']['reason']
    assert "Add-NetNatStaticMapping -NatName 'NATNetwork'" in reason and 'mappings already set: tcp 8080->80' in reason
    assert finding['evidence']['static_mappings'][0]['internal_port'] == 80


def test_the_hyperv_host_itself_reaches_its_nat_guest(hv01):
    ctx = ctx_for(hv01, '172.20.0.10', source='hv01')
    hvnat.check_hyperv_nat(ctx)
    assert ctx.findings == [] and 'which its host hv01 reaches' in ctx.checks[-1]['detail']


def test_external_and_private_switches_are_no_nat(hv01):
    for address in ('192.168.10.30', '172.20.0.30'):
        ctx = ctx_for(hv01, address)
        hvnat.check_hyperv_nat(ctx)
        assert ctx.findings == [] and 'no NAT' in ctx.checks[-1]['detail'], address


def test_internal_switch_without_netnat_is_no_nat(hv01):
    facts = copy.deepcopy(hv01)
    facts['nat_networks'] = []
    ctx = ctx_for(facts, '172.20.0.10')
    hvnat.check_hyperv_nat(ctx)
    assert ctx.findings == []


def test_without_hyperv_facts_no_check_recorded():
    ctx = ctx_for({'interfaces': []}, '172.20.0.10')
    hvnat.check_hyperv_nat(ctx)
    assert ctx.checks == [] and ctx.findings == []


def test_target_on_no_vm_adapter_skipped(hv01):
    ctx = ctx_for(hv01, '10.99.0.7')
    hvnat.check_hyperv_nat(ctx)
    assert ctx.checks[-1]['status'] == 'skipped' and ctx.findings == []


def test_engine_lan_host_to_a_winnat_vm_broken_and_a_passing_probe_demotes_it_to_a_note(hv01):
    src = B.facts('lanhost', [B.iface('eth0', 2, mac='02:00:00:00:00:05', addresses=['192.168.10.5/24'])],
                  routes=[B.route('192.168.10.0/24', 'eth0'),
                          B.route('172.20.0.0/24', 'eth0', gateway='192.168.10.20')],
                  lookups=[B.lookup('172.20.0.10', 'eth0', '192.168.10.5', gateway='192.168.10.20')])
    results = {}
    for reachable in (False, True):
        path = {'source': 'lanhost', 'target_ip': '172.20.0.10', 'source_facts': src, 'hypervisor': 'hv01',
                'hypervisor_facts': hv01, 'probes': {'forward': B.probe(reachable)}}
        results[reachable] = engine.diagnose([path])['paths'][0]
    assert 'HYPERV_NAT' in [f['code'] for f in results[False]['findings']]
    assert 'HYPERV_NAT on hv01' in results[False]['summary']
    assert 'HYPERV_NAT' not in [f['code'] for f in results[True]['findings']]
    assert [n['confidence'] for n in results[True]['notes'] if n['code'] == 'HYPERV_NAT'] == ['low']
