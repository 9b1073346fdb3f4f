# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt_network fixer: plan() per wanted state x (already right, to change) on plain dicts."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import libvirt_network as fixer
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'libvirt')


def nat_xml():
    with open(os.path.join(FIXTURES, 'net-vmnet.xml')) as handle:
        return handle.read()


def have(active=True, mode='nat', master='virbr1'):
    xml = nat_xml() if mode == 'nat' else fixer.new_xml(nat_xml(), mode)
    return {'active': active, 'autostart': False, 'xml': xml, 'forward_mode': mode, 'bridge': 'virbr1',
            'links': {'vnet0': {'ifname': 'vnet0', 'master': master}}, 'guests': [('vm1', 'vnet0')]}


def want(**params):
    params.setdefault('name', 'vmnet')
    return fixer.want_from_params(params)


def actions(changes):
    return [c['action'] for c in changes]


def test_start_plugs_the_running_guests_back():
    assert actions(fixer.plan(want(state='active'), have(active=False, master=None))) == ['net_start', 'plug_port']


def test_started_and_plugged_is_unchanged():
    assert fixer.plan(want(state='active', forward_mode='nat'), have()) == []


def test_detached_port_is_plugged():
    assert actions(fixer.plan(want(state='active'), have(master=None))) == ['plug_port']


def test_forward_mode_redefines_and_restarts():
    changes = fixer.plan(want(forward_mode='route'), have())
    assert actions(changes) == ['write_xml', 'net_define', 'remove_xml', 'net_destroy', 'net_start', 'plug_port']
    assert "<forward mode=\"route\" />" in changes[0]['content'] or "<forward mode='route'" in changes[0]['content'] \
        or '<forward mode="route"' in changes[0]['content']
    before, after = fixer.states(want(forward_mode='route'), have(), changes)
    assert (before['forward_mode'], after['forward_mode'], after['active']) == ('nat', 'route', True)


def test_isolated_has_no_forward_element():
    assert '<forward' not in fixer.new_xml(nat_xml(), 'isolated')


def test_autostart_only():
    changes = fixer.plan(want(autostart=True), have())
    assert actions(changes) == ['net_autostart'] and changes[0]['argv'][-1] == 'vmnet'


def test_inverse_defines_the_old_xml():
    result = {'before': {'xml': nat_xml(), 'active': True, 'autostart': False}}
    calls, why = fixer_registry.FIXERS['libvirt_network']['inverse']({'name': 'vmnet', 'forward_mode': 'route'}, result)
    assert why is None and calls[0]['args'] == {'name': 'vmnet', 'xml': nat_xml(), 'state': 'active',
                                                'autostart': False}
    assert fixer.plan(fixer.want_from_params(calls[0]['args']), have()) == []   # the old XML is the current: no-op


@pytest.mark.parametrize('params,message', [
    ({'name': 'a b'}, 'not a libvirt network name'),
    ({'name': 'vmnet', 'forward_mode': 'bridge'}, 'forward_mode must be'),
    ({'name': 'vmnet', 'xml': '<network><name>other</name></network>'}, "named 'vmnet'"),
    ({'name': 'vmnet', 'xml': '<network'}, 'not valid XML'),
])
def test_bad_input_fails_clearly(params, message):
    with pytest.raises(DoctorError) as err:
        fixer.want_from_params(params)
    assert message in str(err.value)
