# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VirtualBox NIC modes on a recorded/documented showvminfo --machinereadable shape (fixtures/vbox/README.md)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.vmnet.doctor.plugins.module_utils import vbox

FIXTURE = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'vbox', 'showvminfo-nat-hostonly.txt')


def load():
    with open(FIXTURE) as handle:
        return vbox.nics(handle.read())


def test_modes_attachments_and_macs():
    nics = load()
    assert [(n['slot'], n['mode'], n['attachment']) for n in nics] == [
        (1, 'nat', None), (2, 'hostonly', 'vboxnet0'), (3, 'bridged', 'eth0')]
    assert nics[0]['mac'] == '08:00:27:0a:0b:0c'


def test_port_forwards_belong_to_the_nat_nic():
    nat = load()[0]
    assert [(f['name'], f['protocol'], f['host_port'], f['guest_port']) for f in nat['port_forwards']] == [
        ('ssh', 'tcp', 2222, 22), ('web', 'tcp', 8080, 80)]
    assert nat['port_forwards'][1]['host_ip'] is None


def test_host_cut_off_reasons():
    nat, hostonly, bridged = load()
    assert 'VirtualBox NAT' in vbox.host_cut_off(nat) and 'never ICMP' in vbox.host_cut_off(nat)
    assert 'cable' in vbox.host_cut_off(hostonly)       # cableconnected2="off"
    assert vbox.host_cut_off(bridged) is None
