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

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import firewall as wfw

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
    'Store': {0: 'ActiveStore', 1: 'PersistentStore'},
    'MediaConnectionState': {0: 'Unknown', 1: 'Connected', 2: 'Disconnected'},
    'AdminStatus': {1: 'Up', 2: 'Down', 3: 'Testing'},
    'NetworkCategory': {0: 'Public', 1: 'Private', 2: 'DomainAuthenticated'},
    'SwitchType': {0: 'Private', 1: 'Internal', 2: 'External'},
    'OperationMode': {0: 'Untagged', 1: 'Access', 2: 'Trunk', 3: 'Private'},
}

NUD = {'Reachable': 'REACHABLE', 'Stale': 'STALE', 'Permanent': 'PERMANENT', 'Incomplete': 'INCOMPLETE',
       'Unreachable': 'FAILED', 'Probe': 'PROBE', 'Delay': 'DELAY'}
ROUTE_PROTOCOL = {'NetMgmt': 'static', 'Local': 'kernel', 'Dhcp': 'dhcp', 'Icmp': 'redirect'}
SWITCH_TYPES = {'External': 'hyperv_external', 'Internal': 'hyperv_internal', 'Private': 'hyperv_private'}
NO_GATEWAY = ('0.0.0.0', '::', '', None)
ZERO_MACS = ('00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff')


def unwrap(value):
    """Windows PowerShell 5.1 writes a PSObject-wrapped array as {"value": [...], "Count": n}
    (the ETS Count property of System.Array); return the array itself."""
    if isinstance(value, dict) and set(value) == set(['value', 'Count']) and isinstance(value['value'], list):
        return value['value']
    return value


def as_list(value):
    """ConvertTo-Json writes one object for a one-element pipeline: always a list here."""
    value = unwrap(value)
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [value]


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
    desc = str((adapter or {}).get('InterfaceDescription') or '')
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
    adapters = dict((_int(a.get('ifIndex')), a) for a in as_list(raw.get('NetAdapter')))
    ipifs = {}
    for ipif in as_list(raw.get('NetIPInterface')):
        ipifs.setdefault(_int(ipif.get('InterfaceIndex')), {})[family(ipif.get('AddressFamily'))] = ipif
    addrs = {}
    for addr in as_list(raw.get('NetIPAddress')):
        addrs.setdefault(_int(addr.get('InterfaceIndex')), []).append(addr)
    categories = dict((_int(p.get('InterfaceIndex')), enum(p.get('NetworkCategory'), 'NetworkCategory'))
                      for p in as_list(raw.get('NetConnectionProfile')))
    out = []
    for index in sorted(set(adapters) | set(ipifs), key=lambda i: (i is None, i)):
        adapter = adapters.get(index)
        fams = ipifs.get(index, {})
        alias = (adapter or {}).get('Name') or next(
            (f.get('InterfaceAlias') for f in fams.values() if f.get('InterfaceAlias')), None)
        if not alias:
            continue
        v4, v6 = fams.get('ipv4') or {}, fams.get('ipv6') or {}
        status = (adapter or {}).get('Status')
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
            ip = _canon_ip(addr.get('IPAddress'))
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
            'mac': mac((adapter or {}).get('MacAddress')),
            'master': None,
            'link': None,
            'vlan_id': None,
            'addresses': addresses,
            # additive (windows): per-family IP MTU (NlMtu), description, firewall profile category
            'mtu_by_family': dict((f, _int(v.get('NlMtu'))) for f, v in fams.items() if f),
            'forwarding': dict((f, enum(v.get('Forwarding'), 'Forwarding') == 'Enabled') for f, v in fams.items() if f),
            'description': (adapter or {}).get('InterfaceDescription'),
            'network_category': category,
        })
    return out


def parse_routes(raw):
    out = []
    for route in as_list(raw.get('NetRoute')):
        fam = family(route.get('AddressFamily'))
        dst = route.get('DestinationPrefix')
        try:
            net = ipaddress.ip_network(str(dst), strict=False)
        except ValueError:
            continue
        fam = fam or ('ipv4' if net.version == 4 else 'ipv6')
        gateway = None if route.get('NextHop') in NO_GATEWAY else _canon_ip(route.get('NextHop'))
        protocol = enum(route.get('Protocol'), 'RouteProtocol')
        if enum(route.get('Store'), 'Store') == 'PersistentStore':
            continue        # the boot-time copy; the ActiveStore entry is the route in use
        out.append({
            'family': fam, 'table': 'main', 'dst': 'default' if net.prefixlen == 0 else str(net),
            'gateway': gateway, 'dev': route.get('InterfaceAlias'), 'metric': _int(route.get('RouteMetric')),
            'type': 'unicast', 'protocol': ROUTE_PROTOCOL.get(protocol, str(protocol).lower() if protocol else None),
            'scope': 'global' if gateway else 'link', 'prefsrc': None, 'onlink': False, 'nexthops': [],
            # additive (windows): the effective metric is RouteMetric + InterfaceMetric
            'ifindex': _int(route.get('InterfaceIndex')), 'interface_metric': _int(route.get('InterfaceMetric')),
            'store': enum(route.get('Store'), 'Store'),
        })
    return out


