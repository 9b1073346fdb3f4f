# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnosis engine on Windows/Hyper-V facts (parsed from the recorded cmdlet outputs):
Windows Firewall findings and the Hyper-V VM adapter checks."""
import copy
import os
import sys

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F

import win_fixtures as W

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'diagnosis'))
import diagnosis_builders as B  # noqa: E402  pylint: disable=wrong-import-position

VM_IP = '172.20.0.10'
VM_MAC = '00:15:5d:0a:64:10'


def hv01(raw=None, peers=None):
    return F.parse(raw if raw is not None else W.raw_host(), peers or W.PEERS)


def linux_vm(ip, mac, gateway='172.20.0.1', name='web01'):
    return B.facts(name, [B.iface('eth0', 2, mac=mac, addresses=['%s/24' % ip])],
                   routes=[B.route('default', 'eth0', gateway=gateway), B.route('172.20.0.0/24', 'eth0')],
                   lookups=[B.lookup('172.20.0.1', 'eth0', ip)],
                   icmp_entries=B._flow_accepts(ip, '172.20.0.1'))


def host_to_vm(target_ip=VM_IP, target_facts=None, reachable=False, source_facts=None, vm_name='web01'):
    """The Windows Hyper-V host pings its own VM."""
    path = {'source': 'hv01', 'target_ip': target_ip, 'source_facts': source_facts or hv01(),
            'probes': {'forward': B.probe(reachable)}}
    if target_facts is not None:
        path['target_host'], path['target_facts'] = vm_name, target_facts
    return engine.diagnose([path])['paths'][0]


def codes(result):
    return [f['code'] for f in result['findings']]


def check(result, cid):
    return [c for c in result['checks'] if c['id'] == cid][0]


def test_healthy_hyperv_path():
    result = host_to_vm(target_facts=linux_vm(VM_IP, VM_MAC), reachable=True)
    assert result['status'] == 'ok' and result['findings'] == [] and result['notes'] == []
    assert check(result, 'switch.hyperv.connected')['status'] == 'pass'
    assert check(result, 'switch.hyperv.switch')['detail'].endswith('share switch NATSwitch')
    assert check(result, 'switch.hyperv.vlan')['status'] == 'pass'
    assert check(result, 'switch.hyperv.mac_spoofing')['status'] == 'pass'
    assert check(result, 'source.firewall.output.echo-request')['status'] == 'pass'


def test_vnic_disconnected():
    result = host_to_vm('172.20.0.12', linux_vm('172.20.0.12', '00:15:5d:0a:64:12', name='db01'), vm_name='db01')
    assert codes(result) == ['VNIC_DISCONNECTED'] and result['status'] == 'broken'
    finding = result['findings'][0]
    assert finding['layer'] == 'link' and finding['host'] == 'hv01' and finding['confidence'] == 'high'
    assert finding['object'] == {'type': 'hyperv_vm_adapter', 'vm': 'db01', 'name': 'Network Adapter',
                                 'mac': '00:15:5d:0a:64:12', 'switch': None}
    assert finding['fix'] == {'module': 'vmnet.doctor.hyperv_vm_nic', 'host': 'hv01',
                              'args': {'vm': 'db01', 'mac': '00:15:5d:0a:64:12', 'switch': 'NATSwitch'}}


def test_wrong_vswitch_found_by_guest_ips_without_vm_facts():
    result = host_to_vm('172.20.0.30')
    assert codes(result) == ['WRONG_VSWITCH']
    finding = result['findings'][0]
    assert finding['evidence']['identified_by'] == 'guest_ips' and finding['object']['switch'] == 'Isolated'
    assert finding['fix']['args'] == {'vm': 'router-vm', 'mac': '00:15:5d:0a:64:30', 'switch': 'NATSwitch'}


def test_hyperv_vlan_mismatch():
    raw = W.raw_host()
    for item in raw['VMNetworkAdapterVlan']:
        if item['VMName'] == 'web01':
            item.update({'OperationMode': 'Access', 'AccessVlanId': 20})
    result = host_to_vm(target_facts=linux_vm(VM_IP, VM_MAC), source_facts=hv01(raw))
    assert codes(result) == ['VLAN_MISMATCH']
    finding = result['findings'][0]
    assert finding['object']['type'] == 'hyperv_vm_adapter' and finding['object']['vlan_id'] == 20
    assert finding['evidence']['vlan'] == {'vm_adapter': 20, 'host': 0}
    assert finding['fix']['args'] == {'vm': 'web01', 'mac': VM_MAC, 'vlan_id': 0}


def with_neighbor(mac, state):
    """hv01 whose neighbor entry for the VM has this MAC and state."""
    raw = W.raw_host()
    raw['NetNeighbor'][0].update({'LinkLayerAddress': mac, 'State': state})
    return hv01(raw)


def test_mac_spoofing_disabled_from_vm_facts_and_from_the_neighbor_cache():
    # The switch drops the guest's ARP replies (sent from its own MAC): the host entry stays incomplete.
    result = host_to_vm(target_facts=linux_vm(VM_IP, '02:00:00:00:00:10'),
                        source_facts=with_neighbor('00-00-00-00-00-00', 'Incomplete'))
    assert codes(result) == ['MAC_SPOOFING_DISABLED']
    finding = result['findings'][0]
    assert finding['confidence'] == 'high' and finding['evidence']['guest_mac'] == '02:00:00:00:00:10'
    assert finding['fix']['args'] == {'vm': 'web01', 'mac': VM_MAC, 'mac_spoofing': True}
    # Without VM facts: the host learnt the guest's own MAC (for example before spoofing was turned off).
    result = host_to_vm(source_facts=with_neighbor('02-00-00-00-00-10', 'Stale'))
    assert codes(result) == ['MAC_SPOOFING_DISABLED'] and result['findings'][0]['confidence'] == 'medium'


def test_mac_spoofing_on_is_fine():
    raw = W.raw_host()
    raw['NetNeighbor'][0]['LinkLayerAddress'] = '02-00-00-00-00-10'
    for nic in raw['VMNetworkAdapter']:
        if nic['VMName'] == 'web01':
            nic['MacAddressSpoofing'] = 'On'
    result = host_to_vm(target_facts=linux_vm(VM_IP, '02:00:00:00:00:10'), source_facts=hv01(raw), reachable=True)
    assert result['status'] == 'ok'
    assert 'MAC spoofing is on' in check(result, 'switch.hyperv.mac_spoofing')['detail']


def lan_to_windows(raw=None, source_ip='192.168.10.5', target_ip='192.168.10.20'):
    """A Linux host on the LAN pings the Windows host (the VM here is the Windows machine)."""
    # MTU 1400 like the Windows side (hv01 vEthernet (External)), so that only the firewall is in question
    src = B.facts('lanhost', [B.iface('eth0', 2, mac='02:00:00:00:00:05', mtu=1400,
                                      addresses=['%s/24' % source_ip])],
                  routes=[B.route('192.168.10.0/24', 'eth0')],
                  lookups=[B.lookup(target_ip, 'eth0', source_ip)],
                  icmp_entries=B._flow_accepts(source_ip, target_ip))
    target = hv01(raw, [source_ip])
    path = {'source': 'lanhost', 'target_ip': target_ip, 'source_facts': src, 'target_host': 'winhost',
            'target_facts': target, 'probes': {'forward': B.probe(False)}}
    return engine.diagnose([path])['paths'][0]


def test_windows_firewall_default_block_is_icmp_blocked_with_win_icmp_rule_fix():
    result = lan_to_windows()
    assert codes(result) == ['ICMP_BLOCKED']
    finding = result['findings'][0]
    assert finding['host'] == 'winhost' and finding['confidence'] == 'high'
    assert finding['object'] == {'type': 'firewall_profile', 'name': 'Private', 'hook': 'input', 'policy': True}
    # hv01's built-in rule (client layout: LocalSubnet, Private and Public) is wider than one sender
    # in one profile: the fix says what it opens and may widen only because it says so.
    assert finding['fix'] == {'module': 'vmnet.doctor.win_icmp_rule', 'host': 'winhost',
                              'args': {'source': '192.168.10.5/32', 'ip_version': 'ipv4', 'state': 'present',
                                       'profiles': ['private'], 'allow_widening': True},
                              'widens': ['ICMPv4 echo requests from LocalSubnet (RemoteAddress LocalSubnet), not only '
                                         'from 192.168.10.5/32', 'in the Public profile too (Profile Private, Public)'],
                              'note': finding['fix']['note']}
    assert 'FPS-ICMP4-ERQ-In' in finding['fix']['note']
    assert 'default inbound action of the Private profile' in finding['message']


def test_windows_block_rule_names_the_rule_and_disables_it_in_the_fix():
    result = lan_to_windows(W.with_custom_block(W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True')))
    finding = result['findings'][0]
    assert finding['code'] == 'ICMP_BLOCKED'
    assert finding['object'] == {'type': 'windows_firewall_rule', 'name': 'Block-Lab-Ping',
                                 'display_name': 'Block ping from the lab', 'profile': 'Private', 'hook': 'input'}
    assert finding['fix']['args']['disable_blocking_rules'] is True and 'override' in finding['fix']['note']


def test_firewall_profile_blocks_all():
    raw = copy.deepcopy(W.raw_host())
    for prof in raw['NetFirewallProfile']:
        if prof['Name'] == 'Private':
            prof['AllowInboundRules'] = 'False'
    result = lan_to_windows(W.set_rule(raw, 'FPS-ICMP4-ERQ-In', Enabled='True'))
    assert codes(result) == ['FIREWALL_PROFILE_BLOCKS_ALL']
    finding = result['findings'][0]
    assert finding['layer'] == 'firewall'
    assert finding['object'] == {'type': 'firewall_profile', 'name': 'Private', 'hook': 'input'}
    assert finding['fix']['args'] == {'source': '192.168.10.5/32', 'ip_version': 'ipv4', 'state': 'present',
                                      'profiles': ['private'], 'allow_inbound_rules': True, 'allow_widening': False}
    assert 'widens' not in finding['fix']       # the echo rule is already enabled: nothing more is opened


def test_windows_echo_allowed_is_healthy():
    result = lan_to_windows(W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True'))
    assert result['findings'] == [] and result['status'] == 'unexplained'
    assert check(result, 'target.firewall.input.echo-request')['status'] == 'pass'


@pytest.mark.parametrize('variant', [{}, {'NetFirewallRule': 'numeric'}, {'NetFirewallRule': 'de-DE'}])
def test_same_finding_whatever_the_json_shape_or_language(variant):
    assert codes(lan_to_windows(W.raw_host(**variant))) == ['ICMP_BLOCKED']


def test_linux_paths_get_no_hyperv_checks():
    result = engine.diagnose([B.path(B.bridged(), reachable=True)])['paths'][0]
    assert not [c for c in result['checks'] if c['id'].startswith('switch.hyperv')]


def test_platform_neutral_finding_on_a_windows_host_proposes_the_windows_fixer():
    src = B.facts('lanhost', [B.iface('eth0', 2, mac='02:00:00:00:00:05', mtu=1300, addresses=['192.168.10.5/24'])],
                  routes=[B.route('192.168.10.0/24', 'eth0')],
                  lookups=[B.lookup('192.168.10.20', 'eth0', '192.168.10.5')],
                  icmp_entries=B._flow_accepts('192.168.10.5', '192.168.10.20'))
    target = hv01(W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True'), ['192.168.10.5'])
    path = {'source': 'lanhost', 'target_ip': '192.168.10.20', 'source_facts': src, 'target_host': 'winhost',
            'target_facts': target,
            'probes': {'forward': B.probe(True), 'forward_large': B.probe(False, size=1372, dont_fragment=True)}}
    result = engine.diagnose([path])['paths'][0]
    mtu = [f for f in result['findings'] if f['code'] == 'MTU_MISMATCH'][0]
    assert mtu['fix'] == {'module': 'vmnet.doctor.win_interface_mtu', 'host': 'winhost',
                          'args': {'interface': 'vEthernet (External)', 'mtu': 1300}}


@pytest.mark.parametrize('fix, expected', [
    ({'module': 'vmnet.doctor.default_gateway', 'host': 'w',
      'args': {'gateway': '10.0.0.1', 'state': 'present', 'device': 'Ethernet'}},
     {'module': 'vmnet.doctor.win_default_gateway', 'host': 'w', 'args': {'gateway': '10.0.0.1',
                                                                          'interface': 'Ethernet'}}),
    ({'module': 'vmnet.doctor.win_icmp_rule', 'host': 'w', 'args': {}},
     {'module': 'vmnet.doctor.win_icmp_rule', 'host': 'w', 'args': {}}),
    ({'manual': True, 'reason': 'x'}, {'manual': True, 'reason': 'x'}),
])
def test_windows_fix_mapping(fix, expected):
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_windows
    assert checks_windows.windows_fix(fix) == expected


def test_linux_only_fixer_becomes_manual_on_windows():
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_windows
    out = checks_windows.windows_fix({'module': 'vmnet.doctor.neighbor', 'host': 'w',
                                      'args': {'address': '10.0.0.1', 'state': 'absent'}})
    assert out['manual'] is True and 'neighbor address=10.0.0.1, state=absent' in out['reason']


def test_windows_hypervisor_does_not_filter_forwarded_traffic():
    # A LAN host pings web01 behind the Hyper-V host's NAT switch: the Hyper-V host is the router.
    src = B.facts('lanhost', [B.iface('eth0', 2, mac='02:00:00:00:00:05', addresses=['192.168.10.5/24'])],
                  routes=[B.route('192.168.10.0/24', 'eth0'), B.route('172.20.0.0/24', 'eth0', gateway='192.168.10.20')],
                  lookups=[B.lookup(VM_IP, 'eth0', '192.168.10.5', gateway='192.168.10.20')],
                  icmp_entries=B._flow_accepts('192.168.10.5', VM_IP))
    path = {'source': 'lanhost', 'target_ip': VM_IP, 'source_facts': src, 'hypervisor': 'hv01',
            'hypervisor_facts': hv01(peers=W.PEERS + ['192.168.10.5']), 'target_host': 'web01',
            'target_facts': linux_vm(VM_IP, VM_MAC), 'probes': {'forward': B.probe(True)}}
    result = engine.diagnose([path])['paths'][0]
    fwd = check(result, 'switch.firewall.forward.echo-request')
    assert fwd['status'] == 'pass' and 'not traffic it routes' in fwd['detail']
    assert check(result, 'switch.hyperv.switch')['status'] == 'pass'
