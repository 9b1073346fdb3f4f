# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ICMP_IGNORED on an IPv6 path is fixed automatically, for real.

A bridged lab gets unique-local IPv6 addresses inside its own namespaces (host and vm1 only; never
in the root namespace); vm1 ignores IPv6 echo requests (net.ipv6.icmp.echo_ignore_all = 1).
playbooks/remediate.yml finds ICMP_IGNORED, applies vmnet.doctor.net_sysctl with
name=icmpv6_echo_ignore_all value=0, and a real ping -6 from the host answers again.
"""
import glob
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'remediate.yml')
HOST6, VM6 = 'fd76:6d::1', 'fd76:6d::11'
KEY = 'net.ipv6.icmp.echo_ignore_all'
FAST = {'diagnose_probe_count': 2, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 2,
        'remediate_probe_timeout': 0.5}


def ping6(lab):
    return lab.run('host', ['ping', '-6', '-n', '-q', '-c', '2', '-W', '1', VM6], check=False).returncode == 0


def test_ipv6_icmp_ignored_is_fixed_by_net_sysctl(lab_factory, run_playbook, tmp_path):
    lab = lab_factory('bridged')
    for node, address in (('host', HOST6), ('vm1', VM6)):
        lab.run(node, ['ip', '-6', 'address', 'add', address + '/64', 'dev', lab.interface(node), 'nodad'])
    assert ping6(lab), 'the IPv6 path does not work before the fault'
    lab.run('vm1', ['sysctl', '-qw', KEY + '=1'])
    assert not ping6(lab)
    inventory = lab.write_inventory(str(tmp_path / 'hosts.yml'))
    report_dir = tmp_path / 'reports'
    extra = dict(FAST, doctor_source=lab.ns('host'), doctor_target_ip=VM6, doctor_target_host=lab.ns('vm1'),
                 doctor_hypervisor=lab.ns('hv'), doctor_report_dir=str(report_dir))

    rc, _data, output = run_playbook(PLAYBOOK, inventory, extra_vars=extra)

    assert rc == 0, output[-3000:]
    files = [f for f in sorted(glob.glob(str(report_dir / '*.json'))) if not f.endswith('-diagnosis.json')]
    with open(files[-1]) as handle:
        path = json.load(handle)['paths'][0]
    fixes = [f for f in path['fixes'] if f['status'] == 'verified']
    assert [(f['module'], f['host'], f['codes']) for f in fixes] == [
        ('vmnet.doctor.net_sysctl', lab.ns('vm1'), ['ICMP_IGNORED'])], path['fixes']
    assert fixes[0]['args'] == {'name': 'icmpv6_echo_ignore_all', 'value': 0}
    assert (fixes[0]['before'], fixes[0]['after']) == ({'key': KEY, 'value': 1}, {'key': KEY, 'value': 0})
    assert path['result'] == 'restored', path
    assert lab.run('vm1', ['sysctl', '-n', KEY]).stdout.strip() == '0'
    assert ping6(lab)
