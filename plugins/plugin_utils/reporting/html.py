# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A self-contained HTML page of a vmnet.doctor JSON report, for people who do not read YAML.

Pure: ``render(report)`` returns the page text. No external assets (inline CSS and SVG only, no
script, no link, no image URL), every value from the report HTML-escaped.

Each path is drawn as three hops, host -> switch -> VM, as an inline SVG. The hop that owns
the first finding is marked broken (red, with a cross); a path that is down with no finding gets
its links marked unexplained. Beside the drawing: the findings (code, layer, host, message,
proposed fix) and, when the report carries them, the fixes applied with their status and the
scheduled-run decision (remediate, cooldown, escalate and why).

When the packet witness ran on a path (``path.witness``, issue 12), the hop or link where the echo
(or its ARP / ND) stopped is marked ("echo dropped here" / "echo lost here"), also on a path no
model finding explains, and a table shows per hop and interface the echo requests/replies and
ARP/ND packets seen in each direction and the kernel's drop records (reason, location).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from html import escape as _escape

HOPS = ('host', 'switch', 'vm')
# Witness roles (checks_witness.ROLES) -> hops of the drawing.
ROLE_HOP = {'source': 'host', 'switch': 'switch', 'target': 'vm'}
LINKS = {('host', 'switch'): 'host-switch', ('switch', 'vm'): 'switch-vm'}
COLORS = {'ok': '#2e7d32', 'broken': '#c62828', 'unknown': '#9e9e9e', 'warn': '#ef6c00'}

CSS = u"""
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:24px;color:#212121;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}
.meta{color:#616161;font-size:13px;margin-bottom:16px}
.totals span{display:inline-block;margin-right:14px;padding:3px 10px;border-radius:12px;font-size:13px;color:#fff}
.t-ok{background:#2e7d32}.t-broken{background:#c62828}.t-unexplained{background:#ef6c00}.t-paths{background:#455a64}
.path{display:flex;flex-wrap:wrap;gap:16px;background:#fff;border:1px solid #e0e0e0;border-left:6px solid #9e9e9e;
 border-radius:6px;padding:14px;margin:14px 0}
.path.ok{border-left-color:#2e7d32}.path.broken{border-left-color:#c62828}.path.unexplained{border-left-color:#ef6c00}
.drawing{flex:0 0 460px}
.details{flex:1 1 420px;min-width:320px}
h2{font-size:16px;margin:0 0 6px}
.state{font-weight:bold;text-transform:uppercase;font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;margin-left:6px}
.state.ok{background:#2e7d32}.state.broken{background:#c62828}.state.unexplained{background:#ef6c00}
.summary{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px;background:#f5f5f5;padding:6px;
 border-radius:4px;white-space:pre-wrap;word-break:break-word}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
th,td{border-bottom:1px solid #eee;text-align:left;padding:4px 6px;vertical-align:top}
th{background:#f5f5f5;font-weight:600}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.status-fixed,.status-ok,.status-changed,.status-verified{color:#2e7d32;font-weight:bold}
.status-failed,.status-rolled_back,.status-error{color:#c62828;font-weight:bold}
.decision{margin-top:8px;font-size:13px}
.decision b{text-transform:uppercase}
.none{color:#757575;font-style:italic;font-size:13px}
.witness h3{font-size:14px;margin:12px 0 2px}
.witness .located{font-size:13px;margin:2px 0}
tr.stop td{background:#ffebee;font-weight:600}
.num{text-align:right;font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace}
"""


def esc(value):
    if value is None:
        return ''
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else str(value)
    return _escape(value, quote=True)


def path_key(path):
    return str(path.get('name') or '%s -> %s' % (path.get('source'), path.get('target_ip')))


def path_state(path):
    state = path.get('state')
    if state in ('ok', 'broken', 'unexplained'):
        return state
    if path.get('findings'):
        return 'broken'
    status = str(path.get('status') or '').lower()
    if status in ('ok', 'healthy') or (not status and path.get('reachable') is True):
        return 'ok'
    return 'unexplained'


def hop_of(path, finding):
    """Which hop owns a finding: the host it names (source, hypervisor or target host), else
    the layer's usual place, else None."""
    host = finding.get('host')
    if host and host == path.get('source'):
        return 'host'
    if host and host == path.get('hypervisor'):
        return 'switch'
    if host and host == path.get('target_host'):
        return 'vm'
    layer = str(finding.get('layer') or '')
    if layer in ('bridge', 'switch', 'vlan', 'vswitch', 'portgroup', 'forwarding'):
        return 'switch'
    return None


