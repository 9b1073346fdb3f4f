#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: bridge_vlan
short_description: Set a Linux bridge port's PVID and allowed VLANs
version_added: 0.1.0
description:
  - Manages the VLAN table of a Linux bridge port with C(bridge vlan add|del). Only the VLAN ids named are
    touched; other VLANs of the port are left as they are.
  - O(state=present) allows every VLAN in O(vids), O(untagged) and O(pvid) on the port and makes O(pvid)
    its PVID (the VLAN untagged incoming frames belong to). When O(untagged) is given, the named VLANs in
    it leave the port untagged and the other named VLANs tagged; when omitted, the flags of existing
    VLANs are kept and new ones are tagged. An access port for a VM is O(pvid=10), O(untagged=[10]).
  - O(state=absent) removes the VLANs in O(vids) (and O(pvid)) from the port.
  - The bridge's C(vlan_filtering) is left as is; a warning says when it is off (the table is then stored
    but not enforced). A kernel without bridge VLAN support answers "Operation not supported"; the module
    then fails with that explanation and, as the additions run first, with nothing changed.
  - The change is runtime only; the result says so with RV(runtime_only).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  port:
    description: Bridge port (or the bridge itself, for its own VLAN table, C(self)).
    type: str
    required: true
  pvid:
    description: VLAN id (1-4094) to make the port's PVID.
    type: int
  vids:
    description: VLAN ids (1-4094) to allow (V(present)) or remove (V(absent)).
    type: list
    elements: int
  untagged:
    description: VLAN ids that leave the port untagged (only with V(present)).
    type: list
    elements: int
  state:
    description: Whether the named VLANs are on the port or not.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
'''

EXAMPLES = r'''
- name: Put the VM's port into VLAN 10 (access port)
  vmnet.doctor.bridge_vlan:
    port: vnet1
    pvid: 10
    untagged: [10]

- name: Allow VLANs 20 and 30 tagged on an uplink
  vmnet.doctor.bridge_vlan:
    port: eno1
    vids: [20, 30]

- name: Remove the wrong VLAN 20 from the VM's port
  vmnet.doctor.bridge_vlan:
    port: vnet1
    vids: [20]
    state: absent
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "add_vid", "argv": ["bridge", "vlan", "add", "dev", "vnet1", "vid", "10", "pvid", "untagged"]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["bridge vlan add dev vnet1 vid 10 pvid untagged"]
before:
  description: The port's VLAN table before.
  returned: always
  type: dict
  sample: {"port": "vnet1", "pvid": 20, "vids": [20], "untagged": [20]}
after:
  description: The port's VLAN table after, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"port": "vnet1", "pvid": 10, "vids": [10, 20], "untagged": [10, 20]}
runtime_only:
  description: True; the VLAN table is not persisted.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import bridge_vlan as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            port=dict(type='str', required=True),
            pvid=dict(type='int'),
            vids=dict(type='list', elements='int'),
            untagged=dict(type='list', elements='int'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        required_one_of=[('pvid', 'vids', 'untagged')],
        supports_check_mode=True,
    )
    run_fixer(module, fixer, apply_hook=fixer.apply)


if __name__ == '__main__':
    main()
