# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of playbooks/diagnose.yml: one broken path vs 20 paths in one run.

Builds one bridged namespace lab with 9 VMs (prefix "dgbench"), injects vm_icmp_nft_drop on
vm1, then runs, alternating so both see the same machine load:

* ``1 path``   host -> vm1 (broken), with target_host and hypervisor;
* ``20 paths`` host -> vm1..vm9, vm1..vm9 -> host, vm1 -> vm2, vm3 -> vm4 (vm1's paths broken).

With ``--many 100`` also 100 paths (10 VMs: the 20 above, then VM to VM). Prints a table of medians over
``--runs`` runs (default 3), the seconds per phase (bench/phases.py) and checks every run found the fault.
Needs root. Usage: ``.venv/bin/python bench/diagnose_bench.py [--runs N] [--forks N] [--many 100]``.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))

from vmnetlab import FAULTS, Lab, destroy_lab  # noqa: E402  pylint: disable=wrong-import-position
import phases as timing  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = 'dgbench'
FAULT = 'vm_icmp_nft_drop'   # on vm1; the run must report the code the fault declares
PLAYBOOK = os.path.join(REPO, 'playbooks', 'diagnose.yml')
BIN = os.path.dirname(sys.executable)


FORKS = None


def env():
    out = dict(os.environ)
    if FORKS:
        out['ANSIBLE_FORKS'] = str(FORKS)
    out.update({'ANSIBLE_CONFIG': os.path.join(REPO, 'ansible.cfg'),
                'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.collections'),
                'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': '0'})
    return out


def paths_one(lab):
    return [{'name': 'host->vm1', 'source': lab.ns('host'), 'target_ip': lab.ip('vm1'),
             'target_host': lab.ns('vm1'), 'hypervisor': lab.ns('hv')}]


def paths_twenty(lab):
    out = []
    for vm in lab.vm_names[:9]:
        out.append({'name': 'host->%s' % vm, 'source': lab.ns('host'), 'target_ip': lab.ip(vm),
                    'target_host': lab.ns(vm), 'hypervisor': lab.ns('hv')})
    for vm in lab.vm_names[:9]:
        out.append({'name': '%s->host' % vm, 'source': lab.ns(vm), 'target_ip': lab.ip('host'),
                    'target_host': lab.ns('host'), 'hypervisor': lab.ns('hv')})
    out.append({'name': 'vm1->vm2', 'source': lab.ns('vm1'), 'target_ip': lab.ip('vm2'),
                'target_host': lab.ns('vm2'), 'hypervisor': lab.ns('hv')})
    out.append({'name': 'vm3->vm4', 'source': lab.ns('vm3'), 'target_ip': lab.ip('vm4'),
                'target_host': lab.ns('vm4'), 'hypervisor': lab.ns('hv')})
    return out


def paths_many(lab, count):
    """``count`` paths: the 20 of paths_twenty, then VM to VM in both directions."""
    out = paths_twenty(lab)
    for a in lab.vm_names:
        for b in lab.vm_names:
            pair = {'name': '%s->%s' % (a, b), 'source': lab.ns(a), 'target_ip': lab.ip(b),
                    'target_host': lab.ns(b), 'hypervisor': lab.ns('hv')}
            if a != b and pair['name'] not in [p['name'] for p in out]:
                out.append(pair)
    if len(out) < count:
        raise SystemExit('the lab has too few VMs for %d paths' % count)
    return out[:count]


def run_once(inventory, paths, workdir, tag):
    report_dir = tempfile.mkdtemp(prefix='%s-' % tag, dir=workdir)
    vars_file = os.path.join(report_dir, 'paths.json')
    with open(vars_file, 'w') as f:
        json.dump({'doctor_paths': paths, 'doctor_report_dir': report_dir}, f)
    records = os.path.join(report_dir, 'timing.rec')
    start, wall = time.monotonic(), time.time()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), PLAYBOOK, '-i', inventory, '-e', '@' + vars_file],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=timing.timing_env(env(), records), cwd=REPO, check=False)
    elapsed = time.monotonic() - start
    reports = [n for n in os.listdir(report_dir) if n.endswith('.json') and n != 'paths.json']
    if proc.returncode != 0 or not reports:
        raise SystemExit('run %s failed (rc=%d):\n%s' % (tag, proc.returncode, proc.stdout[-4000:]))
    with open(os.path.join(report_dir, reports[0])) as f:
        report = json.load(f)
    codes = set(f['code'] for p in report['paths'] for f in p['findings'])
    if FAULTS[FAULT]['expect']['code'] not in codes or len(report['paths']) != len(paths):
        raise SystemExit('run %s did not find the fault: %s' % (tag, report['summary_lines']))
    report['phases'] = timing.phases(timing.load(records), wall)
    return elapsed, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--forks', type=int, default=None, help='ansible forks (default: ansible.cfg / 5)')
    parser.add_argument('--many', type=int, default=0, help='also run this many paths (100: a lab with 10 VMs)')
    args = parser.parse_args()
    global FORKS  # pylint: disable=global-statement
    FORKS = args.forks
    destroy_lab(PREFIX)
    lab = Lab(PREFIX, 'bridged', vms=10 if args.many > 90 else 9)
    names = ['1 path', '20 paths'] + (['%d paths' % args.many] if args.many else [])
    times = dict((name, []) for name in names)
    phases = dict((name, []) for name in names)
    try:
        lab.up()
        lab.inject(FAULT)
        workdir = tempfile.mkdtemp(prefix='dgbench-')
        inventory = lab.write_inventory(os.path.join(workdir, 'hosts.yml'))
        scenarios = [('1 path', paths_one(lab)), ('20 paths', paths_twenty(lab))]
        if args.many:
            scenarios.append((names[2], paths_many(lab, args.many)))
        run_once(inventory, paths_one(lab), workdir, 'warmup')
        for i in range(args.runs):
            for name, paths in scenarios:
                elapsed, report = run_once(inventory, paths, workdir, '%s-%d' % (name.replace(' ', ''), i))
                times[name].append(elapsed)
                phases[name].append(report['phases'])
    finally:
        destroy_lab(PREFIX)
    print('diagnose.yml wall time, bridged lab (%d VMs), %s on vm1, %d runs each, alternating, forks=%s'
          % (len(lab.vm_names), FAULT, args.runs, args.forks or 'default'))
    print('%-10s %9s %7s %7s' % ('scenario', 'median_s', 'min_s', 'max_s'))
    for name in names:
        print('%-10s %9.2f %7.2f %7.2f' % (name, statistics.median(times[name]), min(times[name]), max(times[name])))
    timing.table(phases)
    for name in names[1:]:
        ratio = statistics.median(times[name]) / statistics.median(times['1 path'])
        print('ratio %s / 1 path (medians): %.2f' % (name, ratio))
    print('load average: %s' % ' '.join(open('/proc/loadavg').read().split()[:3]))


if __name__ == '__main__':
    main()
