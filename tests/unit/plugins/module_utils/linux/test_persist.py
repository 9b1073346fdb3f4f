# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""linux/persist.py on recorded manager files (fixtures/persist, see its README): detection, and
write -> read -> restore round trips for ifupdown, systemd-networkd and NetworkManager (nmcli)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import subprocess
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import persist
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import common, safe_write

FIX = os.path.join(os.path.dirname(__file__), 'fixtures', 'persist')


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read()


class FileRunner(object):
    """Real file I/O under a test root; nmcli answers from ``nm`` (None: nmcli not running)."""

    def __init__(self, nm=None, offline=False):
        self.nm = nm or {}
        self.offline = offline
        self.ran = []

    def run(self, argv):
        key = tuple(argv)
        if key == ('nmcli', '-t', '-f', 'RUNNING', 'general'):
            return (0, 'running\n', '') if self.nm else (8, '', 'Error: NetworkManager is not running.')
        if key in self.nm:
            return 0, self.nm[key], ''
        raise AssertionError('unexpected command %r' % (argv,))

    def check(self, argv):
        self.ran.append(list(argv))
        if argv[:3] == ['nmcli', 'connection', 'modify'] or argv[0] == 'mkdir':
            if argv[0] == 'mkdir':
                os.makedirs(argv[2])
            return ''
        return self.run(argv)[1]

    def module_bin(self, tool):
        return shutil.which(tool) if self.offline else None

    def filter(self, argv, data):
        proc = subprocess.run([shutil.which(argv[0])] + argv[1:], input=data, capture_output=True, text=True,
                              check=True)
        return proc.stdout

    read_file = staticmethod(safe_write.read_regular)
    check_writable = staticmethod(safe_write.check_target)

    def write(self, path, content):
        safe_write.write_atomic(path, content)

    def remove(self, path):
        os.unlink(path)


def put(root, path, content):
    full = os.path.join(str(root), path.lstrip('/'))
    if not os.path.isdir(os.path.dirname(full)):
        os.makedirs(os.path.dirname(full))
    with open(full, 'w') as f:
        f.write(content)
    return full


def run_plan(runner, settings, root):
    p = persist.plan(runner, settings, str(root))
    common.apply(runner, p['changes'])
    return p


GW = {'kind': 'gateway', 'ifname': 'eth0', 'family': 'ipv4', 'gateway': '192.0.2.1'}
ROUTE = {'kind': 'route', 'ifname': 'eth0', 'prefix': '10.9.0.0/24', 'gateway': '192.0.2.1', 'metric': 50,
         'state': 'present'}
MTU = {'kind': 'mtu', 'ifname': 'eth0', 'mtu': 1400}


# ---------------------------------------------------------------- detection

def test_unknown_manager_gives_message_and_writes_nothing(tmp_path):
    p = persist.plan(FileRunner(), [GW], str(tmp_path))
    assert p['changes'] == [] and p['persisted'] == []
    assert 'no network manager configuration for eth0 was found' in p['skipped'][0]


@pytest.mark.parametrize('path,content,name', [
    ('/etc/netplan/01-netcfg.yaml', 'network:\n  ethernets:\n    eth0:\n      dhcp4: true\n', 'netplan'),
    ('/etc/sysconfig/network-scripts/ifcfg-eth0', 'DEVICE=eth0\nBOOTPROTO=dhcp\n', 'ifcfg'),
    ('/etc/NetworkManager/system-connections/eth0.nmconnection',
     '[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\n', 'NetworkManager keyfile'),
])
def test_detected_but_not_written_managers_are_named(tmp_path, path, content, name):
    put(tmp_path, path, content)
    found = persist.detect(FileRunner(), 'eth0', str(tmp_path))
    assert found['manager'] is None
    assert 'managed by %s' % name in found['message'] and 'not persisted' in found['message']


