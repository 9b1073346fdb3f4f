#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: win_interface_mtu
short_description: Set the IP MTU of a Windows interface
version_added: 0.1.0
description:
  - Action plugin for Windows hosts (C(winrm) or C(psrp) connection). Sets the IP interface MTU (C(NlMtu),
    what C(Get-NetIPInterface) reports) with C(Set-NetIPInterface -NlMtuBytes), per address family, only
    where it differs.
  - The adapter's own frame size (the C(Jumbo Packet) advanced property, C(MtuSize) of C(Get-NetAdapter)) is
    not changed; an MTU above it is refused.
  - Idempotent; check mode returns the plan, the commands and the diff without sending them.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  interface:
    description:
      - Interface alias, for example C(Ethernet) or C(vEthernet (NATSwitch)).
    type: str
    required: true
  mtu:
    description:
      - The MTU in bytes, 576-9014 for IPv4 and 1280-9014 for IPv6, and at most the adapter MTU.
    type: int
    required: true
  ip_version:
    description:
      - Which IP interfaces to set; V(both) sets those that exist.
    type: str
    choices: [ipv4, ipv6, both]
    default: both
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_windows
notes:
  - Verified only against hand-written outputs in the documented shapes of the cmdlets; see the collection README.
seealso:
  - module: vmnet.doctor.interface_mtu
'''

EXAMPLES = r'''
- name: Align the host side of the VM segment with the VM MTU
  vmnet.doctor.win_interface_mtu:
    interface: vEthernet (External)
    mtu: 1500
'''

RETURN = r'''
changes:
  description: One entry per address family changed.
  returned: always
  type: list
  elements: dict
  sample:
    - {action: set_mtu, interface: vEthernet (External), family: ipv4, mtu: 1500}
commands:
  description: The exact PowerShell commands sent (or that would be sent in check mode).
  returned: always
  type: list
  elements: str
  sample:
    - "Set-NetIPInterface -InterfaceIndex 14 -AddressFamily 'IPv4' -NlMtuBytes 1500"
diff:
  description: The MTU per family before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {interface: vEthernet (External), mtu: {ipv4: 1400, ipv6: 1500}}
    after: {interface: vEthernet (External), mtu: {ipv4: 1500, ipv6: 1500}}
before:
  description: The state the plan started from (the same as C(diff.before), also without diff mode).
  returned: always
  type: dict
  sample: {interface: vEthernet (External), mtu: {ipv4: 1400, ipv6: 1500}}
after:
  description: The state after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {interface: vEthernet (External), mtu: {ipv4: 1500, ipv6: 1500}}
runtime_only:
  description: Always false; Windows keeps the change.
  returned: always
  type: bool
  sample: false
'''
