# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: the MTU Open vSwitch requests for one of its interfaces (``mtu_request``), and the peer of a
patch interface (``options:peer``).

ovs-vswitchd applies an interface's ``mtu_request`` to the device and applies it again whenever
the kernel MTU changes, so ``ip link set mtu`` (interface_mtu) cannot mend it: the OVSDB column has
to. The interface is read with ``ovs-vsctl list Interface``, changed with one ``ovs-vsctl set``
(``clear`` for ``mtu_request: 0``) and read back; ``mtu`` is what the device has then. A patch
interface's ``peer`` is set with ``ovs-vsctl set Interface X options:peer=Y`` (its other options stay);
only the fields given are compared and set."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import common

RUNTIME_ONLY = False
MIN_MTU, MAX_MTU = 68, 65535
SETTLE = 2.0        # seconds to wait for ovs-vswitchd to apply the request to the device


def want_from_params(params):
    want = {'interface': params['interface'], 'rundir': params.get('rundir')}
    value = params.get('mtu_request')
    if value is not None:
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise DoctorError('mtu_request %r is not a number' % (value,))
        if value != 0 and not MIN_MTU <= value <= MAX_MTU:
            raise DoctorError('mtu_request %s is out of range (%d-%d, or 0 to clear it)' % (value, MIN_MTU, MAX_MTU))
        want['mtu_request'] = value or None
    if params.get('peer') is not None:
        if not str(params['peer']).strip() or params['peer'] == params['interface']:
            raise DoctorError('peer %r is not the name of another interface' % (params['peer'],))
        want['peer'] = params['peer']
    if 'mtu_request' not in want and 'peer' not in want:
        raise DoctorError('give mtu_request or peer (nothing else is changed)')
    return want


def _vsctl(want, *args):
    return ['ovs-vsctl', '--timeout=10', '--db=%s' % ovs.paths(want['rundir'])['db']] + list(args)


def collect(runner, want):
    rc, out, err = runner.run(_vsctl(want, '--format=json', '--columns=name,type,mtu,mtu_request,options,error',
                                     'list', 'Interface'))
    if rc != 0:
        raise DoctorError('cannot read Open vSwitch interfaces (%s): %s'
                          % (ovs.paths(want['rundir'])['db'], (err or out).strip()))
    return {'interfaces': dict((row['name'], {'mtu': ovs.ovsdb_value(row.get('mtu')),
                                              'mtu_request': ovs.ovsdb_value(row.get('mtu_request')),
                                              'type': row.get('type') or 'system',
                                              'peer': (ovs.ovsdb_value(row.get('options')) or {}).get('peer'),
                                              'error': _scalar(ovs.ovsdb_value(row.get('error')))})
                               for row in ovs.parse_table(out))}


def _scalar(value):
    return None if value in ([], None) else value


def plan(want, have):
    if want['interface'] not in have['interfaces']:
        raise DoctorError("Open vSwitch interface '%s' does not exist (known: %s)"
                          % (want['interface'], ', '.join(sorted(have['interfaces'])) or 'none'))
    iface = have['interfaces'][want['interface']]
    changes = []
    if 'peer' in want and iface['peer'] != want['peer']:
        if iface['type'] != 'patch':
            raise DoctorError("Open vSwitch interface '%s' is of type %s, not patch: it has no peer"
                              % (want['interface'], iface['type']))
        changes.append({'action': 'set_patch_peer', 'interface': want['interface'], 'peer': want['peer'],
                        'argv': _vsctl(want, 'set', 'Interface', want['interface'], 'options:peer=%s' % want['peer'])})
    now = _scalar(iface['mtu_request'])
    if 'mtu_request' not in want or now == want['mtu_request']:
        return changes
    if want['mtu_request'] is None:
        return changes + [{'action': 'clear_mtu_request',
                           'argv': _vsctl(want, 'clear', 'Interface', want['interface'], 'mtu_request')}]
    return changes + [{'action': 'set_mtu_request',
                       'argv': _vsctl(want, 'set', 'Interface', want['interface'],
                                      'mtu_request=%d' % want['mtu_request']),
                       'interface': want['interface'], 'mtu': want['mtu_request']}]


def apply(runner, changes):
    """Set the column, then wait (up to SETTLE seconds) until ovs-vswitchd reports the device's new MTU."""
    common.apply(runner, changes)
    for change in changes:
        if change['action'] == 'set_patch_peer':
            _settle(runner, change['argv'][:3] + ['get', 'Interface', change['interface'], 'error'], ('', '[]'))
        if change.get('mtu') is None:
            continue
        deadline = time.time() + SETTLE
        while time.time() < deadline:
            if runner.check(change['argv'][:3] + ['get', 'Interface', change['interface'], 'mtu']).strip() \
                    == str(change['mtu']):
                break
            time.sleep(0.1)


def _settle(runner, argv, wanted):
    """Wait (up to SETTLE seconds) until ovs-vswitchd has reconfigured: ``argv`` prints one of ``wanted``."""
    deadline = time.time() + SETTLE
    while time.time() < deadline and runner.check(argv).strip() not in wanted:
        time.sleep(0.1)


def states(want, have, changes):
    now = have['interfaces'][want['interface']]
    before = {'interface': want['interface'], 'mtu_request': _scalar(now['mtu_request']), 'mtu': _scalar(now['mtu'])}
    if 'peer' in want:
        before.update({'peer': now['peer'], 'error': now['error']})
    after = dict(before)
    for change in changes:
        if change['action'] == 'set_patch_peer':
            after.update({'peer': want['peer'], 'error': None})
        else:
            after['mtu_request'] = want['mtu_request']
            if want['mtu_request'] is not None:
                after['mtu'] = want['mtu_request']
    return before, after
