# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open vSwitch, for real: the ``ovs`` lab (tests/lab/ovslab.py) runs ovsdb-server and ovs-vswitchd
(userspace datapath) inside its hypervisor namespace with a private run directory.

* net_facts reads the bridges, ports, flows, FDB and ofproto/trace of the path's echo through the
  lab's ``ovs_rundir``; without Open vSwitch it says so in a note and does not fail.
* Every OVS fault of the lab: ``playbooks/remediate.yml`` (its diagnosis phase is the diagnose role)
  reports the fault's code on its host with its object; an automatic fix is verified by the probe and
  the host answers a real ping; running the fixer again with the same arguments changes nothing
  (the tag mismatch also gets a full second remediate run that changes nothing). A manual finding is
  reported and nothing is touched.
* The fixers: check mode and diff change nothing (VLANs, flows, MTU, patch peers, OpenFlow port config read
  back from the switch), an unknown port, bridge or interface (or a bad MTU, a peer on a non-patch interface)
  fails and changes nothing.
* The packet witness runs on every fault: drop records on OVS ports (the kernel's copy of frames the
  userspace datapath took) are not drops; the switch's ofproto/trace is, and the OVS finding is not
  contradicted. It reads the userspace datapath's own drop counters (coverage/show) around its window: when
  the switch saw the echo of a fault that dies in the datapath enter, the counter that grew is named.
* ``lab.py down`` stops the daemons by their pidfiles, also after a crash (no state file).

One lab for the module (prefix "ov" + random), healed between tests.
"""
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs
from vmnetlab import FAULTS, STATE_DIR, Lab, destroy_lab, expected_finding, list_lab_namespaces, unique_prefix
import ovslab

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'remediate.yml')
LAB_PY = os.path.join(REPO, 'tests', 'lab', 'lab.py')
OVS_FAULTS = sorted(name for name, fault in FAULTS.items() if fault['topologies'] == ['ovs'])
# Faults whose echo (or ARP request) dies in the userspace datapath itself: once the switch's witness saw one
# enter, the datapath's own drop counter (coverage/show) must have grown and be named.
PIPELINE_DROPS = ('drop_action_of_pipeline', 'datapath_drop_userspace_action_error')
DATAPATH_DROPS = {'ovs_drop_flow': ('echo_request',), 'ovs_secure_no_flows': ('echo_request', 'arp_request')}
FAST = {'diagnose_probe_count': 2, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 2,
        'remediate_probe_timeout': 0.5, 'remediate_witness_when': 'failed'}


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    made = Lab(unique_prefix('ov'), 'ovs', vms=1)
    try:
        made.up()
        made.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
        made.write_inventory(made.inventory_path)
        yield made
    finally:
        destroy_lab(made.prefix)


@pytest.fixture()
def healed(lab):
    lab.heal('all')
    assert lab.reachable('host', 'vm1')
    yield lab
    lab.heal('all')


def _pids(rundir):
    pids = []
    for daemon in ovslab.DAEMONS:
        try:
            with open(os.path.join(rundir, daemon + '.pid')) as handle:
                pids.append(int(handle.read().strip()))
        except (OSError, ValueError):
            pass
    return pids


def _ovs_state(lab):
    """Ports (tag, trunks, vlan_mode, bridge) and flows (without counters) of the lab's switch."""
    out = {}
    for bridge in ovslab.BRIDGES:
        ports = ovslab.vsctl(lab, 'list-ports', bridge).stdout.split()
        out[bridge] = {'ports': dict((p, ovslab.vsctl(lab, '--format=json', '--columns=tag,trunks,vlan_mode', 'list',
                                                      'Port', p).stdout) for p in ports),
                       'fail_mode': ovslab.vsctl(lab, 'get-fail-mode', bridge).stdout.strip(),
                       'flows': sorted(line.split('actions=')[0].split('priority=')[-1] + line.split('actions=')[1]
                                       for line in lab.run('hv', ovslab.ofctl_argv(lab, 'dump-flows', bridge)).stdout
                                       .splitlines() if 'actions=' in line)}
        out[bridge]['port_config'] = dict((name, port['config']) for name, port in ovs.parse_ports_desc(
            lab.run('hv', ovslab.ofctl_argv(lab, 'dump-ports-desc', bridge)).stdout).items())
    out['mtu_request'] = ovslab.vsctl(lab, '--format=json', '--columns=name,mtu_request', 'list', 'Interface').stdout
    out['options'] = ovslab.vsctl(lab, '--format=json', '--columns=name,options', 'list', 'Interface').stdout
    return out


