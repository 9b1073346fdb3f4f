# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnosis data flow (plugin_utils/diagnosis/plan.py) on plain dicts: input validation,
collection planning, the engine input, skipped paths and the merged public result. These are the
steps the diagnose role's Jinja templates used to do."""
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine, plan
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', '..', 'fixtures', 'diagnosis')
HOSTS = ['hostA', 'vm1', 'kvm1', 'hostB', 'localhost']


def probe(target, reachable=True, source='192.0.2.10', **extra):
    return dict({'target': target, 'address': target, 'reachable': reachable, 'sent': 3,
                 'received': 3 if reachable else 0, 'loss_percent': 0.0 if reachable else 100.0,
                 'source_address': source}, **extra)


def facts(name):
    return {'schema_version': 1, 'hostname': name, 'interfaces': [], 'routes': []}


# ----------------------------------------------------------------------------- input

def test_normalise_gives_every_key_a_name_and_the_canonical_address():
    paths = plan.normalise_paths([{'source': 'hostA', 'target_ip': ' 2001:DB8::0001 '},
                                  {'source': 'hostA', 'target_ip': '192.0.2.21', 'target_host': 'vm1',
                                   'hypervisor': 'kvm1', 'name': 'to db'}], HOSTS)
    assert paths[0] == {'name': 'hostA -> 2001:DB8::0001', 'source': 'hostA', 'target_ip': '2001:db8::1',
                        'target_host': None, 'hypervisor': None, 'vmware': {}}
    assert paths[1]['name'] == 'to db' and paths[1]['hypervisor'] == 'kvm1'
    # idempotent: the plan's output is valid input
    assert plan.normalise_paths(paths, HOSTS) == paths


def test_normalise_drops_the_vcenter_password_and_nulls():
    raw = [{'source': 'hostA', 'target_ip': '192.0.2.20',
            'vmware': {'hostname': 'vc', 'username': 'u', 'password': 's3cret', 'pwd': 'x', 'vm_name': 'web01',
                       'datacenter': None}}]
    paths = plan.normalise_paths(raw, HOSTS)
    assert paths[0]['vmware'] == {'hostname': 'vc', 'username': 'u', 'vm_name': 'web01'}
    assert 's3cret' not in json.dumps(paths)
    assert raw[0]['vmware']['password'] == 's3cret'      # input not mutated


@pytest.mark.parametrize('raw,needle', [
    ([], 'diagnose_paths is empty'),
    (None, 'diagnose_paths is empty'),
    ({'source': 'hostA'}, 'must be a list'),
    ([{'target_ip': '192.0.2.1'}], 'diagnose_paths[0]: source is required'),
    ([{'source': 'hostA', 'target_ip': ''}], 'diagnose_paths[0]: target_ip is required'),
    ([{'source': 'hostA', 'target_ip': 'not-an-ip'}], 'target_ip must be an IPv4 or IPv6 address'),
    ([{'source': 'hostA', 'target_ip': '10.210.0.300'}], "target_ip must be an IPv4 or IPv6 address (got '10.210.0.300')"),
    ([{'source': 'hostA', 'target_ip': '192.0.2.1'}, {'source': 'ghost', 'target_ip': '192.0.2.2'}],
     "diagnose_paths[1] (ghost -> 192.0.2.2) is invalid: source, target_host and hypervisor must be inventory hosts; "
     "not in the inventory: source 'ghost'"),
    ([{'source': 'hostA', 'target_ip': '192.0.2.1', 'hypervisor': 'kvm9'}], "hypervisor 'kvm9'"),
    ([{'source': 'hostA', 'target_ip': '192.0.2.1', 'vmware': 'vc1'}], 'vmware must be a dict'),
    (['hostA'], 'must be a dict with source and target_ip'),
])
def test_bad_input_fails_with_a_clear_message(raw, needle):
    with pytest.raises(DoctorError) as exc:
        plan.normalise_paths(raw, HOSTS, 'diagnose_paths')
    assert needle in exc.value.message


def test_without_an_inventory_hosts_are_not_checked():
    assert plan.normalise_paths([{'source': 'ghost', 'target_ip': '192.0.2.1'}])[0]['source'] == 'ghost'


def test_credentials_by_vcenter_port_and_user():
    raw = [{'source': 'a', 'target_ip': '192.0.2.1', 'vmware': {'hostname': 'vc', 'username': 'u', 'password': 'p1'}},
           {'source': 'a', 'target_ip': '192.0.2.2', 'vmware': {'hostname': 'vc', 'port': 8443, 'username': 'u', 'pass': 7}},
           {'source': 'a', 'target_ip': '192.0.2.3', 'vmware': {'hostname': 'vc2'}},
           {'source': 'a', 'target_ip': '192.0.2.4'}]
    assert plan.vmware_credentials(raw) == {'vc|443|u': 'p1', 'vc|8443|u': '7'}
    assert plan.credentials_key({}) == 'None|443|None'


