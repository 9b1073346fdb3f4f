# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of the packet witness on outputs recorded in the lab (fixtures/witness/README.md says how)."""
import json
import os
import socket
import struct

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import witness as w

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'witness')


def read(name):
    with open(os.path.join(FIX, name)) as handle:
        return handle.read()


def test_reason_names_come_from_the_format_file():
    reasons = w.parse_reason_names(read('kfree_skb_format_6.18.txt'))
    assert reasons[12] == 'NETFILTER_DROP' and reasons[16] == 'IP_RPFILTER' and reasons[2] == 'NOT_SPECIFIED'
    assert 'NEIGH_FAILED' in reasons.values() and 'PKT_TOO_BIG' in reasons.values()
    assert w.parse_reason_names('print fmt: "skbaddr=%p", REC->skbaddr') == {}


def test_bpftrace_drop_line_is_decoded_with_the_packet():
    reasons = w.parse_reason_names(read('kfree_skb_format_6.18.txt'))
    drops = [w.parse_bpftrace_line(line, reasons) for line in read('bpftrace_vm_icmp_nft_drop.txt').splitlines()]
    drops = [d for d in drops if d]
    assert len(drops) == 1
    drop = drops[0]
    assert (drop['netns'], drop['protocol'], drop['reason'], drop['location'], drop['ifindex']) == \
        (4026532507, 0x0800, 'NETFILTER_DROP', 'nft_do_chain', 2)
    assert drop['packet'] == {'kind': 'echo_request', 'src': '10.220.0.1', 'dst': '10.220.1.11', 'id': 0x28be,
                              'seq': 1}


def test_unknown_reason_number_is_named_as_unknown_not_guessed():
    line = 'D 1 2048 999 somewhere 3 \\x45\\x00'
    assert w.parse_bpftrace_line(line, {12: 'NETFILTER_DROP'})['reason'] == 'UNKNOWN_999'
    assert w.parse_bpftrace_line('Attaching 3 probes...', {}) is None


def test_nft_trace_names_table_chain_handle_and_the_packet():
    verdicts = w.parse_nft_trace(read('nft_monitor_trace_vm_icmp_nft_drop.txt').splitlines())
    assert len(verdicts) == 1
    v = verdicts[0]
    assert (v['family'], v['table'], v['chain'], v['handle'], v['verdict'], v['policy']) == \
        ('inet', 'filter', 'input', 2, 'drop', False)
    assert v['rule'].startswith('icmp type echo-request counter')


def test_nft_trace_policy_drop():
    lines = ['trace id 1 ip filter INPUT packet: iif "eth0" ip saddr 10.0.0.1 ip daddr 10.0.0.2 icmp type '
             'echo-request icmp id 7',
             'trace id 1 ip filter INPUT policy drop ']
    v = w.parse_nft_trace(lines)[0]
    assert (v['table'], v['chain'], v['policy'], v['verdict'], v['handle']) == ('filter', 'INPUT', True, 'drop', None)
    assert v['packet'] == {'iif': 'eth0', 'src': '10.0.0.1', 'dst': '10.0.0.2', 'icmp_type': 'echo-request', 'id': 7}


def test_tracefs_line():
    line = ('          <idle>-0       [001] ..s1.  1234.5678: kfree_skb: skbaddr=000000001 rx_sk=0000000000 '
            'protocol=2048 location=nft_do_chain+0x3a4/0x5c0 reason: NETFILTER_DROP')
    drop = w.parse_tracefs_line(line)
    assert (drop['reason'], drop['location'], drop['protocol'], drop['netns']) == \
        ('NETFILTER_DROP', 'nft_do_chain', 2048, None)


def arp(oper, sender, target):
    return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, oper, b'\x02' * 6, socket.inet_aton(sender), b'\x00' * 6,
                       socket.inet_aton(target))


def test_decode_arp_and_echo_frames():
    eth = b'\xff' * 6 + b'\x02' * 6
    assert w.decode_frame(eth + b'\x08\x06' + arp(1, '10.0.0.1', '10.0.0.2')) == \
        {'kind': 'arp_request', 'src': '10.0.0.1', 'dst': '10.0.0.2'}
    icmp = w.build_echo(4242, 3, 4)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0, socket.inet_aton('10.0.0.1'),
                     socket.inet_aton('10.0.0.2'))
    assert w.decode_frame(eth + b'\x08\x00' + ip + icmp) == \
        {'kind': 'echo_request', 'src': '10.0.0.1', 'dst': '10.0.0.2', 'id': 4242, 'seq': 3}
    assert w.decode_frame(eth + b'\x08\x00' + ip[:9] + b'\x06' + ip[10:] + icmp) is None   # TCP
    assert w.decode_frame(b'\x00' * 10) is None


