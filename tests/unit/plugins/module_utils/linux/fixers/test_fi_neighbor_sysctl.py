# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""neighbor and net_sysctl: plans per state x (new, changed, already right), bad input."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import neighbor as nb
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import net_sysctl as ns
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import apply

from fi_fakes import FakeRunner, text

NEIGH = {'192.0.2.1': 'neigh_permanent_wrong.json', '192.0.2.20': 'neigh_reachable.json',
         '192.0.2.77': 'neigh_failed.json', '192.0.2.55': 'neigh_none.json'}
RIGHT = '52:54:00:00:00:20'


def argvs(changes):
    return [c['argv'] for c in changes]


def nb_run(**kw):
    p = dict(address='192.0.2.1', device='eth0', mac=RIGHT, nud=None, state='present')
    p.update(kw)
    want = nb.want_from_params(p)
    r = FakeRunner({('ip', '-j', '-4', 'neigh', 'show', 'to', want['address']): text(NEIGH.get(want['address'], 'neigh_none.json')),
                    ('ip', '-j', '-d', 'link', 'show'): text('link_d.json'),
                    ('ip', '-j', 'addr', 'show'): text('addr.json')})
    have = nb.collect(r, want)
    return want, have, nb.plan(want, have)


def test_nb_wrong_permanent_is_replaced_permanent():
    want, have, changes = nb_run()
    assert argvs(changes) == [['ip', 'neigh', 'replace', '192.0.2.1', 'lladdr', RIGHT, 'dev', 'eth0', 'nud', 'permanent']]
    assert nb.states(want, have, changes) == (
        {'address': '192.0.2.1', 'entries': [{'dev': 'eth0', 'mac': '52:54:00:00:00:99', 'state': 'PERMANENT'}]},
        {'address': '192.0.2.1', 'entries': [{'dev': 'eth0', 'mac': RIGHT, 'state': 'PERMANENT'}]})
    assert argvs(nb_run(nud='reachable')[2])[0][-1] == 'reachable'


def test_nb_new_entry_is_reachable_and_mac_normalised():
    _w, _h, changes = nb_run(address='192.0.2.55', mac='52-54-00-00-00-20'.upper())
    assert argvs(changes) == [['ip', 'neigh', 'replace', '192.0.2.55', 'lladdr', RIGHT, 'dev', 'eth0', 'nud', 'reachable']]


def test_nb_already_right_and_failed_entry():
    assert nb_run(address='192.0.2.20')[2] == []
    assert nb_run(address='192.0.2.20', nud='permanent')[2] != []
    assert nb_run(address='192.0.2.1', mac='52:54:00:00:00:99')[2] == []
    # a FAILED entry never counts as right
    assert len(nb_run(address='192.0.2.77', mac=RIGHT)[2]) == 1


def test_nb_absent_flush_filtered_and_missing():
    want, have, changes = nb_run(state='absent', mac=None, device=None)
    assert argvs(changes) == [['ip', 'neigh', 'del', '192.0.2.1', 'dev', 'eth0']]
    assert nb.states(want, have, changes)[1] == {'address': '192.0.2.1', 'entries': []}
    assert nb_run(state='absent', mac=RIGHT)[2] == []          # only the wrong MAC is flushed
    assert nb_run(state='absent', device='eth1', mac=None)[2] == []
    assert nb_run(address='192.0.2.55', state='absent', mac=None)[2] == []


@pytest.mark.parametrize('kw, msg', [
    (dict(mac='52:54:00:00:00'), 'is not a valid MAC address'),
    (dict(mac='ff:ff:ff:ff:ff:ff'), 'multicast/broadcast'),
    (dict(address='192.0.2.256'), 'is not a valid IPv4 or IPv6 address'),
    (dict(device='nosuch0'), "device 'nosuch0' does not exist"),
    (dict(address='192.0.2.10'), 'is an address of this host'),
    (dict(mac=None), 'mac is required'),
    (dict(device=None), 'device is required'),
    (dict(state='absent', nud='permanent'), 'nud is meaningless'),
])
def test_nb_bad_input(kw, msg):
    with pytest.raises(DoctorError) as e:
        nb_run(**kw)
    assert msg in str(e.value)


