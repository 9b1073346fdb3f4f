"""firewalld and ufw for real: the lab runs them on vm1 (bridged; in the routed lab firewalld runs on the forwarding
hypervisor hv, with zones public/internal and policies between them: tests/lab/fwdaemons.py), and for each of their faults
(fwdaemons.DAEMON_FAULTS) ``playbooks/remediate.yml -e doctor_persist=true`` diagnoses the deciding zone setting or
ufw rule, fixes it through firewall-cmd (runtime + --permanent) or ufw (runtime + before.rules), verifies it with
the probe; the fix survives the daemon's own reload (``firewall-cmd --reload`` / ``ufw reload``); the registry's
inverse (fixer_registry.inverse) run as a real module brings the fault back, also after a reload.

One lab per firewall and topology for the module (the policy fault fwd_policy_drop: the routed one; its fix, a rich
accept in the policy through ``firewall-cmd --policy``, is also re-run to show it changes nothing twice);
nothing global changes: the root namespace's ruleset, /etc/ufw,
/etc/default/ufw and /etc/firewalld are compared before and after.
"""
import glob
import hashlib
import json
import os
import subprocess

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
import fwdaemons
from fwdaemons import DAEMON_FAULTS
from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'remediate.yml')
FAST = {'diagnose_probe_count': 2, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 2,
        'remediate_probe_timeout': 0.5}
GLOBAL_FILES = ('/etc/ufw', '/etc/default/ufw', '/etc/firewalld')
RELOAD = {'firewalld': ['firewall-cmd', '--reload'], 'ufw': ['ufw', 'reload']}


def global_state():
    """What must not change outside the lab: the root namespace's ruleset and the daemons' global files."""
    digests = {}
    for top in GLOBAL_FILES:
        paths = [top] if os.path.isfile(top) else sorted(glob.glob(top + '/**', recursive=True))
        for path in paths:
            if os.path.isfile(path):
                with open(path, 'rb') as handle:
                    digests[path] = hashlib.sha256(handle.read()).hexdigest()
    ruleset = subprocess.run(['nft', 'list', 'ruleset'], capture_output=True, text=True, check=True).stdout
    return {'files': digests, 'root_ruleset': ruleset}


@pytest.fixture(scope='module')
def labs(tmp_path_factory):
    before = global_state()
    made = {}

    def get(firewall, topology='bridged'):
        if (firewall, topology) not in made:
            lab = Lab(unique_prefix('fw'), topology, firewall=firewall)
            made[(firewall, topology)] = lab
            lab.up()
            lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
            lab.write_inventory(lab.inventory_path)
        lab = made[(firewall, topology)]
        lab.heal('all')
        return lab
    yield get
    for lab in made.values():
        destroy_lab(lab.prefix)
        assert not glob.glob(os.path.join(fwdaemons.ETC_NETNS, lab.prefix + '-*'))
        assert not glob.glob(os.path.join(lab.state_dir, lab.prefix + '-*-fw'))
    assert global_state() == before


def path_vars(lab, **extra):
    out = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip('vm1'),
           'doctor_target_host': lab.ns('vm1')}
    if lab.topology == 'routed':      # the forwarding hypervisor runs firewalld there
        out['doctor_hypervisor'] = lab.ns('hv')
    out.update(FAST)
    out.update(extra)
    return out


def reports(report_dir):
    found = {}
    for path in glob.glob(str(report_dir) + '/*.json'):
        with open(path) as handle:
            found['diagnosis' if path.endswith('-diagnosis.json') else 'remediation'] = json.load(handle)
    return found


def test_daemons_run_in_the_namespace_only(labs):
    before = global_state()
    lab = labs('firewalld')
    assert fwdaemons.run(lab, 'vm1', ['firewall-cmd', '--state']).stdout.strip() == 'running'
    assert 'table inet firewalld' in lab.run('vm1', ['nft', 'list', 'tables']).stdout
    assert 'firewalld' not in lab.run('hv', ['nft', 'list', 'tables']).stdout
    lab = labs('ufw')
    assert 'Status: active' in fwdaemons.run(lab, 'vm1', ['ufw', 'status']).stdout
    assert 'ENABLED=yes' in lab.run('vm1', ['cat', '/etc/ufw/ufw.conf']).stdout   # the namespace's copy
    assert global_state() == before                                              # /etc/ufw/ufw.conf: no
    for name in ('firewalld', 'ufw'):
        assert lab.reachable('host', 'vm1') and labs(name).reachable('vm1', 'host')


