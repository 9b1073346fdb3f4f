# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One read model: the fixers read kernel state with the collector's commands and parser
(linux/state.py over linux/parse.py), on the recorded iproute2 outputs of tests/unit/fixtures/fixers_ip."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import parse, state as kernel
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import (
    bridge_vlan, default_gateway, interface_mtu, link_state, neighbor, routes, static_route)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

from fi_fakes import FakeRunner, load, text

READS = {
    tuple(kernel.route_argv('ipv4', 'main')): text('route4_wrong_default.json'),
    tuple(kernel.route_argv('ipv6', 'main')): text('route6.json'),
    tuple(kernel.route_argv('ipv4', '100')): text('route4_table100.json'),
    tuple(kernel.LINK_SHOW): text('link_d.json'),
    tuple(kernel.ADDR_SHOW): text('addr.json'),
    tuple(kernel.BRIDGE_LINK_SHOW): text('bridge_link_blocking.json'),
    tuple(kernel.BRIDGE_VLAN_SHOW): text('bridge_vlan_show.json'),
    tuple(kernel.neigh_argv('ipv4', '192.0.2.1')): text('neigh_permanent_wrong.json'),
}


class CountingRunner(FakeRunner):
    """FakeRunner that counts every read command."""

    def __init__(self, *args, **kwargs):
        super(CountingRunner, self).__init__(*args, **kwargs)
        self.reads = []

    def run(self, argv):
        self.reads.append(tuple(argv))
        return super(CountingRunner, self).run(argv)


def test_interfaces_are_the_collectors_schema_interfaces():
    runner = CountingRunner(READS)
    interfaces = KernelState(runner).interfaces(addresses=True)
    expected = parse.parse_interfaces(load('link_d.json'), load('addr.json'))
    assert list(interfaces.values()) == expected
    assert interfaces['eth0']['addresses'][0]['address'] == '192.0.2.10'
    # min_mtu is part of the schema now (interface_mtu's lower bound); lo says 0 = not said
    assert (interfaces['eth0']['min_mtu'], interfaces['lo']['min_mtu']) == (68, None)


def test_each_command_runs_once_per_state():
    runner = CountingRunner(READS)
    state = KernelState(runner)
    state.interfaces()
    state.interfaces(addresses=True)
    state.bridges()
    assert sorted(runner.reads) == sorted([tuple(kernel.LINK_SHOW), tuple(kernel.ADDR_SHOW)])


def test_route_views_follow_the_schema_routes():
    state = KernelState(FakeRunner(READS))
    schema = state.routes('ipv4', 'main')
    assert [r['dst'] for r in schema][:2] == ['default', 'default']
    views = routes.read_table(state, 'ipv4', 'main')
    assert [(v['dst'], v['gateway'], v['dev'], v['metric']) for v in views[:2]] == [
        ('0.0.0.0/0', '192.0.2.99', 'eth0', 100), ('0.0.0.0/0', '203.0.113.1', 'eth1', 200)]
    # a connected route printed without a metric has the kernel's default (0 for IPv4)
    assert all(v['metric'] == 0 for v in views if v['gateway'] is None and v['dst'] != '0.0.0.0/0')
    # a one-table listing names no table: the table asked for is filled in
    assert [r['table'] for r in state.routes('ipv4', '100')] == ['100']


def test_route_view_of_a_multipath_and_an_ipv6_route():
    hop = {'family': 'ipv4', 'table': 'main', 'dst': '10.9.0.0/24', 'gateway': None, 'dev': None, 'metric': None,
           'type': 'unicast', 'protocol': 'boot', 'scope': 'global', 'prefsrc': None, 'onlink': False,
           'nexthops': [{'gateway': '192.0.2.1', 'dev': 'eth0', 'weight': 1, 'onlink': False},
                        {'gateway': '192.0.2.2', 'dev': 'eth0', 'weight': 1, 'onlink': False}]}
    assert routes.route_view(hop)['nexthops'] == ['192.0.2.1', '192.0.2.2']
    assert routes.route_view(dict(hop, family='ipv6', dst='default', nexthops=[]))['metric'] == 1024
    assert routes.route_view(dict(hop, family='ipv6', dst='default', nexthops=[]))['dst'] == '::/0'


