# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VirtualBox NAT: facts collected through a fake runner that answers with the recorded VBoxManage
output shapes (tests/unit/fixtures/vbox/README.md names their public sources), then checks_vbox."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.vmnet.doctor.plugins.module_utils import vbox
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_vbox
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'vbox')
WEB1 = '0b4f3a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b'


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


class FakeRunner(object):
    def __init__(self, installed=True):
        self.installed = installed

    def which(self, name):
        return '/usr/bin/VBoxManage' if self.installed and name == 'VBoxManage' else None

    def run(self, argv):
        if argv[1:] == ['list', 'vms']:
            return 0, fixture('list-vms.txt'), ''
        if argv[1] == 'showvminfo' and argv[2] == WEB1:
            return 0, fixture('showvminfo-nat-hostonly.txt'), ''
        return 1, '', 'VBoxManage: error: Could not find a registered machine with UUID {%s}' % argv[2]


def test_collect_reads_every_vm_and_records_the_unreadable():
    errors = []
    section = vbox.collect(FakeRunner(), errors)
    assert section['available'] and [vm['name'] for vm in section['vms']] == ['web1']
    assert section['vms'][0]['state'] == 'running' and section['vms'][0]['nics'][0]['mode'] == 'nat'
    assert len(errors) == 1 and 'db1' in errors[0]['message']


def test_without_vboxmanage_a_note():
    section = vbox.collect(FakeRunner(installed=False))
    assert section == {'available': False, 'note': vbox.MISSING_NOTE, 'vms': []}


def ctx_for(target_ip='10.0.2.15', target_facts=None, target_host='guest'):
    hv = {'interfaces': [], 'virtualbox': vbox.collect(FakeRunner(), [])}
    views = {'source': HostView('source', 'laptop', {'interfaces': []}), 'switch': HostView('switch', 'laptop', hv),
             'target': HostView('target', target_host, target_facts)}
    return PathContext('laptop -> guest', views, target_ip)


def test_nat_guest_found_by_its_subnet_is_named_in_one_sentence():
    ctx = ctx_for()
    checks_vbox.check_virtualbox(ctx)
    [finding] = ctx.findings
    assert finding['code'] == 'VBOX_NAT' and finding['host'] == 'laptop'
    assert finding['object'] == {'type': 'virtualbox_nic', 'vm': 'web1', 'slot': 1, 'mac': '08:00:27:0a:0b:0c',
                                 'mode': 'nat'}
    text = finding['message']
    assert text.count('. ') == 0 and text.endswith('.')       # one sentence
    assert 'even from its own host' in text and 'host-only or bridged' in text and 'never carry ICMP' in text
    assert finding['fix']['manual'] and 'ssh tcp 2222->22' in finding['fix']['reason']


def test_nic_found_by_mac_in_hostonly_mode_passes():
    target = {'interfaces': [{'name': 'eth1', 'mac': '08:00:27:0d:0e:0f', 'addresses': [
        {'address': '192.168.56.10', 'prefixlen': 24, 'family': 'ipv4'}]}]}
    ctx = ctx_for('192.168.56.10', target)
    checks_vbox.check_virtualbox(ctx)
    assert ctx.findings == [] and 'hostonly' in ctx.checks[-1]['detail']


def test_address_outside_the_nat_subnet_of_an_unknown_vm_passes():
    ctx = ctx_for('192.168.1.20')
    checks_vbox.check_virtualbox(ctx)
    assert ctx.findings == [] and ctx.checks[-1]['status'] == 'pass'
