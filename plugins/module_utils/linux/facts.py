# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collect the normalised Linux network facts (docs/facts_schema.md, ``platform: linux``).

``collect(runner, ...)`` is the only function doing I/O, and only through ``runner``
(``linux.runner.CommandRunner`` in the module, a recorded fake in tests). Parsing lives in
``linux.parse``; ICMP verdicts come from the firewall package (``collect_firewall``).
Read-only: nothing here changes the host.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json
import socket

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import daemons, parse, switches
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import state as kernel

try:
    from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.evaluate import collect_firewall, nft_tables_in
    FIREWALL_IMPORT_ERROR = None
except ImportError as _exc:  # the firewall package is optional for the rest of the facts
    collect_firewall = nft_tables_in = None
    FIREWALL_IMPORT_ERROR = to_text(_exc)

SCHEMA_VERSION = 1

# tools key -> program names (first one installed wins)
TOOLS = (
    ('ip', ('ip',)),
    ('bridge', ('bridge',)),
    ('nft', ('nft',)),
    ('iptables', ('iptables-save', 'iptables-nft-save')),
    ('iptables_legacy', ('iptables-legacy-save',)),
    ('firewall_cmd', ('firewall-cmd',)),
    ('ufw', ('ufw',)),
)

NFT_RULESET = ['nft', '-j', 'list', 'ruleset']
BRIDGE_FDB = kernel.BRIDGE_FDB_SHOW

ICMP_HOOKS = ('input', 'output', 'forward')
SYS_NET = '/sys/class/net'

# Reads started at once, side by side (``CommandRunner.prefetch``): their process start-ups overlap
# instead of adding up; the collectors below ask for the same argv and get the cached result. The firewall
# front-ends are Python programs (0.2-0.4 s each just to start), most of net_facts' time when run in turn.
FIREWALLD_STATE = ['firewall-cmd', '--state']
UFW_STATUS = ['ufw', 'status', 'verbose']
LEGACY_TABLE_NAMES = ((['iptables-legacy-save'], '/proc/net/ip_tables_names'),
                      (['ip6tables-legacy-save'], '/proc/net/ip6_tables_names'))
IPTABLES_VERSION = ['iptables', '-V']
IPTABLES_READS = (IPTABLES_VERSION, ['iptables-nft-save'], ['ip6tables-nft-save'], ['iptables-legacy-save'],
                  ['ip6tables-legacy-save'])


# --------------------------------------------------------------------------- options

def _address(value, what):
    if not isinstance(value, string_types):
        raise DoctorError('%s must be an IP address string, got %r' % (what, value), obj=what)
    try:
        return str(ipaddress.ip_address(to_text(value).strip()))
    except ValueError:
        pass
    raise DoctorError('%s: %r is not an IP address (IPv4 or IPv6, no prefix length, '
                      'no host name)' % (what, value), obj=value)


def validate_options(peers, flows):
    """Canonical peers and flows; DoctorError naming the bad entry otherwise."""
    clean_peers = []
    for index, peer in enumerate(peers or []):
        address = _address(peer, 'peers[%d]' % index)
        if address not in clean_peers:
            clean_peers.append(address)
    clean_flows = []
    for index, flow in enumerate(flows or []):
        if not isinstance(flow, dict):
            raise DoctorError('flows[%d] must be a dict with src and dst' % index, obj=flow)
        src = _address(flow.get('src'), 'flows[%d].src' % index)
        dst = _address(flow.get('dst'), 'flows[%d].dst' % index)
        if parse.family_of(src) != parse.family_of(dst):
            raise DoctorError('flows[%d]: src %s and dst %s are not the same IP family'
                              % (index, src, dst), obj=flow)
        if {'src': src, 'dst': dst} not in clean_flows:
            clean_flows.append({'src': src, 'dst': dst})
    return clean_peers, clean_flows


# --------------------------------------------------------------------------- icmp queries

def _query(family, hook, icmp_type, src, dst, iif=None, oif=None):
    return {'family': family, 'hook': hook, 'icmp_type': icmp_type, 'src': src, 'dst': dst,
            'iif': iif, 'oif': oif}