def _remediate(run_playbook, lab, tmp_path, name):
    report_dir = tmp_path / name
    extra = dict(FAST, doctor_source=lab.ns('host'), doctor_target_ip=lab.ip('vm1'),
                 doctor_target_host=lab.ns('vm1'), doctor_hypervisor=lab.ns('hv'), doctor_report_dir=str(report_dir))
    rc, data, output = run_playbook(PLAYBOOK, lab.inventory_path, extra_vars=extra)
    assert rc == 0, output[-3000:]
    files = sorted(f for f in report_dir.glob('*.json') if not f.name.endswith('-diagnosis.json'))
    with open(str(files[-1])) as handle:
        return json.load(handle), (data or {}).get('stats', {})


def _diagnosis_of(report, tmp_path, name):
    """The first path of the first diagnosis (the remediate report's diagnosis file): its witness summary
    and findings with their evidence."""
    files = sorted((tmp_path / name).glob('*-diagnosis.json'))
    if not files:
        return report['paths'][0]
    with open(str(files[0])) as handle:
        return json.load(handle)['paths'][0]


def _witness_of(report, tmp_path, name):
    """The packet witness summary of the first diagnosis."""
    return _diagnosis_of(report, tmp_path, name).get('witness')


# ------------------------------------------------------------------ facts
def test_facts_read_the_switch_and_its_verdict(healed, ansible_run):
    lab = healed
    rundir = ovslab.rundir(lab.prefix, lab.state_dir)
    res = ansible_run(lab.inventory_path, lab.ns('hv'), 'vmnet.doctor.net_facts',
                      {'flows': [{'src': lab.ip('host'), 'dst': lab.ip('vm1')}], 'ovs_rundir': rundir})
    assert not res.get('failed'), res.get('msg')
    ovs = res['ansible_facts']['vmnet_doctor']['ovs']
    assert ovs['present'] and ovs['errors'] == [] and ovs['rundir'] == rundir
    bridges = dict((b['name'], b) for b in ovs['bridges'])
    assert sorted(bridges) == sorted(ovslab.BRIDGES)
    ports = dict((p['name'], p) for p in bridges['br-int']['ports'])
    vm = ports['vnet-vm1']
    assert (vm['tag'], vm['trunks'], ports['patch-ex']['trunks']) == (10, [], [10, 20])
    iface = vm['interfaces'][0]
    assert iface['admin_state'] == 'up' and iface['link_state'] == 'up' and iface['ofport'] > 0
    assert iface['external_ids']['attached-mac'] == lab.mac('vm1') and iface['mtu'] == 1500
    assert (iface['of_config'], iface['of_state'], iface['error']) == ([], [], None), iface
    assert [f['actions'] for f in bridges['br-int']['flows']] == ['NORMAL']
    request = [t for t in ovs['traces'] if t['in_port'] == 'uplink0' and t['packet'] == 'echo-request'][0]
    reply = [t for t in ovs['traces'] if t['in_port'] == 'vnet-vm1' and t['packet'] == 'echo-reply'][0]
    assert 'vnet-vm1' in request['outputs'] and 'uplink0' in reply['outputs'], (request, reply)
    assert [r['bridge'] for r in request['rules']] == ['br-ex', 'br-int']


def test_facts_without_open_vswitch_say_so(healed, ansible_run, tmp_path):
    lab = healed
    res = ansible_run(lab.inventory_path, lab.ns('host'), 'vmnet.doctor.net_facts',
                      {'ovs_rundir': str(tmp_path / 'no-ovs-here')})
    assert not res.get('failed'), res.get('msg')
    ovs = res['ansible_facts']['vmnet_doctor']['ovs']
    assert ovs['present'] is False and 'no ovsdb-server socket' in ovs['note'] and ovs['bridges'] == []


