# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixes that persist: write a gateway, route or MTU where the host's network manager keeps it.

``detect`` finds which manager owns an interface by reading the managers' own files and state,
never by guessing:

* NetworkManager, when ``nmcli`` answers and the device has an active connection: changes go
  through ``nmcli connection modify`` (the profile is saved by NetworkManager itself); while it
  does not run, a keyfile in /etc/NetworkManager/system-connections naming the interface
  (``interface-name=``) is rewritten by ``nmcli --offline connection modify`` (NetworkManager >= 1.40);
* systemd-networkd: the first ``.network`` file (in networkd's order) whose ``[Match] Name=``
  matches the interface; changes go into the drop-in ``/etc/systemd/network/<file>.d/vmnet-doctor.conf``
  (a file vmnet.doctor owns entirely; systemd.network(5));
* ifupdown: an ``iface <name> inet|inet6`` stanza in /etc/network/interfaces or a file it sources;
  only the lines of that stanza are edited (``gateway``, ``mtu``, ``up ip route replace ...``).

Detected but not written (a message says so, nothing is changed): netplan (its YAML is rendered
into networkd/NetworkManager files at boot: edit it with ``netplan set``), ifcfg (RHEL network-scripts),
NetworkManager keyfiles when nmcli is not installed. No manager found: a message, nothing written.

A *setting* (what a fixer asks to persist) is a dict: ``{'kind': 'gateway', 'ifname', 'family',
'gateway'}`` (gateway None: remove the persisted default gateway, ``only`` when given: only if it is
that one), ``{'kind': 'route', 'ifname', 'prefix', 'gateway', 'metric', 'state'}`` or ``{'kind': 'mtu',
'ifname', 'mtu'}``. ``plan`` returns the changes of the common change shape (``write``/``remove`` a
file with its content, or an ``argv``) and the before/after views of what is persisted.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import glob
import os
import re

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

NETWORKD_DIRS = ('/etc/systemd/network', '/run/systemd/network', '/usr/local/lib/systemd/network',
                 '/usr/lib/systemd/network', '/lib/systemd/network')
DROPIN_NAME = 'vmnet-doctor.conf'
IFUPDOWN_MAIN = '/etc/network/interfaces'
NETPLAN_DIRS = ('/etc/netplan', '/run/netplan', '/lib/netplan')
IFCFG_DIR = '/etc/sysconfig/network-scripts'
NM_KEYFILE_DIR = '/etc/NetworkManager/system-connections'
HEADER = '# Written by vmnet.doctor (persist: true); removed again by its rollback.\n'
_STANZA_START = ('iface', 'auto', 'mapping', 'source', 'source-directory', 'allow-', 'rename', 'no-auto-down',
                 'no-scripts')


def _p(root, path):
    return os.path.join(root, path.lstrip('/')) if root not in (None, '', '/') else path


# ---------------------------------------------------------------- detection (read only)

def detect(runner, ifname, root='/'):
    """``{'manager', ...}`` of the manager owning ``ifname``; manager None with ``message`` when no
    manager can be written (unknown, or one vmnet.doctor only detects)."""
    nm = _nm_connection(runner, ifname)
    if nm:
        return {'manager': 'NetworkManager', 'connection': nm['connection'], 'type': nm['type']}
    path = networkd_file(ifname, root)
    if path:
        return {'manager': 'systemd-networkd', 'path': path,
                'dropin': _p(root, '/etc/systemd/network/%s.d/%s' % (os.path.basename(path), DROPIN_NAME))}
    stanzas = ifupdown_stanzas(runner, ifname, root)
    if stanzas:
        return {'manager': 'ifupdown', 'path': stanzas[0]['path']}
    keyfile = _nm_keyfile(ifname, root)
    if keyfile and runner.module_bin('nmcli'):
        ctype = dict(dict(parse_ini(_read(keyfile) or '')).get('connection', [])).get('type', 'ethernet')
        return {'manager': 'NetworkManager', 'keyfile': keyfile, 'type': ctype}
    for what, found in (('netplan', _netplan_mentions(ifname, root)), ('ifcfg', _ifcfg_file(ifname, root)),
                        ('NetworkManager keyfile (nmcli is not installed)', keyfile)):
        if found:
            return {'manager': None, 'message': "%s is managed by %s (%s), which vmnet.doctor does not write to "
                                                "(see the README): not persisted" % (ifname, what, found)}
    return {'manager': None, 'message': "no network manager configuration for %s was found (NetworkManager, "
                                        "systemd-networkd, ifupdown, netplan, ifcfg): not persisted" % ifname}


def _nm_connection(runner, ifname):
    try:
        rc, out, _err = runner.run(['nmcli', '-t', '-f', 'RUNNING', 'general'])
    except DoctorError:   # nmcli not installed
        return None
    if rc != 0 or out.strip() != 'running':
        return None
    rc, out, _err = runner.run(['nmcli', '-g', 'GENERAL.CONNECTION', 'device', 'show', ifname])
    conn = out.strip() if rc == 0 else ''
    if not conn or conn == '--':
        return None
    ctype = runner.check(['nmcli', '-g', 'connection.type', 'connection', 'show', conn]).strip()
    return {'connection': conn, 'type': ctype}


def networkd_file(ifname, root='/'):
    """The .network file networkd applies to ``ifname`` (lexical order over its directories, a file in
    an earlier directory masking the same name in a later one), judged by ``[Match] Name=`` only: a
    file matching on other keys is never taken for this interface."""
    seen = {}
    for d in NETWORKD_DIRS:
        for path in sorted(glob.glob(os.path.join(_p(root, d), '*.network'))):
            seen.setdefault(os.path.basename(path), path)
    for name in sorted(seen):
        sections = parse_ini(_read(seen[name]) or '')
        match = [kv for sec, kv in sections if sec == 'Match']
        names = ' '.join(v for m in match for k, v in m if k == 'Name').split()
        others = [k for m in match for k, v in m if k != 'Name']
        if names and not others and any(fnmatch.fnmatchcase(ifname, n) for n in names if not n.startswith('!')):
            return seen[name]
    return None


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError):
        return None


