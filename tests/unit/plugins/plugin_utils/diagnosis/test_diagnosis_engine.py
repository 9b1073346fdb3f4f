# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnosis engine on hand-built facts (diagnosis_builders.py): each fault the lab cannot
reproduce, several faults at once, contradictions, partial facts, validation."""
import pytest

import diagnosis_builders as b
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext


def run(path):
    return engine.diagnose([path])['paths'][0]


def codes(res):
    return [(f['code'], f['host'], f['direction']) for f in res['findings']]


def check(res, check_id):
    found = [c for c in res['checks'] if c['id'] == check_id]
    assert found, 'no check %s in %s' % (check_id, [c['id'] for c in res['checks']])
    return found[0]


# ----------------------------------------------------------------------------- healthy / unexplained

@pytest.mark.parametrize('world,topology', [(b.bridged, 'bridged'), (b.routed, 'routed')])
def test_healthy_path_has_no_findings_and_lists_passed_checks(world, topology):
    res = run(b.path(world(), reachable=True))
    assert res['status'] == 'ok' and res['reachable'] is True and res['topology'] == topology
    assert res['findings'] == [] and res['notes'] == []
    assert [c for c in res['checks'] if c['status'] == 'fail'] == []
    assert len([c for c in res['checks'] if c['status'] == 'pass']) >= 25
    assert res['summary'].startswith('lab-host -> %s: reachable' % world()['vm_ip'])


def test_unreachable_path_nothing_explains_is_unexplained_and_invents_nothing():
    res = run(b.path(b.routed(), reachable=False))
    assert res['status'] == 'unexplained' and res['findings'] == [] and res['reachable'] is False
    assert 'no check explains it' in res['summary']
    assert check(res, 'probe.forward')['status'] == 'fail'
    assert len([c for c in res['checks'] if c['status'] == 'pass']) >= 25


# ----------------------------------------------------------------------------- several faults

def test_two_simultaneous_faults_are_both_reported_in_path_order():
    world = b.routed()
    world['hv']['sysctls']['ipv4']['ip_forward'] = 0
    b.set_icmp(world['vm'], 'input', 'echo-request', 'drop', rule=b.nft_rule('input', 5, 'icmp type echo-request drop'))
    res = run(b.path(world))
    assert codes(res) == [('FORWARDING_DISABLED', 'lab-hv', 'forward'), ('ICMP_BLOCKED', 'lab-vm1', 'forward')]
    assert res['status'] == 'broken'


def test_four_faults_forward_then_return_in_path_order():
    world = b.routed()
    world['vm']['routes'][0]['gateway'] = '10.2.0.99'
    b.get_lookup(world['vm'], '10.1.0.1')['gateway'] = '10.2.0.99'
    world['hv']['sysctls']['ipv4']['ip_forward'] = 0
    b.set_icmp(world['vm'], 'input', 'echo-request', 'drop', rule=b.nft_rule('input', 5, 'icmp type echo-request drop'))
    b.set_icmp(world['host'], 'input', 'echo-reply', 'drop')
    res = run(b.path(world))
    assert codes(res) == [
        ('FORWARDING_DISABLED', 'lab-hv', 'forward'),
        ('ICMP_BLOCKED', 'lab-vm1', 'forward'),
        ('GATEWAY_WRONG', 'lab-vm1', 'return'),
        ('ICMP_BLOCKED', 'lab-host', 'return'),
    ]
    assert res['findings'][2]['fix'] == {'module': 'vmnet.doctor.default_gateway', 'host': 'lab-vm1',
                                         'args': {'gateway': '10.2.0.254', 'state': 'present'}}
    # the VM input drop names the exact rule, and offers removing it as an alternative
    blocked = res['findings'][1]
    assert blocked['object'] == {'type': 'firewall_rule', 'hook': 'input', 'backend': 'nftables', 'family': 'inet',
                                 'table': 'filter', 'chain': 'input', 'handle': 5, 'policy': False}
    assert blocked['fix']['args'] == {'source': '10.1.0.1/32', 'hook': 'input', 'icmp_types': ['echo-request'],
                                      'ip_version': 'ipv4', 'state': 'present'}
    assert blocked['fix']['alternatives'][0]['args']['remove_rule'] == {
        'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'input', 'handle': 5,
        'text': 'icmp type echo-request drop'}
    # the host input drop was decided by the chain policy: no remove_rule alternative
    assert 'alternatives' not in res['findings'][3]['fix']
    assert engine.diagnose([b.path(world)])['findings_total'] == 4


def test_findings_are_sorted_by_path_not_by_the_order_checks_ran():
    """The MAC filter (seen at the switch) drops the VM's replies and the wrong prefix (seen while
    looking at the VM's address) breaks the way back: both belong to the return path, after
    the VM's forward-path firewall drop, which is checked later."""
    world = b.bridged()
    rule = {'backend': 'nftables', 'family': 'bridge', 'table': 'filter', 'chain': 'forward', 'handle': 3}
    world['hv']['bridges'][0]['mac_filters'] = [
        {'mac': b.VM_MAC, 'direction': 'source', 'port': None, 'verdict': 'drop', 'rule': rule}]
    b.get_iface(world['vm'], 'eth0')['addresses'] = [b.addr('10.10.0.11/29')]
    b.set_icmp(world['vm'], 'input', 'echo-request', 'drop')
    res = run(b.path(world))
    ran = [c['id'] for c in res['checks'] if c['status'] == 'fail']
    assert ran.index('switch.mac_filters') < ran.index('target.subnet') < ran.index('target.firewall.input.echo-request')
    assert codes(res) == [('ICMP_BLOCKED', 'lab-vm1', 'forward'), ('SUBNET_MISMATCH', 'lab-vm1', 'return'),
                          ('MAC_FILTERED', 'lab-hv', 'return')]


