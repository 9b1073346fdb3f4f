# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalise the JSON of the Windows/Hyper-V read script (windows/ps.py) into the facts
schema (docs/facts_schema.md, platform ``windows``). Pure: dicts in, dicts out.

The cmdlet objects arrive as ConvertTo-Json writes them: a section may be one object instead of
a list of one, enums may be names ("Inbound") or numbers (1), MAC addresses are "00-15-5D-..."
(NetTCPIP) or "00155D..." (Hyper-V). Everything is matched on stable names (rule ``Name``,
enum names), never on localised display names.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import firewall as wfw
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import shapes
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.shapes import section, reading

# Documented enum values (Microsoft Learn: NetTCPIP, NetSecurity, Hyper-V cmdlet references),
# used when ConvertTo-Json wrote an enum as its number.
ENUMS = {
    'AddressFamily': {2: 'IPv4', 23: 'IPv6'},
    'ConnectionState': {0: 'Disconnected', 1: 'Connected'},
    'Forwarding': {0: 'Disabled', 1: 'Enabled'},
    'Dhcp': {0: 'Disabled', 1: 'Enabled'},
    'AddressState': {0: 'Invalid', 1: 'Tentative', 2: 'Duplicate', 3: 'Deprecated', 4: 'Preferred'},
    'PrefixOrigin': {0: 'Other', 1: 'Manual', 2: 'WellKnown', 3: 'Dhcp', 4: 'RouterAdvertisement'},
    'NeighborState': {0: 'Unreachable', 1: 'Incomplete', 2: 'Probe', 3: 'Delay', 4: 'Stale', 5: 'Reachable',
                      6: 'Permanent'},
    'RouteProtocol': {1: 'Other', 2: 'Local', 3: 'NetMgmt', 4: 'Icmp', 5: 'Egp', 6: 'Ggp', 7: 'Hello', 8: 'Rip',
                      9: 'IsIs', 10: 'EsIs', 11: 'Igrp', 12: 'Bbn', 13: 'Ospf', 14: 'Bgp', 15: 'Idpr',
                      16: 'Eigrp', 17: 'Dvmrp', 18: 'Rpl', 19: 'Dhcp'},
    # MSFT_NetRoute.Store / MSFT_NetNeighbor.Store (uint8): Persistent = 0, Active = 1.
    'Store': {0: 'PersistentStore', 1: 'ActiveStore'},
    'MediaConnectionState': {0: 'Unknown', 1: 'Connected', 2: 'Disconnected'},
    'AdminStatus': {1: 'Up', 2: 'Down', 3: 'Testing'},
    'NetworkCategory': {0: 'Public', 1: 'Private', 2: 'DomainAuthenticated'},
    'SwitchType': {0: 'Private', 1: 'Internal', 2: 'External'},
    'OperationMode': {0: 'Untagged', 1: 'Access', 2: 'Trunk', 3: 'Private'},
    # Microsoft.HyperV.PowerShell.OnOffState (MacAddressSpoofing, DhcpGuard, RouterGuard...): On = 0, Off = 1.
    'OnOffState': {0: 'On', 1: 'Off'},
    # MSFT_NetNatStaticMapping.Protocol: the IP protocol numbers.
    'NatProtocol': {6: 'TCP', 17: 'UDP'},
}

NUD = {'Reachable': 'REACHABLE', 'Stale': 'STALE', 'Permanent': 'PERMANENT', 'Incomplete': 'INCOMPLETE',
       'Unreachable': 'FAILED', 'Probe': 'PROBE', 'Delay': 'DELAY'}
ROUTE_PROTOCOL = {'NetMgmt': 'static', 'Local': 'kernel', 'Dhcp': 'dhcp', 'Icmp': 'redirect'}
SWITCH_TYPES = {'External': 'hyperv_external', 'Internal': 'hyperv_internal', 'Private': 'hyperv_private'}
NO_GATEWAY = ('0.0.0.0', '::', '', None)
ZERO_MACS = ('00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff')


