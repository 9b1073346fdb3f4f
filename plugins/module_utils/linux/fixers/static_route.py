# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: a route to a prefix (e.g. the host's route to a routed VM subnet).

present: the preferred route to `prefix` in `table` goes via `gateway` (and/or out of
`device`). Without `gateway` it is a direct route on `device`. `metric` as in default_gateway.
absent: every route to `prefix` in `table` matching the named gateway/device/metric is deleted.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import routes as R
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    check_gateway_connected, check_ifname, parse_ip, parse_prefix, require_link)

RUNTIME_ONLY = True
_TABLE_RE = re.compile(r'^([0-9]+|[A-Za-z_][A-Za-z0-9_.-]*)$')


def want_from_params(params):
    prefix, family = parse_prefix(params['prefix'])
    state = params.get('state') or 'present'
    gateway = None
    if params.get('gateway') is not None:
        gateway, gw_family = parse_ip(params['gateway'], 'gateway')
        if gw_family != family:
            raise DoctorError('gateway %s is %s but prefix %s is %s' % (gateway, gw_family, prefix, family))
    device = check_ifname(params['device'], 'device') if params.get('device') is not None else None
    if state == 'present' and gateway is None and device is None:
        raise DoctorError('state=present needs gateway, device or both')
    metric = params.get('metric')
    if metric is not None and not 0 <= metric <= 4294967295:
        raise DoctorError('metric %s is out of range (0-4294967295)' % metric)
    table = to_text('main' if params.get('table') is None else params['table'])
    if not _TABLE_RE.match(table) or table in ('local', 'all', 'cache'):
        raise DoctorError("table '%s' is not a routing table this module manages "
                          "(a number or a name from rt_tables; not local/all/cache)" % table)
    if table.isdigit() and not 1 <= int(table) <= 4294967295:
        raise DoctorError('table %s is out of range' % table)
    if table == '254':
        table = 'main'
    return {'state': state, 'family': family, 'prefix': prefix, 'gateway': gateway,
            'device': device, 'metric': metric, 'table': table}


def collect(runner, want):
    have = R.collect_routes(runner, want['family'], want['table'])
    have['existing'] = [r for r in have.pop('routes') if r['dst'] == want['prefix']]
    return have


def plan(want, have):
    if want['device'] is not None:
        require_link(have['links'], want['device'], 'device')
    if want['state'] == 'present':
        if want['gateway'] is not None:
            check_gateway_connected(want['gateway'], want['family'], have['links'], want['device'], have.get('link_routes'))
        changes, metric = R.plan_present(want['family'], want['prefix'], want['table'], have['existing'],
                                         want['gateway'], want['device'], want['metric'])
        if want['gateway'] is None and not changes:
            # a direct route was asked for: the matching route must have no next hop
            same = [r for r in have['existing'] if r['metric'] == metric]
            if same and same[0]['gateway'] is not None:
                changes, metric = R.plan_present(want['family'], want['prefix'], want['table'], [],
                                                 None, want['device'], metric)
        return changes
    changes, _stay = R.plan_absent(want['family'], want['prefix'], want['table'], have['existing'],
                                   want['gateway'], want['device'], want['metric'])
    return changes


def states(want, have, changes):
    guess = None
    if want['state'] == 'present' and want['gateway'] is not None:
        on = check_gateway_connected(want['gateway'], want['family'], have['links'], want['device'], have.get('link_routes'))
        guess = on[0] if len(on) == 1 else None
    after = R.predict(have['existing'], changes, guess)
    base = {'family': want['family'], 'prefix': want['prefix'], 'table': want['table']}
    before = dict(base, routes=[R.route_public(r) for r in have['existing']])
    return before, dict(base, routes=[R.route_public(r) for r in after])


def persist_settings(want, have):
    """What ``persist: true`` writes into the host's network manager (linux/persist.py)."""
    if want['table'] != 'main':
        return [{'message': 'routes of table %s are not persisted (main table only)' % want['table']}]
    if want['state'] == 'present':
        dev = want['device']
        if dev is None:
            on = check_gateway_connected(want['gateway'], want['family'], have['links'], None, have.get('link_routes'))
            dev = on[0] if len(on) == 1 else None
        if dev is None:
            return [{'message': 'gateway %s is connected on several interfaces: give device to persist the route'
                                % want['gateway']}]
        return [{'kind': 'route', 'ifname': dev, 'prefix': want['prefix'], 'gateway': want['gateway'],
                 'metric': want['metric'], 'state': 'present'}]
    devs = sorted(set([want['device']] if want['device'] else [r['dev'] for r in have['existing'] if r['dev']]))
    return [{'kind': 'route', 'ifname': d, 'prefix': want['prefix'], 'state': 'absent'} for d in devs]
