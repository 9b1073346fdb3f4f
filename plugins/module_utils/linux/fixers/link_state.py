# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: an interface's administrative state, and a bridge port stuck in an STP
blocking/listening/learning state on a bridge whose STP is off."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    check_ifname, links_by_name, require_link)

RUNTIME_ONLY = True
HELD_STATES = ('blocking', 'listening', 'learning')
BR_STATE_FORWARDING = '3'


def want_from_params(params):
    state = params.get('state') or 'up'
    release = bool(params.get('release_stp'))
    if release and state == 'down':
        raise DoctorError('release_stp=true makes no sense with state=down')
    return {'interface': check_ifname(params['interface']), 'state': state, 'release_stp': release}


def collect(runner, want):
    have = {'links': links_by_name(runner.json(['ip', '-j', '-d', 'link', 'show'])),
            'ports': {}}
    link = have['links'].get(want['interface'])
    if want['release_stp'] and link and link.get('master'):
        have['ports'] = links_by_name(runner.json(['bridge', '-j', 'link', 'show']))
    return have


def admin_up(link):
    return 'UP' in (link.get('flags') or [])


def bridge_stp_on(bridge_link):
    data = (bridge_link.get('linkinfo') or {}).get('info_data') or {}
    return data.get('stp_state', 0) != 0


def port_state(want, have):
    port = have['ports'].get(want['interface'])
    return port.get('state') if port else None


def plan(want, have):
    link = require_link(have['links'], want['interface'])
    changes = []
    if want['release_stp']:
        master = link.get('master')
        if not master or want['interface'] not in have['ports']:
            raise DoctorError('release_stp=true but %s is not a bridge port' % want['interface'])
        bridge = require_link(have['links'], master, 'bridge')
        state = port_state(want, have)
        if state in HELD_STATES:
            if bridge_stp_on(bridge):
                raise DoctorError('port %s is %s on bridge %s, which runs STP: the STP state machine owns '
                                  'the port state; refusing to force it (fix the loop or turn STP off)'
                                  % (want['interface'], state, master))
    if want['state'] == 'up' and not admin_up(link):
        changes.append({'action': 'link_up', 'argv': ['ip', 'link', 'set', 'dev', want['interface'], 'up']})
    elif want['state'] == 'down' and admin_up(link):
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
    up, state = admin_up(link), port_state(want, have)
    after_up, after_state = up, state
    for c in changes:
        if c['action'] == 'link_up':
            after_up = True
            bridge = have['links'].get(link.get('master') or '')
            if state == 'disabled' and bridge is not None and not bridge_stp_on(bridge):
                after_state = 'forwarding'
        elif c['action'] == 'link_down':
            after_up = False
        elif c['action'] == 'release_stp':
            after_state = 'forwarding'
    return _view(want, have, up, state), _view(want, have, after_up, after_state)


def warnings(want, have):
    link = have['links'].get(want['interface']) or {}
    if want['state'] == 'up' and 'NO-CARRIER' in (link.get('flags') or []) and admin_up(link):
        return ['%s is up but has no carrier: the other end (peer, cable, VM NIC) is down'
                % want['interface']]
    return []
