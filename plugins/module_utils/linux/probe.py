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
import json
import math
import re
import socket
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import family_of
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
# Option bounds (icmp_probe and win_icmp_probe alike). The interval floor is iputils' own minimum
# for a user without CAP_NET_RAW (root may go lower: that is a flood, not a probe). A timeout below
# 10 ms would be printed as ``-W 0``, which iputils reads as "wait for ever".
LIMITS = {
    'count': (1, 1000),
    'interval': (0.2, 60.0),
    'timeout': (0.01, 60.0),
}
# Longest one target may keep a probe busy: count * interval + timeout (seconds).
MAX_DURATION = 600.0
# A reply that has not come within RTT_MARGIN times a round trip already measured between the same two hosts (the
# other direction's echo crossed the same two one-way paths; the small echo, the large one's) is not coming; never
# waited for less than RTT_FLOOR seconds, nor longer than ``timeout``.
RTT_MARGIN = 10
RTT_FLOOR = 0.3

_RE_TX = re.compile(r'^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) duplicates)?'
                    r'(?:, \+(\d+) errors)?, ([\d.]+)% packet loss', re.M)
_RE_RTT = re.compile(r'^(?:rtt|round-trip) min/avg/max/(?:mdev|stddev) = '
                     r'([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms', re.M)
# A reply line of iputils ping (what ``until_reply`` stops at).
REPLY_LINE = re.compile(r'^\d+ bytes from \S+?:? .*icmp_seq=')
_RE_FROM = re.compile(r'^From (\S+?)(?: \([^)]*\))?:? icmp_seq=\d+ (.+?)\s*$', re.M)
# iputils prefixes its own errors with argv[0]: "ping: ..." or "/usr/bin/ping: ...".
_RE_LOCAL = re.compile(r'^(?:\S*/)?ping6?: (?:local error: )?(.+?)\s*$', re.M)
# A send the source's own stack refused (blackhole/prohibit/unreachable route, an OUTPUT drop):
# data about the path, not a bad invocation.
_RE_SEND = re.compile(r'^(?:connect|sendmsg|sendto|send): ')
# iputils prints this instead of the error when connect() fails with EACCES (a prohibit route or
# a local firewall rule) and the target is not a broadcast address.
_EACCES_HINT = 'do you want to ping broadcast?'
SEND_REFUSED_EACCES = 'connect: Permission denied'
REFUSING_ROUTE_TYPES = ('blackhole', 'prohibit', 'unreachable', 'throw')
_RE_MTU = re.compile(r'mtu\s*(?:=|:)\s*(\d+)', re.I)
_HOSTNAME = re.compile(r'^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?$')
_FRAG_WORDS = ('frag needed', 'packet too big')
_IFNAME = re.compile(r'^[^\s/:%]{1,15}$')


# A last label of digits or 0x-hex makes a target an IPv4 literal attempt (a host name's top label
# is never numeric): such a target must be a strict dotted quad. inet_aton would read "10.220.1"
# as 10.220.0.1 and "0x7f.1" as 127.0.0.1; getaddrinfo would send "999.1.1.1" to DNS.
_NUMERIC_LABEL = re.compile(r'^(?:0[xX][0-9a-fA-F]*|[0-9]+)$')


def _target_error(target, why, what='is not an IP address or resolvable name'):
    return DoctorError('target %r %s: %s' % (target, what, why), obj=target)


