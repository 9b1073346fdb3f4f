# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side steps of a remediation run; every decision is in plugin_utils/remediation/plan.py.

``step``: ``locks`` (keep the locks of the paths locked whole), ``plan`` (diagnosis -> fix plan and run state), ``next`` (is the fix still needed),
``record`` (an applied fix and the probes after it -> verified / roll back now), ``rolled_back``,
``pending`` (fixes without effect to roll back), ``finish`` (final probes -> per-path result,
JSON and JUnit reports written, summary lines).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.plugin_utils import ansiballz
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import plan as R
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import verdict
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.action.doctor_report import collection_version, write_atomic

ARGUMENT_SPEC = dict(
    step=dict(type='str', required=True, choices=['locks', 'plan', 'next', 'record', 'rolled_back', 'wave',
                                                  'record_wave', 'rolled_back_wave', 'pending', 'finish']),
    paths=dict(type='list', elements='dict'),
    state=dict(type='dict'),
    diagnosis=dict(type='list', elements='dict'),
    inputs=dict(type='list', elements='dict'),
    skipped=dict(type='dict'),
    allow=dict(type='list', elements='str'),
    mgmt=dict(type='dict'),
    locks=dict(type='dict'),
    extra_fixes=dict(type='list', elements='dict'),
    keep_partial=dict(type='bool', default=False),
    persist=dict(type='bool', default=False),
    started=dict(type='str'),
    fix_id=dict(type='str'),
    result=dict(type='dict'),
    taken=dict(type='dict'),
    guard=dict(type='dict'),
    reason=dict(type='str'),
    probes=dict(type='dict'),
    baseline=dict(type='dict'),
    report_dir=dict(type='path'),
    report_name=dict(type='str', default='vmnet-doctor-remediate-{timestamp}'),
    run=dict(type='dict'),
    rediagnosis=dict(type='list', elements='dict'),
)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _view(state, probes):
    probes = probes or {}
    return R.probe_view(state['paths'], probes.get('forward'), probes.get('forward_large'),
                        probes.get('reverse'), state.get('source_addresses'))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        try:
            result.update(self._step(args, task_vars))
        except DoctorError as e:
            raise AnsibleActionFail('remediation %s: %s' % (args['step'], e.message))
        result['changed'] = False
        return result

    def _step(self, a, task_vars=None):
        step = a['step']
        if step == 'locks':
            locks, give_back = R.whole_path_locks(a['paths'], a['result'], a['taken'])
            return {'locks': locks, 'give_back': give_back}
        if step == 'plan':
            paths = R.paths_of_diagnosis(a['inputs'], a['diagnosis'], a['skipped'])
            plan = R.build_plan(paths, a['allow'], a['mgmt'] or {}, a['extra_fixes'])
            sources = R.source_addresses(plan['paths'], a['baseline'])
            reg = R.baseline_registered(a['baseline'])
            baseline = R.probe_view(plan['paths'], reg['forward'], reg['forward_large'], reg['reverse'], sources)
            state = R.new_state(plan, baseline, a['started'] or _now(), a['keep_partial'],
                                check_mode=self._task.check_mode)
            state['source_addresses'] = sources
            if a['persist']:   # doctor_persist: the fixers that can write the host's configuration do
                for f in state['fixes']:
                    if (fixer_registry.entry(f['module']) or {}).get('persist'):
                        f['args']['persist'] = True
            locks = a['locks'] or {}
            for f in state['fixes']:
                # all or nothing per path: every host of every path of the fix must be locked by this run
                hosts = [f['host']]
                for i in f['paths']:
                    hosts += [state['paths'][i].get(k) for k in ('source', 'target_host', 'hypervisor')]
                hosts = [h for h in hosts if h]
                unlocked = [h for h in dict.fromkeys(hosts) if not (locks.get(h) or {}).get('acquired')]
                if unlocked and not self._task.check_mode:
                    R.skip_fix(state, f['id'], 'host not locked: %s' % '; '.join(
                        '%s: %s' % (h, (locks.get(h) or {}).get('msg') or 'lock not taken') for h in unlocked))
            # the fixers' payloads are built in the background while the run picks the first wave
            ansiballz.prebuild(self, [R.short_module(f['module']) for f in state['fixes'] if f['status'] == 'planned'
                                      and (fixer_registry.entry(f['module']) or {}).get('runs') != 'action'],
                               task_vars or {})
            return {'state': state, 'fixes': [f for f in state['fixes'] if f['status'] == 'planned'],
                    'plan': plan, 'probe_all': R.probe_targets(state)}
        state = a['state']
        if state is None:
            raise DoctorError('state is required')
        if step == 'next':
            return dict(R.next_fix(state, a['fix_id']), state=state)
        if step == 'record':
            view = _view(state, a['probes'])
            state, action = R.record_fix(state, a['fix_id'], a['result'], view, _now(), a['guard'])
            return {'state': state, 'rollback': action['rollback'], 'reason': action['reason']}
        if step == 'rolled_back':
            view = _view(state, a['probes']) if a['probes'] else None
            res = (a['result'] or {}).get('results') or ([a['result']] if a['result'] else [])
            return {'state': R.record_rollback(state, a['fix_id'], res, view, _now(), a['reason'] or 'rolled back')}
        if step == 'wave':
            return dict(R.next_wave(state), state=state)
        if step == 'record_wave':
            state, rollbacks, probe = R.record_wave(state, a['result'], _view(state, a['probes']), _now(), a['guard'],
                                                    rediagnosis=a['rediagnosis'])
            return {'state': state, 'rollbacks': rollbacks, 'probe': probe}
        if step == 'rolled_back_wave':
            view = _view(state, a['probes']) if a['probes'] else None
            return {'state': R.rolled_back_wave(state, a['result'], view, _now())}
        if step == 'pending':
            return {'state': state, 'pending': R.pending_rollbacks(state)}
        # finish: record the rollbacks of fixes without effect, then the final probes
        for item in (a['result'] or {}).get('results') or []:
            fix = R.loop_item_of(item) or {}
            if fix.get('id') and not item.get('skipped'):
                R.record_rollback(state, fix['id'], item.get('results') or [item], None, _now(),
                                  'did not restore or improve the path')
        done = R.finish(state, _view(state, a['probes']), _now())
        out = {'state': state, 'paths': done['paths'], 'fixes': done['fixes'],
               'summary_lines': report.remediation_summary_lines(done['paths'], check_mode=state['check_mode'])}
        if a['report_dir']:
            out['files'] = self._write(a, done)
        # The verdict diagnose.yml would give: only ok and restored paths are OK (verdict.REMEDIATION_OK).
        out['broken'] = any(p['result'] not in verdict.REMEDIATION_OK + ('check',) for p in done['paths'])
        return out

    def _write(self, a, done):
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        name = a['report_name'].replace('{timestamp}', now.strftime('%Y%m%dT%H%M%SZ'))
        if not name or os.sep in name or name in ('.', '..'):
            raise AnsibleActionFail('report_name %r must be a plain file name' % a['report_name'])
        files = {'json': os.path.join(a['report_dir'], name + '.json'),
                 'junit': os.path.join(a['report_dir'], name + '.junit.xml')}
        try:
            os.makedirs(a['report_dir'], exist_ok=True)
            doc = report.remediation_report(done['paths'], generated_at=now.isoformat(),
                                            collection_version=collection_version(), run=a['run'],
                                            check_mode=a['state']['check_mode'], started=a['state']['started'])
            write_atomic(files['json'], report.render_json(doc))
            write_atomic(files['junit'], report.remediation_junit_xml(done['paths'], timestamp=now.isoformat()))
        except (IOError, OSError) as e:
            raise AnsibleActionFail('cannot write report in %s: %s' % (a['report_dir'], to_native(e)))
        return files