unwrap = shapes.unwrap
# A list from any collection shape of ConvertTo-Json (windows/shapes.py): array, one object,
# the 5.1 {"value": [...], "Count": n} wrapper, "" or null.
as_list = shapes.values


def enum(value, kind):
    """The enum name for a name or a number (None stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return ENUMS.get(kind, {}).get(value, str(value))
    text = str(value)
    if text.isdigit():
        return ENUMS.get(kind, {}).get(int(text), text)
    return text


def mac(value):
    """'00-15-5D-01-02-03' / '00155D010203' / '00:15:5d:01:02:03' -> '00:15:5d:01:02:03'; else None."""
    if not value:
        return None
    hexes = re.sub(r'[^0-9A-Fa-f]', '', str(value))
    if len(hexes) != 12 or len(re.sub(r'[0-9A-Fa-f:.\-]', '', str(value))):
        return None
    return ':'.join(hexes[i:i + 2] for i in range(0, 12, 2)).lower()


def ps_mac(value):
    """Hyper-V's form of a MAC: 12 upper-case hex digits."""
    norm = mac(value)
    return norm.replace(':', '').upper() if norm else None


def family(value):
    name = enum(value, 'AddressFamily')
    return {'IPv4': 'ipv4', 'IPv6': 'ipv6'}.get(name)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bool(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).lower()
    if text in ('true', '1', 'on', 'yes'):
        return True
    if text in ('false', '0', 'off', 'no'):
        return False
    return None


def _canon_ip(value):
    try:
        return str(ipaddress.ip_address(str(value).split('%', 1)[0]))
    except ValueError:
        return None


def _speed_mbps(text):
    match = re.match(r'^\s*([\d.]+)\s*([KMG])bps', str(text or ''))
    if not match:
        return None
    factor = {'K': 0.001, 'M': 1, 'G': 1000}[match.group(2)]
    return int(float(match.group(1)) * factor)


def _scope(address):
    obj = ipaddress.ip_address(address)
    if obj.is_loopback:
        return 'host'
    if obj.is_link_local:
        return 'link'
    return 'global'


def _kind(adapter, alias):
    desc = shapes.text((adapter or {}).get('InterfaceDescription')) or ''
    if alias.lower().startswith('loopback') or 'loopback' in desc.lower():
        return 'loopback'
    if desc.startswith('Hyper-V Virtual Ethernet Adapter'):
        return 'vnic'
    if adapter is None:
        return 'other'
    if _bool(adapter.get('HardwareInterface')) or _bool(adapter.get('Virtual')) is False:
        return 'physical'
    return 'other'


def parse_interfaces(raw):
    with reading('NetAdapter'):
        adapters = dict((_int(a.get('ifIndex')), a) for a in section(raw, 'NetAdapter'))
    ipifs = {}
    with reading('NetIPInterface'):
        for ipif in section(raw, 'NetIPInterface'):
            ipifs.setdefault(_int(ipif.get('InterfaceIndex')), {})[family(ipif.get('AddressFamily'))] = ipif
    addrs = {}
    with reading('NetIPAddress'):
        for addr in section(raw, 'NetIPAddress'):
            addrs.setdefault(_int(addr.get('InterfaceIndex')), []).append(addr)
    with reading('NetConnectionProfile'):
        categories = dict((_int(p.get('InterfaceIndex')), enum(p.get('NetworkCategory'), 'NetworkCategory'))
                          for p in section(raw, 'NetConnectionProfile'))
    with reading('NetAdapter, NetIPInterface or NetIPAddress'):
        return _interfaces(adapters, ipifs, addrs, categories)


