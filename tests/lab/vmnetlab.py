# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A network-namespace lab that reproduces "the host cannot ping the VM".

Every node of the lab is a Linux network namespace named ``<prefix>-<node>``:
``host`` (the physical host), ``hv`` (the hypervisor: Linux bridge(s), or a router)
and ``vm1``..``vmN``. Nothing is configured in the root namespace; the lab subnets
exist only inside the lab namespaces (see README.md for the address plan).

Faults (``FAULTS``) are real kernel or firewall states. ``Lab.inject`` records the exact
undo steps in ``/run/vmnet-doctor-lab/<prefix>.json``; ``Lab.heal`` replays them,
and is idempotent. ``Lab.down`` removes everything, also after a partial build.
"""

import ipaddress
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import fwdaemons  # firewalld/ufw on lab hosts (Lab(..., firewall=...))  pylint: disable=wrong-import-order
import libvirtlab  # the libvirt topology (real libvirtd)  pylint: disable=wrong-import-order
import ovslab  # the Open vSwitch topology (tests/lab/ovslab.py)  pylint: disable=wrong-import-order

STATE_DIR = '/run/vmnet-doctor-lab'
TOPOLOGIES = ('bridged', 'routed', 'vlan', 'ovs', 'libvirt')
PREFIX_RE = re.compile(r'^[a-z][a-z0-9]{0,9}$')
NODE_RE = re.compile(r'^(host|hv|dup|vm([1-9]|1[0-2]))$')
MAX_VMS = 12
ENV = dict(os.environ, LANG='C', LC_ALL='C')

# Address plan. The same subnets are used by every lab: each lab lives in its own
# namespaces, so two labs never see each other's addresses.
SUBNETS = {
    'bridged': {'lan': '10.210.0.0/24'},
    'routed': {'transit': '10.220.0.0/24', 'vms': '10.220.1.0/24', 'transit2': '10.220.2.0/24'},
    'vlan': {'vlan10': '10.230.10.0/24', 'vlan20': '10.230.20.0/24'},
    'ovs': {'vlan10': ovslab.SUBNET},
    'libvirt': {'transit': libvirtlab.TRANSIT, 'vms': libvirtlab.VM_SUBNET},
}
WRONG_GATEWAY = '10.220.1.254'      # vm_gateway_wrong: an unused address on the VM subnet
STALE_MAC = '02:76:6d:ee:ee:ee'     # host_stale_arp: a MAC nobody in the lab owns
JUMBO_MTU = 9000
BIG_PING = 3000                     # payload of the ping that mtu_mismatch breaks
NFT_TABLE = 'filter'                # vm/hv faults write to "inet filter" / "bridge filter"
IPT = 'iptables-nft'                # host_icmp_ipt_drop uses the nf_tables variant of iptables
DUP_GARP_INTERVAL = 0.25            # duplicate_ip: seconds between the impostor's ARP claims
GARP_SENDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'garp_sender.py')
DUP_LEARN_TIMEOUT = 10              # duplicate_ip: seconds to get the impostor's MAC into the host

# The fault catalogue: data, importable by tests and printed by ``lab.py faults``.
# A check is {"ping": [src, dst], "size": N} (dst is a node, or "node.ifname" for one
# address) or {"neigh": [node, target]}: node's neighbour entry for target's address
# resolves to target's real MAC (after one ping attempt).
# ``node`` is where the fault is injected; ``layer`` is the layer of the expected finding, in the
# vocabulary of the finding catalogue (plugins/plugin_utils/diagnosis/catalog.py LAYERS).
# ``expect`` is what the diagnosis must report for the fault alone in its first topology:
# the finding ``code`` (a catalogue code), the lab node whose host owns the broken object
# (``host``), the fixer module the fix proposes (``fixer``, None when the fix is manual) and the
# keys of the finding's ``object`` that are stable ({vm1_ip}, {vm1_mac} stand for the lab's values;
# see expected_finding()). The test tables (diagnose, remediate, recorded fixtures, benches) read
# these; tests/unit/lab/test_fault_catalogue.py checks them against the catalogue and the fixers.
FAULTS = {
    'vm_icmp_nft_drop': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "nftables on the VM drops ICMP echo-request in its input hook",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['vm1', 'host']}, {'neigh': ['host', 'vm1']}],
        'evidence': "vm1: table inet filter, chain input (hook input), rule 'icmp type echo-request counter drop'; "
                    "the counter grows with each host ping; ARP for vm1 still resolves",
        'heal': "delete table inet filter on vm1",
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'vm1', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                              'chain': 'input'}},
    },
    'host_icmp_ipt_drop': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'host', 'layer': 'firewall',
        'summary': "iptables (nf_tables variant, iptables-nft) on the host drops ICMP from vm1 in INPUT",
        'breaks': [{'ping': ['host', 'vm1']}, {'ping': ['vm1', 'host']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "host: iptables-nft -S INPUT shows '-A INPUT -s <vm1>/32 -p icmp -m comment --comment "
                    "\"vmnet-lab fault host_icmp_ipt_drop\" -j DROP' (table ip filter in nft -j)",
        'heal': "iptables-nft -D INPUT with the same rule",
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'host', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'iptables', 'table': 'filter', 'chain': 'INPUT',
                              'rule_number': 1}},
    },
    'hv_forward_drop': {
        'topologies': ['routed'], 'node': 'hv', 'layer': 'firewall',
        'summary': "nftables on the hypervisor (router) drops forwarded ICMP echo-request",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "hv: table inet filter, chain forward (hook forward), rule 'icmp type echo-request counter drop'",
        'heal': "delete table inet filter on hv",
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'hv', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                              'chain': 'forward'}},
    },
    'vm_gateway_missing': {
        'topologies': ['routed'], 'node': 'vm1', 'layer': 'routing',
        'summary': "the VM has no default route, so its replies to the host have no route",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'vm1']}],
        'evidence': "vm1: ip -j route show default is empty; route get <host> fails (Network is unreachable)",
        'heal': "ip route replace default via <gateway> dev eth0 on vm1",
        'expect': {'code': 'GATEWAY_MISSING', 'host': 'vm1', 'fixer': 'default_gateway',
                   'object': {'type': 'route', 'dst': 'default'}},
    },
    'vm_gateway_wrong': {
        'topologies': ['routed'], 'node': 'vm1', 'layer': 'routing',
        'summary': "the VM's default route points at %s, an address nobody owns" % WRONG_GATEWAY,
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'vm1']}],
        'evidence': "vm1: default via %s; the neighbour entry for it stays INCOMPLETE/FAILED" % WRONG_GATEWAY,
        'heal': "ip route replace default via <gateway> dev eth0 on vm1",
        'expect': {'code': 'GATEWAY_WRONG', 'host': 'vm1', 'fixer': 'default_gateway',
                   'object': {'type': 'route', 'gateway': WRONG_GATEWAY}},
    },
    'host_route_missing': {
        'topologies': ['routed'], 'node': 'host', 'layer': 'routing',
        'summary': "the host has no route to the VM subnet (behind the hypervisor)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "host: no route for the VM subnet; route get <vm1> fails (Network is unreachable)",
        'heal': "ip route replace <vm subnet> via <hv transit address> dev eth0 on host",
        'expect': {'code': 'NO_ROUTE', 'host': 'host', 'fixer': 'static_route',
                   'object': {'type': 'route', 'destination': '{vm1_ip}'}},
    },
    'vm_wrong_netmask': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'addressing',
        'summary': "the VM's address has prefix length 29 instead of 24: the host is off-link for the VM",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'neigh': ['host', 'vm1']}],
        'evidence': "vm1: eth0 address <vm1>/29 while the host/gateway is outside that /29; "
                    "ARP for vm1 still resolves in every lab topology only because the lab runs with "
                    "rp_filter 0 (the VM answers ARP on the link it came in on; its IP replies have no "
                    "route). A VM with rp_filter 1 or 2 ignores ARP from a sender it has no route back "
                    "to: the host's (routed: the hypervisor's) entry for vm1 then stays INCOMPLETE",
        'heal': "replace the /29 with the original /24 (and the default route in routed)",
        'expect': {'code': 'SUBNET_MISMATCH', 'host': 'vm1', 'fixer': None,
                   'object': {'type': 'address', 'address': '{vm1_ip}', 'prefixlen': 29}},
    },
    'mtu_mismatch': {
        'topologies': ['bridged'], 'node': 'host', 'layer': 'link',
        'summary': "host eth0 and vm1 eth0 use MTU %d, the bridge and its ports stay at 1500" % JUMBO_MTU,
        'breaks': [{'ping': ['host', 'vm1'], 'size': BIG_PING}],
        'intact': [{'ping': ['host', 'vm1']}],
        'evidence': "host eth0 mtu %d and vm1 eth0 mtu %d, hv br0/uplink0/vnet-vm1 mtu 1500; "
                    "large frames are dropped by the 1500-byte bridge ports" % (JUMBO_MTU, JUMBO_MTU),
        'heal': "set host eth0 and vm1 eth0 back to their recorded MTU (1500)",
        'expect': {'code': 'MTU_MISMATCH', 'host': 'hv', 'fixer': 'interface_mtu',
                   'object': {'type': 'interface', 'name': 'br0'}},
    },
    'vm_mac_filtered': {
        'topologies': ['bridged', 'vlan'], 'node': 'hv', 'layer': 'switch',
        'summary': "an nftables bridge-family rule on the hypervisor drops frames from vm1's MAC",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'vm1']}, {'ping': ['host', 'hv']}],
        'evidence': "hv: table bridge filter, chain forward, rule 'ether saddr <vm1 mac> counter drop'; "
                    "host's neighbour entry for vm1 is INCOMPLETE/FAILED",
        'heal': "delete table bridge filter on hv",
        'expect': {'code': 'MAC_FILTERED', 'host': 'hv', 'fixer': 'mac_allow',
                   'object': {'type': 'mac_filter', 'mac': '{vm1_mac}', 'family': 'bridge'}},
    },
    'vm_wrong_vlan': {
        'topologies': ['vlan'], 'node': 'hv', 'layer': 'switch',
        'summary': "vm1's bridge port is moved from br10 (VLAN 10) to br20 (VLAN 20)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: vnet-vm1 master br20 while the host's uplink0 is on br10 "
                    "(one bridge per VLAN: this kernel has no bridge vlan_filtering)",
        'heal': "ip link set vnet-vm1 master br10 on hv",
        'expect': {'code': 'VLAN_MISMATCH', 'host': 'hv', 'fixer': None,
                   'object': {'type': 'bridge_port', 'name': 'vnet-vm1'}},
    },
    'vm_link_down': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'link',
        'summary': "the VM's eth0 is administratively down",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "vm1: eth0 without UP; hv: vnet-vm1 NO-CARRIER (oper state LOWERLAYERDOWN/DOWN)",
        'heal': "ip link set eth0 up on vm1 (and restore its default route in routed)",
        'expect': {'code': 'LINK_DOWN', 'host': 'vm1', 'fixer': 'link_state',
                   'object': {'type': 'interface', 'name': 'eth0'}},
    },
    'bridge_port_down': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'hv', 'layer': 'switch',
        'summary': "the VM's bridge port on the hypervisor is administratively down",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: vnet-vm1 without UP (bridge port state disabled); vm1: eth0 NO-CARRIER",
        'heal': "ip link set vnet-vm1 up on hv",
        'expect': {'code': 'BRIDGE_PORT_DOWN', 'host': 'hv', 'fixer': 'link_state',
                   'object': {'type': 'bridge_port', 'name': 'vnet-vm1'}},
    },
    'duplicate_ip': {
        'topologies': ['bridged', 'vlan'], 'node': 'hv', 'layer': 'addressing',
        'summary': "an extra namespace <prefix>-dup on the VM's bridge claims vm1's IP with its own MAC "
                   "and does not answer ping; like a real conflicting host it keeps claiming the address "
                   "(unsolicited ARP to the host every %s s), so the host's ARP entry keeps pointing at it "
                   "even when the real vm1 re-resolves it" % DUP_GARP_INTERVAL,
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "host: neighbour entry for vm1 has the impostor's MAC 02:76:6d:0d:00:01, not vm1's; "
                    "hv: bridge fdb shows that MAC on port vnet-dup",
        'heal': "stop the impostor's ARP sender, delete namespace <prefix>-dup (its port goes with it), "
                "flush the neighbour entries "
                "for vm1's IP on host and hv",
        'expect': {'code': 'IP_CONFLICT', 'host': 'host', 'fixer': None,
                   'object': {'type': 'address', 'address': '{vm1_ip}'}},
    },
    'host_stale_arp': {
        'topologies': ['bridged', 'vlan'], 'node': 'host', 'layer': 'neighbor',
        'summary': "the host has a PERMANENT neighbour entry for vm1's IP with a wrong MAC (%s)" % STALE_MAC,
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "host: ip -j neigh shows <vm1> lladdr %s state PERMANENT; vm1's real MAC differs" % STALE_MAC,
        'heal': "ip neigh del <vm1> dev eth0 on host (or restore the entry that was there)",
        'expect': {'code': 'ARP_STALE', 'host': 'host', 'fixer': 'neighbor',
                   'object': {'type': 'neighbor', 'address': '{vm1_ip}'}},
    },
    'hv_ip_forward_off': {
        'topologies': ['routed'], 'node': 'hv', 'layer': 'routing',
        'summary': "IPv4 forwarding is off on the hypervisor (router)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "hv: net.ipv4.ip_forward = 0",
        'heal': "sysctl net.ipv4.ip_forward back to the recorded value (1) on hv",
        'expect': {'code': 'FORWARDING_DISABLED', 'host': 'hv', 'fixer': 'net_sysctl',
                   'object': {'type': 'sysctl', 'name': 'ip_forward'}},
    },
    'vm_icmp_ignore': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'stack',
        'summary': "the VM ignores all ICMP echo requests (net.ipv4.icmp_echo_ignore_all = 1)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['vm1', 'host']}, {'neigh': ['host', 'vm1']}],
        'evidence': "vm1: net.ipv4.icmp_echo_ignore_all = 1",
        'heal': "sysctl net.ipv4.icmp_echo_ignore_all back to the recorded value (0) on vm1",
        'expect': {'code': 'ICMP_IGNORED', 'host': 'vm1', 'fixer': 'net_sysctl',
                   'object': {'type': 'sysctl', 'name': 'icmp_echo_ignore_all'}},
    },
    'rp_filter_asymmetric': {
        'topologies': ['routed'], 'node': 'host', 'layer': 'routing',
        'summary': "replies return over the second link (eth1, transit2) and the host's strict "
                   "rp_filter drops them",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv.eth1']}],
        'evidence': "hv: route <host eth0 address>/32 via <host eth1 address> dev eth1 (asymmetric path); "
                    "host: net.ipv4.conf.all.rp_filter = 1 while its route to the VM subnet is via eth0",
        'heal': "restore host net.ipv4.conf.all.rp_filter (0) and delete the /32 route on hv",
        'expect': {'code': 'RP_FILTER_DROP', 'host': 'host', 'fixer': 'net_sysctl',
                   'object': {'type': 'sysctl', 'name': 'rp_filter'}},
    },
    # Kernel states that drop or divert an echo or an ARP and that no model check covers: only the packet
    # witness (vmnet.doctor.packet_witness) locates them (issue 12). "witness" says what it should see.
    'vm_arp_ignore': {
        'topologies': ['bridged', 'vlan'], 'node': 'vm1', 'layer': 'neighbor',
        'summary': "vm1 answers no ARP request for its addresses (net.ipv4.conf.all.arp_ignore = 8)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'host']}],
        'evidence': "vm1: net.ipv4.conf.all.arp_ignore = 8; host's neighbour entry for vm1 INCOMPLETE/FAILED",
        'witness': "ARP requests enter vm1 eth0, no ARP reply leaves it, no drop record: not answered on vm1",
        'heal': "sysctl net.ipv4.conf.all.arp_ignore back to the recorded value (0) on vm1",
    },
    'vm_arp_nft_drop': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "nftables arp-family rules on vm1 drop ARP requests, incoming and outgoing (so no peer learns "
                   "vm1's MAC from vm1's own requests either)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'host']}],
        'evidence': "vm1: table arp filter, chains input and output, rule 'arp operation request counter drop'",
        'witness': "vm1: drop reason NETFILTER_DROP for arp_request on eth0; nft trace names arp filter input",
        'heal': "delete table arp filter on vm1",
    },
    'hv_bridge_arp_drop': {
        'topologies': ['bridged', 'vlan'], 'node': 'hv', 'layer': 'switch',
        'summary': "ebtables (nf_tables variant) on the hypervisor's bridge drops ARP asking for vm1's address",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: ebtables-nft -L FORWARD shows '-p ARP --arp-ip-dst <vm1> -j DROP' (table bridge filter)",
        'witness': "hv: drop reason NETFILTER_DROP for arp_request entering uplink0, nft trace bridge filter FORWARD",
        'heal': "ebtables-nft -D FORWARD with the same rule (and delete the empty table bridge filter)",
    },
    'hv_policy_blackhole': {
        'topologies': ['routed'], 'node': 'hv', 'layer': 'routing',
        'summary': "a policy rule on the router sends traffic from the host to table 100, whose only route is "
                   "a blackhole for the VM subnet",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "hv: ip rule 'from <host> lookup 100' (pref 100); ip route show table 100: blackhole <vm subnet>",
        'witness': "the echo request enters hv eth0 and never leaves hv",
        'heal': "ip rule del pref 100; ip route flush table 100 on hv",
    },
    'vm_reply_prohibit': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'routing',
        'summary': "a policy rule on vm1 prohibits traffic from vm1's address to the host: no echo reply can leave",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'neigh': ['host', 'vm1']}],
        'evidence': "vm1: ip rule 'from <vm1> to <host> prohibit' (pref 100); ip route get <host> (without from) "
                    "still succeeds",
        'witness': "the echo request enters vm1 eth0, no echo reply leaves vm1, no drop record",
        'heal': "ip rule del pref 100 on vm1",
    },
    'vm_xfrm_block': {
        'topologies': ['bridged', 'routed', 'vlan'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "an IPsec (xfrm) policy on vm1 blocks incoming ICMP from the host",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'neigh': ['host', 'vm1']}],
        'evidence': "vm1: ip xfrm policy 'src <host>/32 dst <vm1>/32 proto icmp dir in action block'",
        'witness': "vm1: drop reason XFRM_POLICY for the echo request on eth0",
        'heal': "ip xfrm policy delete src <host>/32 dst <vm1>/32 proto icmp dir in on vm1",
    },
    'hv_iface_forwarding_off': {
        'topologies': ['routed'], 'node': 'hv', 'layer': 'routing',
        'summary': "forwarding is off on the router's host-facing interface only (net.ipv4.conf.eth0.forwarding "
                   "= 0 while net.ipv4.ip_forward = 1)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "hv: net.ipv4.conf.eth0.forwarding = 0, net.ipv4.ip_forward = 1",
        'witness': "hv: the echo request enters eth0 and is dropped there (a routing drop reason)",
        'heal': "sysctl net.ipv4.conf.eth0.forwarding back to the recorded value (1) on hv",
    },
}

FAULTS.update(ovslab.FAULTS)
FAULTS.update(libvirtlab.FAULTS)
# Topologies whose faults have an integration test file of their own (one shared lab per module there);
# the suites that walk every fault (test_lab_faults, test_net_facts, test_diagnose_role,
# test_remediate_role) leave them out: in_shared_suites().
OWN_TESTS = {'ovs': 'tests/integration/test_ovs.py'}


def in_shared_suites(name):
    """False for a fault whose topologies all have a test file of their own (OWN_TESTS)."""
    return not set(FAULTS[name]['topologies']) <= set(OWN_TESTS)


# Lab node -> the diagnosis engine's role for a single host -> vm1 path.
ENGINE_ROLES = {'host': 'source', 'hv': 'hypervisor', 'vm1': 'target'}


def expected_finding(name, values=None):
    """(code, node, fixer, object) the diagnosis reports for fault ``name`` alone (``FAULTS[name]['expect']``).

    ``values`` fills the placeholders of the object (``{'{vm1_ip}': ..., '{vm1_mac}': ...}``); without it the
    object keeps them. ``fixer`` is the short fixer module name, or None for a manual fix.
    """
    expect = FAULTS[name]['expect']
    values = values or {}
    obj = dict((k, values.get(v, v) if isinstance(v, str) else v) for k, v in expect['object'].items())
    return expect['code'], expect['host'], expect['fixer'], obj


def model_faults():
    """Faults a model check diagnoses (they declare ``expect``); the others (``witness``) only the packet
    witness locates, so they have no model expectation."""
    return sorted(name for name, fault in FAULTS.items() if 'expect' in fault)


def faults_fixed_by(fixer=True):
    """Names of the faults whose fix is automatic (``fixer=True``), manual (False) or by one fixer (a name)."""
    names = []
    for name, fault in sorted(FAULTS.items()):
        if 'expect' not in fault:   # located by the packet witness alone (tests/integration/test_witness.py)
            continue
        if fault.get('doctor_allow'):   # exposure-changing fix: applied only when named (faults_needing_allow)
            continue
        have = fault['expect']['fixer']
        if (fixer is True and have) or (fixer is False and not have) or (have and have == fixer):
            names.append(name)
    return names


def faults_needing_allow():
    """Faults whose fix changes who can reach the VM: proposed, applied only when ``doctor_allow`` names
    the codes the fault lists in ``doctor_allow`` (tests/integration/test_libvirt.py)."""
    return sorted(name for name, fault in FAULTS.items() if fault.get('doctor_allow'))


class LabError(Exception):
    """A lab operation failed."""


def _mac(node_code, if_code):
    """Deterministic, locally administered MAC: 02:76:6d ("vm") : node : interface : 01."""
    return '02:76:6d:%02x:%02x:01' % (node_code, if_code)


def _node_code(node):
    if node == 'host':
        return 0x01
    if node == 'hv':
        return 0x02
    if node == 'dup':
        return 0x0d
    return 0x10 + int(node[2:])


def _host_ip(cidr, index):
    net = ipaddress.ip_network(cidr)
    return '%s/%d' % (net.network_address + index, net.prefixlen)


def _bare(address):
    return address.split('/')[0]


def _run(argv, check=True, input_text=None, timeout=60):
    """Run argv (never a shell string); return CompletedProcess with text output."""
    try:
        proc = subprocess.run(argv, input=input_text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, env=ENV, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError('%s: %s' % (' '.join(argv), exc))
    if check and proc.returncode != 0:
        raise LabError('%s: rc=%d: %s' % (' '.join(argv), proc.returncode, (proc.stderr or proc.stdout).strip()))
    return proc


def list_lab_namespaces(prefix):
    """Namespaces that belong to the lab ``prefix`` (also leftovers of a partial build)."""
    try:
        names = os.listdir('/run/netns')
    except OSError:
        names = []
    found = []
    for name in names:
        if name.startswith(prefix + '-') and NODE_RE.match(name[len(prefix) + 1:]):
            found.append(name)
    return sorted(found)


def _stop_sshd(info):
    try:
        with open(info['pidfile']) as handle:
            os.kill(int(handle.read().strip()), signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass
    shutil.rmtree(info.get('workdir') or '/nonexistent', ignore_errors=True)


def garp_pidfile(prefix, state_dir=STATE_DIR):
    """PID file of the duplicate_ip impostor's ARP sender (tests/lab/garp_sender.py)."""
    return os.path.join(state_dir, prefix + '-dup-garp.pid')


