# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a diagnose.yml / remediate.yml run spends its time, from the run's own timing records.

``timing_env(env, out)`` enables the bench callback (bench/callbacks/phase_timing.py) for one
ansible-playbook run; ``phases(records, started)`` turns its records into seconds per phase:

* ``start-up``: from starting ansible-playbook to its first task;
* ``plan``: input checks and planning; ``locks``: taking, renewing and giving back host locks;
* ``collect``: the play on the involved hosts, and ``collect <step>`` for each of its tasks
  (probe, large probe, plan, net_facts, reverse probe, witness); ``host <name>`` is the sum of the
  seconds each host took in that play (task start to its result);
* ``diagnosis``, ``reports``;
* ``wave N fixes``, ``wave N verify`` (probes of the wave and their record), ``wave N other``;
* ``rollbacks``, ``final probe``.

A task lasts from its start to the next task's start (so includes and templating count too).
``table(rows)`` prints medians of several runs side by side.
"""
import json
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))

COLLECT_STEPS = (
    ('Probe the VMs', 'probe'), ('Send the large', 'large probe'), ('Work out the peers', 'plan'),
    ('Gather the network', 'net_facts'), ('Let the VM ping', 'reverse probe'),
    ('Witness the failed paths on this hop', 'witness start'), ('Wait until the witness', 'witness ready'),
    ('Start the witness window', 'witness window'), ('Wait for what the witness', 'witness wait'),
    ('Witness', 'witness unfixed'), ('Diagnose the failed', 'witness unfixed'),
    ('Find the interface', 'mgmt'),
)
PROBE_TASKS = ('Ping the VMs', 'Send the large', 'Let the VMs ping', 'Keep the probe results')


def timing_env(env, out):
    """``env`` with the timing callback enabled, writing to ``out``."""
    env = dict(env)
    enabled = [c for c in env.get('ANSIBLE_CALLBACKS_ENABLED', '').split(',') if c]
    env.update(ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callbacks'),
               ANSIBLE_CALLBACKS_ENABLED=','.join(enabled + ['phase_timing']),
               VMNET_DOCTOR_TIMING_OUT=out)
    return env


def load(out):
    with open(out) as handle:
        return json.load(handle)


def _collect_step(name):
    return next((step for prefix, step in COLLECT_STEPS if name.startswith(prefix)), 'other')


def phases(records, started):
    """``{phase: seconds}`` of one run (see the module docstring); ``started`` is the epoch of launch."""
    tasks = records['tasks']
    out = {}

    def add(key, seconds):
        out[key] = out.get(key, 0.0) + seconds

    if not tasks:
        return out
    add('start-up', tasks[0]['start'] - started)
    wave, after_waves = 0, False
    for index, task in enumerate(tasks):
        end = tasks[index + 1]['start'] if index + 1 < len(tasks) else records['end']
        seconds = end - task['start']
        name, play = task['task'].split(' : ', 1)[-1], task['play'] or ''
        if play.startswith('Check the variables') or play.startswith('Plan the'):
            add('locks' if 'lock' in name.lower() else 'plan', seconds)
        elif play.startswith('Probe and gather') or play.startswith('Lock, probe'):
            add('collect', seconds)
            add('collect ' + _collect_step(name), seconds)
            for host, (host_end, _status) in task['hosts'].items():
                add('host ' + host, max(0.0, host_end - task['start']))
        elif 'lock' in name.lower():
            add('locks', seconds)
        elif name.startswith('Pick the next fixes'):
            wave += 1
            add('wave %d other' % wave, seconds)
        elif name.startswith('Find the fixes that did not help'):
            after_waves = True
            add('rollbacks', seconds)
        elif name.startswith('Diagnose the paths') or 'VMware' in name or name.startswith('Plan the fixes') \
                or name.startswith('Keep the vCenter'):
            add('diagnosis', seconds)
        elif name.startswith('Write the') or 'summary' in name.lower() or name.startswith('Fail when'):
            add('reports', seconds)
        elif after_waves:
            add('final probe' if name.startswith(PROBE_TASKS) else 'rollbacks', seconds)
        elif wave:
            if name.startswith('Run the fixers'):
                add('wave %d fixes' % wave, seconds)
            elif name.startswith(PROBE_TASKS) or name.startswith('Record the fixes'):
                add('wave %d verify' % wave, seconds)
            else:
                add('wave %d other' % wave, seconds)
        else:
            add('other', seconds)
    out['total'] = records['end'] - started
    return out


def table(columns, title=''):
    """Print ``{column: [phases of each run]}`` as medians side by side, with ratios to the first column."""
    names = list(columns)
    keys = []
    for runs in columns.values():
        for run in runs:
            keys.extend(k for k in run if k not in keys)
    order = ['start-up', 'plan', 'locks', 'collect'] + sorted(k for k in keys if k.startswith('collect '))
    order += sorted(k for k in keys if k.startswith('host '))
    order += ['diagnosis'] + sorted(k for k in keys if k.startswith('wave ')) + ['rollbacks', 'final probe',
                                                                                 'reports', 'other', 'total']
    order = [k for k in order if k in keys]
    if title:
        print(title)
    print('%-24s' % 'phase (median s)' + ''.join('%14s' % n for n in names)
          + (''.join('%10s' % ('x ' + n[:7]) for n in names[1:]) if len(names) > 1 else ''))
    for key in order:
        meds = []
        for n in names:
            vals = [run.get(key, 0.0) for run in columns[n]]
            meds.append(statistics.median(vals) if vals else 0.0)
        line = '%-24s' % key[:24] + ''.join('%14.2f' % m for m in meds)
        for m in meds[1:]:
            line += '%10s' % ('%.2f' % (m / meds[0]) if meds[0] > 0.005 else '-')
        print(line)


def tasks_table(records, started):
    """Print every task of one run: seconds from launch to its start, and its duration."""
    tasks = records['tasks']
    for index, task in enumerate(tasks):
        end = tasks[index + 1]['start'] if index + 1 < len(tasks) else records['end']
        print('%7.2f %6.2f  %s' % (task['start'] - started, end - task['start'], task['task'][:100]))
