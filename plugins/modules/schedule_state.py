#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: schedule_state
short_description: Budget, cooldown and escalation decisions of scheduled remediation, with a state file
version_added: 0.1.0
description:
  - Action plugin used by C(playbooks/scheduled.yml). Reads the JSON state file on the controller,
    takes one decision step and writes the new state back atomically (not in check mode).
  - I(step=triage) takes the cheap probe results and returns the paths that answered (C(ok)) and
    those to diagnose (C(broken)).
  - I(step=decide) takes the diagnosed broken paths (report paths with findings) and returns one action
    per path, C(remediate), C(cooldown) (a remediation was tried less than C(cooldown) seconds ago) or
    C(escalate) (report only, no change) with a reason, C(rebroken) (broken again within
    C(rebreak_window) seconds of a successful fix), C(budget) (its hosts do not fit in the per-run
    budget of C(budget_hosts) changed hosts) or C(no_fix) (no automatic fix proposed).
  - I(step=record) stores the remediation outcomes (C(fixed) or C(failed)) with the time.
  - I(step=read) returns the state unchanged.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  state_file:
    description: JSON state file on the controller; a missing or unreadable file is a fresh state.
    type: path
    required: true
  step:
    description: Which decision to take.
    type: str
    choices: [read, triage, decide, record]
    required: true
  probes:
    description:
      - For I(step=triage), one item per path, C(key) (the path name) and C(probe) (its
        M(vmnet.doctor.icmp_probe) result, or null when the probe did not run).
    type: list
    elements: dict
  diagnosed:
    description:
      - For I(step=decide), the broken paths of the diagnosis report in priority order (C(name),
        C(source), C(target_ip), C(findings)).
    type: list
    elements: dict
  outcomes:
    description: For I(step=record), one item per remediated path, C(key), C(result) and C(hosts).
    type: list
    elements: dict
  settings:
    description:
      - C(budget_hosts) (distinct hosts changed per run, default 1), C(cooldown) (seconds, default 3600),
        C(rebreak_window) (seconds, default 86400), C(max_loss) (loss ratio still OK, default 0).
    type: dict
  now:
    description: Unix time to decide at (default the controller clock); for tests and replays.
    type: float
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    description: Decisions are returned but the state file is not written.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Runs on the controller only, whatever host the task targets.
seealso:
  - module: vmnet.doctor.run_lock
'''

EXAMPLES = r'''
- name: Decide what to fix in this run
  vmnet.doctor.schedule_state:
    state_file: /var/lib/vmnet-doctor/schedule-state.json
    step: decide
    diagnosed: "{{ report.paths | rejectattr('state', 'equalto', 'ok') }}"
    settings:
      budget_hosts: 2
      cooldown: 3600
  register: decision
'''

RETURN = r'''
ok:
  description: Paths whose probe answered.
  returned: step=triage
  type: list
  elements: str
  sample: [host01 -> web01]
broken:
  description: Paths to diagnose.
  returned: step=triage
  type: list
  elements: str
  sample: [host01 -> db01]
actions:
  description: One decision per diagnosed path, C(key), C(action), C(reason), C(hosts), C(detail).
  returned: step=decide
  type: list
  elements: dict
  sample: [{key: host01 -> db01, action: escalate, reason: budget, hosts: [db01], detail: "..."}]
remediate:
  description: Paths to remediate now.
  returned: step=decide
  type: list
  elements: str
  sample: [host01 -> db01]
escalate:
  description: Paths escalated (report only).
  returned: step=decide
  type: list
  elements: str
  sample: []
cooldown:
  description: Paths held back by their cooldown.
  returned: step=decide
  type: list
  elements: str
  sample: []
state:
  description: The new state (as written to I(state_file)).
  returned: always
  type: dict
  sample: {version: 1, paths: {}, last_run: {}}
now:
  description: Unix time the decision used.
  returned: always
  type: float
  sample: 1795791600.0
state_file:
  description: The state file.
  returned: always
  type: str
  sample: /var/lib/vmnet-doctor/schedule-state.json
'''
