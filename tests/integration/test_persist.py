# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixes that persist (``persist: true``) in one routed namespace lab, run as real modules.

Each node gets its own network manager configuration through ``ip netns exec``'s per-namespace
/etc (ip-netns(8): ``/etc/netns/NS/<entry>`` is bind-mounted over ``/etc/<entry>``; the netns
connection runs every module that way), so the real /etc is never touched:

* host: ifupdown (a private ``/etc/network`` with ``interfaces`` holding ``iface eth0 inet static``
  and empty hook directories), and ifupdown itself runs there: after each persisted fix
  (static_route, default_gateway, interface_mtu) the fault is re-injected at runtime and
  ``ifdown --force eth0; ifup eth0`` (the real Debian ifupdown, ``--state-dir`` in the lab's state
  dir instead of the shared /run/network) restores it from the file; after the registry's inverse
  (the rollback) the same restart no longer applies the fix. What ifup ran (``--verbose``) is checked
  to be ``ip`` commands on eth0 only, and the root namespace's addresses, routes and
  /etc/network/interfaces are compared before and after the module;
* vm1: systemd-networkd (``/etc/systemd/network/10-eth0.network``);
* hv: a NetworkManager keyfile for eth1 while NetworkManager does not run (rewritten through
  ``nmcli --offline connection modify``); hv's eth0, which no manager names, gets a message and
  nothing is written.

Neither systemd-networkd (it needs systemd as PID 1 and udev) nor NetworkManager (veths stay
unmanaged without udev) re-applies its file here: for those the test checks the written drop-in and
keyfile; ``networkctl reload`` / ``nmcli connection up`` are not exercised. Needs root.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import subprocess

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
import fwdaemons
from vmnetlab import BIG_PING, Lab, destroy_lab, unique_prefix

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


def root_state():
    """What ifupdown in the lab must never change: the root namespace's addresses and routes (per
    interface: another test's lab may come and go meanwhile) and the root's ifupdown configuration
    and state."""
    files = {}
    for path in ('/etc/network/interfaces', '/run/network/ifstate'):
        if os.path.exists(path):
            with open(path, 'rb') as handle:
                files[path] = hashlib.sha256(handle.read()).hexdigest()

    def ip(argv):
        return json.loads(subprocess.run(['ip', '-j'] + argv, capture_output=True, text=True, check=True).stdout
                          or '[]')
    per_if = {}
    for link in ip(['addr']):
        per_if[link['ifname']] = {'mtu': link.get('mtu'), 'flags': link.get('flags'),
                                  'addr': sorted('%s/%s' % (a['local'], a['prefixlen'])
                                                 for a in link.get('addr_info', []))}
    for family in ('-4', '-6'):
        for route in ip([family, 'route']):
            if route.get('dev') in per_if:
                per_if[route['dev']].setdefault('routes', []).append(
                    ' '.join(str(route.get(k)) for k in ('dst', 'gateway', 'metric')))
    return {'files': files, 'ip': per_if, 'run_network': os.path.exists('/run/network')}


def same_root(before):
    after = root_state()
    after['ip'] = dict((name, after['ip'].get(name)) for name in before['ip'])
    return after == before


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    before = root_state()
    lab = Lab(unique_prefix('ps'), 'routed')
    try:
        lab.up()
        fwdaemons.ifupdown_config(lab, 'host', IFUPDOWN)
        put(etc(lab, 'vm1', 'systemd/network/10-eth0.network'), NETWORKD)
        put(etc(lab, 'hv', 'NetworkManager/system-connections/eth1.nmconnection'), KEYFILE)
        lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
        lab.write_inventory(lab.inventory_path)
        yield lab
    finally:
        destroy_lab(lab.prefix)        # also removes /etc/netns/<prefix>-*
        assert not [p for p in os.listdir(fwdaemons.ETC_NETNS) if p.startswith(lab.prefix + '-')] \
            if os.path.isdir(fwdaemons.ETC_NETNS) else True
        assert not os.path.exists(fwdaemons.ifupdown_state_dir(lab, 'host'))
    assert same_root(before)


def undo(ansible_run, lab, node, name, args, result):
    calls, reason = fixer_registry.inverse(name, args, result)
    assert calls, reason
    for c in calls:
        assert c['args'].get('persist') is True, c      # rollback restores the persisted copy too
        out = ansible_run(lab.inventory_path, lab.ns(node), c['module'], c['args'])
        assert not out.get('failed'), out


def restart(lab):
    """``ifdown --force eth0; ifup eth0`` by ifupdown in the host's namespace; the commands ifup ran,
    each checked to act on eth0 of the namespace only (and the root namespace checked unchanged)."""
    before = root_state()
    out = fwdaemons.ifupdown_restart(lab, 'host', 'eth0')
    commands = [' '.join(line.split()) for line in out.splitlines() if line.strip() and not line.startswith('ifup:')]
    for command in commands:
        assert (command.startswith('run-parts ') and '/etc/network/if-' in command) or \
            (command.startswith('ip ') and ' dev eth0' in command), (command, out)
    assert same_root(before)
    return commands


