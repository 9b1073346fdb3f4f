# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the vmnet.doctor.icmp_probe or net_facts action plugin, loaded by FQCN through the real
action loader (set up the way ``ansible-playbook`` sets it up, as dispatch_child.py explains), on a
real winrm/psrp connection plugin whose ``exec_command`` answers with recorded documents.

Usage: python twin_child.py COLLECTIONS_PATH SPEC_JSON -> prints one JSON document
{"result": ..., "scripts": [...], "twin": class module} or {"error": msg, "scripts": [...]}.
SPEC: {action: icmp_probe|net_facts, args, connection, probe: recorded probe document, check}.
"""
import base64
import json
import os
import sys

from ansible.plugins.loader import init_plugin_loader


class Wire(object):
    """Connection.exec_command stand-in: the recorded probe document for the probe script, the
    recorded host (win_fixtures.raw_host) for the read script; records every script."""

    def __init__(self, probe, host):
        self.probe, self.host, self.scripts = probe, host, []

    def __call__(self, cmd, in_data=None, sudoable=True):
        script = base64.b64decode(cmd.split()[-1]).decode('utf-16-le')
        self.scripts.append(script)
        if 'System.Net.NetworkInformation.Ping' in script:
            return 0, json.dumps(self.probe).encode(), b''
        return 0, json.dumps(self.host).encode(), b''


def main():
    collections_path, spec = sys.argv[1], json.loads(sys.argv[2])
    init_plugin_loader([collections_path])
    from ansible.errors import AnsibleActionFail
    from ansible.parsing.dataloader import DataLoader
    from ansible.playbook.play_context import PlayContext
    from ansible.playbook.task import Task
    from ansible.plugins.loader import action_loader, connection_loader

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'plugin_utils', 'windows'))
    import win_fixtures as W  # pylint: disable=import-error

    wire = Wire(spec.get('probe'), W.raw_host())
    conn = connection_loader.get(spec.get('connection', 'winrm'), PlayContext())
    conn.exec_command = wire
    fqcn = 'vmnet.doctor.' + spec['action']
    task = Task()
    task.action = fqcn
    task.args = spec.get('args') or {}
    task.check_mode = spec.get('check', False)
    task.diff = False
    action = action_loader.get(fqcn, task=task, connection=conn, play_context=PlayContext(), loader=DataLoader(),
                               templar=None, shared_loader_obj=None)
    try:
        result = action.run(task_vars={})
    except AnsibleActionFail as exc:
        print(json.dumps({'error': str(exc.message), 'scripts': wire.scripts}))
        return
    print(json.dumps({'result': result, 'scripts': wire.scripts, 'class': type(action).__module__}, default=str))


if __name__ == '__main__':
    main()