def parse_target(target, ip_version='auto', source=None):
    """Strict check of one target; returns ``(text, family or None)``, family None for a host name.

    IPv4 literals are four decimal numbers 0-255 (no short, hex or octal forms); IPv6 literals may
    carry ``%scope``; a link-local IPv6 needs a scope or an interface in ``source``. Unspecified,
    limited-broadcast and multicast addresses are refused (they do not name one host). A name must
    be a syntactically valid host name. Raises DoctorError naming the target otherwise; no DNS here.
    """
    if not isinstance(target, str) or not target.strip():
        raise _target_error(target, 'give an IP address or a host name')
    text = target.strip()
    if len(text) > 253:
        raise _target_error(target, 'longer than 253 characters')
    if ':' in text or '%' in text:
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            raise _target_error(target, 'not an IPv6 address' if ':' in text else
                                'only an IPv6 address can carry a %scope')
    elif _NUMERIC_LABEL.match(text.rstrip('.').rsplit('.', 1)[-1]):
        try:
            ip = ipaddress.IPv4Address(text)
        except ValueError:
            raise _target_error(target, 'not an IPv4 address: give four decimal numbers 0-255 separated by dots '
                                        '(short, hex and octal forms such as 10.1 or 0x7f.1 are refused)')
    else:
        if not _HOSTNAME.match(text):
            raise _target_error(target, 'neither an IP address nor a valid host name')
        return text, None
    fam = 'ipv4' if ip.version == 4 else 'ipv6'
    if ip_version not in (None, 'auto') and fam != ip_version:
        raise DoctorError('target %s is an %s address but ip_version is %s' % (text, fam, ip_version), obj=text)
    bare = ipaddress.ip_address(text.split('%')[0])
    if bare.is_unspecified:
        raise _target_error(target, 'the unspecified address names no host', 'cannot be probed')
    if bare.is_multicast or (fam == 'ipv4' and bare == ipaddress.IPv4Address('255.255.255.255')):
        raise _target_error(target, 'a broadcast or multicast address names no single host', 'cannot be probed')
    if fam == 'ipv6' and bare.is_link_local and '%' not in text and not (source and family_of(source) is None):
        raise _target_error(target, 'a link-local IPv6 address needs its interface: give %s%%IFACE '
                                    '(e.g. %s%%eth0) or source: IFACE' % (text, text), 'cannot be probed')
    return text, fam


def resolve(target, ip_version='auto', source=None):
    """Canonical address for ``target`` (an IP address or a name), or DoctorError."""
    text, fam = parse_target(target, ip_version, source)
    if fam is not None:
        return str(ipaddress.ip_address(text))
    af = {'auto': socket.AF_UNSPEC, 'ipv4': socket.AF_INET, 'ipv6': socket.AF_INET6}[ip_version or 'auto']
    try:
        infos = socket.getaddrinfo(text, None, af, socket.SOCK_RAW)
    except (socket.gaierror, UnicodeError) as e:
        raise DoctorError('target %s is not an IP address or resolvable name: %s' % (text, e), obj=text)
    # Prefer IPv4 when both exist (what a "ping NAME" user expects on dual-stack labs).
    infos.sort(key=lambda i: 0 if i[0] == socket.AF_INET else 1)
    if not infos:
        raise DoctorError('target %s resolves to no address' % text, obj=text)
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
        if text.lower().startswith(_EACCES_HINT):
            text = SEND_REFUSED_EACCES
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

    def __init__(self, runner, ping='ping', router=None, ip=None, until=None):
        self.runner = runner
        self.ping = ping
        self.router = router
        self.ip = ip
        # ``until(argv, pattern) -> (rc, stdout, stderr)``: runs argv and interrupts it (ping then prints
        # its statistics) at the first stdout line matching pattern; without it, probes run to the end.
        self.until = until

    def once(self, address, until_reply=False, **opts):
        argv = build_argv(address, ping=self.ping, **opts)
        if until_reply and self.until is not None:
            rc, out, err = self.until(argv, REPLY_LINE)
        else:
            rc, out, err = self.runner(argv)
        if rc not in (0, 1, 2) or (rc == 2 and not (out or err)):
            raise DoctorError('ping %s failed (rc=%s): %s' % (address, rc, (err or out).strip()),
                              obj=address, detail={'argv': argv, 'rc': rc, 'stderr': err})
        bad_opt = _bad_invocation(err)
        if bad_opt:
            line, option = bad_opt
            raise DoctorError('ping %s: %s' % (address, line), obj=option or address,
                              detail={'argv': argv, 'rc': rc, 'stderr': err})
        return parse_ping(out, err, rc)

    def on_link(self, address, source=None):
        """True when the kernel's route to ``address`` has no gateway (the target is on this host's own link),
        False when it has one, None when that is not known (no ``ip``, a failed lookup, a refusing route)."""
        if not self.ip:
            return None
        argv = [self.ip, '-j', 'route', 'get', address.split('%')[0]]
        if source and family_of(source) is not None:
            argv += ['from', source]
        elif source:
            argv += ['oif', source]
        rc, stdout, _err = self.runner(argv)
        try:
            routes = json.loads(stdout or '[]') if rc == 0 else []
        except ValueError:
            routes = []
        if not routes or not isinstance(routes[0], dict) or routes[0].get('type', 'unicast') != 'unicast':
            return None
        return 'gateway' not in routes[0] and routes[0].get('dev') != 'lo'

    def probe(self, target, address, count=3, interval=0.2, timeout=1.0, size=56, dont_fragment=False,
              source=None, path_mtu=False, path_mtu_max=1500, mtu_sized=False, until_reply=False,
              onlink_timeout=None, expected_rtt=None):
        fam = family_of(address)
        route = self.router(address, source) if self.router is not None else {}
        on_link = None
        if onlink_timeout is not None and onlink_timeout < timeout:
            # A neighbour on this host's own link answers within milliseconds: a request it dropped need
            # not be waited for as long as one that crosses routers.
            on_link = self.on_link(address, source)
            if on_link:
                timeout = onlink_timeout
        if expected_rtt is not None:
            timeout = min(timeout, max(RTT_FLOOR, RTT_MARGIN * float(expected_rtt) / 1000.0))
        if mtu_sized and route.get('route_mtu'):
            # The largest packet this host sends unfragmented towards the target.
            size = min(max(route['route_mtu'] - HEADER_BYTES[fam], 0), MAX_PAYLOAD[fam])
        parsed = self.once(address, count=count, interval=interval, timeout=timeout, size=size,
                           dont_fragment=dont_fragment, source=source, until_reply=until_reply)
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
            'local_error': None,
            'route_lookup': None,
            'timeout': timeout,
            'on_link': on_link,
        }
        local = [e for e in result['errors'] if _RE_SEND.match(e)]
        if local and not result['reachable']:
            # The source's own stack refused the send: say so, with its route lookup.
            result['local_error'] = local[0]
            result['route_lookup'] = self.route_lookup(address, source)
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

    def route_lookup(self, address, source=None):
        """The source's ``ip -j route get`` for ``address`` and the refusing route covering it, if any.

        Returns ``{'argv', 'route', 'error', 'refusing_route'}`` or None without an ``ip`` binary.
        ``ip route get`` itself fails on blackhole/prohibit/unreachable routes (with the same errno as
        the send), so the routes of every table are read too, to name the one that refuses.
        """
        if not self.ip:
            return None
        bare = address.split('%')[0]
        argv = [self.ip, '-j', 'route', 'get', bare]
        if source and family_of(source) is not None:
            argv += ['from', source]
        elif source or '%' in address:
            argv += ['oif', source or address.split('%')[1]]
        out = {'argv': argv, 'route': None, 'error': None, 'refusing_route': None}
        rc, stdout, stderr = self.runner(argv)
        if rc == 0:
            try:
                routes = json.loads(stdout or '[]')
                out['route'] = routes[0] if routes else None
            except ValueError:
                out['error'] = 'unparsable ip -j route get output'
        else:
            out['error'] = (stderr or stdout or 'rc %s' % rc).strip().splitlines()[-1]
        rc, stdout, _err = self.runner([self.ip, '-j', '-d', '-%s' % family_of(address)[-1], 'route', 'show',
                                        'table', 'all'])
        if rc == 0:
            try:
                out['refusing_route'] = refusing_route(json.loads(stdout or '[]'), bare)
            except ValueError:
                pass
        return out

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


