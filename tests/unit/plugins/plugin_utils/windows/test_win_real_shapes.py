# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What real Windows hosts emit (issue 15): the encodings and JSON shapes of the cmdlet outputs as
Microsoft documents them and as other projects captured them on Windows Server 2016-2025
(sources in tests/unit/fixtures/windows/README.md), fed to the parsers, planners and probe."""
import copy
import json
import os
import sys

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import plan as rplan
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import firewall as FW
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans as P
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import probe, ps

import win_fixtures as W

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'diagnosis'))
import diagnosis_builders as B  # noqa: E402  pylint: disable=wrong-import-position


def parse(raw):
    return F.parse(raw, W.PEERS)


def echo_in(facts, peer='192.168.10.5'):
    return [e for e in facts['firewall']['icmp'] if e['hook'] == 'input' and e['icmp_type'] == 'echo-request'
            and e['src'] == peer][0]


# ----------------------------------------------------------------------------- 1. Store numbers

def test_numeric_store_one_is_the_active_default_route():
    facts = parse(W.raw_host(NetRoute='numeric'))
    defaults = [r for r in facts['routes'] if r['dst'] == 'default']
    assert [(r['gateway'], r['dev'], r['store'], r['protocol']) for r in defaults] == [
        ('192.168.10.254', 'vEthernet (External)', 'ActiveStore', 'static')]


def test_numeric_store_zero_is_the_persistent_copy_and_is_skipped():
    raw = W.raw_host(NetRoute='numeric')
    copy_of_default = dict([r for r in raw['NetRoute'] if r['DestinationPrefix'] == '0.0.0.0/0'][0], Store=0)
    raw['NetRoute'] = [r for r in raw['NetRoute'] if r['DestinationPrefix'] != '0.0.0.0/0'] + [copy_of_default]
    assert [r for r in parse(raw)['routes'] if r['dst'] == 'default'] == []


def test_gateway_fix_does_not_plan_a_route_that_exists_in_the_active_store():
    plan = P.plan_default_gateway({'gateway': '192.168.10.254'}, parse(W.raw_host(NetRoute='numeric')))
    assert plan['changes'] == [] and plan['commands'] == []


def test_neighbor_store_numbers():
    raw = W.raw_host()
    raw['NetNeighbor'] = [dict(n, Store=1) for n in raw['NetNeighbor']]
    raw['NetNeighbor'][0]['Store'] = 0
    addresses = [n['address'] for n in parse(raw)['neighbors']]
    assert '172.20.0.10' not in addresses and '172.20.0.11' in addresses


# ----------------------------------------------------------------------------- 2. collection shapes

def _baseline():
    return parse(W.raw_host())


@pytest.mark.parametrize('key', ['value', 'Value'])
@pytest.mark.parametrize('section', W.SECTIONS)
def test_every_section_accepts_the_ps51_wrapper(section, key):
    raw = W.raw_host()
    items = raw[section] if isinstance(raw[section], list) else [raw[section]]
    raw[section] = {key: items, 'Count': len(items)}
    assert parse(raw) == _baseline()


@pytest.mark.parametrize('section', W.SECTIONS)
def test_every_section_accepts_one_bare_object(section):
    raw = W.raw_host()
    items = raw[section] if isinstance(raw[section], list) else [raw[section]]
    one = copy.deepcopy(raw)
    one[section] = items[0]
    listed = copy.deepcopy(raw)
    listed[section] = [items[0]]
    assert parse(one) == parse(listed)


@pytest.mark.parametrize('section', W.SECTIONS)
def test_every_section_accepts_the_ps51_empty_string(section):
    raw = W.raw_host()
    empty = copy.deepcopy(raw)
    empty[section] = ''
    listed = copy.deepcopy(raw)
    listed[section] = []
    assert parse(empty) == parse(listed)


def test_ps51_recorded_shapes():
    raw = W.raw_host()
    raw['NetNat'] = W.load('ps51/NetNat.json')
    raw['VMNetworkAdapterVlan'] = W.load('ps51/VMNetworkAdapterVlan.json')
    facts = parse(raw)
    assert facts['nat_networks'] == []
    nics = dict((n['vm'], n) for n in facts['vm_nics'])
    assert (nics['router-vm']['vlan_mode'], nics['router-vm']['vlan_allowed']) == ('trunk', [10, 11, 12, 20])
    assert (nics['lab-vm']['vlan_mode'], nics['lab-vm']['vlan_id'], nics['lab-vm']['vlan_allowed']) == (
        'access', 20, None)


GARBAGE = ['garbage', 42, 1.5, True, [1, 2], [['nested']], {'value': 'x', 'Count': 1}, ['a', {'Name': 'x'}]]


@pytest.mark.parametrize('value', GARBAGE, ids=lambda v: type(v).__name__ + ':' + json.dumps(v)[:12])
@pytest.mark.parametrize('section', W.SECTIONS)
def test_a_malformed_section_fails_naming_it(section, value):
    raw = W.raw_host()
    raw[section] = value
    with pytest.raises(DoctorError) as err:
        parse(raw)
    assert 'the %s section of the Windows read script is malformed' % section in str(err.value)


FIELD_GARBAGE = [{}, [], 'x', -1, {'value': [{}], 'Count': 1}]


@pytest.mark.parametrize('value', FIELD_GARBAGE, ids=json.dumps)
@pytest.mark.parametrize('section', W.SECTIONS)
def test_garbage_fields_parse_or_fail_naming_the_section(section, value):
    raw = W.raw_host()
    items = raw[section] if isinstance(raw[section], list) else [raw[section]]
    raw[section] = [dict((k, value) for k in item) for item in items]
    try:
        parse(raw)
    except DoctorError as exc:
        assert section in str(exc)


def test_a_document_that_is_no_object_fails_clearly():
    with pytest.raises(DoctorError) as err:
        parse(['not', 'a', 'document'])
    assert 'no JSON object' in str(err.value)


# ----------------------------------------------------------------------------- 3. DisabledInterfaceAliases

def test_interface_exempt_from_its_profile_is_not_predicted_to_drop():
    before = echo_in(parse(W.raw_host()))
    assert before['verdict'] == 'drop' and before['profile'] == 'Private'
    raw = W.raw_host()
    for prof in raw['NetFirewallProfile']:
        if prof['Name'] == 'Private':
            prof['DisabledInterfaceAliases'] = ['vEthernet (External)']
    entry = echo_in(parse(raw))
    assert (entry['verdict'], entry['certain']) == ('accept', True)
    assert 'exempt' in entry['deciding_rule']['text']
    model = parse(raw)['firewall']['windows']
    assert model['profiles']['Private']['disabled_interfaces'] == ['vEthernet (External)']
    assert model['profiles']['Public']['disabled_interfaces'] == []      # ["NotConfigured"] means none


# ----------------------------------------------------------------------------- 4. Server's built-in echo rule

def test_server_layout_has_the_wide_builtin_rule():
    rule = [r for r in parse(W.raw_host(firewall='server'))['firewall']['windows']['rules']
            if r['name'] == 'FPS-ICMP4-ERQ-In'][0]
    assert (rule['profiles'], rule['remote_address'], rule['program']) == (['Any'], ['Any'], 'System')


def test_enabling_servers_echo_rule_says_it_opens_echo_from_everywhere():
    facts = parse(W.raw_host(firewall='server'))
    plan = P.plan_icmp_rule({'source': '192.168.10.5/32', 'profiles': ['private']}, facts)
    assert plan['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    assert plan['changes'][0]['widens'] == [
        'ICMPv4 echo requests from any address (RemoteAddress Any), not only from 192.168.10.5/32',
        'in the Domain, Public profiles too (Profile Any)']
    assert plan['after']['opens_more_than_asked'] == {'FPS-ICMP4-ERQ-In': plan['changes'][0]['widens']}
    assert 'opens_more_than_asked' not in plan['before']
    assert len(plan['warnings']) == 1 and 'FPS-ICMP4-ERQ-In' in plan['warnings'][0] and \
        'any address' in plan['warnings'][0]


def test_allow_widening_false_creates_a_rule_scoped_to_the_source():
    facts = parse(W.raw_host(firewall='server'))
    plan = P.plan_icmp_rule({'source': '192.168.10.5/32', 'profiles': ['private'], 'allow_widening': False}, facts)
    assert [c['action'] for c in plan['changes']] == ['create_rule'] and plan['warnings'] == []
    assert "-Profile 'Private'" in plan['commands'][0] and "-RemoteAddress '192.168.10.5/32'" in plan['commands'][0]


def test_widening_fix_runs_only_when_its_code_is_named():
    fix = {'module': 'vmnet.doctor.win_icmp_rule', 'host': 'hv01', 'widens': ['ICMPv4 echo requests from any address'],
           'args': {'source': '192.168.10.5/32', 'profiles': ['private'], 'allow_widening': True}}
    paths = [{'name': 'p', 'findings': [{'code': 'ICMP_BLOCKED', 'host': 'hv01', 'fix': fix}]}]
    assert rplan.build_plan(paths, ['MTU_MISMATCH'])['paths'][0]['findings'][0]['status'] == 'skipped'
    for allow in (None, ['all']):       # the default and 'all' do not name it
        item = rplan.build_plan(paths, allow)['paths'][0]['findings'][0]
        assert item['status'] == 'skipped' and 'opens more than asked' in item['reason'], allow
        assert 'ICMP_BLOCKED' in item['reason']
    planned = rplan.build_plan(paths, ['ICMP_BLOCKED'])
    assert planned['paths'][0]['findings'][0]['status'] == 'planned' and len(planned['fixes']) == 1
    narrow = dict(fix)
    del narrow['widens']
    assert rplan.build_plan([{'findings': [{'code': 'ICMP_BLOCKED', 'host': 'hv01', 'fix': narrow}]}],
                            None)['fixes']


def test_builtin_choice_on_server_widens_and_names_the_rule():
    model = parse(W.raw_host(firewall='server'))['firewall']['windows']
    rule, covers, wider = FW.builtin_echo_choice(model, 'ipv4', '192.168.10.5/32', ['Private'])
    assert (rule['name'], covers) == ('FPS-ICMP4-ERQ-In', ['Private']) and wider
    assert FW.builtin_echo_choice(model, 'ipv4', '0.0.0.0/0', list(FW.PROFILES))[2] == []


# ----------------------------------------------------------------------------- 5. Program case

@pytest.mark.parametrize('program', ['SYSTEM', 'system', 'System'])
def test_program_system_matches_in_any_case(program):
    raw = W.set_rule(W.raw_host(firewall='server'), 'FPS-ICMP4-ERQ-In', Enabled='True')
    for item in raw['NetFirewallApplicationFilter']:
        if item['InstanceID'] == 'FPS-ICMP4-ERQ-In':
            item['Program'] = program
    assert echo_in(parse(raw))['verdict'] == 'accept'


# ----------------------------------------------------------------------------- 6. rule origins

@pytest.mark.parametrize('number,name', [(6, 'MDM'), (8, 'HostLocal'), (9, 'HostGroupPolicy'), (10, 'HostDynamic'),
                                         (11, 'HostMDM'), (2, 'GroupPolicy'), (1, 'Local')])
def test_rule_origins_are_named(number, name):
    raw = W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', PolicyStoreSourceType=number)
    rule = [r for r in parse(raw)['firewall']['windows']['rules'] if r['name'] == 'FPS-ICMP4-ERQ-In'][0]
    assert rule['source'] == name


def test_refusal_names_the_mdm_origin_in_words():
    raw = W.with_custom_block(W.raw_host())
    raw['NetFirewallRule'][-1]['PolicyStoreSourceType'] = 6
    with pytest.raises(DoctorError) as err:
        P.plan_icmp_rule({'source': '192.168.10.5/32', 'profiles': ['private'], 'disable_blocking_rules': True},
                         parse(raw))
    assert 'comes from MDM (mobile device management (MDM))' in str(err.value) and 'from 6' not in str(err.value)


# ----------------------------------------------------------------------------- 7. IPv6 don't-fragment

def _probe_doc(address, total, status='Success', steps=()):
    return {'Resolved': [{'Target': address, 'Address': address, 'Error': None}],
            'Probes': [{'Target': address, 'Address': address, 'Size': total - 48, 'SourceAddress': '2001:db8::1',
                        'RouteMtu': 1500, 'RouteError': None,
                        'Echoes': [{'Total': total, 'Status': status, 'RoundtripTime': 1, 'Address': address,
                                    'Error': None}], 'PathMtuSteps': list(steps)}]}


def _params(**kw):
    out = dict(count=1, interval=0.2, timeout=1.0, size=1452, dont_fragment=True, ip_version='auto', mtu_sized=False,
               path_mtu=False, path_mtu_max=1500, targets=['2001:db8::20'])
    out.update(kw)
    return out


def test_ipv6_large_dont_fragment_probe_is_no_mtu_evidence():
    result = probe.parse(_probe_doc('2001:db8::20', 1500), _params())['results'][0]
    assert result['reachable'] is True and result['dont_fragment'] is False
    assert result['mtu_evidence'] is False and 'IPv4 only' in result['mtu_note']


def test_ipv6_path_mtu_is_not_reported():
    steps = [{'Total': 1500, 'Status': 'Success', 'RoundtripTime': 1, 'Address': '2001:db8::20', 'Error': None}]
    result = probe.parse(_probe_doc('2001:db8::20', 1500, steps=steps), _params(path_mtu=True))['results'][0]
    assert result['path_mtu'] is None and result['mtu_evidence'] is False


def test_ipv4_dont_fragment_probe_stays_evidence():
    doc = _probe_doc('192.0.2.20', 1500)
    doc['Probes'][0]['SourceAddress'] = '192.0.2.1'
    result = probe.parse(doc, _params(targets=['192.0.2.20']))['results'][0]
    assert result['dont_fragment'] is True and 'mtu_evidence' not in result


# ----------------------------------------------------------------------------- 8. UTF-8 console

def test_every_script_sets_the_console_to_utf8_first():
    assert ps.CONSOLE_UTF8 == 'try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding } catch {}'
    assert ps.collect_script().startswith(ps.CONSOLE_UTF8 + '\n')
    assert ps.change_script(['x']).startswith(ps.CONSOLE_UTF8 + '\n')
    script = ps.probe_script(['192.0.2.1'], 1, 200, 1000, 56, False)
    # after the value assignments, before anything that writes
    assert script.index(ps.CONSOLE_UTF8) < script.index('$ping.Send') < script.index('ConvertTo-Json')


def _localised_raw():
    raw = W.raw_host()
    text = json.dumps(raw, ensure_ascii=False)
    text = text.replace('"Name": "Ethernet"', u'"Name": "以太网"').replace('NATSwitch', 'Standardswitch')
    # what the UTF-8 console sends over the wire, decoded as UTF-8 by the connection plugin
    return json.loads(text.encode('utf-8').decode('utf-8'))


def test_localised_names_round_trip_to_lookups_and_commands():
    facts = parse(_localised_raw())
    names = [i['name'] for i in facts['interfaces']]
    assert u'以太网' in names and u'vEthernet (Standardswitch)' in names
    assert [s['name'] for s in facts['virtual_switches']][1] == 'Standardswitch'
    plan = P.plan_default_gateway({'gateway': '172.20.0.254', 'interface': u'vEthernet (Standardswitch)'}, facts)
    assert plan['changes'][0]['interface'] == u'vEthernet (Standardswitch)'
    nic = P.plan_vm_nic({'vm': 'db01', 'mac': '00:15:5d:0a:64:12', 'switch': 'Standardswitch'}, facts)
    assert "-SwitchName 'Standardswitch'" in nic['commands'][-1]
    physical = [i for i in facts['interfaces'] if i['name'] == u'以太网'][0]
    assert physical['master'] == 'External'


# ----------------------------------------------------------------------------- 9. Group Policy profile settings

@pytest.mark.parametrize('gpo_value', ['False', 0, False])
def test_profile_setting_enforced_by_group_policy_is_refused_up_front(gpo_value):
    raw = W.raw_host(NetFirewallProfile='public-blockall')
    for prof in raw['NetFirewallProfileGpo']:
        if prof['Name'] == 'Public':
            prof['AllowInboundRules'] = gpo_value
    facts = parse(raw)
    assert facts['firewall']['windows']['profiles']['Public']['gpo'] == {'allow_inbound_rules': False}
    with pytest.raises(DoctorError) as err:
        P.plan_icmp_rule({'profiles': ['public'], 'allow_inbound_rules': True}, facts)
    assert 'Group Policy' in str(err.value) and 'Public' in str(err.value)


def test_local_profile_setting_is_still_changed():
    facts = parse(W.raw_host(NetFirewallProfile='public-blockall'))
    assert facts['firewall']['windows']['profiles']['Public']['gpo'] == {}
    plan = P.plan_icmp_rule({'profiles': ['public'], 'allow_inbound_rules': True}, facts)
    assert plan['changes'][0] == {'action': 'set_profile', 'profile': 'Public', 'allow_inbound_rules': True}


def test_profile_that_ignores_local_rules_is_refused_up_front():
    raw = W.raw_host()
    for section in ('NetFirewallProfile', 'NetFirewallProfileGpo'):
        for prof in raw[section]:
            if prof['Name'] == 'Private':
                prof['AllowLocalFirewallRules'] = 'False'
    with pytest.raises(DoctorError) as err:
        P.plan_icmp_rule({'source': '192.168.10.5/32', 'profiles': ['private']}, parse(raw))
    assert 'AllowLocalFirewallRules False by Group Policy' in str(err.value)


# ----------------------------------------------------------------------------- 10. Hyper-V encodings

@pytest.mark.parametrize('value,expected', [(0, True), (1, False), ('On', True), ('Off', False), ('0', True),
                                            (None, None)])
def test_mac_address_spoofing_on_off_state(value, expected):
    raw = W.raw_host()
    for nic in raw['VMNetworkAdapter']:
        if nic['VMName'] == 'web01':
            nic['MacAddressSpoofing'] = value
    web = [n for n in parse(raw)['vm_nics'] if n['vm'] == 'web01'][0]
    assert web['mac_spoofing'] is expected


def test_spoofing_number_zero_plans_nothing_when_on_is_wanted():
    raw = W.raw_host()
    for nic in raw['VMNetworkAdapter']:
        if nic['VMName'] == 'lab-vm':
            nic['MacAddressSpoofing'] = 0
    plan = P.plan_vm_nic({'vm': 'lab-vm', 'mac_spoofing': True}, parse(raw))
    assert plan['changes'] == []


def test_allowed_vlan_id_list_is_ints_and_the_string_is_the_range_text():
    nics = dict((n['vm'], n) for n in parse(W.raw_host())['vm_nics'])
    assert nics['router-vm']['vlan_allowed'] == [10, 11, 12, 20]
    raw = W.raw_host()
    for vlan in raw['VMNetworkAdapterVlan']:
        if vlan['VMName'] == 'router-vm':
            vlan['AllowedVlanIdList'] = None
            vlan['AllowedVlanIdListString'] = '1-3,100'
    nics = dict((n['vm'], n) for n in parse(raw)['vm_nics'])
    assert nics['router-vm']['vlan_allowed'] == [1, 2, 3, 100]


def test_numeric_vlan_mode_and_switch_type():
    raw = W.raw_host()
    for vlan in raw['VMNetworkAdapterVlan']:
        vlan['OperationMode'] = {'Untagged': 0, 'Access': 1, 'Trunk': 2}[vlan['OperationMode']]
    for sw in raw['VMSwitch']:
        sw['SwitchType'] = {'Private': 0, 'Internal': 1, 'External': 2}[sw['SwitchType']]
    assert parse(raw) == _baseline()


def test_switch_embedded_teaming_has_every_uplink():
    raw = W.raw_host()
    raw['VMSwitch'] = W.load('server/VMSwitch.set.json')
    raw['NetAdapter'] = raw['NetAdapter'] + [
        dict(raw['NetAdapter'][0], Name='SLOT 3', ifIndex=31, InterfaceDescription='Mellanox ConnectX-5 Adapter',
             MacAddress='B8-CE-F6-00-00-01'),
        dict(raw['NetAdapter'][0], Name='SLOT 3 2', ifIndex=32,
             InterfaceDescription='Mellanox ConnectX-5 Adapter #2', MacAddress='B8-CE-F6-00-00-02')]
    facts = parse(raw)
    switch = facts['virtual_switches'][0]
    assert (switch['type'], switch['uplinks'], switch['embedded_teaming']) == (
        'hyperv_external', ['SLOT 3', 'SLOT 3 2'], True)
    assert 'Teamed-Interface' not in switch['uplink_descriptions']
    masters = dict((i['name'], i['master']) for i in facts['interfaces'])
    assert masters['SLOT 3'] == masters['SLOT 3 2'] == 'SETswitch'


def test_get_net_route_reads_the_active_store_only():
    script = ps.collect_script(['NetRoute'])
    assert 'Get-NetRoute | ' in script and 'PolicyStore' not in script.split("Add-Section 'NetRoute'")[1]


def test_a_failed_group_policy_read_does_not_make_the_firewall_unreadable():
    raw = W.raw_host()
    del raw['NetFirewallProfileGpo']
    raw['Errors'] = [{'source': 'NetFirewallProfileGpo', 'message': 'Access is denied.'}]
    facts = parse(raw)
    assert facts['errors'] == [{'source': 'windows_firewall_gpo',
                                'message': 'NetFirewallProfileGpo: Access is denied.'}]
    assert echo_in(facts)['verdict'] == 'drop' and echo_in(facts)['certain'] is True


def test_server_diagnosis_fix_says_what_it_opens_and_waits_for_the_code():
    src = B.facts('lanhost', [B.iface('eth0', 2, mac='02:00:00:00:00:05', mtu=1400, addresses=['192.168.10.5/24'])],
                  routes=[B.route('192.168.10.0/24', 'eth0')],
                  lookups=[B.lookup('192.168.10.20', 'eth0', '192.168.10.5')],
                  icmp_entries=B._flow_accepts('192.168.10.5', '192.168.10.20'))
    path = {'source': 'lanhost', 'target_ip': '192.168.10.20', 'source_facts': src, 'target_host': 'winsrv',
            'target_facts': F.parse(W.raw_host(firewall='server'), ['192.168.10.5']),
            'probes': {'forward': B.probe(False)}}
    result = engine.diagnose([path])['paths'][0]
    finding = [f for f in result['findings'] if f['code'] == 'ICMP_BLOCKED'][0]
    assert finding['fix']['args']['allow_widening'] is True
    assert finding['fix']['widens'][0].startswith('ICMPv4 echo requests from any address')
    assert 'FPS-ICMP4-ERQ-In' in finding['fix']['note']
    skipped = rplan.build_plan([result])['paths'][0]['findings'][0]
    assert skipped['status'] == 'skipped' and 'name ICMP_BLOCKED in remediate_allow' in skipped['reason']
    assert rplan.build_plan([result], ['ICMP_BLOCKED'])['fixes'][0]['module'] == 'vmnet.doctor.win_icmp_rule'
