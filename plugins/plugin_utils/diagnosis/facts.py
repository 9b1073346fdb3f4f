# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only views over one host's normalised facts (docs/facts_schema.md). No I/O.

Checks ask questions of a ``HostView`` ("which interface holds this address?", "how does
this host reach that address?") instead of walking the raw dictionaries, so they work on
any platform whose collector fills the same sections.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import family_of, ip_address as ip_obj  # noqa: F401  (imported from here by the checks)


SECTIONS_LIST = ('interfaces', 'routes', 'policy_rules', 'route_lookups', 'neighbors', 'bridges',
                 'errors', 'virtual_switches', 'vm_nics', 'vmkernel_nics', 'physical_nics', 'duplicate_macs')
SECTIONS_DICT = ('tools', 'sysctls', 'firewall')

# errors[].source values (collector readers) that make a section incomplete.
ERROR_SOURCES = {
    'interfaces': ('ip', 'ip link', 'ip addr', 'ip_link', 'ip_addr', 'interfaces'),
    'routes': ('ip', 'ip route', 'ip rule', 'ip_route', 'routes'),
    'route_lookups': ('ip', 'ip route get', 'route_get', 'route_lookups'),
    'neighbors': ('ip', 'ip neigh', 'ip_neigh', 'neighbors'),
    'bridges': ('bridge', 'bridge link', 'bridge vlan', 'bridge fdb', 'bridges', 'ebtables', 'mac_filters'),
    'sysctls': ('sysctl', 'sysctls'),
    'firewall': ('nft', 'nftables', 'iptables', 'iptables-save', 'iptables_legacy', 'iptables-legacy-save',
                 'iptables_nft', 'firewalld', 'firewall-cmd', 'firewall_cmd', 'ufw', 'firewall',
                 'windows_firewall', 'netsh'),
}

UNRESOLVED_NUD = ('INCOMPLETE', 'FAILED')
STATIC_NUD = ('PERMANENT', 'NOARP')
UNUSABLE_ROUTE_TYPES = ('blackhole', 'unreachable', 'prohibit', 'throw')


def network_of(address, prefixlen):
    try:
        return ipaddress.ip_interface(u'%s/%s' % (address, prefixlen)).network
    except ValueError:
        return None


def in_network(address, network):
    obj = ip_obj(address)
    if obj is None or network is None:
        return False
    if not isinstance(network, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        try:
            network = ipaddress.ip_network(str(network), strict=False)
        except ValueError:
            return False
    return obj.version == network.version and obj in network


def _route_network(dst, family):
    if dst in (None, 'default'):
        return ipaddress.ip_network(u'0.0.0.0/0' if family == 'ipv4' else u'::/0')
    try:
        return ipaddress.ip_network(str(dst), strict=False)
    except ValueError:
        return None


class HostView(object):
    """One host's facts, with the questions checks ask. ``facts`` may be None (unknown host)."""

    def __init__(self, role, host, facts):
        self.role = role            # source | switch | target
        self.host = host            # inventory name
        self.facts = facts if isinstance(facts, dict) else None

    @property
    def present(self):
        return self.facts is not None

    def section(self, name):
        if self.facts is None:
            return [] if name in SECTIONS_LIST else {}
        default = [] if name in SECTIONS_LIST else {}
        value = self.facts.get(name)
        return value if value is not None else default

    def has_section(self, name):
        return self.facts is not None and name in self.facts

    def section_error(self, name):
        """Why a section is incomplete (the collector's error message), or None."""
        if self.facts is None:
            return 'no facts for %s' % (self.host or self.role)
        if name not in self.facts:
            return 'section %s absent from the facts of %s' % (name, self.host)
        sources = ERROR_SOURCES.get(name, (name,))
        for err in self.section('errors'):
            if not isinstance(err, dict):
                continue
            if str(err.get('source', '')).lower() in sources:
                return '%s: %s' % (err.get('source'), err.get('message'))
        return None

    def tool(self, name):
        return self.section('tools').get(name)

    # interfaces and addresses -------------------------------------------------------
    @property
    def interfaces(self):
        return [i for i in self.section('interfaces') if isinstance(i, dict)]

    def iface(self, name):
        for iface in self.interfaces:
            if iface.get('name') == name:
                return iface
        return None

    def addresses(self, family=None):
        """(interface, address dict) for every address of the family."""
        out = []
        for iface in self.interfaces:
            for addr in iface.get('addresses') or []:
                if family is None or addr.get('family') == family:
                    out.append((iface, addr))
        return out

    def iface_by_address(self, address):
        """(interface, address dict) holding the address, or (None, None)."""
        want = ip_obj(address)
        if want is None:
            return None, None
        for iface, addr in self.addresses():
            if ip_obj(addr.get('address')) == want:
                return iface, addr
        return None, None

    def owns(self, address):
        return self.iface_by_address(address)[0] is not None

    def connected(self, address):
        """(interface, address dict) whose network contains the address (on-link), or (None, None)."""
        best = (None, None, -1)
        for iface, addr in self.addresses(family_of(address)):
            net = network_of(addr.get('address'), addr.get('prefixlen'))
            if net is not None and in_network(address, net) and net.prefixlen > best[2]:
                best = (iface, addr, net.prefixlen)
        return best[0], best[1]

    def primary_address(self, iface_name, family):
        iface = self.iface(iface_name)
        if not iface:
            return None
        for addr in iface.get('addresses') or []:
            if addr.get('family') == family and addr.get('scope', 'global') in ('global', None) \
                    and not addr.get('secondary'):
                return addr
        for addr in iface.get('addresses') or []:
            if addr.get('family') == family and addr.get('scope') != 'host':
                return addr
        return None

    # routing ---------------------------------------------------------------------------
    def route_to(self, address):
        """How this host reaches ``address``: dict with ok, type, dev, gateway, prefsrc, table,
        error and how ('lookup' from the kernel, 'local', or 'table' from a longest-prefix
        match over the main table). None when the routes are unknown."""
        want = ip_obj(address)
        if want is None:
            return None
        for lookup in self.section('route_lookups'):
            if isinstance(lookup, dict) and ip_obj(lookup.get('address')) == want:
                out = dict(lookup)
                out['how'] = 'lookup'
                if out.get('ok') and out.get('type') in UNUSABLE_ROUTE_TYPES:
                    out['ok'] = False
                    out['error'] = out.get('error') or '%s route' % out.get('type')
                if not out.get('ok') and not out.get('type'):
                    # The kernel's lookup fails on blackhole/prohibit/unreachable routes without
                    # naming them: the route table does.
                    covering = self._table_route(want, family_of(address))
                    if covering and (covering.get('type') or 'unicast') in UNUSABLE_ROUTE_TYPES:
                        out.update(type=covering['type'], dst=covering.get('dst'),
                                   table=str(covering.get('table', 'main')))
                return out
        if self.owns(address):
            return {'ok': True, 'type': 'local', 'dev': 'lo', 'gateway': None, 'prefsrc': str(want),
                    'table': 'local', 'error': None, 'how': 'local'}
        if not self.has_section('routes') or self.section_error('routes'):
            return None
        family = family_of(address)
        route = self._table_route(want, family)
        if route is None:
            # A connected network not in the route table (partial facts): still on-link.
            iface, addr = self.connected(address)
            if iface is not None:
                return {'ok': True, 'type': 'unicast', 'dev': iface.get('name'), 'gateway': None,
                        'prefsrc': addr.get('address'), 'table': 'main', 'error': None, 'how': 'table'}
            return {'ok': False, 'type': None, 'dev': None, 'gateway': None, 'prefsrc': None, 'table': 'main',
                    'error': 'no matching route in the main table', 'how': 'table'}
        rtype = route.get('type') or 'unicast'
        ok = rtype not in UNUSABLE_ROUTE_TYPES
        prefsrc = route.get('prefsrc')
        if ok and not prefsrc and route.get('dev'):
            addr = self.primary_address(route.get('dev'), family)
            prefsrc = addr.get('address') if addr else None
        return {'ok': ok, 'type': rtype, 'dev': route.get('dev'), 'gateway': route.get('gateway'),
                'prefsrc': prefsrc, 'table': str(route.get('table', 'main')), 'metric': route.get('metric'),
                'dst': route.get('dst'), 'error': None if ok else '%s route' % rtype, 'how': 'table'}

    def _table_route(self, want, family):
        """The longest-prefix (then lowest-metric) route of the main table covering ``want``, or None."""
        best = None
        for route in self.section('routes'):
            if not isinstance(route, dict) or route.get('family', family) != family:
                continue
            if str(route.get('table', 'main')) not in ('main', '254'):
                continue
            net = _route_network(route.get('dst'), family)
            if net is None or want not in net:
                continue
            key = (net.prefixlen, -(route.get('metric') or 0))
            if best is None or key > best[0]:
                best = (key, route)
        return best[1] if best else None

    def default_routes(self, family):
        return [r for r in self.section('routes') if isinstance(r, dict) and r.get('family', family) == family
                and r.get('dst') in ('default', '0.0.0.0/0', '::/0')
                and str(r.get('table', 'main')) in ('main', '254')]

    # neighbors -------------------------------------------------------------------------
    def neighbor(self, address, dev=None):
        want = ip_obj(address)
        found = None
        for entry in self.section('neighbors'):
            if not isinstance(entry, dict) or ip_obj(entry.get('address')) != want:
                continue
            if dev is None or entry.get('dev') == dev:
                return entry
            found = found or entry
        return found if dev is None else None

    # sysctls -----------------------------------------------------------------------------
    def sysctl(self, family, key):
        fam = 'ipv4' if family in ('ipv4', None) else 'ipv6'
        value = (self.section('sysctls').get(fam) or {}).get(key)
        return _int_or_none(value)

    def conf(self, iface, key):
        return _int_or_none(((self.section('sysctls').get('conf') or {}).get(iface) or {}).get(key))

    def rp_filter(self, iface):
        """Effective IPv4 rp_filter on an interface: max(conf.all, conf.<iface>); None when unknown."""
        values = [v for v in (self.conf('all', 'rp_filter'), self.conf(iface, 'rp_filter')) if v is not None]
        return max(values) if values else None

    # firewall ----------------------------------------------------------------------------
    def icmp_verdict(self, hook, icmp_type, src, dst):
        """The firewall.icmp evaluation for this flow, or None when the collector did not evaluate it."""
        fsrc, fdst = ip_obj(src), ip_obj(dst)
        for entry in (self.section('firewall').get('icmp') or []):
            if not isinstance(entry, dict):
                continue
            if entry.get('hook') != hook or entry.get('icmp_type') != icmp_type:
                continue
            esrc, edst = ip_obj(entry.get('src')), ip_obj(entry.get('dst'))
            if (esrc is None or esrc == fsrc) and (edst is None or edst == fdst):
                return entry
        return None

    def firewall_readable(self):
        """None when firewall facts are usable, else the reason they are not."""
        err = self.section_error('firewall')
        if err:
            return err
        tools = self.section('tools')
        readers = ('nft', 'iptables', 'iptables_legacy', 'firewall_cmd', 'ufw', 'netsh', 'powershell', 'windows_firewall')
        if tools and not any(tools.get(t) for t in readers):
            backends = self.section('firewall').get('backends') or {}
            if not any((b or {}).get('present') for b in backends.values() if isinstance(b, dict)):
                return 'no firewall reader available on %s (nft/iptables missing)' % self.host
        return None

    # bridges -----------------------------------------------------------------------------
    @property
    def bridges(self):
        return [b for b in self.section('bridges') if isinstance(b, dict)]

    def bridge(self, name):
        for br in self.bridges:
            if br.get('name') == name:
                return br
        return None

    def bridge_port(self, port):
        """(bridge, port dict) for a port name, or (None, None)."""
        for br in self.bridges:
            for p in br.get('ports') or []:
                if isinstance(p, dict) and p.get('name') == port:
                    return br, p
        return None, None


def _int_or_none(value):
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
