# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open vSwitch facts (``ovs`` section of docs/facts_schema.md): bridges, ports, interfaces,
OpenFlow flows, the MAC learning table, and ``ofproto/trace`` of the path's echo request and
reply (the switch's own verdict, with the deciding rule).

Read-only, and only through ``runner`` (``linux.runner.CommandRunner``). The daemons are found
where distributions put them (``/var/run/openvswitch``: ``db.sock``, ``ovs-vswitchd.pid``,
``ovs-vswitchd.<pid>.ctl``, ``<bridge>.mgmt``) or in the run directory the caller names
(``rundir``): every command names its socket explicitly, nothing depends on the environment.
The parsers are pure functions, unit-tested on output captured from the lab (tests/lab/ovslab.py).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import switches

DEFAULT_RUNDIR = switches.OVS_RUNDIR
PACKAGE_NOTE = switches.OVS_PACKAGE_NOTE
MAX_TRACE_PORTS = 32
MAX_FLOWS = 500
PORT_COLUMNS = 'name,tag,trunks,vlan_mode,interfaces'
IFACE_COLUMNS = 'name,type,ofport,admin_state,link_state,mtu,mtu_request,mac_in_use,external_ids,options,error,_uuid'
BRIDGE_COLUMNS = 'name,ports,fail_mode,controller,datapath_type,_uuid'

_FLOW_FIELD = re.compile(r'^\s*(cookie|duration|table|n_packets|n_bytes|idle_age|hard_age|idle_timeout|'
                         r'hard_timeout|importance|priority)=([^,\s]*)')
_TRACE_RULE = re.compile(r'^( *)(\d+)\. (.*)$')
_DPIF_PORT = re.compile(r'^\s+(\S+) (\d+)/(\S+):')
_DPIF_BRIDGE = re.compile(r'^\s+([^\s:]+):$')
_PORT_DESC = re.compile(r'^\s*(\d+|LOCAL)\(([^)]+)\):')
_COVERAGE = re.compile(r'^(\S+)\s+.*\btotal: (\d+)\s*$')
_CONTROL = re.compile(r'(/\S*/ovs-vswitchd\.(\d+)\.ctl)$')
DROP_COUNTERS = ('datapath_drop_', 'drop_action_')   # coverage counters of dropped packets (OVS 2.13+)
PORT_CONFIG_FLAGS = ('NO_RECV', 'NO_FWD', 'NO_FLOOD')  # OpenFlow port config that stops the path's frames

paths = switches.ovs_paths
empty = switches.ovs_empty


def mgmt(rundir, bridge):
    """The OpenFlow management socket ovs-vswitchd opens for ``bridge``."""
    return 'unix:%s' % os.path.join(rundir or DEFAULT_RUNDIR, '%s.mgmt' % bridge)


# ------------------------------------------------------------------------ OVSDB JSON values
def ovsdb_value(value):
    """Plain Python value of an OVSDB JSON datum: sets become lists, maps dicts, uuids strings."""
    if isinstance(value, list) and len(value) == 2 and value[0] in ('set', 'map', 'uuid', 'named-uuid'):
        kind, data = value
        if kind == 'set':
            return [ovsdb_value(v) for v in data]
        if kind == 'map':
            return dict((ovsdb_value(k), ovsdb_value(v)) for k, v in data)
        return data
    return value


def _scalar(value):
    """An optional OVSDB column: [] (empty set) -> None."""
    value = ovsdb_value(value)
    if isinstance(value, list):
        return value[0] if len(value) == 1 else None
    return value


def parse_table(text):
    """Rows (dicts) of ``ovs-vsctl --format=json list <table>``."""
    data = json.loads(text) if text.strip() else {'data': [], 'headings': []}
    heads = data.get('headings') or []
    return [dict(zip(heads, row)) for row in data.get('data') or []]


def port_of(row, ifaces):
    """A normalised port from its ``list Port`` row (``ifaces``: {uuid: interface})."""
    members = ovsdb_value(row.get('interfaces'))
    members = members if isinstance(members, list) else [members]
    trunks = ovsdb_value(row.get('trunks'))
    return {'name': row.get('name'), 'tag': _scalar(row.get('tag')),
            'trunks': sorted(trunks) if isinstance(trunks, list) else [trunks],
            'vlan_mode': _scalar(row.get('vlan_mode')),
            'interfaces': [ifaces[u] for u in members if u in ifaces]}


def build_bridges(bridge_rows, port_rows, iface_rows):
    """The normalised bridges with their ports and interfaces (pure)."""
    ifaces = {}
    for row in iface_rows:
        ifaces[_scalar(row.get('_uuid'))] = {
            'name': row.get('name'), 'type': row.get('type') or 'system',
            'ofport': _scalar(row.get('ofport')),
            'admin_state': _scalar(row.get('admin_state')), 'link_state': _scalar(row.get('link_state')),
            'mtu': _scalar(row.get('mtu')), 'mtu_request': _scalar(row.get('mtu_request')),
            'mac_in_use': _scalar(row.get('mac_in_use')),
            'external_ids': ovsdb_value(row.get('external_ids')) or {},
            'options': ovsdb_value(row.get('options')) or {}, 'error': _scalar(row.get('error')),
            'of_config': None, 'of_state': None}
    ports = dict((_scalar(row.get('_uuid')), port_of(row, ifaces)) for row in port_rows)
    bridges = []
    for row in bridge_rows:
        members = ovsdb_value(row.get('ports'))
        members = members if isinstance(members, list) else [members]
        controllers = ovsdb_value(row.get('controller'))
        bridges.append({
            'name': row.get('name'), 'datapath_type': row.get('datapath_type') or 'system',
            'fail_mode': _scalar(row.get('fail_mode')),
            'controllers': controllers if isinstance(controllers, list) else [controllers],
            'ports': sorted((ports[u] for u in members if u in ports), key=lambda p: p['name']),
            'flows': None, 'fdb': None})
    return sorted(bridges, key=lambda b: b['name'])


def controller_targets(controller_rows):
    """{uuid: target} of the Controller table."""
    return dict((_scalar(r.get('_uuid')), r.get('target')) for r in controller_rows)


# ------------------------------------------------------------------------ OpenFlow
def parse_flows(text):
    """Flows of ``ovs-ofctl dump-flows``: table, priority, cookie, match, actions, counters, drops."""
    flows = []
    for line in text.splitlines():
        if ' actions=' not in line or line.startswith(('NXST_FLOW', 'OFPST_FLOW')):
            continue
        head, actions = line.split(' actions=', 1)
        fields, rest = {}, head
        while True:
            m = _FLOW_FIELD.match(rest)
            if not m:
                break
            fields[m.group(1)] = m.group(2)
            rest = rest[m.end():].lstrip(', ')
        actions = actions.strip()
        flows.append({
            'table': int(fields.get('table', 0)), 'priority': int(fields.get('priority', 32768)),
            'cookie': fields.get('cookie', '0x0'), 'match': rest.strip(' ,'), 'actions': actions,
            'n_packets': int(fields.get('n_packets', 0)), 'n_bytes': int(fields.get('n_bytes', 0)),
            'drops': actions in ('drop', '')})
    return flows


def parse_fdb(text, ofports):
    """``ovs-appctl fdb/show``: [{port (name), ofport, vlan, mac, age}]."""
    names = dict((v, k) for k, v in ofports.items())
    entries = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 4:
            continue
        port = parts[0]
        ofport = int(port) if port.isdigit() else None
        entries.append({'port': names.get(ofport, port), 'ofport': ofport,
                        'vlan': int(parts[1]) if parts[1].isdigit() else None, 'mac': parts[2].lower(),
                        'age': int(parts[3]) if parts[3].isdigit() else None})
    return entries


def parse_dpif(text):
    """``ovs-appctl dpif/show``: {datapath port number: port name}."""
    ports = {}
    for line in text.splitlines():
        m = _DPIF_PORT.match(line)
        if m and m.group(3).isdigit():
            ports[int(m.group(3))] = m.group(1)
    return ports


def parse_ports_desc(text):
    """``ovs-ofctl dump-ports-desc``: {port name: {ofport, config: [flags], state: [flags]}} (the OpenFlow
    port config, e.g. NO_FWD set by ``ovs-ofctl mod-port BR PORT no-forward``, which the OVSDB does not hold)."""
    ports, current = {}, None
    for line in text.splitlines():
        m = _PORT_DESC.match(line)
        if m:
            current = {'ofport': int(m.group(1)) if m.group(1).isdigit() else m.group(1), 'config': [], 'state': []}
            ports[m.group(2)] = current
            continue
        key, _sep, value = line.strip().partition(':')
        if current is not None and key in ('config', 'state'):
            current[key] = [flag for flag in value.split() if flag != '0']
    return ports


def parse_coverage(text):
    """``ovs-appctl coverage/show``: {counter: total} of the counters listed (OVS lists those not zero)."""
    totals = {}
    for line in text.splitlines():
        m = _COVERAGE.match(line.strip())
        if m:
            totals[m.group(1)] = int(m.group(2))
    return totals


def drop_counters(totals):
    """The datapath's own drop counters of a coverage reading (``datapath_drop_*``, ``drop_action_*``)."""
    return dict((k, v) for k, v in totals.items() if k.startswith(DROP_COUNTERS))


def increased(before, after):
    """{counter: increase} of the counters that grew between two readings."""
    return dict((k, v - before.get(k, 0)) for k, v in after.items() if v > before.get(k, 0))


def controls(unix_sockets):
    """The control sockets of the ovs-vswitchd daemons of this network namespace, from the text of
    ``/proc/net/unix`` (it lists the bound sockets of the reader's namespace only): [(pid, path)]."""
    found = set()
    for line in unix_sockets.splitlines():
        m = _CONTROL.search(line.strip())
        if m:
            found.add((int(m.group(2)), m.group(1)))
    return sorted(found)


def _split_actions(text):
    parts, depth, cur = [], 0, ''
    for ch in text:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur.strip())
            cur = ''
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _rule_of(text):
    """'icmp,nw_dst=10.0.0.1, priority 100, cookie 0xbad' -> match, priority, cookie."""
    rule = {'match': text, 'priority': None, 'cookie': '0x0', 'miss': False}
    m = re.match(r'^(.*?)(?:,\s*)?priority (\d+)(?:, cookie (0x[0-9a-f]+))?$', text.strip())
    if m:
        rule.update({'match': m.group(1).strip(' ,'), 'priority': int(m.group(2)),
                     'cookie': m.group(3) or '0x0'})
    elif text.strip().lower().startswith('no match'):
        rule['miss'] = True
    return rule


