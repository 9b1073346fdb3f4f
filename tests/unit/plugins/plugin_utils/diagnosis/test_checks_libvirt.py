# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""checks_libvirt on plain facts dicts shaped like the lab's (tests/unit/fixtures/libvirt)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_libvirt
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext

MAC = '02:76:6d:11:00:01'
URI = 'qemu:///system?socket=/run/lab/libvirt-sock'


def network(name, mode, bridge, gateway, active=True):
    return {'name': name, 'forward_mode': mode, 'bridge': bridge, 'active': active, 'autostart': False,
            'addresses': [{'address': gateway, 'prefixlen': 24, 'family': 'ipv4', 'dhcp': None}]}


def libvirt_section(mode='route', active=True, link='up', source='vmnet'):
    return {'available': True, 'uri': URI, 'note': None,
            'networks': [network('vmnet', mode, 'virbr1', '10.240.1.1', active),
                         network('isonet', 'isolated', 'virbr4', '10.240.4.1')],
            'guests': [{'name': 'vm1', 'state': 'running', 'driver': 'kvm', 'interfaces': [
                {'type': 'network', 'source_network': source, 'mac': MAC, 'target': 'vnet0', 'link_state': link,
                 'vlan': [], 'filterref': None, 'model': 'virtio'}]}]}


def ctx_for(section, source='host'):
    facts = {'interfaces': [], 'libvirt': section}
    target = {'interfaces': [{'name': 'eth0', 'mac': MAC, 'addresses': [
        {'address': '10.240.1.11', 'prefixlen': 24, 'family': 'ipv4'}]}]}
    views = {'source': HostView('source', source, {'interfaces': []}), 'switch': HostView('switch', 'hv', facts),
             'target': HostView('target', 'vm1', target)}
    return PathContext('host -> vm1', views, '10.240.1.11')


@pytest.mark.parametrize('kwargs,code', [
    ({'mode': 'nat'}, 'LIBVIRT_NAT'),
    ({'mode': 'isolated'}, 'LIBVIRT_NET_ISOLATED'),
    ({'active': False}, 'LIBVIRT_NET_INACTIVE'),
    ({'link': 'down'}, 'LIBVIRT_GUEST_LINK_DOWN'),
    ({'source': 'isonet'}, 'LIBVIRT_WRONG_NETWORK'),
])
def test_each_mode_fault_is_named(kwargs, code):
    ctx = ctx_for(libvirt_section(**kwargs))
    checks_libvirt.check_libvirt(ctx)
    assert [f['code'] for f in ctx.findings] == [code]
    assert ctx.findings[0]['host'] == 'hv'


def test_routed_network_passes():
    ctx = ctx_for(libvirt_section())
    checks_libvirt.check_libvirt(ctx)
    assert ctx.findings == [] and ctx.checks[-1]['status'] == 'pass'


def test_nat_seen_from_the_hypervisor_itself_is_fine():
    ctx = ctx_for(libvirt_section(mode='nat'), source='hv')
    checks_libvirt.check_libvirt(ctx)
    assert ctx.findings == []


def test_nat_fix_is_exposure_changing_and_names_the_choices():
    ctx = ctx_for(libvirt_section(mode='nat'))
    checks_libvirt.check_libvirt(ctx)
    finding = ctx.findings[0]
    fix = finding['fix']
    assert fix['module'] == 'vmnet.doctor.libvirt_network' and fix['args'] == {
        'name': 'vmnet', 'forward_mode': 'route', 'uri': URI}
    assert fix['widens'] and 'port forward' in fix['note'] and 'bridge' in fix['note']
    assert finding['_breaks'] == ('forward',)    # the VM -> host direction works through NAT
    assert 'by design' in finding['message'] and 'routed mode' in finding['message']


def test_inactive_fix_is_safe_and_folds_the_hypervisor_symptoms():
    ctx = ctx_for(libvirt_section(active=False))
    ctx.find('NO_ROUTE', 'switch', 'forward', {'type': 'route'}, {}, 'high', 'no route on hv', None)
    checks_libvirt.check_libvirt(ctx)
    checks_libvirt.settle(ctx)
    inactive = [f for f in ctx.findings if f['code'] == 'LIBVIRT_NET_INACTIVE'][0]
    assert inactive['fix']['args']['state'] == 'active' and 'widens' not in inactive['fix']
    assert [f['_symptom'] for f in ctx.findings if f['code'] == 'NO_ROUTE'] == [True]


def test_libvirt_reject_chain_is_folded_into_the_nat_finding():
    ctx = ctx_for(libvirt_section(mode='nat'))
    ctx.find('ICMP_BLOCKED', 'switch', 'forward', {'type': 'firewall_rule', 'chain': 'LIBVIRT_FWI'}, {}, 'high',
             'reject', None)
    ctx.find('ICMP_BLOCKED', 'switch', 'forward', {'type': 'firewall_rule', 'chain': 'forward'}, {}, 'high',
             'drop', None)
    checks_libvirt.check_libvirt(ctx)
    checks_libvirt.settle(ctx)
    assert [f['object']['chain'] for f in ctx.findings if f['code'] == 'ICMP_BLOCKED' and not f['_symptom']] == [
        'forward']


def test_no_libvirt_is_skipped_with_the_note():
    section = copy.deepcopy(libvirt_section())
    section.update(available=False, note='virsh is not installed')
    ctx = ctx_for(section)
    checks_libvirt.check_libvirt(ctx)
    assert ctx.checks[-1]['status'] == 'skipped' and 'virsh' in ctx.checks[-1]['detail']
