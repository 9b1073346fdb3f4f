# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the vmnet.doctor.netns connection (no root needed: ``ip`` is a stub script)."""

import os
import stat

import pytest

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.playbook.play_context import PlayContext

from ansible_collections.vmnet.doctor.plugins.connection import netns


def _status(tmp_path, capeff):
    path = tmp_path / 'status'
    path.write_text('Name:\tpython3\nCapInh:\t0000000000000000\nCapEff:\t%s\n' % capeff)
    return str(path)


@pytest.mark.parametrize('capeff,expected', [
    ('000001ffffffffff', True),       # root
    ('0000000000200000', True),       # only CAP_SYS_ADMIN
    ('0000000000000000', False),      # unprivileged
    ('00000000001fffff', False),      # everything below CAP_SYS_ADMIN
])
def test_has_cap_sys_admin(tmp_path, capeff, expected):
    assert netns.has_cap_sys_admin(_status(tmp_path, capeff)) is expected


def _stub_ip(tmp_path, body):
    """An executable standing in for ``ip``: drops "netns exec NAME" and runs the rest."""
    path = tmp_path / 'ip'
    path.write_text('#!/bin/sh\n' + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def netns_dir(tmp_path, monkeypatch):
    run_dir = tmp_path / 'netns'
    run_dir.mkdir()
    for name in ('qrouter-1234', 'lab-vm1'):
        (run_dir / name).write_text('')
    monkeypatch.setattr(netns, 'NETNS_RUN_DIR', str(run_dir))
    monkeypatch.setattr(netns, 'has_cap_sys_admin', lambda: True)
    return run_dir


def make_connection(monkeypatch, **options):
    conn = netns.Connection(PlayContext())
    values = {'remote_addr': 'inventory-name', 'netns_name': None, 'netns_ip_command': 'ip',
              'netns_executable': '/bin/sh', 'pipelining': True, 'netns_environment': {}}
    values.update(options)
    monkeypatch.setattr(conn, 'get_option', lambda name, hostvars=None: values[name])
    return conn


def test_connect_ok(monkeypatch, netns_dir, tmp_path):
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    conn._connect()
    assert conn._connected
    assert conn._build_argv('echo hi') == [str(tmp_path / 'ip'), 'netns', 'exec', 'lab-vm1', '/bin/sh', '-c',
                                           'echo hi']


def test_name_falls_back_to_remote_addr(monkeypatch, netns_dir, tmp_path):
    conn = make_connection(monkeypatch, remote_addr='qrouter-1234', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    conn._connect()
    assert conn._netns == 'qrouter-1234'


def test_missing_namespace(monkeypatch, netns_dir, tmp_path):
    conn = make_connection(monkeypatch, netns_name='qdhcp-42', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    with pytest.raises(AnsibleConnectionFailure) as info:
        conn._connect()
    # other namespaces of the machine are not listed (issue 11): only similar names would be
    assert str(info.value) == ("network namespace 'qdhcp-42' does not exist "
                               "(no namespace with a similar name; see ip netns list)")


def test_missing_namespace_none_at_all(monkeypatch, netns_dir, tmp_path):
    for entry in netns_dir.iterdir():
        entry.unlink()
    conn = make_connection(monkeypatch, netns_name='x', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    with pytest.raises(AnsibleConnectionFailure) as info:
        conn._connect()
    assert 'no namespace with a similar name' in str(info.value)


def test_not_root(monkeypatch, netns_dir, tmp_path):
    monkeypatch.setattr(netns, 'has_cap_sys_admin', lambda: False)
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    with pytest.raises(AnsibleConnectionFailure) as info:
        conn._connect()
    assert str(info.value).startswith('entering a network namespace needs root (CAP_SYS_ADMIN): '
                                      'run as root or with become on the controller')


def test_ip_missing(monkeypatch, netns_dir, tmp_path):
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=str(tmp_path / 'nope' / 'ip'))
    with pytest.raises(AnsibleConnectionFailure) as info:
        conn._connect()
    assert "the 'ip' command (iproute2) was not found" in str(info.value)


@pytest.mark.parametrize('name', ['../etc', 'a/b', '.', 'has space'])
def test_invalid_name(monkeypatch, netns_dir, tmp_path, name):
    conn = make_connection(monkeypatch, netns_name=name, netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    with pytest.raises(AnsibleConnectionFailure) as info:
        conn._connect()
    assert 'invalid network namespace name' in str(info.value)


def test_exec_command_passes_argv_and_stdin(monkeypatch, netns_dir, tmp_path):
    # The stub checks it was called as "ip netns exec lab-vm1 SHELL -c CMD", then runs SHELL -c CMD.
    stub = _stub_ip(tmp_path, '[ "$1 $2 $3" = "netns exec lab-vm1" ] || exit 99\nshift 3\nexec "$@"\n')
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=stub)
    rc, out, err = conn.exec_command("printf 'out:'; cat; echo oops >&2; exit 3", in_data=b'piped module')
    assert (rc, out, err) == (3, b'out:piped module', b'oops\n')


def test_exec_command_namespace_vanished(monkeypatch, netns_dir, tmp_path):
    stub = _stub_ip(tmp_path, 'echo "Cannot open network namespace \\"$3\\": No such file or directory" >&2\n'
                              'exit 255\n')
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=stub)
    with pytest.raises(AnsibleConnectionFailure) as info:
        conn.exec_command('true')
    assert "network namespace 'lab-vm1' does not exist" in str(info.value)


def test_strip_become_success(monkeypatch):
    conn = make_connection(monkeypatch)

    class Become(object):
        success = 'BECOME-SUCCESS-abc'

    conn.become = Become()
    assert conn._strip_become_success(b'BECOME-SUCCESS-abc\r\n{"ok": 1}\n') == b'{"ok": 1}\n'
    assert conn._strip_become_success(b'{"ok": 1}\n') == b'{"ok": 1}\n'


def test_put_and_fetch_file(monkeypatch, netns_dir, tmp_path):
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    conn._connect()
    src = tmp_path / 'src.txt'
    src.write_bytes(b'\x00binary\xff')
    conn.put_file(str(src), str(tmp_path / 'put.txt'))
    assert (tmp_path / 'put.txt').read_bytes() == b'\x00binary\xff'
    conn.fetch_file(str(tmp_path / 'put.txt'), str(tmp_path / 'fetched.txt'))
    assert (tmp_path / 'fetched.txt').read_bytes() == b'\x00binary\xff'
    with pytest.raises(AnsibleFileNotFound):
        conn.put_file(str(tmp_path / 'missing'), str(tmp_path / 'x'))
    with pytest.raises(AnsibleError) as info:
        conn.put_file(str(src), str(src))
    assert 'are the same' in str(info.value)
    with pytest.raises(AnsibleError):
        conn.put_file(str(src), os.path.join(str(tmp_path), 'no', 'such', 'dir', 'f'))


def test_close_and_reset(monkeypatch, netns_dir, tmp_path):
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=_stub_ip(tmp_path, 'exit 0\n'))
    conn._connect()
    conn.reset()
    assert not conn._connected
    assert conn.has_pipelining is True


def test_exec_command_adds_the_environment(monkeypatch, netns_dir, tmp_path):
    """ansible_netns_environment reaches the command (a namespace's private D-Bus system bus)."""
    ip = _stub_ip(tmp_path, 'echo "bus=$DBUS_SYSTEM_BUS_ADDRESS"\n')
    conn = make_connection(monkeypatch, netns_name='lab-vm1', netns_ip_command=ip,
                           netns_environment={'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/run/x/bus.sock'})
    conn._connect()
    rc, out, _err = conn.exec_command('true')
    assert (rc, out) == (0, b'bus=unix:path=/run/x/bus.sock\n')
