#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: libvirt_interface
short_description: Set a libvirt guest NIC's link state or source network
version_added: 0.1.0
description:
  - Finds the guest NIC by its MAC and sets its link state (C(virsh domif-setlink)) or moves it to another
    libvirt network (C(virsh update-device) with C(<source network=.../>)). The persistent definition is
    always changed (C(--config)), so the change survives a restart.
  - A running guest is changed live when its driver supports it (QEMU/KVM). Other drivers (LXC refuses
    live NIC changes) take the new definition when the guest starts again; with O(restart=true) the module
    shuts the guest down (C(virsh shutdown); LXC through SIGTERM to its init), powers it off after
    O(shutdown_timeout) seconds if it is still running, and starts it. Without O(restart) such a change
    fails and changes nothing.
  - Moving a NIC to another network changes who can reach the guest, and a restart interrupts it, so the
    remediate role applies them only for a finding code named in C(doctor_allow).
  - Options left out are left as they are.
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  domain:
    description: The libvirt domain (guest) name.
    type: str
    required: true
  mac:
    description: MAC address of the guest NIC.
    type: str
    required: true
  link_state:
    description: Wanted link state of the NIC.
    type: str
    choices: [up, down]
  network:
    description: The libvirt network the NIC should be attached to.
    type: str
  restart:
    description:
      - Restart a running guest whose driver cannot change its NIC live (LXC), so the new definition takes effect.
    type: bool
    default: false
  shutdown_timeout:
    description: Seconds to wait for a clean shutdown before powering the guest off (C(virsh destroy)).
    type: int
    default: 30
  uri:
    description: libvirt connection URI of the guest's driver (C(lxc:///system) for LXC guests).
    type: str
    default: qemu:///system
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
'''

EXAMPLES = r'''
- name: Set the link of a KVM guest's NIC up (live and in its definition)
  vmnet.doctor.libvirt_interface:
    domain: web1
    mac: "52:54:00:12:34:56"
    link_state: up

- name: Move an LXC guest's NIC back to network vmnet, restarting the guest
  vmnet.doctor.libvirt_interface:
    uri: lxc:///system
    domain: vm1
    mac: "02:76:6d:11:00:01"
    network: vmnet
    restart: true
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) (C(set_link), C(set_network), C(guest_shutdown), C(destroy_if_running), C(guest_start), ...),
    C(scope) (C(config) or C(live)) where it applies, and the command (C(argv)).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set_link", "scope": "config", "link_state": "up",
            "argv": ["virsh", "-q", "-c", "lxc:///system", "domif-setlink", "vm1", "02:76:6d:11:00:01", "up",
                     "--config"]}]
commands:
  description: The same changes as text, in order.
  returned: always
  type: list
  elements: str
  sample: ["virsh -q -c qemu:///system domif-setlink web1 52:54:00:12:34:56 up --live"]
before:
  description: The NIC before, in the guest's definition (C(config)) and, when it runs, live (C(live)).
  returned: always
  type: dict
  sample: {"domain": "vm1", "mac": "02:76:6d:11:00:01", "driver": "lxc", "running": true,
           "config": {"link_state": "down", "network": "vmnet"}, "live": {"link_state": "down", "network": "vmnet"}}
after:
  description: The same after the change, read back after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"domain": "vm1", "mac": "02:76:6d:11:00:01", "driver": "lxc", "running": true,
           "config": {"link_state": "up", "network": "vmnet"}, "live": {"link_state": "up", "network": "vmnet"}}
runtime_only:
  description: False; the guest's definition is changed too.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import libvirt_interface as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domain=dict(type='str', required=True),
            mac=dict(type='str', required=True),
            link_state=dict(type='str', choices=['up', 'down']),
            network=dict(type='str'),
            restart=dict(type='bool', default=False),
            shutdown_timeout=dict(type='int', default=30),
            uri=dict(type='str', default='qemu:///system'),
        ),
        required_one_of=[['link_state', 'network']],
        supports_check_mode=True,
    )
    run_fixer(module, fixer, apply_hook=fixer.apply)


if __name__ == '__main__':
    main()