def _interfaces(adapters, ipifs, addrs, categories):
    out = []
    for index in sorted(set(adapters) | set(ipifs), key=lambda i: (i is None, i)):
        adapter = adapters.get(index)
        fams = ipifs.get(index, {})
        alias = shapes.text((adapter or {}).get('Name')) or next(
            (shapes.text(f.get('InterfaceAlias')) for f in fams.values() if shapes.text(f.get('InterfaceAlias'))), None)
        if not alias:
            continue
        v4, v6 = fams.get('ipv4') or {}, fams.get('ipv6') or {}
        status = shapes.text((adapter or {}).get('Status'))
        media = enum((adapter or {}).get('MediaConnectionState'), 'MediaConnectionState')
        admin = enum((adapter or {}).get('AdminStatus'), 'AdminStatus')
        if adapter is None:
            connected = enum(v4.get('ConnectionState') or v6.get('ConnectionState'), 'ConnectionState')
            admin_up, carrier = True, {'Connected': True, 'Disconnected': False}.get(connected)
            oper = 'UP' if carrier else ('DOWN' if carrier is False else 'UNKNOWN')
        else:
            admin_up = {'Up': True, 'Down': False}.get(admin) if admin else (
                None if status is None else str(status) != 'Disabled')
            carrier = {'Connected': True, 'Disconnected': False}.get(media)
            oper = str(status).upper() if status else 'UNKNOWN'
        category = categories.get(index)
        addresses = []
        for addr in addrs.get(index, []):
            ip = _canon_ip(shapes.text(addr.get('IPAddress')))
            plen = _int(addr.get('PrefixLength'))
            fam = family(addr.get('AddressFamily')) or ('ipv6' if ip and ':' in ip else 'ipv4')
            if ip is None or plen is None:
                continue
            addresses.append({
                'address': ip, 'prefixlen': plen, 'family': fam,
                'network': str(ipaddress.ip_interface(u'%s/%s' % (ip, plen)).network),
                'scope': _scope(ip), 'secondary': False,
                'dad_failed': enum(addr.get('AddressState'), 'AddressState') == 'Duplicate',
                'origin': enum(addr.get('PrefixOrigin'), 'PrefixOrigin'),
            })
        out.append({
            'name': alias,
            'ifindex': index,
            'kind': _kind(adapter, alias),
            'admin_up': admin_up,
            'carrier': carrier,
            'oper_state': oper,
            'mtu': _int(v4.get('NlMtu')) if v4 else _int(v6.get('NlMtu')),
            'max_mtu': _int((adapter or {}).get('MtuSize')),
            'mac': mac(shapes.text((adapter or {}).get('MacAddress'))),
            'master': None,
            'link': None,
            'vlan_id': None,
            'addresses': addresses,
            # additive (windows): per-family IP MTU (NlMtu), description, firewall profile category
            'mtu_by_family': dict((f, _int(v.get('NlMtu'))) for f, v in fams.items() if f),
            'forwarding': dict((f, enum(v.get('Forwarding'), 'Forwarding') == 'Enabled') for f, v in fams.items() if f),
            'description': shapes.text((adapter or {}).get('InterfaceDescription')),
            'network_category': category,
        })
    return out


def parse_routes(raw):
    """Get-NetRoute without -PolicyStore returns the ActiveStore only; a PersistentStore copy
    (``-PolicyStore PersistentStore``, or Store = 0) is the boot-time configuration, skipped."""
    out = []
    with reading('NetRoute'):
        for route in section(raw, 'NetRoute'):
            entry = _route(route)
            if entry is not None:
                out.append(entry)
    return out


