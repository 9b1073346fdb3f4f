# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab itself: every fault breaks what it claims, keeps what it claims, and heals exactly.

One lab per topology is shared by the fault tests of this module (each test heals its
fault and proves the lab is back to the exact same state), and destroyed at the end.
"""

import json
import os
import re
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB_PY = os.path.join(os.path.dirname(HERE), 'lab', 'lab.py')

from vmnetlab import FAULTS, STATE_DIR, in_shared_suites, Lab, LabError, destroy_lab, list_lab_namespaces, unique_prefix  # noqa: E402,E501  pylint: disable=wrong-import-position

VMS = {'bridged': 2, 'routed': 1, 'vlan': 2, 'libvirt': 1}

# Every fault in its first (default) topology, plus the topology-specific code paths.
CASES = sorted([(name, fault['topologies'][0]) for name, fault in FAULTS.items() if in_shared_suites(name)] + [
    ('vm_wrong_netmask', 'routed'),    # the default route must come back on heal
    ('vm_link_down', 'routed'),        # same
    ('vm_icmp_nft_drop', 'routed'),    # neighbour check reads the hypervisor's entry
    ('duplicate_ip', 'vlan'),
    ('vm_mac_filtered', 'vlan'),
    ('host_stale_arp', 'vlan'),
])


@pytest.fixture(scope='module')
def labs():
    made = {}

    def get(topology):
        if topology not in made:
            lab = Lab(unique_prefix('lb'), topology, vms=VMS[topology])
            made[topology] = lab
            lab.up()
        return made[topology]

    try:
        yield get
    finally:
        for lab in made.values():
            destroy_lab(lab.prefix)


def _json(lab, node, argv):
    out = lab.run(node, argv).stdout
    return json.loads(out) if out.strip() else []


def snapshot(lab):
    """Everything a fault may touch, minus what changes by itself (neighbours, counters, IPv6 DAD)."""
    nodes = list(lab.nodes)
    data = {'namespaces': list_lab_namespaces(lab.prefix)}
    for node in nodes:
        links = [(k['ifname'], k['mtu'], k.get('address'), k.get('master'), 'UP' in k['flags'])
                 for k in _json(lab, node, ['ip', '-j', 'link', 'show'])]
        if lab.topology == 'libvirt':   # a restarted guest's veth: the next free vnetN name, a random MAC
            links = [('vnetN', k[1], None) + k[3:] if re.match(r'^vnet\d+$', k[0]) else k for k in links]
        addrs = sorted((a['ifname'], i['local'], i['prefixlen']) for a in _json(lab, node, ['ip', '-j', 'addr', 'show'])
                       for i in a.get('addr_info', []) if i['family'] == 'inet')
        routes = sorted((r['dst'], r.get('gateway'), r.get('dev'))
                        for r in _json(lab, node, ['ip', '-j', '-4', 'route', 'show', 'table', 'all']))
        ruleset = [item for item in _json(lab, node, ['nft', '-j', 'list', 'ruleset']).get('nftables', [])
                   if 'metainfo' not in item]
        for item in ruleset:
            for value in item.values():
                value.pop('handle', None)
                if 'expr' in value:   # libvirt's iptables-nft rules count packets
                    value['expr'] = [e for e in value['expr'] if 'counter' not in e]
        if lab.topology == 'libvirt':   # a restarted libvirt network re-inserts its rules first
            ruleset.sort(key=lambda item: json.dumps(item, sort_keys=True))
        sysctls = [lab.sysctl(node, key) for key in ('net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter',
                                                     'net.ipv4.icmp_echo_ignore_all')]
        data[node] = {'links': sorted(links), 'addrs': addrs, 'routes': routes, 'nft': ruleset,
                      'sysctls': sysctls}
    return data


def _nft_rules(lab, node, family):
    proc = lab.run(node, ['nft', '-j', 'list', 'table', family, 'filter'], check=False)
    if proc.returncode != 0:
        return []
    return [item['rule'] for item in json.loads(proc.stdout)['nftables'] if 'rule' in item]


def _link(lab, node, ifname):
    return _json(lab, node, ['ip', '-j', 'link', 'show', ifname])[0]


def _default_gw(lab, node):
    return [r.get('gateway') for r in _json(lab, node, ['ip', '-j', 'route', 'show', 'default'])]


def _link_addrs(lab, node):
    return [i for a in _json(lab, node, ['ip', '-j', 'addr', 'show', 'dev', 'eth0'])
            for i in a.get('addr_info', []) if i['family'] == 'inet']


# What each fault leaves behind, checked on the real kernel state.
EVIDENCE = {
    'vm_icmp_nft_drop': lambda lab: any('drop' in json.dumps(r['expr']) and r['chain'] == 'input'
                                        for r in _nft_rules(lab, 'vm1', 'inet')),
    'hv_forward_drop': lambda lab: any('drop' in json.dumps(r['expr']) and r['chain'] == 'forward'
                                       for r in _nft_rules(lab, 'hv', 'inet')),
    'vm_mac_filtered': lambda lab: lab.mac('vm1') in json.dumps(_nft_rules(lab, 'hv', 'bridge')),
    'host_icmp_ipt_drop': lambda lab: ('-A INPUT -s %s/32 -p icmp' % lab.ip('vm1')) in lab.run(
        'host', ['iptables-nft', '-S', 'INPUT']).stdout,
    'vm_gateway_missing': lambda lab: _default_gw(lab, 'vm1') == [],
    'vm_gateway_wrong': lambda lab: _default_gw(lab, 'vm1') == ['10.220.1.254'],
    'host_route_missing': lambda lab: _json(lab, 'host', ['ip', '-j', 'route', 'show', lab.subnet]) == [],
    'vm_wrong_netmask': lambda lab: [i['prefixlen'] for i in _link_addrs(lab, 'vm1')] == [29],
    'mtu_mismatch': lambda lab: (_link(lab, 'host', 'eth0')['mtu'], _link(lab, 'vm1', 'eth0')['mtu'],
                                 _link(lab, 'hv', 'br0')['mtu'], _link(lab, 'hv', lab.port('vm1'))['mtu'])
    == (9000, 9000, 1500, 1500),
    'vm_wrong_vlan': lambda lab: _link(lab, 'hv', lab.port('vm1')).get('master') == 'br20',
    'vm_link_down': lambda lab: 'UP' not in _link(lab, 'vm1', 'eth0')['flags'],
    'bridge_port_down': lambda lab: 'UP' not in _link(lab, 'hv', lab.port('vm1'))['flags'],
    'duplicate_ip': lambda lab: (lab.neigh('host', 'vm1') or {}).get('lladdr') == '02:76:6d:0d:00:01'
    and lab.ns('dup') in list_lab_namespaces(lab.prefix),
    'host_stale_arp': lambda lab: (lab.neigh('host', 'vm1') or {}).get('state') == ['PERMANENT']
    and lab.neigh('host', 'vm1')['lladdr'] != lab.mac('vm1'),
    'hv_ip_forward_off': lambda lab: lab.sysctl('hv', 'net.ipv4.ip_forward') == '0',
    'vm_icmp_ignore': lambda lab: lab.sysctl('vm1', 'net.ipv4.icmp_echo_ignore_all') == '1',
    'rp_filter_asymmetric': lambda lab: lab.sysctl('host', 'net.ipv4.conf.all.rp_filter') == '1'
    and _json(lab, 'hv', ['ip', '-j', 'route', 'show', lab.ip('host') + '/32'])[0]['dev'] == 'eth1',
    # Faults only the packet witness locates (issue 12).
    'vm_arp_ignore': lambda lab: lab.sysctl('vm1', 'net.ipv4.conf.all.arp_ignore') == '8',
    'vm_arp_nft_drop': lambda lab: 'arp operation request' in lab.run(
        'vm1', ['nft', 'list', 'table', 'arp', 'filter'], check=False).stdout,
    'hv_bridge_arp_drop': lambda lab: '--arp-ip-dst %s' % lab.ip('vm1') in lab.run(
        'hv', ['ebtables-nft', '-L', 'FORWARD'], check=False).stdout,
    'hv_policy_blackhole': lambda lab: 'lookup 100' in lab.run('hv', ['ip', 'rule', 'show', 'pref', '100']).stdout,
    'vm_reply_prohibit': lambda lab: 'prohibit' in lab.run('vm1', ['ip', 'rule', 'show', 'pref', '100']).stdout,
    'vm_xfrm_block': lambda lab: 'action block' in lab.run('vm1', ['ip', 'xfrm', 'policy', 'show']).stdout,
    'hv_iface_forwarding_off': lambda lab: lab.sysctl('hv', 'net.ipv4.conf.eth0.forwarding') == '0',
    # the libvirt topology (tests/lab/libvirtlab.py): read from the lab's own libvirtd
    'libvirt_net_nat': lambda lab: "<forward mode='nat'>" in _vmnet_xml(lab),
    'libvirt_net_isolated': lambda lab: '<forward' not in _vmnet_xml(lab),
    'libvirt_net_inactive': lambda lab: 'virbr1' not in [k['ifname'] for k in _json(lab, 'hv', ['ip', '-j', 'link', 'show'])],
    'libvirt_forward_drop': lambda lab: 'policy drop' in lab.run('hv', ['nft', 'list', 'table', 'inet', 'filter'],
                                                                 check=False).stdout,
    'libvirt_no_return_route': lambda lab: _json(lab, 'host', ['ip', '-j', 'route', 'show', lab.subnet]) == [],
    'libvirt_guest_link_down': lambda lab: "<link state='down'/>" in _guest_xml(lab),
    'libvirt_guest_wrong_network': lambda lab: "<source network='natnet'" in _guest_xml(lab),
}


def _vmnet_xml(lab):
    uri = lab.inventory()['all']['children']['hypervisors']['hosts'][lab.ns('hv')]['doctor_libvirt_uri']
    return lab.run('hv', ['virsh', '-c', uri, 'net-dumpxml', 'vmnet']).stdout


def _guest_xml(lab):
    uri = lab.inventory()['all']['children']['hypervisors']['hosts'][lab.ns('hv')]['doctor_libvirt_uri']
    return lab.run('hv', ['virsh', '-c', 'lxc:' + uri.split(':', 1)[1], 'dumpxml', 'vm1']).stdout


def test_catalogue_is_complete():
    # what each fault must be diagnosed as (FAULTS[name]['expect']) is checked against the finding
    # catalogue by tests/unit/lab/test_fault_expectations.py
    assert set(EVIDENCE) == set(f for f in FAULTS if in_shared_suites(f))   # ovs: test_ovs.py
    for name, fault in ((n, f) for n, f in FAULTS.items() if in_shared_suites(n)):
        assert fault['breaks'] and fault['intact'], name
        assert set(fault['topologies']) <= {'bridged', 'routed', 'vlan', 'libvirt'}, name
        for key in ('summary', 'evidence', 'heal', 'node', 'layer'):
            assert fault[key], (name, key)
        # a model expectation, or (faults only the packet witness locates) what the witness must see
        assert fault.get('expect') or fault.get('witness'), name


@pytest.mark.parametrize('name,topology', CASES, ids=['%s-%s' % case for case in CASES])
def test_fault(labs, name, topology):
    lab = labs(topology)
    fault = FAULTS[name]
    assert lab.injected() == []
    assert lab.reachable('host', 'vm1'), 'baseline ping host -> vm1 fails before %s' % name
    before = snapshot(lab)

    assert lab.inject(name) is True
    try:
        assert lab.inject(name) is False            # injecting twice changes nothing
        assert lab.injected() == [name]
        assert EVIDENCE[name](lab), 'kernel state does not show %s' % name
        for check in fault['breaks']:
            assert lab.check_fails(check), '%s did not break %s' % (name, check)
        for check in fault['intact']:
            assert lab.check(check), '%s broke %s, which it must leave working' % (name, check)
    finally:
        healed = lab.heal(name)
    assert healed == [name]
    assert lab.heal(name) == []                     # healing is idempotent
    assert lab.injected() == []
    assert not EVIDENCE[name](lab)
    for check in fault['breaks']:
        assert lab.check(check), 'heal of %s did not restore %s' % (name, check)
    assert snapshot(lab) == before


def test_heal_all_and_wrong_topology(labs):
    lab = labs('bridged')
    with pytest.raises(LabError) as info:
        lab.inject('hv_ip_forward_off')
    assert 'needs topology routed' in str(info.value)
    with pytest.raises(LabError):
        lab.inject('no_such_fault')
    before = snapshot(lab)
    lab.inject('vm_icmp_ignore')
    lab.inject('bridge_port_down')
    assert lab.injected() == ['bridge_port_down', 'vm_icmp_ignore']
    assert lab.check_fails({'ping': ['host', 'vm1']})
    assert lab.heal('all') == ['bridge_port_down', 'vm_icmp_ignore']
    assert lab.heal('all') == []
    assert lab.reachable('host', 'vm1')
    assert snapshot(lab) == before


def test_heal_after_the_fault_was_fixed_by_someone_else(labs):
    """A fixer may have repaired the fault already; heal must still succeed and end clean."""
    lab = labs('bridged')
    before = snapshot(lab)
    lab.inject('vm_icmp_nft_drop')
    lab.run('vm1', ['nft', 'delete', 'table', 'inet', 'filter'])
    assert lab.reachable('host', 'vm1')
    assert lab.heal('vm_icmp_nft_drop') == ['vm_icmp_nft_drop']
    assert snapshot(lab) == before


def test_topologies_addressing(labs):
    routed = labs('routed')
    assert routed.reachable('host', 'vm1')
    assert routed.ip('vm1') == '10.220.1.11' and routed.subnet == '10.220.1.0/24'
    trace = routed.run('host', ['ip', '-j', 'route', 'get', routed.ip('vm1')]).stdout
    assert json.loads(trace)[0]['gateway'] == routed.ip('hv')
    assert routed.sysctl('hv', 'net.ipv4.ip_forward') == '1'
    assert routed.reachable('host', 'hv.eth1')
    vlan = labs('vlan')
    assert _link(vlan, 'hv', 'uplink0')['master'] == 'br10'
    assert _link(vlan, 'hv', vlan.port('vm2'))['master'] == 'br10'
    assert vlan.reachable('host', 'vm2')
    bridged = labs('bridged')
    assert bridged.ip('host') == '10.210.0.1' and bridged.ip('vm2') == '10.210.0.12'
    assert bridged.mac('vm1') == '02:76:6d:11:00:01'
    assert bridged.port('vm1') == 'vnet-vm1'
    # Nothing of the lab leaks into the root namespace.
    root = subprocess.run(['ip', '-j', 'addr'], stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    assert '10.210.0.' not in root and '10.220.' not in root and '10.230.' not in root


def test_inventory(labs, tmp_path):
    lab = labs('routed')
    path = lab.write_inventory(str(tmp_path / 'inv.yml'))
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', path, '--list'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=True).stdout
    inv = json.loads(out)
    assert inv['physical']['hosts'] == [lab.ns('host')]
    assert inv['hypervisors']['hosts'] == [lab.ns('hv')]
    assert inv['vms']['hosts'] == [lab.ns('vm1')]
    vm = inv['_meta']['hostvars'][lab.ns('vm1')]
    assert vm['ansible_connection'] == 'vmnet.doctor.netns'
    assert vm['ansible_netns_name'] == lab.ns('vm1')
    assert vm['ansible_python_interpreter'] == '/usr/bin/python3'
    assert vm['lab_ip'] == '10.220.1.11' and vm['lab_role'] == 'vm'
    assert vm['lab_hypervisor'] == lab.ns('hv') and vm['lab_port'] == 'vnet-vm1'
    assert vm['lab_prefix'] == lab.prefix and vm['lab_topology'] == 'routed'
    assert inv['_meta']['hostvars'][lab.ns('hv')]['lab_ip'] == '10.220.0.2'


def test_up_twice_is_harmless():
    prefix = unique_prefix('lb')
    try:
        lab = Lab(prefix, 'bridged')
        assert lab.up() is True
        ifindex = _link(lab, 'vm1', 'eth0')['ifindex']
        lab.inject('vm_icmp_ignore')
        assert Lab(prefix, 'bridged').up() is False
        assert _link(lab, 'vm1', 'eth0')['ifindex'] == ifindex
        assert lab.injected() == ['vm_icmp_ignore']     # up does not reset a running lab
        lab.heal('all')
        assert lab.reachable('host', 'vm1')
        with pytest.raises(LabError):
            Lab(prefix, 'routed')                        # same prefix, other topology
    finally:
        destroy_lab(prefix)
    assert list_lab_namespaces(prefix) == []


def test_failed_build_cleans_up(monkeypatch):
    prefix = unique_prefix('lb')
    lab = Lab(prefix, 'routed')
    calls = []

    def broken_add_link(item, prefix=None):
        calls.append(item)
        if len(calls) == 2:
            raise LabError('simulated failure while linking')
        return original(item)

    original = lab._add_link
    monkeypatch.setattr(lab, '_add_link', broken_add_link)
    with pytest.raises(LabError):
        lab.up()
    assert list_lab_namespaces(prefix) == []
    assert not os.path.exists(os.path.join(STATE_DIR, prefix + '.json'))


def test_down_after_crash_without_state():
    """Leftovers of a crashed build (namespaces, a veth, no state file) are found by name."""
    prefix = unique_prefix('lb')
    try:
        for node in ('host', 'hv', 'vm1'):
            subprocess.run(['ip', 'netns', 'add', '%s-%s' % (prefix, node)], check=True)
        subprocess.run(['ip', 'link', 'add', 'eth0', 'netns', prefix + '-host', 'type', 'veth', 'peer', 'name',
                        'uplink0', 'netns', prefix + '-hv'], check=True)
        assert len(list_lab_namespaces(prefix)) == 3
        proc = subprocess.run([sys.executable, LAB_PY, 'down', '--prefix', prefix], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert list_lab_namespaces(prefix) == []
    finally:
        destroy_lab(prefix)


def test_two_labs_coexist():
    first, second = Lab(unique_prefix('lb'), 'bridged'), Lab(unique_prefix('lb'), 'bridged')
    try:
        first.up()
        second.up()
        assert first.ip('vm1') == second.ip('vm1')      # same plan, separate namespaces
        first.inject('vm_icmp_nft_drop')
        assert first.check_fails({'ping': ['host', 'vm1']})
        assert second.reachable('host', 'vm1')
        first.down()
        assert list_lab_namespaces(first.prefix) == []
        assert second.reachable('host', 'vm1')
    finally:
        destroy_lab(first.prefix)
        destroy_lab(second.prefix)


def _cli(*args):
    return subprocess.run([sys.executable, LAB_PY] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)


def test_cli(tmp_path):
    catalog = _cli('faults')
    assert catalog.returncode == 0
    for name in FAULTS:
        assert '\n%s\n' % name in '\n' + catalog.stdout
    assert '  diagnosis:  ICMP_BLOCKED on vm1, fix vmnet.doctor.icmp_rule\n' in catalog.stdout
    prefix = unique_prefix('lb')
    inventory = str(tmp_path / 'inv.yml')
    try:
        proc = _cli('up', '--topology', 'vlan', '--prefix', prefix, '--vms', '2', '--inventory', inventory)
        assert proc.returncode == 0, proc.stderr
        assert os.path.exists(inventory)
        assert 'already up' in _cli('up', '--topology', 'vlan', '--prefix', prefix).stdout
        injected = _cli('fault', 'vm_wrong_vlan', '--prefix', prefix)
        assert injected.returncode == 0
        assert injected.stdout == 'injected vm_wrong_vlan (expected diagnosis: VLAN_MISMATCH on hv, fix manual)\n'
        status = json.loads(_cli('status', '--prefix', prefix).stdout)
        assert status['faults'] == ['vm_wrong_vlan'] and status['up'] is True and status['vms'] == 2
        wrong = _cli('fault', 'hv_forward_drop', '--prefix', prefix)
        assert wrong.returncode == 1 and 'needs topology routed' in wrong.stderr
        assert 'vm_wrong_vlan' in _cli('heal', 'all', '--prefix', prefix).stdout
        assert 'nothing to heal' in _cli('heal', 'all', '--prefix', prefix).stdout
    finally:
        assert _cli('down', '--prefix', prefix).returncode == 0
    assert list_lab_namespaces(prefix) == []
    assert json.loads(_cli('status', '--prefix', prefix).stdout)['status'] == 'down'


def test_sshd_in_vm(tmp_path):
    key = str(tmp_path / 'id_ed25519')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
    lab = Lab(unique_prefix('lb'), 'bridged')
    try:
        lab.up()
        info = lab.start_sshd('vm1', key + '.pub')
        assert info['address'] == lab.ip('vm1') and os.path.exists(info['host_key'])
        assert lab.start_sshd('vm1', key + '.pub') == info     # already running: same daemon
        proc = lab.run('host', ['ssh', '-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
                                '-o', 'UserKnownHostsFile=/dev/null', 'root@' + info['address'],
                                'ip -j -4 addr show dev eth0'], check=False)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)[0]['addr_info'][0]['local'] == lab.ip('vm1')
        with open(info['pidfile']) as handle:
            pid = int(handle.read())
    finally:
        lab.down()
    assert not os.path.exists(info['workdir'])
    for _attempt in range(20):
        if not os.path.exists('/proc/%d' % pid):
            break
        time.sleep(0.1)
    assert not os.path.exists('/proc/%d' % pid)


def test_routed_masquerade():
    lab = Lab(unique_prefix('lb'), 'routed', masquerade=True)
    try:
        lab.up()
        rules = lab.run('hv', ['nft', 'list', 'table', 'ip', 'vmnet_lab_nat']).stdout
        assert 'masquerade' in rules
        # Count, on the host, echo requests that arrive with the hypervisor's address as source.
        lab.run('host', ['nft', '-f', '-'], input_text=(
            'table ip count {\n chain input {\n  type filter hook input priority filter; policy accept;\n'
            '  ip saddr %s icmp type echo-request counter\n }\n}\n' % lab.ip('hv')))
        assert lab.reachable('vm1', 'host')
        assert lab.reachable('host', 'vm1')
        counted = json.loads(lab.run('host', ['nft', '-j', 'list', 'table', 'ip', 'count']).stdout)
        packets = [expr['counter']['packets'] for item in counted['nftables'] if 'rule' in item
                   for expr in item['rule']['expr'] if 'counter' in expr]
        assert packets == [2]
    finally:
        destroy_lab(lab.prefix)