def _local_sources(family, lookup, interfaces):
    """[(local address, dev)] this host would use to talk to a peer.

    The route lookup's ``prefsrc`` when there is one; otherwise (no route, or no preferred
    source) every usable global address of that family, device unknown.
    """
    if lookup and lookup.get('ok') and lookup.get('prefsrc'):
        # The preferred source first, then the other global addresses of that device: a ping to a
        # secondary address is answered from it, and its verdict may differ.
        result = [(lookup['prefsrc'], lookup.get('dev'))]
        for iface in interfaces:
            if iface.get('name') != lookup.get('dev'):
                continue
            for addr in iface.get('addresses') or []:
                if (addr['family'] == family and addr.get('scope') == 'global' and not addr.get('dad_failed')
                        and addr['address'] != lookup['prefsrc']):
                    result.append((addr['address'], lookup.get('dev')))
        return result
    result = []
    for iface in interfaces:
        for addr in iface.get('addresses') or []:
            if (addr['family'] == family and addr.get('scope') == 'global'
                    and not addr.get('dad_failed')):
                result.append((addr['address'], None))
    return result


def build_icmp_queries(peers, flows, lookups, interfaces):
    """The ICMP packets whose firewall verdict the diagnosis needs (pure).

    For each peer P and each local address L used to reach it (route lookup prefsrc, then the
    other global addresses of that device): input echo-request P->L, output echo-reply L->P,
    output echo-request L->P, input echo-reply P->L (iif/oif = the lookup's device). For each
    flow, both directions: forward echo-request and echo-reply src->dst and dst->src, iif/oif from
    the lookups of both ends.
    """
    by_address = dict((item['address'], item) for item in lookups)
    queries = []

    def add(query):
        if query not in queries:
            queries.append(query)

    for peer in peers:
        family = parse.family_of(peer)
        for local, dev in _local_sources(family, by_address.get(peer), interfaces):
            add(_query(family, 'input', 'echo-request', peer, local, iif=dev))
            add(_query(family, 'output', 'echo-reply', local, peer, oif=dev))
            add(_query(family, 'output', 'echo-request', local, peer, oif=dev))
            add(_query(family, 'input', 'echo-reply', peer, local, iif=dev))
    for flow in flows:
        family = parse.family_of(flow['src'])
        src_dev = (by_address.get(flow['src']) or {}).get('dev')
        dst_dev = (by_address.get(flow['dst']) or {}).get('dev')
        add(_query(family, 'forward', 'echo-request', flow['src'], flow['dst'],
                   iif=src_dev, oif=dst_dev))
        add(_query(family, 'forward', 'echo-reply', flow['dst'], flow['src'],
                   iif=dst_dev, oif=src_dev))
        # The same flow seen from the VM's side (it pings back): its request and the host's reply.
        add(_query(family, 'forward', 'echo-request', flow['dst'], flow['src'],
                   iif=dst_dev, oif=src_dev))
        add(_query(family, 'forward', 'echo-reply', flow['src'], flow['dst'],
                   iif=src_dev, oif=dst_dev))
    return queries


# --------------------------------------------------------------------------- collection

def empty_facts():
    """Every section present and empty (schema rule)."""
    return {
        'schema_version': SCHEMA_VERSION,
        'platform': 'linux',
        'hostname': None,
        'tools': dict((key, False) for key, _names in TOOLS),
        'errors': [],
        'interfaces': [],
        'routes': [],
        'policy_rules': [],
        'route_lookups': [],
        'neighbors': [],
        'bridges': [],
        'sysctls': {'ipv4': {}, 'ipv6': {}, 'conf': {}},
        'firewall': {'backends': {}, 'icmp': [], 'rulesets': {}},
        'virtual_switches': [],
        'vm_nics': [],
        'vmkernel_nics': [],
        'physical_nics': [],
        'duplicate_macs': [],
        # 'ovs', 'libvirt', 'virtualbox', 'vmware_workstation': always set by _collect_virtual_switches
    }


class _Collector(object):
    def __init__(self, runner, facts):
        self.runner = runner
        self.facts = facts

    def error(self, source, message):
        self.facts['errors'].append({'source': source, 'message': to_text(message)})

    def json(self, source, argv):
        """Decoded JSON of a command, or None (and an ``errors`` entry) when it failed."""
        rc, out, err = self.runner.run(argv)
        if rc != 0:
            detail = to_text(err or out or '').strip() or 'exit status %s' % rc
            self.error(source, '%s: %s' % (' '.join(argv), detail))
            return None
        if not to_text(out).strip():
            return []
        try:
            return json.loads(out)
        except ValueError as exc:
            self.error(source, '%s: output is not JSON (%s)' % (' '.join(argv), exc))
            return None


def _detect_tools(runner):
    tools = {}
    for key, names in TOOLS:
        tools[key] = any(runner.which(name) for name in names)
    return tools


def _physical_devices(runner, names):
    return set(name for name in names if runner.exists('%s/%s/device' % (SYS_NET, name)))