def _route(route):
    dst = shapes.text(route.get('DestinationPrefix'))
    try:
        net = ipaddress.ip_network(u'%s' % dst, strict=False)
    except ValueError:
        return None
    store = enum(route.get('Store'), 'Store')
    if store == 'PersistentStore':
        return None         # the boot-time copy; the ActiveStore entry is the route in use
    fam = family(route.get('AddressFamily')) or ('ipv4' if net.version == 4 else 'ipv6')
    hop = shapes.text(route.get('NextHop'))
    gateway = None if hop in NO_GATEWAY else _canon_ip(hop)
    protocol = enum(route.get('Protocol'), 'RouteProtocol')
    return {
        'family': fam, 'table': 'main', 'dst': 'default' if net.prefixlen == 0 else str(net),
        'gateway': gateway, 'dev': shapes.text(route.get('InterfaceAlias')), 'metric': _int(route.get('RouteMetric')),
        'type': 'unicast', 'protocol': ROUTE_PROTOCOL.get(protocol, str(protocol).lower() if protocol else None),
        'scope': 'global' if gateway else 'link', 'prefsrc': None, 'onlink': False, 'nexthops': [],
        # additive (windows): the effective metric is RouteMetric + InterfaceMetric
        'ifindex': _int(route.get('InterfaceIndex')), 'interface_metric': _int(route.get('InterfaceMetric')),
        'store': store or 'ActiveStore',
    }


def parse_route_lookups(raw):
    out = []
    with reading('RouteLookup'):
        for entry in section(raw, 'RouteLookup'):
            address = _canon_ip(shapes.text(entry.get('Address')))
            if address is None:
                continue
            error = shapes.text(entry.get('Error'))
            dev = shapes.text(entry.get('InterfaceAlias'))
            ok = not error and bool(dev)
            hop = shapes.text(entry.get('NextHop'))
            gateway = None if hop in NO_GATEWAY else _canon_ip(hop)
            src = shapes.text(entry.get('IPAddress'))
            out.append({'address': address, 'ok': ok, 'error': error or (None if ok else 'no route'),
                        'type': 'unicast' if ok else None, 'dev': dev,
                        'gateway': gateway, 'prefsrc': _canon_ip(src) if src else None,
                        'table': 'main', 'ifindex': _int(entry.get('InterfaceIndex'))})
    return out


def parse_neighbors(raw):
    out = []
    with reading('NetNeighbor'):
        for entry in section(raw, 'NetNeighbor'):
            address = _canon_ip(shapes.text(entry.get('IPAddress')))
            if address is None or enum(entry.get('Store'), 'Store') == 'PersistentStore':
                continue
            state = enum(entry.get('State'), 'NeighborState')
            nud = NUD.get(state, str(state).upper() if state else 'NONE')
            hw = mac(shapes.text(entry.get('LinkLayerAddress')))
            if nud in ('INCOMPLETE', 'FAILED') or hw == '00:00:00:00:00:00':
                hw = None
            out.append({'address': address, 'family': family(entry.get('AddressFamily')) or (
                'ipv6' if ':' in address else 'ipv4'), 'mac': hw, 'dev': shapes.text(entry.get('InterfaceAlias')),
                'state': [nud], 'router': False})
    return out


def _vlan_of(entry):
    """(vlan_id, mode) of a Get-VMNetworkAdapterVlan object; Untagged -> 0."""
    mode = enum(entry.get('OperationMode'), 'OperationMode')
    if mode == 'Access':
        return _int(entry.get('AccessVlanId')), 'access'
    if mode == 'Untagged':
        return 0, 'untagged'
    if mode == 'Trunk':
        return _int(entry.get('NativeVlanId')), 'trunk'
    return None, str(mode).lower() if mode else None


def vlan_ranges(text):
    """AllowedVlanIdListString ('1-100,200') -> [1, ..., 100, 200]; None when it is not that."""
    out = []
    for part in str(text or '').replace(' ', '').split(','):
        if not part:
            continue
        first, _sep, last = part.partition('-')
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        out.extend(range(int(first), int(last or first) + 1))
    return sorted(set(v for v in out if 0 <= v <= 4094))


def _allowed_vlans(vlan):
    """AllowedVlanIdList (List<int>) or, when only the text came, AllowedVlanIdListString."""
    listed = [v for v in (_int(x) for x in as_list(vlan.get('AllowedVlanIdList'))) if v is not None]
    if listed:
        return sorted(set(listed))
    return vlan_ranges(shapes.text(vlan.get('AllowedVlanIdListString'))) or []


