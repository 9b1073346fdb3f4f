# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The packet witness: what one hop saw of an ICMP echo, and where its kernel dropped it.

Runs on one Linux hop for a bounded window while probes cross the path and returns, per
interface and direction, the echo requests/replies and the ARP/ND requests/replies that
match the path's addresses (and the probe's ICMP identifier), plus the kernel's drop records
for those packets. Sources, best first:

* drops: eBPF on ``skb:kfree_skb`` through bpftrace (with BTF), filtered to this hop's network
  namespace inode (all lab namespaces share one kernel); else the tracepoint through a private
  tracefs instance (a real host's kernel is its own); else none (``drops.source: none`` with why).
  Drop reason names come from the tracepoint's format file at run time, never by number.
* packets: an AF_PACKET socket with a classic BPF filter (ARP, ICMP, ICMPv6 only); no tcpdump.
* deciding rule for NETFILTER_DROP: ``meta nftrace set 1`` in a temporary table that the kernel
  owns on behalf of one ``nft -i`` process (``flags owner``: the table goes with the process,
  also when it is killed), read from ``nft -a monitor trace``.

Read-only: every helper process is bounded in time (bpftrace ends itself; ``timeout`` bounds
nft) and dies with its pipes; the tracefs fallback removes its instance in ``finally`` and on
SIGTERM. Pure parsers are at the top and unit-tested on recorded lab output.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ctypes
import errno
import ipaddress
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import threading
import time

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs

TRACEFS_DIRS = ('/sys/kernel/tracing', '/sys/kernel/debug/tracing')
FORMAT_PATH = 'events/skb/kfree_skb/format'
FORMAT_END = '@@VMNET-WITNESS-FORMAT-END@@'
READY = 'VMNET-WITNESS-READY'
NFT_TABLE = 'vmnet_witness'
INSTANCE_PREFIX = 'vmnet_witness_'
ETH_P_ALL = 0x0003
ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
PR_SET_PDEATHSIG = 1
HEADER_BYTES = 48
MAX_DROPS = 200
MAX_VERDICTS = 200
OVS_COVERAGE_FLUSH = 1.2     # seconds: ovs-vswitchd publishes its threads' coverage counts once a second
# Kinds of packets the witness counts, in the order of an echo's life.
KINDS = ('echo_request', 'echo_reply', 'arp_request', 'arp_reply', 'nd_solicit', 'nd_advert')

# Classic BPF: accept ARP, IPv4 ICMP and IPv6 with next header ICMPv6; 256-byte snapshot.
# (code, jt, jf, k) as in <linux/filter.h>; the same as `tcpdump -dd 'arp or icmp or icmp6'` minus its
# IPv6 fragment-header branch, written out so that no tcpdump is needed.
CBPF_FILTER = (
    (0x28, 0, 0, 0x0000000c),   # ldh [12]              ethertype
    (0x15, 6, 0, 0x00000806),   # jeq ARP      -> accept
    (0x15, 0, 2, 0x00000800),   # jeq IPv4 ? next : ipv6
    (0x30, 0, 0, 0x00000017),   # ldb [23]              IPv4 protocol
    (0x15, 3, 4, 0x00000001),   # jeq ICMP     -> accept : drop
    (0x15, 0, 3, 0x000086dd),   # jeq IPv6 ? next : drop
    (0x30, 0, 0, 0x00000014),   # ldb [20]              IPv6 next header
    (0x15, 0, 1, 0x0000003a),   # jeq ICMPv6   -> accept : drop
    (0x06, 0, 0, 0x00000100),   # ret #256              accept
    (0x06, 0, 0, 0x00000000),   # ret #0                drop
)

BPFTRACE_SCRIPT = r'''
BEGIN { printf("%s\n"); }
tracepoint:skb:kfree_skb
{
  $s = (struct sk_buff *)args->skbaddr;
  $ns = (uint32)0;
  $ifi = (int32)0;
  if ($s->dev != 0) { $ns = $s->dev->nd_net.net->ns.inum; $ifi = $s->dev->ifindex; }
  else if ($s->sk != 0) { $ns = $s->sk->__sk_common.skc_net.net->ns.inum; }
  if ($ns == %d && (args->protocol == 0x0800 || args->protocol == 0x0806 || args->protocol == 0x86dd)) {
    $h = $s->head + $s->network_header;
    printf("D %%u %%u %%d %%s %%d %%rx\n", $ns, args->protocol, args->reason, ksym(args->location), $ifi,
           buf($h, %d));
  }
}
interval:s:%d { exit(); }
'''


# ----------------------------------------------------------------------------- pure parsers

def parse_reason_names(format_text):
    """{number: NAME} from the kfree_skb format file's __print_symbolic(REC->reason, ...)."""
    text = format_text or ''
    start = text.find('__print_symbolic(REC->reason')
    if start < 0:
        return {}
    pairs = re.findall(r'\{\s*(\d+)\s*,\s*"([A-Za-z0-9_]+)"\s*\}', text[start:])
    return dict((int(num), name) for num, name in pairs)


def _hex_bytes(text):
    """bpftrace %rx output (\\x45\\x00...) -> bytes."""
    return bytes(bytearray(int(h, 16) for h in re.findall(r'\\x([0-9a-fA-F]{2})', text)))


def decode_l3(ethertype, data):
    """Decode an ARP, IPv4 ICMP or IPv6 ICMPv6 header into a packet dict; None for anything else."""
    try:
        if ethertype == ETH_P_ARP and len(data) >= 28:
            oper = struct.unpack('!H', data[6:8])[0]
            kind = {1: 'arp_request', 2: 'arp_reply'}.get(oper)
            if kind is None:
                return None
            return {'kind': kind, 'src': socket.inet_ntoa(data[14:18]), 'dst': socket.inet_ntoa(data[24:28])}
        if ethertype == ETH_P_IP and len(data) >= 28 and data[0] >> 4 == 4 and data[9] == 1:
            ihl = (data[0] & 0x0f) * 4
            icmp = data[ihl:ihl + 8]
            if len(icmp) < 8:
                return None
            kind = {8: 'echo_request', 0: 'echo_reply'}.get(icmp[0])
            if kind is None:
                return None
            ident, seq = struct.unpack('!HH', icmp[4:8])
            return {'kind': kind, 'src': socket.inet_ntoa(data[12:16]), 'dst': socket.inet_ntoa(data[16:20]),
                    'id': ident, 'seq': seq}
        if ethertype == ETH_P_IPV6 and len(data) >= 48 and data[0] >> 4 == 6 and data[6] == 58:
            icmp = data[40:48]
            src = socket.inet_ntop(socket.AF_INET6, data[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, data[24:40])
            kind = {128: 'echo_request', 129: 'echo_reply', 135: 'nd_solicit', 136: 'nd_advert'}.get(icmp[0])
            if kind is None:
                return None
            out = {'kind': kind, 'src': src, 'dst': dst}
            if kind.startswith('echo'):
                out['id'], out['seq'] = struct.unpack('!HH', icmp[4:8])
            return out
    except (ValueError, IndexError, struct.error, OSError):
        return None
    return None


def decode_frame(frame):
    """Decode an Ethernet frame as captured by AF_PACKET (SOCK_RAW)."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack('!H', frame[12:14])[0]
    return decode_l3(ethertype, frame[14:])


def parse_bpftrace_line(line, reasons):
    """One ``D <netns> <proto> <reason> <location> <ifindex> <hex header>`` line -> drop dict (or None)."""
    parts = line.strip().split(' ', 6)
    if len(parts) != 7 or parts[0] != 'D':
        return None
    try:
        netns, proto, reason, ifindex = int(parts[1]), int(parts[2]), int(parts[3]), int(parts[5])
    except ValueError:
        return None
    return {'netns': netns, 'protocol': proto, 'reason': reasons.get(reason, 'UNKNOWN_%d' % reason),
            'location': parts[4], 'ifindex': ifindex, 'packet': decode_l3(proto, _hex_bytes(parts[6]))}


TRACEFS_LINE = re.compile(r'kfree_skb:\s+skbaddr=(?P<skb>\S+)\s+rx_sk=\S+\s+protocol=(?P<proto>\d+)\s+'
                          r'location=(?P<loc>\S+)\s+reason:\s+(?P<reason>[A-Z0-9_]+)')


def parse_tracefs_line(line):
    """One trace_pipe line of skb:kfree_skb -> drop dict (no packet contents: tracefs has none)."""
    match = TRACEFS_LINE.search(line)
    if not match:
        return None
    return {'netns': None, 'protocol': int(match.group('proto')), 'reason': match.group('reason'),
            'location': match.group('loc').split('+')[0], 'ifindex': None, 'packet': None}


NFT_TRACE = re.compile(r'^trace id (?P<id>[0-9a-f]+) (?P<family>\S+) (?P<table>\S+) (?P<chain>\S+) (?P<rest>.*)$')


def parse_nft_trace(lines, own_table=NFT_TABLE):
    """Verdicts that stop a packet (drop/reject) from ``nft -a monitor trace`` text, with the packet."""
    packets, verdicts = {}, []
    for line in lines:
        match = NFT_TRACE.match(line.strip())
        if not match:
            continue
        rest = match.group('rest')
        if match.group('table') == own_table:
            if rest.startswith('packet:'):
                packets[match.group('id')] = _nft_packet(rest)
            continue
        if rest.startswith('packet:'):
            packets.setdefault(match.group('id'), _nft_packet(rest))
            continue
        verdict = re.search(r'\((?:verdict )?(drop|reject)\)\s*$|^policy (drop)\s*$', rest)
        if not verdict:
            continue
        handle = re.search(r'# handle (\d+)', rest)
        rule = rest[len('rule '):] if rest.startswith('rule ') else None
        if rule is not None:
            rule = re.sub(r'\s*(# handle \d+\s*)?\((?:verdict )?\w+\)\s*$', '', rule).strip()
        verdicts.append({'trace_id': match.group('id'), 'family': match.group('family'),
                         'table': match.group('table'), 'chain': match.group('chain'),
                         'handle': int(handle.group(1)) if handle else None,
                         'verdict': verdict.group(1) or verdict.group(2),
                         'policy': rest.startswith('policy'), 'rule': rule})
    for item in verdicts:
        item['packet'] = packets.get(item.pop('trace_id'))
    return verdicts[:MAX_VERDICTS]


def _nft_packet(text):
    out = {}
    for key, pattern in (('iif', r'iif "([^"]+)"'), ('oif', r'oif "([^"]+)"'),
                         ('src', r'ip6? saddr (\S+)'), ('dst', r'ip6? daddr (\S+)'),
                         ('icmp_type', r'icmpv?6? type (\S+)'), ('id', r'icmpv?6? id (\d+)')):
        found = re.search(pattern, text)
        if found:
            out[key] = int(found.group(1)) if key == 'id' else found.group(1)
    if ' arp ' in ' %s ' % text or 'ether type arp' in text:
        out['arp'] = True
        for key, pattern in (('src', r'arp saddr ip (\S+)'), ('dst', r'arp daddr ip (\S+)'),
                             ('arp_operation', r'arp operation (\S+)')):
            found = re.search(pattern, text)
            if found:
                out[key] = found.group(1)
    return out


def nft_trace_ruleset(addresses):
    """nft -i input: temporary owner tables that set nftrace on packets to/from the path's addresses."""
    v4 = sorted(a for a in addresses if ':' not in a)
    v6 = sorted(a for a in addresses if ':' in a)
    matches = []
    if v4:
        matches += ['ip saddr { %s }' % ', '.join(v4), 'ip daddr { %s }' % ', '.join(v4)]
    if v6:
        matches += ['ip6 saddr { %s }' % ', '.join(v6), 'ip6 daddr { %s }' % ', '.join(v6)]
    arp = ['arp saddr ip { %s }' % ', '.join(v4), 'arp daddr ip { %s }' % ', '.join(v4)] if v4 else []
    lines = []
    for family, hooks, family_matches in (('inet', ('prerouting', 'output'), matches),
                                          ('bridge', ('prerouting',), matches + arp),
                                          ('arp', ('input', 'output'), arp)):
        if not family_matches:
            continue
        lines.append('add table %s %s { flags owner; }' % (family, NFT_TABLE))
        for hook in hooks:
            lines.append('add chain %s %s %s { type filter hook %s priority -400; policy accept; }'
                         % (family, NFT_TABLE, hook, hook))
            for match in family_matches:
                lines.append('add rule %s %s %s %s meta nftrace set 1' % (family, NFT_TABLE, hook, match))
    return '\n'.join(lines) + '\n'


def matches(packet, addresses, identifiers):
    """Does a decoded packet belong to the path (its addresses, and the probe's identifiers)?"""
    if not packet:
        return False
    if packet['kind'].startswith('echo'):
        if identifiers and packet.get('id') not in identifiers:
            return False
        ends = [packet.get('src') in addresses, packet.get('dst') in addresses]
        # Both ends on the path; with the probe's identifier one end is enough (the source address may be unknown).
        return all(ends) or (bool(identifiers) and any(ends))
    # ARP / ND: the address asked about or answered for, or the asker, is on the path.
    return packet.get('src') in addresses or packet.get('dst') in addresses


def empty_counters():
    return dict((kind, 0) for kind in KINDS)


def count_packet(interfaces, ifname, direction, packet):
    iface = interfaces.setdefault(ifname, {'in': empty_counters(), 'out': empty_counters()})
    iface[direction][packet['kind']] += 1


def build_echo(identifier, seq, family, size=56):
    """An ICMP / ICMPv6 echo request (the kernel fills the ICMPv6 checksum)."""
    payload = struct.pack('!d', time.time()) + bytes(bytearray((i & 0xff) for i in range(max(size - 8, 0))))
    kind = 8 if family == 4 else 128
    header = struct.pack('!BBHHH', kind, 0, 0, identifier, seq)
    if family == 6:
        return header + payload
    data = header + payload
    total = 0
    for i in range(0, len(data) - 1, 2):
        total += (data[i] << 8) + data[i + 1]
    if len(data) % 2:
        total += data[-1] << 8
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    checksum = ~total & 0xffff
    return struct.pack('!BBHHH', kind, 0, checksum, identifier, seq) + payload


# ----------------------------------------------------------------------------- I/O edge

class _SockFilter(ctypes.Structure):
    _fields_ = [('code', ctypes.c_uint16), ('jt', ctypes.c_uint8), ('jf', ctypes.c_uint8), ('k', ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_uint16), ('filter', ctypes.POINTER(_SockFilter))]


def open_capture():
    """AF_PACKET socket on every interface of this namespace, with the kernel filter attached."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        insns = (_SockFilter * len(CBPF_FILTER))(*[_SockFilter(*i) for i in CBPF_FILTER])
        prog = _SockFprog(len(CBPF_FILTER), insns)
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(bytearray(ctypes.string_at(
            ctypes.addressof(prog), ctypes.sizeof(prog)))))
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def netns_inode():
    link = os.readlink('/proc/self/ns/net')
    found = re.search(r'\[(\d+)\]', link)
    return int(found.group(1)) if found else None


def find_tracefs():
    for base in TRACEFS_DIRS:
        if os.path.exists(os.path.join(base, FORMAT_PATH)):
            return base
    return None


def which(name):
    for directory in os.environ.get('PATH', '').split(os.pathsep) + ['/usr/sbin', '/sbin', '/usr/bin', '/bin']:
        path = os.path.join(directory, name)
        if directory and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


class _Lines(object):
    """Reads a child's stdout line by line in a thread, bounded in count."""

    def __init__(self, proc, limit, ready_marker=None):
        self.proc, self.limit, self.lines = proc, limit, []
        self.ready = threading.Event()
        self.ready_at = None
        self.ready_marker = ready_marker
        self.thread = threading.Thread(target=self._read)
        self.thread.daemon = True
        self.thread.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b''):
            line = raw.decode('utf-8', 'replace').rstrip('\n')
            if self.ready_marker and self.ready_marker in line:
                self.ready_at = time.time()
                self.ready.set()
                continue
            if len(self.lines) < self.limit:
                self.lines.append(line)
        self.ready.set()


def _die_with_parent():
    """preexec_fn of every helper: the kernel kills it when this process dies, however it dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _spawn(argv, **kwargs):
    env = dict(os.environ, LANG='C', LC_ALL='C')
    env.update(kwargs.pop('env', {}))
    return subprocess.Popen(argv, env=env, preexec_fn=_die_with_parent, **kwargs)


def _stop(proc, sig=signal.SIGTERM, wait=3.0):
    """Stop a child: sig, then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        deadline = time.time() + wait
        while proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    except OSError:
        pass


class Witness(object):
    """One bounded witness run. ``run()`` returns the result dict; everything is undone in ``finally``."""

    def __init__(self, params):
        self.p = params
        self.addresses = set(str(ipaddress.ip_address(a)) for a in params['addresses'])
        self.identifiers = set(params.get('identifiers') or [])
        self.procs = []
        self.sock = None
        self.instance = None
        self.nft_input = None
        self.errors = []
        self.signalled = False

    # -- drop sources
    def _start_bpftrace(self, inum, lifetime):
        bpftrace = which('bpftrace')
        if bpftrace is None:
            return None, 'bpftrace is not installed (Debian/Ubuntu package bpftrace)'
        if not os.path.exists('/sys/kernel/btf/vmlinux'):
            return None, 'the kernel has no BTF (/sys/kernel/btf/vmlinux), which the bpftrace script needs'
        script = BPFTRACE_SCRIPT % (READY, inum, HEADER_BYTES, lifetime)
        base = find_tracefs()
        if base is not None:
            with open(os.path.join(base, FORMAT_PATH)) as handle:
                fmt = handle.read()
            argv = [bpftrace, '-B', 'line', '-e', script]
        else:
            # tracefs not mounted: mount it in a private mount namespace that dies with the child.
            unshare = which('unshare')
            if unshare is None:
                return None, 'tracefs is not mounted and unshare (util-linux) is missing to mount it privately'
            fmt = None
            argv = [unshare, '--mount', '--propagation', 'private', 'sh', '-c',
                    'T=/sys/kernel/tracing; mount -t tracefs nodev "$T" || exit 97; cat "$T/%s"; echo %s; '
                    'exec "$0" -B line -e "$1"' % (FORMAT_PATH, FORMAT_END), bpftrace, script]
        proc = _spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        if fmt is None:
            chunks = []
            for raw in iter(proc.stdout.readline, b''):
                line = raw.decode('utf-8', 'replace')
                if line.strip() == FORMAT_END:
                    break
                chunks.append(line)
            fmt = ''.join(chunks)
        reasons = parse_reason_names(fmt)
        if not reasons:
            _stop(proc)
            return None, 'the skb:kfree_skb tracepoint has no drop reasons on this kernel (needs Linux 5.17 or later)'
        return (proc, _Lines(proc, MAX_DROPS * 20, READY), reasons), None

    def _start_tracefs(self):
        base = find_tracefs()
        if base is None:
            return None, 'tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing) and bpftrace is missing'
        with open(os.path.join(base, FORMAT_PATH)) as handle:
            if not parse_reason_names(handle.read()):
                return None, 'the skb:kfree_skb tracepoint has no drop reasons on this kernel (needs Linux 5.17 or later)'
        self._remove_stale_instances(base)
        self.instance = os.path.join(base, 'instances', '%s%d' % (INSTANCE_PREFIX, os.getpid()))
        os.mkdir(self.instance)
        event = os.path.join(self.instance, 'events/skb/kfree_skb')
        with open(os.path.join(event, 'filter'), 'w') as handle:
            handle.write('protocol == 2048 || protocol == 2054 || protocol == 34525')
        with open(os.path.join(event, 'enable'), 'w') as handle:
            handle.write('1')
        fd = os.open(os.path.join(self.instance, 'trace_pipe'), os.O_RDONLY | os.O_NONBLOCK)
        return fd, None

    @staticmethod
    def _remove_stale_instances(base):
        folder = os.path.join(base, 'instances')
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if not name.startswith(INSTANCE_PREFIX):
                continue
            pid = name[len(INSTANCE_PREFIX):]
            if pid.isdigit() and not os.path.exists('/proc/%s' % pid):
                try:
                    os.rmdir(os.path.join(folder, name))
                except OSError:
                    pass

    def _stop_tracefs(self):
        if self.instance is None:
            return
        try:
            with open(os.path.join(self.instance, 'events/skb/kfree_skb/enable'), 'w') as handle:
                handle.write('0')
        except (IOError, OSError):
            pass
        for _attempt in range(20):
            try:
                os.rmdir(self.instance)
                break
            except OSError:
                time.sleep(0.05)
        self.instance = None

    # -- nft trace
    def _start_nft_trace(self):
        nft = which('nft')
        if nft is None:
            return None, 'nft is not installed'
        monitor = _spawn([nft, '-a', 'monitor', 'trace'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
        self.procs.append(monitor)
        lines = _Lines(monitor, MAX_VERDICTS * 50)
        # The owner tables live as long as this nft -i process keeps its netlink socket: until we close its
        # stdin, or it is killed, or this process dies (then the kernel kills it, see _die_with_parent).
        holder = _spawn([nft, '-i'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.procs.append(holder)
        self.nft_input = holder
        holder.stdin.write(nft_trace_ruleset(self.addresses).encode())
        holder.stdin.write(('list table inet %s\n' % NFT_TABLE).encode())
        holder.stdin.flush()
        ready, out = _wait_output(holder, 'table inet %s' % NFT_TABLE, 3.0)
        if not ready:
            _stop(holder, signal.SIGTERM)
            return None, 'could not create the temporary trace table (nftables with "flags owner" needs Linux 5.12 '\
                         'and nftables 0.9.9): %s' % out.strip()[-300:]
        return lines, None

    # -- probe (source hop only)
    def _send(self, results):
        send = self.p.get('send') or {}
        targets = send.get('targets') or []
        ident = (sorted(self.identifiers) or [os.getpid() & 0xffff])[0]
        for target in targets:
            family = 6 if ':' in target else 4
            entry = {'target': target, 'identifier': ident, 'sent': 0, 'error': None}
            try:
                sock = socket.socket(socket.AF_INET6 if family == 6 else socket.AF_INET, socket.SOCK_RAW,
                                     socket.IPPROTO_ICMPV6 if family == 6 else socket.IPPROTO_ICMP)
            except OSError as e:
                entry['error'] = '%s: %s' % (errno.errorcode.get(e.errno, e.errno), e.strerror)
                results.append(entry)
                continue
            try:
                for seq in range(1, int(send.get('count') or 3) + 1):
                    try:
                        sock.sendto(build_echo(ident, seq, family), (target, 0))
                        entry['sent'] += 1
                    except OSError as e:
                        entry['error'] = '%s: %s' % (errno.errorcode.get(e.errno, e.errno), e.strerror)
                    time.sleep(float(send.get('interval') or 0.2))
            finally:
                sock.close()
            results.append(entry)

    # -- the run
    def run(self):
        if os.geteuid() != 0:
            raise DoctorError('the packet witness needs root (CAP_NET_RAW for the capture socket, CAP_BPF/'
                              'CAP_SYS_ADMIN for the drop tracepoint): run with become: true')
        started = time.time()
        duration = float(self.p['duration'])
        # With a rendezvous the window starts at the go signal, at most rendezvous_timeout after ready.
        lifetime = int(duration + 10 + (self._go_timeout() if self.p.get('rendezvous') else 0))
        inum = netns_inode()
        result = {'available': True, 'why': None, 'netns_inode': inum, 'addresses': sorted(self.addresses),
                  'identifiers': sorted(self.identifiers), 'interfaces': {}, 'drops': [], 'nft_verdicts': [],
                  'sent': [], 'drop_source': 'none', 'drop_why': None, 'nft_trace': False, 'nft_why': None,
                  'packets_seen': 0, 'truncated': False, 'errors': [], 'rendezvous': None}
        previous = signal.signal(signal.SIGTERM, _raise_exit)
        bpf = trace_fd = nft_lines = None
        try:
            try:
                self.sock = open_capture()
            except OSError as e:
                raise DoctorError('cannot open the AF_PACKET capture socket: %s' % e)
            wanted = self.p.get('drop_source') or 'auto'
            if wanted in ('auto', 'bpftrace'):
                bpf, why = self._start_bpftrace(inum, lifetime)
                if bpf:
                    result['drop_source'] = 'bpftrace'
                else:
                    result['drop_why'] = why
            if bpf is None and wanted in ('auto', 'tracefs'):
                try:
                    trace_fd, why = self._start_tracefs()
                except (IOError, OSError) as e:
                    trace_fd, why = None, 'tracefs instance: %s' % e
                if trace_fd is not None:
                    result['drop_source'] = 'tracefs'
                    result['drop_why'] = 'bpftrace unavailable (%s); tracefs has no namespace: drops are this ' \
                                         'kernel\'s, matched by protocol only' % (result['drop_why'] or 'not asked for')
                else:
                    result['drop_why'] = '; '.join(w for w in (result['drop_why'], why) if w)
            if self.p.get('nft_trace', True):
                nft_lines, why = self._start_nft_trace()
                result['nft_trace'] = nft_lines is not None
                result['nft_why'] = why
            if bpf is not None:
                # The window starts once the drop probe is attached (the capture socket buffers meanwhile).
                bpf[1].ready.wait(float(self.p.get('attach_timeout') or 15))
            result['ready_after'] = round(time.time() - started, 3)
            if self.p.get('rendezvous'):
                self._signal_ready(result)
            self._loop(result, time.time(), duration, trace_fd)
            self._drain(result)
            if bpf is not None:
                if bpf[1].ready.is_set() and bpf[0].poll() is None:
                    result['ready_after'] = round(bpf[1].ready_at - started, 3)
                else:
                    result['drop_source'] = 'none'
                    result['drop_why'] = 'bpftrace did not attach within the window: %s' % _stderr(bpf[0])
        finally:
            signal.signal(signal.SIGTERM, previous)
            self._clear_rendezvous(result)
            if self.sock is not None:
                self.sock.close()
            if trace_fd is not None:
                os.close(trace_fd)
            self._stop_tracefs()
            if self.nft_input is not None:
                try:
                    self.nft_input.stdin.close()
                except (IOError, OSError):
                    pass
            for proc in self.procs:
                # The kernel detaches a BPF program when its last descriptor closes: killing is clean.
                _stop(proc, signal.SIGKILL)
        if bpf is not None:
            bpf[1].thread.join(2)
            for line in bpf[1].lines:
                drop = parse_bpftrace_line(line, bpf[2])
                if drop and matches(drop['packet'], self.addresses, self.identifiers):
                    drop['interface'] = _ifname(drop.pop('ifindex'))
                    if len(result['drops']) < MAX_DROPS:
                        result['drops'].append(drop)
        if nft_lines is not None:
            nft_lines.thread.join(2)
            for verdict in parse_nft_trace(nft_lines.lines):
                pkt = verdict.get('packet') or {}
                # nftrace is only set on the path's packets; a trace line without addresses (ARP in the
                # bridge family) is one of them.
                if (not pkt.get('src') and not pkt.get('dst')) or pkt.get('src') in self.addresses \
                        or pkt.get('dst') in self.addresses:
                    result['nft_verdicts'].append(verdict)
        result['duration'] = round(time.time() - started, 3)
        return result

    def _drain(self, result):
        """Count what the capture socket buffered (also packets that arrived before the loop ran)."""
        limit = int(self.p.get('max_packets') or 2000)
        while result['packets_seen'] < limit:
            try:
                frame, addr = self.sock.recvfrom(2048)
            except (IOError, OSError) as e:
                if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                    return
                raise
            packet = decode_frame(frame)
            if matches(packet, self.addresses, self.identifiers):
                result['packets_seen'] += 1
                count_packet(result['interfaces'], addr[0], 'out' if addr[2] == PACKET_OUTGOING else 'in', packet)
        result['truncated'] = True

    # -- the rendezvous: every hop is watching before any hop sends
    def _go_timeout(self):
        return float(self.p.get('rendezvous_timeout') or 30.0)

    def _signal_ready(self, result):
        """Say that this hop watches: ``<rendezvous>.ready`` (its caller waits for it on every hop)."""
        signal_rendezvous(self.p['rendezvous'], {'pid': os.getpid(), 'ready_after': result['ready_after']})
        self.signalled = True

    def _clear_rendezvous(self, result):
        """Remove the go signal, and ``.ready`` once a go came (the caller created it after waiting for every
        ``.ready``); without a go, ``.ready`` stays for a late waiter until a later run's sweep."""
        path = self.p.get('rendezvous')
        went = (result.get('rendezvous') or {}).get('missed') is False
        for suffix in ('.go', '.ready') if went else ('.go',):
            try:
                os.unlink(path + suffix)
            except (OSError, TypeError):
                pass

    def _window(self, result, ready, now):
        """When the window starts: at ready, or with a rendezvous when ``<rendezvous>.go`` appears."""
        path = self.p.get('rendezvous')
        if not path:
            return ready
        if os.path.exists(path + '.go'):
            result['rendezvous'] = {'go_after': round(now - ready, 3), 'missed': False}
            return now
        if now - ready >= self._go_timeout():
            result['rendezvous'] = {'go_after': None, 'missed': True}
            result['errors'].append('no go signal (%s.go) within %s s of ready: the window started alone'
                                    % (path, self._go_timeout()))
            return now
        return None

    def _loop(self, result, ready, duration, trace_fd):
        """The window: ``duration`` seconds from its start (ready, or the rendezvous' go), sending at ``send_after``.

        Packets that arrive before the window starts are counted too: the capture socket and the drop
        probe are attached from ``ready`` on."""
        started = send_at = deadline = None
        sent = not self.p.get('send')
        sender = None
        tracefs_buf = b''
        while True:
            now = time.time()
            if started is None:
                started = self._window(result, ready, now)
                if started is not None:
                    send_at, deadline = self._schedule(result, started, duration)
            if started is not None and not sent and now >= send_at:
                sender = threading.Thread(target=self._send, args=(result['sent'],))
                sender.daemon = True
                sender.start()
                sent = True
            if deadline is not None and now >= deadline:
                break
            fds = [self.sock] + ([trace_fd] if trace_fd is not None else [])
            readable, _w, _x = select.select(fds, [], [], min(0.1, max((deadline or now + 0.1) - now, 0.0)))
            if self.sock in readable:
                self._drain(result)
            if trace_fd is not None and trace_fd in readable:
                try:
                    tracefs_buf += os.read(trace_fd, 65536)
                except OSError:
                    pass
                done = tracefs_buf.split(b'\n')
                tracefs_buf = done.pop()
                for raw in done:
                    drop = parse_tracefs_line(raw.decode('utf-8', 'replace'))
                    if drop and drop['reason'] != 'NOT_SPECIFIED' and len(result['drops']) < MAX_DROPS:
                        drop.pop('ifindex')
                        drop['interface'] = None
                        result['drops'].append(drop)
        if sender is not None:
            sender.join(5)

    def _schedule(self, result, started, duration):
        """(send_at, deadline) of a window that starts at ``started``."""
        send_after = float(self.p.get('send_after') or 0)
        if not self.p.get('rendezvous'):
            # Without a rendezvous, a hop whose own drop probe was slow to attach (a loaded machine) gives
            # the other hops, started at about the same time and as loaded, the same extra time.
            send_after = max(send_after, float(result.get('ready_after') or 0) / 2)
        send_at = started + send_after
        deadline = started + duration
        send = self.p.get('send')
        if send:
            deadline = max(deadline, send_at + int(send.get('count') or 3) * float(send.get('interval') or 0.2) + 1.0)
        return send_at, deadline


def _wait_output(proc, marker, wait):
    """Read proc's stdout until marker shows (True) or wait seconds pass (False); returns (ok, text)."""
    text = ''
    deadline = time.time() + wait
    fd = proc.stdout.fileno()
    while time.time() < deadline:
        readable, _w, _x = select.select([fd], [], [], 0.1)
        if readable:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            text += chunk.decode('utf-8', 'replace')
            if marker in text:
                return True, text
    return False, text


def _stderr(proc):
    try:
        _stop(proc)
        return ' '.join(proc.stderr.read().decode('utf-8', 'replace').split()[-40:])
    except (IOError, OSError, ValueError):
        return 'no output'


def _ifname(index):
    if not index:
        return None
    try:
        return socket.if_indextoname(index)
    except OSError:
        return 'ifindex %d' % index


def _raise_exit(signum, _frame):
    raise SystemExit('packet witness interrupted by signal %d' % signum)


STALE_RENDEZVOUS = 3600


def signal_rendezvous(path, data):
    """Write ``<path>.ready`` atomically; first sweep the directory's rendezvous files older than an hour."""
    folder = os.path.dirname(path) or '.'
    try:
        os.makedirs(folder, 0o700)
    except OSError as e:
        if e.errno != errno.EEXIST:
            raise DoctorError('rendezvous: cannot create %s: %s' % (folder, e.strerror))
    stem = os.path.basename(path).split('-')[0] + '-'
    for name in os.listdir(folder):
        full = os.path.join(folder, name)
        if name.startswith(stem) and name.endswith(('.ready', '.go')):
            try:
                if time.time() - os.stat(full).st_mtime > STALE_RENDEZVOUS:
                    os.unlink(full)
            except OSError:
                pass
    tmp = '%s.ready.%d' % (path, os.getpid())
    with open(tmp, 'w') as handle:
        json.dump(data, handle)
    os.rename(tmp, path + '.ready')


def run(params):
    """Module entry: validate, run one bounded witness window, return the result dict.

    With a rendezvous, a run that fails before it watches still writes ``.ready`` (with the error), so
    that the caller waiting for every hop does not wait for this one until its timeout."""
    witness = None
    try:
        witness = _validated(params)
        return with_ovs_drops(witness.run)
    except Exception as e:
        if params.get('rendezvous') and os.path.isabs(params['rendezvous']) \
                and not (witness is not None and witness.signalled):
            try:
                signal_rendezvous(params['rendezvous'], {'pid': os.getpid(), 'failed': str(e)})
            except (DoctorError, IOError, OSError):
                pass
        raise


def _validated(params):
    addresses = params.get('addresses') or []
    if not addresses:
        raise DoctorError('addresses must list the path\'s IP addresses (source and target at least)')
    for address in addresses:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise DoctorError('addresses: %r is not an IP address' % (address,))
    for ident in params.get('identifiers') or []:
        if not 0 <= int(ident) <= 0xffff:
            raise DoctorError('identifiers: %r is not a 16-bit ICMP identifier' % (ident,))
    duration = float(params.get('duration') or 0)
    if not 0.5 <= duration <= 60:
        raise DoctorError('duration must be between 0.5 and 60 seconds, got %s' % duration)
    rendezvous = params.get('rendezvous')
    if rendezvous is not None and not os.path.isabs(rendezvous):
        raise DoctorError('rendezvous must be an absolute path prefix, got %r' % (rendezvous,))
    if not 1 <= float(params.get('rendezvous_timeout') or 30.0) <= 300:
        raise DoctorError('rendezvous_timeout must be between 1 and 300 seconds, got %s'
                          % params.get('rendezvous_timeout'))
    send = params.get('send') or {}
    for target in send.get('targets') or []:
        try:
            ipaddress.ip_address(target)
        except ValueError:
            raise DoctorError('send.targets: %r is not an IP address' % (target,))
    return Witness(params)


def with_ovs_drops(run_window):
    """``run_window()`` (the witness window), with the drop counters of this namespace's ovs-vswitchd read
    before and after it: those that grew are the result's ``ovs_drops`` (ovs.drops_during)."""
    before = ovs_drop_reading()
    result = run_window()
    if before is not None:
        # ovs-vswitchd threads add their counts to the totals coverage/show prints at most once a second.
        time.sleep(OVS_COVERAGE_FLUSH)
    drops = ovs.drops_during(before, ovs_drop_reading())
    if drops is not None:
        result['ovs_drops'] = drops
    return result


# -- Open vSwitch: the userspace datapath's drops are no kernel drops; it counts them itself
def _run_quiet(argv, timeout=5):
    """(rc, stdout, stderr) of a read-only command, C locale, killed after ``timeout`` seconds."""
    tool = which(argv[0])
    if tool is None:
        return 127, '', '%s not found' % argv[0]
    try:
        proc = subprocess.Popen([tool] + argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=dict(os.environ, LANG='C', LC_ALL='C'))
    except OSError as e:
        return 127, '', str(e)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc, signal.SIGKILL)
        return 124, '', '%s timed out after %s s' % (argv[0], timeout)
    return proc.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')


def ovs_drop_reading():
    """The drop counters of the ovs-vswitchd daemons of this namespace (ovs.drop_reading), None without."""
    try:
        with open('/proc/net/unix') as handle:
            sockets = handle.read()
    except (IOError, OSError):
        return None
    return ovs.drop_reading(_run_quiet, sockets)