def test_nb_off_subnet_warns():
    want, have, _c = nb_run(address='192.0.2.55', device='eth1')
    assert 'not on a subnet of eth1' in nb.warnings(want, have)[0]


# ------------------------------------------------------------------ net_sysctl

PF = '/tmp/fi-test-sysctl.conf'


def ns_run(files, **kw):
    p = dict(name='ip_forward', value=1, interface='all', persist=False, persist_file=PF)
    p.update(kw)
    want = ns.want_from_params(p)
    r = FakeRunner(files=files)
    have = ns.collect(r, want)
    return want, have, ns.plan(want, have), r


def test_ns_runtime_change_and_already_right():
    want, have, changes, r = ns_run({'/proc/sys/net/ipv4/ip_forward': '0\n'})
    assert changes == [{'action': 'set_runtime', 'proc': '/proc/sys/net/ipv4/ip_forward', 'content': '1\n'}]
    assert ns.states(want, have, changes) == ({'key': 'net.ipv4.ip_forward', 'value': 0},
                                              {'key': 'net.ipv4.ip_forward', 'value': 1})
    assert ns.runtime_only(want) is True
    apply(r, changes)
    assert r.written == {'/proc/sys/net/ipv4/ip_forward': '1\n'}
    assert ns_run({'/proc/sys/net/ipv4/ip_forward': '1\n'})[2] == []


def test_ns_persist_new_file_changed_line_and_right():
    want, have, changes, r = ns_run({'/proc/sys/net/ipv4/ip_forward': '1\n'}, persist=True)
    assert [c['action'] for c in changes] == ['persist']
    assert changes[0]['content'] == ns.FILE_HEADER + 'net.ipv4.ip_forward = 1\n'
    assert ns.runtime_only(want) is False
    existing = '# mine\nnet.ipv4.conf.all.rp_filter = 2\nnet.ipv4.ip_forward=0\n'
    _w, _h, changes, _r = ns_run({'/proc/sys/net/ipv4/ip_forward': '0\n', PF: existing}, persist=True)
    assert [c['action'] for c in changes] == ['set_runtime', 'persist']
    assert changes[1]['content'] == '# mine\nnet.ipv4.conf.all.rp_filter = 2\nnet.ipv4.ip_forward = 1\n'
    assert ns_run({'/proc/sys/net/ipv4/ip_forward': '1\n', PF: 'net/ipv4/ip_forward = 1\n'}, persist=True)[2] == []


def test_ns_per_interface_key_and_dotted_ifname():
    want, _h, changes, _r = ns_run({'/proc/sys/net/ipv4/conf/eth0.10/rp_filter': '1\n'},
                                   name='rp_filter', interface='eth0.10', value=2, persist=True)
    assert want['key'] == 'net.ipv4.conf.eth0/10.rp_filter'
    assert changes[0]['proc'] == '/proc/sys/net/ipv4/conf/eth0.10/rp_filter'
    assert changes[1]['content'].endswith('net.ipv4.conf.eth0/10.rp_filter = 2\n')


def test_ns_warnings():
    want, have, _c, _r = ns_run({'/proc/sys/net/ipv4/conf/eth0/rp_filter': '1\n',
                                 '/proc/sys/net/ipv4/conf/all/rp_filter': '1\n'},
                                name='rp_filter', interface='eth0', value=0)
    assert 'effective value stays 1' in ns.warnings(want, have)[0]
    want, have, _c, _r = ns_run({'/proc/sys/net/ipv4/ip_forward': '0\n', PF: 'net.ipv4.ip_forward = 0\n'})
    assert 'will come back at the next boot' in ns.warnings(want, have)[0]


@pytest.mark.parametrize('kw, msg', [
    (dict(name='tcp_syncookies'), "not one this module manages"),
    (dict(value=2), 'value 2 is out of range for ip_forward'),
    (dict(name='arp_ignore', value=9), 'out of range for arp_ignore'),
    (dict(interface='eth0'), 'is a global setting'),
    (dict(name='rp_filter', interface='nosuch0'), "interface 'nosuch0' does not exist"),
    (dict(persist_file='relative.conf'), 'absolute path'),
])
def test_ns_bad_input(kw, msg):
    with pytest.raises(DoctorError) as e:
        ns_run({'/proc/sys/net/ipv4/ip_forward': '0\n'}, **kw)
    assert msg in str(e.value)
