#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_lock
short_description: Take, renew or release the per-host lock of a vmnet.doctor remediation run
version_added: 0.1.0
description:
  - Makes concurrent remediation runs on one host take turns. The lock is a short lease recorded in a
    JSON file under O(lock_dir) (run id, owner, the controller process, acquisition and expiry time),
    changed under C(flock) so two runs never both take it. The file is removed when the lock is released.
  - One lock per network stack - the file is named after the network namespace (inode and, on
    Linux 5.14 and later, the namespace cookie, which is never reused) - so a host running several
    namespaces (containers, the test lab) has one lock per namespace.
  - The lock records the controller process (C(ansible-playbook)'s pid and start time, the controller's
    host name, boot id and pid namespace). Its lock is stale - taken over by the next run - when the lease
    expired, or as soon as that process is gone where that can be checked (on the controller of the next
    run, and on a target that is the controller machine itself). A run renews its lease while it works
    (taking the lock again with the same O(run_id)), so a killed run leaves at most one short lease.
  - A lock taken with the ad hoc C(ansible) command (a manual hold) records no controller process, as that
    process ends at once; it lasts its lease.
  - Taking or releasing the lock is not a change of the host configuration, so the module never
    reports C(changed).
  - "To see a lock: C(ansible HOST -m vmnet.doctor.host_lock -a state=status). To break one (the run that holds
    it is known to be dead): C(ansible HOST -m vmnet.doctor.host_lock -a 'state=released force=true'), or remove
    the file named in RV(path)."
author: vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  state:
    description:
      - V(acquired) takes the lock, or renews the lease when O(run_id) already holds it, waiting up to
        O(wait) seconds; fails naming the holder when it is still taken.
      - V(released) frees it when O(run_id) holds it (any holder with O(force)) and removes the file.
        V(status) only reads it.
    type: str
    choices: [acquired, released, status]
    default: acquired
  run_id:
    description: Identifier of the run taking or releasing the lock. Required unless O(state=status) or O(force).
    type: str
  owner:
    description: Who runs it, recorded with the lock. Default C(user@controller) of the controller process.
    type: str
  wait:
    description: Seconds to wait for a lock held by another run before failing.
    type: int
    default: 0
  lease:
    description:
      - Seconds the lock stays valid without being renewed or released; then it is stale.
      - Keep it short (minutes) and renew it while the run works; it bounds how long a run killed on another
        controller keeps the host locked.
    type: int
    default: 300
  lock_dir:
    description: Directory of the lock files (created when missing, never in check mode).
    type: path
    default: /run/vmnet-doctor
  force:
    description: With O(state=released), release the lock whoever holds it (to break the lock of a dead run).
    type: bool
    default: false
  controller:
    description:
      - The controller process that owns the run. Set by the action plugin of this module from the
        C(ansible-playbook) process; do not set it.
    type: dict
  break_run_id:
    description:
      - Run id of a holder whose controller process the caller found gone; that holder's lock is taken over.
        Set by the action plugin of this module; do not set it.
    type: str
attributes:
  check_mode:
    support: full
    description: In check mode the lock is checked (and waited for) but neither created nor written.
  diff_mode:
    support: none
  action:
    support: full
    description: The action plugin adds the controller process to the record and checks a holder's liveness.
  platform:
    platforms: [linux]
seealso:
  - module: vmnet.doctor.mgmt_guard
'''

EXAMPLES = r'''
- name: Take the lock, waiting up to a minute for another run
  vmnet.doctor.host_lock:
    run_id: "20260101T120000-ab12cd34"
    owner: "alice@controller"
    wait: 60

- name: Release it
  vmnet.doctor.host_lock:
    state: released
    run_id: "20260101T120000-ab12cd34"

- name: Break the lock of a run that is known to be dead
  vmnet.doctor.host_lock:
    state: released
    force: true
'''

RETURN = r'''
acquired:
  description: Whether the lock is now held by O(run_id) (O(state=acquired)).
  returned: when O(state=acquired)
  type: bool
  sample: true
released:
  description: Whether the lock was released (O(state=released)).
  returned: when O(state=released)
  type: bool
  sample: true
lock:
  description: The lock record (the holder) - ours after acquiring, the other run's when taken.
  returned: always
  type: dict
  sample: {"run_id": "20260101T120000-ab12cd34", "owner": "alice@controller",
           "controller": {"pid": 4242, "start": 123456, "host": "controller", "user": "alice",
                          "boot_id": "0d6c1a54-5a0b-4a43-9f4e-8f1c3c6f1d2e", "pidns": 4026531836},
           "acquired_at": "2026-01-01T12:00:00Z", "expires_at": "2026-01-01T12:05:00Z", "lease": 300}
path:
  description: The lock file.
  returned: always
  type: str
  sample: /run/vmnet-doctor/netns-4026531840-1.lock
waited:
  description: Seconds spent waiting for the lock.
  returned: when O(state=acquired)
  type: float
  sample: 0.0
stale_taken_over:
  description: The stale record (lease expired or controller process gone) that was replaced, if any.
  returned: when O(state=acquired)
  type: dict
  sample: null
renewed:
  description: Whether the lock was already held by O(run_id) and only its lease was extended.
  returned: when O(state=acquired) and the lock was acquired
  type: bool
  sample: false
held:
  description: Whether a live run holds the lock (O(state=status)).
  returned: when O(state=status)
  type: bool
  sample: true
controller_alive:
  description: Whether the holder's controller process still runs; null when that cannot be checked from the target.
  returned: when O(state=status) and the lock is held
  type: bool
  sample: null
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import lock as host_lock
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['acquired', 'released', 'status'], default='acquired'),
            run_id=dict(type='str'),
            owner=dict(type='str'),
            wait=dict(type='int', default=0),
            lease=dict(type='int', default=300),
            lock_dir=dict(type='path', default='/run/vmnet-doctor'),
            force=dict(type='bool', default=False),
            controller=dict(type='dict'),
            break_run_id=dict(type='str'),
        ),
        required_if=[('state', 'acquired', ['run_id'])],
        supports_check_mode=True,
    )
    p = module.params
    if p['state'] == 'released' and not p['run_id'] and not p['force']:
        module.fail_json(msg='state=released needs run_id (or force=true to break the lock of a dead run)')
    try:
        if p['state'] == 'acquired':
            result = host_lock.acquire(p['lock_dir'], p['run_id'], p['owner'], p['lease'], p['wait'],
                                       check_mode=module.check_mode, controller=p['controller'],
                                       break_run_id=p['break_run_id'])
        elif p['state'] == 'released':
            result = host_lock.release(p['lock_dir'], p['run_id'], check_mode=module.check_mode, force=p['force'])
        else:
            result = host_lock.status(p['lock_dir'])
    except DoctorError as e:
        module.fail_json(**e.to_result())
    if p['state'] == 'acquired' and not result['acquired']:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