def parse_trace(text, dp_ports):
    """``ofproto/trace``: the rules hit (bridge, table, rule, actions), the datapath actions, the
    ports the packet leaves on, whether it is dropped, and the deciding rule (the last rule whose
    actions drop it, or the table miss)."""
    rules, bridge, current = [], None, None
    dp_actions = None
    for line in text.splitlines():
        m = re.match(r'^bridge\("([^"]+)"\)', line)
        if m:
            bridge = m.group(1)
            continue
        if line.startswith('Datapath actions:'):
            dp_actions = line.split(':', 1)[1].strip()
            continue
        m = _TRACE_RULE.match(line)
        if m and bridge is not None and not line.startswith(('Flow:', 'Final flow', 'Megaflow')):
            current = dict(_rule_of(m.group(3)), bridge=bridge, table=int(m.group(2)), actions=[])
            rules.append(current)
            continue
        if current is not None and line.startswith('    ') and line.strip() and not line.strip().startswith('->'):
            current['actions'].append(line.strip())
    outputs = []
    for action in _split_actions(dp_actions or ''):
        if action.isdigit():
            outputs.append(dp_ports.get(int(action), action))
    dropped = dp_actions in (None, 'drop', '') or not outputs
    deciding = None
    for rule in reversed(rules):
        if rule['miss'] or 'drop' in rule['actions'] or not rule['actions']:
            deciding = rule
            break
    return {'rules': rules[:20], 'datapath_actions': dp_actions, 'outputs': outputs, 'dropped': dropped,
            'deciding_rule': deciding if dropped or deciding else None}


