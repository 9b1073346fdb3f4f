# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench-only callback: the run's own timing records, one JSON file per ansible-playbook run.

Enabled by the benches (bench/phases.py) through ANSIBLE_CALLBACK_PLUGINS and
ANSIBLE_CALLBACKS_ENABLED=phase_timing; writes to $VMNET_DOCTOR_TIMING_OUT at the end of the run:
``{"tasks": [{"play", "task", "start", "hosts": {host: [end, status]}}], "end"}`` (epoch seconds).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: phase_timing
    type: aggregate
    short_description: record task start and per-host result times (benchmarks only)
    description: Writes the start time of every task and the time of every host result to the file
      named by the VMNET_DOCTOR_TIMING_OUT environment variable.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'phase_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.play = None
        self.tasks = []

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.tasks.append({'play': self.play, 'task': task.get_name(), 'start': time.time(), 'hosts': {}})

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _result(self, result, status):
        if self.tasks:
            self.tasks[-1]['hosts'][result._host.get_name()] = [time.time(), status]

    def v2_runner_on_ok(self, result):
        self._result(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._result(result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        out = os.environ.get('VMNET_DOCTOR_TIMING_OUT')
        if out:
            with open(out, 'w') as handle:
                json.dump({'tasks': self.tasks, 'end': time.time()}, handle)
