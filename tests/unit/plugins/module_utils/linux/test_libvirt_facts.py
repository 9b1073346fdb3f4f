# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt facts parsers on outputs captured from a real libvirtd (tests/unit/fixtures/libvirt/README.md)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import libvirt

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'libvirt')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


@pytest.mark.parametrize('name,mode,bridge', [('vmnet', 'nat', 'virbr1'), ('natnet', 'nat', 'virbr2'),
                                              ('opennet', 'open', 'virbr3'), ('isonet', 'isolated', 'virbr4')])
def test_network_modes(name, mode, bridge):
    net = libvirt.parse_network_xml(fixture('net-%s.xml' % name))
    assert (net['name'], net['forward_mode'], net['bridge']) == (name, mode, bridge)
    assert net['addresses'][0]['prefixlen'] == 24 and net['addresses'][0]['dhcp']['ranges']


def test_net_info():
    info = libvirt.parse_info(fixture('net-info-vmnet.txt'))
    assert (info['active'], info['autostart'], info['bridge']) == ('yes', 'no', 'virbr1')


def test_guest_interface():
    guest = libvirt.parse_domain_xml(fixture('dom-vm1.xml'), 'running')
    nic = guest['interfaces'][0]
    assert guest['driver'] == 'lxc' and guest['state'] == 'running'
    assert (nic['type'], nic['source_network'], nic['mac'], nic['target'], nic['link_state']) == \
        ('network', 'vmnet', '02:76:6d:11:00:01', 'vnet0', 'up')


def test_guest_link_down_vlan_filterref():
    text = fixture('dom-vm1.xml').replace(
        "<target dev='vnet0'/>", "<target dev='vnet0'/><link state='down'/><vlan><tag id='42'/></vlan>"
        "<filterref filter='clean-traffic'/><model type='virtio'/>")
    nic = libvirt.parse_domain_xml(text)['interfaces'][0]
    assert (nic['link_state'], nic['vlan'], nic['filterref'], nic['model']) == ('down', [42], 'clean-traffic', 'virtio')


class NoVirsh(object):
    @staticmethod
    def which(_name):
        return None


def test_missing_virsh_is_a_note_naming_the_package():
    section = libvirt.collect(NoVirsh())
    assert section['available'] is False and 'libvirt-clients' in section['note']
    assert section['uri'] == 'qemu:///system'


class DeadDaemon(NoVirsh):
    @staticmethod
    def which(_name):
        return '/usr/bin/virsh'

    @staticmethod
    def run(_argv):
        return 1, '', "error: Failed to connect socket to '/var/run/libvirt/libvirt-sock'"


def test_no_daemon_is_a_note_not_an_error():
    errors = []
    section = libvirt.collect(DeadDaemon(), errors=errors)
    assert section['available'] is False and 'libvirt-sock' in section['note'] and errors == []


@pytest.mark.parametrize('uri,sockets', [
    ('qemu:///system', ['/run/libvirt/libvirt-sock', '/run/libvirt/virtqemud-sock', '/run/libvirt/virtlxcd-sock',
                        '/run/libvirt/virtnetworkd-sock']),
    ('qemu:///system?socket=/srv/lab/libvirt-sock', ['/srv/lab/libvirt-sock']),
    ('qemu+ssh://kvm1/system', []), ('qemu://kvm1/system', []), ('qemu:///session', []), ('test:///default', []),
])
def test_daemon_sockets_where_libvirt_puts_them_or_where_the_uri_says(uri, sockets):
    assert libvirt.daemon_sockets(uri) == sockets


class NoSocket(DeadDaemon):
    """A host (reads_host) with virsh and no libvirt socket: virsh must not be started."""
    reads_host = True

    def __init__(self, present=()):
        self.present = set(present)
        self.ran = []

    def exists(self, path):
        return path in self.present

    def run(self, argv):
        self.ran.append(argv)
        return DeadDaemon.run(argv)


def test_no_daemon_socket_is_a_note_without_starting_virsh():
    runner = NoSocket()
    section = libvirt.collect(runner)
    assert runner.ran == [] and section['available'] is False
    assert 'no socket at /run/libvirt/libvirt-sock' in section['note'] and '?socket=' in section['note']
    # a socket that exists (here the modular qemu daemon's), a remote URI: virsh is asked
    for present, uri in ((['/run/libvirt/virtqemud-sock'], None), ((), 'qemu+ssh://kvm1/system')):
        runner = NoSocket(present)
        libvirt.collect(runner, uri)
        assert runner.ran and runner.ran[0][-3:] == ['net-list', '--all', '--name']
