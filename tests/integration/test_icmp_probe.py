# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmnet.doctor.icmp_probe for real: ad hoc ``ansible`` runs over the vmnet.doctor.netns connection
in a namespace trio dgp<pid>-a -- dgp<pid>-r (router) -- dgp<pid>-b, r--b link MTU 1400.
Needs root. Traffic stays inside the namespaces."""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
P = 'dgp%d' % (os.getpid() % 100000)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='needs root for network namespaces')


def sh(*argv, **kw):
    return subprocess.run(list(argv), check=kw.get('check', True), capture_output=True, text=True,
                          input=kw.get('input'))


def ns(node):
    return '%s-%s' % (P, node)


@pytest.fixture(scope='module')
def trio(tmp_path_factory):
    try:
        for n in 'arb':
            sh('ip', 'netns', 'add', ns(n))
            sh('ip', '-n', ns(n), 'link', 'set', 'lo', 'up')
        sh('ip', 'link', 'add', 'pA0', 'netns', ns('a'), 'type', 'veth', 'peer', 'name', 'pR0', 'netns', ns('r'))
        sh('ip', 'link', 'add', 'pR1', 'netns', ns('r'), 'type', 'veth', 'peer', 'name', 'pB0', 'netns', ns('b'))
        for n, dev, addrs in (('a', 'pA0', ['10.231.1.2/24', 'fd00:231:1::2/64']),
                              ('r', 'pR0', ['10.231.1.1/24', 'fd00:231:1::1/64']),
                              ('r', 'pR1', ['10.231.2.1/24', 'fd00:231:2::1/64']),
                              ('b', 'pB0', ['10.231.2.2/24', 'fd00:231:2::2/64'])):
            for a in addrs:
                sh('ip', '-n', ns(n), 'addr', 'add', a, 'dev', dev, 'nodad')
            sh('ip', '-n', ns(n), 'link', 'set', dev, 'up')
        sh('ip', '-n', ns('r'), 'link', 'set', 'pR1', 'mtu', '1400')
        sh('ip', '-n', ns('b'), 'link', 'set', 'pB0', 'mtu', '1400')
        sh('ip', '-n', ns('a'), 'route', 'add', 'default', 'via', '10.231.1.1')
        sh('ip', '-n', ns('a'), '-6', 'route', 'add', 'default', 'via', 'fd00:231:1::1')
        sh('ip', '-n', ns('b'), 'route', 'add', 'default', 'via', '10.231.2.1')
        sh('ip', '-n', ns('b'), '-6', 'route', 'add', 'default', 'via', 'fd00:231:2::1')
        sh('ip', 'netns', 'exec', ns('r'), 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1')
        inv = tmp_path_factory.mktemp('inv') / 'hosts.yml'
        hosts = dict((ns(n), {'ansible_connection': 'vmnet.doctor.netns',
                              'ansible_python_interpreter': '/usr/bin/python3'}) for n in 'arb')
        inv.write_text(json.dumps({'all': {'hosts': hosts}}))
        yield str(inv)
    finally:
        for n in 'arb':
            sh('ip', 'netns', 'del', ns(n), check=False)


def probe(inv, node, args, check=False):
    """Real ad hoc run; the result is read from the builtin ``tree`` output (one JSON file per host)."""
    tree = os.path.join(os.path.dirname(inv), 'tree')
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'))
    argv = [os.path.join(VENV_BIN, 'ansible'), '-i', inv, ns(node), '-m', 'vmnet.doctor.icmp_probe',
            '-a', json.dumps(args), '--tree', tree]
    if check:
        argv.append('--check')
    result_file = os.path.join(tree, ns(node))
    if os.path.exists(result_file):
        os.unlink(result_file)
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert os.path.exists(result_file), p.stdout + p.stderr
    with open(result_file) as f:
        result = json.load(f)
    result['_rc'] = p.returncode  # the tree files do not carry "failed"; ansible exits 2 on failure
    return result


def test_success_v4_and_route_info(trio):
    r = probe(trio, 'a', {'targets': ['10.231.2.2'], 'count': 3})
    assert r['_rc'] == 0, r
    assert r['changed'] is False and r['reachable_all'] is True
    res = r['results'][0]
    assert (res['sent'], res['received'], res['loss_percent'], res['reachable']) == (3, 3, 0.0, True)
    assert res['rtt']['min'] > 0 and res['rtt']['max'] >= res['rtt']['avg'] >= res['rtt']['min']
    assert (res['source_address'], res['route_mtu']) == ('10.231.1.2', 1500)
    assert res['errors'] == [] and res['path_mtu'] is None


def test_path_mtu_found_with_frag_needed(trio):
    sh('ip', '-n', ns('a'), 'route', 'flush', 'cache')
    r = probe(trio, 'a', {'targets': ['10.231.2.2'], 'count': 1, 'path_mtu': True, 'path_mtu_max': 1500})
    res = r['results'][0]
    assert res['path_mtu'] == 1400
    assert res['frag_needed'] is True and res['reported_mtu'] == 1400
    assert any(e.startswith('Frag needed and DF set (mtu = 1400)') for e in res['errors'])


def test_large_df_probe_fails_with_frag_needed(trio):
    sh('ip', '-n', ns('a'), 'route', 'flush', 'cache')
    r = probe(trio, 'a', {'targets': ['10.231.2.2'], 'count': 2, 'size': 1472, 'dont_fragment': True})
    res = r['results'][0]
    assert r['_rc'] == 0
    assert res['reachable'] is False and res['frag_needed'] is True and res['dont_fragment'] is True


def test_unreachable_is_data_not_failure(trio):
    sh('ip', 'netns', 'exec', ns('b'), 'nft', '-f', '-', input='table inet dgt {\n chain i {\n'
       '  type filter hook input priority 0;\n  icmp type echo-request drop\n }\n}\n')
    try:
        r = probe(trio, 'a', {'targets': ['10.231.2.2', '10.231.1.1'], 'count': 2, 'path_mtu': True})
    finally:
        sh('ip', 'netns', 'exec', ns('b'), 'nft', 'delete', 'table', 'inet', 'dgt')
    assert r['_rc'] == 0, r
    assert r['reachable_all'] is False
    blocked, ok = r['results']
    assert (blocked['received'], blocked['loss_percent'], blocked['reachable']) == (0, 100.0, False)
    assert blocked['path_mtu'] is None
    assert ok['reachable'] is True and ok['path_mtu'] == 1500


def test_until_reply_stops_at_the_first_reply_and_waits_for_a_silent_target(trio):
    """until_reply: a reachable target costs one request, a silent one still gets every request and the timeout."""
    sh('ip', 'netns', 'exec', ns('b'), 'nft', '-f', '-', input='table inet dgu {\n chain i {\n'
       '  type filter hook input priority 0;\n  icmp type echo-request drop\n }\n}\n')
    try:
        r = probe(trio, 'a', {'targets': ['10.231.1.1', '10.231.2.2'], 'count': 5, 'interval': 0.5,
                              'timeout': 0.5, 'until_reply': True})
    finally:
        sh('ip', 'netns', 'exec', ns('b'), 'nft', 'delete', 'table', 'inet', 'dgu')
    assert r['_rc'] == 0, r
    ok, silent = r['results']
    # without until_reply, 5 requests 0.5 s apart get 5 replies; ping stops at the first (a loaded machine may
    # have sent a second request before that reply came back)
    assert (ok['received'], ok['reachable']) == (1, True) and ok['sent'] < 5, ok
    assert ok['rtt']['min'] > 0
    assert (silent['sent'], silent['received'], silent['reachable']) == (5, 0, False), silent


def test_large_goes_with_the_small_probe_to_the_targets_that_answered(trio):
    """large: one don't-fragment probe sized to the route MTU right after the small one, in the same call; the path
    to b crosses r's 1400-byte link, the one to r does not; an unrouted target gets no large probe."""
    sh('ip', '-n', ns('a'), 'route', 'flush', 'cache')
    r = probe(trio, 'a', {'targets': ['10.231.2.2', '10.231.1.1', '10.231.9.9'], 'count': 2, 'large': {}})
    assert r['_rc'] == 0, r
    assert [x['reachable'] for x in r['results']] == [True, True, False]
    to_b, to_r = r['large']['results']
    assert (to_b['target'], to_b['size'], to_b['dont_fragment'], to_b['sent']) == ('10.231.2.2', 1472, True, 1)
    assert to_b['reachable'] is False and to_b['frag_needed'] is True, to_b
    assert (to_r['target'], to_r['reachable'], to_r['size']) == ('10.231.1.1', True, 1472), to_r
    assert r['large']['reachable_all'] is False