def test_a_missing_custom_table_is_empty_but_a_failing_main_table_is_an_error():
    missing = tuple(kernel.route_argv('ipv4', '300'))
    runner = FakeRunner(READS, fail={missing: 'Error: ipv4: FIB table does not exist.\nDump terminated'})
    assert KernelState(runner).routes('ipv4', '300') == []
    runner = FakeRunner(fail={tuple(kernel.route_argv('ipv4', 'main')): 'Error: ipv4: FIB table does not exist.'})
    with pytest.raises(DoctorError):
        KernelState(runner).routes('ipv4', 'main')


def test_unreadable_json_is_an_error_naming_the_command():
    runner = FakeRunner({tuple(kernel.LINK_SHOW): '[{"ifname": '})
    with pytest.raises(DoctorError) as err:
        KernelState(runner).interfaces()
    assert 'ip -j -d link show` printed no valid JSON' in str(err.value)


def test_neighbour_entries_come_from_the_collectors_parser():
    state = KernelState(FakeRunner(READS))
    assert state.neighbors('ipv4', '192.0.2.1') == [{'address': '192.0.2.1', 'family': 'ipv4',
                                                     'mac': '52:54:00:00:00:99', 'dev': 'eth0',
                                                     'state': ['PERMANENT'], 'router': False}]
    entry = neighbor.entry_view(state.neighbors('ipv4', '192.0.2.1')[0])
    assert entry == {'dev': 'eth0', 'mac': '52:54:00:00:00:99', 'state': 'PERMANENT', 'permanent': True}


def test_bridge_vlans_and_port_states_come_from_the_collectors_parser():
    reads = dict(READS)
    reads[tuple(kernel.LINK_SHOW)] = text('link_d_stp.json')
    state = KernelState(FakeRunner(reads))
    assert bridge_vlan.vlan_flags(state.bridge_vlans()['vnet0']) == {
        20: {'pvid': True, 'untagged': True}, 30: {'pvid': False, 'untagged': False}}
    bridges = state.bridges(port_states=True)
    assert (bridges['br0']['stp_enabled'], bridges['br1']['stp_enabled']) == (False, True)
    assert dict((p['name'], p['state']) for p in bridges['br0']['ports'])['vnet0'] == 'blocking'


@pytest.mark.parametrize('fixer, params', [
    (default_gateway, dict(gateway='192.0.2.1', device=None, metric=None, family=None, state='present')),
    (static_route, dict(prefix='10.50.0.0/24', gateway='192.0.2.20', device=None, metric=None, table='100',
                        state='present')),
    (interface_mtu, dict(interface='br0', mtu=1400, bridge_ports=True)),
    (link_state, dict(interface='vnet0', state='up', release_stp=True)),
    (bridge_vlan, dict(port='vnet0', pvid=20, vids=[30], untagged=None, state='present')),
    (neighbor, dict(address='192.0.2.1', device='eth0', mac='52:54:00:12:34:56', nud=None, state='present')),
])
def test_fixers_read_only_the_collectors_commands(fixer, params):
    """Every read a fixer makes is one of the read model's commands (the collector's, or its
    one-table / one-address form), each at most once."""
    runner = CountingRunner(READS)
    fixer.collect(runner, fixer.want_from_params(params))
    allowed = set([tuple(kernel.LINK_SHOW), tuple(kernel.ADDR_SHOW), tuple(kernel.BRIDGE_LINK_SHOW),
                   tuple(kernel.BRIDGE_VLAN_SHOW)] + [k for k in READS if 'route' in k or 'neigh' in k])
    assert runner.reads and set(runner.reads) <= allowed
    assert len(runner.reads) == len(set(runner.reads))


def test_link_state_warns_about_a_missing_carrier_from_the_schema_carrier():
    want = link_state.want_from_params(dict(interface='eth0', state='up', release_stp=False))
    have = link_state.collect(FakeRunner(READS), want)
    assert link_state.warnings(want, have) == []
    have['links']['eth0'] = dict(have['links']['eth0'], carrier=False)
    assert 'has no carrier' in link_state.warnings(want, have)[0]


def test_no_fixer_parses_iproute2_output_itself():
    """The iproute2 JSON is decoded and normalised in linux/parse.py only (linux/state.py runs it)."""
    here = os.path.dirname(os.path.abspath(parse.__file__))
    offenders = []
    for path in glob.glob(os.path.join(here, 'fixers', '*.py')):
        with open(path) as handle:
            source = handle.read()
        for needle in ("'ip', '-j'", "'bridge', '-j'", 'addr_info', "'linkinfo'", "'lladdr')", "get('lladdr"):
            if needle in source:
                offenders.append('%s: %s' % (os.path.basename(path), needle))
    assert offenders == []
