# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time from starting playbooks/remediate.yml to verified reachability.

1. Per lab fault with a safe automatic fix: inject, run remediate.yml, heal; ``--reps`` times.
   Reported: median seconds from starting ansible-playbook to the probe that verified the path
   (the report's ``restored_at``), and the median wall time of the whole run.
2. 20 broken paths in one run: a bridged lab with 9 VMs; every VM and the host ignore echo
   requests (odd VMs through ``icmp_echo_ignore_all``, even VMs through an nftables drop), which
   breaks host -> vm1..vm9, vm1..vm9 -> host, vm1 -> vm2 and vm3 -> vm4. Reported: median and
   maximum seconds to verified reachability over the 20 paths, and the wall time.

The machines are shared and noisy: compare within one run. Needs root.
Usage: ``.venv/bin/python bench/remediate_bench.py [--reps 3] [--faults a,b] [--skip-twenty]``
"""
import argparse
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))

from vmnetlab import FAULTS, Lab, destroy_lab, faults_fixed_by  # noqa: E402  pylint: disable=wrong-import-position
import phases as timing  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = os.path.join(REPO, 'playbooks', 'remediate.yml')
BIN = os.path.dirname(sys.executable)
# The lab faults with an automatic fix (as they declare it), grouped by their first topology.
SAFE = {}
PHASES = {}   # {column: [phases of each run]}
for _name in faults_fixed_by(True):
    SAFE.setdefault(FAULTS[_name]['topologies'][0], []).append(_name)


def env():
    out = dict(os.environ)
    out.update({'ANSIBLE_CONFIG': os.path.join(REPO, 'ansible.cfg'),
                'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.collections'),
                'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': '0'})
    return out


def epoch(iso):
    text = iso[:-1] + '+00:00' if iso.endswith('Z') else iso
    return datetime.datetime.fromisoformat(text).timestamp()


def run(inventory, extra, column='faults'):
    """Run remediate.yml; return (report, seconds from start to each path's verified reachability, wall).
    The run's phases go to PHASES[column]."""
    report_dir = tempfile.mkdtemp(prefix='rmbench-')
    extra = dict(extra, doctor_report_dir=report_dir)
    records = os.path.join(report_dir, 'timing.rec')
    start = time.time()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), PLAYBOOK, '-i', inventory, '-e', json.dumps(extra)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=timing.timing_env(env(), records), cwd=REPO, check=False)
    wall = time.time() - start
    files = [f for f in sorted(glob.glob(report_dir + '/*.json')) if not f.endswith('-diagnosis.json')]
    if proc.returncode != 0 or not files:
        raise RuntimeError('remediate.yml failed (rc=%d):\n%s' % (proc.returncode, proc.stdout[-3000:]))
    with open(files[-1]) as f:
        report = json.load(f)
    PHASES.setdefault(column, []).append(timing.phases(timing.load(records), start))
    times = [(epoch(p['restored_at']) - start) if p.get('restored_at') and p['reachable_after'] else None
             for p in report['paths']]
    return report, times, wall


def reset(lab):
    """Undo what a fix changed beyond the fault (heal restores only what inject changed): the lab
    starts with MTU 1500 and rp_filter 0 everywhere; mtu_mismatch's fix raises the bridge, the
    rp_filter fix sets the interface key."""
    for node in ['host', 'hv'] + list(lab.vm_names):
        for link in json.loads(lab.run(node, ['ip', '-j', 'link', 'show']).stdout):
            if link['ifname'] == 'lo':
                continue
            if link.get('mtu') != 1500:
                lab.run(node, ['ip', 'link', 'set', 'dev', link['ifname'], 'mtu', '1500'])
            lab.run(node, ['sysctl', '-qw', 'net.ipv4.conf.%s.rp_filter=0' % link['ifname']])