def test_onlink_timeout_is_the_wait_for_a_neighbour_on_the_own_link_only(trio):
    """onlink_timeout: r is on a's link, b is behind r; both drop the echo requests."""
    for node in 'rb':
        sh('ip', 'netns', 'exec', ns(node), 'nft', '-f', '-', input='table inet dgo {\n chain i {\n'
           '  type filter hook input priority 0;\n  icmp type echo-request drop\n }\n}\n')
    try:
        r = probe(trio, 'a', {'targets': ['10.231.1.1', '10.231.2.2'], 'count': 2, 'timeout': 1.5,
                              'onlink_timeout': 0.3})
    finally:
        for node in 'rb':
            sh('ip', 'netns', 'exec', ns(node), 'nft', 'delete', 'table', 'inet', 'dgo')
    assert r['_rc'] == 0, r
    neighbour, behind = r['results']
    assert (neighbour['on_link'], neighbour['timeout'], neighbour['reachable']) == (True, 0.3, False), neighbour
    assert (behind['on_link'], behind['timeout'], behind['reachable']) == (False, 1.5, False), behind


def test_a_round_trip_already_measured_bounds_the_wait_for_a_lost_reply(trio):
    """expected_rtt: b behind r drops the echo requests; a was told the round trip to b is 60 ms (ten times: 0.6 s
    instead of the 1.5 s timeout). r drops large echo requests only: the large probe to r waits ten times the
    round trip its small probe just measured (sub-millisecond here: the 0.3 s floor), not the timeout."""
    sh('ip', 'netns', 'exec', ns('b'), 'nft', '-f', '-', input='table inet dgo {\n chain i {\n'
       '  type filter hook input priority 0;\n  icmp type echo-request drop\n }\n}\n')
    sh('ip', 'netns', 'exec', ns('r'), 'nft', '-f', '-', input='table inet dgo {\n chain i {\n'
       '  type filter hook input priority 0;\n  ip length > 1000 icmp type echo-request drop\n }\n}\n')
    try:
        r = probe(trio, 'a', {'targets': ['10.231.2.2', '10.231.1.1'], 'count': 2, 'timeout': 1.5,
                              'expected_rtt': {'10.231.2.2': 60.0}, 'large': {'targets': ['10.231.1.1']}})
    finally:
        for node in 'rb':
            sh('ip', 'netns', 'exec', ns(node), 'nft', 'delete', 'table', 'inet', 'dgo')
    assert r['_rc'] == 0, r
    to_b, to_r = r['results']
    assert (to_b['reachable'], to_b['timeout']) == (False, 0.6), to_b
    assert (to_r['reachable'], to_r['timeout']) == (True, 1.5), to_r
    large, = r['large']['results']
    assert (large['target'], large['reachable'], large['timeout']) == ('10.231.1.1', False, 0.3), large


