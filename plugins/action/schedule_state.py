# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scheduled-run decisions with a persisted state file on the controller.

The decisions and the playbook's data shaping are pure (``plugin_utils/reporting/schedule.py``); this
plugin adds the clock and the inventory, reads the state file and writes it back atomically
(not in check mode). The steps ``paths`` and ``report`` neither read nor write the state.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.action.doctor_report import write_atomic
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import schedule

ARGUMENT_SPEC = dict(
    state_file=dict(type='path'),
    step=dict(type='str', choices=['paths', 'read', 'triage', 'decide', 'record', 'report'], required=True),
    paths=dict(type='list', elements='dict'),
    only=dict(type='list', elements='str', default=[]),
    results=dict(type='dict'),
    probes=dict(type='list', elements='dict'),
    diagnosed=dict(type='list', elements='dict'),
    remediated=dict(type='list', elements='dict'),
    outcomes=dict(type='list', elements='dict'),
    ok=dict(type='list', elements='str'),
    actions=dict(type='list', elements='dict'),
    settings=dict(type='dict'),
    now=dict(type='float'),
)
PURE_STEPS = ('paths', 'report')


def read_state(path):
    try:
        with open(path) as f:
            return schedule.load_state(json.load(f))
    except (IOError, OSError, ValueError):
        return schedule.empty_state()


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        step = args['step']
        if step in PURE_STEPS:
            try:
                result.update(self._pure(step, args, task_vars or {}))
            except schedule.ScheduleError as e:
                raise AnsibleActionFail('schedule %s: %s' % (step, to_native(e)))
            result['changed'] = False
            return result
        now = args['now'] if args['now'] is not None else time.time()
        path = args['state_file']
        if not path:
            raise AnsibleActionFail('schedule %s: state_file is required' % step)
        state = read_state(path) if os.path.exists(path) else schedule.empty_state()
        try:
            if step == 'read':
                new = state
            elif step == 'triage':
                probes = args['probes']
                if probes is None:
                    probes = schedule.probe_items(args['paths'] or [], args['results'])
                out, new = schedule.triage(state, probes, now, args['settings'])
                result.update(ok=out['ok'], broken=out['broken'])
                if args['paths'] is not None:
                    result['broken_paths'] = schedule.paths_named(args['paths'], out['broken'])
            elif step == 'decide':
                actions, new = schedule.decide(state, args['diagnosed'] or [], now, args['settings'])
                result['actions'] = actions
                for name in schedule.ACTIONS:
                    result[name] = [a['key'] for a in actions if a['action'] == name]
                if args['paths'] is not None:
                    result['remediate_paths'] = schedule.paths_named(args['paths'], result['remediate'])
            else:
                outcomes = args['outcomes']
                if outcomes is None:
                    outcomes = schedule.outcomes(args['remediated'])
                new = schedule.record(state, outcomes, now)
                result['outcomes'] = outcomes
        except (schedule.ScheduleError, KeyError, TypeError) as e:
            raise AnsibleActionFail('schedule %s: %s' % (step, to_native(e)))
        if step != 'read' and not self._task.check_mode:
            try:
                directory = os.path.dirname(path) or '.'
                if not os.path.isdir(directory):
                    os.makedirs(directory, mode=0o755)
                write_atomic(path, json.dumps(new, indent=2, sort_keys=True) + '\n')
            except (IOError, OSError) as e:
                raise AnsibleActionFail('cannot write the state file %s: %s' % (path, to_native(e)))
        result.update(changed=False, state=new, now=now, state_file=path)
        return result

    def _pure(self, step, args, task_vars):
        if step == 'paths':
            known = list((task_vars.get('groups') or {}).get('all') or [])
            paths = schedule.configured_paths(args['paths'] or [], args['only'], known)
            return {'paths': paths, 'targets': schedule.probe_targets(paths)}
        return schedule.run_report(args['paths'] or [], args['results'], args['diagnosed'], args['remediated'],
                                   args['ok'], args['actions'])