def parse_route_lookups(raw):
    out = []
    for entry in as_list(raw.get('RouteLookup')):
        address = _canon_ip(entry.get('Address'))
        if address is None:
            continue
        error = entry.get('Error')
        ok = not error and bool(entry.get('InterfaceAlias'))
        gateway = None if entry.get('NextHop') in NO_GATEWAY else _canon_ip(entry.get('NextHop'))
        out.append({'address': address, 'ok': ok, 'error': error or (None if ok else 'no route'),
                    'type': 'unicast' if ok else None, 'dev': entry.get('InterfaceAlias'),
                    'gateway': gateway, 'prefsrc': _canon_ip(entry.get('IPAddress')) if entry.get('IPAddress') else None,
                    'table': 'main', 'ifindex': _int(entry.get('InterfaceIndex'))})
    return out


def parse_neighbors(raw):
    out = []
    for entry in as_list(raw.get('NetNeighbor')):
        address = _canon_ip(entry.get('IPAddress'))
        if address is None:
            continue
        state = enum(entry.get('State'), 'NeighborState')
        nud = NUD.get(state, str(state).upper() if state else 'NONE')
        hw = mac(entry.get('LinkLayerAddress'))
        if nud in ('INCOMPLETE', 'FAILED') or hw in ZERO_MACS:
            hw = None if nud in ('INCOMPLETE', 'FAILED') or hw == '00:00:00:00:00:00' else hw
        out.append({'address': address, 'family': family(entry.get('AddressFamily')) or (
            'ipv6' if ':' in address else 'ipv4'), 'mac': hw, 'dev': entry.get('InterfaceAlias'),
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


def parse_hyperv(raw, hostname, interfaces):
    """virtual_switches, vm_nics, host_vnics (management OS adapters), nat_networks."""
    by_desc = dict((i.get('description'), i.get('name')) for i in interfaces if i.get('description'))
    switches = []
    for sw in as_list(raw.get('VMSwitch')):
        stype = enum(sw.get('SwitchType'), 'SwitchType')
        desc = sw.get('NetAdapterInterfaceDescription')
        switches.append({
            'name': sw.get('Name'), 'type': SWITCH_TYPES.get(stype, 'hyperv_%s' % str(stype).lower()),
            'host': hostname, 'key': None, 'mtu': None,
            'uplinks': [by_desc.get(desc, desc)] if desc else [],
            'security': {}, 'portgroups': [],
            # additive (windows)
            'id': sw.get('Id'), 'uplink_description': desc,
            'allow_management_os': _bool(sw.get('AllowManagementOS')),
        })
    vlans = {}
    for entry in as_list(raw.get('VMNetworkAdapterVlan')):
        key = (entry.get('VMName') if not _bool(entry.get('IsManagementOs')) else None, entry.get('AdapterName'),
               ps_mac(entry.get('MacAddress')))
        vlans[key] = entry
    nics, host_vnics = [], []
    for nic in as_list(raw.get('VMNetworkAdapter')):
        mgmt = bool(_bool(nic.get('IsManagementOs')))
        key = (None if mgmt else nic.get('VMName'), nic.get('Name'), ps_mac(nic.get('MacAddress')))
        vlan = vlans.get(key)
        vlan_id, vlan_mode = _vlan_of(vlan) if vlan else (None, None)
        status = [str(s) for s in as_list(nic.get('Status'))]
        switch = nic.get('SwitchName') or None
        hw = mac(nic.get('MacAddress'))
        common = {'mac': hw if hw != '00:00:00:00:00:00' else None, 'switch': switch, 'vlan_id': vlan_id,
                  'vlan_mode': vlan_mode,
                  'vlan_allowed': (vlan or {}).get('AllowedVlanIdList') if vlan_mode == 'trunk' else None}
        if mgmt:
            entry = {'name': 'vEthernet (%s)' % nic.get('Name'), 'adapter': nic.get('Name')}
            entry.update(common)
            host_vnics.append(entry)
            continue
        connected = _bool(nic.get('Connected'))
        entry = {
            'vm': nic.get('VMName'), 'host': hostname, 'label': nic.get('Name'), 'key': None,
            'connected': bool(connected) and switch is not None if connected is not None else (
                switch is not None), 'start_connected': None, 'portgroup': None,
            'mac_spoofing': {'On': True, 'Off': False}.get(str(nic.get('MacAddressSpoofing'))),
            'power_state': None,
            'guest_ips': [ip for ip in (_canon_ip(a) for a in as_list(nic.get('IPAddresses'))) if ip],
            'guest_macs': [],
            # additive (windows)
            'status': status, 'dynamic_mac': _bool(nic.get('DynamicMacAddressEnabled')),
        }
        entry.update(common)
        nics.append(entry)
    nats = []
    for nat in as_list(raw.get('NetNat')):
        nats.append({'name': nat.get('Name'), 'internal_prefix': nat.get('InternalIPInterfaceAddressPrefix'),
                     'external_prefix': nat.get('ExternalIPInterfaceAddressPrefix'),
                     'active': _bool(nat.get('Active'))})
    return switches, nics, host_vnics, nats


def _duplicates(nics):
    seen = {}
    for nic in nics:
        if nic.get('mac'):
            seen.setdefault(nic['mac'], []).append({'vm': nic.get('vm'), 'label': nic.get('label')})
    return [{'mac': m, 'nics': v} for m, v in sorted(seen.items()) if len(v) > 1]


def physical_nics(raw, hostname):
    out = []
    for adapter in as_list(raw.get('NetAdapter')):
        if not _bool(adapter.get('HardwareInterface')):
            continue
        duplex = _bool(adapter.get('FullDuplex'))
        out.append({'name': adapter.get('Name'), 'host': hostname,
                    'link_up': enum(adapter.get('MediaConnectionState'), 'MediaConnectionState') == 'Connected',
                    'speed_mbps': _speed_mbps(adapter.get('LinkSpeed')),
                    'duplex': None if duplex is None else ('full' if duplex else 'half'),
                    'mac': mac(adapter.get('MacAddress'))})
    return out


def _default_gateways(routes):
    return [r['gateway'] for r in routes if r['dst'] == 'default' and r.get('gateway')]


def parse(raw, peers=()):
    """The facts dict (schema version 1, platform windows) for one read-script document."""
    raw = raw if isinstance(raw, dict) else {}
    hostname = raw.get('Hostname')
    errors = [{'source': _error_source(e.get('source')), 'message': '%s: %s' % (e.get('source'), e.get('message'))}
              for e in as_list(raw.get('Errors')) if isinstance(e, dict)]
    interfaces = parse_interfaces(raw)
    routes = parse_routes(raw)
    lookups = parse_route_lookups(raw)
    hyperv = bool(raw.get('HyperV'))
    switches, nics, host_vnics, nats = parse_hyperv(raw, hostname, interfaces) if hyperv else ([], [], [], [])
    for switch in switches:         # the physical NIC an external switch is bound to
        for iface in interfaces:
            if switch['uplink_description'] and iface.get('description') == switch['uplink_description'] \
                    and iface.get('kind') == 'physical':
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
    }


ERROR_SECTIONS = {
    'NetAdapter': 'interfaces', 'NetIPInterface': 'interfaces', 'NetIPAddress': 'interfaces',
    'NetRoute': 'routes', 'NetNeighbor': 'neighbors', 'RouteLookup': 'route_lookups',
    'NetConnectionProfile': 'windows_firewall', 'NetFirewallProfile': 'windows_firewall',
    'NetFirewallRule': 'windows_firewall', 'NetFirewallPortFilter': 'windows_firewall',
    'NetFirewallAddressFilter': 'windows_firewall', 'NetFirewallApplicationFilter': 'windows_firewall',
    'NetFirewallServiceFilter': 'windows_firewall',
    'VMSwitch': 'hyperv', 'VMNetworkAdapter': 'hyperv', 'VMNetworkAdapterVlan': 'hyperv', 'NetNat': 'hyperv',
}


def _error_source(section):
    """errors[].source: the schema section the failed cmdlet feeds (diagnosis/facts.py ERROR_SOURCES)."""
    return ERROR_SECTIONS.get(section, section)
