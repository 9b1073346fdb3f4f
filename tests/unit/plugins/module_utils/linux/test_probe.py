# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""probe.py: parser on real ping outputs (tests/unit/fixtures/probe, see README there)."""
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import probe
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

FIX = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'probe'))


def fixture(name):
    with open(os.path.join(FIX, name + '.json')) as f:
        return json.load(f)


def parsed(name):
    d = fixture(name)
    return probe.parse_ping(d['stdout'], d['stderr'], d['rc'])


def test_success_v4():
    p = parsed('success_v4')
    assert (p['sent'], p['received'], p['loss_percent']) == (3, 3, 0.0)
    assert p['rtt'] == {'min': 0.054, 'avg': 0.105, 'max': 0.209, 'mdev': 0.073}
    assert p['errors'] == [] and p['frag_needed'] is False and p['reported_mtu'] is None


def test_success_interface_bound():
    p = parsed('success_iface_v4')
    assert (p['sent'], p['received']) == (3, 3)
    assert p['rtt']['max'] == 0.143


@pytest.mark.parametrize('name', ['loss_total_v4', 'output_drop_v4', 'loss_total_v6'])
def test_total_loss(name):
    p = parsed(name)
    assert p['received'] == 0 and p['sent'] > 0
    assert p['loss_percent'] == 100.0
    assert p['rtt'] == {'min': None, 'avg': None, 'max': None, 'mdev': None}
    assert p['errors'] == []


def test_partial_loss():
    p = parsed('loss_partial_v4')
    assert (p['sent'], p['received'], p['loss_percent']) == (4, 2, 50.0)
    assert p['rtt']['avg'] == 0.064


def test_reject_packet_filtered():
    p = parsed('reject_v4')
    assert p['received'] == 0 and p['errors_count'] == 3
    assert p['errors'] == ['Packet filtered']


def test_frag_needed_v4():
    p = parsed('frag_needed_v4')
    assert p['frag_needed'] is True
    assert p['reported_mtu'] == 1400
    assert p['errors'] == ['Frag needed and DF set (mtu = 1400)', 'local error: message too long, mtu=1400']
    assert (p['sent'], p['received'], p['errors_count']) == (3, 0, 3)


def test_local_message_too_long_is_not_frag_needed():
    p = parsed('local_msgsize_v4')
    assert p['frag_needed'] is False
    assert p['reported_mtu'] == 1500
    assert p['errors'] == ['local error: message too long, mtu=1500']


def test_df_ok():
    p = parsed('df_ok_v4')
    assert p['received'] == 1 and p['errors'] == []


def test_unreachable_v4():
    p = parsed('unreachable_v4')
    assert p['received'] == 0 and p['loss_percent'] == 100.0
    assert p['errors'] == ['Destination Host Unreachable']


def test_unreachable_v6():
    p = parsed('unreachable_v6')
    assert p['errors'] == ['Destination unreachable: Address unreachable']
    assert p['errors_count'] == 3


def test_full_path_argv0_prefix():
    p = probe.parse_ping('', '/usr/bin/ping: connect: Network is unreachable\n', 2)
    assert p['errors'] == ['connect: Network is unreachable']


def test_no_route_sends_nothing():
    p = parsed('no_route_v4')
    assert p['sent'] == 0 and p['received'] == 0 and p['loss_percent'] == 100.0
    assert p['errors'] == ['connect: Network is unreachable']


def test_success_v6():
    p = parsed('success_v6')
    assert (p['sent'], p['received']) == (3, 3)
    assert p['rtt']['min'] == 0.058


def test_packet_too_big_v6():
    p = parsed('packet_too_big_v6')
    assert p['frag_needed'] is True and p['reported_mtu'] == 1400
    assert p['errors'][0] == 'Packet too big: mtu=1400'
    assert 'local error: message too long, mtu: 1400' in p['errors']