def test_three_faults_bridged_with_switch_in_the_middle():
    world = b.bridged()
    world['host']['neighbors'][0].update(mac='02:aa:aa:aa:aa:aa', state=['PERMANENT'])
    b.get_port(world['hv'], 'p-vm1')['state'] = 'blocking'
    world['vm']['sysctls']['ipv4']['icmp_echo_ignore_all'] = 1
    res = run(b.path(world))
    assert codes(res) == [('ARP_STALE', 'lab-host', 'forward'), ('STP_BLOCKING', 'lab-hv', 'forward'),
                          ('ICMP_IGNORED', 'lab-vm1', 'forward')]
    stp = res['findings'][1]
    assert stp['fix'] == {'module': 'vmnet.doctor.link_state', 'host': 'lab-hv',
                          'args': {'interface': 'p-vm1', 'state': 'up', 'release_stp': True}}
    assert stp['object'] == {'type': 'bridge_port', 'name': 'p-vm1', 'bridge': 'br0'}


# ----------------------------------------------------------------------------- contradictions

def test_probe_reachable_but_firewall_says_drop_trusts_the_probe():
    world = b.bridged()
    b.set_icmp(world['vm'], 'input', 'echo-request', 'drop')
    res = run(b.path(world, reachable=True))
    assert res['status'] == 'ok' and res['findings'] == []
    assert [(n['code'], n['confidence'], n['contradicted_by']) for n in res['notes']] == [
        ('ICMP_BLOCKED', 'low', ['forward'])]
    assert res['notes'][0]['message'].startswith('Probe forward succeeded, yet the facts suggest')


def test_large_probe_failure_makes_mtu_mismatch_high_and_path_degraded():
    world = b.bridged()
    b.get_iface(world['vm'], 'eth0')['mtu'] = 9000
    large = b.probe(False, size=1472, dont_fragment=True)
    res = run(b.path(world, reachable=True, forward_large=large))
    assert res['status'] == 'degraded'
    assert [(f['code'], f['host'], f['confidence']) for f in res['findings']] == [('MTU_MISMATCH', 'lab-vm1', 'high')]
    assert res['findings'][0]['fix'] == {'module': 'vmnet.doctor.interface_mtu', 'host': 'lab-vm1',
                                         'args': {'interface': 'eth0', 'mtu': 1500}}