def _stopped(path):
    """``path.witness.stopped`` (checks_witness.stopped_at) when the report carries one, else {}."""
    witness = path.get('witness')
    stopped = witness.get('stopped') if isinstance(witness, dict) else None
    return stopped if isinstance(stopped, dict) else {}


def witness_stop(path):
    """Where the witness saw the exchange stop: ('hop', hop) or ('link', link name), or None.

    A link between the source and the target of a path with no switch hop is drawn as both links."""
    stopped = _stopped(path)
    if stopped.get('role') not in ROLE_HOP:
        return None
    hop = ROLE_HOP[stopped['role']]
    if stopped.get('at') == 'link' and stopped.get('from_role') in ROLE_HOP:
        ends = sorted((ROLE_HOP[stopped['from_role']], hop), key=HOPS.index)
        return ('link', LINKS.get(tuple(ends), 'both'))
    return ('hop', hop)


def hop_states(path):
    """{'host'|'switch'|'vm': 'ok'|'broken'|'unknown'} and the state of the two links."""
    state = path_state(path)
    hops = dict((h, 'ok' if state == 'ok' else 'unknown') for h in HOPS)
    links = {'host-switch': 'ok' if state == 'ok' else 'unknown', 'switch-vm': 'ok' if state == 'ok' else 'unknown'}
    placed = False
    for finding in path.get('findings') or []:
        hop = hop_of(path, finding)
        if hop:
            hops[hop] = 'broken'
            placed = True
    stop = witness_stop(path) if state != 'ok' else None
    if stop and not placed:
        # No finding names a hop (unexplained, or findings on other hosts): the witness places the loss.
        placed = True
        if stop[0] == 'hop':
            hops[stop[1]] = 'broken'
        for h in HOPS:
            hops[h] = 'broken' if hops[h] == 'broken' else 'ok'
        for link in links:
            links[link] = 'broken' if stop[0] == 'link' and stop[1] in (link, 'both') else 'ok'
        return hops, links
    if state != 'ok' and placed:
        for h in HOPS:
            if hops[h] == 'unknown':
                hops[h] = 'ok'
        for link in links:
            links[link] = 'ok'
    elif state != 'ok':
        for link in links:
            links[link] = 'broken'
    return hops, links


def _node(x, label, sublabel, kind, state, fixed=False, witness=None):
    color = COLORS['broken'] if state == 'broken' else (COLORS['ok'] if state == 'ok' else COLORS['unknown'])
    parts = [u'<g class="hop hop-%s state-%s" data-hop="%s" data-state="%s">' % (kind, state, kind, state),
             u'<rect x="%d" y="20" width="120" height="64" rx="8" fill="#fff" stroke="%s" stroke-width="%d"/>'
             % (x, color, 4 if state == 'broken' else 2),
             u'<text x="%d" y="44" text-anchor="middle" font-size="13" font-weight="bold" fill="#212121">%s</text>'
             % (x + 60, esc(label)),
             u'<text x="%d" y="64" text-anchor="middle" font-size="11" fill="#616161">%s</text>'
             % (x + 60, esc(sublabel[:22]))]
    if state == 'broken' and fixed:
        # Broken at the start of the run, fixed and verified since: a green check.
        parts.append(u'<circle cx="%d" cy="20" r="11" fill="%s"/>' % (x + 112, COLORS['ok']))
        parts.append(u'<path d="M%d 20 L%d 25 L%d 14" stroke="#fff" stroke-width="3" fill="none"/>'
                     % (x + 106, x + 110, x + 118))
    elif state == 'broken':
        parts.append(u'<circle cx="%d" cy="20" r="11" fill="%s"/>' % (x + 112, color))
        parts.append(u'<path d="M%d 14 L%d 26 M%d 14 L%d 26" stroke="#fff" stroke-width="3"/>'
                     % (x + 106, x + 118, x + 118, x + 106))
    if state == 'broken':
        parts.append(u'<text x="%d" y="104" text-anchor="middle" font-size="12" font-weight="bold" fill="%s">%s</text>'
                     % (x + 60, COLORS['ok'] if fixed else color, u'fixed here' if fixed else u'broken here'))
    if witness:
        parts.append(u'<text class="witness-stop" x="%d" y="124" text-anchor="middle" font-size="12" '
                     u'font-weight="bold" fill="%s">%s</text>' % (x + 60, COLORS['warn'], esc(witness)))
    parts.append(u'</g>')
    return u''.join(parts)