def test_build_argv_full():
    argv = probe.build_argv('192.0.2.20', count=2, interval=0.5, timeout=1, size=1472,
                            dont_fragment=True, source='eth0', ping='/usr/bin/ping')
    assert argv == ['/usr/bin/ping', '-4', '-n', '-c', '2', '-i', '0.5', '-W', '1', '-s', '1472',
                    '-M', 'do', '-I', 'eth0', '192.0.2.20']


def test_build_argv_v6_defaults():
    assert probe.build_argv('fd00::1') == ['ping', '-6', '-n', '-c', '3', '-i', '0.2', '-W', '1', '-s', '56',
                                           'fd00::1']


def test_build_argv_refuses_unresolved():
    with pytest.raises(DoctorError) as e:
        probe.build_argv('vm1; rm -rf /')
    assert 'resolved address' in str(e.value)


@pytest.mark.parametrize('target', ['', '-c1', 'a b', 'bad..name', None])
def test_resolve_rejects(target):
    with pytest.raises(DoctorError) as e:
        probe.resolve(target)
    assert 'not an IP address or resolvable name' in str(e.value)


def test_resolve_canonical_and_family():
    assert probe.resolve('fd00:0::0001') == 'fd00::1'
    assert probe.resolve('localhost', 'ipv4') == '127.0.0.1'
    with pytest.raises(DoctorError) as e:
        probe.resolve('192.0.2.1', 'ipv6')
    assert 'ipv4 address but ip_version is ipv6' in str(e.value)


class PathRunner(object):
    """Replays real captured outputs for a path whose MTU is ``mtu``: sizes that fit get the
    captured DF success, bigger ones the captured answer (router Frag needed, or silent drop)."""

    def __init__(self, mtu, oversize='frag_needed_v4'):
        self.mtu = mtu
        self.ok = fixture('df_ok_v4')
        self.bad = fixture(oversize)
        self.calls = []
        self.df = []

    def __call__(self, argv):
        size = int(argv[argv.index('-s') + 1])
        self.df.append(argv[argv.index('-M') + 1] == 'do' if '-M' in argv else False)
        self.calls.append(size + 28)
        d = self.ok if size + 28 <= self.mtu else self.bad
        return d['rc'], d['stdout'], d['stderr']


def test_path_mtu_uses_reported_mtu():
    r = PathRunner(1400)
    found, seen = probe.Prober(r).path_mtu('10.231.2.2', 1500)
    assert found == 1400
    assert r.calls == [1500, 1400]
    assert seen[0]['frag_needed'] is True


@pytest.mark.parametrize('mtu', [68, 1000, 1283, 1499])
def test_path_mtu_binary_search_silent_drop(mtu):
    r = PathRunner(mtu, oversize='loss_total_v4')
    found = probe.Prober(r).path_mtu('10.231.2.2', 1500)[0]
    assert found == mtu
    assert len(r.calls) <= 14
    assert all(r.df)  # every search step has don't-fragment set


def test_path_mtu_max_passes_in_one_ping():
    r = PathRunner(9000)
    assert probe.Prober(r).path_mtu('10.231.2.2', 1500)[0] == 1500
    assert r.calls == [1500]


def test_path_mtu_none_when_min_fails():
    r = PathRunner(10, oversize='loss_total_v4')
    assert probe.Prober(r).path_mtu('10.231.2.2', 1500)[0] is None


def ROUTER(address, source):
    return {'source_address': '10.231.1.2', 'route_mtu': 1500}


def _params(**kw):
    p = dict(targets=['10.231.2.2'], count=3, interval=0.2, timeout=1.0, size=56, dont_fragment=False, mtu_sized=False,
             source=None, ip_version='auto', path_mtu=False, path_mtu_max=1500)
    p.update(kw)
    return p


def replay(name):
    d = fixture(name)
    calls = []

    def runner(argv):
        calls.append(argv)
        return d['rc'], d['stdout'], d['stderr']
    runner.calls = calls
    return runner


def test_run_unreachable_is_data():
    out = probe.run(replay('unreachable_v4'), _params(targets=['10.231.1.99']), router=ROUTER)
    r = out['results'][0]
    assert out['reachable_all'] is False
    assert r['reachable'] is False and r['errors'] == ['Destination Host Unreachable']
    assert r['path_mtu'] is None and r['target'] == '10.231.1.99'