def test_networkd_match_by_name_glob_and_not_by_other_keys(tmp_path):
    put(tmp_path, '/usr/lib/systemd/network/20-other.network', fixture('20-other.network'))
    assert persist.networkd_file('eth0', str(tmp_path)) is None
    put(tmp_path, '/usr/lib/systemd/network/10-eth0.network', fixture('10-eth0.network'))
    assert persist.networkd_file('ens3', str(tmp_path)).endswith('/usr/lib/systemd/network/10-eth0.network')
    # a file of the same name in /etc masks the one in /usr/lib
    put(tmp_path, '/etc/systemd/network/10-eth0.network', '[Match]\nName=eth9\n')
    assert persist.networkd_file('eth0', str(tmp_path)) is None


# ---------------------------------------------------------------- ifupdown

def test_ifupdown_round_trip_edits_only_the_stanza(tmp_path):
    original = fixture('interfaces')
    path = put(tmp_path, '/etc/network/interfaces', original)
    put(tmp_path, '/etc/network/interfaces.d/br0', fixture('interfaces.d-br0'))
    runner = FileRunner()
    p = run_plan(runner, [GW, ROUTE, MTU], tmp_path)
    assert [e['manager'] for e in p['persisted']] == ['ifupdown'] * 3
    assert p['before'][path] == original
    text = open(path).read()
    assert '    gateway 192.0.2.1\n' in text and '192.0.2.99' not in text
    assert '    up ip route replace 10.9.0.0/24 via 192.0.2.1 dev eth0 metric 50\n' in text
    assert '    mtu 1400\n' in text
    assert text.count('\n') == original.count('\n') + 2          # gateway replaced in place
    assert text.endswith('iface eth0 inet6 auto\n') and '# the uplink' in text
    assert persist.plan(runner, [GW, ROUTE, MTU], str(tmp_path))['changes'] == []   # idempotent
    # the inverse: old gateway back, route and (here) the mtu line as before
    back = [dict(GW, gateway='192.0.2.99'), dict(ROUTE, state='absent')]
    run_plan(runner, back, tmp_path)
    assert open(path).read() == original.replace('    dns-nameservers 192.0.2.53\n',
                                                 '    dns-nameservers 192.0.2.53\n    mtu 1400\n')


def test_ifupdown_sourced_file_and_tab_indent(tmp_path):
    put(tmp_path, '/etc/network/interfaces', fixture('interfaces'))
    br0 = put(tmp_path, '/etc/network/interfaces.d/br0', fixture('interfaces.d-br0'))
    run_plan(FileRunner(), [dict(MTU, ifname='br0', mtu=1500)], tmp_path)
    assert open(br0).read() == fixture('interfaces.d-br0').replace('mtu 1400', 'mtu 1500')


def test_ifupdown_refuses_gateway_in_non_static_stanza(tmp_path):
    put(tmp_path, '/etc/network/interfaces', 'iface eth0 inet dhcp\n')
    with pytest.raises(DoctorError) as e:
        persist.plan(FileRunner(), [GW], str(tmp_path))
    assert 'method dhcp' in str(e.value)


def test_ifupdown_absent_gateway_only_removes_that_gateway(tmp_path):
    text = fixture('interfaces')
    assert persist.ifupdown_edit(text, 'eth0', dict(GW, gateway=None, only='192.0.2.1')) == text
    assert '192.0.2.99' not in persist.ifupdown_edit(text, 'eth0', dict(GW, gateway=None, only='192.0.2.99'))


# ---------------------------------------------------------------- systemd-networkd

