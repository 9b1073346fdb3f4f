# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""interface_mtu, link_state and bridge_vlan: plans and exact argv on recorded outputs."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import bridge_vlan as bv
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import interface_mtu as im
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import link_state as ls

from fi_fakes import FakeRunner, load, text


def argvs(changes):
    return [c['argv'] for c in changes]


# ------------------------------------------------------------------ interface_mtu

def mtu_run(link_d='link_d.json', **kw):
    p = dict(interface='eth1', mtu=1500, bridge_ports=False)
    p.update(kw)
    want = im.want_from_params(p)
    have = im.collect(FakeRunner({('ip', '-j', '-d', 'link', 'show'): text(link_d)}), want)
    return want, have, im.plan(want, have)


def test_mtu_changed_and_already_right():
    want, have, changes = mtu_run()
    assert argvs(changes) == [['ip', 'link', 'set', 'dev', 'eth1', 'mtu', '1500']]
    assert im.states(want, have, changes) == ({'mtu': {'eth1': 1400}}, {'mtu': {'eth1': 1500}})
    assert mtu_run(interface='eth0')[2] == []


def test_mtu_bridge_with_ports_ports_first():
    want, have, changes = mtu_run(interface='br0', mtu=9000, bridge_ports=True)
    assert argvs(changes) == [['ip', 'link', 'set', 'dev', n, 'mtu', '9000'] for n in ('vnet0', 'vnet1', 'br0')]
    assert im.states(want, have, changes)[1] == {'mtu': {'vnet0': 9000, 'vnet1': 9000, 'br0': 9000}}
    # without bridge_ports only the bridge is touched
    assert argvs(mtu_run(interface='br0', mtu=9000)[2]) == [['ip', 'link', 'set', 'dev', 'br0', 'mtu', '9000']]
    assert mtu_run(interface='br0', mtu=1500, bridge_ports=True)[2] == []


def test_mtu_loopback_has_no_max_but_ip_bounds_it():
    # lo reports no max_mtu: 65535 (the largest IP packet) is the bound, not 2**31 - 1
    assert argvs(mtu_run(interface='lo', mtu=65535)[2]) == [['ip', 'link', 'set', 'dev', 'lo', 'mtu', '65535']]
    for mtu in (65536, 70000, 2147483647):
        with pytest.raises(DoctorError) as e:
            mtu_run(interface='lo', mtu=mtu)
        assert 'above 65535' in str(e.value)


@pytest.mark.parametrize('kw, msg', [
    (dict(mtu=67), 'below 68'),
    (dict(mtu=65536), 'mtu 65536 is above 65535'),
    (dict(interface='nosuch0'), "interface 'nosuch0' does not exist"),
    (dict(bridge_ports=True), 'eth1 is not a bridge (kind: veth)'),
])
def test_mtu_bad_input(kw, msg):
    with pytest.raises(DoctorError) as e:
        mtu_run(**kw)
    assert msg in str(e.value)


def test_mtu_one_bad_port_stops_all(tmp_path):
    import json
    links = json.loads(text('link_d.json'))
    for link in links:
        if link['ifname'] == 'vnet1':
            link['max_mtu'] = 1500
    path = tmp_path / 'l.json'
    path.write_text(json.dumps(links))
    want = im.want_from_params(dict(interface='br0', mtu=9000, bridge_ports=True))
    have = im.collect(FakeRunner({('ip', '-j', '-d', 'link', 'show'): path.read_text()}), want)
    with pytest.raises(DoctorError) as e:
        im.plan(want, have)
    assert 'maximum 1500 that device vnet1' in str(e.value)


# ------------------------------------------------------------------ link_state

def ls_run(link_d='link_d.json', bridge_link='bridge_link.json', **kw):
    p = dict(interface='vnet1', state='up', release_stp=False)
    p.update(kw)
    want = ls.want_from_params(p)
    r = FakeRunner({('ip', '-j', '-d', 'link', 'show'): text(link_d) if isinstance(link_d, str) else json.dumps(link_d),
                    ('bridge', '-j', 'link', 'show'): text(bridge_link)})
    have = ls.collect(r, want)
    return want, have, ls.plan(want, have)


def test_link_up_changed_and_already_right():
    want, have, changes = ls_run()
    assert argvs(changes) == [['ip', 'link', 'set', 'dev', 'vnet1', 'up']]
    assert ls.states(want, have, changes) == ({'interface': 'vnet1', 'admin_up': False},
                                              {'interface': 'vnet1', 'admin_up': True})
    assert ls_run(interface='vnet0')[2] == []


def test_link_down():
    assert argvs(ls_run(interface='eth0', state='down')[2]) == [['ip', 'link', 'set', 'dev', 'eth0', 'down']]
    assert ls_run(state='down')[2] == []


def _as_nic(name):
    """link_d.json with ``name`` a NIC (no linkinfo kind): its carrier comes after it is up."""
    links = load('link_d.json')
    for link in links:
        if link['ifname'] == name:
            link.pop('linkinfo', None)
    return links


