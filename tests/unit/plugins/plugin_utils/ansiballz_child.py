# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Child interpreter of test_ansiballz.py, set up like ansible-playbook: the real plugin loader
with the collection, the run's local temporary directory given by the test. Prints one JSON line."""
import json
import os
import subprocess
import sys
import time
import types

from ansible.plugins.loader import init_plugin_loader


def main():
    collections_path, local_tmp, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    init_plugin_loader([collections_path])
    from ansible import constants as C
    from ansible.plugins import loader
    os.makedirs(local_tmp, exist_ok=True)      # the run's directory, made at its start
    C.DEFAULT_LOCAL_TMP = local_tmp
    from ansible_collections.vmnet.doctor.plugins.plugin_utils import ansiballz
    from ansible.template import Templar
    from ansible.parsing.dataloader import DataLoader
    action = types.SimpleNamespace(_shared_loader_obj=types.SimpleNamespace(module_loader=loader.module_loader),
                                   _templar=Templar(loader=DataLoader()))
    task_vars = {'ansible_python_interpreter': sys.executable}
    compression = C.config.get_config_value('DEFAULT_MODULE_COMPRESSION')
    out = {}
    if spec['how'] == 'build':
        out['built'] = ansiballz.build(action, spec['names'], task_vars)
    elif spec['how'] == 'build_after_run':      # the run's process has ended (and removed its directory)
        ended = subprocess.Popen([sys.executable, '-c', 'pass'])
        ended.wait()
        out['built'] = ansiballz.build(action, spec['names'], task_vars, run_pid=ended.pid)
        out['local_tmp_left'] = os.path.exists(local_tmp)
        print(json.dumps(out))
        return
    else:
        out['started'] = ansiballz.prebuild(action, spec['names'], task_vars)
        deadline = time.time() + 60
        while out['started'] and ansiballz.missing(spec['names'], compression) and time.time() < deadline:
            time.sleep(0.05)
    out['missing'] = ansiballz.missing(spec['names'], compression)
    out['files'] = sorted(f for f in os.listdir(ansiballz.cache_dir()) if not f.endswith('.lock')) \
        if os.path.isdir(ansiballz.cache_dir()) else []
    print(json.dumps(out))


if __name__ == '__main__':
    main()