def test_large_probe_passing_turns_mtu_mismatch_into_a_note():
    world = b.bridged()
    b.get_iface(world['vm'], 'eth0')['mtu'] = 9000
    res = run(b.path(world, reachable=True, forward_large=b.probe(True, size=1472, dont_fragment=True)))
    assert res['status'] == 'ok' and res['findings'] == []
    assert [n['code'] for n in res['notes']] == ['MTU_MISMATCH']


def test_mtu_bridge_lower_than_both_ends_is_raised_with_its_ports():
    world = b.bridged()
    b.get_iface(world['vm'], 'eth0')['mtu'] = 9000
    b.get_iface(world['host'], 'eth0')['mtu'] = 9000
    res = run(b.path(world, reachable=True))
    assert res['status'] == 'degraded'
    assert res['findings'][0]['fix'] == {'module': 'vmnet.doctor.interface_mtu', 'host': 'lab-hv',
                                         'args': {'interface': 'br0', 'mtu': 9000, 'bridge_ports': True}}
    assert res['findings'][0]['confidence'] == 'medium'   # no large probe was run


def test_reverse_probe_failure_with_forward_ok_is_degraded_with_return_finding():
    world = b.bridged()
    b.set_icmp(world['vm'], 'output', 'echo-request', 'reject')
    res = run(b.path(world, reachable=True, reverse=b.probe(False)))
    assert res['status'] == 'degraded'
    assert codes(res) == [('ICMP_BLOCKED', 'lab-vm1', 'return')]
    assert res['findings'][0]['fix']['args'] == {'destination': '10.10.0.1/32', 'hook': 'output',
                                                 'icmp_types': ['echo-request'], 'ip_version': 'ipv4',
                                                 'state': 'present'}
    assert 'rejects' in res['findings'][0]['message']


def test_uncertain_firewall_verdict_is_medium_confidence():
    world = b.bridged()
    b.set_icmp(world['vm'], 'input', 'echo-request', 'drop', certain=False)
    res = run(b.path(world))
    assert [(f['code'], f['confidence']) for f in res['findings']] == [('ICMP_BLOCKED', 'medium')]


# ----------------------------------------------------------------------------- individual codes

def test_stp_blocking_with_stp_enabled_is_manual():
    world = b.bridged()
    world['hv']['bridges'][0]['stp_enabled'] = True
    b.get_port(world['hv'], 'p-host')['state'] = 'listening'
    res = run(b.path(world))
    assert codes(res) == [('STP_BLOCKING', 'lab-hv', 'forward')]
    assert res['findings'][0]['fix']['manual'] is True and 'loop' in res['findings'][0]['fix']['reason']


def test_source_link_down_proposes_link_state_on_the_source():
    world = b.bridged()
    b.get_iface(world['host'], 'eth0').update(admin_up=False, carrier=None)
    res = run(b.path(world))
    assert codes(res)[0] == ('LINK_DOWN', 'lab-host', 'forward')
    assert res['findings'][0]['fix'] == {'module': 'vmnet.doctor.link_state', 'host': 'lab-host',
                                         'args': {'interface': 'eth0', 'state': 'up'}}


def test_hypervisor_ingress_down_in_routed_path_is_link_down_on_hv_and_explains_no_carrier():
    world = b.routed()
    b.get_iface(world['hv'], 'p-host').update(admin_up=False, carrier=None)
    b.get_iface(world['host'], 'eth0')['carrier'] = False
    res = run(b.path(world))
    assert codes(res) == [('LINK_DOWN', 'lab-hv', 'forward')]
    assert res['findings'][0]['object'] == {'type': 'interface', 'name': 'p-host'}
    assert check(res, 'source.link')['status'] == 'fail'
    assert 'p-host' in check(res, 'source.link')['detail']