def refusing_route(routes, address):
    """The longest-prefix blackhole/prohibit/unreachable/throw route covering ``address``, or None."""
    ip = ipaddress.ip_address(address)
    best = None
    for route in routes or []:
        if not isinstance(route, dict) or route.get('type') not in REFUSING_ROUTE_TYPES:
            continue
        dst = route.get('dst')
        try:
            net = ipaddress.ip_network('0.0.0.0/0' if ip.version == 4 else '::/0') if dst == 'default' else \
                ipaddress.ip_network(dst if '/' in str(dst) else '%s/%d' % (dst, ip.max_prefixlen), strict=False)
        except ValueError:
            continue
        if net.version == ip.version and ip in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, {'type': route['type'], 'dst': str(dst), 'table': route.get('table', 'main')})
    return best[1] if best else None


_BAD_INVOCATION = (
    'invalid argument', 'invalid value', 'unknown iface', 'bad value', 'cannot assign requested address',
    'usage:', 'illegal', 'option requires', 'invalid option', 'no such device', 'bad linger time',
    'bad timing interval', 'out of range', 'bad number of packets', 'cannot flood',
)
# Which option a refusal names, by the words of iputils' message.
_BAD_OPTION = (('linger', 'timeout'), ('interval', 'interval'), ('flood', 'interval'),
               ('number of packets', 'count'), ('packet size', 'size'), ('so_bindtodevice', 'source'),
               ('cannot assign requested address', 'source'), ('unknown iface', 'source'),
               ('no such device', 'source'))


