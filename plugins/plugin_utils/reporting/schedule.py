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

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.verdict import path_verdict

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
    """``diagnosed``: the diagnosed paths (``diagnose_result.paths`` of the diagnose role, or report
    paths: ``name``/``source``/``target_ip``, ``status``, ``findings``), in priority order; a path
    whose verdict is ok (verdict.path_verdict) needs no decision and is passed over. Returns
    ``(actions, new_state)``; an action is ``{key, action, reason, hosts, detail}``."""
    conf = settings_of(settings)
    new = load_state(state)
    actions = []
    budget = set()
    for path in diagnosed or []:
        if path_verdict(path.get('status'), path.get('findings'), path.get('reachable')) == 'ok':
            continue
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


# ----------------------------------------------------------------------------- the playbook's data

def _name(path):
    return str(path.get('name') or '') or '%s -> %s' % (path.get('source'), str(path.get('target_ip')).strip())


def configured_paths(paths, only=None, known_hosts=None):
    """The configured paths (items as the diagnose role's ``diagnose_paths``), each with its name
    (the key in the state, reports and metrics: the diagnose role's default ``<source> -> <target_ip>``)
    and ``target_ip`` trimmed, narrowed to ``only`` (names or target addresses) when given. Every
    other key is kept (the remediate role needs the vCenter password). ScheduleError when a path
    has no inventory source host or no target address."""
    if not isinstance(paths, list):
        raise ScheduleError('the scheduled paths must be a list, got %s' % type(paths).__name__)
    out = []
    for index, raw in enumerate(paths):
        if not isinstance(raw, dict):
            raise ScheduleError('scheduled path %d must be a dict with source and target_ip, got %r' % (index, raw))
        target = str(raw.get('target_ip') if raw.get('target_ip') is not None else '').strip()
        path = dict(raw, name=_name(dict(raw, target_ip=target)), target_ip=target)
        if not raw.get('source') or (known_hosts is not None and raw['source'] not in known_hosts) or not target:
            raise ScheduleError('scheduled path %s: source must be an inventory host and target_ip an address'
                                % path['name'])
        if not only or path['name'] in only or target in only:
            out.append(path)
    return out


def probe_targets(paths):
    """``{source host: [target addresses]}``: what each source pings in the cheap probe."""
    out = {}
    for p in paths:
        targets = out.setdefault(p['source'], [])
        if p['target_ip'] not in targets:
            targets.append(p['target_ip'])
    return out


def probe_of(path, registered):
    """The cheap probe's result for ``path`` from ``registered`` (``{host: registered icmp_probe}``), or None."""
    reg = (registered or {}).get(path['source'])
    results = reg.get('results') if isinstance(reg, dict) else None
    return next((r for r in results or [] if isinstance(r, dict) and r.get('target') == path['target_ip']), None)


def paths_named(paths, names):
    """The configured paths (``configured_paths``) whose name is in ``names``, in their order."""
    wanted = set(names or [])
    return [p for p in paths or [] if p.get('name') in wanted]


def probe_items(paths, registered):
    """``[{key, probe}]`` for ``triage``: each path's name and its source's probe result (None when it did not run)."""
    return [{'key': p['name'], 'probe': probe_of(p, registered)} for p in paths]


# Fix statuses that did not change the host (nothing was applied there).
NOT_APPLIED = ('skipped', 'manual', 'unchanged', 'would apply', 'planned')


def outcomes(remediated):
    """``[{key, result, hosts}]`` for ``record`` from the remediation's paths: ``fixed`` when the
    path answers after the fixes, else ``failed``; the hosts where a fix was applied (also when it
    was rolled back). Nothing from a check-mode run (fixes were only predicted)."""
    out = []
    for r in remediated or []:
        if r.get('result') == 'check':
            continue
        hosts = []
        for f in r.get('fixes') or []:
            if f.get('status') not in NOT_APPLIED and f.get('host') not in hosts:
                hosts.append(f.get('host'))
        out.append({'key': r['name'], 'result': 'fixed' if r.get('reachable_after') else 'failed', 'hosts': hosts})
    return out


def run_report(paths, registered, diagnosed, remediated, ok, actions):
    """The run report's input for ``doctor_report``: every configured path in order - the path that
    answered the cheap probe as OK (a ``scheduled.probe`` check), a broken one as its diagnosis
    (``diagnosed``: report paths) with the decision taken (``schedule``), or unexplained when it was
    not diagnosed; when remediated, its fixes, result and ``reachable_after``. Also the probes by
    source host (``{host: {forward: [...]}}``) and the remediation by path."""
    by_name = dict((d.get('name'), d) for d in diagnosed or [])
    fixed = dict((r.get('name'), r) for r in remediated or [])
    decided = dict((a.get('key'), a) for a in actions or [])
    out_paths, probes, remediation = [], {}, {}
    for p in paths:
        probe = probe_of(p, registered)
        if probe is not None:
            probes.setdefault(p['source'], {'forward': []})['forward'].append(probe)
        base = {'name': p['name'], 'source': p['source'], 'target_ip': p['target_ip'],
                'target_host': p.get('target_host'), 'hypervisor': p.get('hypervisor'), 'findings': []}
        if p['name'] in by_name:
            entry = dict(by_name[p['name']], schedule=decided.get(p['name']))
        elif p['name'] in (ok or []):
            entry = dict(base, status='ok', reachable=True, summary='answered the scheduled probe',
                         checks=[{'id': 'scheduled.probe', 'status': 'pass', 'host': p['source'],
                                  'detail': '%s of %s echo replies' % ((probe or {}).get('received'),
                                                                       (probe or {}).get('sent'))}])
        else:
            entry = dict(base, status='unexplained', reachable=False,
                         summary='failed the scheduled probe and was not diagnosed',
                         checks=[{'id': 'scheduled.probe', 'status': 'fail', 'host': p['source'],
                                  'detail': 'no echo reply (or the probe did not run)'}])
        if p['name'] in fixed:
            r = fixed[p['name']]
            done = {'result': r.get('result'), 'reachable_after': r.get('reachable_after'), 'fixes': r.get('fixes') or []}
            entry.update(fixes=done['fixes'], remediation_result=done['result'], reachable_after=done['reachable_after'])
            remediation[p['name']] = done
        out_paths.append(entry)
    return {'paths': out_paths, 'probes': probes, 'remediation': remediation}