def test_vmware_scopes_once_per_vcenter_user_vm_and_datacenter():
    paths = plan.normalise_paths([
        {'source': 'hostA', 'target_ip': '192.0.2.1', 'vmware': {'hostname': 'vc', 'username': 'u', 'vm_name': 'a'}},
        {'source': 'hostB', 'target_ip': '192.0.2.1',
         'vmware': {'hostname': 'vc', 'username': 'u', 'vm_name': 'a', 'password': 'p'}},
        {'source': 'hostA', 'target_ip': '192.0.2.2',
         'vmware': {'hostname': 'vc', 'username': 'u', 'vm_name': 'b', 'datacenter': 'DC1'}},
        {'source': 'hostA', 'target_ip': '192.0.2.3', 'vmware': {'hostname': 'vc'}},      # no vm_name: no read
        {'source': 'hostA', 'target_ip': '192.0.2.4'}], HOSTS)
    scopes = plan.vmware_scopes(paths)
    assert [s['key'] for s in scopes] == ['vc|443|u|a|', 'vc|443|u|b|DC1']
    assert scopes[0]['credentials'] == 'vc|443|u' and 'password' not in scopes[0]['vmware']


# ----------------------------------------------------------------------------- collection plan

PATHS = plan.normalise_paths([
    {'source': 'hostA', 'target_ip': '192.0.2.20', 'target_host': 'vm1', 'hypervisor': 'kvm1'},
    {'source': 'hostA', 'target_ip': '192.0.2.21', 'hypervisor': 'kvm1'},
    {'source': 'hostB', 'target_ip': '192.0.2.20', 'target_host': 'vm1'},
    {'source': 'hostA', 'target_ip': '192.0.2.20', 'name': 'again'},
])


def test_hosts_involved_sources_then_vms_then_hypervisors():
    assert plan.hosts_involved(PATHS) == ['hostA', 'hostB', 'vm1', 'kvm1']


def test_plan_before_the_probes_knows_targets_and_vm_peers_only():
    before = plan.collection_plan(PATHS)
    assert before['hostA'] == {'targets': ['192.0.2.20', '192.0.2.21'], 'peers': ['192.0.2.20', '192.0.2.21'],
                               'flows': [], 'reverse_targets': []}
    assert before['vm1'] == {'targets': [], 'peers': [], 'flows': [], 'reverse_targets': []}
    assert before['kvm1']['peers'] == ['192.0.2.20', '192.0.2.21'] and before['kvm1']['flows'] == []


def test_plan_after_the_probes_uses_the_source_address_each_probe_used():
    forward = {'hostA': {'results': [probe('192.0.2.20', source='192.0.2.10'),
                                     probe('192.0.2.21', reachable=False, source='192.0.2.10')]},
               'hostB': {'results': [probe('192.0.2.20', source='198.51.100.5')]}}
    assert plan.host_plan(PATHS, 'vm1', forward, reverse_always=True) == {
        'targets': [], 'peers': ['192.0.2.10', '198.51.100.5'], 'flows': [],
        'reverse_targets': ['192.0.2.10', '198.51.100.5']}
    kvm = plan.host_plan(PATHS, 'kvm1', forward)
    assert kvm['peers'] == ['192.0.2.20', '192.0.2.10', '192.0.2.21']
    assert kvm['flows'] == [{'src': '192.0.2.10', 'dst': '192.0.2.20'}, {'src': '192.0.2.10', 'dst': '192.0.2.21'}]


def test_reverse_probe_only_for_paths_whose_forward_probe_failed():
    forward = {'hostA': {'results': [probe('192.0.2.20', source='192.0.2.10')]},
               'hostB': {'results': [probe('192.0.2.20', reachable=False, source='198.51.100.5')]}}
    vm1 = plan.host_plan(PATHS, 'vm1', forward, reverse_always=False)
    assert vm1['reverse_targets'] == ['198.51.100.5'] and vm1['peers'] == ['192.0.2.10', '198.51.100.5']
    assert plan.host_plan(PATHS, 'vm1', forward, reverse_always=True)['reverse_targets'] == [
        '192.0.2.10', '198.51.100.5']


@pytest.mark.parametrize('registered', [
    None, {}, {'failed': True, 'msg': 'boom'}, {'skipped': True}, {'unreachable': True, 'msg': 'x'},
    {'results': [probe('192.0.2.20', source=None)]}])
