# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: VLAN membership of a Linux bridge port (PVID, allowed VIDs, egress untagged).

Only the VIDs named are touched. present: each VID in `vids`, `untagged` and `pvid` is allowed
on the port; `pvid` becomes the port's PVID; when `untagged` is given, the named VIDs in it are
egress-untagged and the other named VIDs tagged (omitted: the existing flags are kept, new
VIDs are tagged). absent: the VIDs in `vids` (and `pvid`) are removed from the port.

`bridge vlan add` on a VID the port already has rewrites both its flags, so every command
carries the full wanted flag set of its VID. Adding a VID with `pvid` moves the PVID.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    apply as common_apply, check_ifname, require_link)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

RUNTIME_ONLY = True
UNSUPPORTED_HINT = ('the kernel has no bridge VLAN filtering support (CONFIG_BRIDGE_VLAN_FILTERING): '
                    'it answered "Operation not supported"')


def _vid(v, what):
    if not isinstance(v, int) or not 1 <= v <= 4094:
        raise DoctorError('%s %s is not a valid VLAN id (1-4094)' % (what, v))
    return v


def want_from_params(params):
    state = params.get('state') or 'present'
    pvid = _vid(params['pvid'], 'pvid') if params.get('pvid') is not None else None
    vids = [_vid(v, 'vid') for v in (params.get('vids') or [])]
    untagged = params.get('untagged')
    if untagged is not None:
        untagged = [_vid(v, 'untagged vid') for v in untagged]
    if state == 'absent' and untagged:
        raise DoctorError('untagged is meaningless with state=absent')
    if pvid is None and not vids and not untagged:
        raise DoctorError('nothing to do: give pvid, vids and/or untagged')
    return {'port': check_ifname(params['port'], 'port'), 'state': state, 'pvid': pvid,
            'vids': sorted(set(vids)), 'untagged': sorted(set(untagged)) if untagged is not None else None}


def vlan_flags(vlans):
    """One port's schema VLAN membership ({pvid, vids, untagged}, parse.parse_bridge_vlans) ->
    {vid: {'pvid': bool, 'untagged': bool}}, the table the fixer plans on."""
    return dict((vid, {'pvid': vid == vlans['pvid'], 'untagged': vid in vlans['untagged']})
                for vid in vlans['vids'])


def collect(runner, want):
    """The interfaces, the bridges (vlan_filtering) and the port's VLAN table, schema shapes."""
    state = KernelState(runner)
    links = state.interfaces()
    have = {'links': links, 'bridges': state.bridges(), 'vlans': {}}
    if want['port'] in links:
        port = state.bridge_vlans().get(want['port'])
        have['vlans'] = vlan_flags(port) if port else {}
    return have


def _is_bridge(link):
    return link.get('kind') == 'bridge'


def _check_port(want, have):
    link = require_link(have['links'], want['port'], 'port')
    if not link['master'] and not _is_bridge(link):
        raise DoctorError('%s is neither a bridge port nor a bridge' % want['port'])
    return link


def _add_argv(port, vid, pvid, untagged, self_flag):
    argv = ['bridge', 'vlan', 'add', 'dev', port, 'vid', str(vid)]
    if pvid:
        argv.append('pvid')
    if untagged:
        argv.append('untagged')
    if self_flag:
        argv.append('self')
    return argv


def target(want, have):
    """The port's VLAN table after the change (pure)."""
    vlans = dict((vid, dict(f)) for vid, f in have['vlans'].items())
    if want['state'] == 'absent':
        for vid in want['vids'] + ([want['pvid']] if want['pvid'] is not None else []):
            vlans.pop(vid, None)
        return vlans
    named = set(want['vids']) | set(want['untagged'] or [])
    if want['pvid'] is not None:
        named.add(want['pvid'])
        for f in vlans.values():
            f['pvid'] = False
    for vid in named:
        f = vlans.setdefault(vid, {'pvid': False, 'untagged': False})
        if want['untagged'] is not None:
            f['untagged'] = vid in want['untagged']
        if vid == want['pvid']:
            f['pvid'] = True
    return vlans


def plan(want, have):
    link = _check_port(want, have)
    self_flag = _is_bridge(link)
    after = target(want, have)
    adds, dels = [], []
    for vid in sorted(set(after) | set(have['vlans'])):
        if vid not in after:
            argv = ['bridge', 'vlan', 'del', 'dev', want['port'], 'vid', str(vid)] + (['self'] if self_flag else [])
            dels.append({'action': 'del_vid', 'argv': argv})
        elif have['vlans'].get(vid) != after[vid]:
            if vid in have['vlans'] and not after[vid]['pvid'] and have['vlans'][vid]['pvid'] \
                    and after[vid]['untagged'] == have['vlans'][vid]['untagged']:
                continue   # only loses the PVID flag: the kernel does that when the new PVID is added
            argv = _add_argv(want['port'], vid, after[vid]['pvid'], after[vid]['untagged'], self_flag)
            adds.append({'action': 'add_vid', 'argv': argv})
    # adds before dels: an unsupported kernel fails on the first command, before any removal
    return adds + dels


def _view(port, vlans):
    pvid = [vid for vid, f in vlans.items() if f['pvid']]
    return {'port': port, 'pvid': pvid[0] if pvid else None, 'vids': sorted(vlans),
            'untagged': sorted(vid for vid, f in vlans.items() if f['untagged'])}


def states(want, have, changes):
    return _view(want['port'], have['vlans']), _view(want['port'], target(want, have) if changes else have['vlans'])


def warnings(want, have):
    link = have['links'].get(want['port']) or {}
    bridge = have['bridges'].get(want['port'] if _is_bridge(link) else link.get('master'))
    if bridge and not bridge['vlan_filtering']:
        return ['vlan_filtering is off on bridge %s: the VLAN table is kept but not enforced '
                'until it is turned on (this module leaves it as is)' % bridge['name']]
    return []


def apply(runner, changes):
    """Like common.apply, but names the missing kernel feature on "Operation not supported"."""
    try:
        common_apply(runner, changes)
    except DoctorError as e:
        if 'Operation not supported' in str(e):
            raise DoctorError('%s; %s' % (UNSUPPORTED_HINT, e))
        raise
