#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: run_fixer
short_description: Run vmnet.doctor fixer modules chosen at run time
version_added: 0.1.0
description:
  - Action plugin. Runs the fixer modules named in O(calls), in order, on the task's host
    (use C(delegate_to) to choose it), with the task's check mode and diff mode. Stops at the first
    failure.
  - Exists because a task's module name cannot be templated; the C(vmnet.doctor.remediate) role uses it
    to apply the fixes the diagnosis proposes and their rollbacks.
  - Only the collection's fixer modules are accepted (C(icmp_rule), C(mac_allow), C(default_gateway),
    C(static_route), C(interface_mtu), C(link_state), C(bridge_vlan), C(neighbor), C(net_sysctl),
    C(vmware_vswitch_policy), C(vmware_vm_nic)).
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  calls:
    description:
      - Fixer calls, each a dictionary with C(module) (for example C(vmnet.doctor.net_sysctl); the
        C(vmnet.doctor.) prefix may be left out) and C(args) (the module arguments).
    type: list
    elements: dict
    required: true
  credentials:
    description:
      - vCenter passwords for the VMware fixers (C(vmware_vswitch_policy), C(vmware_vm_nic)), keyed
        C(<hostname>|<port>|<username>) (port 443 when the call gives none). A VMware call without
        C(password) gets the one of its C(hostname), C(port) and C(username). The password is passed
        to the module only, never returned in C(results[].args).
    type: dict
attributes:
  check_mode:
    support: full
    description: Each fixer runs in check mode and reports what it would change.
  diff_mode:
    support: full
    description: Each fixer returns its diff.
  platform:
    platforms: [linux]
seealso:
  - module: vmnet.doctor.remediation
'''

EXAMPLES = r'''
- name: Apply the fix a finding proposes, on the host it names
  vmnet.doctor.run_fixer:
    calls:
      - module: "{{ finding.fix.module }}"
        args: "{{ finding.fix.args }}"
  delegate_to: "{{ finding.fix.host }}"
'''

RETURN = r'''
results:
  description: The result of each call (as the fixer returns it), with C(module) and C(args).
  returned: always
  type: list
  elements: dict
  sample: [{"module": "vmnet.doctor.net_sysctl", "args": {"name": "ip_forward", "value": 1}, "changed": true,
            "changes": [{"action": "set_runtime", "proc": "/proc/sys/net/ipv4/ip_forward", "value": "1"}],
            "commands": ["write 1 to /proc/sys/net/ipv4/ip_forward"], "before": {"value": 0}, "after": {"value": 1}}]
before:
  description: C(before) of the fixer, when there is one call.
  returned: when there is one call
  type: dict
  sample: {"key": "net.ipv4.ip_forward", "value": 0}
after:
  description: C(after) of the fixer, when there is one call.
  returned: when there is one call
  type: dict
  sample: {"key": "net.ipv4.ip_forward", "value": 1}
changes:
  description: C(changes) of the fixer (structured, one dict per change), when there is one call.
  returned: when there is one call
  type: list
  elements: dict
  sample: [{"action": "set_runtime", "proc": "/proc/sys/net/ipv4/ip_forward", "value": "1"}]
commands:
  description: C(commands) of the fixer (the changes as text), when there is one call.
  returned: when there is one call
  type: list
  elements: str
  sample: ["write 1 to /proc/sys/net/ipv4/ip_forward"]
runtime_only:
  description: C(runtime_only) of the fixer (the change is lost at reboot), when there is one call.
  returned: when there is one call
  type: bool
  sample: true
'''
