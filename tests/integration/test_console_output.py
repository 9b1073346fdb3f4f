# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The commands a user runs print no Python warnings the user did not cause.

ansible-core 2.19 imports cryptography's DSA classes when its CLI starts
(ansible/_internal/_ssh/_ssh_agent.py); cryptography 51 deprecated DSA and warns on that import,
so every ansible command printed a CryptographyDeprecationWarning. requirements.txt keeps
cryptography below 51 for that reason. The runs here use the virtual environment the tests run in
(made from requirements.txt) with no PYTHONWARNINGS of the caller, as a user's shell would.
"""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(sys.executable)
# "file.py:18: SomethingWarning: message" is how Python's warnings module prints
PY_WARNING = re.compile(r'^\S+:\d+: \w*Warning: .*$', re.M)


def run(argv):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.collections'), ANSIBLE_NOCOLOR='1',
               PATH=BIN_DIR + os.pathsep + os.environ.get('PATH', '/usr/bin:/bin'))
    for name in ('PYTHONWARNINGS', 'ANSIBLE_STDOUT_CALLBACK', 'ANSIBLE_CALLBACK_PLUGINS'):
        env.pop(name, None)
    proc = subprocess.run([os.path.join(BIN_DIR, argv[0])] + argv[1:], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=env, cwd=REPO, timeout=120, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def versions():
    out = []
    for dist in ('ansible-core', 'cryptography'):
        try:
            from importlib.metadata import version
            out.append('%s %s' % (dist, version(dist)))
        except Exception:  # pylint: disable=broad-except
            out.append('%s ?' % dist)
    return ', '.join(out)


@pytest.mark.parametrize('argv', [
    ['ansible-playbook', 'playbooks/diagnose.yml', '--syntax-check', '-i', 'localhost,'],
    ['ansible-playbook', 'playbooks/remediate.yml', '--syntax-check', '-i', 'localhost,'],
    ['ansible', 'localhost', '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=' + sys.executable,
     '-m', 'ansible.builtin.ping'],
    ['ansible-doc', 'vmnet.doctor.net_sysctl'],
], ids=['diagnose-syntax-check', 'remediate-syntax-check', 'ansible-ping-localhost', 'ansible-doc'])
def test_command_prints_no_python_warning(argv):
    rc, stdout, stderr = run(argv)
    assert rc == 0, stdout[-2000:] + stderr[-2000:]
    found = PY_WARNING.findall(stdout + '\n' + stderr)
    assert found == [], '%s printed Python warnings (%s; see requirements.txt):\n%s' % (
        ' '.join(argv), versions(), '\n'.join(found))
    assert 'DEPRECATION WARNING' not in stdout + stderr, stdout + stderr
