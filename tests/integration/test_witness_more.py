# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The packet witness beyond the IPv4 bridged/routed paths of test_witness.py, in the real lab (issue 12).

* IPv6: a bridged lab gets unique-local IPv6 addresses inside its own namespaces (host and vm1 only). An
  nftables rule on vm1 that drops ICMPv6 echo requests is found by the model (ICMP_BLOCKED) and confirmed
  by the witness with the kernel's NETFILTER_DROP of the ICMPv6 echo; rules on vm1 that drop IPv6 neighbour
  solicitations (no model check exists for them) are located by the witness alone: an ND exchange dropped on
  vm1, with the traced nftables rule.
* The vlan topology (one bridge per VLAN on hv: this kernel has no 802.1Q devices and no bridge
  vlan_filtering, see docs/witness.md): vm1's port moved to the other VLAN's bridge is found by the model
  (VLAN_MISMATCH) and confirmed by the witness; an ARP drop by a bridge-family rule on hv is located.
* Remediation from a witness finding: an nftables rule the model's firewall evaluation cannot decide (it
  matches the IP TTL) drops the echo on vm1; only the witness locates it (PACKET_DROPPED_FIREWALL with an
  icmp_rule fix), and playbooks/remediate.yml applies that fix, verifies it with the probe and keeps it; with a
  second undecidable rule that drops the reply, the fix does not help and remediate.yml rolls it back.