# ------------------------------------------------------------------------ collect
def _error(out, source, rc, err, stdout=''):
    out['errors'].append({'source': source, 'message': (err or stdout or 'rc=%s' % rc).strip()[:500]})


def _vsctl_list(runner, out, db, table, columns):
    rc, text, err = runner.run(['ovs-vsctl', '--timeout=5', '--db=%s' % db, '--format=json',
                                '--columns=%s' % columns, 'list', table])
    if rc != 0:
        _error(out, 'ovs-vsctl list %s' % table, rc, err)
        return None
    return parse_table(text)


def _appctl_target(runner, rundir):
    pid = runner.read(os.path.join(rundir, 'ovs-vswitchd.pid'))
    pid = (pid or '').strip()
    return os.path.join(rundir, 'ovs-vswitchd.%s.ctl' % pid) if pid.isdigit() else None


def collect(runner, flows=(), rundir=None):
    """The ``ovs`` facts section. ``flows`` are the validated {src, dst} the host forwards."""
    out = switches.ovs_absent(runner, rundir)
    if out is not None:
        return out
    where = paths(rundir)
    out = dict(empty(), rundir=where['rundir'], db=where['db'])
    rows = [_vsctl_list(runner, out, where['db'], t, c) for t, c in (
        ('Bridge', BRIDGE_COLUMNS), ('Port', PORT_COLUMNS + ',_uuid'), ('Interface', IFACE_COLUMNS),
        ('Controller', 'target,_uuid'))]
    if any(r is None for r in rows[:3]):
        return out
    out['present'] = True
    bridges = build_bridges(rows[0], rows[1], rows[2])
    targets = controller_targets(rows[3] or [])
    for br in bridges:
        br['controllers'] = [targets.get(u, u) for u in br['controllers']]
    out['bridges'] = bridges
    ctl = _appctl_target(runner, where['rundir'])
    for br in bridges:
        rc, text, err = runner.run(['ovs-ofctl', 'dump-flows', mgmt(where['rundir'], br['name'])])
        if rc == 0:
            flows_ = parse_flows(text)
            br['flows'] = flows_[:MAX_FLOWS]
            br['flows_truncated'] = len(flows_) > MAX_FLOWS
        else:
            _error(out, 'ovs-ofctl dump-flows %s' % br['name'], rc, err)
        rc, text, err = runner.run(['ovs-ofctl', 'dump-ports-desc', mgmt(where['rundir'], br['name'])])
        if rc == 0:
            desc = parse_ports_desc(text)
            for iface in (i for p in br['ports'] for i in p['interfaces']):
                iface['of_config'] = (desc.get(iface['name']) or {}).get('config')
                iface['of_state'] = (desc.get(iface['name']) or {}).get('state')
        else:
            _error(out, 'ovs-ofctl dump-ports-desc %s' % br['name'], rc, err)
        if ctl:
            ofports = dict((i['name'], i['ofport']) for p in br['ports'] for i in p['interfaces'])
            rc, text, err = runner.run(['ovs-appctl', '-t', ctl, 'fdb/show', br['name']])
            if rc == 0:
                br['fdb'] = parse_fdb(text, ofports)
            else:
                _error(out, 'ovs-appctl fdb/show %s' % br['name'], rc, err)
    if not ctl:
        out['errors'].append({'source': 'ovs-appctl', 'message': 'no ovs-vswitchd pidfile in %s' % where['rundir']})
    elif flows:
        out['traces'] = _traces(runner, out, ctl, bridges, flows)
    return out


