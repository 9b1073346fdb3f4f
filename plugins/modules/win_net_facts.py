#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: win_net_facts
short_description: Windows and Hyper-V network facts in the vmnet.doctor schema
version_added: 0.1.0
description:
  - Reads the network state of a Windows host over its own connection (C(winrm) or C(psrp)) and
    publishes it as C(ansible_facts.vmnet_doctor) in the same normalised schema as
    M(vmnet.doctor.net_facts) (C(docs/facts_schema.md), C(platform=windows)).
  - Action plugin. It sends one read-only PowerShell script (reviewed, in
    C(plugins/plugin_utils/windows/ps.py)) that runs C(Get-NetAdapter), C(Get-NetIPInterface)
    (C(NlMtu)), C(Get-NetIPAddress), C(Get-NetRoute), C(Get-NetNeighbor), C(Get-NetConnectionProfile),
    C(Get-NetFirewallProfile) (the active store and the Group Policy RSOP copy), C(Get-NetFirewallRule) with its port, address, application and service
    filters (ICMP and any-protocol rules only), C(Find-NetRoute) for each peer and, when the Hyper-V module
    is installed, C(Get-VMSwitch), C(Get-VMNetworkAdapter -All), C(Get-VMNetworkAdapterVlan), C(Get-NetNat) and
    C(Get-NetNatStaticMapping).
    Nothing is installed or copied to the host; all parsing and decisions happen on the controller.
  - For every peer it records the ICMP echo verdicts of Windows Defender Firewall in C(firewall.icmp),
    from the profile of the interface (unidentified networks are Public), block rules before allow rules, the
    profile's C(AllowInboundRules) and default action, and that replies to allowed echoes pass (stateful).
  - Hyper-V hosts also fill C(virtual_switches), C(vm_nics) (switch, MAC, MAC spoofing, connection, VLAN),
    and the additive sections C(host_vnics) (management-OS adapters), C(nat_networks) and
    C(nat_static_mappings) (WinNAT port forwards).
  - A cmdlet that fails is listed in C(errors) with its message; its section stays empty.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  peers:
    description:
      - Addresses to look up the route to (C(Find-NetRoute)) and to evaluate ICMP echo verdicts for,
        in both directions.
    type: list
    elements: str
    default: []
  gather_firewall:
    description:
      - Read the firewall profiles and the ICMP-deciding rules. Without them C(firewall.icmp) stays empty.
    type: bool
    default: true
  gather_hyperv:
    description:
      - Read Hyper-V switches, VM adapters, their VLANs and the NAT networks (skipped automatically when
        the Hyper-V PowerShell module is absent).
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: windows
  facts:
    support: full
notes:
  - Verified only against hand-written outputs in the documented shapes of the cmdlets (no Windows host was
    available to the authors); see the collection README, section Windows.
  - Rules are matched by their C(Name) (for example C(FPS-ICMP4-ERQ-In)), never by their localised display name.
seealso:
  - module: vmnet.doctor.net_facts
  - module: vmnet.doctor.diagnose
'''

EXAMPLES = r'''
- name: Read the network facts of a Hyper-V host and judge echoes from the lab router and a VM
  vmnet.doctor.win_net_facts:
    peers:
      - 192.168.10.5
      - 172.20.0.10

- name: Show the echo verdicts
  ansible.builtin.debug:
    msg: "{{ ansible_facts.vmnet_doctor.firewall.icmp | selectattr('hook', 'equalto', 'input') }}"

- name: Interfaces and routes only, no firewall or Hyper-V reads
  vmnet.doctor.win_net_facts:
    gather_firewall: false
    gather_hyperv: false
'''

RETURN = r'''
ansible_facts:
  description: The facts, under C(vmnet_doctor).
  returned: always
  type: dict
  contains:
    vmnet_doctor:
      description:
        - The normalised facts (C(docs/facts_schema.md)) with C(platform=windows). Windows adds
          C(firewall.windows) (C(profiles), C(interface_profiles), C(rules)), C(host_vnics), C(nat_networks) and C(nat_static_mappings),
          and per interface C(mtu_by_family), C(forwarding), C(description), C(network_category).
      returned: always
      type: dict
      sample:
        schema_version: 1
        platform: windows
        hostname: HV01
        interfaces:
          - {name: "vEthernet (External)", ifindex: 14, kind: vnic, admin_up: true, carrier: true, mtu: 1400,
             mac: "00:1c:42:8a:11:01", addresses: [{address: 192.168.10.20, prefixlen: 24, family: ipv4}]}
        firewall:
          icmp:
            - {hook: input, icmp_type: echo-request, src: 192.168.10.5, dst: 192.168.10.20, verdict: drop,
               certain: true, profile: Private,
               deciding_rule: {backend: windows_firewall, policy: true,
                               text: profile Private default inbound action Block}}
        vm_nics:
          - {vm: web01, label: Network Adapter, mac: "00:15:5d:0a:64:10", switch: NATSwitch, connected: true,
             vlan_id: 0, mac_spoofing: false}
        nat_networks:
          - {name: NATNetwork, internal_prefix: 172.20.0.0/24, external_prefix: null, active: true}
        nat_static_mappings:
          - {nat: NATNetwork, protocol: tcp, external_ip: 0.0.0.0, external_port: 8080, internal_ip: 172.20.0.10,
             internal_port: 80, active: true}
'''
