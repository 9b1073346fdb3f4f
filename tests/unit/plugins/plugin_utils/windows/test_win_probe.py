# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_icmp_probe: option checks, the probe script and the results assembled from recorded
PingReply documents (tests/unit/fixtures/windows/probe, hand-written: no Windows host here)."""
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import probe, ps

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'windows', 'probe')
DEFAULTS = dict(count=3, interval=0.2, timeout=1.0, size=56, dont_fragment=False, ip_version='auto',
                mtu_sized=False, path_mtu=False, path_mtu_max=1500)


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def params(**kw):
    return dict(DEFAULTS, **kw)


def test_reachable_target_gives_the_icmp_probe_shape():
    out = probe.parse(load('reachable.json'), params(targets=['vm1.lab.example']))
    assert out['reachable_all'] is True
    r = out['results'][0]
    assert r == {
        'target': 'vm1.lab.example', 'address': '192.168.10.20', 'family': 'ipv4', 'sent': 3, 'received': 3,
        'loss_percent': 0.0, 'rtt': {'min': 0.0, 'avg': 0.667, 'max': 1.0, 'mdev': 0.471}, 'reachable': True,
        'size': 56, 'dont_fragment': False, 'errors': [], 'frag_needed': False, 'reported_mtu': None,
        'path_mtu': None, 'source_address': '192.168.10.5', 'route_mtu': 1500, 'local_error': None,
        'route_lookup': None, 'timeout': 1.0, 'on_link': None}


def test_unreachable_names_numbers_and_single_objects():
    out = probe.parse(load('unreachable.json'), params(targets=['192.168.10.30', '172.20.0.10']))
    unreach, timeout = out['results']
    assert out['reachable_all'] is False
    assert (unreach['sent'], unreach['received'], unreach['loss_percent']) == (2, 0, 100.0)
    assert unreach['errors'] == ['Destination Host Unreachable'] and unreach['reachable'] is False
    assert unreach['rtt'] == {'min': None, 'avg': None, 'max': None, 'mdev': None}
    # 11010 = TimedOut: lost, but not an error (ping prints none either)
    assert (timeout['sent'], timeout['received'], timeout['errors']) == (1, 0, [])
    assert timeout['source_address'] == '172.20.0.1'


def test_path_mtu_is_the_largest_size_that_passed_and_packet_too_big_is_frag_needed():
    raw = load('path_mtu.json')
    out = probe.parse(raw, params(targets=['192.168.10.20'], count=1, path_mtu=True))
    r = out['results'][0]
    assert r['path_mtu'] == 1400
    assert r['frag_needed'] is True and r['errors'] == ['Frag needed and DF set']
    assert r['reported_mtu'] is None
    # the search steps are not counted as echoes
    assert (r['sent'], r['received']) == (1, 1)
    # without path_mtu asked, steps (if any) give no path_mtu
    assert probe.parse(raw, params(targets=['192.168.10.20']))['results'][0]['path_mtu'] is None


def test_large_probe_local_refusal_ipv6_scope_and_send_exception():
    out = probe.parse(load('large_df.json'), params(targets=['192.168.10.20', 'fe80::215:5dff:fe0a:6410%12',
                                                             '10.99.0.1'], size=8972, dont_fragment=True))
    big, v6, noroute = out['results']
    # 9000 bytes > interface MTU 1500: refused by the source, said the way Linux says it
    assert big['errors'] == ['local error: message too long, mtu=1500'] and big['frag_needed'] is False
    assert big['dont_fragment'] is True and big['size'] == 8972
    assert (v6['family'], v6['address'], v6['source_address']) == ('ipv6', 'fe80::215:5dff:fe0a:6410', 'fe80::1')
    assert v6['reachable'] is True
    assert (noroute['sent'], noroute['loss_percent'], noroute['route_mtu']) == (0, 100.0, None)
    assert noroute['errors'] == ['local error: The requested address is not valid in its context.',
                                 'route lookup: No matching MSFT_NetRoute objects found by CIM query']


def test_unresolvable_target_fails_the_call():
    with pytest.raises(DoctorError) as exc:
        probe.parse(load('resolve_error.json'), params(targets=['192.168.10.20', 'nosuch.lab.example']))
    assert exc.value.obj == 'nosuch.lab.example' and 'No such host is known' in exc.value.message


def test_result_count_must_match_the_targets():
    with pytest.raises(DoctorError) as exc:
        probe.parse(load('reachable.json'), params(targets=['a', 'b']))
    assert '1 results for 2 targets' in exc.value.message


@pytest.mark.parametrize('value,name', [(0, 'Success'), ('11009', 'PacketTooBig'), (11004, 'DestinationProtocolUnreachable'),
                                        ('TtlExpired', 'TtlExpired'), (-1, 'Unknown'), (12345, 'IPStatus 12345'),
                                        (None, None)])
def test_status_names(value, name):
    assert probe.status_name(value) == name


@pytest.mark.parametrize('bad,obj', [
    (dict(count=0), 'count'), (dict(timeout=0), 'timeout'), (dict(size=65501), 'size'),
    (dict(path_mtu_max=67), 'path_mtu_max'), (dict(targets=[]), 'targets'), (dict(targets=['a b']), 'a b'),
    (dict(targets=['-x']), '-x'), (dict(targets=['192.0.2.1'], ip_version='ipv6'), '192.0.2.1')])
def test_bad_options_fail_before_anything_is_sent(bad, obj):
    with pytest.raises(DoctorError) as exc:
        probe.validate(params(**dict(dict(targets=['192.0.2.1']), **bad)))
    assert exc.value.obj == obj


def test_script_quotes_targets_and_passes_validated_numbers():
    args = probe.script_args(params(targets=["vm1'; Remove-Item C:\\ -Recurse #", '192.0.2.1'], interval=0.25,
                                    timeout=0.3, path_mtu=True, path_mtu_max=9000))
    script = ps.probe_script(**args)
    assert script.startswith("$targets = @('vm1''; Remove-Item C:\\ -Recurse #','192.0.2.1')\n")
    for line in ('$intervalMs = 250', '$timeoutMs = 300', '$stepTimeoutMs = 300', '$pathMtuMax = 9000',
                 '$pathMtu = $true', '$dontFragment = $false', "$family = 'auto'", '$maxPayload = 65500'):
        assert '\n%s\n' % line in script
    assert 'System.Net.NetworkInformation.Ping' in script and script.endswith('-Depth 4 -Compress')
    assert '\n$untilReply = $false\n' in script
    until = ps.probe_script(**probe.script_args(params(targets=['192.0.2.1'], until_reply=True)))
    assert '\n$untilReply = $true\n' in until
    assert "if ($untilReply -and $echo.Status -eq 'Success') { break }" in until
    for key, bad in (('count', '3; Stop-Computer'), ('family', "auto'")):
        bad_args = dict(args)
        bad_args[key] = bad
        with pytest.raises(DoctorError):
            ps.probe_script(**bad_args)
