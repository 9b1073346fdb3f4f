# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of the scheduled remediation run: which paths to diagnose, which to fix, which to
escalate. Pure: no file I/O, no clock (``now`` is epoch seconds passed in), inputs never mutated.

The persisted state (a JSON file kept by the ``vmnet.doctor.schedule_state`` action) is::

    {"version": 1,
     "paths": {KEY: {"last_ok_at", "last_broken_at", "last_fix_at", "last_fix_result",
                     "last_fix_hosts", "fix_count", "escalated", "escalated_at"}},
     "last_run": {"at", "remediated", "escalated", "hosts_changed"}}

Three steps, each ``(state, input, now, settings) -> (output, new_state)``:

1. ``triage(state, probes, now, settings)`` after the cheap probe: paths that answered are
   recorded OK (a re-break later is measured from the last fix); the others are returned to
   be diagnosed.
2. ``decide(state, diagnosed, now, settings)`` after the diagnosis, one action per broken path:

   * ``remediate`` - fixable, out of cooldown, and its hosts fit the change budget;
   * ``escalate`` with a reason, report only, no change:
     ``rebroken`` (broken again within ``rebreak_window`` seconds of a successful fix),
     ``budget`` (the hosts it would change do not fit in ``budget_hosts`` any more),
     ``no_fix`` (no finding proposes an automatic fix: manual or unexplained);
   * ``cooldown`` - a remediation was tried less than ``cooldown`` seconds ago; held back.

   The budget counts distinct hosts: a path whose fixes touch only hosts already being changed
   in this run costs nothing more.
3. ``record(state, outcomes, now)`` after the remediation: per path ``fixed`` or ``failed``
   (any other status string is kept as given), with the hosts changed.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

STATE_VERSION = 1
DEFAULTS = {
    'budget_hosts': 1,        # at most this many distinct hosts changed per run (0: report only)
    'cooldown': 3600,         # seconds after a remediation attempt before the path may be fixed again
    'rebreak_window': 86400,  # broken again this soon after a successful fix: escalate
    'max_loss': 0.0,          # a probe with more loss than this (0..1) counts as broken
}
ACTIONS = ('remediate', 'escalate', 'cooldown')
REASONS = ('rebroken', 'budget', 'no_fix')


class ScheduleError(ValueError):
    """Bad settings or input."""


def settings_of(settings):
    """DEFAULTS overlaid with ``settings`` (None values ignored), validated."""
    out = dict(DEFAULTS)
    for key, value in (settings or {}).items():
        if key not in DEFAULTS:
            raise ScheduleError('unknown schedule setting %r (known: %s)' % (key, ', '.join(sorted(DEFAULTS))))
        if value is not None:
            out[key] = value
    try:
        out['budget_hosts'] = int(out['budget_hosts'])
        out['cooldown'] = float(out['cooldown'])
        out['rebreak_window'] = float(out['rebreak_window'])
        out['max_loss'] = float(out['max_loss'])
    except (TypeError, ValueError) as e:
        raise ScheduleError('schedule settings must be numbers: %s' % e)
    if out['budget_hosts'] < 0 or out['cooldown'] < 0 or out['rebreak_window'] < 0:
        raise ScheduleError('budget_hosts, cooldown and rebreak_window must not be negative')
    if not 0.0 <= out['max_loss'] <= 1.0:
        raise ScheduleError('max_loss is a ratio between 0 and 1')
    return out


def path_key(path):
    """The stable identity of a path in the state: its name, else ``source -> target_ip``."""
    name = path.get('name')
    if name:
        return str(name)
    return '%s -> %s' % (path.get('source'), path.get('target_ip'))


def empty_state():
    return {'version': STATE_VERSION, 'paths': {}, 'last_run': {}}


def load_state(data):
    """A usable state from what was read (None, or an older or damaged document: start afresh)."""
    if not isinstance(data, dict) or data.get('version') != STATE_VERSION or not isinstance(data.get('paths'), dict):
        return empty_state()
    state = copy.deepcopy(data)
    state.setdefault('last_run', {})
    return state


def _entry(state, key):
    return state['paths'].setdefault(key, {'fix_count': 0})


def probe_ok(probe, max_loss=0.0):
    """True when the probe got replies with a loss ratio at most ``max_loss``."""
    if not probe or not probe.get('reachable'):
        return False
    loss = probe.get('loss_percent')
    if loss is None:
        return True
    return float(loss) / 100.0 <= max_loss + 1e-9