def spoofing(value):
    """MacAddressSpoofing (OnOffState: 'On'/'Off' or On = 0, Off = 1) -> bool or None. Never a
    truthiness cast: the number 0 means On."""
    if isinstance(value, bool):
        return None
    return {'On': True, 'Off': False}.get(enum(value, 'OnOffState'))


def _uplinks(sw):
    """NetAdapterInterfaceDescriptions (several with Switch Embedded Teaming), else the singular
    one; a SET switch's singular description is the placeholder ``Teamed-Interface``."""
    descs = [shapes.text(d) for d in as_list(sw.get('NetAdapterInterfaceDescriptions'))]
    descs = [d for d in descs if d]
    single = shapes.text(sw.get('NetAdapterInterfaceDescription'))
    if not descs and single and single != 'Teamed-Interface':
        descs = [single]
    return descs


def parse_hyperv(raw, hostname, interfaces):
    """virtual_switches, vm_nics, host_vnics (management OS adapters), nat_networks."""
    by_desc = dict((i.get('description'), i.get('name')) for i in interfaces if i.get('description'))
    switches = []
    with reading('VMSwitch'):
        for sw in section(raw, 'VMSwitch'):
            stype = enum(sw.get('SwitchType'), 'SwitchType')
            descs = _uplinks(sw)
            switches.append({
                'name': shapes.text(sw.get('Name')),
                'type': SWITCH_TYPES.get(stype, 'hyperv_%s' % str(stype).lower()),
                'host': hostname, 'key': None, 'mtu': None,
                'uplinks': [by_desc.get(d, d) for d in descs],
                'security': {}, 'portgroups': [],
                # additive (windows)
                'id': shapes.text(sw.get('Id')), 'uplink_description': descs[0] if descs else None,
                'uplink_descriptions': descs, 'embedded_teaming': _bool(sw.get('EmbeddedTeamingEnabled')),
                'allow_management_os': _bool(sw.get('AllowManagementOS')),
            })
    vlans = {}
    with reading('VMNetworkAdapterVlan'):
        for entry in section(raw, 'VMNetworkAdapterVlan'):
            key = (shapes.text(entry.get('VMName')) if not _bool(entry.get('IsManagementOs')) else None,
                   shapes.text(entry.get('AdapterName')), ps_mac(shapes.text(entry.get('MacAddress'))))
            vlans[key] = dict(entry, _allowed=_allowed_vlans(entry))
    nics, host_vnics = [], []
    with reading('VMNetworkAdapter'):
        for nic in section(raw, 'VMNetworkAdapter'):
            _vm_nic(nic, vlans, hostname, nics, host_vnics)
    nats = []
    with reading('NetNat'):
        for nat in section(raw, 'NetNat'):
            nats.append({'name': shapes.text(nat.get('Name')),
                         'internal_prefix': shapes.text(nat.get('InternalIPInterfaceAddressPrefix')),
                         'external_prefix': shapes.text(nat.get('ExternalIPInterfaceAddressPrefix')),
                         'active': _bool(nat.get('Active'))})
    return switches, nics, host_vnics, nats


def parse_nat_mappings(raw):
    """nat_static_mappings: the port forwards of the WinNAT networks (Get-NetNatStaticMapping)."""
    out = []
    with reading('NetNatStaticMapping'):
        for entry in section(raw, 'NetNatStaticMapping'):
            proto = enum(entry.get('Protocol'), 'NatProtocol')
            out.append({'nat': shapes.text(entry.get('NatName')), 'protocol': str(proto).lower() if proto else None,
                        'external_ip': shapes.text(entry.get('ExternalIPAddress')),
                        'external_port': _int(entry.get('ExternalPort')),
                        'internal_ip': _canon_ip(shapes.text(entry.get('InternalIPAddress'))),
                        'internal_port': _int(entry.get('InternalPort')), 'active': _bool(entry.get('Active'))})
    return out


