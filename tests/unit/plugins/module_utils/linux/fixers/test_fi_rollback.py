# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inverse of each Linux fixer (fixer_registry), fed with the fixer's real result: the one
gate (fixers/common.py ``gate``) run on the recorded iproute2 outputs of tests/unit/fixtures/fixers_ip
(see its README for how they were captured), as the fixer module runs it in check mode."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import bridge_vlan as bv
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import default_gateway as dg
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import interface_mtu as im
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import link_state as ls
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import neighbor as nb
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import net_sysctl as ns
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import static_route as sr
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import gate

from fi_fakes import FakeRunner, text

IP = {
    ('ip', '-j', '-4', 'route', 'show', 'table', 'main'): text('route4_wrong_default.json'),
    ('ip', '-j', '-6', 'route', 'show', 'table', 'main'): text('route6.json'),
    ('ip', '-j', '-4', 'route', 'show', 'table', '100'): text('route4_table100.json'),
    ('ip', '-j', '-d', 'link', 'show'): text('link_d.json'),
    ('ip', '-j', 'addr', 'show'): text('addr.json'),
    ('bridge', '-j', 'link', 'show'): text('bridge_link.json'),
    ('bridge', '-j', 'vlan', 'show'): text('bridge_vlan_show.json'),
    ('ip', '-j', '-4', 'neigh', 'show', 'to', '192.0.2.1'): text('neigh_permanent_wrong.json'),
    ('ip', '-j', '-4', 'neigh', 'show', 'to', '192.0.2.55'): text('neigh_none.json'),
}


def params(fixer, **kw):
    defaults = {
        'default_gateway': dict(gateway=None, device=None, metric=None, family=None, state='present'),
        'static_route': dict(prefix=None, gateway=None, device=None, metric=None, table='main', state='present'),
        'interface_mtu': dict(interface=None, mtu=None, bridge_ports=False),
        'link_state': dict(interface=None, state='up', release_stp=False),
        'bridge_vlan': dict(port=None, pvid=None, vids=None, untagged=None, state='present'),
        'neighbor': dict(address=None, device=None, mac=None, nud=None, state='present'),
        'net_sysctl': dict(name=None, value=None, interface='all', persist=False, persist_file='/tmp/fi-rollback.conf'),
    }[fixer]
    return dict(defaults, **kw)


FIXERS = {'default_gateway': dg, 'static_route': sr, 'interface_mtu': im, 'link_state': ls, 'bridge_vlan': bv,
          'neighbor': nb, 'net_sysctl': ns}


def fixer_result(name, args, runner=None, check_mode=True):
    """The result the fixer module returns (``common.gate``, the module's own path)."""
    return gate(runner or FakeRunner(IP), FIXERS[name], params(name, **args), check_mode)


@pytest.mark.parametrize('name,args,expected', [
    # the wrong default via 192.0.2.99 on eth0 (metric 100) comes back
    ('default_gateway', {'gateway': '192.0.2.1'},
     [{'gateway': '192.0.2.99', 'device': 'eth0', 'metric': 100, 'family': 'ipv4'}]),
    # a new route is removed again
    ('static_route', {'prefix': '10.50.0.0/16', 'gateway': '192.0.2.20'},
     [{'prefix': '10.50.0.0/16', 'table': 'main', 'state': 'absent'}]),
    ('interface_mtu', {'interface': 'eth1', 'mtu': 1500}, [{'interface': 'eth1', 'mtu': 1400}]),
    ('link_state', {'interface': 'vnet1', 'state': 'up'}, [{'interface': 'vnet1', 'state': 'down'}]),
    # the wrong permanent entry is put back as it was
    ('neighbor', {'address': '192.0.2.1', 'device': 'eth0', 'mac': '52:54:00:00:00:20'},
     [{'address': '192.0.2.1', 'device': 'eth0', 'mac': '52:54:00:00:00:99', 'nud': 'permanent'}]),
    ('neighbor', {'address': '192.0.2.55', 'device': 'eth0', 'mac': '52:54:00:00:00:20'},
     [{'address': '192.0.2.55', 'device': 'eth0', 'state': 'absent'}]),
])
def test_inverse_of_the_real_result(name, args, expected):
    result = fixer_result(name, args)
    assert result['changed'] and result['commands'] and all('action' in c for c in result['changes'])
    calls, why = fixer_registry.inverse(name, args, result)
    assert why is None
    assert [c['module'] for c in calls] == ['vmnet.doctor.' + name] * len(expected)
    assert [c['args'] for c in calls] == expected
    for c in calls:      # every inverse call is valid input for its fixer
        FIXERS[name].want_from_params(params(name, **c['args']))


def test_inverse_of_a_vlan_change_removes_the_added_vid_and_restores_the_pvid():
    outputs = dict(IP)
    outputs[('ip', '-j', '-d', 'link', 'show')] = text('link_d_stp.json')
    runner = FakeRunner(outputs)
    args = {'port': 'vnet0', 'pvid': 77, 'vids': [77], 'untagged': [77]}
    result = fixer_result('bridge_vlan', args, runner)
    assert result['before'] == {'port': 'vnet0', 'pvid': 20, 'vids': [20, 30], 'untagged': [20]}
    calls, why = fixer_registry.inverse('bridge_vlan', args, result)
    assert why is None and [c['args'] for c in calls] == [{'port': 'vnet0', 'vids': [77], 'state': 'absent'},
                                                          {'port': 'vnet0', 'pvid': 20}]


def test_sysctl_fix_and_its_inverse_round_trip_through_the_gate():
    files = {'/proc/sys/net/ipv4/ip_forward': '0\n'}
    runner = FakeRunner(files=files)
    args = {'name': 'ip_forward', 'value': 1}
    result = fixer_result('net_sysctl', args, runner, check_mode=False)
    # a real run: written, read back, after observed
    assert runner.files['/proc/sys/net/ipv4/ip_forward'] == '1\n'
    assert result['after'] == {'key': 'net.ipv4.ip_forward', 'value': 1}
    assert result['commands'] == ['write 1 to /proc/sys/net/ipv4/ip_forward']
    calls, why = fixer_registry.inverse('net_sysctl', args, result)
    assert why is None and calls == [{'module': 'vmnet.doctor.net_sysctl',
                                      'args': {'name': 'ip_forward', 'value': 0}}]
    undo = fixer_result('net_sysctl', calls[0]['args'], runner, check_mode=False)
    assert undo['after'] == {'key': 'net.ipv4.ip_forward', 'value': 0}
    assert runner.files['/proc/sys/net/ipv4/ip_forward'] == '0\n'


def test_unchanged_fix_has_nothing_to_undo():
    result = fixer_result('interface_mtu', {'interface': 'eth1', 'mtu': 1400})
    assert not result['changed'] and result['changes'] == [] and result['commands'] == []
    assert fixer_registry.inverse('interface_mtu', {'interface': 'eth1', 'mtu': 1400}, result) == ([], None)