def test_no_source_address_no_reverse_or_flow(registered):
    forward = {'hostA': registered, 'hostB': registered}
    assert plan.host_plan(PATHS, 'vm1', forward)['reverse_targets'] == []
    assert plan.host_plan(PATHS, 'kvm1', forward)['flows'] == []


# ----------------------------------------------------------------------------- results

def echo(paths):
    """A stand-in engine that returns its input, to look at what it was given."""
    return {'paths': [dict(p, status='ok', findings=[], summary='ok') for p in paths]}


def collected_ok():
    return {
        'facts': {h: {'ansible_facts': {'vmnet_doctor': facts(h)}} for h in ('hostA', 'hostB', 'vm1', 'kvm1')},
        'forward': {'hostA': {'results': [probe('192.0.2.20'), probe('192.0.2.21')]},
                    'hostB': {'results': [probe('192.0.2.20', source='198.51.100.5')]}},
        'forward_large': {'hostA': {'results': [probe('192.0.2.20', size=1472)]}, 'hostB': {'skipped': True}},
        'reverse': {'vm1': {'results': [probe('198.51.100.5', source='192.0.2.20'),
                                        probe('192.0.2.10', source='192.0.2.20')]}},
    }


def test_result_assembles_the_engine_input_per_path():
    out = plan.result(PATHS, collected_ok(), echo)
    assert out['skipped'] == {} and out['unmanaged'] == {}
    first, second, third, fourth = out['paths']
    assert first['source_facts']['hostname'] == 'hostA' and first['target_facts']['hostname'] == 'vm1'
    assert first['hypervisor_facts']['hostname'] == 'kvm1'
    assert first['probes']['forward']['target'] == '192.0.2.20'
    assert first['probes']['forward_large']['size'] == 1472
    # the reverse probe is the VM's ping of the address the source used
    assert first['probes']['reverse']['target'] == '192.0.2.10'
    assert third['probes']['reverse']['target'] == '198.51.100.5' and 'forward_large' not in third['probes']
    assert 'target_facts' not in second and second['target_host'] is None
    assert fourth['name'] == 'again'
    assert out['probes']['vm1']['reverse'][0]['target'] == '198.51.100.5'
    assert out['probes']['kvm1'] == {'forward': [], 'forward_large': [], 'reverse': []}
    assert out['inputs'] == PATHS


def test_a_reverse_probe_sent_with_the_facts_is_the_reverse_probe():
    """net_facts' ``probe`` (the VM's reverse probe in the facts call) stands for the skipped reverse task."""
    collected = collected_ok()
    reverse = collected['reverse'].pop('vm1')
    collected['facts']['vm1']['probe'] = reverse
    collected['reverse']['vm1'] = {'skipped': True, 'changed': False}
    out = plan.result(PATHS, collected, echo)
    assert out['paths'][0]['probes']['reverse']['target'] == '192.0.2.10'
    assert out['probes']['vm1']['reverse'] == reverse['results']
    # a reverse task that ran wins over a probe in the facts
    collected['reverse']['vm1'] = {'results': [probe('192.0.2.10', reachable=False, source='192.0.2.20')]}
    assert plan.result(PATHS, collected, echo)['paths'][0]['probes']['reverse']['reachable'] is False


def test_a_large_probe_sent_with_the_forward_one_is_the_large_probe():
    """icmp_probe's ``large`` (the large probe in the forward probe's call) stands for the large probe task."""
    collected = collected_ok()
    large = collected.pop('forward_large')['hostA']
    collected['forward']['hostA'] = dict(collected['forward']['hostA'], large=large)
    out = plan.result(PATHS, collected, echo)
    assert out['paths'][0]['probes']['forward_large']['size'] == 1472
    assert out['probes']['hostA']['forward_large'] == large['results']


def test_an_unreadable_source_or_a_missing_probe_skips_the_path_with_the_reason():
    collected = collected_ok()
    collected['facts']['hostB'] = {'unreachable': True, 'msg': 'Failed to connect to the host via ssh'}
    collected['facts']['kvm1'] = {'failed': True}
    collected['forward']['hostA'] = {'results': [probe('192.0.2.21')]}
    seen = []
    out = plan.result(PATHS, collected, lambda paths: seen.append(paths) or echo(paths))
    assert out['skipped'] == {'0': 'the probe did not run', '2': 'Failed to connect to the host via ssh',
                              '3': 'the probe did not run'}
    assert out['unmanaged'] == {'hostB': 'Failed to connect to the host via ssh', 'kvm1': 'facts not gathered'}
    # only the second path reached the engine, without the hypervisor's facts
    assert [p['name'] for p in seen[0]] == ['hostA -> 192.0.2.21'] and 'hypervisor_facts' not in seen[0][0]
    skipped = out['paths'][2]
    assert skipped['status'] == 'unexplained' and skipped['reachable'] is None
    assert skipped['checks'][0]['id'] == 'source.managed' and skipped['target_host'] == 'vm1'
    assert skipped['summary'] == ('hostB -> 192.0.2.20: not diagnosed: source host hostB could not be read '
                                  'or probed (Failed to connect to the host via ssh)')
    assert [p['name'] for p in out['paths']] == [p['name'] for p in PATHS]
    assert out['broken_paths'] == ['hostA -> 192.0.2.20', 'hostB -> 192.0.2.20', 'again']


