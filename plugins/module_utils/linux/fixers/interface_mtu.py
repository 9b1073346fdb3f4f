# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: an interface's MTU (and, for a bridge, optionally its ports')."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    check_ifname, require_link)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

RUNTIME_ONLY = True
IPV4_MIN_MTU = 68
IP_MAX_MTU = 65535   # the IPv4 total length field; also the bound where a device reports no max_mtu


def want_from_params(params):
    mtu = params['mtu']
    if mtu < IPV4_MIN_MTU:
        raise DoctorError('mtu %s is below %s, the smallest MTU IPv4 allows (IPv6 needs 1280)' % (mtu, IPV4_MIN_MTU))
    if mtu > IP_MAX_MTU:
        raise DoctorError('mtu %s is above %s, the largest IP packet' % (mtu, IP_MAX_MTU))
    return {'interface': check_ifname(params['interface']), 'mtu': mtu,
            'bridge_ports': bool(params.get('bridge_ports'))}


def collect(runner, want):
    return {'links': KernelState(runner).interfaces()}


def ports_of(links, bridge):
    return sorted(n for n, link in links.items() if link['master'] == bridge)


def _targets(want, have):
    links = have['links']
    link = require_link(links, want['interface'])
    names = [want['interface']]
    if want['bridge_ports']:
        if link['kind'] != 'bridge':
            raise DoctorError("bridge_ports=true but %s is not a bridge (kind: %s)" % (want['interface'], link['kind']))
        # ports first: a bridge's MTU is bounded by its ports' on older kernels
        names = ports_of(links, want['interface']) + names
    return names


def plan(want, have):
    links = have['links']
    names = _targets(want, have)
    for name in names:   # validate all before changing any
        link = links[name]
        low = max(IPV4_MIN_MTU, link['min_mtu'] or 0)
        high = min(link['max_mtu'] or IP_MAX_MTU, IP_MAX_MTU)   # no max_mtu: the driver sets none
        if want['mtu'] < low:
            raise DoctorError('mtu %s is below the minimum %s of %s' % (want['mtu'], low, name))
        if high and want['mtu'] > high:
            raise DoctorError('mtu %s is above the maximum %s that device %s supports'
                              % (want['mtu'], high, name))
    return [{'action': 'set_mtu', 'argv': ['ip', 'link', 'set', 'dev', n, 'mtu', str(want['mtu'])]}
            for n in names if links[n]['mtu'] != want['mtu']]


def states(want, have, changes):
    names = _targets(want, have)
    before = dict((n, have['links'][n]['mtu']) for n in names)
    after = dict(before)
    for c in changes:
        after[c['argv'][4]] = want['mtu']
    return {'mtu': before}, {'mtu': after}


def persist_settings(want, have):
    """What ``persist: true`` writes into the host's network manager (linux/persist.py)."""
    return [{'kind': 'mtu', 'ifname': n, 'mtu': want['mtu']} for n in _targets(want, have)]
