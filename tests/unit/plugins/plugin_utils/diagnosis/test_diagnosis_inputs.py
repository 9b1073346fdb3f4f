# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine on paths that test nothing (input errors), on sends the source refuses, on secondary
addresses and on an unreadable vCenter (issue 11 points 6, issue 12 item 3)."""
import pytest

import diagnosis_builders as b
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine


def run(path):
    return engine.diagnose([path])['paths'][0]


def codes(res):
    return [f['code'] for f in res['findings']]


# ------------------------------------------------------------------ target_ip that names no VM
@pytest.mark.parametrize('target,words', [
    ('10.10.0.1', 'an address of the source lab-host itself (interface eth0)'),
    ('10.10.0.254', 'an address of the hypervisor lab-hv itself (interface br0)'),
    ('10.10.0.77', 'is not an address of target_host lab-vm1 (it holds 10.10.0.11/24)'),
])
def test_a_target_that_is_no_address_of_the_vm_is_an_input_error(target, words):
    p = b.path(b.bridged(), reachable=True)
    p['target_ip'] = target
    with pytest.raises(DoctorError) as e:
        engine.diagnose([p])
    assert words in str(e.value)
    assert 'paths[0]' in str(e.value) and e.value.obj == target


def test_source_own_address_without_vm_facts_is_an_input_error():
    p = b.path(b.bridged(), reachable=True, with_vm=False)
    p['target_ip'] = '10.10.0.1'
    with pytest.raises(DoctorError) as e:
        engine.diagnose([p])
    assert 'source lab-host itself' in str(e.value)


def test_a_real_conflict_stays_a_finding():
    """The VM holds the address and so does another host: a conflict, not a typo."""
    world = b.bridged()
    b.get_iface(world['hv'], 'br0')['addresses'].append(b.addr('10.10.0.11/24'))
    assert 'IP_CONFLICT' in codes(run(b.path(world)))


def test_a_vm_without_any_address_keeps_address_missing():
    world = b.bridged()
    b.get_iface(world['vm'], 'eth0')['addresses'] = []
    assert 'ADDRESS_MISSING' in codes(run(b.path(world)))


# ------------------------------------------------------------------ sends the source refuses
def _refused(world, error, refusing=None):
    fwd = b.probe(False, errors=[error])
    fwd.update(sent=0, local_error=error,
               route_lookup={'argv': ['ip', '-j', 'route', 'get', world['vm_ip']], 'route': None,
                             'error': 'RTNETLINK answers: Invalid argument', 'refusing_route': refusing})
    return fwd


def test_a_refused_send_is_a_probed_broken_path_located_on_the_source():
    world = b.bridged()
    p = b.path(world, forward=_refused(world, 'connect: Permission denied'))
    res = run(p)
    assert res['status'] == 'broken'
    assert codes(res) == ['SEND_REFUSED']
    f = res['findings'][0]
    assert f['host'] == 'lab-host' and f['confidence'] == 'high' and f['fix']['manual']
    assert f['evidence']['local_error'] == 'connect: Permission denied'
    probe_check = [c for c in res['checks'] if c['id'] == 'probe.forward'][0]
    assert 'the source refused to send it: connect: Permission denied' in probe_check['detail']


def test_a_refused_send_names_the_refusing_route_and_how_to_remove_it():
    world = b.bridged()
    route = {'type': 'prohibit', 'dst': '10.10.0.11', 'table': '100'}
    res = run(b.path(world, forward=_refused(world, 'connect: Permission denied', route)))
    f = [x for x in res['findings'] if x['code'] == 'SEND_REFUSED'][0]
    assert f['object'] == {'type': 'route', 'destination': '10.10.0.11', 'route_type': 'prohibit', 'table': '100'}
    assert '`ip route del prohibit 10.10.0.11 table 100`' in f['fix']['reason']


def test_a_blackhole_route_the_lookup_cannot_name_is_found_in_the_route_table():
    """``ip route get`` fails with EINVAL on a blackhole route: the table names it (manual fix, not
    a static_route that the more specific blackhole would still override)."""
    world = b.bridged()
    world['host']['routes'].append(b.route('10.10.0.11/32', None, rtype='blackhole'))
    lookup = b.get_lookup(world['host'], '10.10.0.11')
    lookup.update(ok=False, error='Invalid argument', type=None, dev=None, prefsrc=None, table=None)
    res = run(b.path(world, forward=_refused(world, 'connect: Invalid argument')))
    f = [x for x in res['findings'] if x['code'] == 'NO_ROUTE'][0]
    assert f['fix']['manual'] and 'blackhole route covers 10.10.0.11' in f['fix']['reason']


# ------------------------------------------------------------------ unreadable vCenter
def test_an_unreadable_vcenter_never_gives_ok():
    p = b.path(b.bridged(), reachable=True)
    p['vmware'] = {'hostname': 'vc.example.org', 'vm_name': 'vm1'}
    res = run(p)
    assert res['status'] == 'degraded'
    assert 'vSphere facts' in res['summary'] and 'passed' not in res['summary'].split(';')[0]
    check = [c for c in res['checks'] if c['id'] == 'vmware.facts'][0]
    assert check['status'] == 'fail'


def test_an_unreadable_vcenter_on_a_broken_path_is_unexplained_not_ok():
    p = b.path(b.bridged(), reachable=False)
    p['vmware'] = {'hostname': 'vc.example.org', 'vm_name': 'vm1'}
    res = run(p)
    assert res['status'] == 'unexplained'
    assert 'vSphere facts' in res['summary']
