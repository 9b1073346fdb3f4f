# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMware Workstation/Player NAT: the .vmx, netmap.conf and vmnetnat.conf parsers on recorded file shapes
(tests/unit/fixtures/vmws/README.md names their public sources), then checks_vmws."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.vmnet.doctor.plugins.module_utils import vmws
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_vmws, engine
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext

import diagnosis_builders as b

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'vmws')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_vmx_nics_nat_custom_static_mac_and_absent_slot():
    nics = vmws.vmx_nics(fixture('web2.vmx'))
    assert nics == [
        {'slot': 0, 'connection_type': 'nat', 'vnet': 'vmnet8', 'mac': '00:0c:29:3a:4b:5c', 'start_connected': True},
        {'slot': 1, 'connection_type': 'custom', 'vnet': 'vmnet2', 'mac': '00:50:56:01:02:03',
         'start_connected': True}]


def test_vmx_lower_case_keys_bridged_without_connection_type_and_windows_vnet():
    nics = vmws.vmx_nics(fixture('lab3.vmx'))
    assert [(n['slot'], n['connection_type'], n['vnet'], n['mac']) for n in nics] == [
        (0, 'bridged', 'vmnet0', '00:0c:29:07:98:d3'), (1, 'custom', 'vmnet8', '00:0c:29:07:98:dd'),
        (2, 'hostonly', 'vmnet1', '00:0c:29:07:98:e7')]


def test_netmap_names_each_vmnet():
    assert vmws.parse_netmap(fixture('netmap.conf')) == [
        {'name': 'Bridged', 'vnet': 'vmnet0'}, {'name': 'HostOnly', 'vnet': 'vmnet1'},
        {'name': 'VMNet2', 'vnet': 'vmnet2'}, {'name': 'NAT', 'vnet': 'vmnet8'}]


def test_vmnetnat_conf_host_and_port_forwards():
    nat = vmws.parse_nat_conf(fixture('vmnetnat.conf'))
    assert nat['vnet'] == 'vmnet8' and nat['gateway'] == '192.168.174.2' and nat['prefixlen'] == 24
    assert nat['port_forwards'] == [
        {'host_port': 2222, 'guest_ip': '192.168.174.128', 'guest_port': 22, 'protocol': 'tcp'},
        {'host_port': 8080, 'guest_ip': '192.168.174.129', 'guest_port': 80, 'protocol': 'tcp'},
        {'host_port': 5353, 'guest_ip': '192.168.174.128', 'guest_port': 53, 'protocol': 'udp'}]


def test_linux_nat_conf_ip_with_bits_and_dev_device():
    nat = vmws.parse_nat_conf(fixture('nat.conf'))
    assert (nat['vnet'], nat['gateway'], nat['prefixlen'], nat['port_forwards']) == (
        'vmnet8', '172.16.42.2', 24, [])


def section():
    return vmws.section({'web2': fixture('web2.vmx'), 'lab3': fixture('lab3.vmx')}, fixture('netmap.conf'),
                        [fixture('vmnetnat.conf')])


def test_section_marks_nat_nics_and_networks():
    sec = section()
    nat = [(vm['name'], n['slot']) for vm in sec['vms'] for n in vm['nics'] if n['nat']]
    assert nat == [('lab3', 1), ('web2', 0)]
    assert [(n['vnet'], n['name'], n['nat']) for n in sec['networks']] == [
        ('vmnet0', 'Bridged', False), ('vmnet1', 'HostOnly', False), ('vmnet2', 'VMNet2', False),
        ('vmnet8', 'NAT', True)]


def ctx_for(target_ip='192.168.174.128', target_facts=None, target_host='guest', source='laptop'):
    hv = {'interfaces': [], 'vmware_workstation': section()}
    views = {'source': HostView('source', source, {'interfaces': []}), 'switch': HostView('switch', 'wshost', hv),
             'target': HostView('target', target_host, target_facts)}
    return PathContext('%s -> guest' % source, views, target_ip)


def target_with_mac(mac, address):
    return {'interfaces': [{'name': 'ens33', 'mac': mac, 'addresses': [
        {'address': address, 'prefixlen': 24, 'family': 'ipv4'}]}]}


