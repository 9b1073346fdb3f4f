# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ICMP probes from a Windows host: option checks, and the probe results assembled from the
PingReply records the probe script (``ps.probe_script``) writes. Pure, no I/O.

The result of each target has exactly the shape of ``vmnet.doctor.icmp_probe``
(docs/facts_schema.md "Probe results"). What differs on Windows:

* ``errors`` holds the ``IPStatus`` of the failed echoes, in the words iputils uses where one
  exists (``Destination Host Unreachable``...); a timed-out echo is not an error (as in ping).
* ``PacketTooBig`` carries no MTU, so ``reported_mtu`` stays null. It is a local refusal
  (``local error: message too long, mtu=N``, as Linux says it) when the packet is larger than
  the route's interface MTU, else a router's "fragmentation needed" (``frag_needed``).
* ``rtt`` comes from ``RoundtripTime``: whole milliseconds (0 below 1 ms).
* ``PingOptions.DontFragment`` applies to IPv4 only: an IPv6 echo larger than the path MTU is
  fragmented by the sending host and may well get through. An IPv6 probe asked for don't-fragment
  or a path MTU therefore reports ``dont_fragment`` false, no ``path_mtu``, and
  ``mtu_evidence`` false with the reason in ``mtu_note``: it is not evidence about the MTU.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import re

from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import family_of
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import probe as linux
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.facts import as_list

HEADER_BYTES = {'ipv4': 28, 'ipv6': 48}
MIN_MTU = {'ipv4': 68, 'ipv6': 1280}
# System.Net.NetworkInformation.Ping refuses buffers above 65500 bytes.
MAX_PAYLOAD = 65500
MAX_TOTAL = 65535
# Each path MTU step waits at most this long (a silently dropped size costs the whole timeout).
STEP_TIMEOUT_MS = 500

# IPStatus (System.Net.NetworkInformation) numbers -> names; ConvertTo-Json writes the number
# when the enum is not converted to a string. 11004 is both DestinationProhibited (IPv6) and
# DestinationProtocolUnreachable (IPv4).
IP_STATUS = {
    -1: 'Unknown', 0: 'Success', 11002: 'DestinationNetworkUnreachable', 11003: 'DestinationHostUnreachable',
    11004: 'DestinationProtocolUnreachable', 11005: 'DestinationPortUnreachable', 11006: 'NoResources',
    11007: 'BadOption', 11008: 'HardwareError', 11009: 'PacketTooBig', 11010: 'TimedOut', 11012: 'BadRoute',
    11013: 'TtlExpired', 11014: 'TtlReassemblyTimeExceeded', 11015: 'ParameterProblem', 11016: 'SourceQuench',
    11018: 'BadDestination', 11040: 'DestinationUnreachable', 11041: 'TimeExceeded', 11042: 'BadHeader',
    11043: 'UnrecognizedNextHeader', 11044: 'IcmpError', 11045: 'DestinationScopeMismatch',
}
# The error text per status: iputils' words where it has them, so the diagnosis reads both alike.
MESSAGES = {
    'DestinationNetworkUnreachable': 'Destination Net Unreachable',
    'DestinationHostUnreachable': 'Destination Host Unreachable',
    'DestinationProtocolUnreachable': 'Destination Protocol Unreachable',
    'DestinationProhibited': 'Destination Prohibited',
    'DestinationPortUnreachable': 'Destination Port Unreachable',
    'DestinationUnreachable': 'Destination Unreachable',
    'TtlExpired': 'Time to live exceeded',
    'TimeExceeded': 'Time exceeded',
    'TtlReassemblyTimeExceeded': 'Frag reassembly time exceeded',
    'ParameterProblem': 'Parameter problem',
    'SourceQuench': 'Source Quench',
}
NO_REPLY = ('TimedOut',)
IPV6_DF_NOTE = ('Windows Ping sets don\'t-fragment for IPv4 only: this IPv6 echo may have been fragmented by the '
                'sender, so its size and path MTU results say nothing about the path MTU')
NO_ADDRESS = ('', '0.0.0.0', '::', None)
_IPV4 = re.compile(r'^\d{1,3}(?:\.\d{1,3}){3}$')


def status_name(value):
    """The IPStatus name for a name or a number (None when no reply record)."""
    if value is None or value == '':
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return IP_STATUS.get(value, 'IPStatus %d' % value)
    text = str(value)
    if text.lstrip('-').isdigit():
        return IP_STATUS.get(int(text), 'IPStatus %s' % text)
    return text


def validate(params):
    """Check option values before anything is sent; DoctorError names the bad one.

    Count, interval, timeout and the targets follow the same rules as icmp_probe (one copy, in
    module_utils/linux/probe.py): bounded timing, strict IPv4 literals, link-local IPv6 with a scope."""
    linux.check_timing(params)
    if not 0 <= params['size'] <= MAX_PAYLOAD:
        raise DoctorError('size must be between 0 and %d bytes (the .NET Ping limit), got %s'
                          % (MAX_PAYLOAD, params['size']), obj='size')
    if not MIN_MTU['ipv4'] <= params['path_mtu_max'] <= MAX_PAYLOAD + HEADER_BYTES['ipv4']:
        raise DoctorError('path_mtu_max must be between %d and %d, got %s'
                          % (MIN_MTU['ipv4'], MAX_PAYLOAD + HEADER_BYTES['ipv4'], params['path_mtu_max']),
                          obj='path_mtu_max')
    if not params['targets']:
        raise DoctorError('targets must name at least one address or host name', obj='targets')
    for target in params['targets']:
        linux.parse_target(target, params.get('ip_version') or 'auto')