def test_echo_checksum_is_valid():
    data = w.build_echo(1, 1, 4)
    total = sum((data[i] << 8) + data[i + 1] for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    assert total == 0xffff


def test_matching_by_addresses_and_identifier():
    addrs = {'10.0.0.1', '10.0.0.2'}
    echo = {'kind': 'echo_request', 'src': '10.0.0.1', 'dst': '10.0.0.2', 'id': 7}
    assert w.matches(echo, addrs, set())
    assert w.matches(echo, addrs, {7}) and not w.matches(echo, addrs, {8})
    assert w.matches(dict(echo, src='10.9.9.9'), addrs, {7})          # source address unknown: id decides
    assert not w.matches(dict(echo, src='10.9.9.9'), addrs, set())
    assert w.matches({'kind': 'arp_request', 'src': '10.0.0.9', 'dst': '10.0.0.2'}, addrs, {7})
    assert not w.matches({'kind': 'arp_request', 'src': '10.0.0.9', 'dst': '10.0.0.8'}, addrs, {7})
    assert not w.matches(None, addrs, set())


def test_trace_ruleset_uses_owner_tables_only():
    text = w.nft_trace_ruleset({'10.0.0.1', 'fd00::1'})
    tables = [line for line in text.splitlines() if line.startswith('add table')]
    assert tables and all('flags owner;' in line for line in tables)
    assert 'ip saddr { 10.0.0.1 }' in text and 'ip6 daddr { fd00::1 }' in text


def test_cbpf_filter_jumps_stay_inside_the_program():
    prog = w.CBPF_FILTER
    for pc, (code, jt, jf, _k) in enumerate(prog):
        if code == 0x15:
            assert pc + 1 + jt < len(prog) and pc + 1 + jf < len(prog)
    assert prog[-1] == (0x06, 0, 0, 0) and prog[-2][0] == 0x06


@pytest.mark.parametrize('params, text', [
    ({'addresses': []}, 'addresses must list'),
    ({'addresses': ['nope']}, 'not an IP address'),
    ({'addresses': ['10.0.0.1'], 'identifiers': [70000], 'duration': 3}, '16-bit'),
    ({'addresses': ['10.0.0.1'], 'duration': 600}, 'duration must be'),
    ({'addresses': ['10.0.0.1'], 'duration': 3, 'send': {'targets': ['x']}}, 'send.targets'),
])
def test_bad_input_is_refused(params, text):
    with pytest.raises(DoctorError) as err:
        w.run(params)
    assert text in str(err.value)


def test_nft_trace_of_an_ebtables_arp_drop_in_the_bridge():
    verdicts = w.parse_nft_trace(read('nft_monitor_trace_hv_bridge_arp_drop.txt').splitlines())
    assert verdicts
    v = verdicts[0]
    assert (v['family'], v['table'], v['chain'], v['handle'], v['verdict']) == ('bridge', 'filter', 'FORWARD', 2, 'drop')
    assert v['packet']['arp'] is True and v['packet']['iif'] == 'uplink0' and v['packet']['oif'] == 'vnet-vm1'


@pytest.mark.parametrize('params, text', [
    ({'addresses': ['10.0.0.1'], 'duration': 3, 'rendezvous': 'relative/x'}, 'absolute path'),
    ({'addresses': ['10.0.0.1'], 'duration': 3, 'rendezvous_timeout': 0.1}, 'rendezvous_timeout'),
])
def test_bad_rendezvous_is_refused(params, text):
    with pytest.raises(DoctorError) as err:
        w.run(params)
    assert text in str(err.value)


def test_a_run_that_fails_before_it_watches_still_signals_ready(tmp_path):
    """The caller waits for .ready on every hop: a hop that fails says so instead of making it wait."""
    prefix = str(tmp_path / 'rv' / 'witness-run-hv')
    with pytest.raises(DoctorError):
        w.run({'addresses': ['nope'], 'duration': 3, 'rendezvous': prefix})
    with open(prefix + '.ready') as handle:
        data = json.load(handle)
    assert 'not an IP address' in data['failed']


def test_rendezvous_files_older_than_an_hour_are_swept(tmp_path):
    old, recent, other = (str(tmp_path / n) for n in ('witness-a-h.ready', 'witness-b-h.go', 'keep.ready'))
    for path in (old, recent, other):
        with open(path, 'w'):
            pass
    os.utime(old, (0, 0))
    os.utime(other, (0, 0))
    w.signal_rendezvous(str(tmp_path / 'witness-c-h'), {'pid': 1})
    assert sorted(os.listdir(str(tmp_path))) == ['keep.ready', 'witness-b-h.go', 'witness-c-h.ready']
