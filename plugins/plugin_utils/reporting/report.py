# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a diagnosis (output of the ``vmnet.doctor.diagnose`` action) for people and machines.

Pure: no file or network I/O, no clock (``generated_at`` is passed in).

* ``summary_line(path)`` / ``summary_lines(paths)`` - one line per path:
  ``OK  <source> -> <target>`` or
  ``BROKEN at <layer> on <host>: <evidence> → <fix> (+N more)  [<source> -> <target>]``.
* ``json_report(...)`` - a dict for ``json.dumps``: paths, findings, probes, timings, version.
* ``junit_xml(paths)`` - JUnit XML text: one ``testsuite`` per path, one ``testcase`` per check.

A diagnosis path is ``{name, source, target_ip, status, reachable, findings, checks, summary}``;
a check is ``{id, status: pass|fail|skipped, host, detail}``; a finding follows the pinned
finding shape (``code, layer, host, object, evidence, confidence, direction, message, fix``).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import re
import xml.etree.ElementTree as ET

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.verdict import path_verdict

REPORT_SCHEMA_VERSION = 1
ARROW = u'\u2192'
EVIDENCE_WIDTH = 140
FIX_WIDTH = 90

_PASS = ('pass', 'passed', 'ok', 'success')
_FAIL = ('fail', 'failed', 'error', 'broken')
_SKIP = ('skip', 'skipped', 'not_run', 'unknown')


def _short(text, width):
    text = ' '.join(str(text).split())
    if len(text) <= width:
        return text
    return text[:width - 3].rstrip() + '...'


def _compact(value):
    """key=value pairs of a dict, nested values as compact JSON."""
    parts = []
    for k in sorted(value or {}):
        v = value[k]
        if isinstance(v, (dict, list)):
            v = json.dumps(v, sort_keys=True, separators=(',', ':'))
        parts.append('%s=%s' % (k, v))
    return ' '.join(parts)


def fix_text(fix, width=FIX_WIDTH):
    """Short text of a proposed fix: ``icmp_rule on vm1 state=absent ...`` or ``manual: why``."""
    if not fix:
        return 'no fix proposed'
    if fix.get('manual') or not fix.get('module'):
        return _short('manual: %s' % (fix.get('reason') or 'see the finding'), width)
    module = str(fix['module'])
    if module.startswith('vmnet.doctor.'):
        module = module[len('vmnet.doctor.'):]
    text = module
    if fix.get('host'):
        text += ' on %s' % fix['host']
    args = _compact(fix.get('args'))
    if args:
        text += ' ' + args
    return _short(text, width)


def evidence_text(finding, width=EVIDENCE_WIDTH):
    """The finding's message, else its code with the object, shortened to one line."""
    text = finding.get('message')
    if not text:
        obj = finding.get('object') or {}
        text = '%s %s' % (finding.get('code', 'UNKNOWN'), _compact(obj))
    return _short(text, width)


def path_label(path):
    return '%s -> %s' % (path.get('source') or '?', path.get('target_ip') or path.get('target') or '?')


def path_state(path):
    """``ok``, ``broken`` (a finding, or a probe failed: engine status broken/degraded) or
    ``unexplained`` (not reachable and no check explains it): verdict.path_verdict, the one
    remediate.yml uses too."""
    return path_verdict(path.get('status'), path.get('findings') or [], path.get('reachable'))


def witness_text(path):
    """Where the packet witness saw the echo die ('' when no witness ran or it saw nothing)."""
    witness = path.get('witness') or {}
    if witness.get('located'):
        return '; witness: %s' % _short(str(witness['located']), EVIDENCE_WIDTH)
    if witness.get('why'):
        return '; witness: %s' % _short(str(witness['why']), EVIDENCE_WIDTH)
    return ''


