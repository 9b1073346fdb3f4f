# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side base for the Windows/Hyper-V action plugins.

Like ``ansible.windows.win_reboot``, the plugins send small PowerShell scripts (built in
``plugin_utils/windows/ps.py``) over the host's own connection (winrm or psrp): the script is
wrapped by the connection's shell plugin (``_encode_script``) and run with
``_low_level_execute_command``. Nothing is copied to the host. Every script prints one JSON
document; the decisions are taken in Python (``plugin_utils/windows``).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as wfacts
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import ps

WINDOWS_CONNECTIONS = ('winrm', 'psrp', 'ansible.builtin.winrm', 'ansible.builtin.psrp',
                       'ansible.windows.psrp')


class WindowsAction(ActionBase):
    """run_ps() and read_facts() for the vmnet.doctor Windows action plugins."""
    TRANSFERS_FILES = False
    _requires_connection = True

    def run_ps(self, script):
        """Run one script; return its parsed JSON output. AnsibleActionFail on rc != 0 or bad JSON."""
        shell = getattr(self._connection, '_shell', None)
        if shell is None or getattr(shell, 'SHELL_FAMILY', None) != 'powershell':
            raise AnsibleActionFail('%s needs a PowerShell connection (winrm or psrp); this host uses %s' % (
                self._task.action, getattr(self._connection, 'transport', 'unknown')))
        command = shell._encode_script(script, preserve_rc=False)
        res = self._low_level_execute_command(command, sudoable=False)
        stdout = to_text(res.get('stdout', '')).strip()
        stderr = to_text(res.get('stderr', '')).strip()
        if res.get('rc', 0) != 0:
            raise AnsibleActionFail('PowerShell failed (rc %s): %s' % (res.get('rc'), stderr or stdout),
                                    result={'rc': res.get('rc'), 'stderr': stderr, 'stdout': stdout})
        # Anything before the JSON document (a profile banner, a warning) is ignored.
        start = min([i for i in (stdout.find('{'), stdout.find('[')) if i >= 0] or [-1])
        try:
            return json.loads(stdout[start:]) if start >= 0 else None
        except ValueError as exc:
            raise AnsibleActionFail('PowerShell output is not JSON (%s): %s' % (exc, stdout[:500]))

    def read_facts(self, sections=ps.SECTIONS, peers=()):
        """Run the read script for these sections and return the normalised facts."""
        try:
            raw = self.run_ps(ps.collect_script(sections, peers))
            return wfacts.parse(raw, peers)
        except DoctorError as exc:
            raise AnsibleActionFail(exc.message)

    def apply(self, commands):
        """Send the change commands of a plan (never called in check mode)."""
        try:
            script = ps.change_script(commands)
        except DoctorError as exc:
            raise AnsibleActionFail(exc.message)
        return self.run_ps(script)

    def fix(self, task_vars, argument_spec, sections, planner, want_of=None):
        """The common run() of a fixer: validate, read, plan, apply (unless check mode), read again.

        The result is the one fixer shape (``plans.result_of``); after a real run ``after`` is the
        state read back, and a change that did not take (the plan on the new state is not
        empty) fails."""
        result = super(WindowsAction, self).run(None, task_vars)
        args = self.validate_argument_spec(argument_spec)[1]
        want = want_of(args) if want_of else args
        have = self.read_facts(sections)
        try:
            plan = planner(want, have)
        except DoctorError as exc:
            raise AnsibleActionFail(exc.message, result=exc.to_result())
        if plan['changes'] and not self._task.check_mode:
            self.apply(plan['commands'])
            try:
                facts = self.read_facts(sections)
                again = planner(want, facts)
            except DoctorError as exc:
                raise AnsibleActionFail('after the change: %s' % exc.message)
            observed = plans.observed(planner, plan, again, facts)
            if again['changes']:
                raise AnsibleActionFail('the change was applied but the host still differs: %s' % again['changes'],
                                        result=dict(plans.result_of(plan, observed), still_differs=again['changes']))
            result.update(plans.result_of(plan, observed))
        else:
            result.update(plans.result_of(plan))
        if self._task.diff:
            result['diff'] = {'before': result['before'], 'after': result['after']}
        return result
