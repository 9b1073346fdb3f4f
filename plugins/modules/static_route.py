#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: static_route
short_description: Ensure or remove a Linux route to a prefix
version_added: 0.1.0
description:
  - Ensures the route to O(prefix) (for example the physical host's route to a routed VM subnet) goes via
    O(gateway) and/or out of O(device), or removes it. Other routes are left alone.
  - Several routes to the same prefix are ranked by metric. Without O(metric) the module acts on the one
    in use (lowest metric), keeping its metric; with O(metric) on the route with exactly that metric.
  - Refuses a gateway that is not on a connected subnet.
  - The change is runtime only unless O(persist=true); the result says so with RV(runtime_only).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  prefix:
    description:
      - Destination prefix, for example V(198.51.100.0/24) or V(2001:db8:5::/64). Host bits must be zero.
    type: str
    required: true
  gateway:
    description:
      - Next hop. Same family as O(prefix). Without it, O(state=present) makes a direct route on O(device).
      - With O(state=absent), only routes via this gateway are removed.
    type: str
  device:
    description:
      - Outgoing interface. Not given means any (the kernel picks it from the gateway).
    type: str
  metric:
    description:
      - Route metric. Not given means keep the metric of the route in use.
    type: int
  table:
    description:
      - Routing table, by number or by name from C(rt_tables). V(local) is refused.
    type: str
    default: main
  state:
    description:
      - V(present) ensures the route; V(absent) removes the matching routes to O(prefix).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
  - vmnet.doctor.persist
'''

EXAMPLES = r'''
- name: Route the VM subnet via the hypervisor
  vmnet.doctor.static_route:
    prefix: 198.51.100.0/24
    gateway: 192.0.2.1

- name: Remove a blackhole route that hides the VM subnet
  vmnet.doctor.static_route:
    prefix: 198.51.100.0/24
    state: absent
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "replace_route", "argv": ["ip", "-4", "route", "replace", "198.51.100.0/24", "via", "192.0.2.1"]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["ip -4 route replace 198.51.100.0/24 via 192.0.2.1"]
before:
  description: The routes to the prefix in the table before the change.
  returned: always
  type: dict
  sample: {"family": "ipv4", "prefix": "198.51.100.0/24", "table": "main", "routes": []}
after:
  description: The routes to the prefix after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"family": "ipv4", "prefix": "198.51.100.0/24", "table": "main",
           "routes": [{"dst": "198.51.100.0/24", "gateway": "192.0.2.1", "dev": "eth0", "metric": 0}]}
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
  description: True unless O(persist=true) persisted the change; the route is not persisted.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import static_route as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prefix=dict(type='str', required=True),
            gateway=dict(type='str'),
            device=dict(type='str'),
            metric=dict(type='int'),
            table=dict(type='str', default='main'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            persist=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
