#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: doctor_report
short_description: Write the diagnosis reports (JSON and JUnit XML) on the controller
version_added: 0.1.0
description:
  - Action plugin that renders the result of M(vmnet.doctor.diagnose) as a JSON report (paths, findings
    with their code, host and object, probes, timings, collection version, generation time) and a JUnit
    XML file (one test suite per path, one test case per check; a failing case carries the finding code,
    its message and the proposed fix; skipped checks are C(skipped)).
  - Files are written on the controller into I(report_dir), each through a temporary file in the same
    directory renamed over the target, so a reader never sees a half-written report.
  - "Returns one summary line per path, C(OK  <source> -> <target>) or
    C(BROKEN at <layer> on <host>: <evidence> → <proposed fix>  [<source> -> <target>]), with
    C((+N more)) when a path has several findings, or C(UNEXPLAINED <source> -> <target>: <why>)
    when the VM does not answer and no check explains it."

  - Never touches a managed host.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  diagnosis:
    description:
      - The registered result of M(vmnet.doctor.diagnose) (a dictionary with a C(paths) list).
    type: dict
    required: true
  report_dir:
    description:
      - Directory on the controller that receives the reports; created when missing.
    type: path
    required: true
  report_name:
    description:
      - Base file name of the reports, without extension. C({timestamp}) is replaced by the UTC
        time of the run (C(20260127T153000Z)). The JSON report is C(<report_name>.json), the JUnit
        file C(<report_name>.junit.xml).
    type: str
    default: vmnet-doctor-{timestamp}
  formats:
    description:
      - Which reports to write.
    type: list
    elements: str
    choices: [json, junit]
    default: [json, junit]
  probes:
    description:
      - Probe results to include in the JSON report, as collected (for example a dictionary host to
        M(vmnet.doctor.icmp_probe) results).
    type: raw
  timings:
    description:
      - Durations or timestamps of the run phases to include in the JSON report.
    type: dict
  run:
    description:
      - Free-form description of the run (inventory, playbook, inputs) to include in the JSON report.
    type: dict
  fail_on_broken:
    description:
      - Fail the task (after writing the reports) when any path is broken or not reachable without an
        explanation. Use it in pipelines.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports are written in check mode too; no managed host is touched.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Runs on the controller only, whatever host the task targets.
seealso:
  - module: vmnet.doctor.icmp_probe
'''

EXAMPLES = r'''
- name: Diagnose the paths
  vmnet.doctor.diagnose:
    paths: "{{ paths }}"
  register: diagnosis

- name: Write the reports and fail the pipeline on a broken path
  vmnet.doctor.doctor_report:
    diagnosis: "{{ diagnosis }}"
    report_dir: "{{ playbook_dir }}/reports"
    fail_on_broken: true
  register: doctor_report

- name: Show the summary
  ansible.builtin.debug:
    msg: "{{ doctor_report.summary_lines }}"
'''

RETURN = r'''
files:
  description: Report files written, by format.
  returned: success
  type: dict
  sample: {json: /srv/reports/vmnet-doctor-20260127T153000Z.json,
           junit: /srv/reports/vmnet-doctor-20260127T153000Z.junit.xml}
summary_lines:
  description: One line per path, in the order of the diagnosis.
  returned: always
  type: list
  elements: str
  sample:
    - "OK  hostA -> 192.0.2.20"
    - "BROKEN at firewall on vm2: echo-request dropped by nftables inet filter input → icmp_rule on vm2 state=absent  [hostA -> 192.0.2.21]"
totals:
  description: Count of paths per state (ok, broken, unexplained) and of findings.
  returned: always
  type: dict
  sample: {paths: 2, ok: 1, broken: 1, unexplained: 0, findings: 1}
broken:
  description: True when any path is broken or unreachable without an explanation.
  returned: always
  type: bool
  sample: true
'''
