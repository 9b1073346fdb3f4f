#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: doctor_inputs
short_description: Check the variables and --limit of the diagnose and remediate playbooks before anything runs
version_added: 0.1.0
description:
  - Action plugin, run first by C(playbooks/diagnose.yml) and C(playbooks/remediate.yml) on the controller, before
    any lock is taken or any packet is sent.
  - Reads the C(doctor_*) variables of the play and fails, naming the variable, when one is not what the playbook
    needs - C(doctor_fail_on_broken=maybe) is not read as false, C(doctor_lock_timeout=abc) not as 0,
    C(doctor_allow) must list known finding codes, C(doctor_target_ip) must be an IP address.
  - Fails when C(--limit) leaves out C(localhost), where both playbooks plan, diagnose and report (the run would
    otherwise end with rc 0 having done nothing), or leaves out an inventory host named by the paths.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  playbook:
    description:
      - Which playbook's variables to check.
    type: str
    required: true
    choices: [diagnose, remediate]
attributes:
  check_mode:
    support: full
    description: Reads variables only.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - The checks are in C(plugins/plugin_utils/doctor_inputs.py). The play that runs this task targets
    C(all:localhost) so that it still runs when C(--limit) leaves out localhost.
seealso:
  - module: vmnet.doctor.diagnose
'''

EXAMPLES = r'''
- name: Check the command-line variables before anything runs
  vmnet.doctor.doctor_inputs:
    playbook: remediate
  run_once: true
  delegate_to: localhost
'''

RETURN = r'''
values:
  description: The variables that were given, normalised (booleans, integers, upper-case codes, canonical addresses).
  returned: success
  type: dict
  sample: {doctor_fail_on_broken: true, doctor_lock_timeout: 60, doctor_allow: [ICMP_BLOCKED]}
'''
