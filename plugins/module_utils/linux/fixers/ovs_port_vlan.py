# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: the VLAN settings of an Open vSwitch port (``tag``, ``trunks``, ``vlan_mode``).

Only the fields given are compared and set; the others stay as they are. The port is read with
``ovs-vsctl list Port`` (and its bridge with ``port-to-br``), changed with one ``ovs-vsctl set``
(or ``clear`` for ``trunks: []``) and read back. OVSDB settings persist across restarts."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs

RUNTIME_ONLY = False
FIELDS = ('tag', 'trunks', 'vlan_mode')
VLAN_MODES = ('access', 'trunk', 'native-tagged', 'native-untagged', 'dot1q-tunnel')


def _vid(value, what):
    try:
        vid = int(value)
    except (TypeError, ValueError):
        raise DoctorError('%s %r is not a VLAN id' % (what, value))
    if not 0 <= vid <= 4095:
        raise DoctorError('%s %s is not a VLAN id (0-4095)' % (what, vid))
    return vid


def want_from_params(params):
    want = {'port': params['port'], 'bridge': params.get('bridge'), 'rundir': params.get('rundir')}
    if params.get('tag') is not None:
        want['tag'] = _vid(params['tag'], 'tag')
    if params.get('trunks') is not None:
        want['trunks'] = sorted(set(_vid(v, 'trunks item') for v in params['trunks']))
    if params.get('vlan_mode') is not None:
        if params['vlan_mode'] not in VLAN_MODES:
            raise DoctorError('vlan_mode %r is not one of %s' % (params['vlan_mode'], ', '.join(VLAN_MODES)))
        want['vlan_mode'] = params['vlan_mode']
    if not any(f in want for f in FIELDS):
        raise DoctorError('give at least one of tag, trunks, vlan_mode (nothing else is changed)')
    return want


def _vsctl(want, *args):
    return ['ovs-vsctl', '--timeout=10', '--db=%s' % ovs.paths(want['rundir'])['db']] + list(args)


def collect(runner, want):
    rc, out, err = runner.run(_vsctl(want, '--format=json', '--columns=name,tag,trunks,vlan_mode,_uuid,interfaces',
                                     'list', 'Port'))
    if rc != 0:
        db = ovs.paths(want['rundir'])['db']
        raise DoctorError('cannot read Open vSwitch ports (%s): %s' % (db, (err or out).strip()))
    ports = dict((row['name'], ovs.port_of(row, {})) for row in ovs.parse_table(out))
    have = {'ports': ports, 'bridge': None}
    if want['port'] in ports:
        have['bridge'] = runner.check(_vsctl(want, 'port-to-br', want['port'])).strip()
    return have


def _current(have, name):
    port = have['ports'][name]
    return {'tag': port['tag'], 'trunks': port['trunks'], 'vlan_mode': port['vlan_mode']}


def plan(want, have):
    if want['port'] not in have['ports']:
        raise DoctorError("Open vSwitch port '%s' does not exist (known: %s)"
                          % (want['port'], ', '.join(sorted(have['ports'])) or 'none'))
    if want['bridge'] and have['bridge'] != want['bridge']:
        raise DoctorError("Open vSwitch port '%s' is on bridge %s, not %s"
                          % (want['port'], have['bridge'], want['bridge']))
    now = _current(have, want['port'])
    sets, clears = [], []
    for field in FIELDS:
        if field not in want or want[field] == now[field]:
            continue
        if field == 'trunks' and not want['trunks']:
            clears.append('trunks')
        elif field == 'trunks':
            sets.append('trunks=%s' % ','.join(str(v) for v in want['trunks']))
        else:
            sets.append('%s=%s' % (field, want[field]))
    changes = []
    if sets:
        changes.append({'action': 'set_port', 'argv': _vsctl(want, 'set', 'Port', want['port'], *sets)})
    if clears:
        changes.append({'action': 'clear_port', 'argv': _vsctl(want, 'clear', 'Port', want['port'], *clears)})
    return changes


def states(want, have, changes):
    before = dict(_current(have, want['port']), port=want['port'], bridge=have['bridge'])
    after = dict(before)
    if changes:
        after.update(dict((f, want[f]) for f in FIELDS if f in want))
    return before, after
