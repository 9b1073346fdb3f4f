# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus text exposition (node_exporter textfile collector) of a vmnet.doctor JSON report.

Pure: ``render(report, state=None)`` returns the text; the ``vmnet.doctor.doctor_metrics``
action writes it atomically. Every family has ``# HELP`` and ``# TYPE``; label values are
escaped (backslash, double quote, newline); samples of one family are contiguous; no
timestamps (the textfile collector rejects them).

Per path (labels ``path``, ``source``, ``target``), from the report's probe of the source host:
``vmnet_doctor_path_reachable``, ``vmnet_doctor_path_loss_ratio``, ``vmnet_doctor_path_rtt_seconds``
(average), ``vmnet_doctor_path_mtu_bytes`` (when measured), ``vmnet_doctor_path_ok``. Loss, RTT
and MTU are those of the probe at the start of the run; for a path remediated in the run
(``reachable_after`` set), reachable and OK are its state at the end of the run.
Per finding code: ``vmnet_doctor_findings``. From the scheduled-run state (``state``) per path:
``vmnet_doctor_remediation_last_timestamp_seconds``, ``vmnet_doctor_remediation_last_success``,
``vmnet_doctor_remediations_total``, ``vmnet_doctor_path_escalated`` (label ``reason``).
Per run: ``vmnet_doctor_run_timestamp_seconds``, ``vmnet_doctor_run_paths``,
``vmnet_doctor_run_hosts_changed``, ``vmnet_doctor_run_lock_busy``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import math

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting.report import parse_time

FAMILIES = (
    ('vmnet_doctor_path_reachable', 'gauge', '1 when the source host got an echo reply from the VM in the last probe, else 0.'),
    ('vmnet_doctor_path_loss_ratio', 'gauge', 'Echo requests lost in the last probe, ratio 0..1.'),
    ('vmnet_doctor_path_rtt_seconds', 'gauge', 'Average round-trip time of the last probe, seconds.'),
    ('vmnet_doctor_path_mtu_bytes', 'gauge', 'Largest IP packet that crossed the path with do-not-fragment set, bytes.'),
    ('vmnet_doctor_path_ok', 'gauge', '1 when the path is OK, 0 when it is broken or unexplained.'),
    ('vmnet_doctor_findings', 'gauge', 'Findings of the last diagnosis, by finding code.'),
    ('vmnet_doctor_remediation_last_timestamp_seconds', 'gauge',
     'Unix time of the last remediation attempt on the path.'),
    ('vmnet_doctor_remediation_last_success', 'gauge',
     '1 when the last remediation of the path made it answer again, else 0.'),
    ('vmnet_doctor_remediations_total', 'counter', 'Remediation attempts on the path since the state file was created.'),
    ('vmnet_doctor_path_escalated', 'gauge', '1 when the path is escalated to a person (no automatic change), by reason.'),
    ('vmnet_doctor_run_timestamp_seconds', 'gauge', 'Unix time the report was generated.'),
    ('vmnet_doctor_run_paths', 'gauge', 'Paths in the last run, by state.'),
    ('vmnet_doctor_run_hosts_changed', 'gauge', 'Hosts changed by the last scheduled run.'),
    ('vmnet_doctor_run_lock_busy', 'gauge', '1 when the last scheduled run found another run holding the lock.'),
)


def escape_label(value):
    return str(value).replace('\\', '\\\\').replace('\n', '\\n').replace('"', '\\"')


def escape_help(value):
    return str(value).replace('\\', '\\\\').replace('\n', '\\n')


def format_value(value):
    if isinstance(value, bool):
        return '1' if value else '0'
    value = float(value)
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return '+Inf' if value > 0 else '-Inf'
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _labels(labels):
    if not labels:
        return ''
    return '{' + ','.join('%s="%s"' % (k, escape_label(v)) for k, v in sorted(labels.items())) + '}'


def _epoch(value):
    """Unix time from a number or an ISO 8601 string (UTC when no offset); None when unusable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    parsed = parse_time(value)
    if parsed is None:
        return None
    return (parsed - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds()


def path_key(path):
    return str(path.get('name') or '%s -> %s' % (path.get('source'), path.get('target_ip')))


def forward_probe(report, path):
    """The forward icmp_probe result of a path: from the path (``probe``/``probes.forward``) or from
    the report's ``probes[source].forward`` list (matched on target)."""
    if isinstance(path.get('probe'), dict):
        return path['probe']
    probes = path.get('probes')
    if isinstance(probes, dict) and isinstance(probes.get('forward'), dict):
        return probes['forward']
    by_host = (report.get('probes') or {}).get(path.get('source')) or {}
    for result in by_host.get('forward') or []:
        if result.get('target') == path.get('target_ip') or result.get('address') == path.get('target_ip'):
            return result
    return None


