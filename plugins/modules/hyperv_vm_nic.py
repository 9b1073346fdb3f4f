#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: hyperv_vm_nic
short_description: Virtual switch, VLAN and MAC spoofing of a Hyper-V VM network adapter
version_added: 0.1.0
description:
  - Action plugin for Hyper-V hosts (C(winrm) or C(psrp) connection). Reads the VM adapters
    (C(Get-VMNetworkAdapter), C(Get-VMNetworkAdapterVlan), C(Get-VMSwitch)), plans in Python and sends
    C(Connect-VMNetworkAdapter), C(Set-VMNetworkAdapterVlan) and C(Set-VMNetworkAdapter -MacAddressSpoofing)
    only for what differs. Options left out are left as they are.
  - The adapter is selected by MAC (or by name when the VM has one adapter of that name) and the script checks
    that exactly one adapter matches before changing it, because VM adapters are all called C(Network Adapter) by default.
  - Idempotent; check mode returns the plan, the commands and the diff without sending them.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  vm:
    description:
      - The VM name.
    type: str
    required: true
  adapter:
    description:
      - The adapter name, when the VM has one adapter with this name. Ignored when O(mac) is given.
    type: str
  mac:
    description:
      - The adapter MAC address (any common notation). Needed when the VM has several adapters of one name.
    type: str
  switch:
    description:
      - Connect the adapter to this virtual switch (it must exist).
    type: str
  vlan_id:
    description:
      - Access VLAN of the adapter, 1-4094; V(0) makes it untagged.
    type: int
  mac_spoofing:
    description:
      - Allow (V(true)) or forbid MAC address spoofing on the adapter; needed when the guest sends from other
        MAC addresses (a bridge, a team, nested virtualisation).
    type: bool
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_windows
notes:
  - With neither O(adapter) nor O(mac), the VM must have exactly one adapter.
  - Verified only against hand-written outputs in the documented shapes of the cmdlets; see the collection README.
seealso:
  - module: vmnet.doctor.win_net_facts
'''

EXAMPLES = r'''
- name: Put web01 on the NAT switch, untagged
  vmnet.doctor.hyperv_vm_nic:
    vm: web01
    switch: NATSwitch
    vlan_id: 0

- name: Access VLAN 20 for the second adapter of db01
  vmnet.doctor.hyperv_vm_nic:
    vm: db01
    mac: "00:15:5d:0a:64:12"
    vlan_id: 20

- name: The guest bridges its NIC; let its frames through
  vmnet.doctor.hyperv_vm_nic:
    vm: lab-vm
    mac_spoofing: true
'''

RETURN = r'''
changes:
  description: The adapter changes, in order.
  returned: always
  type: list
  elements: dict
  sample:
    - {action: connect, switch: NATSwitch}
    - {action: set_vlan, vlan_id: 20, mode: access}
commands:
  description: The exact PowerShell sent (or that would be sent in check mode), adapter selection first.
  returned: always
  type: list
  elements: str
  sample:
    - "$a = @(Get-VMNetworkAdapter -VMName 'db01' | Where-Object { $_.MacAddress -eq '00155D0A6412' })"
    - "if ($a.Count -ne 1) { throw ('expected one adapter, found {0}' -f $a.Count) }"
    - "Connect-VMNetworkAdapter -VMNetworkAdapter $a[0] -SwitchName 'NATSwitch'"
diff:
  description: The adapter before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {vm: db01, adapter: Network Adapter, switch: null, connected: false, vlan_id: 0, mac_spoofing: false}
    after: {vm: db01, adapter: Network Adapter, switch: NATSwitch, connected: true, vlan_id: 0, mac_spoofing: false}
before:
  description: The state the plan started from (the same as C(diff.before), also without diff mode).
  returned: always
  type: dict
  sample: {vm: db01, adapter: Network Adapter, mac: "00:15:5d:0a:64:12", switch: null, connected: false}
after:
  description: The state after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {vm: db01, adapter: Network Adapter, mac: "00:15:5d:0a:64:12", switch: NATSwitch, connected: true}
runtime_only:
  description: Always false; Windows keeps the change.
  returned: always
  type: bool
  sample: false
'''