def _collect_sysctls(col):
    runner = col.runner
    conf_names = runner.listdir('/proc/sys/net/ipv4/conf')
    values = {}
    for path in parse.sysctl_paths(conf_names):
        try:
            values[path] = runner.read(path)
        except (IOError, OSError) as exc:
            col.error('sysctl', '%s: %s' % (path, exc))
    return parse.parse_sysctls(values, conf_names)


def _collect_mac_filters(col, bridges):
    """bridge-family nftables MAC drops, attached to the bridge(s) they act on."""
    if not bridges or not col.facts['tools']['nft'] or collect_firewall is None:
        return
    rc, out, _err = col.runner.run(NFT_RULESET)
    if rc != 0 or not nft_tables_in(out):
        return  # the firewall collector reports nft failures (same cached command); no table, no filter
    from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import (
        nft_bridge_mac_drops, parse_nft_ruleset)
    try:
        drops = nft_bridge_mac_drops(parse_nft_ruleset(out))
    except DoctorError:
        return  # unreadable ruleset: reported once, by the firewall collector
    for drop in drops:
        for bridge in bridges:
            ports = [p['name'] for p in bridge['ports']]
            if drop.get('port') is None or drop.get('port') in ports:
                bridge['mac_filters'].append(drop)


def _collect_firewall(col, queries, gather_rulesets):
    if collect_firewall is None:
        col.error('firewall', 'firewall collector unavailable: %s' % FIREWALL_IMPORT_ERROR)
        return
    try:
        section = collect_firewall(col.runner.run, queries, gather_rulesets)
    except DoctorError as exc:
        col.error('firewall', exc)
        return
    for source, message in section.pop('_errors', None) or []:
        col.error(source, message)
    tools = col.facts['tools']
    for key, present in (section.pop('_tools', None) or {}).items():
        if key in tools:
            tools[key] = bool(tools[key] or present)
    col.facts['firewall'] = section


def _answer_from_host(runner, tools):
    """Take what firewalld's and ufw's front-ends would say from the host when it already says "off", what
    iptables-legacy-save would print when this network namespace has no legacy table (it lists those of
    /proc/net/ip{,6}_tables_names: an empty file means an empty dump), and which variant ``iptables`` is."""
    if not getattr(runner, 'reads_host', False):
        return
    if tools['firewall_cmd'] and daemons.firewalld_off():
        runner.preset(FIREWALLD_STATE, (252, 'not running\n', ''))     # firewall-cmd's own answer and code
    if tools['ufw'] and daemons.ufw_off():
        runner.preset(UFW_STATUS, (0, 'Status: inactive\n', ''))
    if tools['iptables_legacy']:
        for argv, names in LEGACY_TABLE_NAMES:
            if runner.read(names) == '':
                runner.preset(argv, (0, '', ''))
    variant = daemons.iptables_variant(runner.which('iptables'))
    if variant:     # what `iptables -V` says of itself, from the multi-call binary it links to
        runner.preset(IPTABLES_VERSION, (0, 'iptables (%s)\n' % ('nf_tables' if variant == 'nft' else variant), ''))


def _bridge_reads(runner):
    """The ``bridge`` dumps the bridge section will read, when sysfs shows a Linux bridge here."""
    bridges = [name for name in runner.listdir(SYS_NET) if runner.exists('%s/%s/bridge' % (SYS_NET, name))]
    if not bridges:
        return []
    filtering = any((runner.read('%s/%s/bridge/vlan_filtering' % (SYS_NET, name)) or '').strip() == '1'
                    for name in bridges)
    return [kernel.BRIDGE_LINK_SHOW, BRIDGE_FDB] + ([kernel.BRIDGE_VLAN_SHOW] if filtering else [])


def _prefetch(runner, tools, families, wanted):
    """Start every read that does not depend on another one (see IPTABLES_READS), when the runner can."""
    if not getattr(runner, 'caches', False) or not hasattr(runner, 'prefetch'):
        return
    reads = []
    if tools['ip']:
        reads += [kernel.LINK_SHOW, kernel.ADDR_SHOW, kernel.NEIGH_SHOW]
        for family in families:
            reads += [kernel.route_argv(family, 'all'), kernel.rule_argv(family)]
        reads += [kernel.route_get_argv(address) for address in wanted]
    if tools['bridge']:
        reads += _bridge_reads(runner)
    reads += [FIREWALLD_STATE] if tools['firewall_cmd'] else []
    reads += [UFW_STATUS] if tools['ufw'] else []
    reads += [NFT_RULESET] if tools['nft'] else []
    reads += list(IPTABLES_READS) if tools['iptables'] or tools['iptables_legacy'] else []
    runner.prefetch([argv for argv in reads if not runner.cached(argv)])


