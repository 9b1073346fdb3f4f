# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""witness_paths: the witness runs only for failed paths, on their hops, with one identifier per run."""
from ansible_collections.vmnet.doctor.plugins.filter.witness_paths import witness_paths

PATHS = [
    {'name': 'a', 'source': 'host', 'target_ip': '10.0.0.11', 'target_host': 'vm1', 'hypervisor': 'hv'},
    {'name': 'b', 'source': 'host', 'target_ip': '10.0.0.12', 'target_host': 'vm2', 'hypervisor': 'hv'},
]


def hostvars(reachable_a, reachable_b):
    return {'localhost': {'__diagnose_plan': {'started': '2026-01-01T00:00:00Z'}},
            'host': {'__diagnose_forward': {'results': [
                {'target': '10.0.0.11', 'reachable': reachable_a, 'source_address': '10.0.0.1'},
                {'target': '10.0.0.12', 'reachable': reachable_b, 'source_address': '10.0.0.1'}]}}}


def test_nothing_to_witness_when_every_probe_answers():
    for host in ('host', 'hv', 'vm1', 'vm2'):
        out = witness_paths(PATHS, hostvars(True, True), host)
        assert out['addresses'] == [] and out['send'] == []


def test_failed_path_is_witnessed_on_its_hops_and_the_source_sends():
    hv = hostvars(False, True)
    src, mid, vm1, vm2 = (witness_paths(PATHS, hv, h) for h in ('host', 'hv', 'vm1', 'vm2'))
    assert src['send'] == ['10.0.0.11'] and mid['send'] == [] and vm1['send'] == []
    assert src['addresses'] == mid['addresses'] == vm1['addresses'] == ['10.0.0.11', '10.0.0.1']
    assert vm2['addresses'] == []
    assert src['identifier'] == mid['identifier'] == vm1['identifier'] != 0


def test_source_that_could_not_probe_still_sends():
    hv = {'localhost': {}, 'host': {}}
    out = witness_paths(PATHS[:1], hv, 'host')
    assert out['send'] == ['10.0.0.11'] and out['addresses'] == ['10.0.0.11']


def test_without_a_host_it_says_which_paths_failed_on_any_host():
    out = witness_paths(PATHS, hostvars(True, False))
    assert out['paths'] == ['b'] and out['addresses'] == ['10.0.0.12', '10.0.0.1'] and out['send'] == []
    assert witness_paths(PATHS, hostvars(True, True))['paths'] == []


def test_two_runs_of_the_same_paths_get_two_identifiers_from_when_they_were_planned():
    first = hostvars(False, True)
    second = hostvars(False, True)
    second['localhost']['__diagnose_plan']['started'] = '2026-01-01T00:00:09.5Z'
    one = witness_paths(PATHS, first, 'host')
    two = witness_paths(PATHS, second, 'host')
    assert one['identifier'] != two['identifier'] and one['token'] != two['token']
    assert witness_paths(PATHS, hostvars(False, True), 'vm1')['identifier'] == one['identifier']