def triage(state, probes, now, settings=None):
    """``probes``: list of ``{key, probe}`` (probe: an icmp_probe result, or None when the probe
    did not run). Returns ``({'ok': [keys], 'broken': [keys]}, new_state)``."""
    conf = settings_of(settings)
    new = load_state(state)
    out = {'ok': [], 'broken': []}
    for item in probes or []:
        key = item['key']
        entry = _entry(new, key)
        if probe_ok(item.get('probe'), conf['max_loss']):
            out['ok'].append(key)
            entry['last_ok_at'] = now
            entry['escalated'] = None
            entry['escalated_at'] = None
        else:
            out['broken'].append(key)
            entry['last_broken_at'] = now
    return out, new


def fix_hosts(path):
    """Hosts the automatic fixes of a diagnosed path would change (sorted), and whether any
    finding needs a person (manual fix)."""
    hosts = set()
    manual = False
    for finding in path.get('findings') or []:
        fix = finding.get('fix') or {}
        if fix.get('module') and not fix.get('manual'):
            hosts.add(str(fix.get('host') or finding.get('host')))
        else:
            manual = True
    return sorted(hosts), manual


def decide(state, diagnosed, now, settings=None):
    """``diagnosed``: list of diagnosed broken paths (report paths: ``name``/``source``/``target_ip``,
    ``findings``), in priority order. Returns ``(actions, new_state)``; an action is
    ``{key, action, reason, hosts, detail}``."""
    conf = settings_of(settings)
    new = load_state(state)
    actions = []
    budget = set()
    for path in diagnosed or []:
        key = path_key(path)
        entry = _entry(new, key)
        hosts, _manual = fix_hosts(path)
        action = {'key': key, 'action': None, 'reason': None, 'hosts': hosts, 'detail': ''}
        last_fix = entry.get('last_fix_at')
        since = None if last_fix is None else now - float(last_fix)
        if not hosts:
            action.update(action='escalate', reason='no_fix',
                          detail='no finding proposes an automatic fix (manual fix or nothing explains it)')
        elif (since is not None and entry.get('last_fix_result') == 'fixed'
              and since < conf['rebreak_window']):
            action.update(action='escalate', reason='rebroken',
                          detail='broken again %d s after it was fixed (rebreak_window %d s); fixed %d time(s) so far'
                          % (since, conf['rebreak_window'], entry.get('fix_count', 0)))
        elif since is not None and since < conf['cooldown']:
            action.update(action='cooldown',
                          detail='last remediation %d s ago (%s); cooldown %d s'
                          % (since, entry.get('last_fix_result'), conf['cooldown']))
        elif len(budget | set(hosts)) > conf['budget_hosts']:
            action.update(action='escalate', reason='budget',
                          detail='fixing it would change %s; %d of %d host(s) of the budget already used'
                          % (', '.join(hosts), len(budget), conf['budget_hosts']))
        else:
            budget |= set(hosts)
            action.update(action='remediate', detail='fix on %s' % ', '.join(hosts))
        if action['action'] == 'escalate':
            if entry.get('escalated') != action['reason']:
                entry['escalated_at'] = now
            entry['escalated'] = action['reason']
        actions.append(action)
    new['last_run'] = {
        'at': now,
        'remediate': [a['key'] for a in actions if a['action'] == 'remediate'],
        'escalated': [a['key'] for a in actions if a['action'] == 'escalate'],
        'cooldown': [a['key'] for a in actions if a['action'] == 'cooldown'],
        'hosts_planned': sorted(budget),
    }
    return actions, new


def record(state, outcomes, now):
    """``outcomes``: list of ``{key, result, hosts}`` (result ``fixed`` when the path answers
    after the remediation, else ``failed``). Returns the new state."""
    new = load_state(state)
    changed = set()
    for item in outcomes or []:
        entry = _entry(new, item['key'])
        entry['last_fix_at'] = now
        entry['last_fix_result'] = str(item.get('result') or 'failed')
        entry['last_fix_hosts'] = sorted(item.get('hosts') or [])
        entry['fix_count'] = int(entry.get('fix_count') or 0) + 1
        if entry['last_fix_result'] == 'fixed':
            entry['last_ok_at'] = now
            entry['escalated'] = None
            entry['escalated_at'] = None
        changed |= set(entry['last_fix_hosts'])
    new['last_run'] = dict(new.get('last_run') or {}, hosts_changed=sorted(changed),
                           results={i['key']: str(i.get('result') or 'failed') for i in outcomes or []})
    return new
