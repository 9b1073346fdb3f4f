# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""default_gateway and static_route: plan() per state x (new, changed, already right), bad input."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import default_gateway as dg
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import static_route as sr
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import apply

from fi_fakes import FakeRunner, text


def runner(route4='route4_wrong_default.json', route6='route6.json', table100='route4_table100.json'):
    return FakeRunner({
        ('ip', '-j', '-4', 'route', 'show', 'table', 'main'): text(route4),
        ('ip', '-j', '-6', 'route', 'show', 'table', 'main'): text(route6),
        ('ip', '-j', '-4', 'route', 'show', 'table', '100'): text(table100),
        ('ip', '-j', '-d', 'link', 'show'): text('link_d.json'),
        ('ip', '-j', 'addr', 'show'): text('addr.json'),
    })


def dg_params(**kw):
    p = dict(gateway=None, device=None, metric=None, family=None, state='present')
    p.update(kw)
    return p


def dg_run(route4='route4_wrong_default.json', **kw):
    want = dg.want_from_params(dg_params(**kw))
    have = dg.collect(runner(route4), want)
    changes = dg.plan(want, have)
    return want, have, changes


def argvs(changes):
    return [c['argv'] for c in changes]


# ------------------------------------------------------------------ default_gateway

def test_dg_collect_parses_real_routes():
    _w, have, _c = dg_run(gateway='192.0.2.1')
    assert [(r['gateway'], r['dev'], r['metric']) for r in have['defaults']] == [
        ('192.0.2.99', 'eth0', 100), ('203.0.113.1', 'eth1', 200)]


def test_dg_present_new_route_uses_kernel_default_metric():
    want, have, changes = dg_run('route4_nodefault.json', gateway='192.0.2.1')
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1']]
    before, after = dg.states(want, have, changes)
    assert before['default_routes'] == []
    assert after['default_routes'] == [{'dst': '0.0.0.0/0', 'gateway': '192.0.2.1', 'dev': 'eth0', 'metric': 0}]


def test_dg_present_replaces_wrong_preferred_route_keeping_its_metric():
    want, have, changes = dg_run(gateway='192.0.2.1')
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'metric', '100']]
    _before, after = dg.states(want, have, changes)
    # the backup default route (metric 200 via eth1) is left alone
    assert after['default_routes'] == [
        {'dst': '0.0.0.0/0', 'gateway': '192.0.2.1', 'dev': 'eth0', 'metric': 100},
        {'dst': '0.0.0.0/0', 'gateway': '203.0.113.1', 'dev': 'eth1', 'metric': 200}]


def test_dg_present_already_right_via_preferred_route():
    _w, _h, changes = dg_run(gateway='192.0.2.99', device='eth0')
    # 192.0.2.99 is on eth0's subnet and is the preferred default already
    assert changes == []


def test_dg_present_backup_route_is_not_enough_without_metric():
    # 203.0.113.1 has a default route, but at metric 200 it is not the one in use
    _w, _h, changes = dg_run(gateway='203.0.113.1')
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', 'default', 'via', '203.0.113.1', 'metric', '100']]


def test_dg_present_with_metric_targets_that_metric_only():
    _w, _h, changes = dg_run(gateway='203.0.113.1', metric=200)
    assert changes == []
    want, have, changes = dg_run(gateway='192.0.2.1', device='eth0', metric=50)
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'dev', 'eth0',
                               'metric', '50']]
    assert dg.warnings(want, have) == []
    want, have, changes = dg_run(gateway='192.0.2.1', metric=300)
    assert 'stays preferred' in dg.warnings(want, have)[0]


def test_dg_present_device_mismatch_is_a_change():
    _w, _h, changes = dg_run(gateway='192.0.2.99', device='eth0')
    assert changes == []
    with pytest.raises(DoctorError) as e:
        dg_run(gateway='192.0.2.99', device='eth1')
    assert 'not on a connected subnet of device eth1' in str(e.value)


def test_dg_ipv6_already_right_and_changed():
    _w, _h, changes = dg_run(gateway='2001:db8:2::1')
    assert changes == []
    _w, _h, changes = dg_run(gateway='2001:db8:2::2')
    assert argvs(changes) == [['ip', '-6', 'route', 'replace', 'default', 'via', '2001:db8:2::2', 'metric', '1024']]