def test_duplicate_mac_from_hypervisor_collector_list():
    world = b.bridged()
    world['hv']['duplicate_macs'] = [{'mac': b.VM_MAC, 'nics': [{'vm': 'vm1', 'label': 'eth0'},
                                                                {'vm': 'vm9', 'label': 'eth0'}]}]
    res = run(b.path(world))
    assert codes(res) == [('DUPLICATE_MAC', 'lab-vm1', 'forward')]
    assert res['findings'][0]['fix']['manual'] is True
    assert res['status'] == 'broken'


def test_duplicate_mac_is_not_contradicted_by_a_passing_probe():
    world = b.bridged()
    world['hv']['interfaces'].append(b.iface('p-vm9', 9, mac=b.VM_MAC, master='br0'))
    res = run(b.path(world, reachable=True))
    assert res['status'] == 'degraded'
    assert codes(res) == [('DUPLICATE_MAC', 'lab-vm1', 'forward')]
    assert res['findings'][0]['evidence']['also_on'] == [{'host': 'lab-hv', 'interface': 'p-vm9'}]


def test_address_missing_on_vm_gives_the_command():
    world = b.bridged()
    b.get_iface(world['vm'], 'eth0')['addresses'] = []
    res = run(b.path(world))
    assert ('ADDRESS_MISSING', 'lab-vm1', 'forward') in codes(res)
    finding = [f for f in res['findings'] if f['code'] == 'ADDRESS_MISSING'][0]
    assert '`ip address add 10.10.0.11/24 dev eth0`' in finding['fix']['reason']
    assert finding['object'] == {'type': 'address', 'address': '10.10.0.11', 'interface': 'eth0'}


def test_vlan_aware_bridge_mismatch_proposes_bridge_vlan():
    world = b.bridged()
    br = world['hv']['bridges'][0]
    br['vlan_filtering'] = True
    b.get_port(world['hv'], 'p-host').update(pvid=10, vids=[10], untagged=[10])
    b.get_port(world['hv'], 'p-vm1').update(pvid=20, vids=[20], untagged=[20])
    res = run(b.path(world))
    assert codes(res) == [('VLAN_MISMATCH', 'lab-hv', 'forward')]
    assert res['findings'][0]['object'] == {'type': 'vlan', 'vid': 10, 'port': 'p-vm1', 'bridge': 'br0'}
    assert res['findings'][0]['fix'] == {'module': 'vmnet.doctor.bridge_vlan', 'host': 'lab-hv',
                                         'args': {'port': 'p-vm1', 'pvid': 10, 'vids': [10], 'untagged': [10],
                                                  'state': 'present'}}


def test_per_vlan_bridges_name_the_vlan_ids():
    world = b.bridged()
    hv = world['hv']
    hv['interfaces'] += [b.iface('br20', 5, kind='bridge', mac='02:00:00:00:20:01'),
                         b.iface('eth0.10', 6, kind='vlan', master='br0'),
                         b.iface('eth0.20', 7, kind='vlan', master='br20')]
    hv['interfaces'][-2]['vlan_id'] = 10
    hv['interfaces'][-1]['vlan_id'] = 20
    b.get_iface(hv, 'p-vm1')['master'] = 'br20'
    res = run(b.path(world))
    assert codes(res) == [('VLAN_MISMATCH', 'lab-hv', 'forward')]
    finding = res['findings'][0]
    assert finding['object'] == {'type': 'bridge_port', 'name': 'p-vm1', 'bridge': 'br20', 'vid': 20}
    assert '`ip link set dev p-vm1 master br0`' in finding['fix']['reason']


def test_mac_filter_on_another_port_is_ignored_and_on_vm_port_reported():
    world = b.bridged()
    rule = {'backend': 'nftables', 'family': 'bridge', 'table': 'filter', 'chain': 'forward', 'handle': 7,
            'text': 'ether daddr %s drop' % b.VM_MAC}
    world['hv']['bridges'][0]['mac_filters'] = [
        {'mac': b.VM_MAC, 'direction': 'destination', 'port': 'p-other', 'verdict': 'drop', 'rule': rule}]
    assert run(b.path(world, reachable=False))['findings'] == []
    world['hv']['bridges'][0]['mac_filters'][0]['port'] = 'p-vm1'
    res = run(b.path(world))
    assert codes(res) == [('MAC_FILTERED', 'lab-hv', 'forward')]
    assert res['findings'][0]['fix']['args'] == {'mac': b.VM_MAC, 'port': 'p-vm1', 'state': 'present'}
    assert res['findings'][0]['object']['handle'] == 7