def heal_host(lab):
    """The host's eth0 as the lab built it, and its interfaces file as the fixture wrote it."""
    fwdaemons.ifupdown_config(lab, 'host', IFUPDOWN)
    lab.run('host', ['ip', 'link', 'set', 'eth0', 'mtu', '1500', 'up'])
    lab.run('host', ['ip', 'route', 'del', 'default'], check=False)
    lab.run('host', ['ip', 'route', 'replace', '10.220.1.0/24', 'via', '10.220.0.2', 'dev', 'eth0'])


def mtu(lab, node):
    return json.loads(lab.run(node, ['ip', '-j', 'link', 'show', 'eth0']).stdout)[0]['mtu']


def test_ifupdown_route_persisted_reapplied_by_ifup_and_rolled_back(lab, ansible_run):
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

        # the fault again at runtime: ifupdown itself brings the route back from the file
        lab.run('host', ['ip', 'route', 'del', '10.220.1.0/24'])
        assert not lab.reachable('host', 'vm1', attempts=1)
        assert line.strip()[len('up '):] in restart(lab)
        assert lab.reachable('host', 'vm1')

        undo(ansible_run, lab, 'host', 'static_route', args, res)
        assert read(path) == IFUPDOWN                      # the file as it was
        assert '10.220.1.0/24' not in lab.run('host', ['ip', 'route']).stdout
        # rolled back: ifupdown no longer re-applies the route
        assert not [c for c in restart(lab) if '10.220.1.0/24' in c]
        assert '10.220.1.0/24' not in lab.run('host', ['ip', 'route']).stdout
    finally:
        heal_host(lab)


def test_ifupdown_gateway_persisted_reapplied_by_ifup_and_rolled_back(lab, ansible_run):
    path = etc(lab, 'host', 'network/interfaces')
    lab.run('host', ['ip', 'route', 'del', '10.220.1.0/24'])      # the host reaches the VMs by its default route only
    try:
        args = {'gateway': '10.220.0.2', 'device': 'eth0', 'persist': True}
        res = ansible_run(lab.inventory_path, lab.ns('host'), 'vmnet.doctor.default_gateway', args)
        assert res['changed'] and res['runtime_only'] is False, res
        assert res['persisted'] == [{'manager': 'ifupdown', 'path': '/etc/network/interfaces',
                                     'setting': 'gateway 10.220.0.2'}]
        assert read(path) == IFUPDOWN.replace('    address 10.220.0.1/24\n',
                                              '    address 10.220.0.1/24\n    gateway 10.220.0.2\n')
        assert lab.reachable('host', 'vm1')

        lab.run('host', ['ip', 'route', 'del', 'default'])
        assert not lab.reachable('host', 'vm1', attempts=1)
        assert 'ip route add default via 10.220.0.2 dev eth0 onlink' in restart(lab)
        assert 'default via 10.220.0.2 dev eth0' in lab.run('host', ['ip', 'route']).stdout
        assert lab.reachable('host', 'vm1')

        undo(ansible_run, lab, 'host', 'default_gateway', args, res)
        assert read(path) == IFUPDOWN
        assert not [c for c in restart(lab) if 'default' in c]
        assert 'default' not in lab.run('host', ['ip', 'route']).stdout
        assert not lab.reachable('host', 'vm1', attempts=1)
    finally:
        heal_host(lab)


def test_ifupdown_mtu_persisted_reapplied_by_ifup_and_rolled_back(lab, ansible_run):
    path = etc(lab, 'host', 'network/interfaces')
    lab.run('host', ['ip', 'link', 'set', 'eth0', 'mtu', '1400'])   # the fault: below its peer's 1500
    try:
        assert not lab.reachable('host', 'vm1', size=BIG_PING, attempts=1)
        args = {'interface': 'eth0', 'mtu': 1500, 'persist': True}
        res = ansible_run(lab.inventory_path, lab.ns('host'), 'vmnet.doctor.interface_mtu', args)
        assert res['changed'] and res['runtime_only'] is False, res
        assert res['persisted'] == [{'manager': 'ifupdown', 'path': '/etc/network/interfaces', 'setting': 'mtu 1500'}]
        assert read(path) == IFUPDOWN.replace('    address 10.220.0.1/24\n', '    address 10.220.0.1/24\n    mtu 1500\n')

        lab.run('host', ['ip', 'link', 'set', 'eth0', 'mtu', '1400'])
        assert 'ip link set dev eth0 mtu 1500 up' in restart(lab)
        # the lab's route to the VMs is not in this interfaces file: the restart dropped it
        lab.run('host', ['ip', 'route', 'replace', '10.220.1.0/24', 'via', '10.220.0.2', 'dev', 'eth0'])
        assert mtu(lab, 'host') == 1500 and lab.reachable('host', 'vm1', size=BIG_PING)

        # the inverse persists the MTU the fix found (1400): ifupdown now applies that, not the fix
        undo(ansible_run, lab, 'host', 'interface_mtu', args, res)
        assert '    mtu 1400\n' in read(path) and '    mtu 1500\n' not in read(path)
        lab.run('host', ['ip', 'link', 'set', 'eth0', 'mtu', '1500'])
        assert 'ip link set dev eth0 mtu 1400 up' in restart(lab)
        assert mtu(lab, 'host') == 1400
    finally:
        heal_host(lab)


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