def test_dg_ipv6_link_local_needs_device():
    with pytest.raises(DoctorError) as e:
        dg_run(gateway='fe80::1')
    assert 'device is required' in str(e.value)
    _w, _h, changes = dg_run(gateway='fe80::1', device='eth0')
    assert argvs(changes) == [['ip', '-6', 'route', 'replace', 'default', 'via', 'fe80::1', 'dev', 'eth0',
                               'metric', '1024']]


def test_dg_absent_by_gateway_and_all():
    want, have, changes = dg_run(gateway='192.0.2.99', state='absent')
    assert argvs(changes) == [['ip', '-4', 'route', 'del', 'default', 'via', '192.0.2.99', 'dev', 'eth0', 'metric', '100']]
    _b, after = dg.states(want, have, changes)
    assert [r['gateway'] for r in after['default_routes']] == ['203.0.113.1']
    _w, _h, changes = dg_run(state='absent')
    assert len(changes) == 2
    _w, _h, changes = dg_run(state='absent', gateway='192.0.2.5')
    assert changes == []
    _w, _h, changes = dg_run('route4_nodefault.json', state='absent')
    assert changes == []


@pytest.mark.parametrize('kw, msg', [
    (dict(gateway='192.0.2.300'), "is not a valid IPv4 or IPv6 address"),
    (dict(gateway='10.9.9.1'), 'gateway 10.9.9.1 is not on a connected subnet of any interface'),
    (dict(gateway='192.0.2.10'), 'is an address of this host'),
    (dict(gateway='192.0.2.1', device='nosuch0'), "device 'nosuch0' does not exist"),
    (dict(gateway='192.0.2.1', family='ipv6'), 'is ipv4 but family is ipv6'),
    (dict(gateway='192.0.2.1', metric=-1), 'out of range'),
    (dict(gateway='192.0.2.1', device='bad/name'), 'not a valid Linux interface name'),
    (dict(), 'gateway is required'),
])
def test_dg_bad_input_is_refused_before_any_change(kw, msg):
    r = runner()
    with pytest.raises(DoctorError) as e:
        want = dg.want_from_params(dg_params(**kw))
        dg.plan(want, dg.collect(r, want))
    assert msg in str(e.value)
    assert r.ran == []


def test_apply_runs_in_order_and_reports_partial_failure():
    r = FakeRunner(fail={('b',): 'RTNETLINK answers: Operation not supported'})
    with pytest.raises(DoctorError) as e:
        apply(r, [{'argv': ['a']}, {'argv': ['b']}, {'argv': ['c']}])
    assert 'already applied before the failure, and left in place: a' in str(e.value)
    assert r.ran == [['a']]
    r = FakeRunner(fail={('a',): 'boom'})
    with pytest.raises(DoctorError) as e:
        apply(r, [{'argv': ['a']}])
    assert str(e.value).endswith('(nothing was changed)')


# ------------------------------------------------------------------ static_route

def sr_run(**kw):
    p = dict(prefix='10.20.0.0/16', gateway=None, device=None, metric=None, table='main', state='present')
    p.update(kw)
    want = sr.want_from_params(p)
    have = sr.collect(runner(), want)
    return want, have, sr.plan(want, have)


def test_sr_present_new():
    want, have, changes = sr_run(prefix='10.60.0.0/24', gateway='192.0.2.20')
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', '10.60.0.0/24', 'via', '192.0.2.20']]
    _b, after = sr.states(want, have, changes)
    assert after['routes'] == [{'dst': '10.60.0.0/24', 'gateway': '192.0.2.20', 'dev': 'eth0', 'metric': 0}]


def test_sr_present_already_right_and_changed():
    assert sr_run(gateway='192.0.2.20')[2] == []
    assert sr_run(gateway='192.0.2.20', device='eth0', metric=0)[2] == []
    assert argvs(sr_run(gateway='192.0.2.1')[2]) == [
        ['ip', '-4', 'route', 'replace', '10.20.0.0/16', 'via', '192.0.2.1', 'metric', '0']]


def test_sr_host_route_is_matched_as_32():
    assert sr_run(prefix='10.40.0.5/32', gateway='192.0.2.20')[2] == []


def test_sr_blackhole_is_replaced_and_removable():
    _w, _h, changes = sr_run(prefix='10.30.0.0/16', gateway='192.0.2.20')
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', '10.30.0.0/16', 'via', '192.0.2.20', 'metric', '0']]
    _w, _h, changes = sr_run(prefix='10.30.0.0/16', state='absent')
    assert argvs(changes) == [['ip', '-4', 'route', 'del', 'blackhole', '10.30.0.0/16', 'metric', '0']]


