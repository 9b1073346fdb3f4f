# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hand-built facts (docs/facts_schema.md shape) for the diagnosis unit tests.

Two small worlds mirror the lab topologies (tests/lab):

* bridged: host eth0 10.10.0.1/24 -- hv bridge br0 (ports p-host, p-vm1; 10.10.0.254/24)
  -- vm1 eth0 10.10.0.11/24 (default via 10.10.0.254).
* routed: host eth0 10.1.0.1/24 (10.2.0.0/24 via 10.1.0.254) -- hv p-host 10.1.0.254/24,
  bridge br-vm 10.2.0.254/24 (port p-vm1), ip_forward=1 -- vm1 eth0 10.2.0.11/24 (default via 10.2.0.254).

Every test starts from a healthy world and breaks it the way the lab faults do.
"""
import copy
import ipaddress

HOST_MAC = '02:00:00:00:00:01'
VM_MAC = '52:54:00:00:00:11'
HV_PORT_HOST_MAC = '02:00:00:00:10:01'
HV_PORT_VM_MAC = '02:00:00:00:10:02'
BR_MAC = '02:00:00:00:10:03'


def iface(name, ifindex, kind='veth', mac=None, mtu=1500, master=None, addresses=(), admin_up=True,
          carrier=True):
    return {'name': name, 'ifindex': ifindex, 'kind': kind, 'admin_up': admin_up, 'carrier': carrier,
            'oper_state': 'UP' if admin_up and carrier else 'DOWN', 'mtu': mtu, 'max_mtu': 65535,
            'mac': mac, 'master': master, 'link': None, 'vlan_id': None,
            'addresses': [addr(a) for a in addresses]}


def addr(cidr):
    address, prefixlen = cidr.split('/')
    prefixlen = int(prefixlen)
    net = ipaddress.ip_interface(u'%s' % cidr).network
    return {'address': address, 'prefixlen': prefixlen, 'family': 'ipv4' if ':' not in address else 'ipv6',
            'network': str(net), 'scope': 'global', 'secondary': False, 'dad_failed': False}


def route(dst, dev, gateway=None, metric=None, rtype='unicast', table='main'):
    return {'family': 'ipv4', 'table': table, 'dst': dst, 'gateway': gateway, 'dev': dev, 'metric': metric,
            'type': rtype, 'protocol': 'static' if gateway else 'kernel', 'scope': 'global' if gateway else 'link',
            'prefsrc': None, 'onlink': False}


def lookup(address, dev, prefsrc, gateway=None, ok=True, error=None, rtype='unicast'):
    return {'address': address, 'ok': ok, 'error': error, 'type': rtype if ok else None, 'dev': dev if ok else None,
            'gateway': gateway if ok else None, 'prefsrc': prefsrc if ok else None, 'table': 'main' if ok else None}


def neigh(address, mac, dev, state='REACHABLE'):
    return {'address': address, 'family': 'ipv4', 'mac': mac, 'dev': dev,
            'state': state if isinstance(state, list) else [state], 'router': False}


def icmp(hook, icmp_type, src, dst, verdict='accept', certain=True, rule=None):
    return {'family': 'ipv4', 'hook': hook, 'icmp_type': icmp_type, 'src': src, 'dst': dst, 'iif': None,
            'oif': None, 'verdict': verdict, 'certain': certain,
            'deciding_rule': rule or {'backend': 'policy', 'family': 'inet', 'table': 'filter', 'chain': hook,
                                      'handle': None, 'rule_number': None, 'variant': None, 'policy': True,
                                      'text': None, 'comment': None},
            'trace': []}


def nft_rule(chain, handle, text, table='filter', family='inet'):
    return {'backend': 'nftables', 'family': family, 'table': table, 'chain': chain, 'handle': handle,
            'rule_number': None, 'variant': None, 'policy': False, 'text': text, 'comment': None}


def facts(hostname, interfaces, routes=(), lookups=(), neighbors=(), bridges=(), icmp_entries=(), ip_forward=0,
          conf=None):
    conf = conf or {}
    allconf = {'all': {'rp_filter': 0, 'arp_ignore': 0, 'arp_announce': 0, 'forwarding': ip_forward,
                       'accept_local': 0},
               'default': {'rp_filter': 0, 'arp_ignore': 0, 'arp_announce': 0, 'forwarding': ip_forward,
                           'accept_local': 0}}
    for i in interfaces:
        allconf[i['name']] = {'rp_filter': 0, 'arp_ignore': 0, 'arp_announce': 0, 'forwarding': ip_forward,
                              'accept_local': 0}
    for name, values in conf.items():
        allconf.setdefault(name, {}).update(values)
    lo = iface('lo', 1, kind='loopback', mac='00:00:00:00:00:00', mtu=65536, addresses=['127.0.0.1/8'])
    lo['addresses'][0]['scope'] = 'host'
    return {
        'schema_version': 1, 'platform': 'linux', 'hostname': hostname,
        'tools': {'ip': True, 'bridge': True, 'nft': True, 'iptables': True, 'iptables_legacy': False,
                  'firewall_cmd': False, 'ufw': False},
        'errors': [],
        'interfaces': [lo] + list(interfaces),
        'routes': list(routes), 'policy_rules': [], 'route_lookups': list(lookups),
        'neighbors': list(neighbors), 'bridges': list(bridges),
        'sysctls': {'ipv4': {'ip_forward': ip_forward, 'icmp_echo_ignore_all': 0, 'icmp_echo_ignore_broadcasts': 1},
                    'ipv6': {'forwarding': 0, 'icmp_echo_ignore_all': 0}, 'conf': allconf},
        'firewall': {'backends': {'nftables': {'present': True, 'active': True},
                                  'iptables_nft': {'present': True, 'active': False}},
                     'icmp': list(icmp_entries), 'rulesets': {}},
        'virtual_switches': [], 'vm_nics': [], 'vmkernel_nics': [], 'physical_nics': [], 'duplicate_macs': [],
    }


def bridge(name, ports, mtu=1500, stp=False, mac_filters=()):
    return {'name': name, 'stp_enabled': stp, 'vlan_filtering': False, 'default_pvid': 1, 'mtu': mtu,
            'ports': [{'name': p, 'state': 'forwarding', 'admin_up': True, 'carrier': True, 'mtu': mtu, 'pvid': None,
                       'vids': [], 'untagged': []} for p in ports],
            'mac_filters': list(mac_filters)}


def _flow_accepts(local, peer):
    return [icmp('input', 'echo-request', peer, local), icmp('output', 'echo-reply', local, peer),
            icmp('output', 'echo-request', local, peer), icmp('input', 'echo-reply', peer, local)]


def bridged():
    host_ip, vm_ip, hv_ip = '10.10.0.1', '10.10.0.11', '10.10.0.254'
    host = facts('host', [iface('eth0', 2, mac=HOST_MAC, addresses=['10.10.0.1/24'])],
                 routes=[route('10.10.0.0/24', 'eth0')],
                 lookups=[lookup(vm_ip, 'eth0', host_ip)],
                 neighbors=[neigh(vm_ip, VM_MAC, 'eth0')],
                 icmp_entries=_flow_accepts(host_ip, vm_ip))
    hv = facts('hv', [iface('br0', 2, kind='bridge', mac=BR_MAC, addresses=['10.10.0.254/24']),
                      iface('p-host', 3, mac=HV_PORT_HOST_MAC, master='br0'),
                      iface('p-vm1', 4, mac=HV_PORT_VM_MAC, master='br0')],
               routes=[route('10.10.0.0/24', 'br0')],
               lookups=[lookup(vm_ip, 'br0', hv_ip), lookup(host_ip, 'br0', hv_ip)],
               bridges=[bridge('br0', ['p-host', 'p-vm1'])])
    vm = facts('vm1', [iface('eth0', 2, mac=VM_MAC, addresses=['10.10.0.11/24'])],
               routes=[route('default', 'eth0', gateway=hv_ip), route('10.10.0.0/24', 'eth0')],
               lookups=[lookup(host_ip, 'eth0', vm_ip)],
               neighbors=[neigh(host_ip, HOST_MAC, 'eth0')],
               icmp_entries=_flow_accepts(vm_ip, host_ip))
    return {'host': host, 'hv': hv, 'vm': vm, 'host_ip': host_ip, 'vm_ip': vm_ip, 'hv_ip': hv_ip}


def routed():
    host_ip, vm_ip = '10.1.0.1', '10.2.0.11'
    host = facts('host', [iface('eth0', 2, mac=HOST_MAC, addresses=['10.1.0.1/24'])],
                 routes=[route('10.1.0.0/24', 'eth0'), route('10.2.0.0/24', 'eth0', gateway='10.1.0.254')],
                 lookups=[lookup(vm_ip, 'eth0', host_ip, gateway='10.1.0.254')],
                 neighbors=[neigh('10.1.0.254', HV_PORT_HOST_MAC, 'eth0')],
                 icmp_entries=_flow_accepts(host_ip, vm_ip))
    hv = facts('hv', [iface('p-host', 2, mac=HV_PORT_HOST_MAC, addresses=['10.1.0.254/24']),
                      iface('br-vm', 3, kind='bridge', mac=BR_MAC, addresses=['10.2.0.254/24']),
                      iface('p-vm1', 4, mac=HV_PORT_VM_MAC, master='br-vm')],
               routes=[route('10.1.0.0/24', 'p-host'), route('10.2.0.0/24', 'br-vm')],
               lookups=[lookup(vm_ip, 'br-vm', '10.2.0.254'), lookup(host_ip, 'p-host', '10.1.0.254')],
               neighbors=[neigh(vm_ip, VM_MAC, 'br-vm'), neigh(host_ip, HOST_MAC, 'p-host')],
               bridges=[bridge('br-vm', ['p-vm1'])],
               icmp_entries=[icmp('forward', 'echo-request', host_ip, vm_ip),
                             icmp('forward', 'echo-reply', vm_ip, host_ip),
                             icmp('forward', 'echo-request', vm_ip, host_ip),
                             icmp('forward', 'echo-reply', host_ip, vm_ip)],
               ip_forward=1)
    vm = facts('vm1', [iface('eth0', 2, mac=VM_MAC, addresses=['10.2.0.11/24'])],
               routes=[route('default', 'eth0', gateway='10.2.0.254'), route('10.2.0.0/24', 'eth0')],
               lookups=[lookup(host_ip, 'eth0', vm_ip, gateway='10.2.0.254')],
               neighbors=[neigh('10.2.0.254', BR_MAC, 'eth0')],
               icmp_entries=_flow_accepts(vm_ip, host_ip))
    return {'host': host, 'hv': hv, 'vm': vm, 'host_ip': host_ip, 'vm_ip': vm_ip, 'hv_ip': '10.2.0.254'}


def probe(reachable=True, size=56, dont_fragment=False, frag_needed=False, errors=()):
    return {'target': None, 'address': None, 'sent': 3, 'received': 3 if reachable else 0,
            'loss_percent': 0.0 if reachable else 100.0,
            'rtt': {'min': None, 'avg': None, 'max': None, 'mdev': None}, 'reachable': reachable, 'size': size,
            'dont_fragment': dont_fragment, 'errors': list(errors), 'frag_needed': frag_needed, 'path_mtu': None}


def path(world, reachable=False, with_hv=True, with_vm=True, **probes):
    world = copy.deepcopy(world)
    p = {'source': 'lab-host', 'target_ip': world['vm_ip'], 'source_facts': world['host'],
         'probes': dict({'forward': probe(reachable)}, **probes)}
    if with_hv:
        p['hypervisor'], p['hypervisor_facts'] = 'lab-hv', world['hv']
    if with_vm:
        p['target_host'], p['target_facts'] = 'lab-vm1', world['vm']
    return p


def get_iface(facts_dict, name):
    for i in facts_dict['interfaces']:
        if i['name'] == name:
            return i
    raise KeyError(name)


def get_port(facts_dict, name):
    for br in facts_dict['bridges']:
        for p in br['ports']:
            if p['name'] == name:
                return p
    raise KeyError(name)


def set_icmp(facts_dict, hook, icmp_type, verdict, rule=None, certain=True):
    for entry in facts_dict['firewall']['icmp']:
        if entry['hook'] == hook and entry['icmp_type'] == icmp_type:
            entry['verdict'] = verdict
            entry['certain'] = certain
            if rule:
                entry['deciding_rule'] = rule
            return entry
    raise KeyError((hook, icmp_type))


def get_lookup(facts_dict, address):
    for entry in facts_dict['route_lookups']:
        if entry['address'] == address:
            return entry
    raise KeyError(address)
