# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inverse of each Windows/Hyper-V fix, from the fixer's ``before``/``after``/``changes``.
Pure. The fixer registry (``fixer_registry.py``) references one function per fixer.

Each ``<fixer>_inverse(args, result)`` is called for a changed result and returns
``(calls, reason)``: ``calls`` is a list of ``{module, args}``, or None with the reason when the
change cannot be undone by these plugins.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

PREFIX = 'vmnet.doctor.'
_BY_HAND = {'enable_rule': 'Disable-NetFirewallRule -Name %s', 'disable_rule': 'Enable-NetFirewallRule -Name %s',
            'set_profile': 'Set-NetFirewallProfile -Name %s -AllowInboundRules False'}


def _call(module, args):
    return {'module': PREFIX + module, 'args': args}


def win_icmp_rule_inverse(args, result):
    before, changes = result.get('before') or {}, result.get('changes') or []
    other = [c for c in changes if c.get('action') != 'create_rule']
    if other:
        return None, 'win_icmp_rule changed existing rules or profiles; undo by hand: %s' % '; '.join(
            _BY_HAND[c['action']] % (c.get('name') or c.get('profile')) if c['action'] in _BY_HAND else
            'restore rule %s to %s' % (c.get('name'), (before.get('rules') or {}).get(c.get('name')))
            for c in other)
    undo = dict((k, v) for k, v in args.items() if k in ('name', 'ip_version', 'source'))
    undo['state'] = 'absent'
    return [_call('win_icmp_rule', undo)], None


def win_default_gateway_inverse(args, result):
    before, changes = result.get('before') or {}, result.get('changes') or []
    mine = [c for c in changes if c.get('action') == 'remove_route']
    added = [c for c in changes if c.get('action') in ('add_route', 'set_metric')]
    if added and not mine:
        gateway = added[0]['gateway']
        old = [r for r in before.get('default_routes') or [] if r.get('gateway') == gateway]
        if old:          # only the metric changed
            undo = {'gateway': gateway, 'interface': old[0]['interface']}
            if old[0].get('metric') is not None:
                undo['metric'] = old[0]['metric']
            return [_call('win_default_gateway', undo)], None
        return [_call('win_default_gateway', {'gateway': gateway, 'interface': added[0]['interface'],
                                              'state': 'absent'})], None
    calls = []
    for removed in mine:
        undo = {'gateway': removed['gateway'], 'interface': removed['interface']}
        if removed.get('metric') is not None:
            undo['metric'] = removed['metric']
        calls.append(_call('win_default_gateway', undo))
    return calls, None


def win_interface_mtu_inverse(args, result):
    before, after = result.get('before') or {}, result.get('after') or {}
    old, new = before.get('mtu') or {}, after.get('mtu') or {}
    return [_call('win_interface_mtu', {'interface': before.get('interface') or args.get('interface'),
                                        'mtu': int(old[fam]), 'ip_version': fam})
            for fam in sorted(old) if old[fam] is not None and new.get(fam) != old[fam]], None


def hyperv_vm_nic_inverse(args, result):
    before, changes = result.get('before') or {}, result.get('changes') or []
    undo = {'vm': before.get('vm') or args.get('vm')}
    if before.get('mac'):
        undo['mac'] = before['mac']
    else:
        undo['adapter'] = before.get('adapter')
    for change in changes:
        if change['action'] == 'connect':
            if not before.get('switch'):
                return None, 'the adapter was not connected before; disconnect it with Disconnect-VMNetworkAdapter'
            undo['switch'] = before['switch']
        elif change['action'] == 'set_vlan':
            if before.get('vlan_mode') not in ('access', 'untagged'):
                return None, 'the adapter was in %s VLAN mode before' % before.get('vlan_mode')
            undo['vlan_id'] = before.get('vlan_id') if before.get('vlan_mode') == 'access' else 0
        elif change['action'] == 'set_mac_spoofing':
            undo['mac_spoofing'] = bool(before.get('mac_spoofing'))
    return [_call('hyperv_vm_nic', undo)], None
