"""vmnet.doctor.net_facts against the namespace lab (tests/lab): every fault leaves evidence.

For each fault of the lab catalogue (``vmnetlab.FAULTS``) a predicate says "the evidence of this
fault is in the facts". Each test builds a lab with ``lab_factory``, injects one fault, gathers
``vmnet.doctor.net_facts`` with real ``ansible`` runs over the ``vmnet.doctor.netns`` connection
(``ansible_run``), and asserts the predicate holds, with the exact evidence (rule handle, MTU
pair, MAC...). Healthy labs of each topology must satisfy none of the predicates.

Needs root (namespaces). Fixtures come from tests/integration/conftest.py.
"""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lab'))
from vmnetlab import FAULTS, JUMBO_MTU, STALE_MAC, WRONG_GATEWAY, in_shared_suites, model_faults  # noqa: E402

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='the namespace lab needs root')

DUP_MAC = '02:76:6d:0d:00:01'   # the impostor of duplicate_ip (catalogue evidence text)
NODES = ('host', 'hv', 'vm1')


# --------------------------------------------------------------------------- helpers

def inventory_of(lab, tmp_path):
    path = getattr(lab, 'inventory_path', None)
    return path or lab.write_inventory(str(tmp_path / 'inventory.yml'))


def gather_args(lab, node):
    host_ip, vm_ip = lab.ip('host'), lab.ip('vm1')
    if node == 'host':
        return {'peers': [vm_ip]}
    if node == 'vm1':
        return {'peers': [host_ip]}
    hv_args = {'peers': [host_ip, vm_ip], 'flows': [{'src': host_ip, 'dst': vm_ip}]}
    if lab.topology == 'libvirt':   # the lab's own libvirtd (private socket)
        hv_args['libvirt_uri'] = lab.inventory()['all']['children']['hypervisors']['hosts'][lab.ns('hv')][
            'doctor_libvirt_uri']
    return hv_args


def gather(ansible_run, inventory, lab, nodes=NODES):
    facts = {}
    for node in nodes:
        result = ansible_run(inventory, lab.ns(node), 'vmnet.doctor.net_facts', gather_args(lab, node))
        assert not result.get('failed'), result
        assert result.get('changed') is False
        facts[node] = result['ansible_facts']['vmnet_doctor']
    return facts


def iface(facts, name):
    for item in facts['interfaces']:
        if item['name'] == name:
            return item
    return None


def port(facts, name):
    for bridge in facts['bridges']:
        for item in bridge['ports']:
            if item['name'] == name:
                return dict(item, bridge=bridge['name'])
    return None


def lookup(facts, address):
    return [r for r in facts['route_lookups'] if r['address'] == address][0]


def icmp(facts, hook, icmp_type, src, dst):
    return [v for v in facts['firewall']['icmp']
            if (v['hook'], v['icmp_type'], v['src'], v['dst']) == (hook, icmp_type, src, dst)]


def neighbor(facts, address):
    return [n for n in facts['neighbors'] if n['address'] == address]


def nft_handle(lab, node, comment):
    """Handle of the lab's fault rule, read with nft directly (not through net_facts)."""
    ruleset = json.loads(lab.run(node, ['nft', '-j', 'list', 'ruleset']).stdout)['nftables']
    handles = [item['rule']['handle'] for item in ruleset
               if 'rule' in item and item['rule'].get('comment') == comment]
    assert len(handles) == 1, handles
    return handles[0]


def main_default(facts):
    return [r for r in facts['routes'] if r['family'] == 'ipv4' and r['table'] == 'main' and r['dst'] == 'default']


# --------------------------------------------------------------------------- evidence predicates
# Each takes (lab, facts by node) and returns True when the fault's evidence is visible.

def ev_vm_icmp_nft_drop(lab, f):
    return any(v['verdict'] == 'drop' and v['deciding_rule']['backend'] == 'nftables'
               for v in icmp(f['vm1'], 'input', 'echo-request', lab.ip('host'), lab.ip('vm1')))


