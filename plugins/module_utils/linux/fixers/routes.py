# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Route helpers shared by the default_gateway and static_route fixers (pure, except
:func:`collect_routes`)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import family_flag, route_dst
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

DEFAULT_METRIC = {'ipv4': 0, 'ipv6': 1024}


def route_view(route):
    """One schema route (docs/facts_schema.md, parse.parse_routes) -> the fields the fixers compare:
    ``dst`` as a prefix (``default`` is 0.0.0.0/0 or ::/0), the kernel's default metric when the
    listing leaves it out, multipath next hops as their gateways."""
    family = route['family']
    return {
        'dst': route_dst(route['dst'], family),
        'type': route['type'],
        'gateway': route['gateway'],
        'dev': route['dev'],
        'metric': DEFAULT_METRIC[family] if route['metric'] is None else route['metric'],
        'nexthops': [hop['gateway'] for hop in route['nexthops']] or None,
    }


def read_table(state, family, table):
    """The routes of one table and family (``KernelState.routes``), as route views."""
    return [route_view(r) for r in state.routes(family, table)]


def collect_routes(runner, family, table='main'):
    """Routes of one table and family, plus what validation needs: the interfaces with their
    addresses and the device routes (routes without next hop) of the main table."""
    state = KernelState(runner)
    routes = read_table(state, family, table)
    main = routes if table == 'main' else read_table(state, family, 'main')
    return {
        'link_routes': [(r['dst'], r['dev']) for r in main
                        if r['type'] == 'unicast' and r['gateway'] is None and not r['nexthops'] and r['dev']],
        'routes': routes,
        'links': state.interfaces(addresses=True),
    }


def route_public(r):
    """The diff view of a route."""
    out = {'dst': r['dst'], 'gateway': r['gateway'], 'dev': r['dev'], 'metric': r['metric']}
    if r['type'] != 'unicast':
        out['type'] = r['type']
    if r.get('nexthops'):
        out['nexthops'] = r['nexthops']
    return out


def route_matches(r, gateway, device, metric):
    """Does an existing route already do what is wanted (None = not named = any)?"""
    if r['type'] != 'unicast' or r.get('nexthops'):
        return False
    if gateway is not None and r['gateway'] != gateway:
        return False
    if device is not None and r['dev'] != device:
        return False
    if metric is not None and r['metric'] != metric:
        return False
    return True


def preferred(routes):
    """The route the kernel uses among same-prefix routes: lowest metric, first listed."""
    best = None
    for r in routes:
        if best is None or r['metric'] < best['metric']:
            best = r
    return best


def plan_present(family, dst_arg, table, existing, gateway, device, metric):
    """Changes that make the preferred route to a prefix go via gateway/device.

    * metric given: a route at exactly that metric must match; `ip route replace` replaces
      the route with that metric (if any) and leaves routes with other metrics alone.
    * metric not given: the preferred (lowest-metric) route must match; if it does not,
      it is replaced in place, keeping its metric; with no route at all the kernel's default
      metric is used.
    Returns (changes, metric the wanted route has afterwards).
    """
    if metric is not None:
        if any(route_matches(r, gateway, device, metric) for r in existing if r['metric'] == metric):
            return [], metric
        keep = metric
    else:
        best = preferred(existing)
        if best is not None and route_matches(best, gateway, device, None):
            return [], best['metric']
        keep = best['metric'] if best is not None else None
    argv = ['ip', family_flag(family), 'route', 'replace', dst_arg]
    if gateway is not None:
        argv += ['via', gateway]
    if device is not None:
        argv += ['dev', device]
    if keep is not None:
        argv += ['metric', str(keep)]
    if table != 'main':
        argv += ['table', table]
    if keep is None:
        keep = DEFAULT_METRIC[family]
    route = {'dst': route_dst(dst_arg, family), 'type': 'unicast', 'gateway': gateway,
             'dev': device, 'metric': keep, 'nexthops': None}
    return [{'action': 'replace_route', 'argv': argv, 'route': route}], keep


def delete_argv(family, dst_arg, table, r):
    argv = ['ip', family_flag(family), 'route', 'del']
    if r['type'] != 'unicast':
        argv.append(r['type'])
    argv.append(dst_arg)
    if r['gateway'] and not r.get('nexthops'):
        argv += ['via', r['gateway']]
    if r['dev']:
        argv += ['dev', r['dev']]
    argv += ['metric', str(r['metric'])]
    if table != 'main':
        argv += ['table', table]
    return argv


def plan_absent(family, dst_arg, table, existing, gateway, device, metric):
    """Delete each route to the prefix that matches the filters the user named.

    Returns (changes, routes that stay)."""
    changes, stay = [], []
    for r in existing:
        if (gateway is not None and r['gateway'] != gateway and gateway not in (r.get('nexthops') or [])) \
                or (device is not None and r['dev'] != device) \
                or (metric is not None and r['metric'] != metric):
            stay.append(r)
            continue
        changes.append({'action': 'delete_route', 'argv': delete_argv(family, dst_arg, table, r)})
    return changes, stay


def predict(existing, changes, dev_guess=None):
    """Routes to the prefix after the changes (the diff's `after`)."""
    after = list(existing)
    for c in changes:
        if c['action'] == 'replace_route':
            new = dict(c['route'])
            if new['dev'] is None:
                new['dev'] = dev_guess
            after = [r for r in after if r['metric'] != new['metric']] + [new]
        else:
            after = [r for r in after if delete_argv_of(r, c) is False]
    return sorted(after, key=lambda r: r['metric'])


def delete_argv_of(route, change):
    """False when `change` is not the deletion of `route` (used by predict)."""
    argv = change['argv']
    metric = int(argv[argv.index('metric') + 1])
    via = argv[argv.index('via') + 1] if 'via' in argv else None
    dev = argv[argv.index('dev') + 1] if 'dev' in argv else None
    if route['metric'] == metric and route['gateway'] == via and route['dev'] == dev:
        return True
    if route.get('nexthops') and route['metric'] == metric and via is None:
        return True
    return False
