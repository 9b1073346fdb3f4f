# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: the OpenFlow port config flags of an Open vSwitch port that stop frames: ``receive``
(NO_RECV), ``forward`` (NO_FWD), ``flood`` (NO_FLOOD).

Only the fields given are compared and set. The port's bridge comes from ``ovs-vsctl port-to-br``,
its flags from ``ovs-ofctl dump-ports-desc``; each change is one ``ovs-ofctl mod-port BR PORT
[no-]receive|[no-]forward|[no-]flood``, and the flags are read back. The flags are runtime state of
ovs-vswitchd (not in the OVSDB): a restart clears them, like it clears the fault."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs

RUNTIME_ONLY = True
FIELDS = (('receive', 'NO_RECV'), ('forward', 'NO_FWD'), ('flood', 'NO_FLOOD'))


def want_from_params(params):
    want = {'port': params['port'], 'bridge': params.get('bridge'), 'rundir': params.get('rundir')}
    for field, _flag in FIELDS:
        if params.get(field) is not None:
            want[field] = bool(params[field])
    if not any(field in want for field, _flag in FIELDS):
        raise DoctorError('give at least one of receive, forward, flood (nothing else is changed)')
    return want


def _vsctl(want, *args):
    return ['ovs-vsctl', '--timeout=10', '--db=%s' % ovs.paths(want['rundir'])['db']] + list(args)


def collect(runner, want):
    db = ovs.paths(want['rundir'])['db']
    rc, out, err = runner.run(_vsctl(want, 'list-br'))
    if rc != 0:
        raise DoctorError('cannot read Open vSwitch bridges (%s): %s' % (db, (err or out).strip()))
    bridges = out.split()
    if want['bridge'] and want['bridge'] not in bridges:
        raise DoctorError("Open vSwitch bridge '%s' does not exist (known: %s)"
                          % (want['bridge'], ', '.join(bridges) or 'none'))
    rc, out, err = runner.run(_vsctl(want, 'port-to-br', want['port']))
    if rc != 0:
        raise DoctorError("Open vSwitch port '%s' does not exist (%s)" % (want['port'], (err or out).strip()))
    bridge = out.strip()
    desc = ovs.parse_ports_desc(runner.check(['ovs-ofctl', 'dump-ports-desc', ovs.mgmt(want['rundir'], bridge)]))
    if want['port'] not in desc:
        raise DoctorError("Open vSwitch port '%s' has no OpenFlow port on bridge %s (ovs-vswitchd has not opened it)"
                          % (want['port'], bridge))
    return {'bridge': bridge, 'config': desc[want['port']]['config']}


def _current(have):
    return dict((field, flag not in have['config']) for field, flag in FIELDS)


def plan(want, have):
    if want['bridge'] and have['bridge'] != want['bridge']:
        raise DoctorError("Open vSwitch port '%s' is on bridge %s, not %s"
                          % (want['port'], have['bridge'], want['bridge']))
    now = _current(have)
    changes = []
    for field, _flag in FIELDS:
        if field in want and want[field] != now[field]:
            word = field if want[field] else 'no-' + field
            changes.append({'action': 'mod_port', 'port': want['port'], 'config': word,
                            'argv': ['ovs-ofctl', 'mod-port', ovs.mgmt(want['rundir'], have['bridge']),
                                     want['port'], word]})
    return changes


def states(want, have, changes):
    before = dict(_current(have), port=want['port'], bridge=have['bridge'], config=list(have['config']))
    after = dict(before)
    if changes:
        after.update(dict((field, want[field]) for field, _flag in FIELDS if field in want))
        managed = [flag for _field, flag in FIELDS]
        after['config'] = [f for f in have['config'] if f not in managed] + \
            [flag for field, flag in FIELDS if not after[field]]
    return before, after