def per_fault(reps, faults):
    rows = []
    for topology, names in sorted(SAFE.items()):
        names = [n for n in names if not faults or n in faults]
        if not names:
            continue
        lab = Lab('rmbench', topology, vms=1)
        destroy_lab('rmbench')
        lab.up()
        inv = lab.write_inventory(os.path.join(tempfile.mkdtemp(), 'hosts.yml'))
        extra = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip('vm1'),
                 'doctor_target_host': lab.ns('vm1'), 'doctor_hypervisor': lab.ns('hv')}
        try:
            for fault in names:
                reach, walls = [], []
                for _rep in range(reps):
                    lab.inject(fault)
                    try:
                        _report, times, wall = run(inv, extra)
                    finally:
                        lab.heal('all')
                        reset(lab)
                    if times[0] is None:
                        raise RuntimeError('%s: path not restored' % fault)
                    reach.append(times[0])
                    walls.append(wall)
                rows.append((fault, topology, statistics.median(reach), statistics.median(walls), reps))
                print('%-22s %-8s reachable after %6.1f s (median of %d), run %6.1f s'
                      % (fault, topology, rows[-1][2], reps, rows[-1][3]), flush=True)
        finally:
            destroy_lab('rmbench')
    return rows


def twenty():
    lab = Lab('rmbench20', 'bridged', vms=9)
    destroy_lab('rmbench20')
    lab.up()
    try:
        inv = lab.write_inventory(os.path.join(tempfile.mkdtemp(), 'hosts.yml'))
        for i, vm in enumerate(lab.vm_names):
            if i % 2 == 0:
                lab.run(vm, ['sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=1'])
            else:
                for argv in (['nft', 'add', 'table', 'inet', 'filter'],
                             ['nft', 'add', 'chain', 'inet', 'filter', 'input',
                              '{ type filter hook input priority 0 ; policy accept ; }'],
                             ['nft', 'add', 'rule', 'inet', 'filter', 'input', 'icmp', 'type', 'echo-request', 'drop']):
                    lab.run(vm, argv)
        lab.run('host', ['sysctl', '-qw', 'net.ipv4.icmp_echo_ignore_all=1'])
        paths = []
        for vm in lab.vm_names:
            paths.append({'source': lab.ns('host'), 'target_ip': lab.ip(vm), 'target_host': lab.ns(vm),
                          'hypervisor': lab.ns('hv')})
            paths.append({'source': lab.ns(vm), 'target_ip': lab.ip('host'), 'target_host': lab.ns('host'),
                          'hypervisor': lab.ns('hv')})
        for a, b in (('vm1', 'vm2'), ('vm3', 'vm4')):
            paths.append({'source': lab.ns(a), 'target_ip': lab.ip(b), 'target_host': lab.ns(b),
                          'hypervisor': lab.ns('hv')})
        assert len(paths) == 20
        report, times, wall = run(inv, {'doctor_paths': paths}, '20 paths')
        ok = [t for t in times if t is not None]
        fixes = [f for p in report['paths'] for f in p['fixes']]
        print('20 paths: %d restored; reachable after median %.1f s, max %.1f s; run %.1f s; %d fixes applied'
              % (len(ok), statistics.median(ok) if ok else -1, max(ok) if ok else -1, wall,
                 len(set(f['id'] for f in fixes if f['status'] == 'verified'))), flush=True)
        return len(ok), ok, wall
    finally:
        destroy_lab('rmbench20')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--faults', default='')
    parser.add_argument('--skip-twenty', action='store_true')
    parser.add_argument('--skip-faults', action='store_true')
    args = parser.parse_args()
    if not args.skip_faults:
        rows = per_fault(args.reps, [f for f in args.faults.split(',') if f])
        reach = [r[2] for r in rows]
        if reach:
            print('faults: %d; reachable after median %.1f s, max %.1f s (%s); runs median %.1f s'
                  % (len(rows), statistics.median(reach), max(reach), max(rows, key=lambda r: r[2])[0],
                     statistics.median([r[3] for r in rows])), flush=True)
    if not args.skip_twenty:
        twenty()
    timing.table(PHASES, 'phases (median over the runs of each column; "faults": every single-fault run)')


if __name__ == '__main__':
    main()