def _traces(runner, out, ctl, bridges, flows):
    rc, text, err = runner.run(['ovs-appctl', '-t', ctl, 'dpif/show'])
    if rc != 0:
        _error(out, 'ovs-appctl dpif/show', rc, err)
        return []
    dp_ports = parse_dpif(text)
    starts = [(br['name'], i['name']) for br in bridges for p in br['ports'] for i in p['interfaces']
              if i['type'] not in ('patch',) and i['name'] != br['name'] and (i['ofport'] or -1) > 0]
    if len(starts) > MAX_TRACE_PORTS:
        out['errors'].append({'source': 'ofproto/trace', 'message': 'traced from the first %d of %d ports only'
                              % (MAX_TRACE_PORTS, len(starts))})
        starts = starts[:MAX_TRACE_PORTS]
    traces = []
    for flow in flows:
        for kind, src, dst, icmp_type in (('echo-request', flow['src'], flow['dst'], 8),
                                          ('echo-reply', flow['dst'], flow['src'], 0)):
            if ':' in src:
                match = 'icmp6,ipv6_src=%s,ipv6_dst=%s,icmp_type=%d' % (src, dst, 128 if icmp_type == 8 else 129)
            else:
                match = 'icmp,nw_src=%s,nw_dst=%s,icmp_type=%d,icmp_code=0' % (src, dst, icmp_type)
            for bridge, port in starts:
                rc, text, err = runner.run(['ovs-appctl', '-t', ctl, 'ofproto/trace', bridge,
                                            'in_port=%s,%s' % (port, match)])
                entry = {'bridge': bridge, 'in_port': port, 'packet': kind, 'src': src, 'dst': dst}
                if rc != 0:
                    entry.update({'error': (err or text).strip()[:300], 'dropped': None, 'outputs': [],
                                  'rules': [], 'datapath_actions': None, 'deciding_rule': None})
                else:
                    entry.update(parse_trace(text, dp_ports))
                    entry['error'] = None
                traces.append(entry)
    return traces


