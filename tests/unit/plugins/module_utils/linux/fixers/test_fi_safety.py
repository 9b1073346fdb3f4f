# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11: input that would widen or break a change is refused before any I/O that changes
state; persist files are only ever regular files, replaced atomically keeping mode and owner;
a persist failure after a runtime change is reported as a change, naming what stays applied."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import socket
import stat

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import default_gateway as dg
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import icmp
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import mac
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import neighbor as nb
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import net_sysctl as ns
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import safe_write
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import static_route as sr
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import apply

from fi_fakes import FakeRunner, text

MAC_FX = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'fixtures', 'fixers')


def ip_runner():
    return FakeRunner({
        ('ip', '-j', '-4', 'route', 'show', 'table', 'main'): text('route4_wrong_default.json'),
        ('ip', '-j', '-6', 'route', 'show', 'table', 'main'): text('route6.json'),
        ('ip', '-j', '-d', 'link', 'show'): text('link_d.json'),
        ('ip', '-j', 'addr', 'show'): text('addr.json'),
        ('ip', '-j', '-4', 'neigh', 'show', 'to', '192.0.2.0'): text('neigh_none.json'),
        ('ip', '-j', '-4', 'neigh', 'show', 'to', '192.0.2.255'): text('neigh_none.json'),
        ('ip', '-j', '-4', 'neigh', 'show', 'to', '192.0.2.1'): text('neigh_none.json'),
    })


# ---------------------------------------------------------------- gateways / next hops
# addr.json: eth0 192.0.2.10/24, eth1 203.0.113.10/24, br0 198.51.100.1/24

@pytest.mark.parametrize('gateway, msg', [
    ('192.0.2.0', 'network address of the connected subnet 192.0.2.0/24'),
    ('192.0.2.255', 'broadcast address of the connected subnet 192.0.2.0/24'),
    ('203.0.113.0', 'network address'),
    ('198.51.100.255', 'broadcast address'),
    ('0.0.0.0', 'not a next hop'),
    ('255.255.255.255', 'not a next hop'),
    ('224.0.0.1', 'not a next hop'),
    ('127.0.0.1', 'not a next hop'),
    ('2001:db8:2::', 'network address of the connected subnet 2001:db8:2::/64'),
    ('::', 'not a next hop'),
    ('ff02::1', 'not a next hop'),
])
@pytest.mark.parametrize('fixer', ['default_gateway', 'static_route'])
def test_reserved_gateway_refused(fixer, gateway, msg):
    r = ip_runner()
    if fixer == 'default_gateway':
        want = dg.want_from_params(dict(gateway=gateway, device=None, metric=None, family=None, state='present'))
        mod = dg
    else:
        prefix = '10.20.0.0/16' if ':' not in gateway else '2001:db8:99::/48'
        want = sr.want_from_params(dict(prefix=prefix, gateway=gateway, device=None, metric=None, table='main',
                                        state='present'))
        mod = sr
    with pytest.raises(DoctorError) as e:
        mod.plan(want, mod.collect(r, want))
    assert msg in str(e.value)
    assert r.ran == []


def test_host_address_of_subnet_still_accepted():
    want = dg.want_from_params(dict(gateway='192.0.2.1', device=None, metric=None, family=None, state='present'))
    assert dg.plan(want, dg.collect(ip_runner(), want))


# ---------------------------------------------------------------- neighbor

@pytest.mark.parametrize('kw, msg', [
    (dict(address='0.0.0.0'), 'unspecified, loopback, multicast or broadcast'),
    (dict(address='255.255.255.255'), 'unspecified, loopback, multicast or broadcast'),
    (dict(address='224.0.0.5'), 'unspecified, loopback, multicast or broadcast'),
    (dict(address='127.0.0.1'), 'unspecified, loopback, multicast or broadcast'),
    (dict(address='::'), 'unspecified, loopback, multicast or broadcast'),
    (dict(address='ff02::1'), 'unspecified, loopback, multicast or broadcast'),
    (dict(address='192.0.2.0'), 'network address of the connected subnet 192.0.2.0/24'),
    (dict(address='192.0.2.255'), 'broadcast address of the connected subnet 192.0.2.0/24'),
    (dict(mac='00:00:00:00:00:00'), 'all-zero'),
    (dict(mac='ff:ff:ff:ff:ff:ff'), 'multicast/broadcast'),
    (dict(mac='01:00:5e:00:00:01'), 'multicast/broadcast'),
    (dict(mac='33:33:00:00:00:01'), 'multicast/broadcast'),
])
def test_neighbor_refuses_non_host_addresses(kw, msg):
    p = dict(address='192.0.2.1', device='eth0', mac='52:54:00:00:00:20', nud=None, state='present')
    p.update(kw)
    r = ip_runner()
    with pytest.raises(DoctorError) as e:
        want = nb.want_from_params(p)
        nb.plan(want, nb.collect(r, want))
    assert msg in str(e.value)
    assert r.ran == []


