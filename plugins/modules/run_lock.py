#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: run_lock
short_description: Take or release a global lock on the controller so overlapping runs never interleave
version_added: 0.1.0
description:
  - Action plugin. Creates the lock file I(path) exclusively (C(O_CREAT|O_EXCL)) on the controller and
    writes the owner into it (the C(ansible-playbook) process id, the host name, the time).
  - A lock whose owner process no longer runs on this machine (a run that crashed or was killed)
    is stale and is taken over. A lock held by a live run is never broken; the task then returns
    C(acquired=false) after waiting up to I(wait) seconds, and the play decides what to do.
  - With I(state=absent) the lock is removed, only when this run owns it (or with I(force)).
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  path:
    description: Lock file on the controller; its directory is created when missing.
    type: path
    required: true
  state:
    description: C(present) takes the lock, C(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Seconds to wait for a busy lock before giving up (C(acquired=false)).
    type: float
    default: 0
  force:
    description: With I(state=absent), remove the lock whoever holds it.
    type: bool
    default: false
  owner:
    description:
      - Process id recorded as the owner. Default is the C(ansible-playbook) process of this run,
        so the lock becomes stale as soon as that run ends.
    type: int
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    description: The lock is taken in check mode too, so a check run never interleaves with a real one.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Runs on the controller only, whatever host the task targets.
seealso:
  - module: vmnet.doctor.schedule_state
'''

EXAMPLES = r'''
- name: Take the global lock, give up at once when another run holds it
  vmnet.doctor.run_lock:
    path: /var/lib/vmnet-doctor/scheduled.lock
  register: lock

- name: Stop when another run is busy
  ansible.builtin.meta: end_play
  when: not lock.acquired

- name: Release the lock
  vmnet.doctor.run_lock:
    path: /var/lib/vmnet-doctor/scheduled.lock
    state: absent
'''

RETURN = r'''
acquired:
  description: True when this run holds the lock now.
  returned: state=present
  type: bool
  sample: true
holder:
  description: Owner recorded in the lock file (this run when acquired, else the run holding it).
  returned: state=present
  type: dict
  sample: {pid: 41231, host: ops01, since: 1795791600.5}
owner:
  description: Process id this run uses as owner.
  returned: state=present
  type: int
  sample: 41231
took_over_stale:
  description: True when a stale lock (owner process gone) was replaced.
  returned: state=present
  type: bool
  sample: false
stale_holder:
  description: The owner of the stale lock that was replaced.
  returned: when took_over_stale
  type: dict
  sample: {pid: 40001, host: ops01, since: 1795780000.0}
released:
  description: True when the lock file was removed.
  returned: state=absent
  type: bool
  sample: true
path:
  description: The lock file.
  returned: always
  type: str
  sample: /var/lib/vmnet-doctor/scheduled.lock
'''