def ev_host_icmp_ipt_drop(lab, f):
    return any(v['verdict'] == 'drop' and v['deciding_rule']['backend'] == 'iptables'
               for v in icmp(f['host'], 'input', 'echo-request', lab.ip('vm1'), lab.ip('host')))


def ev_hv_forward_drop(lab, f):
    return any(v['verdict'] == 'drop'
               for v in icmp(f['hv'], 'forward', 'echo-request', lab.ip('host'), lab.ip('vm1')))


def ev_vm_gateway_missing(lab, f):
    return not main_default(f['vm1']) and not lookup(f['vm1'], lab.ip('host'))['ok']


def ev_vm_gateway_wrong(lab, f):
    return any(r['gateway'] == WRONG_GATEWAY for r in main_default(f['vm1']))


def ev_host_route_missing(lab, f):
    return (not lookup(f['host'], lab.ip('vm1'))['ok']
            and not any(r['dst'] == lab.subnet for r in f['host']['routes']))


def ev_vm_wrong_netmask(lab, f):
    return any(a['address'] == lab.ip('vm1') and a['prefixlen'] == 29
               for a in iface(f['vm1'], 'eth0')['addresses'])


def ev_mtu_mismatch(lab, f):
    uplink = port(f['hv'], 'uplink0')
    return iface(f['host'], 'eth0')['mtu'] == JUMBO_MTU and uplink is not None and uplink['mtu'] == 1500


def ev_vm_mac_filtered(lab, f):
    return any(m['mac'] == lab.mac('vm1') and m['verdict'] == 'drop'
               for b in f['hv']['bridges'] for m in b['mac_filters'])


def ev_vm_wrong_vlan(lab, f):
    return iface(f['hv'], lab.port('vm1'))['master'] == 'br20'


def ev_vm_link_down(lab, f):
    return iface(f['vm1'], 'eth0')['admin_up'] is False


def ev_bridge_port_down(lab, f):
    vnet = port(f['hv'], lab.port('vm1'))
    return vnet['admin_up'] is False and vnet['state'] == 'disabled'


def ev_duplicate_ip(lab, f):
    # learned from the wire (not a configured PERMANENT entry) and not vm1's MAC
    return any(n['mac'] not in (None, lab.mac('vm1')) and 'PERMANENT' not in n['state']
               for n in neighbor(f['host'], lab.ip('vm1')))


def ev_host_stale_arp(lab, f):
    return any('PERMANENT' in n['state'] and n['mac'] == STALE_MAC for n in neighbor(f['host'], lab.ip('vm1')))


def ev_hv_ip_forward_off(lab, f):
    return f['hv']['sysctls']['ipv4']['ip_forward'] == 0


def ev_vm_icmp_ignore(lab, f):
    return f['vm1']['sysctls']['ipv4']['icmp_echo_ignore_all'] == 1


def ev_rp_filter_asymmetric(lab, f):
    host_eth0, host_eth1 = lab.ip('host', 'eth0'), lab.ip('host', 'eth1')
    asymmetric = any(r['dst'] == host_eth0 + '/32' and r['gateway'] == host_eth1 and r['dev'] == 'eth1'
                     for r in f['hv']['routes'])
    return f['host']['sysctls']['conf']['all']['rp_filter'] == 1 and asymmetric


# --------------------------------------------------------------------------- libvirt topology (libvirtlab.py)
def _vmnet(f):
    return [n for n in f['hv']['libvirt']['networks'] if n['name'] == 'vmnet'][0]


def ev_libvirt_net_nat(lab, f):
    return _vmnet(f)['forward_mode'] == 'nat'


def ev_libvirt_net_isolated(lab, f):
    return _vmnet(f)['forward_mode'] == 'isolated'


def ev_libvirt_net_inactive(lab, f):
    return _vmnet(f)['active'] is False


def ev_libvirt_forward_drop(lab, f):
    return any(v['verdict'] == 'drop' and v['deciding_rule'].get('policy')
               for v in icmp(f['hv'], 'forward', 'echo-request', lab.ip('host'), lab.ip('vm1')))


def ev_libvirt_no_return_route(lab, f):
    return not lookup(f['host'], lab.ip('vm1'))['ok']