# ---------------------------------------------------------------- net_sysctl / icmp_rule / mac_allow

@pytest.mark.parametrize('iface', ['', '   '])
def test_net_sysctl_empty_interface_never_means_all(iface):
    with pytest.raises(DoctorError) as e:
        ns.want_from_params(dict(name='rp_filter', value=2, interface=iface, persist=False, persist_file=None))
    assert 'interface must name an interface' in str(e.value)
    assert ns.want_from_params(dict(name='rp_filter', value=2, interface=None, persist=False,
                                    persist_file=None))['interface'] == 'all'


@pytest.mark.parametrize('what', ['source', 'destination'])
@pytest.mark.parametrize('value', ['', ' '])
def test_icmp_rule_empty_source_never_means_any(what, value):
    with pytest.raises(DoctorError) as e:
        icmp.want_from_params({what: value})
    assert '%s must be an address or prefix' % what in str(e.value)
    assert icmp.want_from_params({what: 'any'})[what] is None


def _mac_links():
    with open(os.path.join(MAC_FX, 'links_bridge.json')) as f:
        return json.load(f)


@pytest.mark.parametrize('params, msg', [
    (dict(port='br0', bridge='br0'), 'is the bridge itself'),
    (dict(port='br0'), "port 'br0' is a bridge, not a bridge port"),
    (dict(port=''), "port '' is not a valid Linux interface name"),
    (dict(bridge=''), "bridge '' is not a valid Linux interface name"),
    (dict(mac='00:00:00:00:00:00'), 'all-zero'),
])
def test_mac_allow_refuses_bridge_as_port_and_empty_names(params, msg):
    p = dict(mac='52:54:00:aa:bb:02')
    p.update(params)
    with pytest.raises(DoctorError) as e:
        want = mac.want_from_params(p)
        mac.plan(want, mac.have_from_outputs(None, _mac_links()))
    assert msg in str(e.value)


# ---------------------------------------------------------------- persist files

def test_safe_write_refuses_symlink_device_directory_fifo(tmp_path):
    target = tmp_path / 'victim'
    target.write_text('precious\n')
    link = tmp_path / 'link'
    link.symlink_to(target)
    fifo = tmp_path / 'fifo'
    os.mkfifo(str(fifo))
    cases = {str(link): 'a symlink', str(tmp_path): 'a directory', '/dev/null': 'a character device',
             str(fifo): 'a FIFO', str(tmp_path / 'nodir' / 'f'): 'does not exist', 'relative': 'absolute path'}
    for path, kind in cases.items():
        calls = [lambda p=path: safe_write.write_atomic(p, 'x\n'), lambda p=path: safe_write.check_target(p)]
        if kind != 'does not exist':   # reading a file whose directory is missing: None (nothing to read)
            calls.append(lambda p=path: safe_write.read_regular(p))
        for call in calls:
            with pytest.raises(DoctorError) as e:
                call()
            assert kind in str(e.value), path
    assert safe_write.read_regular(str(tmp_path / 'nodir' / 'f')) is None
    assert target.read_text() == 'precious\n'
    assert stat.S_ISCHR(os.lstat('/dev/null').st_mode)
    assert os.path.islink(str(link))


