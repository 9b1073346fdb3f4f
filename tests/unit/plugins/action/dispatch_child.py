# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ``fixer_dispatch.run_action_fixer`` in a fresh interpreter whose collection loader is set
up the way ``ansible-playbook`` sets it up (``init_plugin_loader`` before anything imports
``ansible_collections``), so the real ``action_loader`` resolves ``vmnet.doctor.*``. The pytest
process cannot do that: tests/conftest.py has already imported the collection from the source tree.

Usage: python dispatch_child.py COLLECTIONS_PATH SPEC_JSON -> prints one JSON document
{"result": ..., "scripts": [...], "caller": {...}, "rollback": [calls, reason]} or {"error": msg}.
SPEC: {module, args, check, diff, reads: ["raw"|"enabled", ...], change_rc}.
"""
import base64
import json
import os
import sys

from ansible.plugins.loader import init_plugin_loader


def decode(command):
    parts = command.split()
    return base64.b64decode(parts[-1]).decode('utf-16-le')


class Wire(object):
    """Connection.exec_command stand-in: recorded read documents, {"applied": 1} or rc 1 for changes."""

    def __init__(self, reads, change_rc):
        self.reads, self.change_rc, self.scripts = list(reads), change_rc, []

    def __call__(self, cmd, in_data=None, sudoable=True):
        script = decode(cmd)
        self.scripts.append(script)
        if 'ConvertTo-Json -InputObject $out' in script:
            doc = self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]
            return 0, json.dumps(doc).encode(), b''
        if self.change_rc:
            return 1, b'', b'step 1: Access is denied.'
        return 0, b'{"applied":1}', b''


def main():
    collections_path, spec = sys.argv[1], json.loads(sys.argv[2])
    init_plugin_loader([collections_path])
    # Imported only now, through the collection loader.
    from ansible.errors import AnsibleActionFail
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play_context import PlayContext
    from ansible.playbook.task import Task
    from ansible.plugins.loader import action_loader, connection_loader
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import dispatch as fixer_dispatch

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'plugin_utils', 'windows'))
    import win_fixtures as W  # pylint: disable=import-error

    reads = [W.raw_host() if r == 'raw' else W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True')
             for r in spec.get('reads') or ['raw']]
    wire = Wire(reads, spec.get('change_rc', 0))
    conn = connection_loader.get(spec.get('connection', 'winrm'), PlayContext())
    conn.exec_command = wire
    task = Task()
    task.action = 'vmnet.doctor.run_fixer'
    task.args = {'calls': []}
    task.check_mode = False
    task.diff = False
    # The caller is the real run_fixer action plugin, loaded by the real loader.
    caller = action_loader.get('vmnet.doctor.run_fixer', task=task, connection=conn, play_context=PlayContext(),
                               loader=DataLoader(), templar=None, shared_loader_obj=None)
    try:
        result = fixer_dispatch.run_action_fixer(caller, spec['module'], spec.get('args') or {}, {},
                                                 spec.get('check', False), spec.get('diff', False))
    except AnsibleActionFail as exc:
        print(json.dumps({'error': str(exc.message), 'scripts': wire.scripts}))
        return
    rollback = fixer_registry.inverse(spec['module'], spec.get('args'), result)
    print(json.dumps({'result': result, 'scripts': wire.scripts, 'rollback': rollback,
                      'caller': {'action': caller._task.action, 'args': caller._task.args,
                                 'check_mode': caller._task.check_mode, 'diff': caller._task.diff,
                                 'class': type(caller).__module__}}, default=str))


if __name__ == '__main__':
    main()
