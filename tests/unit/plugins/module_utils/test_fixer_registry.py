# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fixer registry: one entry per fixer, consistent with the plugins on disk, the catalogue
and the code that reads it; no other list of fixer names in plugins/."""
import ast
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry as FR
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import catalog

PLUGINS = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins'))


@pytest.mark.parametrize('name', sorted(FR.FIXERS))
def test_entry_matches_the_plugins_on_disk(name):
    e = FR.FIXERS[name]
    assert e['platform'] in ('linux', 'windows', 'vmware')
    assert e['runs'] in ('module', 'action', 'controller')
    assert os.path.isfile(os.path.join(PLUGINS, 'modules', name + '.py'))       # docs (and code for modules)
    assert os.path.isfile(os.path.join(PLUGINS, 'action', name + '.py')) is (e['runs'] == 'action')
    assert callable(e['inverse'])
    assert (e['linux_twin'] is None) is (e['from_linux'] is None)


def test_catalog_fixers_are_registered():
    for code, entry in catalog.CATALOG.items():
        if entry.get('module'):
            assert FR.entry(entry['module']) is not None, code


def test_views_of_the_registry():
    assert FR.names(platform='vmware') == ('vmware_vswitch_policy', 'vmware_vm_nic')
    assert FR.names(runs='action') == ('win_icmp_rule', 'win_default_gateway', 'win_interface_mtu', 'hyperv_vm_nic')
    assert FR.names(unguarded=True) == ('win_default_gateway', 'win_interface_mtu')
    assert FR.windows_twin('vmnet.doctor.interface_mtu') == 'win_interface_mtu'
    assert FR.windows_twin('icmp_rule') is None
    assert FR.guarded_interface('static_route', {'prefix': '10.0.0.0/8'}) == (True, [])
    assert FR.guarded_interface('bridge_vlan', {'port': 'eth0'}) == (True, ['eth0'])
    assert FR.guarded_interface('link_state', {}) == (False, [])
    assert FR.guarded_interface('icmp_rule', {'interface': 'eth0'}) == (False, [])
    assert FR.inverse('no_such_fixer', {}, {'changed': True}) == (None, 'no inverse known for no_such_fixer')


def _literal_lists_of_fixers(path):
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in FR.FIXERS]
            if len(names) >= 2:
                yield node.lineno, names


def test_no_other_list_of_fixer_names_in_plugins():
    found = []
    for root, _dirs, files in os.walk(PLUGINS):
        for name in files:
            path = os.path.join(root, name)
            if name.endswith('.py') and not path.endswith(os.path.join('module_utils', 'fixer_registry.py')):
                found.extend('%s:%s %s' % (os.path.relpath(path, PLUGINS), line, names)
                             for line, names in _literal_lists_of_fixers(path))
    assert found == []
