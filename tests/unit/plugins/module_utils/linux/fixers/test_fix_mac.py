# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan logic of the mac_allow fixer on REAL bridge-family rulesets and `ip -j link` output
(tests/unit/fixtures/fixers/, captured from a namespace by capture.sh)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import mac

FX = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'fixtures', 'fixers')


def fx(name):
    with open(os.path.join(FX, name)) as f:
        return f.read()


LINKS = json.loads(fx('links_bridge.json'))     # br0 with port vnet0 (and vm0, its veth peer)


def have(name):
    return mac.have_from_outputs(fx(name), LINKS)


def want(**params):
    return mac.want_from_params(params)


def argvs(changes):
    return [' '.join(c['argv']) for c in changes]


TAIL = 'counter accept comment "vmnet.doctor"'


@pytest.mark.parametrize('params, message', [
    ({'mac': '52:54:00:aa:bb'}, 'not a valid MAC'),
    ({'mac': 'zz:54:00:aa:bb:02'}, 'not a valid MAC'),
    ({'mac': '01:00:5e:00:00:01'}, 'multicast'),
    ({'mac': '52:54:00:aa:bb:02', 'port': 'bad name with spaces'}, 'not a valid Linux interface name'),
])
def test_bad_input(params, message):
    with pytest.raises(DoctorError) as e:
        mac.want_from_params(params)
    assert message in str(e.value)


@pytest.mark.parametrize('params, message', [
    ({'mac': '52:54:00:aa:bb:02', 'bridge': 'br9'}, "bridge 'br9' does not exist"),
    ({'mac': '52:54:00:aa:bb:02', 'port': 'vnet9'}, "port 'vnet9' does not exist"),
    ({'mac': '52:54:00:aa:bb:02', 'port': 'vm0', 'bridge': 'br0'}, "not a port of bridge 'br0'"),
    ({'mac': '52:54:00:aa:bb:02', 'bridge': 'vnet0'}, "'vnet0' is not a bridge"),
])
def test_refused_against_real_links(params, message):
    with pytest.raises(DoctorError) as e:
        mac.plan(want(**params), have('nft_bridge_drop.json'))
    assert message in str(e.value) and 'nothing was changed' in str(e.value)


def test_new_literal_mac():
    w = want(mac='52-54-00-AA-BB-02', bridge='br0')
    assert argvs(mac.plan(w, have('nft_bridge_drop.json'))) == [
        'nft insert rule bridge filter forward position 3 ether saddr 52:54:00:aa:bb:02 ' + TAIL]
    before, after = mac.states(w, have('nft_bridge_drop.json'), [])
    assert [(d['handle'], d['allowed']) for d in before['drops']] == [(3, False)]
    assert [(d['handle'], d['allowed']) for d in after['drops']] == [(3, True)]
    assert before['accepts'] == [] and len(after['accepts']) == 1


def test_already_right():
    w = want(mac='52:54:00:aa:bb:02')
    h = have('nft_bridge_fixed.json')
    assert mac.plan(w, h) == []
    before, after = mac.states(w, h, [])
    assert before == after and before['drops'][0]['allowed'] is True


def test_named_set_on_port_and_accept_below_does_not_count():
    # .03 is in @blocked, dropped on vnet0; the fixed fixture has an accept for it BELOW the drop
    for name in ('nft_bridge_drop.json', 'nft_bridge_fixed.json'):
        w = want(mac='52:54:00:aa:bb:03', port='vnet0', bridge='br0')
        assert argvs(mac.plan(w, have(name))) == [
            'nft insert rule bridge filter forward position 4 iifname "vnet0" ether saddr 52:54:00:aa:bb:03 ' + TAIL]


def test_port_limited_drop_does_not_apply_to_other_port():
    assert mac.plan(want(mac='52:54:00:aa:bb:03', port='vm0'), have('nft_bridge_drop.json')) == []


def test_destination_anonymous_set():
    assert argvs(mac.plan(want(mac='52:54:00:aa:bb:06'), have('nft_bridge_drop.json'))) == [
        'nft insert rule bridge filter forward position 6 ether daddr 52:54:00:aa:bb:06 ' + TAIL]


def test_mac_not_dropped():
    assert mac.plan(want(mac='52:54:00:aa:bb:99'), have('nft_bridge_drop.json')) == []


def test_absent():
    w = want(mac='52:54:00:aa:bb:02', state='absent')
    assert argvs(mac.plan(w, have('nft_bridge_fixed.json'))) == ['nft delete rule bridge filter forward handle 7']
    assert mac.plan(w, have('nft_bridge_drop.json')) == []
    # the accept below the drop for .03 carries no comment: not ours, never removed
    assert mac.plan(want(mac='52:54:00:aa:bb:03', port='vnet0', state='absent'), have('nft_bridge_fixed.json')) == []
    _b, after = mac.states(w, have('nft_bridge_fixed.json'), [])
    assert after['accepts'] == [] and after['drops'][0]['allowed'] is False


def test_no_nft():
    h = mac.have_from_outputs(None, LINKS)
    w = want(mac='52:54:00:aa:bb:02')
    assert mac.plan(w, h) == []
    assert any('nft is not installed' in x for x in mac.warnings(w, h))


def test_runtime_warning_only_when_changing():
    assert any('runtime' in x for x in mac.warnings(want(mac='52:54:00:aa:bb:02'), have('nft_bridge_drop.json')))
    assert mac.warnings(want(mac='52:54:00:aa:bb:02'), have('nft_bridge_fixed.json')) == []


def test_ebtables_nft_rules_are_nft_bridge_rules():
    h = have('ebtables_nft_drop.json')
    assert argvs(mac.plan(want(mac='52:54:00:aa:bb:02'), h)) == [
        'nft insert rule bridge filter FORWARD position 2 ether saddr 52:54:00:aa:bb:02 ' + TAIL]
    assert argvs(mac.plan(want(mac='52:54:00:aa:bb:05', port='vnet0'), h)) == [
        'nft insert rule bridge filter FORWARD position 3 iifname "vnet0" ether daddr 52:54:00:aa:bb:05 ' + TAIL]
    # the drop only applies to frames entering vnet0: not to another port
    assert mac.plan(want(mac='52:54:00:aa:bb:05', port='vm0'), h) == []


def test_narrower_earlier_accept_does_not_count():
    h = have('nft_bridge_drop.json')
    chain = h['nft']['chains']['bridge filter forward']
    narrower = mac._accept_rule(want(mac='52:54:00:aa:bb:02'), 'source', {'iifname': 'vnet0'},
                                'filter', 'forward', 99)
    chain['rules'].insert(0, narrower)
    # the drop is on any port; an accept limited to vnet0 does not let the MAC through elsewhere
    assert len(mac.plan(want(mac='52:54:00:aa:bb:02'), h)) == 1
    # ...but it is exactly what is wanted for port vnet0
    assert mac.plan(want(mac='52:54:00:aa:bb:02', port='vnet0'), h) == []