def test_run_path_mtu_merges_search_errors():
    runner = PathRunner(1400)
    seq = iter([fixture('success_v4')])

    def first_then_path(argv):
        if '-M' not in argv:
            d = next(seq)
            return d['rc'], d['stdout'], d['stderr']
        return runner(argv)
    out = probe.run(first_then_path, _params(path_mtu=True), router=ROUTER)
    r = out['results'][0]
    assert out['reachable_all'] is True
    assert r['path_mtu'] == 1400 and r['frag_needed'] is True and r['reported_mtu'] == 1400
    assert 'Frag needed and DF set (mtu = 1400)' in r['errors']


@pytest.mark.parametrize('kw,word', [
    (dict(count=0), 'count'), (dict(count=-1), 'count'), (dict(size=-1), 'size'),
    (dict(size=70000), 'size'), (dict(interval=0), 'interval'), (dict(timeout=0), 'timeout'),
    (dict(path_mtu_max=40), 'path_mtu_max'), (dict(targets=[]), 'targets'),
    (dict(targets=['fd00::1'], size=65500), 'size'),
])
def test_run_rejects_bad_options_before_any_ping(kw, word):
    runner = replay('success_v4')
    with pytest.raises(DoctorError) as e:
        probe.run(runner, _params(**kw))
    assert e.value.obj == word
    assert runner.calls == []


def test_run_bad_target_fails_before_any_ping():
    runner = replay('success_v4')
    with pytest.raises(DoctorError) as e:
        probe.run(runner, _params(targets=['10.231.2.2', 'not a host']))
    assert e.value.obj == 'not a host'
    assert runner.calls == []


def test_bad_source_interface_fails():
    def runner(argv):
        return 2, '', 'ping: SO_BINDTODEVICE nosuch0: No such device\n'
    with pytest.raises(DoctorError) as e:
        probe.run(runner, _params(source='nosuch0'))
    assert 'No such device' in str(e.value)


def test_route_mtu_caps_path_mtu_search():
    runner = PathRunner(1400)
    seq = iter([fixture('success_v4')])

    def first_then_path(argv):
        if '-M' not in argv:
            d = next(seq)
            return d['rc'], d['stdout'], d['stderr']
        return runner(argv)
    out = probe.run(first_then_path, _params(path_mtu=True, path_mtu_max=9000), router=ROUTER)
    r = out['results'][0]
    assert runner.calls[0] == 1500  # not 9000: the route MTU is 1500
    assert r['path_mtu'] == 1400
    assert (r['source_address'], r['route_mtu']) == ('10.231.1.2', 1500)


def test_route_info_loopback_sends_nothing():
    info = probe.route_info('127.0.0.1')
    assert info['source_address'] == '127.0.0.1'
    assert info['route_mtu'] in (65535, 65536)  # lo MTU, as the kernel caps it for local routes
    assert info['route_error'] is None


def test_mtu_sized_uses_route_mtu():
    runner = replay('df_ok_v4')
    out = probe.run(runner, _params(mtu_sized=True, dont_fragment=True, count=1),
                    router=lambda a, s: {'source_address': '10.231.1.2', 'route_mtu': 1400})
    argv = runner.calls[0]
    assert argv[argv.index('-s') + 1] == '1372'
    assert out['results'][0]['size'] == 1372


def test_mtu_sized_without_route_keeps_size():
    runner = replay('no_route_v4')
    out = probe.run(runner, _params(mtu_sized=True, size=100),
                    router=lambda a, s: {'source_address': None, 'route_mtu': None})
    assert runner.calls[0][runner.calls[0].index('-s') + 1] == '100'
    assert out['results'][0]['reachable'] is False