def _vm_nic(nic, vlans, hostname, nics, host_vnics):
    mgmt = bool(_bool(nic.get('IsManagementOs')))
    name = shapes.text(nic.get('Name'))
    key = (None if mgmt else shapes.text(nic.get('VMName')), name, ps_mac(shapes.text(nic.get('MacAddress'))))
    vlan = vlans.get(key)
    vlan_id, vlan_mode = _vlan_of(vlan) if vlan else (None, None)
    status = [str(s) for s in as_list(nic.get('Status'))]
    switch = shapes.text(nic.get('SwitchName')) or None
    hw = mac(shapes.text(nic.get('MacAddress')))
    common = {'mac': hw if hw != '00:00:00:00:00:00' else None, 'switch': switch, 'vlan_id': vlan_id,
              'vlan_mode': vlan_mode,
              'vlan_allowed': vlan['_allowed'] if vlan and vlan_mode == 'trunk' else None}
    if mgmt:
        entry = {'name': 'vEthernet (%s)' % name, 'adapter': name}
        entry.update(common)
        host_vnics.append(entry)
        return
    connected = _bool(nic.get('Connected'))
    entry = {
        'vm': shapes.text(nic.get('VMName')), 'host': hostname, 'label': name, 'key': None,
        'connected': bool(connected) and switch is not None if connected is not None else (
            switch is not None), 'start_connected': None, 'portgroup': None,
        'mac_spoofing': spoofing(nic.get('MacAddressSpoofing')),
        'power_state': None,
        'guest_ips': [ip for ip in (_canon_ip(shapes.text(a)) for a in as_list(nic.get('IPAddresses'))) if ip],
        'guest_macs': [],
        # additive (windows)
        'status': status, 'dynamic_mac': _bool(nic.get('DynamicMacAddressEnabled')),
    }
    entry.update(common)
    nics.append(entry)


def _duplicates(nics):
    seen = {}
    for nic in nics:
        if nic.get('mac'):
            seen.setdefault(nic['mac'], []).append({'vm': nic.get('vm'), 'label': nic.get('label')})
    return [{'mac': m, 'nics': v} for m, v in sorted(seen.items()) if len(v) > 1]


def physical_nics(raw, hostname):
    out = []
    with reading('NetAdapter'):
        for adapter in section(raw, 'NetAdapter'):
            if not _bool(adapter.get('HardwareInterface')):
                continue
            duplex = _bool(adapter.get('FullDuplex'))
            out.append({'name': shapes.text(adapter.get('Name')), 'host': hostname,
                        'link_up': enum(adapter.get('MediaConnectionState'), 'MediaConnectionState') == 'Connected',
                        'speed_mbps': _speed_mbps(shapes.text(adapter.get('LinkSpeed'))),
                        'duplex': None if duplex is None else ('full' if duplex else 'half'),
                        'mac': mac(shapes.text(adapter.get('MacAddress')))})
    return out


def _default_gateways(routes):
    return [r['gateway'] for r in routes if r['dst'] == 'default' and r.get('gateway')]


