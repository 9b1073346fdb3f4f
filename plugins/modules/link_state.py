#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: link_state
short_description: Bring a Linux interface or bridge port up, or release a port held by STP
version_added: 0.1.0
description:
  - Sets the administrative state of O(interface) (C(ip link set dev IF up|down)).
  - With O(release_stp=true), a bridge port left in C(blocking), C(listening) or C(learning) on a bridge
    whose STP is off is put back into C(forwarding) (C(bridge link set dev IF state 3)). On a bridge that
    runs STP the module refuses, because STP owns the port state there.
  - Some kernels accept manual port states but ignore them; the port state is read back from
    C(bridge -j link show), so such a port is reported as it is.
  - The change is runtime only; the result says so with RV(runtime_only).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  interface:
    description: Interface or bridge port name.
    type: str
    required: true
  state:
    description: Wanted administrative state.
    type: str
    choices: [up, down]
    default: up
  release_stp:
    description:
      - Also release a bridge port held in an STP blocking/listening/learning state when the bridge's STP
        is off. Fails if O(interface) is not a bridge port.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
'''

EXAMPLES = r'''
- name: Bring the VM's bridge port up
  vmnet.doctor.link_state:
    interface: vnet1

- name: Bring a port up and release it from a stale STP blocking state
  vmnet.doctor.link_state:
    interface: vnet1
    release_stp: true
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "link_up", "argv": ["ip", "link", "set", "dev", "vnet1", "up"]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["ip link set dev vnet1 up"]
before:
  description: Administrative state (and with O(release_stp) the bridge port state) before.
  returned: always
  type: dict
  sample: {"interface": "vnet1", "admin_up": false, "port_state": "disabled"}
after:
  description: The same after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"interface": "vnet1", "admin_up": true, "port_state": "forwarding"}
runtime_only:
  description: True; the link state is not persisted.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import link_state as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type='str', required=True),
            state=dict(type='str', choices=['up', 'down'], default='up'),
            release_stp=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
