# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: vmnet_json
type: stdout
short_description: Print the whole run as one JSON document (test helper)
description:
  - Used by the vmnet.doctor integration tests (tests/integration/conftest.py), for C(ansible)
    ad hoc runs and for C(ansible-playbook).
  - The document has the shape of the ansible.posix.json callback output (that collection is not
    a dependency here), a C(plays) list of C(play) and C(tasks), each task with C(task) and a
    C(hosts) mapping of host name to RESULT, and a C(stats) mapping of host name to the counters
    C(ok), C(changed), C(failures), C(unreachable), C(skipped), C(rescued) and C(ignored).
  - RESULT is the task result without Ansible-internal C(_ansible_*) keys, with C(diff),
    C(warnings), C(exception) and C(invocation) kept.
version_added: 0.1.0
author: vmnet.doctor contributors (@vmnet-doctor)
"""

import json

from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import module_response_deepcopy, strip_internal_keys


def _plain(value):
    """Make a result JSON-serialisable (tagged strings, sets, dates)."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


class CallbackModule(CallbackBase):
    """Collect every task result; print one JSON document at the end of the run."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'vmnet_json'

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self.results = []

    def _new_play(self, play):
        self.results.append({'play': {'name': play.get_name(), 'id': str(play._uuid)}, 'tasks': []})

    def _new_task(self, task):
        if not self.results:
            self.results.append({'play': {'name': '', 'id': ''}, 'tasks': []})
        self.results[-1]['tasks'].append({
            'task': {'name': task.get_name(), 'id': str(task._uuid), 'action': task.action},
            'hosts': {}})

    def v2_playbook_on_play_start(self, play):
        self._new_play(play)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._new_task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._new_task(task)

    def _record(self, result, **flags):
        if not self.results or not self.results[-1]['tasks']:
            self._new_task(result._task)
        data = strip_internal_keys(module_response_deepcopy(result._result))
        data.update(flags)
        self.results[-1]['tasks'][-1]['hosts'][result._host.get_name()] = _plain(data)

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, failed=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        summary = {}
        for host in sorted(stats.processed):
            summary[host] = stats.summarize(host)
        output = {'plays': self.results, 'stats': summary}
        custom = getattr(stats, 'custom', None)
        if custom:
            output['custom_stats'] = _plain(custom)
        self._display.display(json.dumps(output, indent=2, sort_keys=True))
