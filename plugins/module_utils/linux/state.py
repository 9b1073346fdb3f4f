# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one read model of kernel state: the commands that read it and their normalised sections.

The facts collector (``linux.facts``) and the fixers (``linux.fixers``) read the kernel with the
same commands and normalise them with the same parser (``linux.parse``), so a fixer's ``have``
holds the docs/facts_schema.md shapes (interfaces with their addresses, routes, neighbours,
bridges, bridge VLANs; sysctl values go through ``parse.sysctl_value``). ``KernelState(runner)``
reads each section at most once; a failed read raises DoctorError (the collector instead records
it in ``errors`` and goes on). ``runner`` needs ``run(argv) -> (rc, stdout, stderr)`` (or is that
callable).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import parse
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import checked

LINK_SHOW = ['ip', '-j', '-d', 'link', 'show']
ADDR_SHOW = ['ip', '-j', 'addr', 'show']
NEIGH_SHOW = ['ip', '-j', 'neigh', 'show']
BRIDGE_LINK_SHOW = ['bridge', '-j', 'link', 'show']
BRIDGE_VLAN_SHOW = ['bridge', '-j', 'vlan', 'show']
BRIDGE_FDB_SHOW = ['bridge', '-j', 'fdb', 'show']
FAMILY_FLAG = {'ipv4': '-4', 'ipv6': '-6'}
NO_TABLE = 'FIB table does not exist'


def route_argv(family, table='all'):
    """``ip -j -4|-6 route show table T`` (the collector reads ``all``, a fixer its one table)."""
    return ['ip', '-j', FAMILY_FLAG[family], 'route', 'show', 'table', to_text(table)]


def rule_argv(family):
    return ['ip', '-j', FAMILY_FLAG[family], 'rule', 'show']


def route_get_argv(address, family=None):
    """``ip -j [-4|-6] route get ADDRESS`` (the kernel's route lookup for one address)."""
    return ['ip', '-j'] + ([FAMILY_FLAG[family]] if family else []) + ['route', 'get', address]


def neigh_argv(family, address):
    """The neighbour entries of one address (``ip -j -4|-6 neigh show to ADDRESS``)."""
    return ['ip', '-j', FAMILY_FLAG[family], 'neigh', 'show', 'to', address]


def decode(argv, out):
    """JSON of a command's stdout ([] when it printed nothing); DoctorError naming it otherwise."""
    if not to_text(out or '').strip():
        return []
    try:
        return json.loads(out)
    except ValueError as exc:
        raise DoctorError('`%s` printed no valid JSON: %s' % (' '.join(argv), exc))


class KernelState(object):
    """Sections of docs/facts_schema.md read on demand, each command run once."""

    def __init__(self, runner):
        self.runner = runner
        self._run = runner.run if hasattr(runner, 'run') else runner
        self._json = {}

    def json(self, argv, empty_when=None):
        """Decoded output of a read command. ``empty_when``: a stderr text meaning "nothing"."""
        key = tuple(argv)
        if key not in self._json:
            try:
                out = checked(self._run, list(argv))
            except DoctorError as exc:
                if not (empty_when and empty_when in to_text(exc)):
                    raise
                out = ''
            self._json[key] = decode(argv, out)
        return self._json[key]

    def links(self):
        """The raw ``ip -j -d link show`` (what parse.parse_bridges reads next to the interfaces)."""
        return self.json(LINK_SHOW)

    def interfaces(self, addresses=False):
        """{name: schema interface}; ``addresses`` also reads ``ip -j addr show`` to fill them."""
        addrs = self.json(ADDR_SHOW) if addresses else []
        return dict((i['name'], i) for i in parse.parse_interfaces(self.links(), addrs) if i['name'])

    def bridges(self, port_states=False):
        """{name: schema bridge}; ``port_states`` reads the ports' STP states from ``bridge -j link``
        (else they come from ``ip -d``'s bridge-port data). ``fdb`` stays null (not read)."""
        states = parse.parse_bridge_link_states(self.json(BRIDGE_LINK_SHOW)) if port_states else {}
        links = self.links()
        return dict((b['name'], b) for b in parse.parse_bridges(links, parse.parse_interfaces(links, []), states))

    def bridge_vlans(self):
        """{ifname: {pvid, vids, untagged}} of ``bridge -j vlan show`` (ranges expanded)."""
        return parse.parse_bridge_vlans(self.json(BRIDGE_VLAN_SHOW))

    def routes(self, family, table='main'):
        """Schema routes of one table (a table without routes "does not exist": no routes)."""
        argv = route_argv(family, table)
        routes = parse.parse_routes(self.json(argv, empty_when=NO_TABLE if table != 'main' else None), family)
        if table != 'all':   # a one-table listing does not name its table
            for route in routes:
                route['table'] = to_text(table)
        return routes

    def route_get(self, address, family=None):
        """The schema ``route_lookups`` entry of one address; None when the kernel printed no route."""
        data = self.json(route_get_argv(address, family))
        if not data:
            return None
        return parse.parse_route_get(address, 0, None, None, lambda _out: data)

    def neighbors(self, family, address):
        """Schema neighbours (entries) of one address."""
        return [n for n in parse.parse_neighbors(self.json(neigh_argv(family, address)))
                if n['address'] == parse.canonical_address(address)]