def test_link_up_of_a_nic_waits_for_its_carrier_a_veth_does_not():
    want, _have, changes = ls_run(_as_nic('vnet1'))
    assert changes == [{'action': 'link_up', 'argv': ['ip', 'link', 'set', 'dev', 'vnet1', 'up'],
                        'interface': 'vnet1', 'carrier_wait': 5.0}]
    assert ls_run(_as_nic('vnet1'), carrier_wait=0)[2] == [{'action': 'link_up',
                                                            'argv': ['ip', 'link', 'set', 'dev', 'vnet1', 'up']}]
    assert 'carrier_wait' not in ls_run()[2][0]          # vnet1 is a veth in link_d.json


class Clock(object):
    """A clock that advances only when slept on."""

    def __init__(self):
        self.now, self.sleeps = 100.0, 0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.sleeps += 1


def _polled(states, wait):
    runner = FakeRunner()
    clock = Clock()
    path = '/sys/class/net/eno1/operstate'
    reads = iter(states)

    def read(p):
        assert p == path
        value = next(reads, states[-1])
        return None if value is None else value + '\n'
    runner.read = read
    return ls.wait_operational(runner, 'eno1', wait, clock=clock.time, sleep=clock.sleep), clock


def test_wait_operational_stops_at_the_kernel_verdict_or_the_bound():
    state, clock = _polled(['down', 'lowerlayerdown', 'up'], 5.0)
    assert (state, clock.sleeps) == ('up', 2)
    state, clock = _polled(['unknown'], 5.0)            # a driver without operstate: nothing to wait for
    assert (state, clock.sleeps) == ('unknown', 0)
    state, clock = _polled([None], 5.0)                 # unreadable: not waited for
    assert (state, clock.sleeps) == (None, 0)
    state, clock = _polled(['lowerlayerdown'], 0.5)     # never up: the bound, then the last state
    assert state == 'lowerlayerdown' and clock.now - 100.0 == pytest.approx(0.5, abs=ls.POLL)


def test_apply_records_the_state_and_a_link_still_without_carrier_is_warned_about():
    runner = FakeRunner(files={'/sys/class/net/eno1/operstate': 'lowerlayerdown\n'})
    want = ls.want_from_params(dict(interface='eno1', carrier_wait=0.1))
    changes = [{'action': 'link_up', 'argv': ['ip', 'link', 'set', 'dev', 'eno1', 'up'], 'interface': 'eno1',
                'carrier_wait': 0.1}]
    ls.apply(runner, changes)
    assert runner.ran == [['ip', 'link', 'set', 'dev', 'eno1', 'up']] and changes[0]['operstate'] == 'lowerlayerdown'
    warned = ls.warnings_after(want, {}, changes)
    assert len(warned) == 1 and 'eno1 is up, but after 0.1 s the kernel still reports it lowerlayerdown' in warned[0]
    runner.files['/sys/class/net/eno1/operstate'] = 'up\n'
    ls.apply(runner, changes)
    assert changes[0]['operstate'] == 'up' and ls.warnings_after(want, {}, changes) == []
    assert changes[0]['waited'] < 0.1


def test_release_stp_disabled_port_only_needs_up():
    want, have, changes = ls_run(release_stp=True)
    assert argvs(changes) == [['ip', 'link', 'set', 'dev', 'vnet1', 'up']]
    assert ls.states(want, have, changes)[1] == {'interface': 'vnet1', 'admin_up': True, 'port_state': 'forwarding'}


def test_release_stp_blocking_port_on_stp_off_bridge():
    want, have, changes = ls_run('link_d_stp.json', 'bridge_link_blocking.json', interface='vnet0', release_stp=True)
    assert argvs(changes) == [['bridge', 'link', 'set', 'dev', 'vnet0', 'state', '3']]
    assert ls.states(want, have, changes) == (
        {'interface': 'vnet0', 'admin_up': True, 'port_state': 'blocking'},
        {'interface': 'vnet0', 'admin_up': True, 'port_state': 'forwarding'})


def test_release_stp_forwarding_port_is_already_right():
    assert ls_run(interface='vnet0', release_stp=True)[2] == []


@pytest.mark.parametrize('kw, msg', [
    (dict(interface='vnet2', release_stp=True), 'which runs STP'),
    (dict(interface='eth0', release_stp=True), 'eth0 is not a bridge port'),
    (dict(interface='nosuch0'), "interface 'nosuch0' does not exist"),
    (dict(state='down', release_stp=True), 'makes no sense with state=down'),
    (dict(carrier_wait=-1), 'carrier_wait must be between 0 and 60 seconds'),
    (dict(carrier_wait=61), 'carrier_wait must be between 0 and 60 seconds'),
])
def test_link_state_bad_input(kw, msg):
    with pytest.raises(DoctorError) as e:
        ls_run('link_d_stp.json', 'bridge_link_blocking.json', **kw)
    assert msg in str(e.value)


# ------------------------------------------------------------------ bridge_vlan

