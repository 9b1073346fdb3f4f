# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fixer modules take their shared attributes (check_mode, diff_mode, platform) from the doc
fragment plugins/doc_fragments/attributes.py, and ``ansible-doc`` still renders them."""
import glob
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(sys.executable)
FRAGMENT = re.compile(r'^  - vmnet\.doctor\.attributes\.platform_(\w+)$', re.M)


def modules_using_the_fragment():
    out = {}
    for path in sorted(glob.glob(os.path.join(REPO, 'plugins', 'modules', '*.py'))):
        with open(path) as handle:
            found = FRAGMENT.findall(handle.read())
        if found:
            out[os.path.basename(path)[:-3]] = found[0]
    return out


def test_fixer_modules_render_the_shared_attributes():
    modules = modules_using_the_fragment()
    assert {'net_sysctl', 'icmp_rule', 'win_icmp_rule', 'hyperv_vm_nic', 'vmware_vm_nic'} <= set(modules)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.collections'))
    proc = subprocess.run([os.path.join(BIN_DIR, 'ansible-doc'), '-j'] + ['vmnet.doctor.' + m for m in modules],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    for module, platform in modules.items():
        attributes = docs['vmnet.doctor.' + module]['doc']['attributes']
        assert attributes['check_mode']['support'] == 'full' and attributes['check_mode']['details'], module
        assert attributes['diff_mode']['support'] == 'full' and attributes['diff_mode']['details'], module
        assert attributes['platform']['platforms'] == platform, (module, attributes['platform'])