def summary_line(path):
    state = path_state(path)
    findings = path.get('findings') or []
    label = path_label(path)
    if state == 'ok':
        return 'OK  %s' % label
    if not findings:
        why = str(path.get('summary') or 'not reachable and no check explains it')
        name = str(path.get('name') or '')
        if name and why.startswith(name + ': '):
            why = why[len(name) + 2:]
        verb = 'BROKEN' if state == 'broken' else 'UNEXPLAINED'
        return '%s %s: %s%s' % (verb, label, _short(why, EVIDENCE_WIDTH), witness_text(path))
    first = findings[0]
    line = 'BROKEN at %s on %s: %s %s %s' % (
        first.get('layer') or '?', first.get('host') or '?', evidence_text(first), ARROW, fix_text(first.get('fix')))
    if len(findings) > 1:
        line += ' (+%d more)' % (len(findings) - 1)
    return line + witness_text(path) + '  [%s]' % label


def summary_lines(paths):
    return [summary_line(p) for p in paths or []]


def counts(paths):
    out = {'paths': 0, 'ok': 0, 'broken': 0, 'unexplained': 0, 'findings': 0}
    for p in paths or []:
        out['paths'] += 1
        out[path_state(p)] += 1
        out['findings'] += len(p.get('findings') or [])
    return out


def json_report(diagnosis, generated_at, collection_version=None, probes=None, timings=None, run=None):
    """The machine report as a plain dict (JSON-serialisable when the inputs are)."""
    paths = list((diagnosis or {}).get('paths') or [])
    out_paths = []
    for p in paths:
        entry = dict(p)
        entry['state'] = path_state(p)
        entry['summary_line'] = summary_line(p)
        entry['findings'] = list(p.get('findings') or [])
        entry['checks'] = list(p.get('checks') or [])
        out_paths.append(entry)
    return {
        'report_schema_version': REPORT_SCHEMA_VERSION,
        'generator': 'vmnet.doctor',
        'collection_version': collection_version,
        'generated_at': generated_at,
        'run': run or {},
        'totals': counts(paths),
        'summary_lines': summary_lines(paths),
        'paths': out_paths,
        'probes': probes if probes is not None else {},
        'timings': timings if timings is not None else {},
    }


