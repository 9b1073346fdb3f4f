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
  - A link brought up passes traffic only once the kernel reports it operational (a NIC negotiates its carrier
    for a second or more). The module waits for that, at most O(carrier_wait) seconds, so that a probe right
    after it sees the link as it will be; a link that is still not operational then is reported in a warning.
    A veth has its carrier at once (when its peer is up), so it is not waited for.
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
  carrier_wait:
    description:
      - Seconds to wait, after bringing O(interface) up, until the kernel reports it operational
        (C(/sys/class/net/IF/operstate) C(up), or C(unknown) for a driver that reports none). V(0) does not wait.
      - Between 0 and 60.
    type: float
    default: 5.0
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
    A link brought up and waited for also names its C(interface), the C(carrier_wait) and, after a real run, the
    C(operstate) the kernel reported at the end of the wait and the seconds C(waited).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "link_up", "argv": ["ip", "link", "set", "dev", "eno1", "up"], "interface": "eno1",
            "carrier_wait": 5.0, "operstate": "up", "waited": 1.62}]
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
            carrier_wait=dict(type='float', default=5.0),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer, apply_hook=fixer.apply)


if __name__ == '__main__':
    main()