def bv_run(vlan_show='bridge_vlan_show.json', link_d='link_d_stp.json', **kw):
    p = dict(port='vnet0', pvid=None, vids=None, untagged=None, state='present')
    p.update(kw)
    want = bv.want_from_params(p)
    r = FakeRunner({('ip', '-j', '-d', 'link', 'show'): text(link_d),
                    ('bridge', '-j', 'vlan', 'show'): text(vlan_show)})
    have = bv.collect(r, want)
    return want, have, bv.plan(want, have)


def test_bv_parse_documented_shape_with_ranges():
    _w, have, _c = bv_run(port='vnet1', vids=[10])
    assert have['vlans'] == {10: {'pvid': False, 'untagged': False}, 11: {'pvid': False, 'untagged': False},
                             12: {'pvid': False, 'untagged': False}}


def test_bv_move_pvid_access_port():
    want, have, changes = bv_run(pvid=10, untagged=[10])
    # only the new PVID is added; the kernel clears the old PVID flag of 20 by itself
    assert argvs(changes) == [['bridge', 'vlan', 'add', 'dev', 'vnet0', 'vid', '10', 'pvid', 'untagged']]
    assert bv.states(want, have, changes) == (
        {'port': 'vnet0', 'pvid': 20, 'vids': [20, 30], 'untagged': [20]},
        {'port': 'vnet0', 'pvid': 10, 'vids': [10, 20, 30], 'untagged': [10, 20]})


def test_bv_already_right():
    assert bv_run(pvid=20)[2] == []
    assert bv_run(pvid=20, untagged=[20], vids=[30])[2] == []
    assert bv_run(port='vnet1', vids=[11, 12])[2] == []


def test_bv_readding_keeps_pvid_flag():
    # making 20 tagged must keep it the PVID (bridge vlan add rewrites both flags)
    _w, _h, changes = bv_run(vids=[20], untagged=[])
    assert argvs(changes) == [['bridge', 'vlan', 'add', 'dev', 'vnet0', 'vid', '20', 'pvid']]


def test_bv_new_vids_tagged_existing_flags_kept():
    _w, _h, changes = bv_run(vids=[30, 40, 41])
    assert argvs(changes) == [['bridge', 'vlan', 'add', 'dev', 'vnet0', 'vid', '40'],
                              ['bridge', 'vlan', 'add', 'dev', 'vnet0', 'vid', '41']]


def test_bv_bridge_self():
    _w, _h, changes = bv_run(port='br0', vids=[5])
    assert argvs(changes) == [['bridge', 'vlan', 'add', 'dev', 'br0', 'vid', '5', 'self']]


def test_bv_absent():
    want, have, changes = bv_run(vids=[30, 99], state='absent')
    assert argvs(changes) == [['bridge', 'vlan', 'del', 'dev', 'vnet0', 'vid', '30']]
    assert bv.states(want, have, changes)[1] == {'port': 'vnet0', 'pvid': 20, 'vids': [20], 'untagged': [20]}
    assert bv_run(vids=[99], state='absent')[2] == []


def test_bv_no_vlan_support_kernel_plans_from_empty_table_and_warns():
    # bridge -j vlan show prints [] on this kernel (captured in fixtures/linux)
    want, have, changes = bv_run(vlan_show='../linux/bridge_vlan_nofilter.json', link_d='link_d.json', port='vnet1',
                                 pvid=10, untagged=[10])
    assert argvs(changes) == [['bridge', 'vlan', 'add', 'dev', 'vnet1', 'vid', '10', 'pvid', 'untagged']]
    assert 'vlan_filtering is off on bridge br0' in bv.warnings(want, have)[0]


def test_bv_operation_not_supported_is_explained():
    r = FakeRunner(fail={('bridge', 'vlan', 'add', 'dev', 'vnet1', 'vid', '10', 'pvid', 'untagged'):
                         'RTNETLINK answers: Operation not supported'})
    with pytest.raises(DoctorError) as e:
        bv.apply(r, [{'argv': ['bridge', 'vlan', 'add', 'dev', 'vnet1', 'vid', '10', 'pvid', 'untagged']},
                     {'argv': ['bridge', 'vlan', 'del', 'dev', 'vnet1', 'vid', '1']}])
    assert 'no bridge VLAN filtering support' in str(e.value)
    assert 'nothing was changed' in str(e.value)
    assert r.ran == []


@pytest.mark.parametrize('kw, msg', [
    (dict(pvid=4095), 'pvid 4095 is not a valid VLAN id'),
    (dict(vids=[0]), 'vid 0 is not a valid VLAN id'),
    (dict(), 'nothing to do'),
    (dict(port='eth0', vids=[10]), 'neither a bridge port nor a bridge'),
    (dict(port='nosuch0', vids=[10]), "port 'nosuch0' does not exist"),
    (dict(vids=[10], untagged=[10], state='absent'), 'untagged is meaningless'),
])
def test_bv_bad_input(kw, msg):
    with pytest.raises(DoctorError) as e:
        bv_run(**kw)
    assert msg in str(e.value)