def script_args(params):
    """Keyword arguments of ``ps.probe_script`` for these (validated) options."""
    return dict(
        targets=[str(t).strip() for t in params['targets']], count=int(params['count']),
        interval_ms=max(1, int(round(params['interval'] * 1000))),
        timeout_ms=max(1, int(round(params['timeout'] * 1000))), size=int(params['size']),
        dont_fragment=bool(params['dont_fragment']), family=params.get('ip_version') or 'auto',
        mtu_sized=bool(params.get('mtu_sized')), path_mtu=bool(params.get('path_mtu')),
        path_mtu_max=int(params['path_mtu_max']),
        until_reply=bool(params.get('until_reply')),
        step_timeout_ms=min(STEP_TIMEOUT_MS, max(1, int(round(params['timeout'] * 1000)))),
        max_payload=MAX_PAYLOAD)


def _echo_error(echo, family, route_mtu):
    """(error text or None, frag_needed) for one echo record."""
    if echo.get('Error'):
        return 'local error: %s' % echo['Error'], False
    name = status_name(echo.get('Status'))
    if name in (None, 'Success') or name in NO_REPLY:
        return None, False
    if name == 'PacketTooBig':
        total = echo.get('Total')
        if route_mtu and total and total > route_mtu:
            return 'local error: message too long, mtu=%d' % route_mtu, False
        return ('Frag needed and DF set' if family == 'ipv4' else 'Packet too big'), True
    return MESSAGES.get(name, name), False


def _rtt(times):
    if not times:
        return {'min': None, 'avg': None, 'max': None, 'mdev': None}
    avg = sum(times) / float(len(times))
    # iputils' mdev: the population standard deviation.
    mdev = math.sqrt(max(sum(t * t for t in times) / float(len(times)) - avg * avg, 0.0))
    return {'min': float(min(times)), 'avg': round(avg, 3), 'max': float(max(times)), 'mdev': round(mdev, 3)}


def assemble(raw_probe, params):
    """One target's result (docs/facts_schema.md "Probe results") from the script's record."""
    address = str(raw_probe.get('Address') or '')
    family = family_of(address)
    if family is None:
        raise DoctorError('the probe script returned no usable address for %s: %r'
                          % (raw_probe.get('Target'), raw_probe.get('Address')), obj=raw_probe.get('Target'))
    route_mtu = raw_probe.get('RouteMtu')
    route_mtu = int(route_mtu) if route_mtu not in (None, '', 0) else None
    echoes = [e for e in as_list(raw_probe.get('Echoes')) if isinstance(e, dict)]
    steps = [e for e in as_list(raw_probe.get('PathMtuSteps')) if isinstance(e, dict)]
    sent = len([e for e in echoes if not e.get('Error')])
    ok = [e for e in echoes if status_name(e.get('Status')) == 'Success']
    errors, frag_needed = [], False
    for echo in echoes + steps:
        text, frag = _echo_error(echo, family, route_mtu)
        frag_needed = frag_needed or frag
        if text and text not in errors:
            errors.append(text)
    if raw_probe.get('RouteError') and not sent:
        errors.append('route lookup: %s' % raw_probe['RouteError'])
    passed = [int(s['Total']) for s in steps if status_name(s.get('Status')) == 'Success' and s.get('Total')]
    source = raw_probe.get('SourceAddress')
    untrusted = family == 'ipv6' and bool(params['dont_fragment'] or params.get('path_mtu'))
    result = {
        'target': raw_probe.get('Target'),
        'address': address.split('%', maxsplit=1)[0],
        'family': family,
        'sent': sent,
        'received': len(ok),
        'loss_percent': round(100.0 * (sent - len(ok)) / sent, 3) if sent else 100.0,
        'rtt': _rtt([int(e.get('RoundtripTime') or 0) for e in ok]),
        'reachable': bool(ok),
        'size': int(raw_probe.get('Size') if raw_probe.get('Size') is not None else params['size']),
        'dont_fragment': bool(params['dont_fragment']),
        'errors': errors,
        'frag_needed': frag_needed,
        'reported_mtu': None,
        'path_mtu': (max(passed) if passed else None) if params.get('path_mtu') and ok else None,
        'source_address': str(source).split('%', maxsplit=1)[0] if source not in NO_ADDRESS else None,
        'route_mtu': route_mtu,
        # A send the host refused (the .NET Ping's exception); Windows has no route lookup to add.
        'local_error': None if ok else next((str(e['Error']) for e in echoes if e.get('Error')), None),
        'route_lookup': None,
        'timeout': params.get('timeout'),
        'on_link': None,
    }
    if untrusted:
        result.update({'dont_fragment': False, 'path_mtu': None, 'mtu_evidence': False, 'mtu_note': IPV6_DF_NOTE})
    return result


def parse(raw, params):
    """``{'results': [...], 'reachable_all': bool}`` from the script's JSON document.

    A target the host could not resolve fails the whole call (nothing was sent), as with icmp_probe."""
    if not isinstance(raw, dict):
        raise DoctorError('the probe script returned no JSON object: %r' % (raw,))
    resolved = [r for r in as_list(raw.get('Resolved')) if isinstance(r, dict)]
    bad = [r for r in resolved if r.get('Error') or not r.get('Address')]
    if bad:
        raise DoctorError('target %s is not an IP address or resolvable name: %s'
                          % (bad[0].get('Target'), bad[0].get('Error') or 'no address'), obj=bad[0].get('Target'),
                          detail={'resolved': resolved})
    probes = [p for p in as_list(raw.get('Probes')) if isinstance(p, dict)]
    if len(probes) != len(params['targets']):
        raise DoctorError('the probe script returned %d results for %d targets'
                          % (len(probes), len(params['targets'])))
    results = [assemble(p, params) for p in probes]
    return {'results': results, 'reachable_all': all(r['reachable'] for r in results)}