# ------------------------------------------------------------------------ datapath drop counters (witness)
def drop_reading(run, unix_sockets):
    """One reading of the datapath's own drop counters of every ovs-vswitchd of this network namespace
    (``ovs-appctl -t <control socket> coverage/show``), or None when no ovs-vswitchd runs here.
    ``run(argv) -> (rc, stdout, stderr)``; ``unix_sockets``: the text of ``/proc/net/unix``."""
    daemons = controls(unix_sockets)
    if not daemons:
        return None
    reading = {'daemons': [], 'errors': []}
    for pid, control in daemons:
        rc, text, err = run(['ovs-appctl', '-t', control, 'coverage/show'])
        if rc != 0:
            why = (err or text or 'rc=%s' % rc).strip()[:200]
            reading['errors'].append('ovs-appctl -t %s coverage/show: %s' % (control, why))
            continue
        reading['daemons'].append({'pid': pid, 'control': control, 'counters': drop_counters(parse_coverage(text))})
    return reading


def drops_during(before, after):
    """The witness's ``ovs_drops``: the datapath drop counters that increased between two readings
    (``counters``: {name: increase}, summed over the daemons), or None without ovs-vswitchd."""
    if before is None and after is None:
        return None
    first = dict((d['control'], d['counters']) for d in (before or {}).get('daemons') or [])
    out = {'counters': {}, 'daemons': [], 'errors': list((before or {}).get('errors') or []) +
           list((after or {}).get('errors') or [])}
    for daemon in (after or {}).get('daemons') or []:
        if daemon['control'] not in first:
            out['errors'].append('%s: no reading before the window' % daemon['control'])
            continue
        grown = increased(first[daemon['control']], daemon['counters'])
        out['daemons'].append({'pid': daemon['pid'], 'control': daemon['control'], 'increased': grown})
        for name, value in grown.items():
            out['counters'][name] = out['counters'].get(name, 0) + value
    return out