def _vm1_nic(f):
    nics = [i for g in f['hv']['libvirt']['guests'] for i in g['interfaces']]
    return nics[0] if nics else {}


def ev_libvirt_guest_link_down(lab, f):
    return _vm1_nic(f).get('link_state') == 'down'


def ev_libvirt_guest_wrong_network(lab, f):
    return _vm1_nic(f).get('source_network') not in (None, 'vmnet')


EVIDENCE = dict((name[3:], func) for name, func in list(globals().items()) if name.startswith('ev_'))


# The faults a model check diagnoses (the witness-only faults of tests/integration/test_witness.py have no
# net_facts evidence by design: no model check reads them).
MODEL_FAULTS = [f for f in model_faults() if in_shared_suites(f)]   # ovs: test_ovs.py


def test_every_fault_has_a_predicate():
    assert sorted(EVIDENCE) == MODEL_FAULTS


# --------------------------------------------------------------------------- exact evidence per fault

def details_vm_icmp_nft_drop(lab, f):
    [verdict] = icmp(f['vm1'], 'input', 'echo-request', lab.ip('host'), lab.ip('vm1'))
    rule = verdict['deciding_rule']
    assert (rule['family'], rule['table'], rule['chain']) == ('inet', 'filter', 'input')
    assert rule['handle'] == nft_handle(lab, 'vm1', 'vmnet-lab fault vm_icmp_nft_drop')
    assert verdict['iif'] == 'eth0' and verdict['certain'] is True
    # the reply path and ARP are intact
    assert [v['verdict'] for v in icmp(f['vm1'], 'output', 'echo-reply', lab.ip('vm1'), lab.ip('host'))] == ['accept']


def details_host_icmp_ipt_drop(lab, f):
    [verdict] = icmp(f['host'], 'input', 'echo-request', lab.ip('vm1'), lab.ip('host'))
    rule = verdict['deciding_rule']
    assert (rule['table'], rule['chain'], rule['rule_number'], rule['variant']) == ('filter', 'INPUT', 1, 'nft')
    assert rule['comment'] == 'vmnet-lab fault host_icmp_ipt_drop'


def details_hv_forward_drop(lab, f):
    [verdict] = icmp(f['hv'], 'forward', 'echo-request', lab.ip('host'), lab.ip('vm1'))
    rule = verdict['deciding_rule']
    assert (rule['backend'], rule['family'], rule['chain']) == ('nftables', 'inet', 'forward')
    assert rule['handle'] == nft_handle(lab, 'hv', 'vmnet-lab fault hv_forward_drop')
    assert (verdict['iif'], verdict['oif']) == ('eth0', 'br0')


def details_vm_gateway_missing(lab, f):
    assert lookup(f['vm1'], lab.ip('host'))['error'] == 'Network is unreachable'


def details_vm_gateway_wrong(lab, f):
    assert lookup(f['vm1'], lab.ip('host'))['gateway'] == WRONG_GATEWAY


def details_host_route_missing(lab, f):
    assert lookup(f['host'], lab.ip('vm1'))['error'] == 'Network is unreachable'


def details_vm_wrong_netmask(lab, f):
    [addr] = [a for a in iface(f['vm1'], 'eth0')['addresses'] if a['address'] == lab.ip('vm1')]
    assert addr['network'] != lab.subnet


def details_mtu_mismatch(lab, f):
    assert iface(f['vm1'], 'eth0')['mtu'] == JUMBO_MTU
    vnet = port(f['hv'], lab.port('vm1'))
    assert (vnet['mtu'], port(f['hv'], 'uplink0')['mtu']) == (1500, 1500)
    assert iface(f['host'], 'eth0')['max_mtu'] >= JUMBO_MTU


def details_vm_mac_filtered(lab, f):
    # a bridge-family rule without iifname/oifname acts on every bridge of the namespace
    filtered = dict((b['name'], b['mac_filters']) for b in f['hv']['bridges'] if b['mac_filters'])
    assert sorted(filtered) == sorted(b['name'] for b in f['hv']['bridges'])
    [mac_filter] = filtered[lab.vm_bridge]
    assert (mac_filter['direction'], mac_filter['port']) == ('source', None)
    assert mac_filter['rule']['family'] == 'bridge' and mac_filter['rule']['chain'] == 'forward'
    assert mac_filter['rule']['handle'] == nft_handle(lab, 'hv', 'vmnet-lab fault vm_mac_filtered')


