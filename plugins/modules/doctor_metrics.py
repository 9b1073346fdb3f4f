#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: doctor_metrics
short_description: Export a vmnet.doctor report as Prometheus metrics (textfile collector format)
version_added: 0.1.0
description:
  - Action plugin. Renders the JSON report of a diagnosis or scheduled run (and the scheduled-run
    state file) as Prometheus text exposition for the node_exporter textfile collector, and writes
    it atomically (temporary file in the same directory renamed over I(dest)).
  - Per path (labels C(path), C(source), C(target)) C(vmnet_doctor_path_reachable),
    C(vmnet_doctor_path_loss_ratio), C(vmnet_doctor_path_rtt_seconds), C(vmnet_doctor_path_mtu_bytes),
    C(vmnet_doctor_path_ok); per finding code C(vmnet_doctor_findings); from the state per path
    C(vmnet_doctor_remediation_last_timestamp_seconds), C(vmnet_doctor_remediation_last_success),
    C(vmnet_doctor_remediations_total), C(vmnet_doctor_path_escalated); per run
    C(vmnet_doctor_run_timestamp_seconds), C(vmnet_doctor_run_paths), C(vmnet_doctor_run_hosts_changed),
    C(vmnet_doctor_run_lock_busy).
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  report:
    description: The JSON report as a dictionary. Exactly one of I(report) and I(report_file).
    type: dict
  report_file:
    description: Path of the JSON report on the controller.
    type: path
  state:
    description: Scheduled-run state (see M(vmnet.doctor.schedule_state)) as a dictionary.
    type: dict
  state_file:
    description: Path of the scheduled-run state file on the controller.
    type: path
  lock_busy:
    description: Export C(vmnet_doctor_run_lock_busy) with this value.
    type: bool
  dest:
    description:
      - File to write, for example C(/var/lib/prometheus/node-exporter/vmnet_doctor.prom); its name
        must end in C(.prom) for the textfile collector to read it.
    type: path
    required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    description: The file is written in check mode too; no managed host is touched.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Runs on the controller only, whatever host the task targets.
seealso:
  - module: vmnet.doctor.doctor_report
'''

EXAMPLES = r'''
- name: Export the metrics for node_exporter
  vmnet.doctor.doctor_metrics:
    report_file: "{{ doctor_report.files.json }}"
    state_file: /var/lib/vmnet-doctor/schedule-state.json
    dest: /var/lib/prometheus/node-exporter/vmnet_doctor.prom
'''

RETURN = r'''
dest:
  description: The file written.
  returned: success
  type: str
  sample: /var/lib/prometheus/node-exporter/vmnet_doctor.prom
families:
  description: Metric families written.
  returned: success
  type: list
  elements: str
  sample: [vmnet_doctor_path_reachable, vmnet_doctor_findings]
samples:
  description: Number of samples written.
  returned: success
  type: int
  sample: 12
'''
