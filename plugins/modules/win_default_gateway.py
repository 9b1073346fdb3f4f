#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: win_default_gateway
short_description: Ensure the default gateway of a Windows host
version_added: 0.1.0
description:
  - Action plugin for Windows hosts (C(winrm) or C(psrp) connection). Reads the routes (C(Get-NetRoute)),
    plans in Python and sends C(New-NetRoute), C(Set-NetRoute) or C(Remove-NetRoute) for the default
    route (C(0.0.0.0/0) or C(::/0)) only when something differs.
  - With O(state=present) the interface gets a default route via O(gateway) and loses its other default
    routes; default routes on other interfaces are kept (and reported as a warning) unless O(exclusive).
  - Idempotent; check mode returns the plan, the commands and the diff without sending them.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  gateway:
    description:
      - The gateway address (IPv4 or IPv6; the family follows it). It must be on a connected subnet of
        O(interface) unless O(interface) is given.
    type: str
    required: true
  interface:
    description:
      - Interface alias (for example C(Ethernet) or C(vEthernet (External))). Default is the interface whose
        subnet contains O(gateway).
    type: str
  metric:
    description:
      - Route metric (C(RouteMetric), 0-9999). Omitted, a new route gets the Windows default and an existing one
        keeps its metric.
    type: int
  exclusive:
    description:
      - Also remove the default routes of the family on the other interfaces.
    type: bool
    default: false
  state:
    description:
      - V(absent) removes the default routes via O(gateway) (on O(interface) when given).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_windows
notes:
  - Removing the default route the WinRM connection itself uses can cut the connection; the interface given
    (or found) is the only one touched unless O(exclusive).
  - Verified only against hand-written outputs in the documented shapes of the cmdlets; see the collection README.
seealso:
  - module: vmnet.doctor.default_gateway
'''

EXAMPLES = r'''
- name: The VM-facing host uses the lab router as its default gateway
  vmnet.doctor.win_default_gateway:
    gateway: 192.168.10.1

- name: Same, with a metric, and drop default routes on other interfaces
  vmnet.doctor.win_default_gateway:
    gateway: 192.168.10.1
    interface: vEthernet (External)
    metric: 10
    exclusive: true
'''

RETURN = r'''
changes:
  description: The route changes, in order.
  returned: always
  type: list
  elements: dict
  sample:
    - {action: remove_route, interface: vEthernet (External), gateway: 192.168.10.254, metric: 0}
    - {action: add_route, interface: vEthernet (External), gateway: 192.168.10.1, metric: null}
commands:
  description: The exact PowerShell commands sent (or that would be sent in check mode).
  returned: always
  type: list
  elements: str
  sample:
    - "New-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.1'"
diff:
  description: The default routes of the family before and after.
  returned: when diff mode is on
  type: dict
  sample:
    before: {default_routes: [{interface: vEthernet (External), gateway: 192.168.10.254, metric: 0}]}
    after: {default_routes: [{interface: vEthernet (External), gateway: 192.168.10.1, metric: null}]}
before:
  description: The state the plan started from (the same as C(diff.before), also without diff mode).
  returned: always
  type: dict
  sample: {default_routes: [{interface: vEthernet (External), gateway: 192.168.10.254, metric: 0}]}
after:
  description: The state after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {default_routes: [{interface: vEthernet (External), gateway: 192.168.10.1, metric: null}]}
runtime_only:
  description: Always false; Windows keeps the change.
  returned: always
  type: bool
  sample: false
'''
