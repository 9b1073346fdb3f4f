"""Benchmark vmnet.doctor.net_facts against ansible.builtin.setup (network) and ansible.builtin.ping.

Builds a namespace lab (tests/lab, bridged topology by default), then runs ONE ansible-playbook
against one lab node (the hypervisor: a bridge with ports, so every reader has work) with the
three tasks interleaved N times: net_facts, setup gather_subset=network, ping, net_facts, ...
A small callback (written to a temporary directory) records each task's wall time from task
start to result. Prints the medians and the ratios net_facts/setup and net_facts/ping.
The machines are shared and noisy: compare the ratios, not the absolute times.

    sudo .venv/bin/python bench/net_facts_bench.py [-n 15] [--topology bridged] [--node hv]

Needs root (namespaces). The lab is always destroyed at the end.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'lab'))

from vmnetlab import Lab  # noqa: E402  pylint: disable=wrong-import-position

CALLBACK = '''
import json, os, time
from ansible.plugins.callback import CallbackBase

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'nf_timing'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.start = None
        self.rows = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.start = (task.get_name(), time.perf_counter())

    def _done(self, result, status):
        name, start = self.start
        self.rows.append({'task': name, 'seconds': time.perf_counter() - start, 'status': status,
                          'errors': len(((result._result.get('ansible_facts') or {}).get('vmnet_doctor') or {}).get('errors', []))})

    def v2_runner_on_ok(self, result):
        self._done(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, 'failed')

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['NF_TIMING_OUT'], 'w') as handle:
            json.dump(self.rows, handle)
'''

KINDS = ('net_facts', 'setup_network', 'ping')


def playbook(host, count, facts_args):
    tasks = []
    for index in range(count):
        tasks.append({'name': 'net_facts %d' % index, 'vmnet.doctor.net_facts': facts_args})
        tasks.append({'name': 'setup_network %d' % index,
                      'ansible.builtin.setup': {'gather_subset': ['network']}})
        tasks.append({'name': 'ping %d' % index, 'ansible.builtin.ping': {}})
    return [{'name': 'net_facts benchmark', 'hosts': host, 'gather_facts': False, 'tasks': tasks}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('-n', '--runs', type=int, default=15, help='runs of each module (default 15)')
    parser.add_argument('--topology', default='bridged', choices=('bridged', 'routed', 'vlan'))
    parser.add_argument('--node', default='hv', help='lab node to gather from (default hv)')
    parser.add_argument('--prefix', default='nfbench', help='lab prefix (default nfbench)')
    opts = parser.parse_args()

    work = tempfile.mkdtemp(prefix='nf-bench-')
    lab = Lab(opts.prefix, opts.topology)
    try:
        lab.up()
        inventory = lab.write_inventory(os.path.join(work, 'inventory.yml'))
        host_ip, vm_ip = lab.ip('host'), lab.ip('vm1')
        facts_args = {'peers': [host_ip, vm_ip], 'flows': [{'src': host_ip, 'dst': vm_ip}]}
        os.makedirs(os.path.join(work, 'callbacks'))
        with open(os.path.join(work, 'callbacks', 'nf_timing.py'), 'w') as handle:
            handle.write(CALLBACK)
        with open(os.path.join(work, 'bench.yml'), 'w') as handle:
            json.dump(playbook(lab.ns(opts.node), opts.runs, facts_args), handle, indent=1)
        out = os.path.join(work, 'timings.json')
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(work, 'callbacks'),
                   ANSIBLE_CALLBACKS_ENABLED='nf_timing', ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default',
                   NF_TIMING_OUT=out)
        started = time.time()
        proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), '-i', inventory,
                               os.path.join(work, 'bench.yml')], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              check=False)
        elapsed = time.time() - started
        if proc.returncode != 0 or not os.path.exists(out):
            sys.stderr.write(proc.stdout + proc.stderr)
            return 1
        with open(out) as handle:
            rows = json.load(handle)
    finally:
        lab.down()
        shutil.rmtree(work, ignore_errors=True)

    times = dict((kind, [r['seconds'] for r in rows if r['task'].startswith(kind + ' ')]) for kind in KINDS)
    failed = [r['task'] for r in rows if r['status'] != 'ok']
    print('lab %s (%s), node %s, %d interleaved runs each, playbook wall time %.1f s'
          % (opts.prefix, opts.topology, opts.node, opts.runs, elapsed))
    for kind in KINDS:
        values = times[kind]
        print('  %-14s median %6.3f s   min %6.3f s   max %6.3f s   (n=%d)'
              % (kind, statistics.median(values), min(values), max(values), len(values)))
    med = dict((kind, statistics.median(times[kind])) for kind in KINDS)
    print('  ratio net_facts/setup_network = %.2f' % (med['net_facts'] / med['setup_network']))
    print('  ratio net_facts/ping          = %.2f' % (med['net_facts'] / med['ping']))
    errors = sorted(set(r['errors'] for r in rows if r['task'].startswith('net_facts ')))
    print('  net_facts errors entries per run: %s' % errors)
    if failed:
        print('  FAILED tasks: %s' % ', '.join(failed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