def test_blackhole_route_on_source_is_no_route_with_manual_fix():
    world = b.routed()
    b.get_lookup(world['host'], '10.2.0.11').update(ok=True, type='blackhole', dev=None, gateway=None)
    res = run(b.path(world))
    assert codes(res)[0] == ('NO_ROUTE', 'lab-host', 'forward')
    assert res['findings'][0]['fix']['manual'] is True and 'blackhole' in res['findings'][0]['fix']['reason']


def test_missing_route_without_lookup_uses_the_table_with_medium_confidence():
    world = b.routed()
    world['host']['route_lookups'] = []
    world['host']['routes'] = [r for r in world['host']['routes'] if r['gateway'] is None]
    res = run(b.path(world))
    assert codes(res) == [('NO_ROUTE', 'lab-host', 'forward')]
    assert res['findings'][0]['confidence'] == 'medium'
    assert res['findings'][0]['fix']['args'] == {'prefix': '10.2.0.0/24', 'gateway': '10.1.0.254', 'state': 'present'}


def test_rp_filter_on_the_router_drops_the_request():
    world = b.routed()
    hv = world['hv']
    hv['interfaces'].append(b.iface('eth9', 9, addresses=['10.9.0.254/24']))
    b.get_lookup(hv, '10.1.0.1').update(dev='eth9', gateway='10.9.0.1')
    hv['sysctls']['conf']['p-host']['rp_filter'] = 1
    res = run(b.path(world))
    assert ('RP_FILTER_DROP', 'lab-hv', 'forward') in codes(res)
    finding = [f for f in res['findings'] if f['code'] == 'RP_FILTER_DROP'][0]
    assert finding['fix']['args'] == {'name': 'rp_filter', 'value': 2, 'interface': 'p-host'}


@pytest.mark.parametrize('state,code,confidence', [
    (['STALE'], 'ARP_STALE', 'low'),
    (['REACHABLE'], 'IP_CONFLICT', 'medium'),
    (['PERMANENT'], 'ARP_STALE', 'high'),
])
def test_wrong_neighbor_mac_by_nud_state(state, code, confidence):
    world = b.bridged()
    world['host']['neighbors'][0].update(mac='02:bb:bb:bb:bb:bb', state=state)
    res = run(b.path(world))
    assert [(f['code'], f['confidence']) for f in res['findings']] == [(code, confidence)]


def test_arp_incomplete_alone_is_reported_but_dropped_when_explained():
    world = b.bridged()
    world['host']['neighbors'][0].update(mac=None, state=['INCOMPLETE'])
    res = run(b.path(world))
    assert codes(res) == [('ARP_INCOMPLETE', 'lab-host', 'forward')]
    assert res['status'] == 'broken' and res['findings'][0]['fix']['manual'] is True
    b.get_port(world['hv'], 'p-vm1')['admin_up'] = False
    b.get_iface(world['hv'], 'p-vm1')['admin_up'] = False
    res = run(b.path(world))
    assert codes(res) == [('BRIDGE_PORT_DOWN', 'lab-hv', 'forward')]
    assert check(res, 'symptom.arp_incomplete')['status'] == 'fail'


def test_stale_permanent_entry_without_vm_facts_uses_the_hypervisor_neighbor_table():
    world = b.bridged()
    world['host']['neighbors'][0].update(mac='02:cc:cc:cc:cc:cc', state=['PERMANENT'])
    world['hv']['neighbors'] = [b.neigh('10.10.0.11', b.VM_MAC, 'br0')]
    res = run(b.path(world, with_vm=False))
    assert [(f['code'], f['confidence']) for f in res['findings']] == [('ARP_STALE', 'medium')]
    assert res['findings'][0]['evidence']['owner'] == 'neighbor table of lab-hv'


