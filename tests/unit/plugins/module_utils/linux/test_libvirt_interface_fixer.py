# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt_interface fixer: plan() per driver x (already right, config only, running guest) on plain
dicts; collect() errors through a fake runner answering with the real virsh messages (libvirt 9.0,
tests/unit/fixtures/libvirt/dom-vm1.xml is the lab's LXC guest)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import libvirt_interface as fixer
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'libvirt')
MAC = '02:76:6d:11:00:01'


def dom_xml():
    with open(os.path.join(FIXTURES, 'dom-vm1.xml')) as handle:
        return handle.read()


def nic(link='up', network='vmnet'):
    return {'type': 'network', 'network': network, 'link_state': link, 'target': 'vnet0',
            'xml': "<interface type='network'><mac address='%s'/><source network='%s'/></interface>" % (MAC, network)}


def have(driver='lxc', running=True, config=None, live=None, persistent=True):
    config = config or nic()
    return {'domain': 'vm1', 'driver': driver, 'state': 'running' if running else 'shut off', 'running': running,
            'persistent': persistent, 'config': config, 'live': (live or dict(config)) if running else None}


def want(**params):
    params.setdefault('domain', 'vm1')
    params.setdefault('mac', MAC.upper())
    return fixer.want_from_params(params)


def actions(changes):
    return [(c['action'], c.get('scope')) for c in changes]


def test_link_already_up_is_unchanged():
    assert fixer.plan(want(link_state='up', network='vmnet'), have()) == []


def test_stopped_guest_changes_its_definition_only():
    changes = fixer.plan(want(link_state='up'), have(running=False, config=nic(link='down')))
    assert actions(changes) == [('set_link', 'config')]
    assert changes[0]['argv'][-4:] == ['vm1', MAC, 'up', '--config']


def test_kvm_guest_is_changed_live_and_in_its_definition():
    changes = fixer.plan(want(link_state='up'), have(driver='kvm', config=nic(link='down')))
    assert actions(changes) == [('set_link', 'config'), ('set_link', 'live')]


def test_lxc_running_guest_needs_restart_and_says_so():
    with pytest.raises(DoctorError) as err:
        fixer.plan(want(link_state='up'), have(config=nic(link='down')))
    assert 'restart: true' in str(err.value) and 'lxc' in str(err.value)


def test_lxc_restart_after_the_definition_change():
    h = have(config=nic(link='down'))
    w = want(link_state='up', restart=True)
    changes = fixer.plan(w, h)
    assert actions(changes) == [('set_link', 'config'), ('guest_shutdown', None), ('destroy_if_running', None),
                                ('guest_start', None)]
    assert changes[1]['argv'][-3:] == ['vm1', '--mode', 'signal']
    before, after = fixer.states(w, h, changes)
    assert (before['live']['link_state'], after['live']['link_state'], after['config']['link_state']) == (
        'down', 'up', 'up')
    assert fixer.warnings(w, h) == ["guest vm1 is restarted: the lxc driver changes no running guest's NIC"]


def test_network_move_rewrites_the_source_without_runtime_attributes():
    live = nic(network='natnet')
    live['xml'] = ("<interface type='network'><mac address='%s'/><source network='natnet' portid='x' "
                   "bridge='virbr2'/><target dev='vnet3'/></interface>" % MAC)
    changes = fixer.plan(want(network='vmnet'), have(driver='kvm', config=nic(network='natnet'), live=live))
    assert actions(changes) == [('write_xml', 'config'), ('set_network', 'config'), ('remove_xml', None),
                                ('write_xml', 'live'), ('set_network', 'live'), ('remove_xml', None)]
    assert "<source network=\"vmnet\" />" in changes[3]['content'] and 'portid' not in changes[3]['content']
    assert changes[4]['argv'][-1] == '--live'


def test_nic_xml_of_the_captured_guest():
    text = fixer._nic_view(fixer._nic_element(dom_xml(), MAC))
    assert (text['network'], text['link_state'], text['target']) == ('vmnet', 'up', 'vnet0')
    assert 'bridge=' not in fixer.nic_xml(text['xml'], 'natnet')


@pytest.mark.parametrize('params,message', [
    ({'domain': 'a/b', 'mac': MAC, 'link_state': 'up'}, 'not a libvirt domain name'),
    ({'domain': 'vm1', 'mac': 'nope', 'link_state': 'up'}, 'not a valid MAC'),
    ({'domain': 'vm1', 'mac': MAC}, 'nothing to change'),
    ({'domain': 'vm1', 'mac': MAC, 'network': 'a b'}, 'not a libvirt network name'),
    ({'domain': 'vm1', 'mac': MAC, 'link_state': 'up', 'shutdown_timeout': -1}, 'must not be negative'),
])
def test_bad_input_is_refused(params, message):
    with pytest.raises(DoctorError) as err:
        fixer.want_from_params(params)
    assert message in str(err.value)


class FakeRunner(object):
    """Answers virsh like libvirt 9.0 does for the lab's LXC guest vm1 and network vmnet."""

    def run(self, argv):
        cmd, name = argv[4], argv[-1]
        if cmd == 'domstate':
            return (0, 'running\n', '') if name == 'vm1' else (1, '', "error: failed to get domain '%s'" % name)
        if cmd == 'dumpxml':
            return 0, dom_xml(), ''
        if cmd == 'dominfo':
            return 0, 'Name:           vm1\nPersistent:     yes\n', ''
        if cmd == 'net-info':
            return (0, 'Name: vmnet\n', '') if name == 'vmnet' else (
                1, '', "error: failed to get network '%s'" % name)
        raise AssertionError(argv)

    def check(self, argv):
        return self.run(argv)[1]


@pytest.mark.parametrize('params,message', [
    ({'domain': 'nosuch', 'link_state': 'up'}, "libvirt domain 'nosuch' not found"),
    ({'mac': '02:76:6d:11:00:99', 'link_state': 'up'},
     'has no NIC with MAC 02:76:6d:11:00:99 (its NICs: 02:76:6d:11:00:01)'),
    ({'network': 'nosuch'}, "libvirt network 'nosuch' not found"),
])
def test_unknown_domain_nic_or_network_fails_clearly(params, message):
    with pytest.raises(DoctorError) as err:
        fixer.collect(FakeRunner(), want(**params))
    assert message in str(err.value)


def test_collect_reads_both_definitions():
    h = fixer.collect(FakeRunner(), want(link_state='up'))
    assert (h['driver'], h['running'], h['persistent'], h['config']['network'], h['live']['target']) == (
        'lxc', True, True, 'vmnet', 'vnet0')
    assert fixer.plan(want(link_state='up', network='vmnet'), h) == []


def test_inverse_restores_only_what_the_fix_asked():
    args = {'domain': 'vm1', 'mac': MAC, 'link_state': 'up', 'restart': True, 'uri': 'lxc:///system'}
    result = {'before': {'config': {'link_state': 'down', 'network': 'vmnet'}}}
    calls, why = fixer_registry.FIXERS['libvirt_interface']['inverse'](args, result)
    assert why is None and calls[0]['module'].endswith('libvirt_interface')
    assert calls[0]['args'] == {'domain': 'vm1', 'mac': MAC, 'link_state': 'down', 'restart': True,
                                'uri': 'lxc:///system'}