def test_many_targets_keep_order_and_run_in_parallel():
    import threading
    import time
    ok, lost = fixture('success_v4'), fixture('loss_total_v4')
    active = {'now': 0, 'max': 0}
    lock = threading.Lock()

    def runner(argv):
        with lock:
            active['now'] += 1
            active['max'] = max(active['max'], active['now'])
        time.sleep(0.05)
        with lock:
            active['now'] -= 1
        d = lost if argv[-1].endswith('.9') else ok
        return d['rc'], d['stdout'], d['stderr']
    targets = ['10.0.0.%d' % i for i in range(1, 11)]
    out = probe.run(runner, _params(targets=targets), router=ROUTER)
    assert [r['target'] for r in out['results']] == targets
    assert [r['reachable'] for r in out['results']] == [t != '10.0.0.9' for t in targets]
    assert out['reachable_all'] is False
    assert 1 < active['max'] <= probe.MAX_PARALLEL


def routed_runner(case):
    """ping answers with total loss; ``ip -j route get`` answers as recorded in route_get.json[case]."""
    routes = fixture('route_get')[case]
    lost = fixture('loss_total_v4')
    calls = []

    def runner(argv):
        calls.append(list(argv))
        if argv[1:4] == ['-j', 'route', 'get']:
            return routes['rc'], routes['stdout'], routes['stderr']
        return lost['rc'], lost['stdout'], lost['stderr']
    runner.calls = calls
    return runner


def _wait(argv):
    return argv[argv.index('-W') + 1]


@pytest.mark.parametrize('case,on_link,wait', [
    ('on_link', True, '0.3'), ('via_gateway', False, '1'), ('local', None, '1'), ('no_route', None, '1'),
])
def test_onlink_timeout_shortens_the_wait_only_for_a_target_on_the_own_link(case, on_link, wait):
    runner = routed_runner(case)
    out = probe.run(runner, _params(onlink_timeout=0.3, ip='/usr/sbin/ip'), router=ROUTER)
    r = out['results'][0]
    pings = [c for c in runner.calls if c[0] == 'ping']
    assert len(pings) == 1 and _wait(pings[0]) == wait
    assert r['on_link'] is on_link and r['timeout'] == float(wait) and r['reachable'] is False


def test_onlink_timeout_not_below_timeout_asks_nothing_more():
    runner = routed_runner('on_link')
    r = probe.run(runner, _params(timeout=0.5, onlink_timeout=0.5, ip='/usr/sbin/ip'), router=ROUTER)['results'][0]
    assert [c[0] for c in runner.calls] == ['ping'] and _wait(runner.calls[0]) == '0.5'
    assert r['on_link'] is None and r['timeout'] == 0.5


@pytest.mark.parametrize('value', [0, -1, 61, True, float('nan'), '0.3'])
def test_bad_onlink_timeout_fails_before_any_ping(value):
    runner = routed_runner('on_link')
    with pytest.raises(DoctorError) as e:
        probe.run(runner, _params(onlink_timeout=value, ip='/usr/sbin/ip'))
    assert e.value.obj == 'onlink_timeout' and runner.calls == []


def large_runner():
    """Real outputs: the small probe (no -M) answers, the large one (-M do) answers too (df_ok_v4)."""
    calls = []

    def runner(argv):
        calls.append(list(argv))
        d = fixture('df_ok_v4' if '-M' in argv else 'success_v4')
        return d['rc'], d['stdout'], d['stderr']
    runner.calls = calls
    return runner


def test_large_probe_goes_with_the_small_one_to_the_targets_that_answered():
    runner = large_runner()
    out = probe.run(runner, _params(targets=['10.231.2.2'], large={'size': 0}), router=ROUTER)
    assert out['results'][0]['reachable'] is True and out['results'][0]['dont_fragment'] is False
    big = out['large']['results']
    assert len(big) == 1 and big[0]['dont_fragment'] is True and big[0]['sent'] == 1
    # sized to the route MTU (ROUTER says 1500): 1500 - 28 bytes of headers
    assert big[0]['size'] == 1472 and out['large']['reachable_all'] is True
    larges = [c for c in runner.calls if '-M' in c]
    assert len(larges) == 1 and larges[0][larges[0].index('-s') + 1] == '1472' and larges[0][-1] == '10.231.2.2'


