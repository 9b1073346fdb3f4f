# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remediation decisions (pure, no I/O): which fixes to apply, in which order, under which
guard, how to undo each one, and whether a fix restored, improved, or harmed a path.

Used by the ``vmnet.doctor.remediation`` action plugin; the role only runs what this decides.

* ``build_plan(paths, allow, mgmt, extra_fixes)`` - the ordered, de-duplicated fix list and
  the per-path view (findings, fixes, manual findings, findings skipped and why).
* ``rollback_calls(module, args, result)`` - the fixer calls that restore the state recorded in
  the fixer's result (the inverse the fixer registry names for the module), or a reason why it
  cannot be undone.

Which modules are fixers, which need the management guard, which are never applied
automatically: ``fixer_registry.py``.
* ``probe_view(registered)`` / ``compare(before, after)`` - probe classes per path and the
  verdict of a change: restored, improved, worse or unchanged.
* ``record_fix`` / ``record_rollback`` / ``finish`` - the run state and the final result.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import datetime
import json

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import verdict
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.catalog import CATALOG
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry

PREFIX = fixer_registry.PREFIX
PROBE_CLASSES = ('forward', 'forward_large', 'reverse')

STATUS_APPLIED = 'applied'
STATUS_VERIFIED = 'verified'
STATUS_ROLLED_BACK = 'rolled back'
STATUS_SKIPPED = 'skipped'
STATUS_MANUAL = 'manual'
STATUS_UNCHANGED = 'unchanged'
STATUS_FAILED = 'failed'
STATUS_WOULD_APPLY = 'would apply'


def short_module(name):
    name = str(name or '')
    return name[len(PREFIX):] if name.startswith(PREFIX) else name


def auto_fix_codes():
    """Codes with a safe automatic fix (the default of remediate_allow)."""
    return sorted(code for code, entry in CATALOG.items() if entry.get('auto_fix'))


