# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the hypervisor port of a VM: each identification strategy, most reliable first."""
import diagnosis_builders as b
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.topology import match_peer


def views(world, vm_host='lab-vm1'):
    return HostView('switch', 'lab-hv', world['hv']), HostView('target', vm_host, world['vm'])


def test_fdb_wins_over_names():
    world = b.bridged()
    b.get_iface(world['hv'], 'p-vm1')['name'] = 'tap7'
    world['hv']['bridges'][0]['ports'][1]['name'] = 'tap7'
    world['hv']['bridges'][0]['fdb'] = [{'mac': b.VM_MAC, 'port': 'tap7', 'vlan': None, 'local': False},
                                        {'mac': b.BR_MAC, 'port': 'br0', 'vlan': None, 'local': True}]
    hv, vm = views(world)
    port, how = match_peer(hv, vm, b.get_iface(world['vm'], 'eth0'), None)
    assert (port['name'], how) == ('tap7', 'fdb')


def test_peer_ifindex_both_sides():
    """ifindexes repeat across namespaces (the host's eth0 is 2 as well): both ends must agree."""
    world = b.bridged()
    b.get_iface(world['hv'], 'p-host').update(name='veth0', peer_ifindex=2)   # peer: host eth0 (ifindex 2)
    b.get_iface(world['hv'], 'p-vm1').update(name='veth1', peer_ifindex=2)    # peer: vm eth0 (ifindex 2)
    vm_eth0 = b.get_iface(world['vm'], 'eth0')
    vm_eth0['peer_ifindex'] = 4            # veth1 is ifindex 4 on the hypervisor
    hv, vm = views(world, vm_host='web')
    port, how = match_peer(hv, vm, vm_eth0, None)
    assert (port['name'], how) == ('veth1', 'peer_ifindex')
    # one-sided information that matches two ports identifies nothing
    del vm_eth0['peer_ifindex']
    port, _why = match_peer(hv, vm, vm_eth0, None)
    assert port is None


def test_libvirt_tap_mac():
    world = b.bridged()
    b.get_iface(world['hv'], 'p-vm1').update(name='vnet0', mac='fe' + b.VM_MAC[2:])
    hv, vm = views(world, vm_host='web')
    port, how = match_peer(hv, vm, b.get_iface(world['vm'], 'eth0'), None)
    assert (port['name'], how) == ('vnet0', 'libvirt_tap_mac')


def test_no_link_at_all_says_why():
    world = b.bridged()
    b.get_iface(world['hv'], 'p-vm1')['name'] = 'vnet0'
    hv, vm = views(world, vm_host='web')
    port, why = match_peer(hv, vm, b.get_iface(world['vm'], 'eth0'), None)
    assert port is None and 'no bridge fdb, veth peer index, tap MAC or port name links web' in why


def test_unidentified_vm_port_skips_switch_checks_but_diagnoses_the_rest():
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.engine import diagnose
    world = b.bridged()
    b.get_iface(world['hv'], 'p-vm1')['name'] = 'vnet0'
    world['hv']['bridges'][0]['ports'][1]['name'] = 'vnet0'
    p = b.path(world)
    p['target_host'] = 'web'
    b.set_icmp(p['target_facts'], 'input', 'echo-request', 'drop')
    res = diagnose([p])['paths'][0]
    assert [f['code'] for f in res['findings']] == ['ICMP_BLOCKED']
    vm_port = [c for c in res['checks'] if c['id'] == 'switch.vm_port'][0]
    assert vm_port['status'] == 'skipped' and 'port not identified' in vm_port['detail']