def details_vm_wrong_vlan(lab, f):
    bridges = dict((b['name'], [p['name'] for p in b['ports']]) for b in f['hv']['bridges'])
    assert lab.port('vm1') in bridges['br20'] and lab.port('vm1') not in bridges['br10']
    assert 'uplink0' in bridges['br10']


def details_vm_link_down(lab, f):
    assert iface(f['vm1'], 'eth0')['carrier'] is None
    assert port(f['hv'], lab.port('vm1'))['carrier'] is False


def details_bridge_port_down(lab, f):
    assert iface(f['vm1'], 'eth0')['carrier'] is False


def details_duplicate_ip(lab, f):
    assert [n['mac'] for n in neighbor(f['host'], lab.ip('vm1'))] == [DUP_MAC]


def details_host_stale_arp(lab, f):
    assert iface(f['vm1'], 'eth0')['mac'] != STALE_MAC


def details_hv_ip_forward_off(lab, f):
    assert f['hv']['sysctls']['conf']['all']['forwarding'] == 0


def details_vm_icmp_ignore(lab, f):
    # the firewall lets it through: the sysctl, not a rule, is what stops the reply
    assert [v['verdict'] for v in icmp(f['vm1'], 'input', 'echo-request', lab.ip('host'), lab.ip('vm1'))] == ['accept']


def details_rp_filter_asymmetric(lab, f):
    assert lookup(f['host'], lab.ip('vm1'))['dev'] == 'eth0'


def details_libvirt_net_nat(lab, f):
    # libvirt's own chain rejects the new inbound connection: the verdict names it
    [verdict] = icmp(f['hv'], 'forward', 'echo-request', lab.ip('host'), lab.ip('vm1'))
    assert verdict['verdict'] == 'reject' and verdict['deciding_rule']['chain'] == 'LIBVIRT_FWI', verdict
    [guest] = f['hv']['libvirt']['guests']
    assert guest['interfaces'][0]['source_network'] == 'vmnet' and guest['interfaces'][0]['mac'] == lab.mac('vm1')


def details_libvirt_net_isolated(lab, f):
    assert _vmnet(f)['bridge'] == 'virbr1' and _vmnet(f)['active'] is True


def details_libvirt_net_inactive(lab, f):
    assert iface(f['hv'], 'virbr1') is None


def details_libvirt_forward_drop(lab, f):
    [verdict] = icmp(f['hv'], 'forward', 'echo-request', lab.ip('host'), lab.ip('vm1'))
    assert (verdict['deciding_rule']['family'], verdict['deciding_rule']['chain']) == ('inet', 'forward')


def details_libvirt_no_return_route(lab, f):
    assert lookup(f['host'], lab.ip('vm1'))['error'] == 'Network is unreachable'


def details_libvirt_guest_link_down(lab, f):
    # the network and the bridge are fine: only the guest's NIC is held down
    assert _vmnet(f)['active'] is True and _vm1_nic(f)['mac'] == lab.mac('vm1')


def details_libvirt_guest_wrong_network(lab, f):
    assert _vm1_nic(f)['source_network'] == 'natnet' and _vmnet(f)['active'] is True


CASES = [(topology, name) for name in MODEL_FAULTS for topology in FAULTS[name]['topologies']]

# Evidence a fault really brings along: taking vm1's link down (or its /24) also removes its
# default route in the routed lab.
ALSO = {('routed', 'vm_link_down'): ['vm_gateway_missing'],
        ('routed', 'vm_wrong_netmask'): ['vm_gateway_missing']}