def test_duplicate_mac_from_vmware_facts():
    p = b.path(b.bridged())
    p['vmware_facts'] = {'duplicate_macs': [{'mac': b.VM_MAC, 'nics': [{'vm': 'a', 'label': 'n1'},
                                                                       {'vm': 'b', 'label': 'n1'}]}]}
    res = run(p)
    assert codes(res) == [('DUPLICATE_MAC', 'lab-vm1', 'forward')]
    assert res['findings'][0]['evidence']['also_on'][0]['host'] == 'vmware'


def test_ip_conflict_when_another_known_host_holds_the_vm_address():
    world = b.bridged()
    b.get_iface(world['hv'], 'br0')['addresses'].append(b.addr('10.10.0.11/24'))
    res = run(b.path(world))
    assert ('IP_CONFLICT', 'lab-vm1', 'forward') in codes(res)
    finding = [f for f in res['findings'] if f['code'] == 'IP_CONFLICT'][0]
    assert finding['evidence']['also_on'][0]['host'] == 'lab-hv' and finding['confidence'] == 'high'


def test_dad_failed_on_vm_address_is_ip_conflict():
    world = b.bridged()
    b.get_iface(world['vm'], 'eth0')['addresses'][0]['dad_failed'] = True
    res = run(b.path(world))
    assert codes(res) == [('IP_CONFLICT', 'lab-vm1', 'forward')]


def test_gateway_wrong_without_hypervisor_facts_is_medium_and_manual():
    world = b.routed()
    world['vm']['routes'][0]['gateway'] = '10.2.0.99'
    b.get_lookup(world['vm'], '10.1.0.1')['gateway'] = '10.2.0.99'
    world['vm']['neighbors'] = [b.neigh('10.2.0.99', None, 'eth0', 'FAILED')]
    res = run(b.path(world, with_hv=False))
    assert codes(res) == [('GATEWAY_WRONG', 'lab-vm1', 'return')]
    assert res['findings'][0]['confidence'] == 'medium' and res['findings'][0]['fix']['manual'] is True


def test_gateway_missing_without_hypervisor_facts_is_manual():
    world = b.routed()
    world['vm']['routes'] = [r for r in world['vm']['routes'] if r['dst'] != 'default']
    b.get_lookup(world['vm'], '10.1.0.1').update(ok=False, error='Network is unreachable')
    res = run(b.path(world, with_hv=False))
    assert codes(res) == [('GATEWAY_MISSING', 'lab-vm1', 'return')]
    assert res['findings'][0]['fix']['manual'] is True
    assert res['topology'] == 'unknown'


def test_ipv6_path_icmp_ignored_is_fixed_by_net_sysctl_ipv6_key():
    world = b.bridged()
    b.get_iface(world['host'], 'eth0')['addresses'].append(b.addr('2001:db8::1/64'))
    b.get_iface(world['vm'], 'eth0')['addresses'].append(b.addr('2001:db8::11/64'))
    world['vm']['sysctls']['ipv6']['icmp_echo_ignore_all'] = 1
    p = b.path(world)
    p['target_ip'] = '2001:DB8::11'
    res = run(p)
    assert res['family'] == 'ipv6' and res['target_ip'] == '2001:db8::11' and res['source_ip'] == '2001:db8::1'
    assert codes(res) == [('ICMP_IGNORED', 'lab-vm1', 'forward')]
    assert res['findings'][0]['fix'] == {'module': 'vmnet.doctor.net_sysctl', 'host': 'lab-vm1',
                                         'args': {'name': 'icmpv6_echo_ignore_all', 'value': 0}}
    assert check(res, 'target.rp_filter')['detail'] == 'rp_filter applies to IPv4 only'


def test_unknown_code_cannot_be_reported():
    ctx = PathContext('x', {}, '192.0.2.1')
    with pytest.raises(ValueError):
        ctx.find('NOT_A_CODE', 'source', 'forward', {}, {}, 'high', 'm', {})


