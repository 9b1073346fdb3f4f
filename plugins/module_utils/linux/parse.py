# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure normalisers: iproute2 JSON (``ip -j``, ``bridge -j``) -> docs/facts_schema.md sections.

No I/O here. Every function takes already-decoded JSON (lists of dicts, as ``json.loads``
returns them) and returns plain dicts in the schema shape. Tested on real captured outputs
(tests/unit/fixtures/linux/).

iproute2 conventions relied upon (iproute2 6.1, also older 5.x):

* ``ip -j route``: ``table`` is omitted for ``main``, ``type`` for unicast, ``protocol`` for
  ``boot``, ``scope`` for ``global`` (universe), ``metric`` for 0 (IPv4); host routes are printed
  without a prefix length.
* A flag attribute (``router`` in ``ip neigh``, ``secondary``/``dadfailed`` in ``ip addr``) is a
  key with a ``null`` or ``true`` value: presence is what counts.
* ``bridge -j vlan show``: ``[{"ifname": .., "vlans": [{"vlan": 10, "vlanEnd": 20,
  "flags": ["PVID", "Egress Untagged"]}]}]`` (``vlanEnd`` only for ranges, ``flags`` only when set).
* ``ip -j link``: the peer of a veth in another namespace is ``link_index`` (its ifindex in *that*
  namespace) plus ``link_netnsid`` (that namespace's id as seen from this one); a peer in the same
  namespace is ``link`` (its name) and no netnsid.
* ``bridge -j fdb show``: ``{"mac", "ifname", "flags": [..], "master"?, "vlan"?, "state"}`` with
  ``state`` ``permanent`` (a local address), ``static``, ``stale`` or ``""`` (learned); ``master``
  only on the bridge's own forwarding entries, ``flags`` ``["self"]`` on a device's own table.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import canonical_mac, family_of  # noqa: F401  (parse.family_of is used by facts.py)

# linkinfo.info_kind -> schema kind
_KINDS = {
    'veth': 'veth',
    'bridge': 'bridge',
    'vlan': 'vlan',
    'bond': 'bond',
    'team': 'bond',
    'tun': 'tun',
    'dummy': 'dummy',
}

BRIDGE_PORT_STATES = ('disabled', 'listening', 'learning', 'forwarding', 'blocking')

FAMILIES = {'inet': 'ipv4', 'inet6': 'ipv6'}


def canonical_address(address):
    """Canonical ``str()`` of an IP address; unchanged when it is not one."""
    if address is None:
        return None
    try:
        return str(ipaddress.ip_address(to_text(address)))
    except ValueError:
        return address


def canonical_prefix(dst, family=None):
    """``default`` stays; an address becomes a host prefix (/32, /128); a prefix is normalised."""
    if dst is None:
        return None
    if dst == 'default':
        return 'default'
    try:
        if '/' not in dst:
            addr = ipaddress.ip_address(to_text(dst))
            return '%s/%d' % (addr, addr.max_prefixlen)
        return str(ipaddress.ip_network(to_text(dst), strict=False))
    except ValueError:
        return dst


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- interfaces

def interface_kind(link, devices=()):
    """Schema ``kind`` of one ``ip -j -d link`` entry.

    ``devices`` are the names that have ``/sys/class/net/<name>/device`` (a bus device behind).
    """
    if link.get('link_type') == 'loopback' or 'LOOPBACK' in (link.get('flags') or []):
        return 'loopback'
    info_kind = (link.get('linkinfo') or {}).get('info_kind')
    if info_kind:
        return _KINDS.get(info_kind, 'other')
    if link.get('ifname') in devices or link.get('parentbus') or link.get('parentdev'):
        return 'physical'
    return 'other'


def parse_address(addr_info):
    """One ``addr_info`` entry of ``ip -j addr`` -> schema address, or None (not inet/inet6)."""
    family = FAMILIES.get(addr_info.get('family'))
    local = addr_info.get('local')
    if family is None or local is None:
        return None
    prefixlen = _int_or_none(addr_info.get('prefixlen'))
    address = canonical_address(local)
    network = None
    if prefixlen is not None:
        try:
            network = str(ipaddress.ip_interface(u'%s/%d' % (address, prefixlen)).network)
        except ValueError:
            network = None
    return {
        'address': address,
        'prefixlen': prefixlen,
        'family': family,
        'network': network,
        'scope': addr_info.get('scope'),
        'secondary': 'secondary' in addr_info,
        'dad_failed': 'dadfailed' in addr_info,
    }


_UNNAMED_LINK = re.compile(r'^if(\d+)$')


def _peer_ifindex(link, index_by_name):
    """ifindex of a veth's peer: ``link_index`` when the peer is in another namespace (then it
    is the peer's ifindex in that namespace), else the ifindex of the peer named by ``link``
    (``ifN`` when iproute2 could not name it). None when unknown."""
    if link.get('link_index') is not None:
        return _int_or_none(link.get('link_index'))
    name = link.get('link')
    if not isinstance(name, string_types):
        return None
    if name in index_by_name:
        return index_by_name[name]
    match = _UNNAMED_LINK.match(name)
    return int(match.group(1)) if match else None


def parse_interfaces(links, addrs, devices=()):
    """``ip -j -d link show`` + ``ip -j addr show`` -> schema ``interfaces`` (ifindex order).

    Adds the optional ``peer_ifindex`` (veth only) and ``link_netnsid`` (null when the peer or
    parent is in the same namespace) that the diagnosis uses to pair veth ends across hosts.
    """
    index_by_name = dict((link.get('ifname'), link.get('ifindex')) for link in links or [])
    addresses = {}
    for entry in addrs or []:
        parsed = [parse_address(a) for a in entry.get('addr_info') or []]
        addresses[entry.get('ifname')] = [a for a in parsed if a is not None]
    result = []
    for link in links or []:
        flags = link.get('flags') or []
        linkinfo = link.get('linkinfo') or {}
        info_data = linkinfo.get('info_data') or {}
        admin_up = 'UP' in flags
        kind = interface_kind(link, devices)
        max_mtu = _int_or_none(link.get('max_mtu'))
        mac = None
        if link.get('link_type') in ('ether', 'loopback'):
            mac = canonical_mac(link.get('address'))
        result.append({
            'name': link.get('ifname'),
            'ifindex': link.get('ifindex'),
            'kind': kind,
            'admin_up': admin_up,
            # IFF_LOWER_UP is only reported for running devices: unknown when admin down.
            'carrier': ('LOWER_UP' in flags) if admin_up else None,
            'oper_state': link.get('operstate'),
            'mtu': _int_or_none(link.get('mtu')),
            'max_mtu': max_mtu if max_mtu else None,
            'min_mtu': _int_or_none(link.get('min_mtu')) or None,
            'mac': mac,
            'master': link.get('master'),
            'link': link.get('link') if isinstance(link.get('link'), string_types) else None,
            'vlan_id': _int_or_none(info_data.get('id')) if kind == 'vlan' else None,
            'peer_ifindex': _peer_ifindex(link, index_by_name) if kind == 'veth' else None,
            'link_netnsid': _int_or_none(link.get('link_netnsid')),
            'addresses': addresses.get(link.get('ifname'), []),
        })
    return result


# --------------------------------------------------------------------------- routes

def _gateway(entry):
    gateway = entry.get('gateway')
    if gateway is None and isinstance(entry.get('via'), dict):
        gateway = entry['via'].get('host')
    return canonical_address(gateway)


def parse_routes(routes, family, include_local=False):
    """``ip -j -4|-6 route show table all`` -> schema ``routes``.

    The ``local`` table is left out unless ``include_local``. Multipath routes keep their
    next hops in ``nexthops`` (``gateway``/``dev`` are then null).
    """
    result = []
    for route in routes or []:
        table = to_text(route.get('table', 'main'))
        if table == 'local' and not include_local:
            continue
        nexthops = []
        for hop in route.get('nexthops') or []:
            nexthops.append({
                'gateway': _gateway(hop),
                'dev': hop.get('dev'),
                'weight': _int_or_none(hop.get('weight')),
                'onlink': 'onlink' in (hop.get('flags') or []),
            })
        result.append({
            'family': family,
            'table': table,
            'dst': canonical_prefix(route.get('dst'), family),
            'gateway': _gateway(route),
            'dev': route.get('dev'),
            'metric': _int_or_none(route.get('metric')),
            'type': route.get('type', 'unicast'),
            'protocol': to_text(route.get('protocol', 'boot')),
            'scope': to_text(route.get('scope', 'global')),
            'prefsrc': canonical_address(route.get('prefsrc')),
            'onlink': 'onlink' in (route.get('flags') or []),
            'nexthops': nexthops,
        })
    return result


# --------------------------------------------------------------------------- policy rules

def _selector(rule, key):
    value = rule.get(key)
    if value is None or value == 'all':
        return None
    length = rule.get(key + 'len')
    if length is None:
        return canonical_prefix(value)
    return canonical_prefix('%s/%s' % (value, length))


def parse_rules(rules, family):
    """``ip -j -4|-6 rule show`` -> schema ``policy_rules``."""
    result = []
    for rule in rules or []:
        fwmark = rule.get('fwmark')
        if fwmark is not None and rule.get('fwmask') not in (None, '0xffffffff'):
            fwmark = '%s/%s' % (fwmark, rule['fwmask'])
        action = rule.get('action')
        if action is None:
            action = 'lookup' if 'table' in rule else ('goto' if 'goto' in rule else 'nop')
        result.append({
            'family': family,
            'priority': _int_or_none(rule.get('priority')),
            'src': _selector(rule, 'src'),
            'dst': _selector(rule, 'dst'),
            'iif': rule.get('iif'),
            'oif': rule.get('oif'),
            'fwmark': fwmark,
            'table': to_text(rule['table']) if rule.get('table') is not None else None,
            'action': action,
            'invert': 'not' in rule,
        })
    return result


# --------------------------------------------------------------------------- route lookups

def _strip_rtnetlink(stderr):
    message = to_text(stderr or '').strip()
    prefix = 'RTNETLINK answers: '
    lines = [line[len(prefix):] if line.startswith(prefix) else line for line in message.splitlines()]
    return '; '.join(line for line in lines if line) or None


def parse_route_get(address, rc, stdout, stderr, decode):
    """Result of ``ip -j route get ADDRESS`` -> one schema ``route_lookups`` entry.

    ``decode`` turns stdout into JSON (raises ValueError on garbage).
    """
    entry = {'address': canonical_address(address), 'ok': False, 'error': None, 'type': None,
             'dev': None, 'gateway': None, 'prefsrc': None, 'table': None}
    if rc != 0:
        entry['error'] = _strip_rtnetlink(stderr) or 'ip route get exited with %s' % rc
        return entry
    try:
        data = decode(stdout)
    except ValueError as exc:
        entry['error'] = 'unreadable ip -j route get output: %s' % exc
        return entry
    if not data:
        entry['error'] = 'ip route get returned nothing'
        return entry
    route = data[0]
    entry.update({
        'ok': True,
        'type': route.get('type', 'unicast'),
        'dev': route.get('dev'),
        'gateway': _gateway(route),
        'prefsrc': canonical_address(route.get('prefsrc')),
        'table': to_text(route.get('table', 'main')),
    })
    return entry


# --------------------------------------------------------------------------- neighbours

def parse_neighbors(neighbors):
    """``ip -j neigh show`` (both families) -> schema ``neighbors``."""
    result = []
    for neigh in neighbors or []:
        dst = neigh.get('dst')
        if dst is None:
            continue
        result.append({
            'address': canonical_address(dst),
            'family': family_of(dst),
            'mac': canonical_mac(neigh.get('lladdr')),
            'dev': neigh.get('dev'),
            'state': list(neigh.get('state') or []),
            'router': 'router' in neigh,
        })
    return result


# --------------------------------------------------------------------------- bridges

def parse_bridge_vlans(vlan_json):
    """``bridge -j vlan show`` -> {ifname: {pvid, vids, untagged}} (ranges expanded)."""
    result = {}
    for entry in vlan_json or []:
        pvid = None
        vids = []
        untagged = []
        for vlan in entry.get('vlans') or []:
            start = _int_or_none(vlan.get('vlan'))
            if start is None:
                continue
            end = _int_or_none(vlan.get('vlanEnd')) or start
            flags = vlan.get('flags') or []
            for vid in range(start, end + 1):
                vids.append(vid)
                if 'Egress Untagged' in flags:
                    untagged.append(vid)
            if 'PVID' in flags:
                pvid = start
        result[entry.get('ifname')] = {'pvid': pvid, 'vids': sorted(set(vids)),
                                       'untagged': sorted(set(untagged))}
    return result


def parse_bridge_link_states(bridge_links):
    """``bridge -j link show`` -> {port ifname: STP/port state}."""
    result = {}
    for entry in bridge_links or []:
        state = entry.get('state')
        if entry.get('ifname') and state is not None:
            result[entry['ifname']] = to_text(state).lower()
    return result


FDB_STATES = {'': 'dynamic', 'permanent': 'permanent', 'static': 'static', 'stale': 'stale'}


def parse_bridge_fdb(fdb_json, links):
    """``bridge -j fdb show`` (one dump for all bridges) -> {bridge name: [fdb entry]}.

    Keeps the entries of bridge ports only: the bridge's forwarding entries (``master``) and
    a port device's own (``self``) entries; drops the bridge device's own entries (``self``
    multicast list, its MAC) and devices that are no bridge's port. Entry:
    ``{mac, port, vlan, local, state, flags}`` -- ``state`` dynamic (learned) | static |
    permanent | stale, ``local`` = permanent (frames to it are for the host itself),
    ``flags`` = iproute2's flags (``self``, ``extern_learn``, ``offload``, ...) plus ``master``
    and the state when it is permanent or static.
    """
    port_bridge = {}
    for link in links or []:
        if link.get('master'):
            port_bridge[link.get('ifname')] = link['master']
    result = {}
    for entry in fdb_json or []:
        port = entry.get('ifname')
        bridge = entry.get('master') or port_bridge.get(port)
        if not port or not bridge or port == bridge or port_bridge.get(port) != bridge:
            continue
        raw_state = to_text(entry.get('state') or '')
        state = FDB_STATES.get(raw_state, raw_state)
        flags = [to_text(flag) for flag in entry.get('flags') or []]
        if 'master' in entry:
            flags.append('master')
        if state in ('permanent', 'static'):
            flags.append(state)
        result.setdefault(bridge, []).append({
            'mac': canonical_mac(entry.get('mac')),
            'port': port,
            'vlan': _int_or_none(entry.get('vlan')),
            'local': state == 'permanent',
            'state': state,
            'flags': flags,
        })
    return result


def parse_bridges(links, interfaces, port_states=None, vlans=None, fdb=None):
    """Build schema ``bridges`` from ``ip -j -d link show`` (bridge and port linkinfo),
    the normalised ``interfaces``, ``bridge -j link show`` states and ``bridge -j vlan show``.

    ``port_states`` (from the ``bridge`` tool) wins over the ``ip -d`` slave data; ``vlans`` is
    only used for bridges that have vlan_filtering on. ``fdb`` is the decoded
    ``bridge -j fdb show`` (``parse_bridge_fdb``); None leaves every bridge's ``fdb`` null
    (unknown). ``mac_filters`` is left empty (the firewall collector fills it).
    """
    fdb_by_bridge = parse_bridge_fdb(fdb, links) if fdb is not None else None
    port_states = port_states or {}
    vlans = vlans or {}
    by_name = dict((i['name'], i) for i in interfaces)
    empty_vlans = {'pvid': None, 'vids': [], 'untagged': []}
    bridges = []
    for link in links or []:
        linkinfo = link.get('linkinfo') or {}
        if linkinfo.get('info_kind') != 'bridge':
            continue
        data = linkinfo.get('info_data') or {}
        name = link.get('ifname')
        filtering = data.get('vlan_filtering')
        filtering = bool(filtering) if filtering is not None else None
        own = vlans.get(name, empty_vlans) if filtering else empty_vlans
        stp = data.get('stp_state')
        bridge = {
            'name': name,
            'stp_enabled': bool(stp) if stp is not None else None,
            'vlan_filtering': filtering,
            'default_pvid': _int_or_none(data.get('vlan_default_pvid')),
            'mtu': _int_or_none(link.get('mtu')),
            # the bridge's own ("self") VLAN membership, for traffic to/from the bridge IP
            'pvid': own['pvid'],
            'vids': list(own['vids']),
            'untagged': list(own['untagged']),
            'ports': [],
            'mac_filters': [],
            'fdb': list(fdb_by_bridge.get(name, [])) if fdb_by_bridge is not None else None,
        }
        for port_link in links:
            if port_link.get('master') != name:
                continue
            port_name = port_link.get('ifname')
            iface = by_name.get(port_name, {})
            slave = (port_link.get('linkinfo') or {}).get('info_slave_data') or {}
            state = port_states.get(port_name, slave.get('state'))
            port_vlans = vlans.get(port_name, empty_vlans) if filtering else empty_vlans
            bridge['ports'].append({
                'name': port_name,
                'state': to_text(state).lower() if state is not None else None,
                'admin_up': iface.get('admin_up'),
                'carrier': iface.get('carrier'),
                'mtu': iface.get('mtu'),
                'pvid': port_vlans['pvid'],
                'vids': list(port_vlans['vids']),
                'untagged': list(port_vlans['untagged']),
            })
        bridges.append(bridge)
    return bridges


# --------------------------------------------------------------------------- sysctls

SYSCTL_IPV4 = ('ip_forward', 'icmp_echo_ignore_all', 'icmp_echo_ignore_broadcasts')
SYSCTL_CONF = ('rp_filter', 'arp_ignore', 'arp_announce', 'forwarding', 'accept_local')
SYSCTL_IPV6 = (('forwarding', 'conf/all/forwarding'), ('icmp_echo_ignore_all', 'icmp/echo_ignore_all'))


def sysctl_paths(conf_names):
    """Every /proc/sys path the collector reads -> (section, [conf name,] key)."""
    paths = {}
    for key in SYSCTL_IPV4:
        paths['/proc/sys/net/ipv4/' + key] = ('ipv4', key)
    for key, rel in SYSCTL_IPV6:
        paths['/proc/sys/net/ipv6/' + rel] = ('ipv6', key)
    for name in conf_names:
        for key in SYSCTL_CONF:
            paths['/proc/sys/net/ipv4/conf/%s/%s' % (name, key)] = ('conf', name, key)
    return paths


def sysctl_value(content):
    """Integer value of a /proc/sys file (or of a sysctl.d line's value); None when missing or not one."""
    if content is None:
        return None
    return _int_or_none(to_text(content).strip())


def parse_sysctls(values, conf_names):
    """{path: file content or None} -> schema ``sysctls`` (missing keys absent)."""
    result = {'ipv4': {}, 'ipv6': {}, 'conf': {}}
    for path, where in sysctl_paths(conf_names).items():
        value = sysctl_value(values.get(path))
        if value is None:
            continue
        if where[0] == 'conf':
            result['conf'].setdefault(where[1], {})[where[2]] = value
        else:
            result[where[0]][where[1]] = value
    return result
