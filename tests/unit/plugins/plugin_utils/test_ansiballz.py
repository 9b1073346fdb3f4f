# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/ansiballz.py with the real ansible-core builder, in a child interpreter set up like
ansible-playbook (ansiballz_child.py): the payloads land in the run's cache under the name the run
looks them up by, and ansible-core then uses them instead of building again."""
import base64
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
FQN = 'ansible_collections.vmnet.doctor.plugins.modules.'


def child(tmp_path, how, names, env=None):
    out = subprocess.run([sys.executable, os.path.join(HERE, 'ansiballz_child.py'), os.path.join(ROOT, '.collections'),
                          str(tmp_path), json.dumps({'how': how, 'names': names})],
                         capture_output=True, text=True, check=False, timeout=120, env=dict(os.environ, **(env or {})))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_build_writes_the_payload_ansible_core_looks_up(tmp_path):
    out = child(tmp_path, 'build', ['host_lock', 'no_such_module'])
    assert out['built'] == ['host_lock'] and out['missing'] == ['no_such_module']
    assert out['files'] == [FQN + 'host_lock-ZIP_DEFLATED-none']
    with open(os.path.join(str(tmp_path), 'ansiballz_cache', out['files'][0]), 'rb') as f:
        cached = pickle.load(f)
    # the payload carries the module and the module_utils it imports
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(cached.zip_data))).namelist()
    assert 'ansible_collections/vmnet/doctor/plugins/modules/host_lock.py' in names
    assert 'ansible_collections/vmnet/doctor/plugins/module_utils/linux/lock.py' in names


def test_prebuild_builds_in_the_background_and_can_be_turned_off(tmp_path):
    on = child(tmp_path / 'on', 'prebuild', ['icmp_probe', 'net_facts'])
    assert on['started'] is True and on['missing'] == []
    assert on['files'] == [FQN + 'icmp_probe-ZIP_DEFLATED-none', FQN + 'net_facts-ZIP_DEFLATED-none']
    off = child(tmp_path / 'off', 'prebuild', ['icmp_probe'], env={'VMNET_DOCTOR_PREBUILD': '0'})
    assert off == {'started': False, 'missing': ['icmp_probe'], 'files': []}


def test_a_build_that_outlives_its_run_builds_nothing_and_leaves_no_directory(tmp_path):
    out = child(tmp_path / 'run', 'build_after_run', ['host_lock'])
    assert out == {'built': [], 'local_tmp_left': False}


@pytest.mark.parametrize('action', [object(), None])
def test_prebuild_without_a_module_loader_starts_nothing(action):
    from ansible_collections.vmnet.doctor.plugins.plugin_utils import ansiballz
    assert ansiballz.prebuild(action, ['icmp_probe'], {}) is False