def test_networkd_dropin_round_trip(tmp_path):
    main = put(tmp_path, '/etc/systemd/network/10-eth0.network', fixture('10-eth0.network'))
    runner = FileRunner()
    p = run_plan(runner, [ROUTE, MTU], tmp_path)
    dropin = os.path.join(str(tmp_path), 'etc/systemd/network/10-eth0.network.d/vmnet-doctor.conf')
    assert p['persisted'][0] == {'manager': 'systemd-networkd', 'path': dropin, 'setting': 'route 10.9.0.0/24 via 192.0.2.1'}
    assert [c['action'] for c in p['changes']] == ['persist_mkdir', 'persist_write']
    assert p['before'][dropin] is None
    assert persist.networkd_state(open(dropin).read()) == {
        'gateways': [], 'mtu': 1400, 'routes': {'10.9.0.0/24': {'gateway': '192.0.2.1', 'metric': 50}}}
    assert open(main).read() == fixture('10-eth0.network')     # the user's file is never touched
    assert persist.plan(runner, [ROUTE, MTU], str(tmp_path))['changes'] == []
    # a gateway differing from the main file's gets a warning (a drop-in cannot remove Gateway=)
    p = run_plan(runner, [GW], tmp_path)
    assert 'also sets Gateway=192.0.2.99' in p['warnings'][0]
    # removing everything removes the drop-in
    back = [dict(GW, gateway=None), dict(ROUTE, state='absent')]
    p = run_plan(runner, back, tmp_path)
    assert os.path.exists(dropin)                      # the mtu stays
    p = persist.plan(runner, [dict(GW, gateway=None)], str(tmp_path))
    assert p['changes'] == []
    left = persist.networkd_state(open(dropin).read())
    assert left == {'gateways': [], 'routes': {}, 'mtu': 1400}
    assert persist.networkd_render(dict(left, mtu=None)) is None     # an empty drop-in is removed


def test_networkd_render_nothing_removes_file(tmp_path):
    put(tmp_path, '/etc/systemd/network/10-eth0.network', fixture('10-eth0.network'))
    runner = FileRunner()
    run_plan(runner, [ROUTE], tmp_path)
    p = run_plan(runner, [dict(ROUTE, state='absent')], tmp_path)
    assert [c['action'] for c in p['changes']] == ['persist_remove']
    assert not os.path.exists(os.path.join(str(tmp_path), 'etc/systemd/network/10-eth0.network.d/vmnet-doctor.conf'))


# ---------------------------------------------------------------- NetworkManager (nmcli)

NM_KEYS = 'ipv4.gateway,ipv6.gateway,ipv4.routes,ipv6.routes,802-3-ethernet.mtu'


def nm_runner():
    return FileRunner(nm={
        ('nmcli', '-g', 'GENERAL.CONNECTION', 'device', 'show', 'eth0'): 'Wired connection 1\n',
        ('nmcli', '-g', 'connection.type', 'connection', 'show', 'Wired connection 1'): '802-3-ethernet\n',
        ('nmcli', '-g', NM_KEYS, 'connection', 'show', 'Wired connection 1'): fixture('nmcli-wired.txt'),
    })


def test_nm_modify_through_nmcli(tmp_path):
    runner = nm_runner()
    p = run_plan(runner, [GW, ROUTE, MTU], tmp_path)
    assert runner.ran[-1] == ['nmcli', 'connection', 'modify', 'Wired connection 1', 'ipv4.gateway', '192.0.2.1',
                              '-ipv4.routes', '10.9.0.0/24 192.0.2.1 100', '+ipv4.routes', '10.9.0.0/24 192.0.2.1 50',
                              '802-3-ethernet.mtu', '1400']
    assert p['persisted'][0] == {'manager': 'NetworkManager', 'connection': 'Wired connection 1',
                                 'setting': 'gateway 192.0.2.1'}
    key = 'NetworkManager connection Wired connection 1'
    assert p['before'][key]['ipv4.gateway'] == '192.0.2.99' and p['after'][key]['ipv4.gateway'] == '192.0.2.1'


def test_nm_already_right_changes_nothing(tmp_path):
    same = [dict(GW, gateway='192.0.2.99'), dict(ROUTE, metric=100)]
    assert persist.plan(nm_runner(), same, str(tmp_path))['changes'] == []


def test_nm_absent_gateway_of_another_is_kept(tmp_path):
    p = persist.plan(nm_runner(), [dict(GW, gateway=None, only='192.0.2.1')], str(tmp_path))
    assert p['changes'] == []