def _bad_invocation(stderr):
    """``(line, option or None)`` telling that ping could not be run as asked (bad source, option), else None.

    A refused send (``connect:``/``sendmsg:`` errors, the EACCES broadcast hint) is not one: it is data."""
    for line in (stderr or '').splitlines():
        m = _RE_LOCAL.match(line.strip())
        text = (m.group(1) if m else line).strip()
        low = text.lower()
        if _RE_SEND.match(text) or low.startswith(_EACCES_HINT):
            continue
        if any(w in low for w in _BAD_INVOCATION):
            option = [opt for word, opt in _BAD_OPTION if word in low]
            return line.strip(), (option[0] if option else None)
    return None


def check_timing(params):
    """Bounded count, interval, timeout and onlink_timeout (shared with win_icmp_probe); DoctorError names the bad
    one."""
    for name, (low, high) in sorted(LIMITS.items()):
        value = params.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise DoctorError('%s must be a number, got %r' % (name, value), obj=name)
        if not low <= value <= high:
            why = ''
            if name == 'interval' and value < low:
                why = ' (a shorter interval is a flood, not a probe; it is iputils\' minimum without root)'
            elif name == 'timeout' and value < low:
                why = ' (ping would read a shorter timeout as 0: wait for ever)'
            raise DoctorError('%s must be between %s and %s, got %s%s' % (name, _num(low), _num(high), value, why),
                              obj=name)
    if params['count'] != int(params['count']):
        raise DoctorError('count must be a whole number, got %s' % params['count'], obj='count')
    onlink = params.get('onlink_timeout')
    if onlink is not None and (isinstance(onlink, bool) or not isinstance(onlink, (int, float)) or math.isnan(onlink)
                               or not LIMITS['timeout'][0] <= onlink <= LIMITS['timeout'][1]):
        raise DoctorError('onlink_timeout must be between %s and %s, got %r'
                          % (_num(LIMITS['timeout'][0]), _num(LIMITS['timeout'][1]), onlink), obj='onlink_timeout')
    _check_expected_rtt(params.get('expected_rtt'), params.get('targets'))
    duration = params['count'] * params['interval'] + params['timeout']
    if duration > MAX_DURATION:
        raise DoctorError('count * interval + timeout must stay within %d s per target, got %s s (count %s, '
                          'interval %s, timeout %s)' % (MAX_DURATION, _num(duration), params['count'],
                                                        params['interval'], params['timeout']), obj='count')


def _check_expected_rtt(expected, targets):
    """``expected_rtt``: None, or round-trip times in milliseconds (0-60000) keyed by targets of the probe."""
    if expected is None:
        return
    if not isinstance(expected, dict):
        raise DoctorError('expected_rtt must be a dictionary of target: milliseconds, got %r' % (expected,),
                          obj='expected_rtt')
    for target, value in sorted(expected.items()):
        if targets is not None and target not in targets:
            raise DoctorError('expected_rtt names %r, which is not among targets' % (target,), obj='expected_rtt')
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) \
                or not 0 <= value <= LIMITS['timeout'][1] * 1000:
            raise DoctorError('expected_rtt of %s must be between 0 and %d milliseconds, got %r'
                              % (target, LIMITS['timeout'][1] * 1000, value), obj='expected_rtt')


def validate(params):
    """Check option values; raise DoctorError naming the bad one."""
    check_timing(params)
    if not 0 <= params['size'] <= MAX_PAYLOAD['ipv4']:
        raise DoctorError('size must be between 0 and %d bytes, got %s' % (MAX_PAYLOAD['ipv4'], params['size']),
                          obj='size')
    if not MIN_MTU['ipv4'] <= params['path_mtu_max'] <= MAX_TOTAL:
        raise DoctorError('path_mtu_max must be between %d and %d, got %s'
                          % (MIN_MTU['ipv4'], MAX_TOTAL, params['path_mtu_max']), obj='path_mtu_max')
    if not params['targets']:
        raise DoctorError('targets must name at least one address or host name', obj='targets')
    source = params.get('source')
    if source is not None:
        _check_source(source)


def _check_source(source):
    """``source`` is an interface name or a strict IP address (same literal rules as targets)."""
    text = source.strip() if isinstance(source, str) else ''
    if not text or text != source:
        raise DoctorError('source must be an interface name or an IP address, got %r' % (source,), obj='source')
    if ':' in text or _NUMERIC_LABEL.match(text.rsplit('.', 1)[-1]) and '.' in text:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise DoctorError('source %r is not an IP address (strict form: four decimal numbers 0-255, or IPv6)'
                              % source, obj='source')
    elif not _IFNAME.match(text):
        raise DoctorError('source %r is neither an IP address nor an interface name (1-15 characters, no '
                          'spaces or slashes)' % source, obj='source')