# ------------------------------------------------------------------ every OVS fault
@pytest.mark.parametrize('fault', OVS_FAULTS)
def test_fault_is_diagnosed_and_remediated(healed, run_playbook, ansible_run, tmp_path, fault):
    lab = healed
    code, node, fixer, obj = expected_finding(fault, {'{vm1_ip}': lab.ip('vm1'), '{vm1_mac}': lab.mac('vm1')})
    size = FAULTS[fault]['breaks'][0].get('size')       # ovs_mtu_request: only large pings fail
    lab.inject(fault)
    assert not lab.reachable('host', 'vm1', size=size, attempts=1)
    before = _ovs_state(lab)
    report, _stats = _remediate(run_playbook, lab, tmp_path, 'first')
    path = report['paths'][0]
    finding = path['findings'][0]
    assert (finding['code'], finding['host']) == (code, lab.ns(node)), path['findings']
    assert dict((k, finding['object'].get(k)) for k in obj) == obj, finding['object']
    # The witness ran: the kernel's copy of frames OVS takes from its ports is no drop, the switch's
    # own trace says where the echo stops, and it does not contradict the OVS finding.
    assert finding.get('witness') != 'contradicted', finding
    witness = _witness_of(report, tmp_path, 'first')
    assert (witness is None) is (size is not None), witness     # the probe's small echo answers: no witness
    assert witness is None or witness['stopped'], witness
    assert witness is None or witness['stopped'].get('reason') != 'OTHERHOST' and 'OTHERHOST' not in \
        witness['located'], witness
    if witness and witness['stopped']['role'] == 'switch':
        assert 'Open vSwitch ofproto/trace' in witness['located'] and witness['ovs'], witness
    switch = (witness or {}).get('hops', {}).get('switch') or {}
    assert witness is None or switch.get('ovs_drops', {}).get('daemons'), switch    # it read the counters
    entered = sum(counts['in'][kind] for counts in (switch.get('interfaces') or {}).values()
                  for kind in DATAPATH_DROPS.get(fault, ()))
    if entered:
        # The switch's own record of the drop: the pipeline's drop action, or (a datapath flow that still sent the
        # miss to the slow path, seen on a loaded machine) the failed userspace action; the witness names it.
        counters = switch['ovs_drops']['counters']
        named = [c for c in PIPELINE_DROPS if counters.get(c, 0) > 0]
        assert named, switch['ovs_drops']
        assert '%s +' % named[0] in witness['located'], witness['located']
        evidence = _diagnosis_of(report, tmp_path, 'first')['findings'][0]['evidence']
        assert '%s +' % named[0] in str(evidence), evidence
    if fixer is None:
        assert path['result'] != 'restored' and path['fixes'] == [], path['fixes']
        assert finding['status'] == 'manual' and finding['reason'], finding
        assert _ovs_state(lab) == before
        return
    verified = [f for f in path['fixes'] if f['status'] == 'verified']
    assert verified, (path['fixes'], report['summary_lines'])
    fix = verified[0]
    assert fix['module'] == 'vmnet.doctor.' + fixer and code in fix['codes'], path['fixes']
    assert path['result'] == 'restored' and path['reachable_after'] is True, report['summary_lines']
    assert lab.reachable('host', 'vm1', size=size) and lab.reachable('vm1', 'host', size=size)
    after = _ovs_state(lab)
    again = ansible_run(lab.inventory_path, fix['host'], fix['module'], fix['args'])
    assert not again.get('failed') and again['changed'] is False, again
    assert _ovs_state(lab) == after
    if fault == 'ovs_tag_mismatch':     # a whole second run: nothing left to fix, nothing changed
        report, stats = _remediate(run_playbook, lab, tmp_path, 'second')
        assert report['paths'][0]['result'] == 'ok' and report['paths'][0]['fixes'] == [], report['summary_lines']
        assert stats.get('localhost', {}).get('changed') == 0 and _ovs_state(lab) == after