def _kill_pidfile(path, marker='garp_sender'):
    """SIGTERM the process named in ``path`` (only if its command line has ``marker``), wait, unlink."""
    try:
        with open(path) as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        pid = None
    if pid:
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                mine = marker.encode() in handle.read()
        except OSError:
            mine = False
        if mine:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
            deadline = time.time() + 5
            while os.path.exists('/proc/%d' % pid) and time.time() < deadline:
                time.sleep(0.02)
    for name in (path, path + '.tmp'):
        try:
            os.unlink(name)
        except OSError:
            pass


def destroy_lab(prefix, state_dir=STATE_DIR):
    """Remove every namespace, process, sshd and state file of lab ``prefix``.

    Works without a state file (after a crashed or partial build): the lab's
    namespaces are found by name (``<prefix>-host``, ``-hv``, ``-vmN``, ``-dup``).
    Deleting a namespace deletes its veths (and so their peers), bridges and rules.
    """
    state_path = os.path.join(state_dir, prefix + '.json')
    try:
        with open(state_path) as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {}
    for info in (state.get('sshd') or {}).values():
        _stop_sshd(info)
    _kill_pidfile(garp_pidfile(prefix, state_dir))
    ovslab.stop(prefix, state_dir)
    fwdaemons.stop_lab(prefix, state_dir)
    libvirtlab.destroy(prefix, state_dir, lambda argv: _run(argv, check=False))
    errors = []
    for name in list_lab_namespaces(prefix):
        for pid in _run(['ip', 'netns', 'pids', name], check=False).stdout.split():
            try:
                os.kill(int(pid), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        proc = _run(['ip', 'netns', 'del', name], check=False)
        if proc.returncode != 0:
            errors.append('%s: %s' % (name, proc.stderr.strip()))
    try:
        os.unlink(state_path)
    except OSError:
        pass
    if errors:
        raise LabError('could not delete: ' + '; '.join(errors))


def unique_prefix(base='tl', length=5):
    """A lab prefix ``base`` + random [a-z0-9] characters that no existing lab uses."""
    alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
    rng = random.SystemRandom()
    for _attempt in range(50):
        prefix = base + ''.join(rng.choice(alphabet) for _i in range(length))
        if not list_lab_namespaces(prefix) and not os.path.exists(os.path.join(STATE_DIR, prefix + '.json')):
            return prefix
    raise LabError('could not find a free lab prefix for base %r' % base)


class Lab(object):
    """One lab: ``Lab(prefix, topology, vms=1, masquerade=False)``.

    ``topology`` may be omitted for an existing lab (read from its state file).
    Use as a context manager to get ``up()`` on enter and ``down()`` on exit.
    """

    def __init__(self, prefix, topology=None, vms=None, masquerade=None, state_dir=STATE_DIR, firewall=None):
        if not PREFIX_RE.match(prefix or ''):
            raise LabError("invalid lab prefix %r: 1-10 characters [a-z0-9], starting with a letter "
                           "(namespace names <prefix>-host must fit in 15 characters)" % (prefix,))
        self.prefix = prefix
        self.state_dir = state_dir
        self.state_path = os.path.join(state_dir, prefix + '.json')
        saved = self._load_state()
        if topology is None:
            if saved is None:
                raise LabError("lab '%s' has no state file %s: give a topology" % (prefix, self.state_path))
            topology = saved['topology']
        if topology not in TOPOLOGIES:
            raise LabError('unknown topology %r (choose from %s)' % (topology, ', '.join(TOPOLOGIES)))
        if saved is not None and saved.get('topology') != topology:
            raise LabError("lab '%s' exists with topology %s, not %s: run down first"
                           % (prefix, saved.get('topology'), topology))
        if vms is None:
            vms = saved.get('vms', 1) if saved else 1
        if masquerade is None:
            masquerade = saved.get('masquerade', False) if saved else False
        if not 1 <= int(vms) <= MAX_VMS:
            raise LabError('vms must be between 1 and %d' % MAX_VMS)
        if topology == 'libvirt' and int(vms) != 1:
            raise LabError('the libvirt topology has one guest (vm1)')
        self.topology = topology
        self.vms = int(vms)
        self.masquerade = bool(masquerade)
        self.firewall = firewall if firewall is not None else (saved or {}).get('firewall')
        self.layout = self._layout()

    # ------------------------------------------------------------------ layout
    @property
    def vm_names(self):
        return ['vm%d' % i for i in range(1, self.vms + 1)]

    @property
    def nodes(self):
        return ['host', 'hv'] + self.vm_names

    def _layout(self):
        """Describe the nodes: bridges, veth links, addresses, routes, sysctls."""
        topo = self.topology
        nets = SUBNETS[topo]
        layout = {'bridges': [], 'links': [], 'addresses': [], 'routes': [], 'sysctls': [], 'data_if': {}}

        def link(node_a, if_a, node_b, if_b, if_code_a, if_code_b, master_b=None):
            layout['links'].append({'a': [node_a, if_a, _mac(_node_code(node_a), if_code_a)],
                                    'b': [node_b, if_b, _mac(_node_code(node_b), if_code_b)],
                                    'master_b': master_b})

        if topo == 'bridged':
            lan = nets['lan']
            layout['bridges'].append(['br0', _mac(2, 0x10)])
            link('host', 'eth0', 'hv', 'uplink0', 0, 0, 'br0')
            layout['addresses'] += [['host', 'eth0', _host_ip(lan, 1)], ['hv', 'br0', _host_ip(lan, 2)]]
            layout['data_if'].update({'host': 'eth0', 'hv': 'br0'})
            self.vm_bridge = 'br0'
            self.subnet = lan
            gateway = None
        elif topo == 'routed':
            layout['bridges'].append(['br0', _mac(2, 0x10)])
            link('host', 'eth0', 'hv', 'eth0', 0, 0)
            link('host', 'eth1', 'hv', 'eth1', 1, 1)
            layout['addresses'] += [['host', 'eth0', _host_ip(nets['transit'], 1)],
                                    ['host', 'eth1', _host_ip(nets['transit2'], 1)],
                                    ['hv', 'eth0', _host_ip(nets['transit'], 2)],
                                    ['hv', 'eth1', _host_ip(nets['transit2'], 2)],
                                    ['hv', 'br0', _host_ip(nets['vms'], 1)]]
            layout['routes'].append(['host', nets['vms'], _bare(_host_ip(nets['transit'], 2)), 'eth0'])
            layout['sysctls'].append(['hv', 'net.ipv4.ip_forward', '1'])
            layout['data_if'].update({'host': 'eth0', 'hv': 'eth0'})
            self.vm_bridge = 'br0'
            self.subnet = nets['vms']
            gateway = _bare(_host_ip(nets['vms'], 1))
        elif topo == 'ovs':
            self.vm_bridge, self.subnet = ovslab.layout(self, layout, link, _host_ip)
            gateway = None
        elif topo == 'libvirt':
            link('host', 'eth0', 'hv', 'eth0', 0, 0)
            layout['addresses'] += [['host', 'eth0', _host_ip(nets['transit'], 1)],
                                    ['hv', 'eth0', _host_ip(nets['transit'], 2)]]
            layout['routes'].append(['host', nets['vms'], _bare(_host_ip(nets['transit'], 2)), 'eth0'])
            layout['data_if'].update({'host': 'eth0', 'hv': 'eth0'})
            self.vm_bridge = 'virbr1'
            self.subnet = nets['vms']
            gateway = libvirtlab.VM_GATEWAY
        else:
            layout['bridges'] += [['br10', _mac(2, 0x10)], ['br20', _mac(2, 0x11)]]
            link('host', 'eth0', 'hv', 'uplink0', 0, 0, 'br10')
            layout['addresses'] += [['host', 'eth0', _host_ip(nets['vlan10'], 1)],
                                    ['hv', 'br10', _host_ip(nets['vlan10'], 2)],
                                    ['hv', 'br20', _host_ip(nets['vlan20'], 2)]]
            layout['data_if'].update({'host': 'eth0', 'hv': 'br10'})
            self.vm_bridge = 'br10'
            self.subnet = nets['vlan10']
            gateway = None
        for index, vm in enumerate(self.vm_names, start=1):
            link(vm, 'eth0', 'hv', self.port(vm), 0, 0x20 + index, None if topo == 'ovs' else self.vm_bridge)
            if topo == 'libvirt':   # libvirt creates the guest's veth itself
                layout['links'][-1]['libvirt'] = True
            layout['addresses'].append([vm, 'eth0', _host_ip(self.subnet, 10 + index)])
            layout['data_if'][vm] = 'eth0'
            if gateway:
                layout['routes'].append([vm, 'default', gateway, 'eth0'])
        self.gateway = gateway
        return layout

    # --------------------------------------------------------------- addresses
    def ns(self, node):
        """Namespace name of a node (host, hv, vm1.., dup)."""
        if not NODE_RE.match(node):
            raise LabError('unknown lab node %r' % node)
        return '%s-%s' % (self.prefix, node)

    def port(self, vm):
        """Name of the VM's bridge port on the hypervisor."""
        if self.topology == 'libvirt':
            return 'vnet%d' % (int(vm[2:]) - 1)     # libvirt names the guest's tap/veth vnetN
        return 'vnet-%s' % vm

    def addr_cidr(self, node, ifname=None):
        ifname = ifname or self.layout['data_if'][node]
        for a_node, a_if, address in self.layout['addresses']:
            if a_node == node and a_if == ifname:
                return address
        raise LabError('%s has no address on %s' % (node, ifname))

    def ip(self, node, ifname=None):
        """Data-path IPv4 address of a node (or of one of its interfaces)."""
        return _bare(self.addr_cidr(node, ifname))

    def addr(self, target):
        """Resolve ``node`` or ``node.ifname`` to an address."""
        node, _sep, ifname = target.partition('.')
        return self.ip(node, ifname or None)

    def mac(self, node, ifname=None):
        ifname = ifname or self.layout['data_if'][node]
        for item in self.layout['links']:
            for end in (item['a'], item['b']):
                if end[0] == node and end[1] == ifname:
                    return end[2]
        for name, mac in self.layout['bridges'] + self.layout.get('internal_ports', []):
            if node == 'hv' and name == ifname:
                return mac
        raise LabError('%s has no interface %s' % (node, ifname))

    def interface(self, node):
        """Data-path interface of a node (eth0, br0, br10)."""
        return self.layout['data_if'][node]

    # ------------------------------------------------------------------- state
    def _load_state(self):
        try:
            with open(self.state_path) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def _save_state(self, state):
        os.makedirs(self.state_dir, exist_ok=True)
        tmp = self.state_path + '.tmp'
        with open(tmp, 'w') as handle:
            json.dump(state, handle, indent=2, sort_keys=True)
        os.rename(tmp, self.state_path)

    def _state(self):
        state = self._load_state()
        if state is None:
            raise LabError("lab '%s' is not up (no %s)" % (self.prefix, self.state_path))
        return state

    # ---------------------------------------------------------------- commands
    def run(self, node, argv, check=True, input_text=None, timeout=60):
        """Run argv inside the node's namespace; returns a CompletedProcess (text)."""
        if argv and argv[0] == 'ip':
            full = ['ip', '-n', self.ns(node)] + list(argv[1:])
        else:
            full = ['ip', 'netns', 'exec', self.ns(node)] + list(argv)
        return _run(full, check=check, input_text=input_text, timeout=timeout)

    def sysctl(self, node, key, value=None):
        """Read (value None) or write a sysctl inside a node; returns the value read before."""
        before = self.run(node, ['sysctl', '-n', key]).stdout.strip()
        if value is not None:
            self.run(node, ['sysctl', '-q', '-w', '%s=%s' % (key, value)])
        return before

    def ping(self, src, dst, count=2, size=None):
        """Ping from src to dst (a node, ``node.ifname`` or an IP); return the replies received.

        Replies are awaited for one second after the last echo (``-W 1``), so a
        ping that gets no answer costs about 1.2 s.
        """
        target = dst if re.match(r'^[0-9.]+$', dst) else self.addr(dst)
        argv = ['ping', '-n', '-q', '-c', str(count), '-i', '0.2', '-W', '1']
        if size:
            argv += ['-s', str(size)]
        proc = self.run(src, argv + [target], check=False)
        match = re.search(r'(\d+) (?:packets )?received', proc.stdout)
        return int(match.group(1)) if match else 0

    def reachable(self, src, dst, size=None, attempts=2):
        """True when one of ``attempts`` two-echo pings gets both replies."""
        for _attempt in range(attempts):
            if self.ping(src, dst, size=size) == 2:
                return True
        return False

    def neigh(self, node, target):
        """Neighbour entry (dict from ip -j neigh) of node for target's address, or None."""
        address = self.addr(target) if not re.match(r'^[0-9.]+$', target) else target
        out = self.run(node, ['ip', '-j', 'neigh', 'show', address]).stdout
        entries = json.loads(out) if out.strip() else []
        return entries[0] if entries else None

    def check(self, spec):
        """Evaluate one catalogue check; True when it holds.

        For ``neigh`` checks from the host towards a VM in the routed topology the
        VM is not on-link for the host, so the hypervisor's entry (the last hop) is read.
        The entry is flushed first, so the check proves a fresh resolution, not an old entry.
        """
        if 'ping' in spec:
            src, dst = spec['ping']
            return self.reachable(src, dst, size=spec.get('size'))
        if 'neigh' in spec:
            node, target = spec['neigh']
            if self.topology == 'routed' and node == 'host' and target.startswith('vm'):
                node = 'hv'
            self.run(node, ['ip', 'neigh', 'flush', 'to', self.addr(target)], check=False)
            self.ping(node, target, count=1)
            entry = self.neigh(node, target)
            return bool(entry and entry.get('lladdr') == self.mac(target.split('.')[0]))
        raise LabError('unknown check %r' % (spec,))

    def check_fails(self, spec):
        """For a ping check: True when a two-echo ping gets no reply at all."""
        src, dst = spec['ping']
        return self.ping(src, dst, size=spec.get('size')) == 0

    # ----------------------------------------------------------------- up/down
    def is_up(self):
        state = self._load_state()
        if not state or state.get('status') != 'up':
            return False
        present = set(list_lab_namespaces(self.prefix))
        return all(self.ns(node) in present for node in self.nodes)

    def up(self):
        """Build the lab. Returns False when it was already up (nothing done)."""
        if self.is_up():
            return False
        self.down()
        self._save_state({'prefix': self.prefix, 'topology': self.topology, 'vms': self.vms,
                          'masquerade': self.masquerade, 'firewall': self.firewall, 'status': 'building', 'faults': {},
                          'sshd': {}, 'created': time.time()})
        try:
            self._build()
        except BaseException:
            self.down()
            raise
        state = self._state()
        state['status'] = 'up'
        self._save_state(state)
        return True

    def _build(self):
        libvirt = libvirtlab.LibvirtTopology(self) if self.topology == 'libvirt' else None
        for node in self.nodes:
            if libvirt is not None and node.startswith('vm'):
                continue
            _run(['ip', 'netns', 'add', self.ns(node)])
            self.run(node, ['ip', 'link', 'set', 'lo', 'up'])
            # A fixed baseline, whatever the root namespace uses.
            for key, value in (('net.ipv4.conf.all.rp_filter', 0), ('net.ipv4.conf.default.rp_filter', 0),
                               ('net.ipv4.icmp_echo_ignore_all', 0), ('net.ipv4.ip_forward', 0)):
                self.run(node, ['sysctl', '-q', '-w', '%s=%s' % (key, value)])
        for name, mac in self.layout['bridges']:
            self.run('hv', ['ip', 'link', 'add', name, 'address', mac, 'type', 'bridge', 'stp_state', '0'])
            self.run('hv', ['ip', 'link', 'set', name, 'up'])
        for item in self.layout['links']:
            if not item.get('libvirt'):
                self._add_link(item)
        if self.topology == 'ovs':
            ovslab.build(self)
        if libvirt is not None:
            libvirt.start_daemon()
            libvirt.define_networks()
            libvirt.start_guest(self.mac('vm1'))
            self.run('vm1', ['ip', 'link', 'set', 'lo', 'up'])
            self.run('vm1', ['ip', 'link', 'set', 'eth0', 'up'])
            for key, value in (('net.ipv4.conf.all.rp_filter', 0), ('net.ipv4.conf.default.rp_filter', 0),
                               ('net.ipv4.icmp_echo_ignore_all', 0)):
                self.run('vm1', ['sysctl', '-q', '-w', '%s=%s' % (key, value)])
        for node, ifname, address in self.layout['addresses']:
            self.run(node, ['ip', 'addr', 'add', address, 'dev', ifname])
        for node, key, value in self.layout['sysctls']:
            self.run(node, ['sysctl', '-q', '-w', '%s=%s' % (key, value)])
        for node, prefix, gateway, dev in self.layout['routes']:
            self.run(node, ['ip', 'route', 'replace', prefix, 'via', gateway, 'dev', dev])
        if self.masquerade and self.topology == 'routed':
            self.run('hv', ['nft', '-f', '-'], input_text=(
                'table ip vmnet_lab_nat {\n chain postrouting {\n'
                '  type nat hook postrouting priority srcnat; policy accept;\n'
                '  ip saddr %s oifname "eth0" masquerade\n }\n}\n' % self.subnet))
        fwdaemons.start(self)

    def _add_link(self, item, prefix=None):
        (node_a, if_a, mac_a), (node_b, if_b, mac_b) = item['a'], item['b']
        _run(['ip', 'link', 'add', if_a, 'netns', self.ns(node_a), 'address', mac_a, 'type', 'veth',
              'peer', 'name', if_b, 'netns', self.ns(node_b), 'address', mac_b])
        if item.get('master_b'):
            self.run(node_b, ['ip', 'link', 'set', if_b, 'master', item['master_b']])
        self.run(node_b, ['ip', 'link', 'set', if_b, 'up'])
        self.run(node_a, ['ip', 'link', 'set', if_a, 'up'])

    def down(self):
        """Remove everything of this lab (namespaces, their veths and rules, sshd, state file)."""
        destroy_lab(self.prefix, self.state_dir)

    def __enter__(self):
        self.up()
        return self

    def __exit__(self, *exc):
        self.down()
        return False

    def status(self):
        state = self._load_state()
        return {'prefix': self.prefix, 'topology': self.topology, 'vms': self.vms, 'firewall': self.firewall,
                'status': state.get('status') if state else 'down', 'up': self.is_up(),
                'namespaces': list_lab_namespaces(self.prefix),
                'faults': sorted((state or {}).get('faults', {})),
                'addresses': dict((node, self.ip(node)) for node in self.nodes)}

    # -------------------------------------------------------------- inventory
    def inventory(self):
        """The lab as an Ansible YAML-inventory dict."""
        def hostvars(node, role):
            data = {'ansible_connection': 'vmnet.doctor.netns', 'ansible_netns_name': self.ns(node),
                    'ansible_python_interpreter': '/usr/bin/python3', 'lab_ip': self.ip(node),
                    'lab_role': role, 'lab_node': node, 'lab_interface': self.interface(node),
                    'lab_mac': self.mac(node)}
            if fwdaemons.env(self, node):
                data['ansible_netns_environment'] = fwdaemons.env(self, node)
            if role == 'vm':
                data.update({'lab_hypervisor': self.ns('hv'), 'lab_port': self.port(node),
                             'lab_bridge': self.vm_bridge})
            if role == 'hypervisor' and self.topology == 'ovs':
                data.update(ovslab.inventory_vars(self))
            if role == 'hypervisor' and self.topology == 'libvirt':
                data['doctor_libvirt_uri'] = libvirtlab.uri(self.prefix, self.state_dir)
            return data
        return {'all': {
            'vars': {'lab_prefix': self.prefix, 'lab_topology': self.topology, 'lab_subnet': self.subnet},
            'children': {
                'physical': {'hosts': {self.ns('host'): hostvars('host', 'physical')}},
                'hypervisors': {'hosts': {self.ns('hv'): hostvars('hv', 'hypervisor')}},
                'vms': {'hosts': dict((self.ns(vm), hostvars(vm, 'vm')) for vm in self.vm_names)},
            }}}

    def write_inventory(self, path):
        """Write the YAML inventory to path; returns path."""
        data = self.inventory()
        try:
            import yaml
            text = yaml.safe_dump(data, default_flow_style=False, sort_keys=True)
        except ImportError:  # JSON is valid YAML
            text = json.dumps(data, indent=2, sort_keys=True)
        with open(path, 'w') as handle:
            handle.write(text)
        return path

    # ------------------------------------------------------------------ faults
    def injected(self):
        return sorted(self._state().get('faults', {}))

    def inject(self, name):
        """Inject a fault; returns False when it was already injected."""
        faults = dict(FAULTS, **fwdaemons.DAEMON_FAULTS)
        if name not in faults:
            raise LabError('unknown fault %r (see lab.py faults)' % name)
        if self.topology not in faults[name]['topologies']:
            raise LabError('fault %s needs topology %s (this lab is %s)'
                           % (name, ' or '.join(faults[name]['topologies']), self.topology))
        if faults[name].get('firewall', self.firewall) != self.firewall:
            raise LabError('fault %s needs a lab with firewall=%s' % (name, faults[name]['firewall']))
        state = self._state()
        if name in state['faults']:
            return False
        record = {'undo': [], 'details': {}}
        try:
            inject = getattr(self, '_inject_' + name, None)
            if name in ovslab.FAULTS:
                ovslab.inject(self, name, record)
            elif name in libvirtlab.FAULTS:
                libvirtlab.inject(self, name, record)
            elif inject is None:
                fwdaemons.injector(name)(self, record)
            else:
                inject(record)
        except BaseException:
            self._replay(record)
            raise
        state = self._state()
        state['faults'][name] = record
        self._save_state(state)
        return True

    def heal(self, name):
        """Undo a fault (or every fault with 'all'); returns the names healed. Idempotent."""
        state = self._load_state()
        if state is None:
            return []
        names = sorted(state['faults']) if name == 'all' else [name]
        if name != 'all' and name not in FAULTS and name not in fwdaemons.DAEMON_FAULTS:
            raise LabError('unknown fault %r (see lab.py faults)' % name)
        healed = []
        for fault in names:
            record = state['faults'].get(fault)
            if record is None:
                continue
            self._replay(record)
            state = self._state()
            del state['faults'][fault]
            self._save_state(state)
            healed.append(fault)
        return healed

    def _replay(self, record):
        """Run the undo steps newest first; steps are idempotent, failures are tolerated."""
        for node, argv, stdin in reversed(record['undo']):
            if argv[0] == '@nft-delete-if-empty':
                self._nft_delete_if_empty(node, argv[1], argv[2])
            elif node in ('@fwd', '@ufw-restore'):
                fwdaemons.replay(self, record, argv)
            elif argv[0] == '@kill-pidfile':
                _kill_pidfile(argv[1])
            elif node is None:
                _run(argv, check=False)
            elif self.ns(node) in list_lab_namespaces(self.prefix):
                self.run(node, argv, check=False, input_text=stdin)

    def _nft_delete_if_empty(self, node, family, table):
        """Delete an nftables table that holds no rule (e.g. left by iptables-nft -D)."""
        proc = self.run(node, ['nft', '-j', 'list', 'table', family, table], check=False)
        if proc.returncode != 0:
            return
        items = json.loads(proc.stdout).get('nftables', [])
        if not any('rule' in item for item in items):
            self.run(node, ['nft', 'delete', 'table', family, table], check=False)

    def _do(self, record, node, argv, undo=None, stdin=None):
        """Run one change; register its undo step first so a half-done inject can be undone."""
        if undo is not None:
            record['undo'].append([node, undo, None])
        if node is None:
            _run(argv)
        else:
            self.run(node, argv, input_text=stdin)

    def _set_sysctl(self, record, node, key, value):
        before = self.sysctl(node, key)
        record['details'].setdefault('sysctl', {})['%s:%s' % (node, key)] = before
        self._do(record, node, ['sysctl', '-q', '-w', '%s=%s' % (key, value)],
                 undo=['sysctl', '-q', '-w', '%s=%s' % (key, before)])

    def _keep_default_route(self, record, node):
        """Register restoring node's default route (link/address changes delete it)."""
        out = self.run(node, ['ip', '-j', 'route', 'show', 'default']).stdout
        routes = json.loads(out) if out.strip() else []
        for route in routes:
            if route.get('gateway'):
                record['details']['default_route'] = route
                record['undo'].append([node, ['ip', 'route', 'replace', 'default', 'via', route['gateway'],
                                              'dev', route['dev']], None])

    def _nft_table(self, record, node, family, text):
        self._do(record, node, ['nft', '-f', '-'], undo=['nft', 'delete', 'table', family, NFT_TABLE], stdin=text)

    def _inject_vm_icmp_nft_drop(self, record):
        self._nft_table(record, 'vm1', 'inet', (
            'table inet %s {\n chain input {\n  type filter hook input priority filter; policy accept;\n'
            '  icmp type echo-request counter drop comment "vmnet-lab fault vm_icmp_nft_drop"\n }\n}\n' % NFT_TABLE))

    def _inject_hv_forward_drop(self, record):
        self._nft_table(record, 'hv', 'inet', (
            'table inet %s {\n chain forward {\n  type filter hook forward priority filter; policy accept;\n'
            '  icmp type echo-request counter drop comment "vmnet-lab fault hv_forward_drop"\n }\n}\n' % NFT_TABLE))

    def _inject_vm_mac_filtered(self, record):
        self._nft_table(record, 'hv', 'bridge', (
            'table bridge %s {\n chain forward {\n  type filter hook forward priority filter; policy accept;\n'
            '  ether saddr %s counter drop comment "vmnet-lab fault vm_mac_filtered"\n }\n}\n'
            % (NFT_TABLE, self.mac('vm1'))))

    def _inject_host_icmp_ipt_drop(self, record):
        rule = ['INPUT', '-s', self.ip('vm1') + '/32', '-p', 'icmp', '-m', 'comment', '--comment',
                'vmnet-lab fault host_icmp_ipt_drop', '-j', 'DROP']
        if self.run('host', ['nft', 'list', 'table', 'ip', 'filter'], check=False).returncode != 0:
            # iptables-nft creates "table ip filter"; heal removes it again when it holds no rule.
            record['undo'].append(['host', ['@nft-delete-if-empty', 'ip', 'filter'], None])
        self._do(record, 'host', [IPT, '-w', '-I'] + rule, undo=[IPT, '-w', '-D'] + rule)

    def _inject_vm_gateway_missing(self, record):
        self._keep_default_route(record, 'vm1')
        self._do(record, 'vm1', ['ip', 'route', 'del', 'default'])

    def _inject_vm_gateway_wrong(self, record):
        self._keep_default_route(record, 'vm1')
        self._do(record, 'vm1', ['ip', 'route', 'replace', 'default', 'via', WRONG_GATEWAY, 'dev', 'eth0'])

    def _inject_host_route_missing(self, record):
        gateway = self.ip('hv', 'eth0')
        record['details']['route'] = {'dst': self.subnet, 'gateway': gateway, 'dev': 'eth0'}
        self._do(record, 'host', ['ip', 'route', 'del', self.subnet, 'via', gateway, 'dev', 'eth0'],
                 undo=['ip', 'route', 'replace', self.subnet, 'via', gateway, 'dev', 'eth0'])

    def _inject_vm_wrong_netmask(self, record):
        good = self.addr_cidr('vm1')
        bad = '%s/29' % _bare(good)
        record['details'].update({'address': good, 'wrong': bad})
        self._keep_default_route(record, 'vm1')
        record['undo'].append(['vm1', ['ip', 'addr', 'replace', good, 'dev', 'eth0'], None])
        self._do(record, 'vm1', ['ip', 'addr', 'del', good, 'dev', 'eth0'],
                 undo=['ip', 'addr', 'del', bad, 'dev', 'eth0'])
        self._do(record, 'vm1', ['ip', 'addr', 'add', bad, 'dev', 'eth0'])

    def _link_mtu(self, node, ifname):
        out = self.run(node, ['ip', '-j', 'link', 'show', ifname]).stdout
        return json.loads(out)[0]['mtu']

    def _inject_mtu_mismatch(self, record):
        for node in ('host', 'vm1'):
            before = self._link_mtu(node, 'eth0')
            record['details']['%s:eth0' % node] = before
            self._do(record, node, ['ip', 'link', 'set', 'eth0', 'mtu', str(JUMBO_MTU)],
                     undo=['ip', 'link', 'set', 'eth0', 'mtu', str(before)])

    def _inject_vm_wrong_vlan(self, record):
        port = self.port('vm1')
        self._do(record, 'hv', ['ip', 'link', 'set', port, 'master', 'br20'],
                 undo=['ip', 'link', 'set', port, 'master', self.vm_bridge])

    def _inject_vm_link_down(self, record):
        self._keep_default_route(record, 'vm1')
        self._do(record, 'vm1', ['ip', 'link', 'set', 'eth0', 'down'], undo=['ip', 'link', 'set', 'eth0', 'up'])

    def _inject_bridge_port_down(self, record):
        port = self.port('vm1')
        self._do(record, 'hv', ['ip', 'link', 'set', port, 'down'], undo=['ip', 'link', 'set', port, 'up'])

    def _inject_duplicate_ip(self, record):
        vm_ip = self.ip('vm1')
        record['undo'].append(['host', ['ip', 'neigh', 'del', vm_ip, 'dev', self.interface('host')], None])
        record['undo'].append(['hv', ['ip', 'neigh', 'del', vm_ip, 'dev', self.vm_bridge], None])
        self._do(record, None, ['ip', 'netns', 'add', self.ns('dup')], undo=['ip', 'netns', 'del', self.ns('dup')])
        dup_mac = _mac(_node_code('dup'), 0)
        record['details'].update({'namespace': self.ns('dup'), 'mac': dup_mac, 'port': 'vnet-dup'})
        self.run('dup', ['sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1'])
        self._add_link({'a': ['dup', 'eth0', dup_mac], 'b': ['hv', 'vnet-dup', _mac(2, 0x0d)],
                        'master_b': self.vm_bridge})
        self.run('dup', ['ip', 'addr', 'add', self.addr_cidr('vm1'), 'dev', 'eth0'])
        # The impostor talks to the host: its ARP request (sender vm1's IP, its own MAC) makes the
        # host's entry for vm1's IP point at it. Not a single shot: the bridge only forwards on
        # vnet-dup once the kernel has handled its carrier-up event (linkwatch, asynchronous), so
        # on a busy machine the first ARP can die on a still "disabled" port, and its 1 s
        # retransmit races with ping's 1 s wait and the check. Wait for the port, then repeat
        # with a fresh ARP request until the host shows the impostor's MAC (bounded).
        self._wait_port_forwarding('hv', 'vnet-dup')
        # A real conflicting host keeps claiming the address; so does the impostor: a daemon in
        # its namespace sends the host, every DUP_GARP_INTERVAL s, a unicast ARP request from
        # vm1's IP (the host always overrides its entry from a request to it, so a re-resolution
        # that the real vm1 won, or a probe of vm1, is undone within the interval) and an
        # unsolicited ARP reply (confirms the entry, REACHABLE). Killed by heal and by down().
        pidfile = garp_pidfile(self.prefix, self.state_dir)
        os.makedirs(self.state_dir, exist_ok=True)
        record['undo'].append([None, ['@kill-pidfile', pidfile], None])
        _kill_pidfile(pidfile)
        _run(['ip', 'netns', 'exec', self.ns('dup'), sys.executable, GARP_SENDER, '--iface', 'eth0',
              '--mac', dup_mac, '--claim-ip', vm_ip, '--to-mac', self.mac('host'), '--to-ip', self.ip('host'),
              '--interval', str(DUP_GARP_INTERVAL), '--pidfile', pidfile])
        with open(pidfile) as handle:
            record['details'].update({'sender_pid': int(handle.read().strip()), 'sender_pidfile': pidfile,
                                      'interval': DUP_GARP_INTERVAL})
        deadline = time.time() + DUP_LEARN_TIMEOUT
        attempts = 0
        while True:
            attempts += 1
            entry = self.neigh('host', 'vm1')
            if entry and entry.get('lladdr') == dup_mac:
                break
            if time.time() > deadline:
                raise LabError('duplicate_ip: the host did not learn the impostor MAC in %d s (%r)'
                               % (DUP_LEARN_TIMEOUT, entry))
            time.sleep(0.1)
        record['details']['learn_attempts'] = attempts

    def _wait_port_forwarding(self, node, port, timeout=5.0):
        """Wait until bridge port ``port`` on ``node`` has carrier and forwards (STP is off in the lab)."""
        deadline = time.time() + timeout
        while True:
            out = self.run(node, ['bridge', '-j', 'link', 'show', 'dev', port], check=False).stdout
            info = (json.loads(out) if out.strip() else [{}])[0]
            if info.get('state') == 'forwarding' and 'LOWER_UP' in (info.get('flags') or []):
                return
            if time.time() > deadline:
                raise LabError('bridge port %s on %s did not start forwarding within %.0f s (%r)'
                               % (port, self.ns(node), timeout, info))
            time.sleep(0.05)

    def _inject_host_stale_arp(self, record):
        vm_ip = self.ip('vm1')
        dev = self.interface('host')
        entry = self.neigh('host', 'vm1')
        if entry and 'PERMANENT' in entry.get('state', []) and entry.get('lladdr'):
            undo = ['ip', 'neigh', 'replace', vm_ip, 'lladdr', entry['lladdr'], 'nud', 'permanent', 'dev', dev]
        else:
            undo = ['ip', 'neigh', 'del', vm_ip, 'dev', dev]
        record['details']['previous'] = entry
        self._do(record, 'host', ['ip', 'neigh', 'replace', vm_ip, 'lladdr', STALE_MAC, 'nud', 'permanent',
                                  'dev', dev], undo=undo)

    def _inject_hv_ip_forward_off(self, record):
        self._set_sysctl(record, 'hv', 'net.ipv4.ip_forward', 0)

    def _inject_vm_icmp_ignore(self, record):
        self._set_sysctl(record, 'vm1', 'net.ipv4.icmp_echo_ignore_all', 1)

    def _inject_rp_filter_asymmetric(self, record):
        host_ip = self.ip('host', 'eth0')
        via = self.ip('host', 'eth1')
        self._do(record, 'hv', ['ip', 'route', 'add', host_ip + '/32', 'via', via, 'dev', 'eth1'],
                 undo=['ip', 'route', 'del', host_ip + '/32', 'via', via, 'dev', 'eth1'])
        self._set_sysctl(record, 'host', 'net.ipv4.conf.all.rp_filter', 1)

    # ------------------------------------------- faults only the packet witness locates (issue 12)
    def _inject_vm_arp_ignore(self, record):
        self._set_sysctl(record, 'vm1', 'net.ipv4.conf.all.arp_ignore', 8)
        self._flush_neighbors_of_vm1()

    def _inject_vm_arp_nft_drop(self, record):
        self._nft_table(record, 'vm1', 'arp', (
            'table arp %s {\n chain input {\n  type filter hook input priority filter; policy accept;\n'
            '  arp operation request counter drop comment "vmnet-lab fault vm_arp_nft_drop"\n }\n'
            ' chain output {\n  type filter hook output priority filter; policy accept;\n'
            '  arp operation request counter drop comment "vmnet-lab fault vm_arp_nft_drop"\n }\n}\n' % NFT_TABLE))
        self._flush_neighbors_of_vm1()

    def _inject_hv_bridge_arp_drop(self, record):
        rule = ['FORWARD', '-p', 'ARP', '--arp-ip-dst', self.ip('vm1'), '-j', 'DROP']
        if self.run('hv', ['nft', 'list', 'table', 'bridge', 'filter'], check=False).returncode != 0:
            record['undo'].append(['hv', ['@nft-delete-if-empty', 'bridge', 'filter'], None])
        self._do(record, 'hv', ['ebtables-nft', '-A'] + rule, undo=['ebtables-nft', '-D'] + rule)
        self._flush_neighbors_of_vm1()

    def _inject_hv_policy_blackhole(self, record):
        self._do(record, 'hv', ['ip', 'route', 'add', 'blackhole', self.subnet, 'table', '100'],
                 undo=['ip', 'route', 'flush', 'table', '100'])
        self._do(record, 'hv', ['ip', 'rule', 'add', 'from', self.ip('host'), 'lookup', '100', 'pref', '100'],
                 undo=['ip', 'rule', 'del', 'pref', '100'])

    def _inject_vm_reply_prohibit(self, record):
        self._do(record, 'vm1', ['ip', 'rule', 'add', 'from', self.ip('vm1'), 'to', self.ip('host'), 'prohibit',
                                 'pref', '100'], undo=['ip', 'rule', 'del', 'pref', '100'])

    def _inject_vm_xfrm_block(self, record):
        selector = ['src', self.ip('host') + '/32', 'dst', self.ip('vm1') + '/32', 'proto', 'icmp', 'dir', 'in']
        self._do(record, 'vm1', ['ip', 'xfrm', 'policy', 'add'] + selector + ['action', 'block'],
                 undo=['ip', 'xfrm', 'policy', 'delete'] + selector)

    def _inject_hv_iface_forwarding_off(self, record):
        self._set_sysctl(record, 'hv', 'net.ipv4.conf.eth0.forwarding', 0)

    def _flush_neighbors_of_vm1(self):
        """Forget vm1's MAC on the host and hv, so the next ping has to ask again (not recorded: no undo).
        vm1 forgets its neighbours too: a reachability probe it would send to a stale entry is an ARP
        request carrying its own address, which would teach the host vm1's MAC again."""
        for node in ('host', 'hv'):
            self.run(node, ['ip', 'neigh', 'flush', 'to', self.ip('vm1')], check=False)
        self.run('vm1', ['ip', 'neigh', 'flush', 'all'], check=False)

    # ------------------------------------------------------------------- sshd
    def start_sshd(self, node, authorized_key_path, port=22):
        """Run sshd inside node's namespace on its lab address; returns {'address', 'port', ...}."""
        state = self._state()
        if node in state.get('sshd', {}):
            return state['sshd'][node]
        sshd = shutil.which('sshd') or '/usr/sbin/sshd'
        workdir = tempfile.mkdtemp(prefix='vmnetlab-sshd-%s-%s-' % (self.prefix, node))
        host_key = os.path.join(workdir, 'ssh_host_ed25519_key')
        _run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', host_key])
        keys = os.path.join(workdir, 'authorized_keys')
        shutil.copyfile(authorized_key_path, keys)
        os.chmod(workdir, 0o700)
        os.chmod(keys, 0o600)
        pidfile = os.path.join(workdir, 'sshd.pid')
        config = os.path.join(workdir, 'sshd_config')
        with open(config, 'w') as handle:
            handle.write('\n'.join([
                'ListenAddress %s:%d' % (self.ip(node), port), 'HostKey %s' % host_key,
                'AuthorizedKeysFile %s' % keys, 'PidFile %s' % pidfile, 'PasswordAuthentication no',
                'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password', 'UsePAM no',
                'StrictModes no', 'Subsystem sftp internal-sftp', '']))
        os.makedirs('/run/sshd', exist_ok=True)
        self.run(node, [sshd, '-f', config, '-E', os.path.join(workdir, 'sshd.log')])
        for _attempt in range(50):
            if os.path.exists(pidfile):
                break
            time.sleep(0.1)
        else:
            raise LabError('sshd in %s did not start; see %s/sshd.log' % (self.ns(node), workdir))
        info = {'address': self.ip(node), 'port': port, 'workdir': workdir, 'pidfile': pidfile,
                'host_key': host_key + '.pub'}
        state = self._state()
        state.setdefault('sshd', {})[node] = info
        self._save_state(state)
        return info
