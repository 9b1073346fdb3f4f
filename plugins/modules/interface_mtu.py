#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: interface_mtu
short_description: Set the MTU of a Linux interface (and of a bridge's ports)
version_added: 0.1.0
description:
  - Sets the MTU of O(interface), within 68 (the IPv4 minimum) and the device's own minimum and maximum
    (C(min_mtu)/C(max_mtu) of C(ip -j -d link show)). Every device is checked before any is changed.
  - For a bridge, O(bridge_ports=true) sets the same MTU on all its ports too (ports first).
  - The change is runtime only unless O(persist=true); the result says so with RV(runtime_only).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  interface:
    description: Interface name.
    type: str
    required: true
  mtu:
    description: Wanted MTU in bytes.
    type: int
    required: true
  bridge_ports:
    description: When O(interface) is a bridge, also set the MTU of every port enslaved to it.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
  - vmnet.doctor.persist
'''

EXAMPLES = r'''
- name: Match the VM NIC's MTU with its bridge
  vmnet.doctor.interface_mtu:
    interface: eth0
    mtu: 1500

- name: Jumbo frames on a bridge and all its ports
  vmnet.doctor.interface_mtu:
    interface: br0
    mtu: 9000
    bridge_ports: true
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set_mtu", "argv": ["ip", "link", "set", "dev", "eth0", "mtu", "1500"]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["ip link set dev eth0 mtu 1500"]
before:
  description: MTU of each interface concerned, before.
  returned: always
  type: dict
  sample: {"mtu": {"eth0": 1400}}
after:
  description: MTU of each interface concerned, after, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"mtu": {"eth0": 1500}}
persisted:
  description: What was persisted (or, in check mode, would be), with O(persist=true).
  returned: when O(persist=true)
  type: list
  elements: dict
  sample: [{"manager": "ifupdown", "path": "/etc/network/interfaces", "setting": "gateway 192.0.2.1"}]
persist_skipped:
  description: Why some of the change was not persisted (unknown or unsupported network manager).
  returned: when O(persist=true)
  type: list
  elements: str
  sample: ["no network manager configuration for eth0 was found (NetworkManager, systemd-networkd, ifupdown, netplan, ifcfg): not persisted"]
runtime_only:
  description: True unless O(persist=true) persisted the change; the MTU is not persisted.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import interface_mtu as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type='str', required=True),
            mtu=dict(type='int', required=True),
            bridge_ports=dict(type='bool', default=False),
            persist=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
