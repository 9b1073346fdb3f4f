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
  - I(step=decide) takes the diagnosed paths (C(diagnose_result.paths) of the C(vmnet.doctor.diagnose) role;
    paths whose verdict is ok are passed over) and returns one action
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
    description:
      - JSON state file on the controller; a missing or unreadable file is a fresh state.
      - Required for every step but V(paths) and V(report), which neither read nor write it.
    type: path
  step:
    description:
      - Which step. V(paths) names and checks the configured paths (pure); V(triage), V(decide) and V(record)
        take the decisions and keep them in the state; V(report) assembles the run report (pure).
    type: str
    choices: [paths, read, triage, decide, record, report]
    required: true
  paths:
    description:
      - For I(step=paths), the configured paths (items as C(diagnose_paths) of the C(vmnet.doctor.diagnose) role;
        every source must be an inventory host and every path needs a C(target_ip)).
      - For I(step=triage), I(step=decide) and I(step=report), the paths RV(paths) returned (V(triage) and
        V(decide) then also return the ones to diagnose, RV(broken_paths), and to remediate, RV(remediate_paths)).
    type: list
    elements: dict
  only:
    description: For I(step=paths), keep only these paths (names or target addresses); empty keeps all.
    type: list
    elements: str
    default: []
  results:
    description:
      - For I(step=triage) and I(step=report), the registered cheap probe (M(vmnet.doctor.icmp_probe)) by source
        host; each path's result is the one whose C(target) is its C(target_ip).
    type: dict
  probes:
    description:
      - For I(step=triage), instead of O(paths) and O(results), one item per path, C(key) (the path name) and
        C(probe) (its M(vmnet.doctor.icmp_probe) result, or null when the probe did not run).
    type: list
    elements: dict
  diagnosed:
    description:
      - For I(step=decide), the diagnosed paths in priority order (C(name), C(source), C(target_ip), C(status),
        C(findings)), as C(diagnose_result.paths) of the C(vmnet.doctor.diagnose) role holds them; paths whose
        verdict is ok get no action. For I(step=report), the diagnosed paths.
    type: list
    elements: dict
  remediated:
    description:
      - For I(step=record) (instead of O(outcomes)) and I(step=report), the C(paths) of the remediate role's
        report - C(name), C(result), C(reachable_after), C(fixes) with C(status) and C(host).
      - For I(step=record), a path is C(fixed) when it answers after the fixes, else C(failed); the hosts
        changed are those where a fix was applied (also when it was rolled back); a check-mode result is not recorded.
    type: list
    elements: dict
  outcomes:
    description: For I(step=record), one item per remediated path, C(key), C(result) and C(hosts).
    type: list
    elements: dict
  ok:
    description: For I(step=report), the names of the paths that answered the cheap probe (RV(ok) of V(triage)).
    type: list
    elements: str
  actions:
    description: For I(step=report), the decisions (RV(actions) of V(decide)).
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
    paths: "{{ plan.paths }}"
    diagnosed: "{{ diagnose_result.paths }}"
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
broken_paths:
  description: The items of O(paths) whose probe failed (to diagnose), in order.
  returned: step=triage with O(paths)
  type: list
  elements: dict
  sample: [{name: host01 -> db01, source: host01, target_ip: 192.0.2.20}]
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
remediate_paths:
  description: The items of O(paths) to remediate now (the C(remediate_paths) of the C(vmnet.doctor.remediate) role).
  returned: step=decide with O(paths)
  type: list
  elements: dict
  sample: [{name: host01 -> db01, source: host01, target_ip: 192.0.2.20}]
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
  returned: every step but paths and report
  type: dict
  sample: {version: 1, paths: {}, last_run: {}}
now:
  description: Unix time the decision used.
  returned: every step but paths and report
  type: float
  sample: 1795791600.0
state_file:
  description: The state file.
  returned: every step but paths and report
  type: str
  sample: /var/lib/vmnet-doctor/schedule-state.json
outcomes:
  description: The outcomes recorded, C(key), C(result) (C(fixed) or C(failed)) and C(hosts).
  returned: step=record
  type: list
  elements: dict
  sample: [{key: host01 -> db01, result: fixed, hosts: [db01]}]
paths:
  description:
    - For V(paths), the configured paths, each with its C(name) (the key in the state, reports and metrics),
      narrowed to O(only).
    - For V(report), one report entry per path, in order (the diagnosis entry with C(schedule), or an
      C(ok) or C(unexplained) entry with a C(scheduled.probe) check), with the fixes when remediated.
  returned: step=paths, step=report
  type: list
  elements: dict
  sample: [{name: web01, source: host01, target_ip: 192.0.2.20}]
targets:
  description: The target addresses each source host pings in the cheap probe.
  returned: step=paths
  type: dict
  sample: {host01: [192.0.2.20]}
probes:
  description: "The cheap probe results by source host, C({host: {forward: [...]}})."
  returned: step=report
  type: dict
  sample: {}
remediation:
  description: Per remediated path, C(result), C(reachable_after) and C(fixes).
  returned: step=report
  type: dict
  sample: {}
'''