def large_targets(params):
    """The targets of option ``large`` (None without it): its ``targets``, else every target. DoctorError when it
    names a target the probe does not have, or a size out of range."""
    large = params.get('large')
    if large is None:
        return None
    if not isinstance(large, dict):
        raise DoctorError('large must be a dictionary (targets, size), got %r' % (large,), obj='large')
    size = large.get('size') or 0
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_PAYLOAD['ipv4']:
        raise DoctorError('large.size must be between 0 (the route MTU) and %d bytes, got %r'
                          % (MAX_PAYLOAD['ipv4'], size), obj='large')
    wanted = large.get('targets')
    if wanted is None:
        return list(params['targets'])
    unknown = [t for t in wanted if t not in params['targets']]
    if unknown:
        raise DoctorError('large.targets must be among targets, got %s' % ', '.join(str(t) for t in unknown),
                          obj='large')
    return list(wanted)


def large_options(params):
    """The options of the large probe of option ``large``: one request with don't-fragment, sized to the route MTU
    (``large.size`` 0) or to ``large.size``, waited for as the small probe's."""
    size = (params.get('large') or {}).get('size') or 0
    return dict(count=1, interval=0.2, timeout=params['timeout'], size=size or 56, dont_fragment=True,
                mtu_sized=size == 0)


def run(runner, params, resolver=resolve, router=route_info, until=None):
    """Resolve every target first (bad ones fail before any packet), then probe each in turn.
    With ``params['until_reply']`` and an ``until`` runner (see ``Prober``), a target's probe ends at
    its first reply: a reachable target costs one round trip instead of ``count`` intervals.
    With ``params['large']``, each of its targets that answered is sent the large probe right after
    (``large_options``), in the same thread.

    Returns ``{'results': [...], 'reachable_all': bool}``, and ``large`` (the same shape) with ``params['large']``.
    """
    validate(params)
    bigger = large_targets(params)
    resolved = []
    for target in params['targets']:
        text, fam = parse_target(target, params.get('ip_version') or 'auto', params.get('source'))
        # Literals are probed as written (never through a resolver); only names are resolved.
        address = str(ipaddress.ip_address(text)) if fam else resolver(text, params.get('ip_version') or 'auto')
        fam = family_of(address)
        if params['size'] > MAX_PAYLOAD[fam]:
            raise DoctorError('size %s is too large for %s target %s (max %d)'
                              % (params['size'], fam, target, MAX_PAYLOAD[fam]), obj='size')
        resolved.append((target, address))
    prober = Prober(runner, ping=params.get('ping') or 'ping', router=router, ip=params.get('ip'), until=until)

    def one(item):
        target, address = item
        max_total = params['path_mtu_max']
        if family_of(address) == 'ipv6':
            max_total = max(max_total, MIN_MTU['ipv6'])
        small = prober.probe(
            target, address, count=params['count'], interval=params['interval'], timeout=params['timeout'],
            size=params['size'], dont_fragment=params['dont_fragment'], source=params.get('source'),
            path_mtu=params['path_mtu'], path_mtu_max=max_total, mtu_sized=params.get('mtu_sized', False),
            until_reply=params.get('until_reply', False), onlink_timeout=params.get('onlink_timeout'),
            expected_rtt=(params.get('expected_rtt') or {}).get(target))
        if bigger is None or target not in bigger or not small['reachable']:
            # a target that does not answer the small probe says nothing more to a large one
            return small, None
        # the small echo just measured this path's round trip: a large reply later than its margin is not coming
        return small, prober.probe(target, address, source=params.get('source'),
                                   onlink_timeout=params.get('onlink_timeout'),
                                   expected_rtt=(small.get('rtt') or {}).get('max'), **large_options(params))

    workers = min(MAX_PARALLEL, len(resolved))
    if workers <= 1:
        pairs = [one(item) for item in resolved]
    else:
        # Targets are independent: probe them at the same time (one ping process each), so a
        # host with many VMs waits for the slowest target, not for the sum. Order is kept.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pairs = list(pool.map(one, resolved))
    results = [small for small, _big in pairs]
    out = {'results': results, 'reachable_all': all(r['reachable'] for r in results)}
    if bigger is not None:
        large = [big for _small, big in pairs if big is not None]
        out['large'] = {'results': large, 'reachable_all': all(r['reachable'] for r in large)}
    return out
