# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixes that persist (``persist: true``) in one routed namespace lab, run as real modules.

Each node gets its own network manager configuration through ``ip netns exec``'s per-namespace
/etc (ip-netns(8): ``/etc/netns/NS/<entry>`` is bind-mounted over ``/etc/<entry>``; the netns
connection runs every module that way), so the real /etc is never touched:

* host: ifupdown (``/etc/network/interfaces`` with an ``iface eth0 inet static`` stanza);
* vm1: systemd-networkd (``/etc/systemd/network/10-eth0.network``);
* hv: a NetworkManager keyfile for eth1 while NetworkManager does not run (rewritten through
  ``nmcli --offline connection modify``); hv's eth0, which no manager names, gets a message and
  nothing is written.

Neither ifupdown (``ifup`` is not installed here) nor systemd-networkd (it needs systemd as PID 1
and udev), nor NetworkManager, runs in these namespaces: the test re-applies the persisted ifupdown ``up`` line as
ifup would (through /bin/sh in the namespace) and checks the networkd drop-in's content; a real
``ifup``/``networkctl reload`` is not exercised. Needs root.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
import fwdaemons
from vmnetlab import Lab, destroy_lab, unique_prefix

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')

IFUPDOWN = ('# lab host: ifupdown\n'
            'auto lo\n'
            'iface lo inet loopback\n'
            '\n'
            'auto eth0\n'
            'iface eth0 inet static\n'
            '    address 10.220.0.1/24\n'
            '\n'
            'iface eth1 inet static\n'
            '    address 10.220.2.1/24\n')
NETWORKD = '[Match]\nName=eth0\n\n[Network]\nAddress=10.220.1.11/24\nGateway=10.220.1.1\n'
KEYFILE = ('[connection]\nid=eth1\nuuid=5c1c6a0e-3b9e-4e43-9d0c-6f3f8b6f0a11\ntype=ethernet\ninterface-name=eth1\n\n'
           '[ipv4]\naddress1=10.220.2.2/24\nmethod=manual\n')


def etc(lab, node, path):
    """The namespace's copy of /etc/<path> (what the module sees as /etc/<path>)."""
    return os.path.join(fwdaemons.etc_dir(lab.ns(node)), path)


