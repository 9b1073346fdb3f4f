#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: neighbor
short_description: Replace or flush a Linux ARP / IPv6 neighbour entry
version_added: 0.1.0
description:
  - O(state=present) makes O(address) on O(device) resolve to O(mac) (C(ip neigh replace)), for example to
    correct a wrong PERMANENT entry. The kind of entry is kept unless O(nud) says otherwise.
  - O(state=absent) deletes the entries for O(address) (on O(device) if given; only those with O(mac) if
    given), so the kernel resolves the address afresh.
  - Neighbour entries are never persisted; the result says so with RV(runtime_only).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  address:
    description: The neighbour's IPv4 or IPv6 address.
    type: str
    required: true
  device:
    description: Interface of the entry. Required with O(state=present).
    type: str
  mac:
    description:
      - The MAC address the entry must have (O(state=present), required).
      - With O(state=absent), only an entry with this (wrong) MAC is removed; omit it to flush any.
    type: str
  nud:
    description:
      - Kind of entry to write. V(permanent) never expires; V(reachable) is re-validated by the kernel.
        Not given means keep the current kind (a new or dynamic entry becomes V(reachable)).
    type: str
    choices: [permanent, reachable]
  state:
    description: Whether the entry is set or removed.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
'''

EXAMPLES = r'''
- name: Correct a stale permanent ARP entry for the hypervisor
  vmnet.doctor.neighbor:
    address: 192.0.2.1
    device: eth0
    mac: "52:54:00:12:34:56"

- name: Flush the entry so that it is learned again
  vmnet.doctor.neighbor:
    address: 192.0.2.1
    device: eth0
    state: absent
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "replace_neighbor", "argv": ["ip", "neigh", "replace", "192.0.2.1", "lladdr", "52:54:00:12:34:56", "dev", "eth0", "nud", "permanent"]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["ip neigh replace 192.0.2.1 lladdr 52:54:00:12:34:56 dev eth0 nud permanent"]
before:
  description: The entries for the address before.
  returned: always
  type: dict
  sample: {"address": "192.0.2.1", "entries": [{"dev": "eth0", "mac": "52:54:00:00:00:99", "state": "PERMANENT"}]}
after:
  description: The entries for the address after, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"address": "192.0.2.1", "entries": [{"dev": "eth0", "mac": "52:54:00:12:34:56", "state": "PERMANENT"}]}
runtime_only:
  description: True; neighbour entries are not persisted.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import neighbor as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            address=dict(type='str', required=True),
            device=dict(type='str'),
            mac=dict(type='str'),
            nud=dict(type='str', choices=['permanent', 'reachable']),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        required_if=[('state', 'present', ['mac', 'device'])],
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