def _link(x1, x2, state, witness=None):
    color = COLORS['broken'] if state == 'broken' else (COLORS['ok'] if state == 'ok' else COLORS['unknown'])
    dash = u' stroke-dasharray="6 4"' if state != 'ok' else u''
    out = (u'<g class="link state-%s" data-state="%s"><line x1="%d" y1="52" x2="%d" y2="52" stroke="%s" '
           u'stroke-width="3"%s/><path d="M%d 46 L%d 52 L%d 58 Z" fill="%s"/>'
           % (state, state, x1, x2 - 8, color, dash, x2 - 8, x2, x2 - 8, color))
    if witness:
        mid = (x1 + x2) // 2
        out += (u'<path class="witness-stop" d="M%d 34 L%d 46 M%d 34 L%d 46" stroke="%s" stroke-width="3"/>'
                u'<text class="witness-stop" x="%d" y="124" text-anchor="middle" font-size="12" font-weight="bold" '
                u'fill="%s">%s</text>' % (mid - 6, mid + 6, mid + 6, mid - 6, COLORS['broken'], mid, COLORS['warn'],
                                          esc(witness)))
    elif state == 'broken':
        mid = (x1 + x2) // 2
        out += u'<text x="%d" y="40" text-anchor="middle" font-size="16" font-weight="bold" fill="%s">?</text>' % (
            mid, color)
    return out + u'</g>'


def svg(path):
    hops, links = hop_states(path)
    host = path.get('source') or '?'
    switch = path.get('hypervisor') or 'switch'
    vm = path.get('target_host') or path.get('target_ip') or '?'
    nodes = [(10, 'host', host, 'physical host'), (170, 'switch', switch, 'virtual switch'),
             (330, 'vm', vm, path.get('target_ip') or 'VM')]
    stop = witness_stop(path) if path_state(path) != 'ok' else None
    exchange = _stopped(path).get('exchange') or 'echo'
    what = u'%s %s here' % ('ARP/ND' if exchange == 'neighbor' else exchange,
                            'dropped' if (stop or ('',))[0] == 'hop' and _stopped(path).get('reason') else 'lost')
    body = [u'<svg xmlns="http://www.w3.org/2000/svg" width="460" height="132" viewBox="0 0 460 132" '
            u'role="img" aria-label="%s">' % esc('path %s' % path_key(path))]
    body.append(_link(130, 170, links['host-switch'],
                      witness=what if stop and stop[1] in ('host-switch', 'both') else None))
    body.append(_link(290, 330, links['switch-vm'], witness=what if stop and stop[1] == 'switch-vm' else None))
    for x, kind, label, sub in nodes:
        body.append(_node(x, label, sub, kind, hops[kind], fixed=path.get('reachable_after') is True,
                          witness=what if stop == ('hop', kind) else None))
    body.append(u'</svg>')
    return u''.join(body)


def _fix_text(fix):
    if not fix:
        return u'none proposed'
    if fix.get('manual') or not fix.get('module'):
        return u'manual: %s' % (fix.get('reason') or 'see the finding')
    module = str(fix['module']).replace('vmnet.doctor.', '')
    args = json.dumps(fix.get('args') or {}, sort_keys=True, default=str)
    return u'%s on %s %s' % (module, fix.get('host') or '?', args)


def fixes_of(report, path):
    """Fixes applied to a path, as ``[{module, host, args, status, detail}]``, from the path
    (``fixes`` or ``remediation.fixes``) or from ``report.run.remediation[<path>]``."""
    for candidate in (path.get('fixes'), (path.get('remediation') or {}).get('fixes')
                      if isinstance(path.get('remediation'), dict) else None):
        if isinstance(candidate, list):
            return candidate
    remediation = ((report.get('run') or {}).get('remediation') or {})
    entry = remediation.get(path_key(path)) if isinstance(remediation, dict) else None
    if isinstance(entry, dict) and isinstance(entry.get('fixes'), list):
        return entry['fixes']
    if isinstance(entry, list):
        return entry
    return []


def decision_of(report, path):
    for action in ((report.get('run') or {}).get('schedule') or {}).get('actions') or []:
        if action.get('key') == path_key(path):
            return action
    return None


def _proposed_fix(path, finding):
    """The fix text of a finding: a diagnosis finding carries the fix itself; a remediation
    finding carries the id of the fix in ``path.fixes`` (or none, with its status and reason)."""
    fix = finding.get('fix')
    if isinstance(fix, dict) or (fix is None and not finding.get('status')):
        return _fix_text(fix)
    if fix is None:
        return u'%s: %s' % (finding.get('status'), finding.get('reason') or 'no automatic fix')
    for applied in path.get('fixes') or []:
        if isinstance(applied, dict) and applied.get('id') == fix:
            return u'%s: %s (%s)' % (fix, _fix_text(applied), applied.get('status') or 'planned')
    return u'%s' % fix