def put(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def read(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read()


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    lab = Lab(unique_prefix('ps'), 'routed')
    try:
        lab.up()
        put(etc(lab, 'host', 'network/interfaces'), IFUPDOWN)
        put(etc(lab, 'vm1', 'systemd/network/10-eth0.network'), NETWORKD)
        put(etc(lab, 'hv', 'NetworkManager/system-connections/eth1.nmconnection'), KEYFILE)
        lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
        lab.write_inventory(lab.inventory_path)
        yield lab
    finally:
        destroy_lab(lab.prefix)        # also removes /etc/netns/<prefix>-*
        assert not [p for p in os.listdir(fwdaemons.ETC_NETNS) if p.startswith(lab.prefix + '-')] \
            if os.path.isdir(fwdaemons.ETC_NETNS) else True


def undo(ansible_run, lab, node, name, args, result):
    calls, reason = fixer_registry.inverse(name, args, result)
    assert calls, reason
    for c in calls:
        assert c['args'].get('persist') is True, c      # rollback restores the persisted copy too
        out = ansible_run(lab.inventory_path, lab.ns(node), c['module'], c['args'])
        assert not out.get('failed'), out


def test_ifupdown_route_persisted_reapplied_and_rolled_back(lab, ansible_run):
    path = etc(lab, 'host', 'network/interfaces')
    lab.run('host', ['ip', 'route', 'del', '10.220.1.0/24'])      # the fault: the route to the VMs is gone
    try:
        args = {'prefix': '10.220.1.0/24', 'gateway': '10.220.0.2', 'device': 'eth0', 'persist': True}
        check = ansible_run(lab.inventory_path, lab.ns('host'), 'vmnet.doctor.static_route', args, check=True, diff=True)
        assert check['changed'] and read(path) == IFUPDOWN, check
        assert check['diff']['before']['persisted'] == {'/etc/network/interfaces': IFUPDOWN}
        line = '    up ip route replace 10.220.1.0/24 via 10.220.0.2 dev eth0'
        assert line in check['diff']['after']['persisted']['/etc/network/interfaces']

        res = ansible_run(lab.inventory_path, lab.ns('host'), 'vmnet.doctor.static_route', args)
        assert res['changed'] and res['runtime_only'] is False, res
        assert res['persisted'] == [{'manager': 'ifupdown', 'path': '/etc/network/interfaces',
                                     'setting': 'route 10.220.1.0/24 via 10.220.0.2'}]
        text = read(path)
        assert text == IFUPDOWN.replace('    address 10.220.0.1/24\n', '    address 10.220.0.1/24\n' + line + '\n')
        assert lab.reachable('host', 'vm1')
        again = ansible_run(lab.inventory_path, lab.ns('host'), 'vmnet.doctor.static_route', args)
        assert again['changed'] is False, again

        # re-applied from the file, as ifup runs an "up" line (/bin/sh in the namespace)
        lab.run('host', ['ip', 'route', 'del', '10.220.1.0/24'])
        assert not lab.reachable('host', 'vm1', attempts=1)
        lab.run('host', ['/bin/sh', '-c', line.strip()[len('up '):]])
        assert lab.reachable('host', 'vm1')

        undo(ansible_run, lab, 'host', 'static_route', args, res)
        assert read(path) == IFUPDOWN                      # the file as it was
        assert '10.220.1.0/24' not in lab.run('host', ['ip', 'route']).stdout
    finally:
        lab.run('host', ['ip', 'route', 'replace', '10.220.1.0/24', 'via', '10.220.0.2', 'dev', 'eth0'])


def test_networkd_dropin_route_and_mtu(lab, ansible_run):
    dropin = etc(lab, 'vm1', 'systemd/network/10-eth0.network.d/vmnet-doctor.conf')
    args = {'prefix': '10.220.2.0/24', 'gateway': '10.220.1.1', 'persist': True}
    res = ansible_run(lab.inventory_path, lab.ns('vm1'), 'vmnet.doctor.static_route', args)
    assert res['changed'] and res['runtime_only'] is False, res
    assert res['persisted'] == [{'manager': 'systemd-networkd',
                                 'path': '/etc/systemd/network/10-eth0.network.d/vmnet-doctor.conf',
                                 'setting': 'route 10.220.2.0/24 via 10.220.1.1'}]
    assert '[Route]\nDestination=10.220.2.0/24\nGateway=10.220.1.1\n' in read(dropin)
    assert read(etc(lab, 'vm1', 'systemd/network/10-eth0.network')) == NETWORKD     # the user's file: untouched
    assert '10.220.2.0/24 via 10.220.1.1 dev eth0' in lab.run('vm1', ['ip', 'route']).stdout

    mtu = {'interface': 'eth0', 'mtu': 1400, 'persist': True}
    check = ansible_run(lab.inventory_path, lab.ns('vm1'), 'vmnet.doctor.interface_mtu', mtu, check=True, diff=True)
    assert check['changed'] and 'MTUBytes' not in read(dropin), check
    assert 'MTUBytes=1400' in check['diff']['after']['persisted']['/etc/systemd/network/10-eth0.network.d/vmnet-doctor.conf']
    res_mtu = ansible_run(lab.inventory_path, lab.ns('vm1'), 'vmnet.doctor.interface_mtu', mtu)
    assert res_mtu['changed'] and '[Link]\nMTUBytes=1400\n' in read(dropin), res_mtu

    undo(ansible_run, lab, 'vm1', 'interface_mtu', mtu, res_mtu)
    assert '[Link]\nMTUBytes=1500\n' in read(dropin)      # the previous MTU, persisted
    assert '"mtu":1500' in lab.run('vm1', ['ip', '-j', 'link', 'show', 'eth0']).stdout.replace(' ', '')
    undo(ansible_run, lab, 'vm1', 'static_route', args, res)
    assert 'Destination=10.220.2.0/24' not in read(dropin)
    assert '10.220.2.0/24' not in lab.run('vm1', ['ip', 'route']).stdout


def test_nm_keyfile_mtu_offline_and_unknown_interface(lab, ansible_run):
    keyfile = etc(lab, 'hv', 'NetworkManager/system-connections/eth1.nmconnection')
    args = {'interface': 'eth1', 'mtu': 1400, 'persist': True}
    res = ansible_run(lab.inventory_path, lab.ns('hv'), 'vmnet.doctor.interface_mtu', args, diff=True)
    assert res['changed'] and res['runtime_only'] is False, res
    assert res['persisted'] == [{'manager': 'NetworkManager', 'setting': 'mtu 1400',
                                 'path': '/etc/NetworkManager/system-connections/eth1.nmconnection'}]
    text = read(keyfile)
    assert '[ethernet]\nmtu=1400\n' in text and 'uuid=5c1c6a0e-3b9e-4e43-9d0c-6f3f8b6f0a11' in text, text
    assert res['diff']['before']['persisted'] == {'/etc/NetworkManager/system-connections/eth1.nmconnection': KEYFILE}
    again = ansible_run(lab.inventory_path, lab.ns('hv'), 'vmnet.doctor.interface_mtu', args)
    assert again['changed'] is False, again
    undo(ansible_run, lab, 'hv', 'interface_mtu', args, res)
    assert '[ethernet]\nmtu=1500\n' in read(keyfile)

    res = ansible_run(lab.inventory_path, lab.ns('hv'), 'vmnet.doctor.interface_mtu',
                      {'interface': 'eth0', 'mtu': 1500, 'persist': True})
    assert not res.get('failed') and res['changed'] is False and res['runtime_only'] is True, res
    assert 'no network manager configuration for eth0 was found' in res['persist_skipped'][0], res
    assert res['persisted'] == []