def test_nat_guest_seen_from_another_machine_is_named_in_one_sentence():
    ctx = ctx_for(target_facts=target_with_mac('00:0c:29:3a:4b:5c', '192.168.174.128'))
    checks_vmws.check_vmware_workstation(ctx)
    [finding] = ctx.findings
    assert finding['code'] == 'VMWS_NAT' and finding['host'] == 'wshost'
    assert finding['object'] == {'type': 'vmware_workstation_nic', 'vm': 'web2', 'slot': 0,
                                 'mac': '00:0c:29:3a:4b:5c', 'vnet': 'vmnet8', 'connection_type': 'nat'}
    text = finding['message']
    assert text.count('. ') == 0 and text.endswith('.')       # one sentence
    assert 'only its host wshost reaches' in text and 'bridged or host-only' in text and 'never carry ICMP' in text
    assert finding['fix']['manual'] and 'tcp 2222->22' in finding['fix']['reason']
    assert 'udp 5353->53' in finding['fix']['reason']


def test_custom_nic_on_the_nat_vmnet_found_by_vm_name_is_nat():
    ctx = ctx_for('192.168.174.140', target_host='lab3')
    checks_vmws.check_vmware_workstation(ctx)
    [finding] = ctx.findings
    assert finding['object']['connection_type'] == 'custom' and finding['object']['vnet'] == 'vmnet8'


def test_the_workstation_host_itself_reaches_its_nat_guest():
    ctx = ctx_for(target_facts=target_with_mac('00:0c:29:3a:4b:5c', '192.168.174.128'), source='wshost')
    checks_vmws.check_vmware_workstation(ctx)
    assert ctx.findings == [] and 'which its host wshost reaches' in ctx.checks[-1]['detail']


def test_custom_nic_on_another_vmnet_passes():
    ctx = ctx_for('10.2.0.5', target_facts=target_with_mac('00:50:56:01:02:03', '10.2.0.5'))
    checks_vmws.check_vmware_workstation(ctx)
    assert ctx.findings == [] and 'custom (vmnet2)' in ctx.checks[-1]['detail']


def test_without_the_section_skipped():
    views = {'source': HostView('source', 'laptop', {'interfaces': []}),
             'switch': HostView('switch', 'wshost', {'interfaces': []}),
             'target': HostView('target', 'guest', None)}
    ctx = PathContext('laptop -> guest', views, '192.168.174.128')
    checks_vmws.check_vmware_workstation(ctx)
    assert ctx.checks[-1]['status'] == 'skipped' and ctx.findings == []


class FakeRunner(object):
    """Answers ``vmrun list`` and the file reads of a Linux Workstation host from the fixtures."""
    FILES = {'/home/ana/vmware/web2/web2.vmx': 'web2.vmx', '/etc/vmware/netmap.conf': 'netmap.conf',
             '/etc/vmware/vmnet8/nat/nat.conf': 'nat.conf'}

    def __init__(self, installed=True):
        self.installed = installed

    def which(self, name):
        return '/usr/bin/vmrun' if self.installed and name == 'vmrun' else None

    def run(self, argv):
        assert argv == ['vmrun', 'list']
        return 0, fixture('vmrun-list.txt'), ''

    def read(self, path):
        return fixture(self.FILES[path]) if path in self.FILES else None

    @staticmethod
    def listdir(path):
        return ['networking', 'vmnet1', 'vmnet8'] if path == '/etc/vmware' else []


def test_collect_reads_running_vms_netmap_and_nat_conf():
    errors = []
    sec = vmws.collect(FakeRunner(), errors)
    assert sec['available'] and sec['source'] == 'vmrun list' and [vm['name'] for vm in sec['vms']] == ['web2']
    assert [n for n in sec['networks'] if n['nat']] == [
        {'vnet': 'vmnet8', 'name': 'NAT', 'nat': True, 'gateway': '172.16.42.2', 'prefixlen': 24, 'port_forwards': []}]
    assert len(errors) == 1 and 'gone.vmx' in errors[0]['message']


def test_without_vmrun_a_note():
    assert vmws.collect(FakeRunner(installed=False)) == vmws.empty_section(vmws.MISSING_NOTE)


def test_vmrun_list_paths():
    assert vmws.parse_vmrun_list(fixture('vmrun-list.txt')) == ['/home/ana/vmware/web2/web2.vmx',
                                                                '/home/ana/vmware/gone/gone.vmx']
    assert vmws.parse_vmrun_list('Total running VMs: 0\n') == []


def test_engine_names_vmws_nat_as_the_cause_of_an_unreachable_path():
    p = b.path(b.routed(), reachable=False)
    vmx = fixture('web2.vmx').replace('00:0C:29:3A:4B:5C', b.VM_MAC.upper())
    p['hypervisor_facts']['vmware_workstation'] = vmws.section({'web2': vmx}, fixture('netmap.conf'))
    res = engine.diagnose([p])['paths'][0]
    assert res['status'] == 'broken' and [f['code'] for f in res['findings']] == ['VMWS_NAT']
    assert 'VMWS_NAT on lab-hv' in res['summary']
