#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: remediation
short_description: Plan, verify and report the fixes of a vmnet.doctor remediation run
version_added: 0.1.0
description:
  - Action plugin that runs on the controller and does no I/O on hosts; the C(vmnet.doctor.remediate)
    role calls it between the tasks that apply fixes and probe. All decisions are in
    C(plugins/plugin_utils/remediation/plan.py).
  - V(plan) turns the diagnosis into the ordered fix plan (along each path; identical fixes for several
    paths once), keeps the codes allowed by O(allow), reports manual findings, marks the fixes that need
    the management guard, and skips fixes on hosts whose lock was not taken.
  - V(next) says whether a fix is still needed; V(record) records a fix and the probes after it and
    returns the rollback calls when it made a path worse; V(rolled_back) records a rollback. V(wave),
    V(record_wave) and V(rolled_back_wave) do the same for a wave of fixes applied together (at most one
    fix per path, in path order, a guarded fix alone), which the role uses; V(pending)
    lists the fixes without effect to roll back (unless O(keep_partial)); V(finish) records the final
    end-to-end probes and writes the JSON and JUnit reports.
  - A fix is C(verified) when the path answers again (or a failing probe class now passes), C(rolled back)
    when it made a path worse, did not help, or cut the management connection (the guard restored it).
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  step:
    description: The step, see the description.
    type: str
    required: true
    choices: [locks, plan, next, record, rolled_back, wave, record_wave, rolled_back_wave, pending, finish]
  paths:
    description:
      - The remediate role's input paths (V(locks)); with O(result), the registered M(vmnet.doctor.host_lock) loop
        (one item per host, the host as loop variable), V(locks) returns C(locks) (per host) and C(give_back), the
        hosts to release now because none of their paths is wholly locked by this run (all or nothing per path).
    type: list
    elements: dict
  state:
    description: The run state returned by the previous step (all steps but V(plan)).
    type: dict
  diagnosis:
    description:
      - The C(paths) of M(vmnet.doctor.diagnose) (V(plan)) - one result per input path (the diagnose role's
        C(diagnose_result.paths)), or the engine's results of the paths not in O(skipped).
    type: list
    elements: dict
  inputs:
    description: The normalised input paths of the diagnose role (V(plan)).
    type: list
    elements: dict
  skipped:
    description: Input path indexes (as strings) that could not be diagnosed, with the reason (V(plan)).
    type: dict
  allow:
    description: Finding codes whose fixes may be applied; empty means every code with a safe automatic fix.
    type: list
    elements: str
  mgmt:
    description: Per host, the registered result of M(vmnet.doctor.mgmt_guard) with state V(status) (the management interface).
    type: dict
  locks:
    description: Per host, the registered result of M(vmnet.doctor.host_lock).
    type: dict
  extra_fixes:
    description: Fixes put before a path's own ones (C(path), C(host), C(module), C(args)); for tests.
    type: list
    elements: dict
  keep_partial:
    description: Keep fixes that did not restore or improve their path.
    type: bool
    default: false
  started:
    description: ISO 8601 time the run started (the clock of "time to verified reachability").
    type: str
  fix_id:
    description: The fix (V(next), V(record), V(rolled_back)).
    type: str
  result:
    description: The registered result of M(vmnet.doctor.run_fixer) (V(record), V(rolled_back), V(finish)), or of the
      M(vmnet.doctor.host_lock) loop (V(locks)).
    type: dict
  taken:
    description: >-
      V(locks) only, C({host: registered result}) of the M(vmnet.doctor.host_lock) each host of the
      paths ran itself (side by side, when no lock is waited for); skipped results are ignored.
    type: dict
  guard:
    description: The registered confirmation of M(vmnet.doctor.mgmt_guard), when the fix was guarded.
    type: dict
  reason:
    description: Why the fix was rolled back (V(rolled_back)).
    type: str
  probes:
    description: Registered M(vmnet.doctor.icmp_probe) loops, keys C(forward), C(forward_large), C(reverse).
    type: dict
  baseline:
    description: The diagnose role's probes per host (V(plan)).
    type: dict
  report_dir:
    description: Directory for the reports (V(finish)); no files without it.
    type: path
  report_name:
    description: Base name of the report files; C({timestamp}) becomes the UTC time.
    type: str
    default: vmnet-doctor-remediate-{timestamp}
  run:
    description: Run metadata copied into the JSON report.
    type: dict
  rediagnosis:
    description:
      - (V(record_wave)) the diagnosis paths after the wave, on VMware facts read again. A VMware fix
        that the new diagnosis no longer proposes is verified; one it still proposes is rolled back.
    type: list
    elements: dict
attributes:
  check_mode:
    support: full
    description: In check mode fixes are reported as C(would apply).
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: vmnet.doctor.run_fixer
  - module: vmnet.doctor.mgmt_guard
  - module: vmnet.doctor.host_lock
'''

EXAMPLES = r'''
- name: Plan the fixes from a diagnosis
  vmnet.doctor.remediation:
    step: plan
    inputs: "{{ paths }}"
    diagnosis: "{{ diagnosis.paths }}"
    allow: [ICMP_BLOCKED, GATEWAY_WRONG]
  register: plan
'''

RETURN = r'''
locks:
  description: (V(locks)) per host, its M(vmnet.doctor.host_lock) result; a host given back has C(acquired=false)
    and a C(msg) that says why.
  returned: when O(step=locks)
  type: dict
  sample: {"vm1": {"acquired": true, "run_id": "20261206T061500-abcd1234"}}
give_back:
  description: (V(locks)) the hosts to release now, none of whose paths this run holds whole.
  returned: when O(step=locks)
  type: list
  elements: str
  sample: ["hv"]
state:
  description: The run state to pass to the next step.
  returned: when O(step) is not V(locks)
  type: dict
  sample: {}
fixes:
  description: (V(plan)) the fixes to apply, in order, each with C(id), C(host), C(module), C(args), C(codes),
    C(paths), C(guard); (V(finish)) every fix with its C(status), C(reason), C(before), C(after), C(changes).
  returned: when O(step=plan) or O(step=finish)
  type: list
  elements: dict
  sample: [{"id": "fix1", "host": "vm1", "module": "vmnet.doctor.net_sysctl", "status": "verified",
            "args": {"name": "icmp_echo_ignore_all", "value": 0}, "codes": ["ICMP_IGNORED"], "guard": false}]
rollback:
  description: (V(record)) the calls that undo the fix now (it made a path worse); empty otherwise.
  returned: when O(step=record)
  type: list
  elements: dict
  sample: []
paths:
  description: (V(finish)) per path the findings (with status), fixes, probes before and after, C(result)
    (ok, restored, improved, broken, check) and C(seconds_to_reachable).
  returned: when O(step=finish)
  type: list
  elements: dict
  sample: [{"name": "host -> 10.0.0.11", "result": "restored", "seconds_to_reachable": 21.1}]
summary_lines:
  description: (V(finish)) one line per path.
  returned: when O(step=finish)
  type: list
  elements: str
  sample: ["RESTORED host -> 10.0.0.11 in 21.1 s: 1 verified"]
files:
  description: (V(finish)) the report files written.
  returned: when O(step=finish) and O(report_dir) is set
  type: dict
  sample: {"json": "reports/vmnet-doctor-remediate-20260101T120000Z.json",
           "junit": "reports/vmnet-doctor-remediate-20260101T120000Z.junit.xml"}
'''