def parse_time(value):
    """A timezone-aware datetime from an ISO 8601 string (UTC when it has no offset), or None."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def phase_seconds(marks, end):
    """Durations between time marks: ``{'started': t0, 'collect_started': t1, ...}`` and ``end``
    (ISO 8601 strings, UTC when no offset) give ``{'started': t1 - t0, ..., 'total': end - first}``,
    each phase named by the mark that opens it. Marks that do not parse are ignored."""
    points = sorted((t, name) for name, t in ((n, parse_time(v)) for n, v in (marks or {}).items())
                    if t is not None)
    end_t = parse_time(end)
    if not points or end_t is None:
        return {}
    out = {}
    for (t, name), (t_next, _n) in zip(points, points[1:] + [(end_t, 'end')]):
        out[name] = round((t_next - t).total_seconds(), 3)
    out['total'] = round((end_t - points[0][0]).total_seconds(), 3)
    return out


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False, default=str) + '\n'


def check_state(check):
    status = str(check.get('status') or '').lower()
    if status in _PASS:
        return 'pass'
    if status in _FAIL:
        return 'fail'
    return 'skipped'


def _finding_for_check(check, findings, used):
    """The finding a failing check recorded: same code when the check names one, else same
    message (the engine records the finding message as the failed check's detail) and host."""
    code = check.get('code') or check.get('finding')
    for i, f in enumerate(findings):
        if i in used:
            continue
        if code and f.get('code') == code:
            return i
    detail = check.get('detail')
    for i, f in enumerate(findings):
        if i in used:
            continue
        if detail and f.get('message') == detail and (not check.get('host') or f.get('host') == check.get('host')):
            return i
    return None


def _failure_text(finding):
    lines = [
        'code: %s' % finding.get('code'),
        'layer: %s' % finding.get('layer'),
        'host: %s' % finding.get('host'),
        'object: %s' % json.dumps(finding.get('object'), sort_keys=True, default=str),
        'direction: %s' % finding.get('direction'),
        'confidence: %s' % finding.get('confidence'),
        'message: %s' % finding.get('message'),
        'evidence: %s' % json.dumps(finding.get('evidence'), sort_keys=True, default=str),
        'proposed fix: %s' % fix_text(finding.get('fix'), width=10000),
    ]
    return '\n'.join(lines)


def _suite_name(path):
    name = path.get('name')
    label = path_label(path)
    return '%s (%s)' % (name, label) if name and name != label else label


def _classname(path):
    name = str(path.get('name') or path_label(path))
    safe = ''.join(c if c.isalnum() or c in '-_' else '_' for c in name)
    return 'vmnet_doctor.%s' % safe


def junit_tree(paths, timestamp=None):
    """An ElementTree ``testsuites`` element (see ``junit_xml``)."""
    root = ET.Element('testsuites', name='vmnet.doctor diagnose')
    total = {'tests': 0, 'failures': 0, 'skipped': 0}
    for path in paths or []:
        findings = list(path.get('findings') or [])
        checks = list(path.get('checks') or [])
        suite = ET.SubElement(root, 'testsuite', name=_suite_name(path))
        if timestamp:
            suite.set('timestamp', str(timestamp))
        props = ET.SubElement(suite, 'properties')
        for key in ('source', 'target_ip', 'target_host', 'hypervisor', 'status', 'reachable'):
            if path.get(key) is not None:
                ET.SubElement(props, 'property', name=key, value=str(path.get(key)))
        n = {'tests': 0, 'failures': 0, 'skipped': 0}
        used = set()
        cases = []
        for check in checks:
            state = check_state(check)
            name = str(check.get('id') or check.get('name') or 'check')
            if check.get('host'):
                name = '%s on %s' % (name, check['host'])
            case = ET.Element('testcase', name=name, classname=_classname(path))
            if state == 'fail':
                idx = _finding_for_check(check, findings, used)
                if idx is not None:
                    used.add(idx)
                    f = findings[idx]
                    el = ET.SubElement(case, 'failure', type=str(f.get('code')),
                                       message='%s: %s %s %s' % (f.get('code'), f.get('message'), ARROW,
                                                                 fix_text(f.get('fix'))))
                    el.text = _failure_text(f)
                else:
                    el = ET.SubElement(case, 'failure', type='CHECK_FAILED',
                                       message=_short(check.get('detail') or 'check failed', 500))
                    el.text = json.dumps(check, sort_keys=True, default=str)
                n['failures'] += 1
            elif state == 'skipped':
                ET.SubElement(case, 'skipped', message=_short(check.get('detail') or 'skipped', 500))
                n['skipped'] += 1
            elif check.get('detail'):
                ET.SubElement(case, 'system-out').text = str(check.get('detail'))
            cases.append(case)
        # Findings no check claimed still get a failing case: every finding is visible in Jenkins.
        for i, f in enumerate(findings):
            if i in used:
                continue
            case = ET.Element('testcase', name='finding %s on %s' % (f.get('code'), f.get('host')),
                              classname=_classname(path))
            el = ET.SubElement(case, 'failure', type=str(f.get('code')),
                               message='%s: %s %s %s' % (f.get('code'), f.get('message'), ARROW,
                                                         fix_text(f.get('fix'))))
            el.text = _failure_text(f)
            n['failures'] += 1
            cases.append(case)
        if not cases:
            # No check ran at all: report the path verdict itself.
            case = ET.Element('testcase', name='reachability', classname=_classname(path))
            state = path_state(path)
            if state != 'ok':
                ET.SubElement(case, 'failure', type='UNREACHABLE' if state == 'unexplained' else 'BROKEN',
                              message=_short(path.get('summary') or 'not reachable and no check explains it', 500))
                n['failures'] += 1
            cases.append(case)
        for case in cases:
            suite.append(case)
        n['tests'] = len(cases)
        for key, value in n.items():
            suite.set(key, str(value))
            total[key] += value
        suite.set('errors', '0')
    for key, value in total.items():
        root.set(key, str(value))
    root.set('errors', '0')
    return root


_XML_BAD = re.compile(u'[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


def _xml_clean(root):
    """Replace characters XML 1.0 cannot carry even escaped (control characters) with U+FFFD."""
    for el in root.iter():
        if el.text:
            el.text = _XML_BAD.sub(u'\ufffd', el.text)
        for key, value in list(el.attrib.items()):
            el.set(key, _XML_BAD.sub(u'\ufffd', value))
    return root


def junit_xml(paths, timestamp=None):
    """JUnit XML text (UTF-8 declaration, escaped by ElementTree, control characters replaced)."""
    root = _xml_clean(junit_tree(paths, timestamp=timestamp))
    body = ET.tostring(root, encoding='unicode')
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + '\n'


# ------------------------------------------------------------------ remediation (role remediate)
# A remediation path is the diagnosis path plus: ``fixes`` (each ``{id, host, module, args, codes,
# status, reason, before, after, changes}``, status applied|verified|rolled back|skipped|unchanged|
# failed|would apply), ``findings`` (each with ``status`` planned|manual|skipped), ``result``
# (ok|restored|improved|broken|check), ``reachable_after`` and ``seconds_to_reachable``.

def fix_status_counts(fixes):
    out = {}
    for f in fixes or []:
        out[f.get('status')] = out.get(f.get('status'), 0) + 1
    return out


def remediation_summary_line(path, check_mode=False):
    """One line per path: ``RESTORED in 4.2 s  host -> 10.0.0.11: 2 verified, 1 rolled back, 1 manual``."""
    label = path_label(path)
    fixes = path.get('fixes') or []
    manual = [f for f in path.get('findings') or [] if f.get('status') == 'manual']
    counts = fix_status_counts(fixes)
    parts = ['%d %s' % (n, s) for s, n in sorted(counts.items())]
    if manual:
        parts.append('%d manual (%s)' % (len(manual), ', '.join(sorted(set(str(f.get('code')) for f in manual)))))
    if not parts and path.get('status') == 'unexplained' and not path.get('findings'):
        # an unreachable host or a path the engine could not explain is not "nothing to fix"
        parts.append(path.get('summary') or 'not explained: no cause found, nothing was changed')
    detail = ', '.join(parts) or 'nothing to fix'
    if check_mode:
        changes = ['%s on %s: %s' % (short_fix_module(f.get('module')), f.get('host'),
                                     '; '.join(fix_commands(f)) or 'no command listed')
                   for f in fixes if f.get('status') == 'would apply']
        return 'CHECK %s: %s%s' % (label, detail, (' | would change: ' + ' | '.join(changes)) if changes else '')
    result = path.get('result') or ('restored' if path.get('reachable_after') else 'broken')
    if result == 'ok':
        return 'OK  %s: already reachable, nothing changed' % label
    if result == 'restored':
        secs = path.get('seconds_to_reachable')
        return 'RESTORED %s%s: %s' % (label, ' in %.1f s' % secs if secs is not None else '', detail)
    return '%s %s: %s%s' % (result.upper(), label, detail, _probe_note(path.get('probes_after')))


def _probe_note(classes):
    """' | forward ping: 100 % loss; reverse: no reply' - what the final probes say on a path not restored."""
    parts = []
    for name, label in (('forward', 'forward ping'), ('forward_large', 'large DF probe'), ('reverse', 'reverse ping')):
        c = (classes or {}).get(name)
        if c:
            parts.append('%s: %s' % (label, 'answers' if c.get('reachable') else '%g %% loss' % float(
                c.get('loss', 100.0))))
    return (' | ' + '; '.join(parts)) if parts else ''


def fix_commands(fix):
    """The commands of a fix as text: ``commands`` of the fixer result shape (a list of strings on
    every platform); ``changes`` (structured) is never joined as text."""
    return [u'%s' % c for c in fix.get('commands') or []]


def remediation_summary_lines(paths, check_mode=False):
    return [remediation_summary_line(p, check_mode=check_mode) for p in paths or []]


def remediation_report(paths, generated_at, collection_version=None, run=None, check_mode=False, started=None):
    totals = {'paths': 0, 'restored': 0, 'ok': 0, 'broken': 0, 'improved': 0, 'check': 0, 'fixes': {}}
    for p in paths or []:
        totals['paths'] += 1
        totals[p.get('result', 'broken')] = totals.get(p.get('result', 'broken'), 0) + 1
        for s, n in fix_status_counts(p.get('fixes')).items():
            totals['fixes'][s] = totals['fixes'].get(s, 0) + n
    return {
        'report_schema_version': REPORT_SCHEMA_VERSION,
        'kind': 'remediation',
        'generator': 'vmnet.doctor',
        'collection_version': collection_version,
        'generated_at': generated_at,
        'started': started,
        'check_mode': bool(check_mode),
        'run': run or {},
        'totals': totals,
        'summary_lines': remediation_summary_lines(paths, check_mode=check_mode),
        'paths': list(paths or []),
    }


def remediation_junit_xml(paths, timestamp=None):
    """JUnit: one testsuite per path, a testcase per fix (failure when rolled back or failed,
    skipped when skipped/manual/would apply) and one for the end-to-end reachability."""
    root = ET.Element('testsuites', name='vmnet.doctor remediate')
    total = {'tests': 0, 'failures': 0, 'skipped': 0}
    for path in paths or []:
        suite = ET.SubElement(root, 'testsuite', name=_suite_name(path))
        if timestamp:
            suite.set('timestamp', str(timestamp))
        n = {'tests': 0, 'failures': 0, 'skipped': 0}
        for f in path.get('fixes') or []:
            case = ET.SubElement(suite, 'testcase', classname=_classname(path),
                                 name='%s %s on %s' % (f.get('id'), short_fix_module(f.get('module')), f.get('host')))
            text = json.dumps({'codes': f.get('codes'), 'args': f.get('args'), 'before': f.get('before'),
                               'after': f.get('after'), 'changes': f.get('changes'), 'commands': f.get('commands'),
                               'reason': f.get('reason')},
                              sort_keys=True, default=str)
            status = f.get('status')
            if status in ('rolled back', 'failed'):
                el = ET.SubElement(case, 'failure', type=status.upper().replace(' ', '_'),
                                   message=_short('%s: %s' % (status, f.get('reason')), 500))
                el.text = text
                n['failures'] += 1
            elif status in ('skipped', 'would apply'):
                ET.SubElement(case, 'skipped', message=_short('%s: %s' % (status, f.get('reason') or ''), 500))
                n['skipped'] += 1
            else:
                ET.SubElement(case, 'system-out').text = '%s: %s' % (status, text)
            n['tests'] += 1
        for f in path.get('findings') or []:
            if f.get('status') in ('manual', 'skipped'):
                case = ET.SubElement(suite, 'testcase', classname=_classname(path),
                                     name='finding %s on %s (%s)' % (f.get('code'), f.get('host'), f.get('status')))
                ET.SubElement(case, 'skipped', message=_short(f.get('reason') or f.get('message') or '', 500))
                n['skipped'] += 1
                n['tests'] += 1
        case = ET.SubElement(suite, 'testcase', classname=_classname(path), name='reachable end to end')
        if path.get('seconds_to_reachable') is not None:
            case.set('time', str(path['seconds_to_reachable']))
        if path.get('result') != 'check' and not path.get('reachable_after'):
            ET.SubElement(case, 'failure', type='UNREACHABLE', message='path not reachable after remediation')
            n['failures'] += 1
        n['tests'] += 1
        for key, value in n.items():
            suite.set(key, str(value))
            total[key] += value
        suite.set('errors', '0')
    for key, value in total.items():
        root.set(key, str(value))
    root.set('errors', '0')
    root = _xml_clean(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'


def short_fix_module(name):
    name = str(name or '')
    return name[len('vmnet.doctor.'):] if name.startswith('vmnet.doctor.') else name
