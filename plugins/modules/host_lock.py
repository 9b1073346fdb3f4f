#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: host_lock
short_description: Take or release the per-host lock of a vmnet.doctor remediation run
version_added: 0.1.0
description:
  - Makes concurrent remediation runs on one host take turns. The lock is a lease recorded in a
    JSON file under O(lock_dir) (run id, owner, pid, acquisition and expiry time), changed under
    C(flock) so two runs never both take it.
  - One lock per network stack - the file is named after the network namespace (inode and, on
    Linux 5.14 and later, the namespace cookie, which is never reused) - so a host running several
    namespaces (containers, the test lab) has one lock per namespace.
  - A lease that expired (its run died without releasing) is stale and is taken over.
  - Taking or releasing the lock is not a change of the host configuration, so the module never
    reports C(changed).
author: vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  state:
    description:
      - V(acquired) takes the lock (re-entrant for the same O(run_id)), waiting up to O(wait) seconds;
        fails naming the holder when it is still taken.
      - V(released) frees it when O(run_id) holds it. V(status) only reads it.
    type: str
    choices: [acquired, released, status]
    default: acquired
  run_id:
    description: Identifier of the run taking or releasing the lock. Required unless O(state=status).
    type: str
  owner:
    description: Free text recorded with the lock (for example user@controller).
    type: str
  wait:
    description: Seconds to wait for a lock held by another run before failing.
    type: int
    default: 0
  lease:
    description: Seconds the lock stays valid without being released; then it is stale.
    type: int
    default: 3600
  lock_dir:
    description: Directory of the lock files (created when missing).
    type: path
    default: /run/vmnet-doctor
attributes:
  check_mode:
    support: full
    description: In check mode the lock is checked (and waited for) but not written.
  diff_mode:
    support: none
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
  sample: {"run_id": "20260101T120000-ab12cd34", "owner": "alice@controller", "pid": 4242,
           "acquired_at": "2026-01-01T12:00:00Z", "expires_at": "2026-01-01T13:00:00Z"}
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
  description: The expired record that was replaced, if any.
  returned: when O(state=acquired)
  type: dict
  sample: null
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils import host_lock
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['acquired', 'released', 'status'], default='acquired'),
            run_id=dict(type='str'),
            owner=dict(type='str'),
            wait=dict(type='int', default=0),
            lease=dict(type='int', default=3600),
            lock_dir=dict(type='path', default='/run/vmnet-doctor'),
        ),
        required_if=[('state', 'acquired', ['run_id']), ('state', 'released', ['run_id'])],
        supports_check_mode=True,
    )
    p = module.params
    try:
        if p['state'] == 'acquired':
            result = host_lock.acquire(p['lock_dir'], p['run_id'], p['owner'], p['lease'], p['wait'],
                                       check_mode=module.check_mode)
        elif p['state'] == 'released':
            result = host_lock.release(p['lock_dir'], p['run_id'], check_mode=module.check_mode)
        else:
            result = host_lock.status(p['lock_dir'])
    except DoctorError as e:
        module.fail_json(msg=str(e))
    if p['state'] == 'acquired' and not result['acquired']:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
