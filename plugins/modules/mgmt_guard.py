#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mgmt_guard
short_description: Keep a host reachable while the interface of the Ansible connection is changed
version_added: 0.1.0
description:
  - With O(state=status), finds the interface that carries the Ansible connection to the host, from the
    client address of C(SSH_CONNECTION) looked up with C(ip -j route get). Without SSH (the
    C(local) and C(vmnet.doctor.netns) connections) there is no remote management path and
    RV(interface) is null; the guard is then not needed, but O(interface) can name one and it works
    the same.
  - With O(state=armed), records the interface's routes (and the default routes), MTU and link state
    in C(guard-<id>.json) under O(state_dir) and starts a detached restorer process (its own
    session, no shell) that puts that snapshot back after O(timeout) seconds.
  - With O(state=confirmed), disarms the guard - the controller has shown it can still reach the
    host. If the restorer was faster, RV(state) is V(restored) and RV(restore_log) says what it did.
    Confirmation and restoration take a lock on the guard file, so exactly one of them wins.
  - Arming and confirming do not change the host configuration; the module never reports C(changed).
author: vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  state:
    description: V(status), V(armed) or V(confirmed), see the description.
    type: str
    choices: [status, armed, confirmed]
    default: status
  interface:
    description: Interface to guard (O(state=armed)). Default the management interface found.
    type: str
  timeout:
    description: Seconds after arming until the restorer puts the snapshot back.
    type: int
    default: 30
  guard_id:
    description: The guard to confirm (RV(guard_id) of the arming task).
    type: str
  state_dir:
    description: Directory of the guard files.
    type: path
    default: /run/vmnet-doctor
attributes:
  check_mode:
    support: full
    description: In check mode V(armed) snapshots but starts no restorer; V(confirmed) only reads.
  diff_mode:
    support: none
  platform:
    platforms: [linux]
notes:
  - Covers the address family of the management connection (IPv4 or IPv6), main routing table.
seealso:
  - module: vmnet.doctor.host_lock
'''

EXAMPLES = r'''
- name: Find the management interface
  vmnet.doctor.mgmt_guard:
  register: mgmt

- name: Arm the guard for 30 seconds
  vmnet.doctor.mgmt_guard:
    state: armed
    timeout: 30
  register: guard

- name: Change the default gateway
  vmnet.doctor.default_gateway:
    gateway: 192.0.2.1

- name: Check the host can still be reached
  ansible.builtin.wait_for_connection:
    timeout: 10

- name: Confirm
  vmnet.doctor.mgmt_guard:
    state: confirmed
    guard_id: "{{ guard.guard_id }}"
'''

RETURN = r'''
interface:
  description: The management interface (null without an SSH connection and without O(interface)).
  returned: always
  type: str
  sample: eth0
client:
  description: Address of the SSH client (the controller as the host sees it).
  returned: always
  type: str
  sample: 192.0.2.10
related:
  description: Interfaces whose link or MTU change cuts the management interface too (bridge ports, master).
  returned: always
  type: list
  elements: str
  sample: []
guard_id:
  description: Identifier of the armed guard.
  returned: when O(state=armed) or O(state=confirmed)
  type: str
  sample: 3f2a9c0d1b7e
state:
  description: State of the guard - V(armed), V(confirmed) or V(restored).
  returned: when O(state=armed) or O(state=confirmed)
  type: str
  sample: confirmed
restored:
  description: True when the restorer put the snapshot back before the confirmation.
  returned: when O(state=confirmed)
  type: bool
  sample: false
snapshot:
  description: What the guard restores (interface, family, mtu, up, routes).
  returned: when O(state=armed) or O(state=confirmed)
  type: dict
  sample: {"interface": "eth0", "family": 4, "mtu": 1500, "up": true, "routes": []}
restore_log:
  description: Commands the restorer ran, with their exit codes.
  returned: when the guard restored
  type: list
  elements: dict
  sample: [{"argv": ["ip", "link", "set", "dev", "eth0", "up"], "rc": 0, "output": ""}]
guards:
  description: Guards found in O(state_dir) (O(state=status)).
  returned: when O(state=status)
  type: list
  elements: dict
  sample: []
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import guard
from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import version_of
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import C_LOCALE


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['status', 'armed', 'confirmed'], default='status'),
            interface=dict(type='str'),
            timeout=dict(type='int', default=30),
            guard_id=dict(type='str'),
            state_dir=dict(type='path', default='/run/vmnet-doctor'),
        ),
        required_if=[('state', 'confirmed', ['guard_id'])],
        supports_check_mode=True,
    )
    p = module.params

    def runner(argv):
        return module.run_command(argv, environ_update=C_LOCALE)
    try:
        found, client = guard.management_interface(runner, os.environ)
        iface = p['interface'] or found
        result = dict(changed=False, interface=iface, client=client,
                      related=guard.related_interfaces(runner, iface) if iface else [])
        if p['state'] == 'status':
            result['guards'] = guard.status(p['state_dir'])
        elif p['state'] == 'armed':
            if not iface:
                raise DoctorError('no management interface found (no SSH connection): name one with interface')
            fam = version_of(client, 4)
            rec = guard.arm(runner, p['state_dir'], iface, p['timeout'], family=fam, spawn=not module.check_mode)
            result.update(guard_id=rec['id'], state=rec['state'], snapshot=rec['snapshot'])
        elif module.check_mode:
            result.update(guard_id=p['guard_id'], state='armed', restored=False)
        else:
            rec = guard.confirm(p['state_dir'], p['guard_id'])
            result.update(guard_id=rec['id'], state=rec['state'], restored=rec['state'] == 'restored',
                          snapshot=rec.get('snapshot'), restore_log=rec.get('restore_log') or [])
    except DoctorError as e:
        module.fail_json(msg=str(e))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