def parse(raw, peers=()):
    """The facts dict (schema version 1, platform windows) for one read-script document."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DoctorError('the Windows read script returned no JSON object but %s' % type(raw).__name__)
    hostname = shapes.text(raw.get('Hostname'))
    errors = [{'source': _error_source(shapes.text(e.get('source'))),
               'message': '%s: %s' % (e.get('source'), e.get('message'))}
              for e in as_list(raw.get('Errors')) if isinstance(e, dict)]
    interfaces = parse_interfaces(raw)
    routes = parse_routes(raw)
    lookups = parse_route_lookups(raw)
    hyperv = bool(raw.get('HyperV'))
    switches, nics, host_vnics, nats = parse_hyperv(raw, hostname, interfaces) if hyperv else ([], [], [], [])
    for switch in switches:         # the physical NICs an external switch is bound to (several with SET)
        for iface in interfaces:
            if iface.get('description') in switch['uplink_descriptions'] and iface.get('kind') == 'physical':
                iface['master'] = switch['name']
    forwarding = [v for i in interfaces for f, v in (i.get('forwarding') or {}).items() if f == 'ipv4']
    forwarding6 = [v for i in interfaces for f, v in (i.get('forwarding') or {}).items() if f == 'ipv6']
    model = wfw.model_from_raw(raw, interfaces, _default_gateways(routes))
    firewall = {
        'backends': {name: {'present': False, 'active': False} for name in
                     ('nftables', 'iptables_nft', 'iptables_legacy', 'firewalld', 'ufw')},
        'icmp': wfw.evaluations(model, interfaces, lookups, peers),
        'rulesets': {},
        'windows': model,      # additive: profiles, interface profiles, the ICMP-deciding rules
    }
    firewall['backends']['windows_firewall'] = {'present': bool(model['profiles']),
                                                'active': any(p.get('enabled') for p in model['profiles'].values())}
    return {
        'schema_version': 1,
        'platform': 'windows',
        'hostname': hostname,
        'tools': {'powershell': True, 'windows_firewall': bool(model['profiles']), 'hyperv': hyperv},
        'errors': errors,
        'interfaces': interfaces,
        'routes': routes,
        'policy_rules': [],
        'route_lookups': lookups,
        'neighbors': parse_neighbors(raw),
        'bridges': [],
        'sysctls': {
            # Windows forwards per interface; ip_forward is 1 when any interface forwards.
            'ipv4': {'ip_forward': int(any(forwarding))} if forwarding else {},
            'ipv6': {'forwarding': int(any(forwarding6))} if forwarding6 else {},
            'conf': dict((i['name'], {'forwarding': int(bool((i.get('forwarding') or {}).get('ipv4')))})
                         for i in interfaces if 'ipv4' in (i.get('forwarding') or {})),
        },
        'firewall': firewall,
        'virtual_switches': switches,
        'vm_nics': nics,
        'vmkernel_nics': [],
        'physical_nics': physical_nics(raw, hostname),
        'duplicate_macs': _duplicates(nics),
        'host_vnics': host_vnics,       # additive (Hyper-V): management OS adapters on virtual switches
        'nat_networks': nats,           # additive (Hyper-V/WinNAT): Get-NetNat
        'nat_static_mappings': parse_nat_mappings(raw) if hyperv else [],   # additive: Get-NetNatStaticMapping
    }


ERROR_SECTIONS = {
    'NetAdapter': 'interfaces', 'NetIPInterface': 'interfaces', 'NetIPAddress': 'interfaces',
    'NetRoute': 'routes', 'NetNeighbor': 'neighbors', 'RouteLookup': 'route_lookups',
    'NetConnectionProfile': 'windows_firewall', 'NetFirewallProfile': 'windows_firewall',
    # Not 'windows_firewall': a failed Group Policy read leaves the verdicts intact (nothing known enforced).
    'NetFirewallProfileGpo': 'windows_firewall_gpo',
    'NetFirewallRule': 'windows_firewall', 'NetFirewallPortFilter': 'windows_firewall',
    'NetFirewallAddressFilter': 'windows_firewall', 'NetFirewallApplicationFilter': 'windows_firewall',
    'NetFirewallServiceFilter': 'windows_firewall',
    'VMSwitch': 'hyperv', 'VMNetworkAdapter': 'hyperv', 'VMNetworkAdapterVlan': 'hyperv', 'NetNat': 'hyperv',
    'NetNatStaticMapping': 'hyperv',
}


def _error_source(section):
    """errors[].source: the schema section the failed cmdlet feeds (diagnosis/facts.py ERROR_SOURCES)."""
    return ERROR_SECTIONS.get(section, section)
