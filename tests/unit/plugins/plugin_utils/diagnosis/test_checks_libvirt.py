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


def libvirt_section(mode='route', active=True, link='up', source='vmnet', driver='kvm'):
    return {'available': True, 'uri': URI, 'note': None,
            'networks': [network('vmnet', mode, 'virbr1', '10.240.1.1', active),
                         network('isonet', 'isolated', 'virbr4', '10.240.4.1')],
            'guests': [{'name': 'vm1', 'state': 'running', 'driver': driver, 'interfaces': [
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


@pytest.mark.parametrize('driver,restart', [('kvm', False), ('lxc', True)])
def test_guest_link_fix_is_automatic_live_and_restarts_lxc_only_when_allowed(driver, restart):
    """KVM/QEMU change a running guest's link live: automatic. LXC refuses live NIC changes: the fix
    restarts the guest, so it is marked like an exposure change (applied only when doctor_allow names it)."""
    ctx = ctx_for(libvirt_section(link='down', driver=driver))
    ctx.find('LINK_DOWN', 'target', 'forward', {'type': 'interface', 'name': 'eth0'}, {}, 'high', 'down', None)
    ctx.find('GATEWAY_MISSING', 'target', 'forward', {'type': 'route'}, {}, 'high', 'no gateway', None)
    checks_libvirt.check_libvirt(ctx)
    checks_libvirt.settle(ctx)
    finding = [f for f in ctx.findings if f['code'] == 'LIBVIRT_GUEST_LINK_DOWN'][0]
    args = {'domain': 'vm1', 'mac': MAC, 'link_state': 'up'}
    if restart:
        args['restart'] = True
    assert finding['fix']['module'] == 'vmnet.doctor.libvirt_interface' and finding['fix']['args'] == args
    assert bool(finding['fix'].get('widens')) is restart
    assert [f['code'] for f in ctx.findings if not f['_symptom']] == ['LIBVIRT_GUEST_LINK_DOWN']


def test_wrong_network_fix_moves_the_nic_only_when_allowed():
    section = libvirt_section(source='isonet')
    section['guests'][0]['uri'] = 'lxc:///system'
    ctx = ctx_for(section)
    ctx.find('IP_CONFLICT', 'target', 'forward', {'type': 'address', 'address': '10.240.1.1'}, {}, 'high', 'x', None)
    checks_libvirt.check_libvirt(ctx)
    checks_libvirt.settle(ctx)
    finding = [f for f in ctx.findings if f['code'] == 'LIBVIRT_WRONG_NETWORK'][0]
    assert finding['object']['type'] == 'libvirt_interface' and finding['object']['network'] == 'isonet'
    assert finding['fix']['args'] == {'domain': 'vm1', 'mac': MAC, 'network': 'vmnet', 'uri': 'lxc:///system'}
    assert finding['fix']['widens'] and "network 'vmnet'" in finding['fix']['widens'][0]
    assert [f['_symptom'] for f in ctx.findings if f['code'] == 'IP_CONFLICT'] == [True]