@pytest.mark.parametrize('fault', sorted(DAEMON_FAULTS))
def test_fault_diagnosed_fixed_persisted_and_rolled_back(labs, run_playbook, ansible_run, tmp_path, fault):
    spec = DAEMON_FAULTS[fault]
    lab = labs(spec['firewall'], spec['topologies'][0])
    node = spec['node']
    lab.inject(fault)
    try:
        assert not lab.reachable('host', 'vm1', attempts=1)
        rc, _data, output = run_playbook(PLAYBOOK, lab.inventory_path,
                                         extra_vars=path_vars(lab, doctor_persist=True, doctor_report_dir=str(tmp_path)))
        assert rc == 0, output[-3000:]
        found = reports(tmp_path)

        # the diagnosis names the deciding zone setting / ufw rule
        finding = found['diagnosis']['paths'][0]['findings'][0]
        expect = spec['expect']
        assert (finding['code'], finding['host']) == (expect['code'], lab.ns(expect['host'])), finding
        for key, value in expect['object'].items():
            assert finding['object'].get(key) == value, (key, finding['object'])
        if spec['firewall'] == 'ufw':
            assert finding['object']['ufw_rule'].startswith(
                'ufw default deny' if fault == 'ufw_default_deny' else '/etc/ufw/before.rules: -A ufw-before-input'), finding
        elif 'firewalld_policy' in expect['object']:
            assert 'firewalld policy %s (zone public -> zone internal), target: DROP' % fwdaemons.BLOCK_POLICY \
                in finding['message'], finding['message']
        else:
            assert 'firewalld zone %s' % expect['object']['zone'] in finding['message'], finding['message']

        # fixed through the daemon's own interface, verified, and persisted there
        path = found['remediation']['paths'][0]
        assert path['result'] == 'restored', found['remediation']['summary_lines']
        verified = [f for f in path['fixes'] if f['status'] == 'verified']
        assert verified, (path['fixes'], found['remediation']['summary_lines'])
        fix = verified[0]
        assert fix['module'] == 'vmnet.doctor.icmp_rule' and fix['args']['persist'] is True, fix
        commands = ' | '.join(fix['commands'])
        if 'firewalld_policy' in expect['object']:
            where = '--policy=%s' % fwdaemons.BLOCK_POLICY
            assert 'firewall-cmd %s' % where in commands and 'firewall-cmd --permanent %s' % where in commands, commands
            again = ansible_run(lab.inventory_path, lab.ns(node), fix['module'], fix['args'])
            assert again.get('changed') is False and not again.get('failed'), again
        elif spec['firewall'] == 'firewalld':
            assert 'firewall-cmd --zone=' in commands and 'firewall-cmd --permanent --zone=' in commands, commands
        else:
            assert 'ufw-before-input' in commands and 'write /etc/ufw/before.rules' in commands, commands
        assert lab.reachable('host', 'vm1')
        fwdaemons.run(lab, node, RELOAD[spec['firewall']])
        assert lab.reachable('host', 'vm1'), 'the fix did not survive %s' % ' '.join(RELOAD[spec['firewall']])

        # the registry's inverse, run as a real module, brings the fault back (runtime and persistent)
        calls, reason = fixer_registry.inverse('icmp_rule', fix['args'], {'changed': True, 'changes': fix['changes']})
        assert calls and reason is None, reason
        for call in calls:
            result = ansible_run(lab.inventory_path, lab.ns(node), call['module'], call['args'])
            assert result.get('changed') is True and not result.get('failed'), result
        assert not lab.reachable('host', 'vm1', attempts=1)
        fwdaemons.run(lab, node, RELOAD[spec['firewall']])
        assert not lab.reachable('host', 'vm1', attempts=1), 'the rollback left a persisted accept'
    finally:
        lab.heal('all')
    assert lab.reachable('host', 'vm1')