# ------------------------------------------------------------------ fixers: check mode, diff, bad input
def test_fixers_check_mode_diff_and_bad_input(healed, run_playbook, task_results_of, tmp_path):
    """One playbook (one ansible process) with every case: check mode + diff, then bad input."""
    lab = healed
    rundir = ovslab.rundir(lab.prefix, lab.state_dir)
    before = _ovs_state(lab)
    cases = [
        ('check vlan', 'ovs_port_vlan', {'port': 'patch-ex', 'trunks': [10]}, True),
        ('check flow', 'ovs_flow', {'bridge': 'br-int', 'priority': 200, 'match': 'icmp', 'actions': 'drop',
                                    'state': 'present'}, True),
        ('unknown port', 'ovs_port_vlan', {'port': 'vnet-nope', 'tag': 10}, False),
        ('other bridge', 'ovs_port_vlan', {'port': 'vnet-vm1', 'bridge': 'br-ex', 'tag': 10}, False),
        ('unknown bridge', 'ovs_flow', {'bridge': 'br-nope', 'priority': 1}, False),
        ('check mtu', 'ovs_interface', {'interface': 'vnet-vm1', 'mtu_request': 1400}, True),
        ('unknown interface', 'ovs_interface', {'interface': 'vnet-nope', 'mtu_request': 1500}, False),
        ('bad mtu', 'ovs_interface', {'interface': 'vnet-vm1', 'mtu_request': 20}, False),
        ('check peer', 'ovs_interface', {'interface': 'patch-ex', 'peer': 'patch-other'}, True),
        ('peer of no patch', 'ovs_interface', {'interface': 'vnet-vm1', 'peer': 'patch-int'}, False),
        ('check port config', 'ovs_port_config', {'port': 'vnet-vm1', 'forward': False, 'flood': True}, True),
        ('port config unknown port', 'ovs_port_config', {'port': 'vnet-nope', 'forward': True}, False),
        ('port config unknown bridge', 'ovs_port_config', {'port': 'vnet-vm1', 'bridge': 'br-nope',
                                                           'forward': True}, False),
        ('port config other bridge', 'ovs_port_config', {'port': 'vnet-vm1', 'bridge': 'br-ex', 'receive': True},
         False),
    ]
    tasks = [{'name': name, 'vmnet.doctor.' + module: dict(args, rundir=rundir), 'check_mode': check, 'diff': check,
              'ignore_errors': True} for name, module, args, check in cases]
    playbook = tmp_path / 'fixers.yml'
    playbook.write_text(json.dumps([{'hosts': lab.ns('hv'), 'gather_facts': False, 'tasks': tasks}]))
    rc, data, output = run_playbook(str(playbook), lab.inventory_path)
    assert data is not None, output[-3000:]
    res = dict((name, task_results_of(data, name)[lab.ns('hv')]) for name, _m, _a, _c in cases)
    vlan = res['check vlan']
    assert vlan['changed'] is True and vlan['diff']['before']['trunks'] == [10, 20], vlan
    assert vlan['diff']['after']['trunks'] == [10] and vlan['diff']['after']['tag'] is None
    flow = res['check flow']
    assert flow['changed'] is True and flow['diff']['after']['present'] is True, flow
    mtu = res['check mtu']
    assert mtu['changed'] is True and mtu['diff']['before']['mtu_request'] is None, mtu
    assert mtu['diff']['after'] == {'interface': 'vnet-vm1', 'mtu_request': 1400, 'mtu': 1400}, mtu
    peer = res['check peer']
    assert peer['changed'] is True and peer['diff']['before']['peer'] == 'patch-int', peer
    assert peer['diff']['after']['peer'] == 'patch-other' and peer['diff']['after']['mtu_request'] is None, peer
    config = res['check port config']
    assert config['changed'] is True and config['commands'][0].endswith('vnet-vm1 no-forward'), config
    assert len(config['commands']) == 1 and config['diff']['before']['forward'] is True, config
    assert config['diff']['after'] == dict(config['diff']['before'], forward=False, config=['NO_FWD']), config
    for name, words in (('unknown interface', "interface 'vnet-nope' does not exist"),
                        ('peer of no patch', "is of type system, not patch"),
                        ('port config unknown port', "port 'vnet-nope' does not exist"),
                        ('port config unknown bridge', "bridge 'br-nope' does not exist"),
                        ('port config other bridge', 'is on bridge br-int, not br-ex'),
                        ('bad mtu', 'mtu_request 20 is out of range'),
                        ('unknown port', "port 'vnet-nope' does not exist"),
                        ('other bridge', 'is on bridge br-int, not br-ex'),
                        ('unknown bridge', "bridge 'br-nope' does not exist")):
        assert res[name].get('failed') and words in res[name]['msg'], res[name]
    assert _ovs_state(lab) == before


# ------------------------------------------------------------------ lab.py down after a crash
def test_down_stops_the_daemons_after_a_crash():
    prefix = unique_prefix('ov')
    other = Lab(prefix, 'ovs')
    try:
        other.up()
        rundir = ovslab.rundir(prefix, STATE_DIR)
        pids = _pids(rundir)
        assert len(pids) == 2 and all(os.path.exists('/proc/%d' % p) for p in pids)
        os.unlink(os.path.join(STATE_DIR, prefix + '.json'))      # the crash: no state file left
        proc = subprocess.run([sys.executable, LAB_PY, 'down', '--prefix', prefix], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert not any(os.path.exists('/proc/%d' % p) for p in pids)
        assert not os.path.exists(rundir) and list_lab_namespaces(prefix) == []
    finally:
        destroy_lab(prefix)
