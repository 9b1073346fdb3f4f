# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""probe.py: bounded options, strict targets, and sends the source refuses reported as data.

The refused sends replay real ping outputs (tests/unit/fixtures/probe/*_route_v4.json, captured by
``capture.py local``) and the route table captured with them."""
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import probe
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import probe as win_probe

FIX = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'probe'))


def _params(**kw):
    p = dict(targets=['10.231.2.2'], count=3, interval=0.2, timeout=1.0, size=56, dont_fragment=False, mtu_sized=False,
             source=None, ip_version='auto', path_mtu=False, path_mtu_max=1500)
    p.update(kw)
    return p


def _no_ping(argv):
    raise AssertionError('ping must not run: %r' % (argv,))


def _no_dns(name, family):
    raise AssertionError('no resolver for %r' % (name,))


def _fails(**kw):
    with pytest.raises(DoctorError) as e:
        probe.run(_no_ping, _params(**kw), resolver=_no_dns, router=lambda a, s: {})
    return e.value


@pytest.mark.parametrize('kw,option,words', [
    (dict(interval=0.0001), 'interval', 'flood'),
    (dict(interval=0.19), 'interval', 'between 0.2 and 60'),
    (dict(interval=61), 'interval', 'between 0.2 and 60'),
    (dict(timeout=0.0001), 'timeout', 'wait for ever'),
    (dict(timeout=0.004), 'timeout', 'between 0.01 and 60'),
    (dict(timeout=1e9), 'timeout', 'between 0.01 and 60'),
    (dict(timeout=float('nan')), 'timeout', 'must be a number'),
    (dict(count=10 ** 12), 'count', 'between 1 and 1000'),
    (dict(count=0), 'count', 'between 1 and 1000'),
    (dict(count=1000, interval=1.0), 'count', 'within 600 s'),
    (dict(source=''), 'source', 'interface name or an IP address'),
    (dict(source='10.1'), 'source', 'not an IP address'),
    (dict(source='eth0; rm -rf /'), 'source', 'neither an IP address nor an interface'),
])
def test_options_out_of_bounds_fail_before_any_ping(kw, option, words):
    err = _fails(**kw)
    assert err.obj == option
    assert words in str(err)


@pytest.mark.parametrize('target,words', [
    ('10.220.1', 'short, hex and octal forms'),
    ('0x7f.1', 'short, hex and octal forms'),
    ('0x7f000001', 'short, hex and octal forms'),
    ('017700000001', 'short, hex and octal forms'),
    ('010.0.0.1', 'short, hex and octal forms'),
    ('999.1.1.1', 'short, hex and octal forms'),
    ('1.2.3.4.5', 'short, hex and octal forms'),
    ('127.1', 'short, hex and octal forms'),
    ('10.0.0.1%eth0', 'only an IPv6 address can carry'),
    ('fe80::1', 'give fe80::1%IFACE'),
    ('fe80::1ff:fe23:4567:890a', 'needs its interface'),
    ('::', 'unspecified'),
    ('0.0.0.0', 'unspecified'),
    ('255.255.255.255', 'broadcast'),
    ('224.0.0.1', 'multicast'),
    ('ff02::1%eth0', 'multicast'),
    ('2001:db8::zz', 'not an IPv6 address'),
    ('-c1', 'not an IP address or resolvable name'),
    ('a b', 'not an IP address or resolvable name'),
])
def test_targets_must_be_real_addresses_never_dns(target, words):
    err = _fails(targets=[target])
    assert err.obj == target
    assert words in str(err)


@pytest.mark.parametrize('target,address', [
    ('10.220.0.1', '10.220.0.1'), (' 192.0.2.1 ', '192.0.2.1'), ('fe80::1%veth0', 'fe80::1%veth0'),
    ('2001:DB8::1', '2001:db8::1'),
])
def test_real_addresses_are_probed_as_written_without_a_resolver(target, address):
    calls = []

    def runner(argv):
        calls.append(argv)
        return 0, '1 packets transmitted, 1 received, 0% packet loss, time 0ms\n', ''
    out = probe.run(runner, _params(targets=[target], count=1), resolver=_no_dns, router=lambda a, s: {})
    assert out['results'][0]['address'] == address
    assert calls[0][-1] == address


def test_link_local_with_a_source_interface_is_accepted():
    assert probe.parse_target('fe80::1', source='veth0') == ('fe80::1', 'ipv6')
    with pytest.raises(DoctorError):
        probe.parse_target('fe80::1', source='fe80::2')


def test_host_names_still_go_to_the_resolver():
    seen = []

    def resolver(name, family):
        seen.append(name)
        return '192.0.2.7'
    out = probe.run(lambda argv: (0, '1 packets transmitted, 1 received, 0% packet loss\n', ''),
                    _params(targets=['vm1.example.org'], count=1), resolver=resolver, router=lambda a, s: {})
    assert seen == ['vm1.example.org'] and out['results'][0]['address'] == '192.0.2.7'


@pytest.mark.parametrize('timeout,interval', [(0.01, 0.2), (0.0149, 0.2001), (60, 60)])
def test_argv_never_floods_nor_waits_for_ever(timeout, interval):
    argv = probe.build_argv('192.0.2.1', count=1, interval=interval, timeout=timeout)
    assert float(argv[argv.index('-W') + 1]) > 0
    assert float(argv[argv.index('-i') + 1]) >= 0.2


@pytest.mark.parametrize('stderr,option', [
    ('ping: bad linger time: 1e9\n', 'timeout'),
    ('ping: bad timing interval: 1e9\n', 'interval'),
    ('ping: invalid argument: \'0\': out of range: 1 <= value <= 9223372036854775807\n', None),
    ('ping: bind: Cannot assign requested address\n', 'source'),
])
def test_an_option_ping_refuses_is_an_input_error_not_unreachable(stderr, option):
    with pytest.raises(DoctorError) as e:
        probe.Prober(lambda argv: (2, '', stderr)).once('192.0.2.1')
    assert stderr.strip() in str(e.value)
    assert e.value.obj == (option or '192.0.2.1')


def _replay(case):
    with open(os.path.join(FIX, case + '.json')) as f:
        ping = json.load(f)
    with open(os.path.join(FIX, case + '.routes.json')) as f:
        routes = f.read()
    calls = []

    def runner(argv):
        calls.append(argv)
        if argv[0] == 'ping':
            return ping['rc'], ping['stdout'], ping['stderr']
        if argv[:4] == ['ip', '-j', 'route', 'get']:
            # What `ip -j route get` says on these routes (same errno as the send; seen in the lab).
            return 2, '', {'blackhole': 'RTNETLINK answers: Invalid argument\n',
                           'prohibit': 'RTNETLINK answers: Permission denied\n',
                           'unreachable': 'RTNETLINK answers: No route to host\n'}[case.split('_')[0]]
        return 0, routes, ''
    runner.calls = calls
    return runner, ping['argv'][-1]


@pytest.mark.parametrize('case,error,kind,dst', [
    ('blackhole_route_v4', 'connect: Invalid argument', 'blackhole', '10.231.7.0/24'),
    ('prohibit_route_v4', 'connect: Permission denied', 'prohibit', '10.231.8.0/24'),
    ('unreachable_route_v4', 'connect: No route to host', 'unreachable', '10.231.9.0/24'),
])
def test_a_send_the_source_refuses_is_data_with_the_route_lookup(case, error, kind, dst):
    runner, target = _replay(case)
    out = probe.run(runner, dict(_params(targets=[target], count=2), ping='ping', ip='ip'),
                    router=lambda a, s: {'source_address': None, 'route_mtu': None})
    r = out['results'][0]
    assert r['reachable'] is False and r['loss_percent'] == 100.0
    assert r['local_error'] == error and r['errors'] == [error]
    assert r['route_lookup']['refusing_route'] == {'type': kind, 'dst': dst, 'table': 'main'}
    assert r['route_lookup']['route'] is None and r['route_lookup']['error'].startswith('RTNETLINK answers')
    assert r['route_lookup']['argv'] == ['ip', '-j', 'route', 'get', target]


def test_refusing_route_prefers_the_longest_prefix_and_ignores_other_families():
    routes = [{'type': 'unreachable', 'dst': 'default', 'table': 'main'},
              {'type': 'blackhole', 'dst': '10.0.0.0/8', 'table': '100'},
              {'type': 'prohibit', 'dst': '10.1.0.0/16', 'table': 'main'},
              {'type': 'blackhole', 'dst': '2001:db8::/32', 'table': 'main'},
              {'type': 'unicast', 'dst': '10.1.2.0/24', 'table': 'main'}]
    assert probe.refusing_route(routes, '10.1.2.3') == {'type': 'prohibit', 'dst': '10.1.0.0/16', 'table': 'main'}
    assert probe.refusing_route(routes, '192.0.2.1')['dst'] == 'default'
    assert probe.refusing_route(routes[3:], '10.1.2.3') is None


def test_a_healthy_probe_runs_no_route_lookup():
    calls = []

    def runner(argv):
        calls.append(argv)
        return 1, '2 packets transmitted, 0 received, 100% packet loss, time 204ms\n', ''
    out = probe.run(runner, dict(_params(count=2), ping='ping', ip='ip'), router=lambda a, s: {})
    assert out['results'][0]['local_error'] is None and out['results'][0]['route_lookup'] is None
    assert [a[0] for a in calls] == ['ping']


@pytest.mark.parametrize('kw,option', [
    (dict(interval=0.0001), 'interval'), (dict(timeout=0.0001), 'timeout'), (dict(count=10 ** 12), 'count'),
    (dict(targets=['10.220.1']), '10.220.1'), (dict(targets=['fe80::1']), 'fe80::1'),
])
def test_the_windows_twin_applies_the_same_bounds(kw, option):
    with pytest.raises(DoctorError) as e:
        win_probe.validate(_params(**kw))
    assert e.value.obj == option
