#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: default_gateway
short_description: Ensure or remove the default route of a Linux host
version_added: 0.1.0
description:
  - Ensures the default route (IPv4 or IPv6, main table) goes via O(gateway), optionally out of
    O(device) and with O(metric); a wrong default route is replaced, all other routes are left alone.
  - When several default routes of the family exist, the kernel uses the one with the lowest metric.
    Without O(metric) the module makes that one go via O(gateway), keeping its metric; with O(metric)
    it acts on the default route with exactly that metric (creating it if needed) and leaves routes with
    other metrics alone (a warning says when a lower-metric route still wins).
  - Refuses a gateway that is not on a connected subnet, or that is an address of the host itself.
  - The change is runtime only unless O(persist=true); the result says so with RV(runtime_only).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  gateway:
    description:
      - Next hop address. Required with O(state=present). Its family selects IPv4 or IPv6.
      - With O(state=absent), only default routes via this gateway are removed.
    type: str
  device:
    description:
      - Outgoing interface. Not given means the kernel chooses from the gateway (and any device is accepted
        as already right). Required for an IPv6 link-local gateway.
    type: str
  metric:
    description:
      - Route metric (priority). Not given means keep the metric of the default route in use.
    type: int
  family:
    description:
      - Address family; inferred from O(gateway) when given. Used with O(state=absent) without a gateway.
    type: str
    choices: [ipv4, ipv6]
  state:
    description:
      - V(present) ensures the default route via O(gateway); V(absent) removes the matching default routes
        (all of the family when neither O(gateway), O(device) nor O(metric) is given).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
  - vmnet.doctor.persist
notes:
  - Uses C(ip -j route) from iproute2. Run inside a network namespace with the P(vmnet.doctor.netns#connection)
    connection plugin to fix a namespaced host.
'''

EXAMPLES = r'''
- name: Give the VM its default gateway back
  vmnet.doctor.default_gateway:
    gateway: 192.0.2.1

- name: Default route via a gateway out of a named device with metric 100
  vmnet.doctor.default_gateway:
    gateway: 192.0.2.1
    device: eth0
    metric: 100

- name: Remove a wrong IPv6 default route
  vmnet.doctor.default_gateway:
    gateway: 2001:db8::99
    state: absent
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "replace_route", "argv": ["ip", "-4", "route", "replace", "default", "via", "192.0.2.1", "metric", "100"]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["ip -4 route replace default via 192.0.2.1 metric 100"]
before:
  description: The default routes of the family before the change.
  returned: always
  type: dict
  sample: {"family": "ipv4", "default_routes": [{"dst": "0.0.0.0/0", "gateway": "192.0.2.99", "dev": "eth0", "metric": 100}]}
after:
  description: The default routes of the family after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"family": "ipv4", "default_routes": [{"dst": "0.0.0.0/0", "gateway": "192.0.2.1", "dev": "eth0", "metric": 100}]}
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
  description: True unless O(persist=true) persisted the change; the route is not persisted and is lost at reboot or when the network is reconfigured.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import default_gateway as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gateway=dict(type='str'),
            device=dict(type='str'),
            metric=dict(type='int'),
            family=dict(type='str', choices=['ipv4', 'ipv6']),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            persist=dict(type='bool', default=False),
        ),
        required_if=[('state', 'present', ['gateway'])],
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
