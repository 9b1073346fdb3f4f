#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: win_icmp_rule
short_description: Let ICMP echo requests through Windows Defender Firewall
version_added: 0.1.0
description:
  - Action plugin for Windows hosts (C(winrm) or C(psrp) connection). Reads the firewall profiles and the
    rules that decide an inbound ICMP echo request, decides in Python what has to change, and sends only
    those commands.
  - For each wanted profile where echo requests from O(source) are not already allowed, it enables the
    built-in echo rule that covers the profile and the source (C(FPS-ICMP4-ERQ-In-NoScope),
    C(FPS-ICMP4-ERQ-In), C(CoreNet-Diag-ICMP4-EchoRequest-In), ..., chosen by C(Name), never by display name),
    or else creates (or corrects) one rule named C(<name>-ICMPv4) / C(<name>-ICMPv6), scoped to O(source),
    in the group C(vmnet.doctor).
  - Block rules override allow rules, and a profile set to block all incoming connections ignores every allow
    rule; the module fails naming them unless O(disable_blocking_rules) / O(allow_inbound_rules) allow it to
    change them. Settings and rules that Group Policy (or MDM) enforces are refused up front, with the reason;
    the local store cannot change them.
  - Idempotent; C(changed) comes from the plan. Check mode returns the plan, the exact PowerShell commands and
    the diff without sending them.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  source:
    description:
      - The sender to allow, an address or prefix (C(192.0.2.0/24)), or C(any).
    type: str
    default: any
  ip_version:
    description:
      - ICMPv4 (echo type 8), ICMPv6 (type 128) or both. With a O(source) prefix, only its family is used.
    type: str
    choices: [ipv4, ipv6, both]
    default: ipv4
  profiles:
    description:
      - The firewall profiles to allow the echo in.
      - Default is the profiles of the connected interfaces that have addresses (their network category;
        unidentified networks are Public).
    type: list
    elements: str
    choices: [domain, private, public]
  name:
    description:
      - Base name of the rule this module creates (suffixed with C(-ICMPv4) or C(-ICMPv6)); also its display name.
    type: str
    default: vmnet.doctor-echo-request
  state:
    description:
      - V(present) makes the echo allowed; V(absent) removes the rule this module created (built-in rules it
        enabled are left as they are).
    type: str
    choices: [present, absent]
    default: present
  prefer_builtin:
    description:
      - Enable a disabled built-in echo rule when one covers the profile and the source, instead of creating a rule.
      - Enabling a built-in rule enables it for all its profiles and remote addresses; the diff shows which.
    type: bool
    default: true
  allow_widening:
    description:
      - Whether O(prefer_builtin) may enable a built-in rule that lets in more than asked (other profiles, or
        senders outside O(source)). On Windows Server C(FPS-ICMP4-ERQ-In) has Profile Any and RemoteAddress Any,
        so enabling it opens echo from everywhere in every profile.
      - V(true) enables it and says so in C(changes[].widens), the diff (C(after.opens_more_than_asked)) and a
        warning; V(false) creates a rule scoped to O(source) instead.
    type: bool
    default: true
  allow_inbound_rules:
    description:
      - When a wanted profile blocks all incoming connections (C(AllowInboundRules) False), set it back to
        True with C(Set-NetFirewallProfile). Without this the module fails on such a profile.
    type: bool
    default: false
  disable_blocking_rules:
    description:
      - Disable the local block rules that drop the echo from O(source) in a wanted profile. Without this the
        module fails naming them. Rules from group policy are never changed.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_windows
notes:
  - Inbound echo requests only; Windows Firewall is stateful, so the echo reply passes.
  - The commands are C(Enable-NetFirewallRule -Name), C(New-NetFirewallRule), C(Set-NetFirewallRule),
    C(Disable-NetFirewallRule), C(Set-NetFirewallProfile), C(Remove-NetFirewallRule); values are sent as
    single-quoted PowerShell literals. They change the persistent (local) policy store.
  - Verified only against hand-written outputs in the documented shapes of the cmdlets; see the collection README.
seealso:
  - module: vmnet.doctor.win_net_facts
  - module: vmnet.doctor.icmp_rule
'''

EXAMPLES = r'''
- name: Let the lab subnet ping this Windows host in its current profiles
  vmnet.doctor.win_icmp_rule:
    source: 192.168.10.0/24

- name: Allow pings from anywhere in the Private profile, IPv4 and IPv6
  vmnet.doctor.win_icmp_rule:
    ip_version: both
    profiles: [private]

- name: The host is set to block all inbound on Public; allow the echo from one VM there
  vmnet.doctor.win_icmp_rule:
    source: 172.20.0.10/32
    profiles: [public]
    allow_inbound_rules: true

- name: Remove the rule this module created
  vmnet.doctor.win_icmp_rule:
    state: absent
'''

RETURN = r'''
changes:
  description:
    - What was (or, in check mode, would be) changed, in order.
    - C(widens) lists what enabling a built-in rule lets in beyond the O(source) and O(profiles) asked for.
  returned: always
  type: list
  elements: dict
  sample:
    - {action: enable_rule, name: FPS-ICMP4-ERQ-In, profiles: [Private],
       widens: ['ICMPv4 echo requests from any address (RemoteAddress Any), not only from 192.168.10.0/24']}
commands:
  description: The exact PowerShell commands sent (or that would be sent in check mode), one per change.
  returned: always
  type: list
  elements: str
  sample:
    - "Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"
diff:
  description: Before and after of the profiles and rules touched.
  returned: when diff mode is on
  type: dict
  sample:
    before: {profiles: {}, rules: {FPS-ICMP4-ERQ-In: {enabled: false, profiles: [Private, Public]}}}
    after: {profiles: {}, rules: {FPS-ICMP4-ERQ-In: {enabled: true, profiles: [Private, Public]}}}
before:
  description: The state the plan started from (the same as C(diff.before), also without diff mode).
  returned: always
  type: dict
  sample: {profiles: {}, rules: {FPS-ICMP4-ERQ-In: {enabled: false, profiles: [Private, Public]}}}
after:
  description: The state after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {profiles: {}, rules: {FPS-ICMP4-ERQ-In: {enabled: true, profiles: [Private, Public]}}}
runtime_only:
  description: Always false; Windows keeps the change.
  returned: always
  type: bool
  sample: false
'''