KEYFILE = ('[connection]\nid=eth0\nuuid=5c1c6a0e-3b9e-4e43-9d0c-6f3f8b6f0a11\ntype=ethernet\ninterface-name=eth0\n\n'
           '[ethernet]\nmtu=1500\n\n[ipv4]\naddress1=192.0.2.10/24,192.0.2.99\nmethod=manual\n'
           'route1=10.9.0.0/24,192.0.2.1,100\n')


def test_keyfile_values():
    assert persist.keyfile_values(KEYFILE, '802-3-ethernet.mtu') == {
        'ipv4.gateway': '192.0.2.99', 'ipv4.routes': '10.9.0.0/24 192.0.2.1 100', 'ipv6.gateway': '',
        'ipv6.routes': '', '802-3-ethernet.mtu': '1500'}


def test_keyfile_already_right_is_not_rewritten(tmp_path):
    put(tmp_path, '/etc/NetworkManager/system-connections/eth0.nmconnection', KEYFILE)
    same = [dict(GW, gateway='192.0.2.99'), dict(ROUTE, metric=100), dict(MTU, mtu=1500)]
    p = persist.plan(FileRunner(offline=True), same, str(tmp_path))
    assert p['changes'] == [] and p['persisted'][0]['manager'] == 'NetworkManager'


@pytest.mark.skipif(not shutil.which('nmcli'), reason='nmcli (NetworkManager >= 1.40) is not installed')
def test_keyfile_round_trip_through_nmcli_offline(tmp_path):
    path = put(tmp_path, '/etc/NetworkManager/system-connections/eth0.nmconnection', KEYFILE)
    runner = FileRunner(offline=True)
    p = run_plan(runner, [GW, ROUTE, MTU], tmp_path)
    assert [c['action'] for c in p['changes']] == ['persist_write']
    values = persist.keyfile_values(open(path).read(), '802-3-ethernet.mtu')
    assert (values['ipv4.gateway'], values['ipv4.routes'], values['802-3-ethernet.mtu']) == (
        '192.0.2.1', '10.9.0.0/24 192.0.2.1 50', '1400')
    assert persist.plan(runner, [GW, ROUTE, MTU], str(tmp_path))['changes'] == []
    run_plan(runner, [dict(GW, gateway='192.0.2.99'), dict(ROUTE, metric=100), dict(MTU, mtu=1500)], tmp_path)
    values = persist.keyfile_values(open(path).read(), '802-3-ethernet.mtu')
    assert (values['ipv4.gateway'], values['ipv4.routes'], values['802-3-ethernet.mtu']) == (
        '192.0.2.99', '10.9.0.0/24 192.0.2.1 100', '1500')


# ---------------------------------------------------------------- rollback keeps persist

def test_inverse_passes_persist_only_when_something_was_persisted():
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
    args = {'prefix': '10.9.0.0/24', 'gateway': '192.0.2.1', 'persist': True}
    result = {'changed': True, 'before': {'prefix': '10.9.0.0/24', 'table': 'main', 'routes': []},
              'persisted': [{'manager': 'ifupdown', 'path': '/etc/network/interfaces', 'setting': 'route 10.9.0.0/24'}]}
    calls, _reason = fixer_registry.inverse('static_route', args, result)
    assert calls[0]['args'] == {'prefix': '10.9.0.0/24', 'table': 'main', 'state': 'absent', 'persist': True}
    calls, _reason = fixer_registry.inverse('static_route', args, dict(result, persisted=[]))
    assert 'persist' not in calls[0]['args']
    mtu = {'changed': True, 'before': {'mtu': {'eth0': 1500}}, 'after': {'mtu': {'eth0': 1400}},
           'persisted': [{'manager': 'systemd-networkd', 'path': '/x', 'setting': 'mtu 1400'}]}
    calls, _reason = fixer_registry.inverse('interface_mtu', {'interface': 'eth0', 'mtu': 1400, 'persist': True}, mtu)
    assert calls == [{'module': 'vmnet.doctor.interface_mtu', 'args': {'interface': 'eth0', 'mtu': 1500, 'persist': True}}]
    for name in ('default_gateway', 'static_route', 'interface_mtu'):
        assert fixer_registry.entry(name)['persist'] is True
