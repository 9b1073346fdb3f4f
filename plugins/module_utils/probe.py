# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real ICMP echo probes with iputils ``ping``: argv building, output parsing, path MTU search.

The only I/O goes through ``runner(argv) -> (rc, stdout, stderr)`` (the module passes
``module.run_command`` with ``LANG=C``) and ``resolver(name, family) -> address``.
Everything else is pure and unit-tested on real ping outputs captured in namespaces
(tests/unit/fixtures/probe/).

A result follows docs/facts_schema.md "Probe results", plus ``family``, ``reported_mtu`` (the
MTU named by a "Frag needed"/"Packet too big"/"message too long" error), ``source_address``
and ``route_mtu`` (what the kernel's route lookup says, from a connected UDP socket: no packet).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
import socket
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

# IP + ICMP header bytes added to the ping payload (-s) to give the IP total length.
HEADER_BYTES = {'ipv4': 28, 'ipv6': 48}
# Smallest MTU every link must carry: RFC 791 (68) and RFC 8200 (1280).
MIN_MTU = {'ipv4': 68, 'ipv6': 1280}
# Largest payload iputils accepts per family (65535 - headers).
MAX_PAYLOAD = {'ipv4': 65507, 'ipv6': 65487}
MAX_TOTAL = 65535
# Targets probed at the same time by one module call.
MAX_PARALLEL = 8

_RE_TX = re.compile(r'^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?'
                    r'(?:, \+(\d+) errors)?, ([\d.]+)% packet loss', re.M)
_RE_RTT = re.compile(r'^(?:rtt|round-trip) min/avg/max/(?:mdev|stddev) = '
                     r'([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms', re.M)
_RE_FROM = re.compile(r'^From (\S+?)(?: \([^)]*\))?:? icmp_seq=\d+ (.+?)\s*$', re.M)
# iputils prefixes its own errors with argv[0]: "ping: ..." or "/usr/bin/ping: ...".
_RE_LOCAL = re.compile(r'^(?:\S*/)?ping6?: (?:local error: )?(.+?)\s*$', re.M)
_RE_MTU = re.compile(r'mtu\s*(?:=|:)\s*(\d+)', re.I)
_HOSTNAME = re.compile(r'^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?$')
_FRAG_WORDS = ('frag needed', 'packet too big')


def family_of(address):
    """``ipv4``/``ipv6`` for an IP address string, or None when it is not one."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return 'ipv4' if ip.version == 4 else 'ipv6'


def resolve(target, ip_version='auto'):
    """Canonical address for ``target`` (an IP address or a name), or DoctorError."""
    if not isinstance(target, str) or not target.strip():
        raise DoctorError('target %r is not an IP address or resolvable name' % (target,), obj=target)
    target = target.strip()
    fam = family_of(target)
    if fam is not None:
        if ip_version != 'auto' and fam != ip_version:
            raise DoctorError('target %s is an %s address but ip_version is %s' % (target, fam, ip_version),
                              obj=target)
        return str(ipaddress.ip_address(target))
    if not _HOSTNAME.match(target) or len(target) > 253:
        raise DoctorError('target %r is not an IP address or resolvable name' % target, obj=target)
    af = {'auto': socket.AF_UNSPEC, 'ipv4': socket.AF_INET, 'ipv6': socket.AF_INET6}[ip_version]
    try:
        infos = socket.getaddrinfo(target, None, af, socket.SOCK_RAW)
    except (socket.gaierror, UnicodeError) as e:
        raise DoctorError('target %s is not an IP address or resolvable name: %s' % (target, e), obj=target)
    # Prefer IPv4 when both exist (what a "ping NAME" user expects on dual-stack labs).
    infos.sort(key=lambda i: 0 if i[0] == socket.AF_INET else 1)
    if not infos:
        raise DoctorError('target %s resolves to no address' % target, obj=target)
    return str(ipaddress.ip_address(infos[0][4][0].split('%')[0]))


# Linux socket options (not exported by the socket module): the MTU the kernel knows for a
# connected socket's route (interface MTU or a cached path MTU).
_IP_MTU = 14
_IPV6_MTU = 24


def route_info(address, source=None):
    """Source address and route MTU the kernel would use towards ``address``; sends no packet.

    A UDP socket ``connect()`` only looks up the route. Returns
    ``{'source_address': str|None, 'route_mtu': int|None, 'route_error': str|None}``.
    """
    fam = family_of(address)
    af = socket.AF_INET if fam == 'ipv4' else socket.AF_INET6
    out = {'source_address': None, 'route_mtu': None, 'route_error': None}
    sock = socket.socket(af, socket.SOCK_DGRAM)
    try:
        if source and family_of(source) is not None:
            sock.bind((source, 0))
        elif source:
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, 'SO_BINDTODEVICE', 25), source.encode() + b'\0')
        sock.connect((address, 9))
        out['source_address'] = str(ipaddress.ip_address(sock.getsockname()[0].split('%')[0]))
        try:
            if fam == 'ipv4':
                out['route_mtu'] = sock.getsockopt(socket.IPPROTO_IP, _IP_MTU)
            else:
                out['route_mtu'] = sock.getsockopt(socket.IPPROTO_IPV6, _IPV6_MTU)
        except OSError:
            pass
    except OSError as e:
        out['route_error'] = e.strerror or str(e)
    finally:
        sock.close()
    return out


def _num(value):
    """Format a number for ping's argv without trailing ``.0`` noise."""
    if float(value) == int(value):
        return str(int(value))
    return ('%.3f' % float(value)).rstrip('0').rstrip('.')


def build_argv(address, count=3, interval=0.2, timeout=1.0, size=56, dont_fragment=False, source=None,
               ping='ping'):
    """The ping argv (never a shell string). ``address`` must already be a resolved IP address."""
    fam = family_of(address)
    if fam is None:
        raise DoctorError('internal: ping needs a resolved address, got %r' % (address,))
    argv = [ping, '-4' if fam == 'ipv4' else '-6', '-n', '-c', str(int(count)), '-i', _num(interval),
            '-W', _num(timeout), '-s', str(int(size))]
    if dont_fragment:
        argv += ['-M', 'do']
    if source:
        argv += ['-I', source]
    argv.append(address)
    return argv


def parse_ping(stdout, stderr='', rc=0):
    """Parse iputils ping output into counters, rtt and the ICMP/local errors seen.

    Returns ``{sent, received, errors_count, loss_percent, rtt, errors, frag_needed, reported_mtu}``.
    ``errors`` keeps the distinct messages in the order first seen, e.g.
    ``"Frag needed and DF set (mtu = 1400)"``, ``"Destination Host Unreachable"``,
    ``"local error: message too long, mtu=1500"``, ``"connect: Network is unreachable"``.
    """
    stdout = stdout or ''
    stderr = stderr or ''
    out = {'sent': 0, 'received': 0, 'errors_count': 0, 'loss_percent': None,
           'rtt': {'min': None, 'avg': None, 'max': None, 'mdev': None},
           'errors': [], 'frag_needed': False, 'reported_mtu': None}
    m = _RE_TX.search(stdout)
    if m:
        out['sent'] = int(m.group(1))
        out['received'] = int(m.group(2))
        out['errors_count'] = int(m.group(4) or 0)
        out['loss_percent'] = float(m.group(5))
    m = _RE_RTT.search(stdout)
    if m:
        out['rtt'] = dict(zip(('min', 'avg', 'max', 'mdev'), (float(g) for g in m.groups())))
    messages = [m.group(2) for m in _RE_FROM.finditer(stdout)]
    for m in _RE_LOCAL.finditer(stderr):
        text = m.group(1)
        # "ping: local error: message too long, mtu=1400" keeps its "local error:" prefix.
        if 'local error:' in m.group(0):
            text = 'local error: ' + text
        messages.append(text)
    for text in messages:
        if text not in out['errors']:
            out['errors'].append(text)
        low = text.lower()
        if any(w in low for w in _FRAG_WORDS):
            out['frag_needed'] = True
        if 'mtu' in low:
            mm = _RE_MTU.search(text)
            if mm:
                mtu = int(mm.group(1))
                if out['reported_mtu'] is None or mtu < out['reported_mtu']:
                    out['reported_mtu'] = mtu
    if out['loss_percent'] is None:
        # ping gave up before sending (connect error, bad interface...): nothing went out.
        out['loss_percent'] = 100.0
        if rc and not out['errors']:
            out['errors'].append('ping exited with rc %s' % rc)
    return out


class Prober(object):
    """Run probes through ``runner(argv) -> (rc, out, err)``."""

    def __init__(self, runner, ping='ping', router=None):
        self.runner = runner
        self.ping = ping
        self.router = router

    def once(self, address, **opts):
        argv = build_argv(address, ping=self.ping, **opts)
        rc, out, err = self.runner(argv)
        if rc not in (0, 1, 2) or (rc == 2 and not (out or err)):
            raise DoctorError('ping %s failed (rc=%s): %s' % (address, rc, (err or out).strip()),
                              obj=address, detail={'argv': argv, 'rc': rc, 'stderr': err})
        bad_opt = _bad_invocation(err)
        if bad_opt:
            raise DoctorError('ping %s: %s' % (address, bad_opt), obj=address,
                              detail={'argv': argv, 'rc': rc, 'stderr': err})
        return parse_ping(out, err, rc)

    def probe(self, target, address, count=3, interval=0.2, timeout=1.0, size=56, dont_fragment=False,
              source=None, path_mtu=False, path_mtu_max=1500, mtu_sized=False):
        fam = family_of(address)
        route = self.router(address, source) if self.router is not None else {}
        if mtu_sized and route.get('route_mtu'):
            # The largest packet this host sends unfragmented towards the target.
            size = min(max(route['route_mtu'] - HEADER_BYTES[fam], 0), MAX_PAYLOAD[fam])
        parsed = self.once(address, count=count, interval=interval, timeout=timeout, size=size,
                           dont_fragment=dont_fragment, source=source)
        result = {
            'target': target,
            'address': address,
            'family': fam,
            'sent': parsed['sent'],
            'received': parsed['received'],
            'loss_percent': parsed['loss_percent'],
            'rtt': parsed['rtt'],
            'reachable': parsed['received'] > 0,
            'size': size,
            'dont_fragment': bool(dont_fragment),
            'errors': list(parsed['errors']),
            'frag_needed': parsed['frag_needed'],
            'reported_mtu': parsed['reported_mtu'],
            'path_mtu': None,
            'source_address': route.get('source_address'),
            'route_mtu': route.get('route_mtu'),
        }
        if path_mtu and result['reachable']:
            if result['route_mtu'] and MIN_MTU[fam] <= result['route_mtu'] < path_mtu_max:
                # Nothing larger than the route MTU leaves this host with don't-fragment set.
                path_mtu_max = result['route_mtu']
            found, seen = self.path_mtu(address, path_mtu_max, timeout=timeout, source=source)
            result['path_mtu'] = found
            for p in seen:
                for e in p['errors']:
                    if e not in result['errors']:
                        result['errors'].append(e)
                result['frag_needed'] = result['frag_needed'] or p['frag_needed']
                if p['reported_mtu'] is not None and (result['reported_mtu'] is None
                                                      or p['reported_mtu'] < result['reported_mtu']):
                    result['reported_mtu'] = p['reported_mtu']
        return result

    def path_mtu(self, address, max_total=1500, timeout=1.0, source=None):
        """Binary search of the largest IP total length that passes with DF set.

        Returns (path_mtu or None, list of parsed pings). Invariant: ``lo`` passed, ``hi`` failed.
        A "Frag needed (mtu = N)" / "message too long, mtu=N" answer narrows ``hi`` at once.
        """
        fam = family_of(address)
        hdr = HEADER_BYTES[fam]
        lo_total = MIN_MTU[fam]
        seen = []
        # A silently dropped size costs the whole per-reply timeout: keep it short.
        timeout = min(timeout, 0.5)

        def passes(total):
            p = self.once(address, count=1, interval=0.2, timeout=timeout, size=total - hdr,
                          dont_fragment=True, source=source)
            seen.append(p)
            return p['received'] > 0, p['reported_mtu']

        ok, reported = passes(max_total)
        if ok:
            return max_total, seen
        hi = max_total
        if reported is not None and lo_total <= reported < hi:
            ok = passes(reported)[0]
            if ok:
                return reported, seen
            hi = reported
        ok = passes(lo_total)[0]
        if not ok:
            return None, seen
        lo = lo_total
        while hi - lo > 1:
            mid = (lo + hi) // 2
            ok, reported = passes(mid)
            if ok:
                lo = mid
            else:
                hi = mid
                if reported is not None and lo < reported < hi:
                    # The hop told us its MTU: try it directly.
                    ok = passes(reported)[0]
                    if ok:
                        lo = reported
                    else:
                        hi = reported
        return lo, seen


_BAD_INVOCATION = (
    'invalid argument', 'invalid value', 'unknown iface', 'bad value', 'cannot assign requested address',
    'usage:', 'illegal', 'option requires', 'invalid option', 'no such device',
)


def _bad_invocation(stderr):
    """The stderr line telling that ping could not be run as asked (bad source, option), else None."""
    for line in (stderr or '').splitlines():
        low = line.lower()
        if any(w in low for w in _BAD_INVOCATION):
            return line.strip()
    return None


def validate(params):
    """Check option values; raise DoctorError naming the bad one."""
    if params['count'] <= 0:
        raise DoctorError('count must be > 0, got %s' % params['count'], obj='count')
    if params['interval'] <= 0:
        raise DoctorError('interval must be > 0, got %s' % params['interval'], obj='interval')
    if params['timeout'] <= 0:
        raise DoctorError('timeout must be > 0, got %s' % params['timeout'], obj='timeout')
    if not 0 <= params['size'] <= MAX_PAYLOAD['ipv4']:
        raise DoctorError('size must be between 0 and %d bytes, got %s' % (MAX_PAYLOAD['ipv4'], params['size']),
                          obj='size')
    if not MIN_MTU['ipv4'] <= params['path_mtu_max'] <= MAX_TOTAL:
        raise DoctorError('path_mtu_max must be between %d and %d, got %s'
                          % (MIN_MTU['ipv4'], MAX_TOTAL, params['path_mtu_max']), obj='path_mtu_max')
    if not params['targets']:
        raise DoctorError('targets must name at least one address or host name', obj='targets')


def run(runner, params, resolver=resolve, router=route_info):
    """Resolve every target first (bad ones fail before any packet), then probe each in turn.

    Returns ``{'results': [...], 'reachable_all': bool}``.
    """
    validate(params)
    resolved = []
    for target in params['targets']:
        address = resolver(target, params.get('ip_version') or 'auto')
        fam = family_of(address)
        if params['size'] > MAX_PAYLOAD[fam]:
            raise DoctorError('size %s is too large for %s target %s (max %d)'
                              % (params['size'], fam, target, MAX_PAYLOAD[fam]), obj='size')
        resolved.append((target, address))
    prober = Prober(runner, ping=params.get('ping') or 'ping', router=router)

    def one(item):
        target, address = item
        max_total = params['path_mtu_max']
        if family_of(address) == 'ipv6':
            max_total = max(max_total, MIN_MTU['ipv6'])
        return prober.probe(
            target, address, count=params['count'], interval=params['interval'], timeout=params['timeout'],
            size=params['size'], dont_fragment=params['dont_fragment'], source=params.get('source'),
            path_mtu=params['path_mtu'], path_mtu_max=max_total, mtu_sized=params.get('mtu_sized', False))

    workers = min(MAX_PARALLEL, len(resolved))
    if workers <= 1:
        results = [one(item) for item in resolved]
    else:
        # Targets are independent: probe them at the same time (one ping process each), so a
        # host with many VMs waits for the slowest target, not for the sum. Order is kept.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, resolved))
    return {'results': results, 'reachable_all': all(r['reachable'] for r in results)}
