# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ICMP echo probes from a Windows host (see plugins/modules/win_icmp_probe.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import probe as linux
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import probe, ps
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.action import WindowsAction

ARGUMENT_SPEC = dict(
    targets=dict(type='list', elements='str', required=True),
    count=dict(type='int', default=3),
    interval=dict(type='float', default=0.2),
    timeout=dict(type='float', default=1.0),
    size=dict(type='int', default=56),
    dont_fragment=dict(type='bool', default=False),
    ip_version=dict(type='str', choices=['auto', 'ipv4', 'ipv6'], default='auto'),
    mtu_sized=dict(type='bool', default=False),
    path_mtu=dict(type='bool', default=False),
    path_mtu_max=dict(type='int', default=1500),
    until_reply=dict(type='bool', default=False),
    onlink_timeout=dict(type='float'),
    expected_rtt=dict(type='dict'),
    large=dict(type='dict', options=dict(
        targets=dict(type='list', elements='str'),
        size=dict(type='int', default=0),
    )),
)


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        try:
            probe.validate(args)
            bigger = linux.large_targets(args)
            script = ps.probe_script(**probe.script_args(args))
        except DoctorError as exc:
            raise AnsibleActionFail(exc.message, result=exc.to_result())
        raw = self.run_ps(script)
        try:
            result.update(probe.parse(raw, args))
            answered = [r['target'] for r in result['results'] if r['reachable']]
            large = [t for t in bigger or [] if t in answered]
        except DoctorError as exc:
            raise AnsibleActionFail(exc.message, result=exc.to_result())
        if bigger is not None:
            # The large probe of the targets that answered: one more script run (the host's own Ping class)
            large_args = dict(args, targets=large, path_mtu=False, until_reply=False, **linux.large_options(args))
            parsed = {'results': [], 'reachable_all': True}
            if large:
                try:
                    parsed = probe.parse(self.run_ps(ps.probe_script(**probe.script_args(large_args))), large_args)
                except DoctorError as exc:
                    raise AnsibleActionFail(exc.message, result=exc.to_result())
            result['large'] = parsed
        result['changed'] = False
        return result