def test_net_facts_sends_its_probe_while_it_reads(trio):
    """net_facts' probe option: the reverse probe of the diagnose role in the same call as the facts."""
    tree = os.path.join(os.path.dirname(trio), 'tree-nf')
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'))
    args = {'peers': ['10.231.1.2'],
            'probe': {'targets': ['10.231.1.2', '10.231.9.9'], 'count': 5, 'interval': 0.5, 'until_reply': True}}
    p = subprocess.run([os.path.join(VENV_BIN, 'ansible'), '-i', trio, ns('b'), '-m', 'vmnet.doctor.net_facts',
                        '-a', json.dumps(args), '--tree', tree], capture_output=True, text=True, env=env, cwd=ROOT,
                       check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    with open(os.path.join(tree, ns('b'))) as f:
        result = json.load(f)
    assert 'pB0' in [i['name'] for i in result['ansible_facts']['vmnet_doctor']['interfaces']]
    assert 'results' in result['probe'], result['probe']
    answered, unrouted = result['probe']['results']
    assert (answered['target'], answered['received']) == ('10.231.1.2', 1) and answered['sent'] < 5, answered
    assert answered['source_address'] == '10.231.2.2'
    assert unrouted['reachable'] is False and result['probe']['reachable_all'] is False


def test_no_route_is_data(trio):
    r = probe(trio, 'r', {'targets': ['10.231.9.9'], 'count': 1})
    res = r['results'][0]
    assert r['_rc'] == 0, r
    assert res['reachable'] is False and res['sent'] == 0
    assert res['errors'] == ['connect: Network is unreachable']
    assert res['source_address'] is None


def test_ipv6_interface_source_and_name(trio):
    r = probe(trio, 'a', {'targets': ['fd00:231:2::2', 'localhost'], 'count': 2, 'source': 'pA0',
                          'ip_version': 'auto'}, check=True)
    v6, lo = r['results']
    assert v6['reachable'] is True and v6['family'] == 'ipv6' and v6['received'] == 2
    assert lo['target'] == 'localhost' and lo['address'] == '127.0.0.1'
    # bound to pA0, loopback is not reachable through it
    assert lo['reachable'] is False


@pytest.mark.parametrize('args,needle', [
    ({'targets': ['10.231.2.2'], 'count': 0}, 'count must be between 1 and 1000'),
    ({'targets': ['10.231.2.2'], 'size': 70000}, 'size must be between'),
    ({'targets': ['10.231.2.2; reboot']}, 'not an IP address or resolvable name'),
    ({'targets': ['no-such-host.invalid']}, 'not an IP address or resolvable name'),
    ({'targets': ['10.231.2.2'], 'source': 'nosuch0'}, 'No such device'),
])
def test_bad_input_fails_clearly(trio, args, needle):
    r = probe(trio, 'a', args)
    assert r['_rc'] == 2, r
    assert needle in r['msg']