def collect(runner, peers=(), flows=(), include_local_routes=False, gather_rulesets=False, ovs_rundir=None,
            libvirt_uri=None):
    """All Linux facts as one schema dict. ``peers``/``flows`` must be validated already.
    ``ovs_rundir``: where Open vSwitch's sockets are (None: the distribution default);
    ``libvirt_uri``: the libvirt connection to read (default qemu:///system)."""
    facts = empty_facts()
    col = _Collector(runner, facts)
    facts['hostname'] = socket.gethostname()
    tools = facts['tools'] = _detect_tools(runner)
    has_ipv6 = runner.exists('/proc/sys/net/ipv6')
    families = ['ipv4'] + (['ipv6'] if has_ipv6 else [])
    wanted = list(peers)
    for flow in flows:
        for address in (flow['src'], flow['dst']):
            if address not in wanted:
                wanted.append(address)
    _answer_from_host(runner, tools)
    _prefetch(runner, tools, families, wanted)

    links = []
    if tools['ip']:
        links = col.json('ip link', kernel.LINK_SHOW) or []
        addrs = col.json('ip addr', kernel.ADDR_SHOW) or []
        devices = _physical_devices(runner, [link.get('ifname') for link in links
                                             if not link.get('linkinfo')])
        facts['interfaces'] = parse.parse_interfaces(links, addrs, devices)
        for family in families:
            routes = col.json('ip route', kernel.route_argv(family, 'all'))
            facts['routes'].extend(parse.parse_routes(routes, family, include_local_routes))
            rules = col.json('ip rule', kernel.rule_argv(family))
            facts['policy_rules'].extend(parse.parse_rules(rules, family))
        facts['neighbors'] = parse.parse_neighbors(col.json('ip neigh', kernel.NEIGH_SHOW))
        for address in wanted:
            rc, out, err = runner.run(kernel.route_get_argv(address))
            facts['route_lookups'].append(parse.parse_route_get(address, rc, out, err, json.loads))

    is_bridge = [link for link in links if (link.get('linkinfo') or {}).get('info_kind') == 'bridge']
    if is_bridge:
        states = {}
        vlans = {}
        fdb = None
        if tools['bridge']:
            states = parse.parse_bridge_link_states(col.json('bridge link', kernel.BRIDGE_LINK_SHOW))
            # one dump for every bridge (None when it failed: every bridge's fdb is then unknown)
            fdb = col.json('bridge fdb', BRIDGE_FDB)
            filtering = [b for b in is_bridge
                         if ((b.get('linkinfo') or {}).get('info_data') or {}).get('vlan_filtering')]
            if filtering:
                vlans = parse.parse_bridge_vlans(col.json('bridge vlan', kernel.BRIDGE_VLAN_SHOW))
        facts['bridges'] = parse.parse_bridges(links, facts['interfaces'], states, vlans, fdb)

    facts['sysctls'] = _collect_sysctls(col)
    queries = build_icmp_queries(peers, flows, facts['route_lookups'], facts['interfaces'])
    _collect_firewall(col, queries, gather_rulesets)
    _collect_mac_filters(col, facts['bridges'])
    _collect_virtual_switches(runner, facts, flows, ovs_rundir, libvirt_uri)
    return facts


def _collect_virtual_switches(runner, facts, flows, ovs_rundir, libvirt_uri):
    """Open vSwitch, libvirt, VirtualBox and VMware Workstation sections. A reader is imported only for a switch
    that is here (``linux.switches``): most hosts have none of them, and a module's start-up time is mostly
    compiling its imports."""
    facts['ovs'] = switches.ovs_absent(runner, ovs_rundir)
    if facts['ovs'] is None:
        from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs
        facts['ovs'] = ovs.collect(runner, flows, ovs_rundir)
    facts['libvirt'] = switches.libvirt_absent(runner, libvirt_uri)
    if facts['libvirt'] is None:
        from ansible_collections.vmnet.doctor.plugins.module_utils.linux import libvirt
        facts['libvirt'] = libvirt.collect(runner, libvirt_uri, facts['errors'])
    facts['virtualbox'] = switches.vbox_absent(runner)
    if facts['virtualbox'] is None:
        from ansible_collections.vmnet.doctor.plugins.module_utils import vbox
        facts['virtualbox'] = vbox.collect(runner, facts['errors'])
    facts['vmware_workstation'] = switches.vmws_absent(runner)
    if facts['vmware_workstation'] is None:
        from ansible_collections.vmnet.doctor.plugins.module_utils import vmws
        facts['vmware_workstation'] = vmws.collect(runner, facts['errors'])