def test_large_probe_skips_a_target_that_did_not_answer_and_those_not_asked():
    out = probe.run(replay('loss_total_v4'), _params(targets=['10.231.2.2'], large={}), router=ROUTER)
    assert out['results'][0]['reachable'] is False and out['large'] == {'results': [], 'reachable_all': True}
    runner = large_runner()
    out = probe.run(runner, _params(targets=['10.231.2.2', '10.231.2.3'], large={'targets': ['10.231.2.3'], 'size': 1000}),
                    router=ROUTER)
    assert [r['target'] for r in out['large']['results']] == ['10.231.2.3']
    assert [c[c.index('-s') + 1] for c in runner.calls if '-M' in c] == ['1000']
    assert 'large' not in probe.run(large_runner(), _params(), router=ROUTER)


@pytest.mark.parametrize('large', [{'targets': ['10.9.9.9']}, {'size': -1}, {'size': 70000}, 'yes'])
def test_bad_large_fails_before_any_ping(large):
    runner = large_runner()
    with pytest.raises(DoctorError) as e:
        probe.run(runner, _params(large=large))
    assert e.value.obj == 'large' and runner.calls == []


@pytest.mark.parametrize('rtt,wait', [(0.5, '0.3'), (45.0, '0.45'), (250.0, '1'), (0, '0.3')])
def test_expected_rtt_bounds_the_wait_never_above_timeout_nor_below_the_floor(rtt, wait):
    runner = routed_runner('via_gateway')
    out = probe.run(runner, _params(targets=['10.231.2.2', '10.231.2.3'], expected_rtt={'10.231.2.2': rtt},
                                    ip='/usr/sbin/ip'), router=ROUTER)
    waits = dict((c[-1], _wait(c)) for c in runner.calls if c[0] == 'ping')
    # ten times the round trip, at least 0.3 s, at most the timeout; a target without one waits the timeout
    assert waits == {'10.231.2.2': wait, '10.231.2.3': '1'}
    assert [r['timeout'] for r in out['results']] == [float(wait), 1.0]
    assert [r['reachable'] for r in out['results']] == [False, False]


def test_expected_rtt_under_the_onlink_wait_only_shortens_it():
    runner = routed_runner('on_link')
    r = probe.run(runner, _params(onlink_timeout=0.5, expected_rtt={'10.231.2.2': 0.2}, ip='/usr/sbin/ip'),
                  router=ROUTER)['results'][0]
    assert r['on_link'] is True and r['timeout'] == 0.3
    runner = routed_runner('on_link')
    r = probe.run(runner, _params(onlink_timeout=0.3, expected_rtt={'10.231.2.2': 80.0}, ip='/usr/sbin/ip'),
                  router=ROUTER)['results'][0]
    assert r['timeout'] == 0.3          # never longer than the wait that applied without it


def test_the_large_probe_waits_as_its_small_probe_measured():
    runner = large_runner()
    out = probe.run(runner, _params(targets=['10.231.2.2'], large={'size': 0}), router=ROUTER)
    larges = [c for c in runner.calls if '-M' in c]
    small = [c for c in runner.calls if '-M' not in c]
    # success_v4's largest round trip is 0.209 ms: the floor applies to the large probe, the small one waits 1 s
    assert _wait(small[0]) == '1' and _wait(larges[0]) == '0.3'
    assert out['large']['results'][0]['timeout'] == 0.3 and out['results'][0]['timeout'] == 1.0


@pytest.mark.parametrize('expected', [{'10.9.9.9': 1.0}, {'10.231.2.2': -1}, {'10.231.2.2': True},
                                      {'10.231.2.2': '3'}, {'10.231.2.2': 61000}, ['10.231.2.2']])
def test_bad_expected_rtt_fails_before_any_ping(expected):
    runner = routed_runner('on_link')
    with pytest.raises(DoctorError) as e:
        probe.run(runner, _params(expected_rtt=expected, ip='/usr/sbin/ip'), router=ROUTER)
    assert e.value.obj == 'expected_rtt' and runner.calls == []
