# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: the default route (main table) via a gateway.

Several default routes of one family are ranked by metric, the lowest wins. Without `metric`
the module acts on the winning one (replaced in place, its metric kept); with `metric` it acts
on the route with that metric. Routes it was not asked about are never touched.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import routes as R
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    check_gateway_connected, check_ifname, parse_ip, require_link)

RUNTIME_ONLY = True
DEFAULT_DST = {'ipv4': '0.0.0.0/0', 'ipv6': '::/0'}


def want_from_params(params):
    state = params.get('state') or 'present'
    gateway, family = None, params.get('family')
    if params.get('gateway') is not None:
        gateway, gw_family = parse_ip(params['gateway'], 'gateway')
        if family is not None and family != gw_family:
            raise DoctorError("gateway %s is %s but family is %s" % (gateway, gw_family, family))
        family = gw_family
    elif state == 'present':
        raise DoctorError('gateway is required with state=present')
    metric = params.get('metric')
    if metric is not None and not 0 <= metric <= 4294967295:
        raise DoctorError('metric %s is out of range (0-4294967295)' % metric)
    device = params.get('device')
    if device is not None:
        device = check_ifname(device, 'device')
    return {'state': state, 'family': family or 'ipv4', 'gateway': gateway,
            'device': device, 'metric': metric}


def collect(runner, want):
    have = R.collect_routes(runner, want['family'])
    dst = DEFAULT_DST[want['family']]
    have['defaults'] = [r for r in have.pop('routes') if r['dst'] == dst]
    return have


def plan(want, have):
    """Pure. Raises DoctorError on input that does not fit the host; returns changes."""
    if want['device'] is not None:
        require_link(have['links'], want['device'], 'device')
    if want['state'] == 'present':
        check_gateway_connected(want['gateway'], want['family'], have['links'], want['device'], have.get('link_routes'))
        changes, _metric = R.plan_present(want['family'], 'default', 'main', have['defaults'],
                                          want['gateway'], want['device'], want['metric'])
        return changes
    changes, _stay = R.plan_absent(want['family'], 'default', 'main', have['defaults'],
                                   want['gateway'], want['device'], want['metric'])
    return changes


def _dev_guess(want, have):
    if want['state'] != 'present':
        return None
    on = check_gateway_connected(want['gateway'], want['family'], have['links'], want['device'], have.get('link_routes'))
    return on[0] if len(on) == 1 else None


def states(want, have, changes):
    after = R.predict(have['defaults'], changes, _dev_guess(want, have))
    return ({'family': want['family'], 'default_routes': [R.route_public(r) for r in have['defaults']]},
            {'family': want['family'], 'default_routes': [R.route_public(r) for r in after]})


def warnings(want, have):
    out = []
    if want['state'] == 'present' and want['metric'] is not None:
        for r in have['defaults']:
            if r['metric'] < want['metric'] and r['gateway'] != want['gateway']:
                out.append('default route via %s dev %s metric %s has a lower metric than %s and '
                           'stays preferred' % (r['gateway'], r['dev'], r['metric'], want['metric']))
    return out


def persist_settings(want, have):
    """What ``persist: true`` writes into the host's network manager (linux/persist.py)."""
    if want['state'] == 'present':
        dev = want['device'] or _dev_guess(want, have)
        if dev is None:
            return [{'message': 'gateway %s is connected on several interfaces: give device to persist it'
                                % want['gateway']}]
        return [{'kind': 'gateway', 'ifname': dev, 'family': want['family'], 'gateway': want['gateway']}]
    devs = sorted(set([want['device']] if want['device'] else
                      [r['dev'] for r in have['defaults'] if r['dev'] and
                       (want['gateway'] is None or r['gateway'] == want['gateway'])]))
    return [{'kind': 'gateway', 'ifname': d, 'family': want['family'], 'gateway': None, 'only': want['gateway']}
            for d in devs]