def _netplan_mentions(ifname, root):
    for d in NETPLAN_DIRS:
        for path in sorted(glob.glob(os.path.join(_p(root, d), '*.yaml'))):
            if re.search(r'^\s*%s\s*:' % re.escape(ifname), _read(path) or '', re.M):
                return path
    return None


def _ifcfg_file(ifname, root):
    path = os.path.join(_p(root, IFCFG_DIR), 'ifcfg-' + ifname)
    return path if os.path.isfile(path) else None


def _nm_keyfile(ifname, root):
    for path in sorted(glob.glob(os.path.join(_p(root, NM_KEYFILE_DIR), '*.nmconnection'))):
        if re.search(r'^\s*interface-name\s*=\s*%s\s*$' % re.escape(ifname), _read(path) or '', re.M):
            return path
    return None


# ---------------------------------------------------------------- systemd-networkd drop-in

def parse_ini(text):
    """[(section, [(key, value)])] of a systemd unit-style file (sections may repeat)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('[') and line.endswith(']'):
            out.append((line[1:-1], []))
        elif '=' in line and out:
            k, v = line.split('=', 1)
            out[-1][1].append((k.strip(), v.strip()))
    return out


def networkd_state(text):
    """What a vmnet.doctor drop-in persists: {'gateways': [..], 'routes': {prefix: {gateway, metric}}, 'mtu'}."""
    state = {'gateways': [], 'routes': {}, 'mtu': None}
    for sec, kv in parse_ini(text or ''):
        d = dict(kv)
        if sec == 'Network':
            state['gateways'] += [v for k, v in kv if k == 'Gateway' and v]
        elif sec == 'Route' and d.get('Destination'):
            state['routes'][d['Destination']] = {'gateway': d.get('Gateway'),
                                                 'metric': int(d['Metric']) if d.get('Metric') else None}
        elif sec == 'Link' and d.get('MTUBytes'):
            state['mtu'] = int(d['MTUBytes'])
    return state


def networkd_render(state):
    """The drop-in holding ``state`` (None when it holds nothing: the file is removed)."""
    parts = []
    if state['gateways']:
        parts.append('[Network]\n' + ''.join('Gateway=%s\n' % g for g in state['gateways']))
    for prefix in sorted(state['routes']):
        r = state['routes'][prefix]
        parts.append('[Route]\nDestination=%s\n' % prefix + ('Gateway=%s\n' % r['gateway'] if r['gateway'] else '')
                     + ('Metric=%s\n' % r['metric'] if r['metric'] is not None else ''))
    if state['mtu'] is not None:
        parts.append('[Link]\nMTUBytes=%s\n' % state['mtu'])
    return HEADER + '\n'.join(parts) if parts else None


def _family(addr):
    return 'ipv6' if ':' in addr else 'ipv4'


def networkd_apply(state, setting):
    """``state`` changed by one setting (pure)."""
    state = {'gateways': list(state['gateways']), 'routes': dict(state['routes']), 'mtu': state['mtu']}
    kind = setting['kind']
    if kind == 'mtu':
        state['mtu'] = setting['mtu']
    elif kind == 'gateway':
        fam = setting['family']
        keep = [g for g in state['gateways'] if _family(g) != fam]
        mine = [g for g in state['gateways'] if _family(g) == fam]
        if setting['gateway'] is None and setting.get('only') and setting['only'] not in mine:
            keep += mine
        state['gateways'] = keep + ([setting['gateway']] if setting['gateway'] else [])
    elif setting.get('state', 'present') == 'absent':
        state['routes'].pop(setting['prefix'], None)
    else:
        state['routes'][setting['prefix']] = {'gateway': setting.get('gateway'), 'metric': setting.get('metric')}
    return state


def _networkd_warnings(path, settings):
    out = []
    main = parse_ini(_read(path) or '')
    for s in settings:
        if s['kind'] == 'gateway':
            set_there = [v for sec, kv in main if sec in ('Network', 'Route') for k, v in kv
                         if k == 'Gateway' and v and _family(v) == s['family'] and v != s['gateway']]
            if set_there:
                out.append('%s also sets Gateway=%s; a drop-in adds to it and cannot remove it: edit that file'
                           % (path, ', '.join(set_there)))
    return out


# ---------------------------------------------------------------- ifupdown stanza edits

def _ifupdown_files(root):
    main = _p(root, IFUPDOWN_MAIN)
    files, todo = [], [main]
    while todo:
        path = todo.pop(0)
        if path in files or not os.path.isfile(path):
            continue
        files.append(path)
        base = os.path.dirname(main)
        for line in (_read(path) or '').splitlines():
            words = line.split()
            if len(words) == 2 and words[0] == 'source':
                pattern = words[1] if words[1].startswith('/') else os.path.join(base, words[1])
                todo += sorted(glob.glob(_p(root, pattern) if words[1].startswith('/') else pattern))
            elif len(words) == 2 and words[0] == 'source-directory':
                d = _p(root, words[1]) if words[1].startswith('/') else os.path.join(base, words[1])
                todo += sorted(p for p in glob.glob(os.path.join(d, '*'))
                               if re.match(r'^[A-Za-z0-9_-]+$', os.path.basename(p)))
    return files


def _is_start(line):
    w = line.split()
    return bool(w) and (w[0] in _STANZA_START or w[0].startswith('allow-'))


def stanza_span(lines, ifname, family):
    """(start, end) line indexes of ``iface ifname inet|inet6 ...`` in ``lines`` (end: after its last
    option line), or None."""
    word = 'inet' if family == 'ipv4' else 'inet6'
    for i, line in enumerate(lines):
        w = line.split()
        if len(w) >= 3 and w[0] == 'iface' and w[1] == ifname and w[2] == word:
            end = i + 1
            for j in range(i + 1, len(lines)):
                if _is_start(lines[j]):
                    break
                if lines[j].strip() and not lines[j].strip().startswith('#'):
                    end = j + 1
            return i, end
    return None


def ifupdown_stanzas(runner, ifname, root='/'):
    out = []
    for path in _ifupdown_files(root):
        lines = (_read(path) or '').splitlines()
        for fam in ('ipv4', 'ipv6'):
            span = stanza_span(lines, ifname, fam)
            if span:
                out.append({'path': path, 'family': fam, 'method': (lines[span[0]].split() + [''])[3]})
    return out


def _route_line_re(prefix):
    return re.compile(r'^\s*(post-)?up\s+ip\s+(-[46]\s+)?route\s+(add|replace)\s+%s(\s|$)' % re.escape(prefix))


def ifupdown_edit(text, ifname, setting):
    """``text`` with one setting applied to the stanza of ``ifname`` (pure); DoctorError when the
    stanza is missing or its method cannot hold the setting."""
    lines = text.splitlines()
    family = setting.get('family') or (_family(setting['prefix']) if setting['kind'] == 'route' else 'ipv4')
    span = stanza_span(lines, ifname, family)
    if span is None and setting['kind'] == 'mtu':
        family = 'ipv6'
        span = stanza_span(lines, ifname, family)
    if span is None:
        raise DoctorError('ifupdown has no "iface %s %s" stanza to persist the %s in'
                          % (ifname, 'inet' if family == 'ipv4' else 'inet6', setting['kind']))
    start, end = span
    body = lines[start + 1:end]
    indent = next((re.match(r'^\s*', b).group(0) for b in body if b.strip()), '    ') or '    '
    method = (lines[start].split() + ['', '', '', ''])[3]
    if setting['kind'] == 'gateway':
        if setting['gateway'] is not None and method != 'static':
            raise DoctorError('the ifupdown stanza of %s uses method %s; a gateway can be persisted in a static '
                              'stanza only' % (ifname, method))
        match = re.compile(r'^\s*gateway\s+(\S+)')
        line = setting['gateway'] and indent + 'gateway ' + setting['gateway']
        only = setting.get('only')
    elif setting['kind'] == 'mtu':
        match, line, only = re.compile(r'^\s*mtu\s+(\S+)'), indent + 'mtu %d' % setting['mtu'], None
    else:
        match, only = _route_line_re(setting['prefix']), None
        line = None
        if setting.get('state', 'present') == 'present':
            line = indent + 'up ip %sroute replace %s' % ('-6 ' if family == 'ipv6' else '', setting['prefix'])
            line += (' via %s' % setting['gateway'] if setting.get('gateway') else '') + ' dev %s' % ifname
            line += ' metric %d' % setting['metric'] if setting.get('metric') is not None else ''
    new_body, placed = [], False
    for b in body:
        m = match.match(b)
        if m and not (only and setting['kind'] == 'gateway' and m.group(1) != only):
            if line and not placed:
                new_body.append(line)
                placed = True
            continue
        new_body.append(b)
    if line and not placed:
        new_body.append(line)
    out = lines[:start + 1] + new_body + lines[end:]
    return '\n'.join(out) + '\n'


# ---------------------------------------------------------------- NetworkManager through nmcli

def _nm_mtu_key(ctype):
    return {'802-3-ethernet': '802-3-ethernet.mtu', 'ethernet': '802-3-ethernet.mtu'}.get(ctype, ctype + '.mtu')


def nm_routes(text):
    """{prefix: {gateway, metric}} of ``nmcli -g ipvX.routes`` output ('10.0.0.0/24 192.0.2.1 100, ...')."""
    out = {}
    for item in (text or '').replace('\\,', ',').split(','):
        w = item.strip().split()
        if not w:
            continue
        out[w[0]] = {'gateway': w[1] if len(w) > 1 and '=' not in w[1] else None,
                     'metric': int(w[2]) if len(w) > 2 and w[2].isdigit() else None}
    return out


def _nm_route_text(prefix, r):
    return ' '.join([prefix] + ([r['gateway']] if r.get('gateway') else []) +
                    ([str(r['metric'])] if r.get('metric') is not None else []))


def keyfile_values(text, mtu_key):
    """The values ``nm_plan`` compares, read from a NetworkManager keyfile (nm-settings-keyfile(5):
    ``gateway=`` or the gateway after ``addressN=addr/plen,``; ``routeN=dst,gateway,metric``)."""
    sections = dict(parse_ini(text or ''))
    out = {}
    for fam in ('ipv4', 'ipv6'):
        kv = sections.get(fam, [])
        gw = dict(kv).get('gateway', '')
        for k, v in kv:
            if re.match(r'^address\d*$', k) and ',' in v:
                gw = gw or v.split(',', 1)[1]
        out[fam + '.gateway'] = gw
        routes = []
        for k, v in sorted(kv, key=lambda item: item[0]):
            if re.match(r'^route\d*$', k):
                w = v.split(',')
                gwr = w[1] if len(w) > 1 and w[1] not in ('', '0.0.0.0', '::') else None
                routes.append(' '.join([w[0]] + [gwr or ''] * bool(gwr) + w[2:3]).strip())
        out[fam + '.routes'] = ', '.join(routes)
    section, _dot, key = mtu_key.partition('.')
    out[mtu_key] = dict(sections.get('ethernet' if section == '802-3-ethernet' else section, [])).get(key, '')
    return out


def nm_plan(runner, found, settings):
    """(changes, before, after) through ``nmcli connection modify`` of the device's connection, or,
    while NetworkManager does not run, ``nmcli --offline connection modify`` of its keyfile (nmcli
    rewrites the keyfile it reads on stdin; vmnet.doctor writes the result back)."""
    conn = found.get('connection')
    mtu_key = _nm_mtu_key(found['type'])
    keys = ['ipv4.gateway', 'ipv6.gateway', 'ipv4.routes', 'ipv6.routes', mtu_key]
    if conn is None:
        content = runner.read_file(found['keyfile'])
        cur = keyfile_values(content, mtu_key)
    else:
        values = runner.check(['nmcli', '-g', ','.join(keys), 'connection', 'show', conn]).splitlines()
        cur = dict(zip(keys, [v.strip() for v in values] + [''] * len(keys)))
    before = dict(cur)
    mods = []
    for s in settings:
        if s['kind'] == 'mtu':
            mods.append((mtu_key, str(s['mtu'])))
        elif s['kind'] == 'gateway':
            key = s['family'][:4] + '.gateway'
            if s['gateway'] is None and s.get('only') and cur[key] != s['only']:
                continue
            mods.append((key, s['gateway'] or ''))
        else:
            key = _family(s['prefix'])[:4] + '.routes'
            routes = nm_routes(cur[key])
            old = routes.pop(s['prefix'], None)
            new = {'gateway': s.get('gateway'), 'metric': s.get('metric')}
            present = s.get('state', 'present') == 'present'
            if present and old == new:
                routes[s['prefix']] = old
                continue
            if old is not None:
                mods.append(('-' + key, _nm_route_text(s['prefix'], old)))
            if present:
                routes[s['prefix']] = new
                mods.append(('+' + key, _nm_route_text(s['prefix'], new)))
            cur[key] = ', '.join(_nm_route_text(p, r) for p, r in sorted(routes.items()))
            continue
        cur[mods[-1][0]] = mods[-1][1]
    after = dict(cur)
    if _norm(before) == _norm(after):
        return [], (content if conn is None else before), (content if conn is None else after)
    argv = ['nmcli', 'connection', 'modify'] + ([conn] if conn else [])
    for k, v in mods:
        argv += [k, v]
    if conn is None:
        new = runner.filter(argv[:1] + ['--offline'] + argv[1:], content)
        return _file_changes(found['keyfile'], content, new), content, new
    return [{'action': 'nmcli_modify', 'argv': argv}], before, after


def _norm(d):
    return dict((k, nm_routes(v) if k.endswith('.routes') else ('' if v in ('--', None) else v))
                for k, v in d.items())


# ---------------------------------------------------------------- the plan of one fixer run

def plan(runner, settings, root='/'):
    """Persist ``settings`` (grouped by interface): returns a dict with ``changes`` (common change
    shape), ``before``/``after`` ({path or connection: content or values}), ``persisted``
    ([{manager, path|connection, setting}]), ``skipped`` (messages: nothing written for those) and
    ``warnings``."""
    out = {'changes': [], 'before': {}, 'after': {}, 'persisted': [], 'skipped': [], 'warnings': []}
    by_if = {}
    for s in settings:
        if s.get('message'):
            out['skipped'].append(s['message'])
            continue
        by_if.setdefault(s['ifname'], []).append(s)
    for ifname in sorted(by_if):
        group = by_if[ifname]
        found = detect(runner, ifname, root)
        if found['manager'] is None:
            out['skipped'].append(found['message'])
            continue
        if found['manager'] == 'NetworkManager' and found.get('keyfile'):
            changes, before, after = nm_plan(runner, found, group)
            where, key = {'path': found['keyfile']}, found['keyfile']
        elif found['manager'] == 'NetworkManager':
            changes, before, after = nm_plan(runner, found, group)
            where = {'connection': found['connection']}
            key = 'NetworkManager connection %s' % found['connection']
        elif found['manager'] == 'systemd-networkd':
            path = found['dropin']
            if os.path.isdir(os.path.dirname(path)):
                runner.check_writable(path)
            before = runner.read_file(path)
            state = networkd_state(before)
            for s in group:
                state = networkd_apply(state, s)
            after = networkd_render(state)
            changes = _file_changes(path, before, after)
            out['warnings'] += _networkd_warnings(found['path'], group)
            where, key = {'path': path}, path
        else:
            path = found['path']
            before = runner.read_file(path) or ''
            after = before
            for s in group:
                after = ifupdown_edit(after, ifname, s)
            changes = _file_changes(path, before, after)
            where, key = {'path': path}, path
        out['changes'] += changes
        out['before'][key], out['after'][key] = before, after
        out['persisted'] += [dict(where, manager=found['manager'], setting=_setting_text(s)) for s in group]
    return out


def _file_changes(path, before, after):
    if before == after:
        return []
    if after is None:
        return [{'action': 'persist_remove', 'remove': path}]
    changes = []
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        changes.append({'action': 'persist_mkdir', 'argv': ['mkdir', '-p', directory]})
    return changes + [{'action': 'persist_write', 'write': path, 'content': after}]


def _setting_text(s):
    if s['kind'] == 'mtu':
        return 'mtu %d' % s['mtu']
    if s['kind'] == 'gateway':
        return ('gateway %s' % s['gateway']) if s['gateway'] else 'no %s gateway' % s['family']
    if s.get('state', 'present') == 'absent':
        return 'no route %s' % s['prefix']
    return 'route %s%s' % (s['prefix'], ' via %s' % s['gateway'] if s.get('gateway') else '')