def _findings_table(path):
    findings = path.get('findings') or []
    if not findings:
        return u'<p class="none">No findings.</p>'
    rows = [u'<table class="findings"><thead><tr><th>Code</th><th>Layer</th><th>Host</th><th>What is wrong</th>'
            u'<th>Proposed fix</th></tr></thead><tbody>']
    for f in findings:
        rows.append(u'<tr class="finding" data-code="%s"><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td>'
                    u'<td><code>%s</code></td></tr>'
                    % (esc(f.get('code')), esc(f.get('code')), esc(f.get('layer')), esc(f.get('host')),
                       esc(f.get('message')), esc(_proposed_fix(path, f))))
    rows.append(u'</tbody></table>')
    return u''.join(rows)


def _fix_detail(fix):
    """The reason of a fix's status and the commands it ran (or would run), from the fixer result
    shape (``commands``: a list of strings on every platform)."""
    parts = [str(fix.get(k)) for k in ('detail', 'reason', 'msg') if fix.get(k)][:1]
    commands = [u'%s' % c for c in fix.get('commands') or []]
    if commands:
        parts.append(u'%s: %s' % ('would run' if fix.get('status') == 'would apply' else 'ran', u'; '.join(commands)))
    return u' \u2014 '.join(parts)


def _fixes_table(fixes):
    if not fixes:
        return u''
    rows = [u'<table class="fixes"><thead><tr><th>Fix applied</th><th>Host</th><th>Status</th><th>Detail</th>'
            u'</tr></thead><tbody>']
    for fx in fixes:
        status = str(fx.get('status') or 'unknown')
        safe = ''.join(c if c.isalnum() or c == '_' else '_' for c in status.lower())
        rows.append(u'<tr class="fix"><td><code>%s %s</code></td><td>%s</td><td class="status-%s">%s</td>'
                    u'<td>%s</td></tr>'
                    % (esc(str(fx.get('module') or '').replace('vmnet.doctor.', '')),
                       esc(json.dumps(fx.get('args') or {}, sort_keys=True, default=str)),
                       esc(fx.get('host')), safe, esc(status), esc(_fix_detail(fx))))
    rows.append(u'</tbody></table>')
    return u''.join(rows)


def _pair(counters, kind):
    ins = ((counters or {}).get('in') or {}).get(kind) or 0
    outs = ((counters or {}).get('out') or {}).get(kind) or 0
    return u'%d / %d' % (ins, outs)


def _neighbor_pair(counters):
    """ARP and IPv6 ND together: requests (ARP request, neighbour solicitation) and replies, in / out."""
    def count(direction, kinds):
        per = (counters or {}).get(direction) or {}
        return sum(per.get(k) or 0 for k in kinds)
    request, reply = ('arp_request', 'nd_solicit'), ('arp_reply', 'nd_advert')
    counts = (count('in', request), count('out', request), count('in', reply), count('out', reply))
    return u'%d / %d req, %d / %d reply' % counts


def _drop_text(drop):
    packet = drop.get('packet') or {}
    text = u'%s at %s' % (drop.get('reason') or '?', drop.get('location') or '?')
    if packet.get('kind'):
        text += u' (%s %s -> %s)' % (str(packet['kind']).replace('_', ' '), packet.get('src'), packet.get('dst'))
    return text


def _verdict_text(rule):
    return u'nft %s %s %s %s' % (rule.get('family'), rule.get('table'), rule.get('chain'),
                                 'policy %s' % rule.get('verdict') if rule.get('policy')
                                 else 'handle %s (%s)' % (rule.get('handle'), rule.get('verdict')))


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _witness_rows(path, role, hop, stopped):
    """Table rows of one hop: one per interface with its counters and drop records (stop row marked)."""
    host = {'source': path.get('source'), 'switch': path.get('hypervisor'),
            'target': path.get('target_host') or path.get('target_ip')}.get(role) or role
    label = u'%s <small>(%s)</small>' % (esc(host), esc(role))
    if not hop.get('available'):
        return [u'<tr class="witness-hop" data-role="%s"><td>%s</td><td colspan="5" class="none">not witnessed: '
                u'%s</td></tr>' % (esc(role), label, esc(hop.get('why') or 'the witness could not run'))]
    drops = [d for d in hop.get('drops') or [] if isinstance(d, dict)]
    names = sorted(hop.get('interfaces') or {})
    names += sorted(set(str(d.get('interface')) for d in drops if d.get('interface') and d['interface'] not in names))
    rows = []
    for name in names or [None]:
        counters = (hop.get('interfaces') or {}).get(name) or {}
        here = [_drop_text(d) for d in drops if d.get('interface') == name or (name is None and not d.get('interface'))]
        if name == (names[-1] if names else None):
            here += [_verdict_text(v) for v in hop.get('nft_verdicts') or [] if isinstance(v, dict)]
        here = [u'%s \u00d7%d' % (t, here.count(t)) if here.count(t) > 1 else t for t in _unique(here)]
        stop = stopped.get('role') == role and (stopped.get('interface') in (name, None))
        rows.append(u'<tr class="witness-hop%s" data-role="%s" data-interface="%s"><td>%s<br><small>drop records: %s</small>'
                    u'</td><td><code>%s</code></td><td class="num">%s</td><td class="num">%s</td><td class="num">%s'
                    u'</td><td>%s</td></tr>'
                    % (' stop' if stop else '', esc(role), esc(name), label, esc(hop.get('drop_source') or 'none'),
                       esc(name or '-'), _pair(counters, 'echo_request'), _pair(counters, 'echo_reply'),
                       _neighbor_pair(counters), esc(u'; '.join(here)) or u'<span class="none">none</span>'))
    return rows