One lab per topology for the module, faults injected and healed per test.
"""
import glob
import json
import os

import pytest

from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIAGNOSE = os.path.join(REPO, 'playbooks', 'diagnose.yml')
REMEDIATE = os.path.join(REPO, 'playbooks', 'remediate.yml')
HOST6, VM6 = 'fd76:77::1', 'fd76:77::11'
FAST = {'diagnose_probe_count': 2, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 2,
        'remediate_probe_timeout': 0.5}

pytestmark = pytest.mark.skipif(not os.path.exists('/usr/bin/bpftrace') or not os.path.exists(
    '/sys/kernel/btf/vmlinux'), reason='needs bpftrace (Debian package bpftrace) and a kernel with BTF')


@pytest.fixture(scope='module')
def labs(tmp_path_factory):
    made = {}

    def get(topology):
        if topology not in made:
            lab = Lab(unique_prefix('wm'), topology)
            made[topology] = lab
            lab.up()
            lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
            lab.write_inventory(lab.inventory_path)
            if topology == 'bridged':
                for node, address in (('host', HOST6), ('vm1', VM6)):
                    lab.run(node, ['ip', '-6', 'address', 'add', address + '/64', 'dev', lab.interface(node),
                                   'nodad'])
        return made[topology]
    yield get
    for lab in made.values():
        destroy_lab(lab.prefix)


def nft(lab, node, text):
    lab.run(node, ['nft', '-f', '-'], input_text=text)


def run(run_playbook, lab, tmp_path, playbook, target=None, **extra):
    report_dir = tmp_path / ('reports-%d' % len(list(tmp_path.glob('reports-*'))))
    extra.update({'doctor_source': lab.ns('host'), 'doctor_target_ip': target or lab.ip('vm1'),
                  'doctor_target_host': lab.ns('vm1'), 'doctor_hypervisor': lab.ns('hv'),
                  'doctor_report_dir': str(report_dir)})
    rc, _data, output = run_playbook(playbook, lab.inventory_path, extra_vars=extra)
    reports = [f for f in sorted(glob.glob(str(report_dir / '*.json'))) if not f.endswith('-diagnosis.json')]
    assert rc == 0 and reports, output[-3000:]
    with open(reports[-1]) as handle:
        return json.load(handle)['paths'][0], output


def context(path):
    return json.dumps({'status': path['status'], 'findings': path['findings'], 'witness': path.get('witness')},
                      indent=1, default=str)[:6000]


def drops_of(path, kind):
    return [d for hop in path['witness']['hops'].values() for d in hop.get('drops') or []
            if (d.get('packet') or {}).get('kind') == kind]


def ping6(lab):
    return lab.run('host', ['ping', '-6', '-n', '-q', '-c', '2', '-W', '1', VM6], check=False).returncode == 0


# ------------------------------------------------------------------ IPv6 / ND
def test_ipv6_echo_drop_is_confirmed_by_the_witness(labs, run_playbook, tmp_path):
    lab = labs('bridged')
    assert ping6(lab), 'the IPv6 path does not work before the fault'
    nft(lab, 'vm1', 'table ip6 wm6 {\n chain input {\n  type filter hook input priority 0; policy accept;\n'
                    '  icmpv6 type echo-request drop\n }\n}\n')
    try:
        path, _output = run(run_playbook, lab, tmp_path, DIAGNOSE, target=VM6, **FAST)
    finally:
        lab.run('vm1', ['nft', 'delete', 'table', 'ip6', 'wm6'])
    text = context(path)
    assert path['status'] == 'broken' and path['witness']['located'], text
    ours = [f for f in path['findings'] if (f['code'], f['host']) == ('ICMP_BLOCKED', lab.ns('vm1'))]
    assert ours and ours[0]['witness'] == 'confirmed', text
    drops = drops_of(path, 'echo_request')
    assert drops and drops[0]['reason'] == 'NETFILTER_DROP', text
    assert (drops[0]['packet']['src'], drops[0]['packet']['dst']) == (HOST6, VM6), text
    stopped = path['witness']['stopped']
    assert (stopped['host'], stopped['reason'], stopped['exchange']) == (lab.ns('vm1'), 'NETFILTER_DROP', 'echo'), text
    verdicts = path['witness']['hops']['target']['nft_verdicts']
    assert [(v['family'], v['table'], v['chain']) for v in verdicts][:1] == [('ip6', 'wm6', 'input')], text


def test_ipv6_neighbour_discovery_drop_is_located(labs, run_playbook, tmp_path):
    """No model check reads ND rules: the witness alone locates the dropped neighbour solicitation."""
    lab = labs('bridged')
    nft(lab, 'vm1', 'table inet wmnd {\n chain input {\n  type filter hook input priority 0; policy accept;\n'
                    '  icmpv6 type nd-neighbor-solicit drop\n }\n chain output {\n'
                    '  type filter hook output priority 0; policy accept;\n  icmpv6 type nd-neighbor-solicit drop\n'
                    ' }\n}\n')
    lab.run('host', ['ip', '-6', 'neigh', 'flush', 'dev', lab.interface('host')])
    try:
        assert not ping6(lab)
        # As for vm_arp_ignore: with the reverse probe, vm1's own traffic would teach the host its address.
        path, _output = run(run_playbook, lab, tmp_path, DIAGNOSE, target=VM6, diagnose_reverse_probe=False,
                            **FAST)
    finally:
        lab.run('vm1', ['nft', 'delete', 'table', 'inet', 'wmnd'])
    text = context(path)
    assert path['status'] == 'broken', text
    ours = [f for f in path['findings'] if (f['code'], f['host']) == ('PACKET_DROPPED_FIREWALL', lab.ns('vm1'))]
    assert ours, text
    finding = ours[0]
    assert finding['witness']['exchange'] == 'neighbor' and finding['witness']['reason'] == 'NETFILTER_DROP', text
    assert (finding['object']['type'], finding['object']['table'], finding['object']['chain']) == (
        'nft_rule', 'wmnd', 'input'), text
    assert finding['fix'].get('manual') and 'nft delete rule inet wmnd input handle' in str(finding['fix']), text
    assert drops_of(path, 'nd_solicit'), text
    assert path['witness']['stopped']['kind'] == 'nd_solicit', text
    assert ping6(lab)


# ------------------------------------------------------------------ vlan topology
def test_vlan_wrong_vlan_is_confirmed_by_the_witness(labs, run_playbook, tmp_path):
    lab = labs('vlan')
    lab.inject('vm_wrong_vlan')
    try:
        path, _output = run(run_playbook, lab, tmp_path, DIAGNOSE, **FAST)
    finally:
        lab.heal('vm_wrong_vlan')
    text = context(path)
    assert path['status'] == 'broken' and path['witness']['located'], text
    for role in ('source', 'switch', 'target'):
        assert path['witness']['hops'][role]['available'] is True, text
    ours = [f for f in path['findings'] if (f['code'], f['host']) == ('VLAN_MISMATCH', lab.ns('hv'))]
    assert ours and ours[0]['witness'] == 'confirmed', text
    assert path['witness']['stopped']['host'] == lab.ns('hv'), text


def test_vlan_bridge_arp_drop_is_located(labs, run_playbook, tmp_path):
    lab = labs('vlan')
    lab.inject('hv_bridge_arp_drop')
    try:
        path, _output = run(run_playbook, lab, tmp_path, DIAGNOSE, **FAST)
    finally:
        lab.heal('hv_bridge_arp_drop')
    text = context(path)
    ours = [f for f in path['findings'] if (f['code'], f['host']) == ('PACKET_DROPPED_FIREWALL', lab.ns('hv'))]
    assert ours and ours[0]['witness']['reason'] == 'NETFILTER_DROP', text
    assert ours[0]['object'].get('family') == 'bridge', text


# ------------------------------------------------------------------ remediation from a witness finding
def test_witness_finding_is_remediated_and_verified(labs, run_playbook, tmp_path):
    """The model's firewall evaluation cannot decide a rule that matches the IP TTL (it says accept, "a rule may
    match"); the witness sees the kernel drop the echo there and its finding carries an icmp_rule fix, which
    remediate.yml applies, verifies with the probe and keeps (no rollback)."""
    lab = labs('bridged')
    nft(lab, 'vm1', 'table inet wmttl {\n chain input {\n  type filter hook input priority 0; policy accept;\n'
                    '  ip ttl != 7 icmp type echo-request drop\n }\n}\n')
    try:
        assert not lab.ping('host', 'vm1', count=1)
        path, output = run(run_playbook, lab, tmp_path, REMEDIATE, **FAST)
        ruleset = lab.run('vm1', ['nft', 'list', 'table', 'inet', 'wmttl']).stdout
        answers = lab.ping('host', 'vm1', count=2)
    finally:
        lab.run('vm1', ['nft', 'delete', 'table', 'inet', 'wmttl'])
    text = json.dumps({k: path.get(k) for k in ('result', 'findings', 'fixes')}, indent=1, default=str)[:6000]
    assert path['result'] == 'restored', text + output[-2000:]
    fixes = [f for f in path['fixes'] if f['status'] == 'verified']
    assert [(f['module'], f['host'], f['codes']) for f in fixes] == [
        ('vmnet.doctor.icmp_rule', lab.ns('vm1'), ['PACKET_DROPPED_FIREWALL'])], text
    assert fixes[0]['args']['hook'] == 'input' and fixes[0]['args']['source'] == lab.ip('host') + '/32', text
    assert not [f for f in path['fixes'] if f['status'] in ('rolled_back', 'failed')], text
    # The accept rule sits before the dropping rule the witness's nftables trace named; the path answers.
    assert ruleset.index('comment "vmnet.doctor"') < ruleset.index('ip ttl != 7'), ruleset
    assert answers


def test_witness_fix_that_does_not_help_is_rolled_back(labs, run_playbook, tmp_path):
    """The same undecidable rule drops the echo request, and a second one on vm1's output drops the reply
    (the witness sees only the first: no reply is ever made). The witness finding's icmp_rule fix lets the
    request in, the probe still fails, and remediate.yml rolls the fix back: vm1's ruleset is as before."""
    lab = labs('bridged')
    nft(lab, 'vm1', 'table inet wmttl {\n chain input {\n  type filter hook input priority 0; policy accept;\n'
                    '  ip ttl != 7 icmp type echo-request drop\n }\n chain output {\n'
                    '  type filter hook output priority 0; policy accept;\n  ip ttl != 7 icmp type echo-reply drop\n'
                    ' }\n}\n')
    before = lab.run('vm1', ['nft', 'list', 'ruleset']).stdout
    try:
        path, output = run(run_playbook, lab, tmp_path, REMEDIATE, **FAST)
        after = lab.run('vm1', ['nft', 'list', 'ruleset']).stdout
    finally:
        lab.run('vm1', ['nft', 'delete', 'table', 'inet', 'wmttl'])
    text = json.dumps({k: path.get(k) for k in ('result', 'findings', 'fixes')}, indent=1, default=str)[:6000]
    assert path['result'] == 'broken', text + output[-2000:]
    fixes = [(f['module'], f['codes'], f['status'], f.get('reason')) for f in path['fixes']]
    assert fixes == [('vmnet.doctor.icmp_rule', ['PACKET_DROPPED_FIREWALL'], 'rolled back',
                      'did not restore or improve the path')], text
    assert after == before