def _path_state(path):
    state = path.get('state')
    if state:
        return state
    if path.get('findings'):
        return 'broken'
    return 'ok' if path.get('reachable') or str(path.get('status')).lower() == 'ok' else 'unexplained'


def samples(report, state=None, lock_busy=None):
    """{family: [(labels, value)]} for ``report`` (a vmnet.doctor JSON report) and ``state``."""
    out = dict((name, []) for name, _t, _h in FAMILIES)
    report = report or {}
    findings = {}
    states = {'ok': 0, 'broken': 0, 'unexplained': 0}
    for path in report.get('paths') or []:
        labels = {'path': path_key(path), 'source': path.get('source') or '',
                  'target': path.get('target_ip') or ''}
        probe = forward_probe(report, path)
        after = path.get('reachable_after')
        if isinstance(after, bool):
            # Remediated in this run: reachability at the end of the run.
            out['vmnet_doctor_path_reachable'].append((labels, after))
        elif probe:
            out['vmnet_doctor_path_reachable'].append((labels, bool(probe.get('reachable'))))
        elif path.get('reachable') is not None:
            out['vmnet_doctor_path_reachable'].append((labels, bool(path.get('reachable'))))
        if probe:
            if probe.get('loss_percent') is not None:
                out['vmnet_doctor_path_loss_ratio'].append((labels, round(float(probe['loss_percent']) / 100.0, 6)))
            avg = (probe.get('rtt') or {}).get('avg')
            if avg is not None:
                out['vmnet_doctor_path_rtt_seconds'].append((labels, float(avg) / 1000.0))
            if probe.get('path_mtu'):
                out['vmnet_doctor_path_mtu_bytes'].append((labels, int(probe['path_mtu'])))
        pstate = _path_state(path)
        states[pstate] = states.get(pstate, 0) + 1
        out['vmnet_doctor_path_ok'].append((labels, pstate == 'ok' or after is True))
        for finding in path.get('findings') or []:
            code = str(finding.get('code') or 'UNKNOWN')
            findings[code] = findings.get(code, 0) + 1
    for code in sorted(findings):
        out['vmnet_doctor_findings'].append(({'code': code}, findings[code]))
    for name in sorted(states):
        out['vmnet_doctor_run_paths'].append(({'state': name}, states[name]))
    generated = _epoch(report.get('generated_at'))
    if generated is not None:
        out['vmnet_doctor_run_timestamp_seconds'].append(({}, generated))
    if state:
        for key in sorted((state.get('paths') or {})):
            entry = state['paths'][key]
            labels = {'path': key}
            if entry.get('last_fix_at') is not None:
                out['vmnet_doctor_remediation_last_timestamp_seconds'].append((labels, float(entry['last_fix_at'])))
                out['vmnet_doctor_remediation_last_success'].append((labels, entry.get('last_fix_result') == 'fixed'))
            out['vmnet_doctor_remediations_total'].append((labels, int(entry.get('fix_count') or 0)))
            if entry.get('escalated'):
                out['vmnet_doctor_path_escalated'].append((dict(labels, reason=entry['escalated']), 1))
        last = state.get('last_run') or {}
        if 'hosts_changed' in last or 'at' in last:
            out['vmnet_doctor_run_hosts_changed'].append(({}, len(last.get('hosts_changed') or [])))
    if lock_busy is not None:
        out['vmnet_doctor_run_lock_busy'].append(({}, bool(lock_busy)))
    return out


def render(report, state=None, lock_busy=None):
    """The textfile-collector text: families with samples only, HELP and TYPE first, trailing newline."""
    data = samples(report, state=state, lock_busy=lock_busy)
    lines = []
    for name, kind, text in FAMILIES:
        rows = data[name]
        if not rows:
            continue
        lines.append('# HELP %s %s' % (name, escape_help(text)))
        lines.append('# TYPE %s %s' % (name, kind))
        for labels, value in rows:
            lines.append('%s%s %s' % (name, _labels(labels), format_value(value)))
    return '\n'.join(lines) + '\n'