def test_a_failed_forward_probe_gives_its_message():
    collected = collected_ok()
    collected['forward']['hostA'] = {'failed': True, 'msg': 'ping: permission denied'}
    out = plan.result(PATHS[:1], collected, echo)
    assert out['skipped'] == {'0': 'ping: permission denied'}


def test_nothing_to_diagnose_does_not_call_the_engine():
    out = plan.result(PATHS[2:3], {'facts': {}}, lambda paths: pytest.fail('engine called'))
    assert out['skipped'] == {'0': 'facts not gathered'}
    assert out['unmanaged'] == {'hostB': 'facts not gathered', 'vm1': 'facts not gathered'}


def test_vmware_facts_by_scope_and_unread_scopes_as_unmanaged():
    paths = plan.normalise_paths([
        {'source': 'hostA', 'target_ip': '192.0.2.20',
         'vmware': {'hostname': 'vc', 'username': 'u', 'vm_name': 'a', 'password': 'p'}},
        {'source': 'hostA', 'target_ip': '192.0.2.21', 'vmware': {'hostname': 'vc2', 'vm_name': 'b'}}])
    scopes = plan.vmware_scopes(paths)
    registered = {'results': [
        {'__diagnose_scope': scopes[0], 'ansible_loop_var': '__diagnose_scope',
         'ansible_facts': {'vmnet_doctor_vmware': {'vms': ['a']}}},
        {'__diagnose_scope': scopes[1], 'ansible_loop_var': '__diagnose_scope', 'failed': True,
         'msg': 'cannot log in'}]}
    assert plan.vmware_results(registered) == ({scopes[0]['key']: {'vms': ['a']}}, {scopes[1]['key']: 'cannot log in'})
    out = plan.result(paths, collected_ok(), echo, registered)
    assert out['paths'][0]['vmware_facts'] == {'vms': ['a']} and 'vmware_facts' not in out['paths'][1]
    assert out['paths'][0]['vmware'] == {'hostname': 'vc', 'username': 'u', 'vm_name': 'a'}
    assert out['unmanaged'] == {'vc2|443|None|b|': 'cannot log in'}


def test_with_the_real_engine_on_a_recorded_path():
    with open(os.path.join(FIXTURES, 'bridged__vm_icmp_ignore.json')) as handle:
        doc = json.load(handle)
    meta = doc['meta']
    paths = plan.normalise_paths([{'source': meta['source'], 'target_ip': meta['target_ip'],
                                   'target_host': meta['target_host'], 'hypervisor': meta['hypervisor']}])
    collected = {
        'facts': {meta['source']: {'ansible_facts': {'vmnet_doctor': doc['source_facts']}},
                  meta['target_host']: {'ansible_facts': {'vmnet_doctor': doc['target_facts']}},
                  meta['hypervisor']: {'ansible_facts': {'vmnet_doctor': doc['hypervisor_facts']}}},
        'forward': {meta['source']: {'results': [doc['probes']['forward']]}},
    }
    out = plan.result(paths, collected, engine.diagnose)
    assert out['paths'][0]['findings'][0]['code'] == 'ICMP_IGNORED'
    assert out['paths'][0]['target_host'] == meta['target_host'] and out['findings_total'] >= 1


def test_witness_of_a_path_by_role_with_failures_as_unavailable():
    path = {'source': 'host', 'target_host': 'vm1', 'hypervisor': 'hv'}
    registered = {'host': {'witness': {'available': True, 'interfaces': {}}},
                  'hv': {'failed': True, 'msg': 'bpftrace: not found'},
                  'vm1': {'skipped': True}}
    out = plan.witness_of(path, registered)
    assert out == {'source': {'available': True, 'interfaces': {}},
                   'switch': {'available': False, 'why': 'bpftrace: not found'}}
    assert plan.witness_of({'source': 'other'}, registered) == {}