@pytest.mark.parametrize('topology,fault', CASES, ids=['%s-%s' % c for c in CASES])
def test_fault_evidence(lab_factory, ansible_run, tmp_path, topology, fault):
    lab = lab_factory(topology, base='nf')
    inventory = inventory_of(lab, tmp_path)
    lab.inject(fault)
    facts = gather(ansible_run, inventory, lab)
    assert EVIDENCE[fault](lab, facts), '%s: no evidence in the facts' % fault
    globals()['details_' + fault](lab, facts)
    # a single fault: the evidence of no other fault of this topology shows up
    others = [name for name in MODEL_FAULTS if name != fault and topology in FAULTS[name]['topologies']]
    shown = [name for name in others if EVIDENCE[name](lab, facts)]
    assert shown == ALSO.get((topology, fault), []), 'unexpected evidence of %s' % shown


@pytest.mark.parametrize('topology', ['bridged', 'routed', 'vlan'])
def test_healthy_lab_shows_no_fault(lab_factory, ansible_run, tmp_path, topology):
    lab = lab_factory(topology, base='nf')
    facts = gather(ansible_run, inventory_of(lab, tmp_path), lab)
    shown = [name for name in MODEL_FAULTS
             if topology in FAULTS[name]['topologies'] and EVIDENCE[name](lab, facts)]
    assert shown == []
    for node, node_facts in facts.items():
        assert node_facts['errors'] == [], node
        assert node_facts['platform'] == 'linux'
        assert set(v['verdict'] for v in node_facts['firewall']['icmp']) == {'accept'}, node
        assert lookup(node_facts, lab.ip('vm1' if node != 'vm1' else 'host'))['ok'] is True
    assert iface(facts['vm1'], 'eth0')['mac'] == lab.mac('vm1')
    assert port(facts['hv'], lab.port('vm1'))['state'] == 'forwarding'
    assert port(facts['hv'], lab.port('vm1'))['bridge'] == lab.vm_bridge


def test_check_mode_and_bad_input_over_netns(lab_factory, ansible_run, tmp_path):
    """Check mode gives the same read-only facts; a bad peer fails with a clear message."""
    lab = lab_factory('bridged', base='nf')
    inventory = inventory_of(lab, tmp_path)
    result = ansible_run(inventory, lab.ns('host'), 'vmnet.doctor.net_facts', {'peers': [lab.ip('vm1')]},
                         check=True)
    assert result.get('changed') is False and not result.get('failed')
    assert result['ansible_facts']['vmnet_doctor']['route_lookups'][0]['dev'] == 'eth0'
    bad = ansible_run(inventory, lab.ns('host'), 'vmnet.doctor.net_facts', {'peers': ['vm1.example']})
    assert bad.get('failed') is True
    assert "'vm1.example' is not an IP address" in bad['msg']