def _witness_table(path):
    """The per-hop witness (counters in / out, drop records) and where it saw the exchange stop."""
    witness = path.get('witness')
    if not isinstance(witness, dict) or not isinstance(witness.get('hops'), dict):
        return u''
    stopped = _stopped(path)
    where = witness.get('located') or witness.get('why') or 'the witness saw no loss'
    rows = [u'<div class="witness"><h3>Packet witness</h3><p class="located">Where it stopped: <b>%s</b></p>'
            % esc(where),
            u'<table class="witness-hops"><thead><tr><th>Hop</th><th>Interface</th><th>Echo request in / out</th>'
            u'<th>Echo reply in / out</th><th>ARP / ND in / out</th><th>Kernel drops, nft trace</th></tr></thead>'
            u'<tbody>']
    for role in ('source', 'switch', 'target'):
        hop = witness['hops'].get(role)
        if isinstance(hop, dict):
            rows.extend(_witness_rows(path, role, hop, stopped))
    rows.append(u'</tbody></table></div>')
    return u''.join(rows)


def _after_badge(path):
    """A second badge with the state after the remediation, when the report carries it."""
    after = path.get('reachable_after')
    if after is True:
        return u'<span class="state ok after">fixed</span>'
    if after is False:
        return u'<span class="state broken after">still broken</span>'
    return u''


def _path_section(report, path):
    state = path_state(path)
    parts = [u'<section class="path %s" data-path="%s" data-state="%s">' % (state, esc(path_key(path)), state),
             u'<div class="drawing">%s</div>' % svg(path),
             u'<div class="details"><h2>%s<span class="state %s">%s</span>%s</h2>'
             % (esc(path_key(path)), state, esc(state), _after_badge(path)),
             (u'<div class="summary">%s</div>' % esc(path.get('summary_line') or path.get('summary'))
              if path.get('summary_line') or path.get('summary') else u''),
             _findings_table(path), _witness_table(path), _fixes_table(fixes_of(report, path))]
    decision = decision_of(report, path)
    if decision:
        parts.append(u'<p class="decision">Scheduled run: <b>%s</b>%s. %s</p>'
                     % (esc(decision.get('action')),
                        esc(' (%s)' % decision['reason']) if decision.get('reason') else u'',
                        esc(decision.get('detail'))))
    parts.append(u'</div></section>')
    return u''.join(parts)


def render(report, title=None):
    report = report or {}
    paths = report.get('paths') or []
    totals = {'paths': len(paths), 'ok': 0, 'broken': 0, 'unexplained': 0}
    for p in paths:
        totals[path_state(p)] += 1
    title = title or 'vmnet.doctor report'
    head = (u'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            u'<meta name="viewport" content="width=device-width, initial-scale=1">'
            u'<title>%s</title><style>%s</style></head><body>' % (esc(title), CSS))
    meta = u'<p class="meta">Generated %s by vmnet.doctor %s</p>' % (
        esc(report.get('generated_at') or 'unknown'), esc(report.get('collection_version') or ''))
    badges = u'<p class="totals">%s</p>' % u''.join(
        u'<span class="t-%s">%s: %d</span>' % (k, k, totals[k]) for k in ('paths', 'ok', 'broken', 'unexplained'))
    body = [head, u'<h1>%s</h1>' % esc(title), meta, badges]
    if not paths:
        body.append(u'<p class="none">The report has no paths.</p>')
    for p in paths:
        body.append(_path_section(report, p))
    body.append(u'</body></html>\n')
    return u''.join(body)
