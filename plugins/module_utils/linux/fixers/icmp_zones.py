# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""firewalld and ufw parts of the icmp_rule fixer (pure): firewall-cmd commands planned from the
zone evaluation, and edits of ufw's before.rules. Unit tests check the planned commands and file
edits; tests/integration/test_fw_daemons.py runs them against real firewalld and ufw in the lab."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.firewalld import (
    evaluate_firewalld, evaluate_firewalld_policy)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.icmp_rules import ipt_spec

UFW_MARK = '# vmnet.doctor: allow ICMP echo'
UFW_CHAIN = {'input': 'ufw-before-input', 'output': 'ufw-before-output',
             'forward': 'ufw-before-forward'}


def firewalld_rich_rule(family, net_src, icmp_type, net_dst=None):
    parts = ['rule', 'priority="-100"', 'family="%s"' % family]
    if net_src is not None:
        parts.append('source address="%s"' % str(net_src))
    if net_dst is not None:
        parts.append('destination address="%s"' % str(net_dst))
    parts += ['icmp-type name="%s"' % icmp_type, 'accept']
    return ' '.join(parts)


def plan_firewalld_policies(want, fw, pkts):
    """hook forward: a rich accept (priority -100, the echo's source and destination) in the
    firewalld policy between zones (firewalld >= 0.9) that drops or rejects the forwarded echo,
    through ``firewall-cmd --policy=NAME`` (+ --permanent). The policy's target and its other rules
    are left as they are. A forwarded echo no policy decides is refused: the zones decide it, and
    vmnet.doctor does not create policies."""
    policies = copy.deepcopy(fw.get('policies') or {})
    cmds = []
    for pkt in pkts:
        ours = firewalld_rich_rule(pkt['family'], want['source'], pkt['icmp_type'], want['destination'])
        if want['state'] == 'absent':
            for name in sorted(policies):
                if ours in policies[name]['rich_rules']:
                    policies[name]['rich_rules'].remove(ours)
                    cmds.append((name, 'remove rich rule',
                                 ['firewall-cmd', '--policy=%s' % name, '--remove-rich-rule=%s' % ours]))
            continue
        ev = evaluate_firewalld_policy(fw['zones'], policies, pkt, fw.get('default_zone'))
        if ev is None:
            raise DoctorError("firewalld: no policy decides the forwarded %s %s -> %s (its zones do); "
                              "vmnet.doctor changes policies between zones only; nothing was changed"
                              % (pkt['icmp_type'], pkt['src'], pkt['dst']))
        if ev['verdict'] == 'accept':
            continue
        policies[ev['policy']]['rich_rules'].append(ours)
        cmds.append((ev['policy'], 'add rich rule',
                     ['firewall-cmd', '--policy=%s' % ev['policy'], '--add-rich-rule=%s' % ours]))
    changes = []
    for name, action, argv in cmds:
        changes.append({'action': action, 'backend': 'firewalld', 'policy': name, 'argv': argv})
        if want['persist']:
            changes.append({'action': action + ' (permanent)', 'backend': 'firewalld', 'policy': name,
                            'argv': argv[:1] + ['--permanent'] + argv[1:]})
    return changes


def plan_firewalld(want, fw, pkts):
    """firewall-cmd changes in the zone that takes each packet (runtime, + --permanent); hook
    forward: in the policy that decides it (``plan_firewalld_policies``).

    The zone and its verdict come from the firewall package's zone evaluator. Source any and an
    icmp-block -> remove the block; source any under icmp-block-inversion -> add the type to
    the (inverted) list; otherwise (a source, a rich drop, a DROP/REJECT target) -> a rich
    accept with priority -100, evaluated before the zone's other rules."""
    if want['hook'] == 'forward':
        return plan_firewalld_policies(want, fw, pkts)
    if want['destination'] is not None or want['hook'] != 'input':
        raise DoctorError("firewalld: only hook input without destination (zones filter incoming "
                          "traffic) and hook forward (policies between zones) are supported; nothing "
                          "was changed")
    zones = copy.deepcopy(fw['zones'])
    cmds = []
    for pkt in pkts:
        ours = firewalld_rich_rule(pkt['family'], want['source'], pkt['icmp_type'])
        if want['state'] == 'absent':   # wherever it is: the packet's zone may have changed since
            for name in sorted(zones):
                if ours in zones[name]['rich_rules']:
                    zones[name]['rich_rules'].remove(ours)
                    cmds.append((name, 'remove rich rule',
                                 ['firewall-cmd', '--zone=%s' % name, '--remove-rich-rule=%s' % ours]))
            continue
        ev = evaluate_firewalld(zones, pkt, fw.get('default_zone'))
        if ev is None:
            continue
        zone = zones[ev['zone']]
        z = '--zone=%s' % ev['zone']
        if ours in zone['rich_rules'] or (ev['verdict'] == 'accept' and ev.get('certain')):
            continue
        t = pkt['icmp_type']
        if want['source'] is None and ev.get('setting') == 'icmp-block':
            zone['icmp_blocks'] = [b for b in zone['icmp_blocks'] if b != t]
            cmds.append((ev['zone'], 'remove icmp-block', ['firewall-cmd', z, '--remove-icmp-block=%s' % t]))
        elif want['source'] is None and ev.get('setting') == 'icmp-block-inversion':
            zone['icmp_blocks'] = zone['icmp_blocks'] + [t]
            cmds.append((ev['zone'], 'add icmp-block (inverted: allowed)',
                         ['firewall-cmd', z, '--add-icmp-block=%s' % t]))
        else:
            zone['rich_rules'] = zone['rich_rules'] + [ours]
            cmds.append((ev['zone'], 'add rich rule', ['firewall-cmd', z, '--add-rich-rule=%s' % ours]))
    changes = []
    for zname, action, argv in cmds:
        changes.append({'action': action, 'backend': 'firewalld', 'zone': zname, 'argv': argv})
        if want['persist']:
            changes.append({'action': action + ' (permanent)', 'backend': 'firewalld', 'zone': zname,
                            'argv': argv[:1] + ['--permanent'] + argv[1:]})
    return changes


def ufw_line(want, family, icmp_type):
    spec, _save = ipt_spec(family, want['source'], want['destination'], icmp_type, want['comment'])
    return '-A %s %s' % (UFW_CHAIN[want['hook']], ' '.join(
        ('"%s"' % w) if w == want['comment'] else w for w in spec))


def edit_ufw_rules(content, lines, remove=False):
    """before.rules with ``lines`` present (placed before the chain's first rule) or absent."""
    existing = content.splitlines()
    if remove:
        kept = [x for x in existing if x.strip() not in lines]
        if len(kept) == len(existing):
            return content
        kept = [x for i, x in enumerate(kept) if x != UFW_MARK or (
            i + 1 < len(kept) and kept[i + 1].startswith('-A ') and '--comment' in kept[i + 1])]
        return '\n'.join(kept) + '\n'
    missing = [x for x in lines if x not in [e.strip() for e in existing]]
    if not missing:
        return content
    out, pending = [], list(missing)
    in_filter = False
    for raw in existing:
        if raw.startswith('*'):
            in_filter = raw.strip() == '*filter'
        if pending and in_filter:
            chain = pending[0].split()[1]
            if raw.startswith('-A %s ' % chain) or raw.strip() == 'COMMIT':
                out += [UFW_MARK] + pending
                pending = []
        out.append(raw)
    if pending:
        raise DoctorError("ufw rules file has no *filter section to add the ICMP accept to")
    return '\n'.join(out) + '\n'
