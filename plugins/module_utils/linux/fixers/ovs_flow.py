# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: one OpenFlow flow of an Open vSwitch bridge, identified exactly by table, priority,
cookie and match (as ``ovs-ofctl dump-flows`` prints it).

``state: absent`` deletes exactly that flow (``ovs-ofctl --strict del-flows`` with the cookie
masked exactly); ``state: present`` adds it with ``actions`` (default ``NORMAL``), e.g. a
higher-priority allow for exactly the path. The flows are read back after the change. Flows
are runtime state of ovs-vswitchd (a restart, or the controller that owns the bridge, may put
back or remove them)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs

RUNTIME_ONLY = True


def _cookie(value):
    text = str(value if value is not None else '0x0').strip().lower()
    try:
        return hex(int(text, 16 if text.startswith('0x') else 10))
    except ValueError:
        raise DoctorError('cookie %r is not a number (e.g. 0xbad)' % (value,))


def want_from_params(params):
    match = (params.get('match') or '').strip().strip(',')
    if 'actions' in match or 'priority=' in match or 'cookie=' in match or 'table=' in match:
        raise DoctorError('match %r must hold the match fields only (table, priority, cookie and actions are '
                          'options of their own)' % match)
    priority = int(params['priority'])
    if not 0 <= priority <= 65535:
        raise DoctorError('priority %s is not between 0 and 65535' % priority)
    return {'bridge': params['bridge'], 'table': int(params.get('table') or 0), 'priority': priority,
            'cookie': _cookie(params.get('cookie')), 'match': match, 'state': params.get('state') or 'absent',
            'actions': (params.get('actions') or 'NORMAL').strip(), 'rundir': params.get('rundir')}


def collect(runner, want):
    db = ovs.paths(want['rundir'])['db']
    rc, out, err = runner.run(['ovs-vsctl', '--timeout=10', '--db=%s' % db, 'list-br'])
    if rc != 0:
        raise DoctorError('cannot read Open vSwitch bridges (%s): %s' % (db, (err or out).strip()))
    bridges = out.split()
    if want['bridge'] not in bridges:
        raise DoctorError("Open vSwitch bridge '%s' does not exist (known: %s)"
                          % (want['bridge'], ', '.join(bridges) or 'none'))
    text = runner.check(['ovs-ofctl', 'dump-flows', ovs.mgmt(want['rundir'], want['bridge'])])
    return {'flows': ovs.parse_flows(text)}


def _spec(want):
    return 'table=%d,priority=%d,%s' % (want['table'], want['priority'], want['match']) if want['match'] \
        else 'table=%d,priority=%d' % (want['table'], want['priority'])


def _found(want, have):
    return [f for f in have['flows'] if f['table'] == want['table'] and f['priority'] == want['priority']
            and _cookie(f['cookie']) == want['cookie'] and f['match'] == want['match']]


def plan(want, have):
    found = _found(want, have)
    target = ovs.mgmt(want['rundir'], want['bridge'])
    if want['state'] == 'absent' and found:
        return [{'action': 'delete_flow', 'argv': ['ovs-ofctl', '--strict', 'del-flows', target,
                                                   'cookie=%s/-1,%s' % (want['cookie'], _spec(want))]}]
    if want['state'] == 'present' and (not found or found[0]['actions'] != want['actions']):
        return [{'action': 'add_flow', 'argv': ['ovs-ofctl', 'add-flow', target, 'cookie=%s,%s,actions=%s'
                                                % (want['cookie'], _spec(want), want['actions'])]}]
    return []


def _view(want, flows):
    return {'bridge': want['bridge'], 'table': want['table'], 'priority': want['priority'], 'cookie': want['cookie'],
            'match': want['match'], 'present': bool(flows), 'actions': flows[0]['actions'] if flows else None,
            'n_packets': flows[0]['n_packets'] if flows else None}


def states(want, have, changes):
    found = _found(want, have)
    before = _view(want, found)
    if not changes:
        return before, dict(before)
    if want['state'] == 'absent':
        return before, _view(want, [])
    return before, dict(_view(want, [{'actions': want['actions'], 'n_packets': 0}]))