def _canon(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'), default=str)


def fix_key(host, module, args):
    return '%s|%s|%s' % (host, short_module(module), _canon(args or {}))


# ------------------------------------------------------------------ management guard
def needs_guard(module, args, mgmt):
    """True when a fix may change the route, MTU or link of the interface that carries the
    management connection (``mgmt``: ``{'interface': name or None, 'bridge_ports': [...]}``).

    Which arguments name such an interface is the fixer registry's ``guard``. Conservative: a
    route fix without a device is guarded (it may move the management route)."""
    iface = (mgmt or {}).get('interface')
    if not iface:
        return False
    related = set([iface]) | set((mgmt or {}).get('related') or [])
    guarded, named = fixer_registry.guarded_interface(module, args)
    if not guarded:
        return False
    return not named or bool(set(named) & related)


# ------------------------------------------------------------------ plan
def _allowed(code, allow):
    if allow is None:
        return CATALOG.get(code, {}).get('auto_fix', False)
    return code in allow or 'all' in allow


def normalise_allow(allow):
    """``None``/empty -> None (every auto-fix code); otherwise upper-cased codes, validated."""
    if not allow:
        return None
    out = []
    for code in allow:
        code = str(code).strip().upper()
        if code != 'ALL' and code not in CATALOG:
            raise DoctorError('remediate_allow: unknown finding code %r (known: %s)' % (code, ', '.join(sorted(CATALOG))))
        out.append('all' if code == 'ALL' else code)
    return out


def build_plan(paths, allow=None, mgmt=None, extra_fixes=None):
    """Ordered fix plan from the diagnosis paths.

    ``paths``: the diagnosis result paths (``findings`` with ``fix``). ``allow``: list of codes
    (None: every code with a safe automatic fix). ``mgmt``: ``{host: {'interface': ...}}``.
    ``extra_fixes``: ``[{path: index, code, host, module, args}]`` added before the path's own
    fixes (used by tests to inject a deliberately wrong fix).
    Returns ``{'fixes': [...], 'paths': [...]}``; fixes are in path order (paths in input
    order, findings in path order), identical fixes proposed for several paths appear once.
    """
    allow = normalise_allow(allow)
    fixes = []
    by_key = {}
    out_paths = []
    extra_by_path = {}
    for extra in extra_fixes or []:
        extra_by_path.setdefault(int(extra.get('path', 0)), []).append(extra)
    for index, path in enumerate(paths or []):
        entry = {
            'index': index, 'name': path.get('name'), 'source': path.get('source'),
            'target_ip': path.get('target_ip'), 'target_host': path.get('target_host'),
            'hypervisor': path.get('hypervisor'), 'status_before': path.get('status'),
            'reachable_before': path.get('reachable'), 'findings': [], 'fixes': [],
        }
        proposals = []
        for extra in extra_by_path.get(index, []):
            proposals.append(({'code': extra.get('code', 'INJECTED'), 'host': extra['host'],
                               'message': extra.get('message', 'injected fix'), 'layer': extra.get('layer')},
                              {'module': extra['module'], 'host': extra['host'], 'args': extra.get('args') or {}},
                              True))
        for finding in path.get('findings') or []:
            proposals.append((finding, finding.get('fix') or {}, False))
        for finding, fix, injected in proposals:
            item = {'code': finding.get('code'), 'host': finding.get('host'), 'layer': finding.get('layer'),
                    'message': finding.get('message'), 'object': finding.get('object'), 'fix': None}
            if fix.get('manual') or not fix.get('module'):
                item['status'] = STATUS_MANUAL
                item['reason'] = fix.get('reason') or 'no automatic fix'
                entry['findings'].append(item)
                continue
            module = short_module(fix['module'])
            known = fixer_registry.entry(module)
            if known and known['unguarded'] and not injected:
                item['status'] = STATUS_MANUAL
                item['reason'] = ('%s changes the route or MTU of a Windows host, which has no management guard: '
                                  'a wrong change could cut the WinRM connection for good, so apply it by hand '
                                  '(%s with %s)' % (module, fix['module'], fix.get('args') or {}))
                entry['findings'].append(item)
                continue
            if known is None:
                item['status'] = STATUS_SKIPPED
                item['reason'] = 'fixer %s is not a vmnet.doctor fixer module' % fix['module']
            elif not injected and not _allowed(item['code'], allow):
                item['status'] = STATUS_SKIPPED
                item['reason'] = 'code %s is not in remediate_allow' % item['code']
            elif fix.get('widens') and not injected and item['code'] not in (allow or ()):
                # A fix that opens more than the finding needs runs only when its code is named.
                item['status'] = STATUS_SKIPPED
                item['reason'] = ('the fix opens more than asked (%s): name %s in remediate_allow (doctor_allow) '
                                  'to apply it' % ('; '.join(fix['widens']), item['code']))
            elif not fix.get('host'):
                item['status'] = STATUS_SKIPPED
                item['reason'] = 'the fix names no host'
            else:
                key = fix_key(fix['host'], module, fix.get('args'))
                if key not in by_key:
                    host = fix['host']
                    f = {'id': 'fix%d' % (len(fixes) + 1), 'host': host, 'module': PREFIX + module,
                         'args': copy.deepcopy(fix.get('args') or {}), 'codes': [], 'paths': [],
                         'guard': needs_guard(module, fix.get('args'), (mgmt or {}).get(host)),
                         'injected': bool(injected)}
                    by_key[key] = f
                    fixes.append(f)
                f = by_key[key]
                if item['code'] not in f['codes']:
                    f['codes'].append(item['code'])
                if index not in f['paths']:
                    f['paths'].append(index)
                if f['id'] not in entry['fixes']:
                    entry['fixes'].append(f['id'])
                item['fix'] = f['id']
                item['status'] = 'planned'
            entry['findings'].append(item)
        out_paths.append(entry)
    return {'fixes': fixes, 'paths': out_paths}


def merge_paths(inputs, engine_paths, skipped):
    """One diagnosis path per input path (as the diagnose role's report does): the engine's
    result with the input's target_host/hypervisor, or an undiagnosed path for a skipped index."""
    engine = list(engine_paths or [])
    out = []
    for i, p in enumerate(inputs or []):
        extra = {'target_host': p.get('target_host'), 'hypervisor': p.get('hypervisor')}
        if str(i) in (skipped or {}):
            out.append(dict(p, status='unexplained', reachable=None, findings=[],
                            summary='not diagnosed: %s' % skipped[str(i)], **{}))
            continue
        r = dict(engine.pop(0)) if engine else dict(p, status='unexplained', findings=[])
        r.update(extra)
        out.append(r)
    return out


# ------------------------------------------------------------------ rollback (inverse per fixer)
def rollback_calls(module, args, result):
    """Fixer calls that restore the state before a fix: the registry's inverse of the fixer,
    computed from its own result (``before``/``after``/``changes``).

    Returns ``(calls, reason)``: ``calls`` is a list of ``{module, args}`` (empty when nothing
    changed), or None with ``reason`` when the change cannot be undone automatically."""
    return fixer_registry.inverse(module, args, result)


def vmware_key(args):
    """``hostname|port|username`` of a VMware fixer call: the key of the vCenter credentials the
    remediate role keeps apart (roles/diagnose/templates/vmware_credentials.j2 builds the same)."""
    args = args or {}
    return '%s|%s|%s' % (args.get('hostname'), int(args.get('port') or 443), args.get('username'))


def proposed_fix_keys(diagnosis_paths):
    """Keys (``fix_key``) of every fix a diagnosis proposes."""
    keys = set()
    for path in diagnosis_paths or []:
        for finding in (path or {}).get('findings') or []:
            fix = finding.get('fix') or {}
            if fix.get('module') and fix.get('host'):
                keys.add(fix_key(fix['host'], fix['module'], fix.get('args')))
    return keys


# ------------------------------------------------------------------ probes
def loop_item_of(result):
    """The loop item of one entry of a registered loop result (any ``loop_var``)."""
    return result.get(result.get('ansible_loop_var') or 'item', result.get('item'))


def _loop_items(registered):
    """The items of a registered loop result, or None when ``registered`` is a single task's
    result. Every item of a loop carries its loop variable (``ansible_loop_var``, or ``item``),
    whether it ran, was skipped, failed or was unreachable."""
    items = registered.get('results') if isinstance(registered, dict) else None
    if not isinstance(items, list):
        return None
    if any(isinstance(item, dict) and ('ansible_loop_var' in item or 'item' in item) for item in items):
        return items
    return None


def _results_of(registered, part=None):
    """Flatten a registered icmp_probe result (single or looped) to a list of per-target results,
    each with the probing host as ``_host``. Loop items that were skipped, failed or unreachable
    probed nothing and are left out, wherever they stand in the loop. ``part`` (``large``): the results
    of that part of each result instead."""
    out = []
    if not registered:
        return out

    def of(result):
        inner = result.get(part) if part else result
        return (inner.get('results') if isinstance(inner, dict) else None) or []
    items = _loop_items(registered)
    if items is not None:
        for item in items:
            if not isinstance(item, dict) or item.get('skipped') or item.get('failed') or item.get('unreachable'):
                continue
            loop_item = loop_item_of(item)
            host = loop_item if isinstance(loop_item, str) else (loop_item or {}).get('host')
            for r in of(item):
                out.append(dict(r, _host=host))
        return out
    for r in of(registered):
        out.append(dict(r))
    return out


def probe_view(paths, forward=None, forward_large=None, reverse=None, source_addresses=None):
    """Probe classes per path index: ``{index: {'forward': {reachable, loss}, ...}}``.

    ``forward``/``forward_large``: registered probes looped over source hosts; ``reverse``:
    registered probes looped over target hosts. ``source_addresses``: ``{index: address}``
    the reverse probe pings."""
    fwd = _results_of(forward)
    # the large probes that went with the forward ones (icmp_probe ``large``), and any sent on their own
    large = _results_of(forward_large) + _results_of(forward, 'large')
    rev = _results_of(reverse)
    view = {}
    for p in paths:
        idx = p['index']
        classes = {}
        for name, results, host, target in (('forward', fwd, p['source'], p['target_ip']),
                                            ('forward_large', large, p['source'], p['target_ip']),
                                            ('reverse', rev, p.get('target_host'),
                                             (source_addresses or {}).get(str(idx)))):
            if not host or not target:
                continue
            for r in results:
                if r.get('_host') in (None, host) and target in (r.get('target'), r.get('address')):
                    classes[name] = {'reachable': bool(r.get('reachable')),
                                     'loss': float(r.get('loss_percent', 100.0 if not r.get('reachable') else 0.0))}
                    break
        view[str(idx)] = classes
    return view


def restored(classes):
    """The source reaches the VM again: the forward probe (and the large don't-fragment one, when
    it ran) got replies. This is "verified reachability" (the clock stops here)."""
    return verdict.reachable(classes)


def healthy(classes):
    """Every probe class that ran answers, the reverse one (the VM pinging back) included."""
    return verdict.healthy(classes)


def compare(before, after):
    """Verdict of a change on one path: ``restored``, ``improved``, ``worse`` or ``unchanged``.

    Worse: a probe class that answered before no longer does (or forward loss grew by 50 points
    or more). Improved: a class that failed now answers, or forward loss dropped."""
    before = before or {}
    after = after or {}
    worse = any(before.get(c, {}).get('reachable') and not after.get(c, {}).get('reachable', True)
                for c in PROBE_CLASSES)
    if 'forward' in before and 'forward' in after and after['forward']['loss'] - before['forward']['loss'] >= 50:
        worse = True
    if worse:
        return 'worse'
    if healthy(after):
        return 'restored'
    better = any(not before.get(c, {}).get('reachable', True) and after.get(c, {}).get('reachable')
                 for c in PROBE_CLASSES)
    if 'forward' in before and 'forward' in after and before['forward']['loss'] - after['forward']['loss'] >= 10:
        better = True
    return 'improved' if better else 'unchanged'


# ------------------------------------------------------------------ run state
def new_state(plan, baseline, started, keep_partial=False, check_mode=False):
    """The run state: plan fixes with their status, per-path last probe view and timings."""
    state = {
        'started': started, 'keep_partial': bool(keep_partial), 'check_mode': bool(check_mode),
        'fixes': copy.deepcopy(plan['fixes']), 'paths': copy.deepcopy(plan['paths']), 'events': [],
    }
    for f in state['fixes']:
        f.update(status='planned', before=None, after=None, changes=[], commands=[], rollback=None, reason=None,
                 verdicts={})
    for p in state['paths']:
        classes = (baseline or {}).get(str(p['index'])) or {}
        p['probes_before'] = classes
        p['probes_last'] = classes
        p['restored_at'] = None
        if restored(classes):
            p['restored_at'] = started
    return state


def _fix(state, fix_id):
    for f in state['fixes']:
        if f['id'] == fix_id:
            return f
    raise DoctorError('unknown fix id %r' % fix_id)


def _path(state, index):
    return state['paths'][int(index)]


def next_fix(state, fix_id):
    """Should this fix still be applied? Not when every path it serves already answers."""
    f = _fix(state, fix_id)
    if f['status'] != 'planned':
        return {'apply': False, 'reason': f.get('reason'), 'guard': False, 'probe': probe_targets(state, [])}
    open_paths = [i for i in f['paths'] if not healthy(_path(state, i)['probes_last'])]
    if not open_paths and not state['check_mode']:
        skip_fix(state, fix_id, 'path already reachable')
        return {'apply': False, 'reason': 'path already reachable', 'guard': False,
                'probe': probe_targets(state, [])}
    return {'apply': True, 'reason': None, 'guard': bool(f.get('guard')) and not state['check_mode'],
            'probe': probe_targets(state, f['paths'])}


def skip_fix(state, fix_id, reason):
    f = _fix(state, fix_id)
    f['status'] = STATUS_SKIPPED
    f['reason'] = reason
    return state


def record_fix(state, fix_id, result, view, now, guard=None, resolved=None):
    """Record an applied fix and the probes after it; return (state, action).

    ``action``: ``{'rollback': [calls] or [], 'reason': ...}`` - the calls to run now (the fix
    made a path worse, or the management connection was lost and the guard restored it).
    ``resolved`` (VMware fixes): True when a new diagnosis on facts read again after the fix no
    longer proposes it, False when it still does (then the fix is rolled back at once), None when
    no such diagnosis ran. Probes that restored or worsened the path take precedence."""
    f = _fix(state, fix_id)
    result = result or {}
    f['before'] = result.get('before')
    f['after'] = result.get('after')
    f['changes'] = result.get('changes') or []
    f['commands'] = result.get('commands') or []
    action = {'rollback': [], 'reason': None}
    if result.get('failed') or result.get('unreachable'):
        f['status'] = STATUS_FAILED
        f['reason'] = result.get('msg') or 'the fixer failed'
        if guard and guard.get('restored'):
            f['status'] = STATUS_ROLLED_BACK
            f['reason'] = 'management connection lost; the guard on %s restored the previous state' % f['host']
        return state, action
    if state['check_mode']:
        f['status'] = STATUS_WOULD_APPLY if result.get('changed') else STATUS_UNCHANGED
        return state, action
    calls, why = rollback_calls(f['module'], f['args'], result)
    f['rollback'] = calls
    f['rollback_reason'] = why
    if guard and guard.get('restored'):
        f['status'] = STATUS_ROLLED_BACK
        f['reason'] = 'management connection lost; the guard on %s restored the previous state' % f['host']
        _update_paths(state, f, view, now)
        return state, action
    if not result.get('changed'):
        f['status'] = STATUS_UNCHANGED
        f['reason'] = 'already in the wanted state'
        _update_paths(state, f, view, now)
        return state, action
    f['status'] = STATUS_APPLIED
    verdicts = _update_paths(state, f, view, now)
    f['verdicts'] = verdicts
    values = set(verdicts.values())
    if 'worse' in values:
        if calls is None:
            f['reason'] = 'made the path worse, and cannot be undone automatically: %s' % why
        else:
            action = {'rollback': calls, 'reason': 'made the path worse'}
    elif 'restored' in values or ('improved' in values and f.get('forward_better')):
        # Verified: this fix itself changed a probe result for the better on the forward path
        # (or restored every probe); an improvement of another probe alone verifies nothing.
        f['status'] = STATUS_VERIFIED
        f['reason'] = 'path restored' if 'restored' in values else 'path improved (the forward ping got better)'
        # fixes applied earlier on these paths without a visible effect were part of it
        for other in state['fixes']:
            if other is not f and other['status'] == STATUS_APPLIED and set(other['paths']) & set(f['paths']) \
                    and 'restored' in values:
                other['status'] = STATUS_VERIFIED
                other['reason'] = 'path restored together with %s' % f['id']
    if f['status'] == STATUS_APPLIED and not action['rollback'] and resolved is not None:
        if resolved:
            f['status'] = STATUS_VERIFIED
            f['reason'] = 'the diagnosis on facts read again no longer finds the fault'
        elif calls is None:
            f['reason'] = 'the diagnosis still finds the fault, and the fix cannot be undone automatically: %s' % why
        else:
            action = {'rollback': calls, 'reason': 'the diagnosis on facts read again still finds the fault'}
    return state, action


def _update_paths(state, f, view, now):
    verdicts = {}
    f['forward_better'] = False
    for i in f['paths']:
        p = _path(state, i)
        after = (view or {}).get(str(i))
        if after is None:
            continue
        verdicts[str(i)] = compare(p['probes_last'], after)
        f['forward_better'] = f['forward_better'] or verdict.forward_better(p['probes_last'], after)
        p['probes_last'] = after
        if restored(after) and p['restored_at'] is None:
            p['restored_at'] = now
        if not restored(after):
            p['restored_at'] = None
    return verdicts


def record_rollback(state, fix_id, results, view, now, reason):
    """Record the rollback of a fix (``results``: the registered rollback calls)."""
    f = _fix(state, fix_id)
    failed = [r for r in results or [] if r.get('failed') or r.get('unreachable')]
    if failed:
        f['status'] = STATUS_FAILED
        f['reason'] = '%s; rollback failed: %s' % (reason, failed[0].get('msg') or 'unreachable')
    else:
        f['status'] = STATUS_ROLLED_BACK
        f['reason'] = reason
    if view:
        _update_paths(state, f, view, now)
    return state


def pending_rollbacks(state):
    """Fixes still ``applied`` (no visible effect) on paths that are not restored: roll them back
    unless keep_partial. Returns ``[{id, host, rollback: calls}]`` in reverse order."""
    out = []
    for f in reversed(state['fixes']):
        if f['status'] != STATUS_APPLIED:
            continue
        # A fix whose own probes showed no effect is never "verified", even when the path answers
        # now: the fix that changed the probe result is (it was verified when it ran).
        if all(restored(_path(state, i)['probes_last']) for i in f['paths']):
            f['reason'] = 'no visible effect of its own: the path answers because of the other fixes'
        else:
            f['reason'] = 'did not restore or improve the path'
        if state['keep_partial']:
            f['reason'] += '; kept (remediate_keep_partial)'
            continue
        if f.get('rollback') is None:
            f['reason'] += '; cannot be undone automatically: %s' % f.get('rollback_reason')
            continue
        out.append({'id': f['id'], 'host': f['host'], 'rollback': f['rollback']})
    return out


def finish(state, view, now):
    """Final per-path result after the end-to-end probe."""
    paths = []
    for p in state['paths']:
        final = (view or {}).get(str(p['index'])) or p['probes_last']
        ok = restored(final)
        if ok and p['restored_at'] is None:
            p['restored_at'] = now
        if not ok:
            p['restored_at'] = None
        fixes = [f for f in state['fixes'] if p['index'] in f['paths']]
        out = dict(p)
        out['probes_after'] = final
        out['reachable_after'] = ok
        keys = ('id', 'host', 'module', 'args', 'codes', 'guard', 'status', 'reason', 'before', 'after', 'changes',
                'commands', 'injected')
        out['fixes'] = [dict((k, f.get(k)) for k in keys) for f in fixes]
        out['seconds_to_reachable'] = _seconds(state['started'], p['restored_at']) if ok else None
        # The diagnosis verdict before any change, as diagnose.yml prints it (verdict.path_verdict).
        out['verdict_before'] = verdict.path_verdict(p.get('status_before'), p.get('findings'),
                                                     p.get('reachable_before'))
        if state['check_mode']:
            out['result'] = 'check'
        else:
            out['result'] = verdict.remediation_result(
                out['verdict_before'], fixes, final, any(f['status'] == STATUS_VERIFIED for f in fixes),
                p.get('probes_before'))
        paths.append(out)
    changed = any(f['status'] in (STATUS_VERIFIED, STATUS_APPLIED) for f in state['fixes'])
    return {'paths': paths, 'fixes': state['fixes'], 'changed': changed}


def _seconds(start, end):
    def parse(text):
        text = str(text).strip()
        if text.endswith('Z'):
            text = text[:-1] + '+00:00'
        t = datetime.datetime.fromisoformat(text)
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
        return t
    if not start or not end:
        return None
    try:
        return round((parse(end) - parse(start)).total_seconds(), 3)
    except ValueError:
        return None


# ------------------------------------------------------------------ probe plans
def baseline_registered(probes):
    """The diagnose role's probes (``{host: {forward: [...], forward_large: [...], reverse: [...]}}``)
    in the registered-loop shape ``probe_view`` reads."""
    out = {'forward': {'results': []}, 'forward_large': {'results': []}, 'reverse': {'results': []}}
    for host, classes in sorted((probes or {}).items()):
        for name in ('forward', 'forward_large', 'reverse'):
            results = (classes or {}).get(name) or []
            if results:
                out[name]['results'].append({'item': {'host': host}, 'results': results})
    return out


def source_addresses(paths, probes):
    """``{index: address}``: the source address the forward probe of each path used (what the VM pings back)."""
    out = {}
    for p in paths:
        for r in ((probes or {}).get(p['source']) or {}).get('forward') or []:
            if r.get('target') == p['target_ip'] and r.get('source_address'):
                out[str(p['index'])] = r['source_address']
                break
    return out


def probe_targets(state, indexes=None):
    """What to probe for these paths (all when None): ``{forward, reverse}``, each a list of ``{host, targets}``
    for a loop with ``delegate_to``; a forward item's ``large`` are the targets that also get the large probe, in the
    same call (icmp_probe ``large``)."""
    fwd, large, rev, pairs = {}, {}, {}, {}
    for p in state['paths']:
        if indexes is not None and p['index'] not in indexes:
            continue
        fwd.setdefault(p['source'], []).append(p['target_ip'])
        before = p.get('probes_before') or {}
        # The diagnosis sends the large probe only where the small one answered: a path whose small
        # probe failed gets it once a fix may have restored it.
        if 'forward_large' in before or not (before.get('forward') or {}).get('reachable', True):
            large.setdefault(p['source'], []).append(p['target_ip'])
        addr = (state.get('source_addresses') or {}).get(str(p['index']))
        if p.get('target_host') and addr and 'reverse' in (p.get('probes_before') or {}):
            rev.setdefault(p['target_host'], []).append(addr)
            pairs.setdefault(p['target_host'], {}).setdefault(addr, {'host': p['source'], 'target': p['target_ip']})

    def items(d):
        return [{'host': h, 'targets': sorted(set(t))} for h, t in sorted(d.items())]
    forward = items(fwd)
    for item in forward:
        item['large'] = sorted(set(large.get(item['host']) or []))
    reverse = items(rev)
    for item in reverse:
        # the forward probe of the same two hosts, whose round trip bounds this probe's wait (forward_rtts)
        item['pairs'] = pairs.get(item['host']) or {}
    return {'forward': forward, 'reverse': reverse}


def forward_rtts(pairs, forward):
    """``{target: milliseconds}`` for a reverse probe item (icmp_probe ``expected_rtt``): the largest round trip of
    the forward probe between the same two hosts (``pairs``: target -> {host, target}, from ``probe_targets``) in the
    registered forward loop ``forward``, for the targets whose forward probe answered; the others are left out."""
    measured = {}
    for r in _results_of(forward):
        rtt = (r.get('rtt') or {}).get('max')
        if r.get('reachable') and isinstance(rtt, (int, float)) and not isinstance(rtt, bool):
            measured[(r.get('_host'), r.get('target'))] = float(rtt)
    out = {}
    for target, pair in sorted((pairs or {}).items()):
        rtt = measured.get(((pair or {}).get('host'), (pair or {}).get('target')))
        if rtt is not None:
            out[target] = rtt
    return out


# ------------------------------------------------------------------ waves
def next_wave(state):
    """The next fixes to apply together: in plan order, at most one per path (so every probe
    result belongs to exactly one fix), never ahead of an earlier planned fix of the same path,
    and a guarded fix always alone. In check mode every planned fix goes in one wave.
    Returns ``{'fixes': [...], 'guard': bool, 'probe': probe_targets, 'done': bool}``."""
    wave, busy, blocked = [], set(), set()
    for f in state['fixes']:
        if f['status'] != 'planned':
            continue
        if not state['check_mode'] and all(healthy(_path(state, i)['probes_last']) for i in f['paths']):
            skip_fix(state, f['id'], 'path already reachable')
            continue
        paths = set(f['paths'])
        if state['check_mode']:
            wave.append(f)
            continue
        if f.get('guard'):
            if not wave and not (paths & blocked):
                wave.append(f)
            break
        if not (paths & busy) and not (paths & blocked):
            wave.append(f)
            busy |= paths
        else:
            blocked |= paths
    indexes = sorted(set(i for f in wave for i in f['paths']))
    guard = bool(wave) and bool(wave[0].get('guard')) and not state['check_mode']
    return {'fixes': [dict((k, f[k]) for k in ('id', 'host', 'module', 'args', 'guard', 'paths')) for f in wave],
            'guard': guard, 'probe': probe_targets(state, indexes), 'done': not wave}


def record_wave(state, registered, view, now, guard=None, rediagnosis=None):
    """Record every fix of a wave (``registered``: the looped run_fixer result). Returns
    ``(state, rollbacks)``: ``[{id, host, rollback, reason}]`` to run now, and their probe plan.
    ``rediagnosis``: the diagnosis paths after the wave on VMware facts read again (VMware fixes
    are verified by it: see ``record_fix`` ``resolved``), or None."""
    rollbacks = []
    proposed = proposed_fix_keys(rediagnosis) if rediagnosis is not None else None
    for item in (registered or {}).get('results') or []:
        fix = loop_item_of(item) or {}
        if not fix.get('id'):
            continue
        resolved = None
        if proposed is not None and (fixer_registry.entry(fix.get('module')) or {}).get('platform') == 'vmware' \
                and not _fix(state, fix['id']).get('injected'):
            resolved = fix_key(fix['host'], fix['module'], fix.get('args')) not in proposed
        state, action = record_fix(state, fix['id'], item, view, now, guard if fix.get('guard') else None,
                                   resolved=resolved)
        if action['rollback']:
            rollbacks.append({'id': fix['id'], 'host': fix['host'], 'rollback': action['rollback'],
                              'reason': action['reason'], 'paths': fix.get('paths') or []})
    indexes = sorted(set(i for r in rollbacks for i in r['paths']))
    return state, rollbacks, probe_targets(state, indexes)


def rolled_back_wave(state, registered, view, now):
    for item in (registered or {}).get('results') or []:
        rb = loop_item_of(item) or {}
        if rb.get('id') and not item.get('skipped'):
            record_rollback(state, rb['id'], item.get('results') or [item], view, now, rb.get('reason') or 'rolled back')
    return state


def paths_of_diagnosis(inputs, diagnosis, skipped):
    """``merge_paths`` for a diagnosis given as one result per input path (the diagnose role's
    ``diagnose_result.paths``) or as the engine's results of the paths not ``skipped`` only."""
    skipped = skipped or {}
    diagnosis = list(diagnosis or [])
    if len(diagnosis) == len(inputs or []):
        diagnosis = [p for i, p in enumerate(diagnosis) if str(i) not in skipped]
    return merge_paths(inputs, diagnosis, skipped)


# ------------------------------------------------------------------ locks, all or nothing per path
def path_lock_hosts(path):
    """The hosts a path's fixes may touch, so the hosts its run must hold locked: source, target
    host, hypervisor, and the controller (``localhost``) when the path has VMware identifiers."""
    hosts = [path.get(k) for k in ('source', 'target_host', 'hypervisor') if path.get(k)]
    if path.get('vmware'):
        hosts.append('localhost')
    return list(dict.fromkeys(hosts))


def whole_path_locks(paths, registered, taken=None):
    """``(locks, give_back)`` from the registered ``host_lock`` loop (``loop_var`` = the host) and ``taken``,
    ``{host: registered host_lock}`` of the locks each host took itself (side by side; a skipped one is not).

    ``locks`` is ``{host: lock result}``; a host none of whose paths is wholly locked by this run is
    in ``give_back`` (release it now) and its entry says why it was given back."""
    locks = {}
    for item in (registered or {}).get('results') or []:
        host = item.get(item.get('ansible_loop_var') or 'item')
        if host and not item.get('skipped'):
            locks[host] = item
    for host, item in sorted((taken or {}).items()):
        if isinstance(item, dict) and item and not item.get('skipped') and host not in locks:
            locks[host] = item
    held = set(h for h, r in locks.items() if r.get('acquired'))
    keep = set()
    for path in paths or []:
        hosts = path_lock_hosts(path if isinstance(path, dict) else {})
        if hosts and not set(hosts) - held:
            keep |= set(hosts)
    give_back = sorted(held - keep)
    for host in give_back:
        locks[host] = {'acquired': False, 'msg': 'lock given back: each path through %s has a host that another '
                                                 'run holds (locks are all or nothing per path)' % host}
    return locks, give_back
