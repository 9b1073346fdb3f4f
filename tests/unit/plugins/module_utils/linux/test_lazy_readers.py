"""net_facts compiles only the readers a host needs: a virtual switch's reader when that switch is here, the nft
and iptables parsers when that backend holds a table. Each case runs in a fresh interpreter (sys.modules tells
what was imported) on the recorded host of tests/unit/fixtures/linux."""
import json
import os
import subprocess
import sys

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'linux')
MU = 'ansible_collections.vmnet.doctor.plugins.module_utils.'
READERS = {'ovs': MU + 'linux.ovs', 'libvirt': MU + 'linux.libvirt', 'vbox': MU + 'vbox', 'vmws': MU + 'vmws',
           'nft': MU + 'netfilter.nft', 'iptables': MU + 'netfilter.iptables'}
EMPTY_NFT = '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", ' \
            '"json_schema_version": 1}}]}\n'
IFACE_COLUMNS = 'name,type,ofport,admin_state,link_state,mtu,mtu_request,mac_in_use,external_ids,options,error,_uuid'
IPT_FILTER = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n' \
             '-A INPUT -p icmp -j DROP\nCOMMIT\n'

SCRIPT = r'''
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location('recorded', sys.argv[1])
recorded = importlib.util.module_from_spec(spec)
spec.loader.exec_module(recorded)
case = json.loads(sys.argv[2])
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import facts
commands = recorded.recorded_commands()
for argv, result in case['commands']:
    commands[tuple(argv)] = tuple(result)
files = recorded.recorded_files()
files.update(case['files'])
runner = recorded.RecordedRunner(commands, files, tools=case['tools'])
runner.reads_host = True     # daemon sockets are looked for (in the recorded files)
peers, flows = facts.validate_options(['192.0.2.20'], [])
out = facts.collect(runner, peers, flows, ovs_rundir=case.get('ovs_rundir'))
print(json.dumps({'modules': sorted(m for m in sys.modules if m.startswith('ansible_collections.vmnet')),
                  'facts': out}))
'''


def collect(tools, commands=(), files=None, ovs_rundir=None):
    case = {'tools': list(tools), 'commands': [list(c) for c in commands], 'files': files or {},
            'ovs_rundir': ovs_rundir}
    proc = subprocess.run([sys.executable, '-c', SCRIPT, os.path.join(FIXTURES, 'recorded.py'), json.dumps(case)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    return set(k for k, module in READERS.items() if module in result['modules']), result['facts']


def test_no_switch_and_no_rules_compile_no_reader():
    imported, facts = collect(['ip', 'bridge', 'nft', 'iptables-nft-save', 'ovs-vsctl', 'virsh'],
                              [(['nft', '-j', 'list', 'ruleset'], (0, EMPTY_NFT, '')),
                               (['iptables-nft-save'], (0, '', '')), (['ip6tables-nft-save'], (0, '', ''))])
    assert imported == set()
    assert facts['ovs']['present'] is False and 'no ovsdb-server socket at /var/run/openvswitch' in facts['ovs']['note']
    assert facts['libvirt']['available'] is False and 'no socket at /run/libvirt/libvirt-sock' in \
        facts['libvirt']['note']
    assert 'VBoxManage is not installed' in facts['virtualbox']['note']
    assert 'vmrun is not installed' in facts['vmware_workstation']['note']
    assert facts['firewall']['backends']['nftables'] == {'present': True, 'active': False}
    assert facts['firewall']['backends']['iptables_nft'] == {'present': True, 'active': False}
    assert [(e['verdict'], e['deciding_rule']['text']) for e in facts['firewall']['icmp']] == \
        [('accept', 'no firewall chain on this path')] * len(facts['firewall']['icmp'])
    assert facts['firewall']['icmp'] and facts['errors'] == []


def vsctl_list(rundir, columns, table):
    return ['ovs-vsctl', '--timeout=5', '--db=unix:%s/db.sock' % rundir, '--format=json', '--columns=' + columns,
            'list', table]


def test_a_switch_that_is_here_and_rules_that_are_loaded_are_read():
    rundir = '/srv/ovs-run'
    failed = (1, '', 'database connection failed')
    imported, facts = collect(
        ['ip', 'bridge', 'nft', 'iptables-nft-save', 'ovs-vsctl', 'VBoxManage'],
        [(['iptables-nft-save'], (0, IPT_FILTER, '')), (['ip6tables-nft-save'], (0, '', '')),
         (vsctl_list(rundir, 'name,ports,fail_mode,controller,datapath_type,_uuid', 'Bridge'), failed),
         (vsctl_list(rundir, 'name,tag,trunks,vlan_mode,interfaces,_uuid', 'Port'), failed),
         (vsctl_list(rundir, IFACE_COLUMNS, 'Interface'), failed),
         (vsctl_list(rundir, 'target,_uuid', 'Controller'), failed),
         (['VBoxManage', 'list', 'vms'], (0, '', ''))],
        files={rundir + '/db.sock': ''}, ovs_rundir=rundir)
    # the recorded nft ruleset holds a bridge table (MAC filters); iptables-nft-save a filter table
    assert imported == {'ovs', 'vbox', 'nft', 'iptables'}
    assert facts['virtualbox'] == {'available': True, 'note': None, 'vms': []}
    assert facts['ovs']['present'] is False and facts['ovs']['errors']       # its reader ran and said why
    verdicts = set(e['verdict'] for e in facts['firewall']['icmp'] if e['hook'] == 'input' and
                   e['icmp_type'] == 'echo-request')
    assert verdicts == {'drop'}
    assert any(f['mac'] for b in facts['bridges'] for f in b['mac_filters'])


@pytest.mark.parametrize('out', ['{"nftables": [', 'garbage'])
def test_unreadable_nft_output_still_goes_to_the_parser_and_is_reported(out):
    imported, facts = collect(['ip', 'bridge', 'nft'], [(['nft', '-j', 'list', 'ruleset'], (0, out, ''))])
    assert 'nft' in imported
    assert [e['source'] for e in facts['errors']] == ['nft']
    assert 'invalid JSON' in facts['errors'][0]['message']
