# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of playbooks/diagnose.yml on one broken path, with and without the packet witness.

Builds one bridged namespace lab (prefix "wibench"), injects vm_arp_nft_drop (a fault only the witness
locates), then runs, alternating so both see the same machine load:

* ``without``  ``-e diagnose_witness=false``: only the symptom (the host's ARP entry FAILED) is found;
* ``with``     the default: the witness runs on host, hv and vm1 and locates the drop;
* ``healthy``  the fault healed: every probe answers, so the witness does not run.

Prints medians over ``--runs`` runs (default 3), the ratio with/without (issue 12 target: at most
1.3x) and checks every run gave the expected status. Needs root, bpftrace and a kernel with BTF.
Usage: ``.venv/bin/python bench/witness_bench.py [--runs N]``.
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

from vmnetlab import Lab, destroy_lab  # noqa: E402  pylint: disable=wrong-import-position
import phases as timing  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = 'wibench'
PLAYBOOK = os.path.join(REPO, 'playbooks', 'diagnose.yml')
BIN = os.path.dirname(sys.executable)
FAULT = 'vm_arp_nft_drop'
PHASES = {}


def env():
    out = dict(os.environ)
    out.update({'ANSIBLE_CONFIG': os.path.join(REPO, 'ansible.cfg'),
                'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.collections'),
                'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': '0'})
    return out


def run_once(lab, inventory, workdir, witness, kind):
    report_dir = tempfile.mkdtemp(dir=workdir)
    extra = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip('vm1'), 'doctor_target_host': lab.ns('vm1'),
             'doctor_hypervisor': lab.ns('hv'), 'doctor_report_dir': report_dir, 'diagnose_witness': witness}
    records = os.path.join(workdir, 'timing-%s.json' % os.path.basename(report_dir))
    started = time.time()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), PLAYBOOK, '-i', inventory, '-e', json.dumps(extra)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=timing.timing_env(env(), records), check=False)
    elapsed = time.time() - started
    reports = sorted(name for name in os.listdir(report_dir) if name.endswith('.json'))
    if proc.returncode != 0 or not reports:
        raise SystemExit('ansible-playbook failed:\n%s' % proc.stdout[-3000:])
    with open(os.path.join(report_dir, reports[-1])) as handle:
        path = json.load(handle)['paths'][0]
    PHASES.setdefault(kind, []).append(timing.phases(timing.load(records), started))
    return elapsed, path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    destroy_lab(PREFIX)
    lab = Lab(PREFIX, 'bridged')
    times = {'without': [], 'with': [], 'healthy': []}
    try:
        lab.up()
        workdir = tempfile.mkdtemp(prefix='witness-bench-')
        inventory = os.path.join(workdir, 'hosts.yml')
        lab.write_inventory(inventory)
        lab.inject(FAULT)
        for _run in range(args.runs):
            for kind, witness in (('without', False), ('with', True)):
                elapsed, path = run_once(lab, inventory, workdir, witness, kind)
                located = [f for f in path['findings'] if f['code'] == 'PACKET_DROPPED_FIREWALL'
                           and f['host'] == lab.ns('vm1')]
                if path['status'] not in ('broken', 'unexplained') or bool(located) != witness:
                    raise SystemExit('%s: expected %s located drop on vm1, got %s: %s' % (
                        kind, 'a' if witness else 'no', path['status'], path['summary']))
                times[kind].append(elapsed)
        lab.heal(FAULT)
        for _run in range(args.runs):
            elapsed, path = run_once(lab, inventory, workdir, True, 'healthy')
            if path['status'] != 'ok' or 'witness' in path:
                raise SystemExit('healthy: expected ok without witness, got %s' % path['status'])
            times['healthy'].append(elapsed)
    finally:
        destroy_lab(PREFIX)
    med = dict((k, statistics.median(v)) for k, v in times.items())
    print('%-10s %8s   %s' % ('run', 'median s', 'all runs'))
    for kind in ('without', 'with', 'healthy'):
        print('%-10s %8.1f   %s' % (kind, med[kind], ' '.join('%.1f' % t for t in times[kind])))
    timing.table(dict((k, PHASES[k]) for k in ('without', 'with', 'healthy')))
    ratio = med['with'] / med['without']
    print('ratio with/without witness: %.2fx (target <= 1.3x)' % ratio)
    print('load average: %s' % ' '.join(open('/proc/loadavg').read().split()[:3]))


if __name__ == '__main__':
    main()