def test_safe_write_keeps_mode_and_owner_and_creates_0644(tmp_path):
    path = tmp_path / 'rules'
    path.write_text('old\n')
    os.chmod(str(path), 0o600)
    if os.geteuid() == 0:
        os.chown(str(path), 4242, 4343)
    safe_write.write_atomic(str(path), 'new\n')
    st = os.stat(str(path))
    assert path.read_text() == 'new\n' and stat.S_IMODE(st.st_mode) == 0o600
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (4242, 4343)
    fresh = tmp_path / 'fresh'
    safe_write.write_atomic(str(fresh), 'a\n')
    assert stat.S_IMODE(os.stat(str(fresh)).st_mode) == 0o644
    assert sorted(os.listdir(str(tmp_path))) == ['fresh', 'rules']   # no temp file left


def test_safe_write_refuses_a_socket(tmp_path):
    path = str(tmp_path / 'sock')
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(path)
        with pytest.raises(DoctorError) as e:
            safe_write.write_atomic(path, 'x')
        assert 'a socket' in str(e.value)
    finally:
        s.close()


class WriteFailRunner(FakeRunner):
    def write(self, path, content):
        raise DoctorError('cannot write persist file %s: Permission denied' % path)


def test_net_sysctl_persist_failure_reports_the_applied_runtime_change():
    want = ns.want_from_params(dict(name='ip_forward', value=1, interface=None, persist=True,
                                    persist_file='/etc/sysctl.d/x.conf'))
    r = WriteFailRunner(files={'/proc/sys/net/ipv4/ip_forward': '0\n'})
    changes = ns.plan(want, ns.collect(r, want))
    with pytest.raises(DoctorError) as e:
        apply(r, changes)
    assert e.value.detail == {'applied': ['write 1 to /proc/sys/net/ipv4/ip_forward']}
    assert 'left in place: write 1 to /proc/sys/net/ipv4/ip_forward' in str(e.value)
    assert r.files['/proc/sys/net/ipv4/ip_forward'] == '1\n'


def test_icmp_rule_persist_failure_says_it_inserted_an_accept():
    r = WriteFailRunner(outputs={('nft', '-s', 'list', 'table', 'inet', 'filter'): 'table inet filter {}\n'})
    insert = ['nft', 'insert', 'rule', 'inet', 'filter', 'input', 'accept']
    changes = [{'action': 'insert', 'backend': 'nftables', 'argv': insert},
               {'action': 'persist', 'backend': 'nftables', 'write': '/etc/nftables.conf', 'dump': 'nftables',
                'content': None, 'dump_cmds': [['nft', '-s', 'list', 'table', 'inet', 'filter']]}]
    with pytest.raises(DoctorError) as e:
        icmp.apply_changes(r, changes)
    assert 'inserted an accept nftables' in str(e.value)
    assert e.value.detail == {'applied': ['nft insert rule inet filter input accept']}


def test_empty_table_and_comment_never_fall_back_to_defaults():
    # found by tests/integration/test_adversarial_fixers.py: table "" added the route to main
    with pytest.raises(DoctorError) as e:
        sr.want_from_params(dict(prefix='10.20.0.0/16', gateway='192.0.2.1', device=None, metric=None, table='',
                                 state='present'))
    assert "table ''" in str(e.value)
    with pytest.raises(DoctorError) as e:
        icmp.want_from_params({'comment': ''})
    assert "comment ''" in str(e.value)


def test_icmp_rule_default_persist_path_refused_only_when_written():
    bad = {'/etc/nftables.conf': 'persist path /etc/nftables.conf is a symlink, not a regular file'}
    want = icmp.want_from_params({'persist': True, 'state': 'absent'})
    have = {'firewalld': None, 'ufw': False, 'files': {}, 'dumps': {}, 'unwritable': bad, 'nft': None,
            'iptables': {}}
    assert icmp.plan_persist(want, have, []) == []                       # nothing to persist: not refused
    with pytest.raises(DoctorError) as e:
        icmp.plan_persist(want, have, [{'backend': 'nftables'}])         # a rule changed: its file would be written
    assert 'is a symlink' in str(e.value) and 'nothing was changed' in str(e.value)


def test_icmp_rule_explicit_bad_persist_path_is_refused_at_once(tmp_path):
    link = tmp_path / 'link'
    link.symlink_to(tmp_path / 'victim')
    want = icmp.want_from_params({'persist': True, 'persist_paths': {'iptables': str(link)}})
    assert want['explicit_paths'] == [str(link)]
    assert icmp.want_from_params({'persist': True, 'persist_paths': {'iptables': ''}})['explicit_paths'] == ['']