# ----------------------------------------------------------------------------- partial facts

def test_no_vm_facts_skips_vm_checks_with_reasons():
    res = run(b.path(b.bridged(), with_vm=False))
    assert res['status'] == 'unexplained'
    for cid in ('target.address', 'target.firewall.input.echo-request', 'target.icmp_echo_ignore_all',
                'target.route_back'):
        assert check(res, cid)['status'] == 'skipped', cid
        assert check(res, cid)['detail']


def test_only_source_facts_no_crash_and_source_checks_still_run():
    world = b.bridged()
    b.set_icmp(world['host'], 'output', 'echo-request', 'drop')
    res = run(b.path(world, with_vm=False, with_hv=False))
    assert codes(res) == [('ICMP_BLOCKED', 'lab-host', 'forward')]
    assert check(res, 'switch.vm_port') == {'id': 'switch.vm_port', 'status': 'skipped', 'host': None,
                                            'detail': 'no hypervisor facts'}


def test_firewall_section_error_skips_the_firewall_checks():
    world = b.bridged()
    world['vm']['firewall']['icmp'] = []
    world['vm']['errors'] = [{'source': 'nft', 'message': 'nft -j list ruleset: Operation not permitted'}]
    res = run(b.path(world))
    detail = check(res, 'target.firewall.input.echo-request')
    assert detail['status'] == 'skipped' and 'Operation not permitted' in detail['detail']


def test_firewall_tools_missing_skips_and_says_so():
    world = b.bridged()
    world['vm']['firewall'] = {'backends': {}, 'icmp': [], 'rulesets': {}}
    world['vm']['tools'].update(nft=False, iptables=False)
    res = run(b.path(world))
    detail = check(res, 'target.firewall.input.echo-request')
    assert detail['status'] == 'skipped' and 'no firewall reader' in detail['detail']


def test_no_active_firewall_is_a_pass():
    world = b.bridged()
    world['vm']['firewall'] = {'backends': {'nftables': {'present': True, 'active': False}}, 'icmp': [],
                               'rulesets': {}}
    res = run(b.path(world, reachable=True))
    assert check(res, 'target.firewall.input.echo-request')['status'] == 'pass'


def test_sysctl_read_error_skips_icmp_ignore_check():
    world = b.bridged()
    world['vm']['sysctls'] = {'ipv4': {}, 'ipv6': {}, 'conf': {}}
    world['vm']['errors'] = [{'source': 'sysctl', 'message': '/proc/sys/net/ipv4/icmp_echo_ignore_all: denied'}]
    res = run(b.path(world))
    c = check(res, 'target.icmp_echo_ignore_all')
    assert c['status'] == 'skipped' and 'denied' in c['detail']


def test_route_section_error_skips_route_checks():
    world = b.routed()
    world['vm']['route_lookups'] = []
    world['vm']['routes'] = []
    world['vm']['errors'] = [{'source': 'ip route', 'message': 'ip -j route show: failed'}]
    res = run(b.path(world))
    assert check(res, 'target.route_back')['status'] == 'skipped'


def test_vmware_facts_are_accepted_and_listed_as_skipped():
    # VMware checks: tests/unit/plugins/plugin_utils/diagnosis/test_diagnosis_vmware.py
    p = b.path(b.bridged(), reachable=True)
    p['vmware_facts'] = {'schema_version': 1, 'interfaces': []}
    res = run(p)
    assert check(res, 'vmware.vm_nic')['status'] == 'skipped'


# ----------------------------------------------------------------------------- validation

def _err(path_or_paths):
    with pytest.raises(DoctorError) as info:
        engine.validate(path_or_paths if isinstance(path_or_paths, list) else [path_or_paths])
    return info.value.message


