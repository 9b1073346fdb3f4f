# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: an interface's administrative state, and a bridge port stuck in an STP
blocking/listening/learning state on a bridge whose STP is off.

A link brought up passes traffic once the kernel reports it operational: a NIC negotiates its
carrier for a second or more after ``ip link set up``, and a probe sent before would count the fix
as no help. So the fixer waits (at most ``carrier_wait`` seconds) for that verdict."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    apply as apply_changes, check_ifname, require_link)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

RUNTIME_ONLY = True
HELD_STATES = ('blocking', 'listening', 'learning')
BR_STATE_FORWARDING = '3'
CARRIER_WAIT = (0.0, 60.0)
# The kernel's operational states (/sys/class/net/IF/operstate) of a link that passes traffic;
# "unknown": the driver reports none (loopback, some tun devices).
OPERATIONAL = ('up', 'unknown')
# A veth has its carrier decided when it is opened (on when its peer is up): nothing to wait for.
CARRIER_AT_OPEN = ('veth',)
POLL = 0.05


def want_from_params(params):
    state = params.get('state') or 'up'
    release = bool(params.get('release_stp'))
    if release and state == 'down':
        raise DoctorError('release_stp=true makes no sense with state=down')
    wait = params.get('carrier_wait')
    wait = 5.0 if wait is None else wait
    if not CARRIER_WAIT[0] <= wait <= CARRIER_WAIT[1]:
        raise DoctorError('carrier_wait must be between %g and %g seconds, got %r' % (CARRIER_WAIT + (wait,)),
                          obj='carrier_wait')
    return {'interface': check_ifname(params['interface']), 'state': state, 'release_stp': release,
            'carrier_wait': float(wait)}


def collect(runner, want):
    """The interfaces and bridges (schema shapes); a port's STP state from ``bridge -j link`` when
    ``release_stp`` asks about it."""
    state = KernelState(runner)
    links = state.interfaces()
    link = links.get(want['interface'])
    return {'links': links, 'bridges': state.bridges(port_states=bool(want['release_stp'] and link and link['master']))}


def bridge_stp_on(bridge):
    return bool(bridge and bridge['stp_enabled'])


def _port(want, have):
    """The schema bridge port entry of the interface, or None when it is no bridge's port."""
    master = (have['links'].get(want['interface']) or {}).get('master')
    for port in (have['bridges'].get(master) or {}).get('ports') or []:
        if port['name'] == want['interface']:
            return port
    return None


def port_state(want, have):
    if not want['release_stp']:
        return None
    port = _port(want, have)
    return port['state'] if port else None


def plan(want, have):
    link = require_link(have['links'], want['interface'])
    changes = []
    if want['release_stp']:
        master = link['master']
        if not master or _port(want, have) is None:
            raise DoctorError('release_stp=true but %s is not a bridge port' % want['interface'])
        require_link(have['links'], master, 'bridge')
        state = port_state(want, have)
        if state in HELD_STATES:
            if bridge_stp_on(have['bridges'][master]):
                raise DoctorError('port %s is %s on bridge %s, which runs STP: the STP state machine owns '
                                  'the port state; refusing to force it (fix the loop or turn STP off)'
                                  % (want['interface'], state, master))
    if want['state'] == 'up' and not link['admin_up']:
        change = {'action': 'link_up', 'argv': ['ip', 'link', 'set', 'dev', want['interface'], 'up']}
        if want['carrier_wait'] and link.get('kind') not in CARRIER_AT_OPEN:
            change.update(interface=want['interface'], carrier_wait=want['carrier_wait'])
        changes.append(change)
    elif want['state'] == 'down' and link['admin_up']:
        changes.append({'action': 'link_down', 'argv': ['ip', 'link', 'set', 'dev', want['interface'], 'down']})
    if want['release_stp'] and port_state(want, have) in HELD_STATES:
        changes.append({'action': 'release_stp',
                        'argv': ['bridge', 'link', 'set', 'dev', want['interface'], 'state', BR_STATE_FORWARDING]})
    return changes


def _view(want, have, up, state):
    view = {'interface': want['interface'], 'admin_up': up}
    if want['release_stp']:
        view['port_state'] = state
    return view


def states(want, have, changes):
    link = have['links'][want['interface']]
    up, state = link['admin_up'], port_state(want, have)
    after_up, after_state = up, state
    for c in changes:
        if c['action'] == 'link_up':
            after_up = True
            bridge = have['bridges'].get(link['master'])
            if state == 'disabled' and bridge is not None and not bridge_stp_on(bridge):
                after_state = 'forwarding'
        elif c['action'] == 'link_down':
            after_up = False
        elif c['action'] == 'release_stp':
            after_state = 'forwarding'
    return _view(want, have, up, state), _view(want, have, after_up, after_state)


def warnings(want, have):
    link = have['links'].get(want['interface']) or {}
    if want['state'] == 'up' and link.get('admin_up') and link.get('carrier') is False:
        return ['%s is up but has no carrier: the other end (peer, cable, VM NIC) is down'
                % want['interface']]
    return []


def operstate(runner, name):
    """The kernel's operational state of a link (lower case), None when it cannot be read."""
    text = runner.read('/sys/class/net/%s/operstate' % name)
    return text.strip().lower() if text else None


def wait_operational(runner, name, wait, clock=time.time, sleep=time.sleep):
    """Poll the link's operational state until the kernel reports it passes traffic, at most ``wait``
    seconds; return the last state read (None: not readable, then nothing is waited for)."""
    deadline = clock() + wait
    while True:
        state = operstate(runner, name)
        if state is None or state in OPERATIONAL or clock() >= deadline:
            return state
        sleep(POLL)


def apply(runner, changes):
    """The write path (common.apply), then the wait for the carrier of a link brought up."""
    apply_changes(runner, changes)
    for change in changes:
        if change.get('carrier_wait'):
            started = time.time()
            change['operstate'] = wait_operational(runner, change['interface'], change['carrier_wait'])
            change['waited'] = round(time.time() - started, 2)


def warnings_after(want, again, changes):
    """After a real run: a link brought up that the kernel still does not report operational."""
    for change in changes:
        state = change.get('operstate')
        if change.get('carrier_wait') and state is not None and state not in OPERATIONAL:
            return ['%s is up, but after %g s the kernel still reports it %s: no carrier (the other end - peer, '
                    'cable, VM NIC - is down or still negotiating)' % (want['interface'], change['carrier_wait'],
                                                                       state)]
    return []