def test_over_ssh_same_facts_as_over_netns(lab_factory, ansible_run, tmp_path):
    """net_facts is an ordinary module: over SSH (controller in the host namespace, sshd in vm1)
    it returns what the netns connection returns."""
    lab = lab_factory('bridged', base='nf')
    key = str(tmp_path / 'id_ed25519')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
    lab.inject('vm_icmp_ignore')
    info = lab.start_sshd('vm1', key + '.pub')
    inventory = tmp_path / 'ssh.yml'
    inventory.write_text(json.dumps({'all': {'hosts': {'vm1': {
        'ansible_host': info['address'], 'ansible_port': info['port'], 'ansible_user': 'root',
        'ansible_connection': 'ssh', 'ansible_ssh_private_key_file': key,
        'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
        'ansible_python_interpreter': '/usr/bin/python3'}}}}))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(repo, 'ansible.cfg'), LANG='C.UTF-8', LC_ALL='C.UTF-8',
               ANSIBLE_COLLECTIONS_PATH=os.path.join(repo, '.collections'))
    tree = tmp_path / 'tree'
    args = json.dumps(gather_args(lab, 'vm1'))
    proc = subprocess.run(['ip', 'netns', 'exec', lab.ns('host'), os.path.join(os.path.dirname(sys.executable), 'ansible'),
                           'vm1', '-i', str(inventory), '-m', 'vmnet.doctor.net_facts', '-a', args, '-t', str(tree)],
                          cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    over_ssh = json.loads((tree / 'vm1').read_text())['ansible_facts']['vmnet_doctor']
    over_netns = gather(ansible_run, inventory_of(lab, tmp_path), lab, nodes=('vm1',))['vm1']
    assert ev_vm_icmp_ignore(lab, {'vm1': over_ssh})
    for section in ('interfaces', 'routes', 'policy_rules', 'route_lookups', 'sysctls', 'bridges', 'errors'):
        assert over_ssh[section] == over_netns[section], section
    assert [v['verdict'] for v in over_ssh['firewall']['icmp']] == \
        [v['verdict'] for v in over_netns['firewall']['icmp']]


def _peer_view(role, host, facts):
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
    return HostView(role, host, facts)


def test_bridged_fdb_and_veth_peers(lab_factory, ansible_run, tmp_path):
    """bridges[].fdb and interfaces[].peer_ifindex/link_netnsid on the real bridged lab, and the
    diagnosis pairing hypervisor ports with them (fdb first, the veth peer index without it)."""
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.topology import match_peer

    lab = lab_factory('bridged', base='nx')
    inventory = inventory_of(lab, tmp_path)
    assert lab.reachable('host', 'vm1')   # traffic both ways: br0 learns both MACs
    f = gather(ansible_run, inventory, lab)
    [br0] = f['hv']['bridges']
    learned = [e for e in br0['fdb'] if e['mac'] == lab.mac('vm1')]
    assert [(e['port'], e['local'], e['state'], e['vlan']) for e in learned] == \
        [(lab.port('vm1'), False, 'dynamic', None)]
    assert [e['port'] for e in br0['fdb'] if e['mac'] == lab.mac('host')] == ['uplink0']
    # the ports' own MACs are local entries; the bridge device's own entries are left out
    assert [e['local'] for e in br0['fdb'] if e['mac'] == lab.mac('hv', lab.port('vm1'))] == [True]
    assert not [e for e in br0['fdb'] if e['port'] == 'br0' or e['mac'] == lab.mac('hv', 'br0')]

    # veth ends across namespaces: link_index is the peer's ifindex in the PEER's namespace ...
    host_eth0, uplink = iface(f['host'], 'eth0'), iface(f['hv'], 'uplink0')
    vm_eth0, vnet = iface(f['vm1'], 'eth0'), iface(f['hv'], lab.port('vm1'))
    assert host_eth0['peer_ifindex'] == uplink['ifindex'] and uplink['peer_ifindex'] == host_eth0['ifindex']
    assert vm_eth0['peer_ifindex'] == vnet['ifindex'] and vnet['peer_ifindex'] == vm_eth0['ifindex']
    # ... and link_netnsid is the peer namespace's id as seen from this one (a local number)
    for node, item, peer_node in (('host', host_eth0, 'hv'), ('vm1', vm_eth0, 'hv'),
                                  ('hv', uplink, 'host'), ('hv', vnet, 'vm1')):
        ids = json.loads(lab.run(node, ['ip', '-j', 'netns', 'list-id']).stdout)
        assert [i['name'] for i in ids if i['nsid'] == item['link_netnsid']] == [lab.ns(peer_node)]

    hv = _peer_view('switch', lab.ns('hv'), f['hv'])
    port, how = match_peer(hv, _peer_view('target', lab.ns('vm1'), f['vm1']), vm_eth0, None)
    assert (port['name'], how) == (lab.port('vm1'), 'fdb')
    port, how = match_peer(hv, _peer_view('source', lab.ns('host'), f['host']), host_eth0, None)
    assert (port['name'], how) == ('uplink0', 'fdb')

    # bridge_port_down: the kernel flushes the learned entries of a disabled port, so the
    # VM's port is found through the veth peer index (still a strong match)
    lab.inject('bridge_port_down')
    f = gather(ansible_run, inventory, lab, nodes=('hv', 'vm1'))
    assert not [e for e in f['hv']['bridges'][0]['fdb'] if e['mac'] == lab.mac('vm1')]
    hv = _peer_view('switch', lab.ns('hv'), f['hv'])
    port, how = match_peer(hv, _peer_view('target', lab.ns('vm1'), f['vm1']), iface(f['vm1'], 'eth0'), None)
    assert (port['name'], how, port['admin_up']) == (lab.port('vm1'), 'peer_ifindex', False)