@pytest.mark.parametrize('mutate,message', [
    (lambda p: p.pop('source'), 'paths[0].source is required'),
    (lambda p: p.pop('target_ip'), 'paths[0].target_ip is required'),
    (lambda p: p.update(target_ip='vm1.example'), "paths[0].target_ip 'vm1.example' is not an IP address"),
    (lambda p: p.pop('source_facts'), 'paths[0].source_facts is required'),
    (lambda p: p.update(source_facts='x'), 'paths[0].source_facts must be a dict of facts'),
    (lambda p: p['source_facts'].pop('interfaces'), 'paths[0].source_facts has no interfaces section'),
    (lambda p: p['source_facts'].update(routes={}), 'paths[0].source_facts.routes must be a list'),
    (lambda p: p['source_facts'].update(sysctls=[]), 'paths[0].source_facts.sysctls must be a dict'),
    (lambda p: p['source_facts'].update(schema_version=2), 'schema_version is 2'),
    (lambda p: p['source_facts']['interfaces'].append({'mtu': 1}), 'paths[0].source_facts.interfaces[2] must be a dict'),
    (lambda p: p.pop('target_host'), 'paths[0].target_host is required with target_facts'),
    (lambda p: p.pop('hypervisor'), 'paths[0].hypervisor is required with hypervisor_facts'),
    (lambda p: p.pop('probes'), 'paths[0].probes is required'),
    (lambda p: p.update(probes={}), 'paths[0].probes.forward is required'),
    (lambda p: p.update(probes={'reverse': b.probe()}), 'paths[0].probes.forward is required'),
    (lambda p: p['probes']['forward'].update(reachable='yes'), 'paths[0].probes.forward.reachable must be true or false'),
    (lambda p: p['probes'].update(sideways=b.probe()), "paths[0].probes: unknown key(s) sideways"),
    (lambda p: p.update(colour='red'), 'paths[0]: unknown key(s) colour'),
    (lambda p: p.update(name=5), 'paths[0].name must be a string'),
])
def test_validation_errors_name_the_bad_key(mutate, message):
    p = b.path(b.bridged())
    mutate(p)
    assert message in _err(p)


def test_validation_of_the_list_itself():
    assert 'non-empty list' in _err([])
    with pytest.raises(DoctorError):
        engine.validate('nope')
    assert 'paths[1] must be a dict' in _err([b.path(b.bridged()), 'x'])


def test_wrapped_facts_and_default_name_are_accepted():
    p = b.path(b.bridged(), reachable=True)
    p['source_facts'] = {'vmnet_doctor': p['source_facts']}
    out = engine.validate([p])[0]
    assert out['name'] == 'lab-host -> 10.10.0.11' and 'interfaces' in out['source_facts']
    result = engine.diagnose([p, dict(b.path(b.bridged()), name='second')])
    assert [r['name'] for r in result['paths']] == ['lab-host -> 10.10.0.11', 'second']
    assert result['broken_paths'] == ['second']


def test_mtu_set_through_open_vswitch_is_fixed_in_the_ovsdb_and_reported_once():
    """An OVS interface with mtu_request: interface_mtu would not hold (OVS applies the request again)."""
    world = b.bridged()
    b.get_iface(world['hv'], 'p-vm1')['mtu'] = 1280
    world['hv']['ovs'] = {'present': True, 'rundir': '/run/lab-ovs', 'bridges': [
        {'name': 'br0', 'ports': [{'name': 'p-vm1', 'interfaces': [{'name': 'p-vm1', 'mtu': 1280,
                                                                   'mtu_request': 1280}]}]}]}
    large = b.probe(False, size=1472, dont_fragment=True)
    res = run(b.path(world, reachable=True, forward_large=large))
    assert [(f['code'], f['host']) for f in res['findings']] == [('MTU_MISMATCH', 'lab-hv')]
    f = res['findings'][0]
    assert f['object'] == {'type': 'ovs_interface', 'name': 'p-vm1', 'mtu': 1280, 'mtu_request': 1280}
    assert f['fix'] == {'module': 'vmnet.doctor.ovs_interface', 'host': 'lab-hv',
                        'args': {'interface': 'p-vm1', 'mtu_request': 1500, 'rundir': '/run/lab-ovs'}}