def test_sr_direct_route_replaces_gatewayed_one():
    _w, _h, changes = sr_run(device='eth0')
    assert argvs(changes) == [['ip', '-4', 'route', 'replace', '10.20.0.0/16', 'dev', 'eth0', 'metric', '0']]
    assert sr_run(prefix='192.0.2.0/24', device='eth0')[2] == []


def test_sr_other_table():
    assert sr_run(prefix='10.50.0.0/24', gateway='192.0.2.20', table='100')[2] == []
    _w, _h, changes = sr_run(prefix='10.50.0.0/24', table='100', state='absent')
    assert argvs(changes) == [['ip', '-4', 'route', 'del', '10.50.0.0/24', 'via', '192.0.2.20', 'dev', 'eth0',
                               'metric', '0', 'table', '100']]


def test_sr_absent_existing_filtered_and_missing():
    want, have, changes = sr_run(state='absent')
    assert argvs(changes) == [['ip', '-4', 'route', 'del', '10.20.0.0/16', 'via', '192.0.2.20', 'dev', 'eth0', 'metric', '0']]
    assert sr.states(want, have, changes)[1]['routes'] == []
    assert sr_run(state='absent', gateway='192.0.2.1')[2] == []
    assert sr_run(prefix='10.61.0.0/24', state='absent')[2] == []


@pytest.mark.parametrize('kw, msg', [
    (dict(prefix='10.20.0.1/16', gateway='192.0.2.20'), 'has host bits set (did you mean 10.20.0.0/16?)'),
    (dict(prefix='10.20.0.0/33', gateway='192.0.2.20'), 'is not a valid IPv4 or IPv6 prefix'),
    (dict(prefix='10.20.0.0/16', gateway='2001:db8:2::1'), 'is ipv6 but prefix 10.20.0.0/16 is ipv4'),
    (dict(prefix='10.20.0.0/16'), 'needs gateway, device or both'),
    (dict(prefix='10.20.0.0/16', gateway='10.1.1.1'), 'not on a connected subnet'),
    (dict(prefix='10.20.0.0/16', device='nosuch0'), "device 'nosuch0' does not exist"),
    (dict(prefix='10.20.0.0/16', gateway='192.0.2.20', table='local'), 'not a routing table this module manages'),
])
def test_sr_bad_input(kw, msg):
    with pytest.raises(DoctorError) as e:
        sr_run(**kw)
    assert msg in str(e.value)


def test_sr_empty_table_that_does_not_exist_yet():
    # real iproute2 6.1: `ip -j -4 route show table 200` on a table without routes prints
    # "Error: ipv4: FIB table does not exist." and exits 2
    r = runner()
    r.fail[('ip', '-j', '-4', 'route', 'show', 'table', '200')] = 'Error: ipv4: FIB table does not exist.\nDump terminated\n'
    want = sr.want_from_params(dict(prefix='10.70.0.0/24', gateway='192.0.2.20', device=None, metric=None,
                                    table='200', state='present'))
    have = sr.collect(r, want)
    assert argvs(sr.plan(want, have)) == [['ip', '-4', 'route', 'replace', '10.70.0.0/24', 'via', '192.0.2.20',
                                           'table', '200']]


def test_dg_gateway_behind_a_device_route_counts_as_connected():
    import json
    routes = json.loads(text('route4_nodefault.json')) + [{'dst': '10.77.0.0/24', 'dev': 'eth1', 'scope': 'link', 'flags': []}]
    r = runner()
    r.outputs[('ip', '-j', '-4', 'route', 'show', 'table', 'main')] = json.dumps(routes)
    want = dg.want_from_params(dg_params(gateway='10.77.0.1'))
    have = dg.collect(r, want)
    assert argvs(dg.plan(want, have)) == [['ip', '-4', 'route', 'replace', 'default', 'via', '10.77.0.1']]
    assert dg.states(want, have, dg.plan(want, have))[1]['default_routes'][0]['dev'] == 'eth1'
    with pytest.raises(DoctorError):
        dg.plan(dg.want_from_params(dg_params(gateway='10.77.0.1', device='eth0')), have)


def test_read_table_failure_on_main_is_an_error():
    from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import routes
    from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState
    r = FakeRunner(fail={('ip', '-j', '-4', 'route', 'show', 'table', 'main'): 'Error: something else'})
    with pytest.raises(DoctorError) as e:
        routes.read_table(KernelState(r), 'ipv4', 'main')
    assert 'ip -j -4 route show table main` failed' in str(e.value)
