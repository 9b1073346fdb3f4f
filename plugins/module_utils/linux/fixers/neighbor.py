# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: one ARP / IPv6 neighbour entry.

present: `address` on `device` resolves to `mac` (`ip neigh replace`). The entry kind is
kept unless `nud` is given: a PERMANENT entry stays permanent, anything else becomes
`reachable` (the kernel re-validates it later).
absent: the entries for `address` (on `device` if given; only those with `mac` if given) are
deleted, so the kernel learns the address afresh.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    check_ifname, connected_networks, not_a_host, parse_ip, parse_mac, require_link, subnet_reserved)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

RUNTIME_ONLY = True
UNRESOLVED = ('INCOMPLETE', 'FAILED')


def want_from_params(params):
    state = params.get('state') or 'present'
    address, family = parse_ip(params['address'])
    if state == 'present' and not_a_host(ipaddress.ip_address(address)):
        raise DoctorError('address %s is an unspecified, loopback, multicast or broadcast address: no '
                          'neighbour has it' % address)
    mac = parse_mac(params['mac']) if params.get('mac') is not None else None
    if mac == '00:00:00:00:00:00':
        raise DoctorError("mac '%s' is the all-zero address, not a host's" % params['mac'])
    device = check_ifname(params['device'], 'device') if params.get('device') is not None else None
    if state == 'present':
        if mac is None:
            raise DoctorError('mac is required with state=present')
        if device is None:
            raise DoctorError('device is required with state=present')
    nud = params.get('nud')
    if nud is not None and state == 'absent':
        raise DoctorError('nud is meaningless with state=absent')
    return {'state': state, 'address': address, 'family': family, 'mac': mac, 'device': device, 'nud': nud}


def entry_view(neighbor):
    """One schema neighbour (parse.parse_neighbors) -> the fields the fixer compares."""
    states = neighbor['state']
    return {'dev': neighbor['dev'], 'mac': neighbor['mac'],
            'state': states[0] if states else None, 'permanent': 'PERMANENT' in states}


def collect(runner, want):
    state = KernelState(runner)
    return {'entries': [entry_view(n) for n in state.neighbors(want['family'], want['address'])],
            'links': state.interfaces(addresses=True)}


def _nud(want, current):
    if want['nud']:
        return want['nud']
    return 'permanent' if current and current['permanent'] else 'reachable'


def _on_device(want, have):
    return [e for e in have['entries'] if e['dev'] == want['device']]


def plan(want, have):
    if want['device'] is not None:
        require_link(have['links'], want['device'], 'device')
    if want['state'] == 'present':
        link = have['links'][want['device']]
        if link['mac'] is None or link['kind'] == 'loopback':
            raise DoctorError('device %s (kind %s) has no MAC-based neighbours' % (want['device'], link['kind']))
        ip = ipaddress.ip_address(want['address'])
        for ifname, iface in connected_networks(have['links'], want['family']):
            if iface.ip == ip:
                raise DoctorError('%s is an address of this host, not a neighbour' % want['address'])
            reserved = subnet_reserved(ip, iface.network)
            if reserved:
                raise DoctorError('address %s is the %s address of the connected subnet %s (%s): no '
                                  'neighbour has it' % (want['address'], reserved, iface.network, ifname))
        current = (_on_device(want, have) or [None])[0]
        nud = _nud(want, current)
        if current and current['mac'] == want['mac'] and current['state'] not in UNRESOLVED \
                and (want['nud'] is None or current['permanent'] == (nud == 'permanent')):
            return []
        return [{'action': 'replace_neighbor', 'nud': nud,
                 'argv': ['ip', 'neigh', 'replace', want['address'], 'lladdr', want['mac'],
                          'dev', want['device'], 'nud', nud]}]
    changes = []
    for e in have['entries']:
        if want['device'] is not None and e['dev'] != want['device']:
            continue
        if want['mac'] is not None and e['mac'] != want['mac']:
            continue
        changes.append({'action': 'delete_neighbor', 'dev': e['dev'],
                        'argv': ['ip', 'neigh', 'del', want['address'], 'dev', e['dev']]})
    return changes


def _view(want, entries):
    return {'address': want['address'],
            'entries': [{'dev': e['dev'], 'mac': e['mac'], 'state': e['state']} for e in entries]}


def states(want, have, changes):
    after = list(have['entries'])
    for c in changes:
        if c['action'] == 'replace_neighbor':
            after = [e for e in after if e['dev'] != want['device']]
            after.append({'dev': want['device'], 'mac': want['mac'],
                          'state': 'PERMANENT' if c['nud'] == 'permanent' else 'REACHABLE'})
        else:
            after = [e for e in after if e['dev'] != c['dev']]
    return _view(want, have['entries']), _view(want, after)


def warnings(want, have):
    if want['state'] != 'present':
        return []
    ip = ipaddress.ip_address(want['address'])
    nets = connected_networks(have['links'], want['family'], want['device'])
    if not ip.is_link_local and not any(ip in iface.network for _n, iface in nets):
        return ['%s is not on a subnet of %s: the entry is only used if a route sends that address '
                'out of %s' % (want['address'], want['device'], want['device'])]
    return []
