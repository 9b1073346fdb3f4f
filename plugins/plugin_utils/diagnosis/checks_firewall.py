# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firewall and IP-stack checks: ICMP verdicts recorded by the collectors (firewall.icmp)
and the sysctls that make a kernel ignore echo requests. No I/O."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import family_of
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_module, host_prefix
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_windows as win

RULE_KEYS = ('backend', 'family', 'table', 'chain', 'handle', 'rule_number', 'variant', 'policy')
# what the host's firewall manager calls the deciding rule (firewalld zone setting, ufw rule source)
MANAGER_KEYS = ('zone', 'zone_setting', 'zone_text', 'ufw_rule', 'firewalld_policy', 'ingress_zone', 'egress_zone')
REMOVABLE_BACKENDS = ('nftables', 'iptables')


def icmp_fix(host, hook, icmp_type, src, dst, deciding_rule=None):
    """icmp_rule arguments that let exactly this echo through; plus a remove_rule alternative
    when one specific (non-policy) nftables/iptables rule decided."""
    args = {'hook': hook, 'icmp_types': [icmp_type], 'ip_version': family_of(src or dst) or 'ipv4',
            'state': 'present'}
    if hook in ('input', 'forward') and src:
        args['source'] = host_prefix(src)
    if hook in ('output', 'forward') and dst:
        args['destination'] = host_prefix(dst)
    fix = fix_module('icmp_rule', host, **args)
    rule = deciding_rule or {}
    if rule and not rule.get('policy') and rule.get('backend') in REMOVABLE_BACKENDS:
        remove = dict((k, rule.get(k)) for k in ('backend', 'family', 'table', 'chain'))
        if rule.get('backend') == 'nftables' and rule.get('handle') is not None:
            remove['handle'] = rule.get('handle')
        elif rule.get('rule_number') is not None:
            remove['rule_number'] = rule.get('rule_number')
        else:
            return fix
        for key in ('variant', 'text'):
            if rule.get(key):
                remove[key] = rule.get(key)   # the fixer checks the rule is still this one
        alt_args = dict(args)
        alt_args['remove_rule'] = remove
        fix['alternatives'] = [{'module': fix['module'], 'host': host, 'args': alt_args,
                                'note': 'delete the dropping rule itself (it may also drop other traffic the '
                                        'owner wanted dropped)'}]
    return fix


def check_icmp(ctx, role, hook, icmp_type, src, dst, direction, cid, breaks):
    view = ctx.view(role)
    if not view.present:
        return ctx.skipped(cid, role, 'no facts')
    if not src or not dst:
        return ctx.skipped(cid, role, 'address pair unknown')
    if hook == 'forward' and win.is_windows(view):
        return ctx.passed(cid, role, win.FORWARD_NOTE)
    entry = view.icmp_verdict(hook, icmp_type, src, dst)
    unreadable = view.firewall_readable()
    if entry is None:
        if unreadable:
            return ctx.skipped(cid, role, 'firewall unknown: %s' % unreadable)
        backends = view.section('firewall').get('backends') or {}
        if backends and not any((b or {}).get('active') for b in backends.values() if isinstance(b, dict)):
            return ctx.passed(cid, role, 'no active firewall backend')
        return ctx.skipped(cid, role, 'no %s %s verdict for %s -> %s in the facts (collect with peers/flows naming them)'
                           % (hook, icmp_type, src, dst))
    rule = entry.get('deciding_rule') or {}
    verdict = entry.get('verdict')
    if verdict not in ('drop', 'reject'):
        return ctx.passed(cid, role, '%s %s %s -> %s: %s%s' % (
            hook, icmp_type, src, dst, verdict, '' if entry.get('certain', True) else ' (a rule may match)'))
    confidence = 'high' if entry.get('certain', True) and not unreadable else 'medium'
    if win.is_windows(view):
        return win.icmp_blocked(ctx, role, hook, icmp_type, src, dst, direction, cid, breaks, entry, confidence)
    obj = {'type': 'firewall_rule', 'hook': hook}
    for key in RULE_KEYS + MANAGER_KEYS:
        if rule.get(key) is not None:
            obj[key] = rule.get(key)
    where = 'chain policy of %s %s' % (rule.get('table'), rule.get('chain')) if rule.get('policy') else \
        'rule %s in %s %s%s' % (rule.get('handle') if rule.get('handle') is not None else rule.get('rule_number'),
                                rule.get('table'), rule.get('chain'),
                                ' (%s)' % rule.get('text') if rule.get('text') else '')
    if rule.get('firewalld_policy'):
        where = 'firewalld policy %s (zone %s -> zone %s), %s; %s' % (
            rule['firewalld_policy'], rule.get('ingress_zone'), rule.get('egress_zone'),
            rule.get('zone_text') or rule.get('zone_setting'), where)
    elif rule.get('zone'):
        where = 'firewalld zone %s, %s; %s' % (rule['zone'], rule.get('zone_text') or rule.get('zone_setting'), where)
    elif rule.get('ufw_rule'):
        where = 'ufw: %s; %s' % (rule['ufw_rule'], where)
    return ctx.find('ICMP_BLOCKED', role, direction, obj,
                    {'verdict': entry, 'incomplete_firewall_facts': unreadable} if unreadable else {'verdict': entry},
                    confidence,
                    'The %s firewall on %s %ss ICMP %s %s -> %s (%s).' % (
                        hook, view.host, verdict, icmp_type, src, dst, where),
                    icmp_fix(view.host, hook, icmp_type, src, dst, rule), check_id=cid, breaks=breaks)


def check_icmp_ignored(ctx, role, direction, cid, breaks):
    view = ctx.view(role)
    if not view.present:
        return ctx.skipped(cid, role, 'no facts')
    family = ctx.topology.get('family')
    value = view.sysctl(family, 'icmp_echo_ignore_all')
    if value is None:
        return ctx.skipped(cid, role, 'icmp_echo_ignore_all unknown: %s' % (
            view.section_error('sysctls') or 'not in the facts'))
    if value == 0:
        return ctx.passed(cid, role, '%s icmp_echo_ignore_all = 0' % family)
    # net_sysctl names the IPv6 key (net.ipv6.icmp.echo_ignore_all) icmpv6_echo_ignore_all
    fix = fix_module('net_sysctl', view.host, name='icmp_echo_ignore_all' if family == 'ipv4' else 'icmpv6_echo_ignore_all',
                     value=0)
    return ctx.find('ICMP_IGNORED', role, direction, {'type': 'sysctl', 'name': 'icmp_echo_ignore_all', 'family': family},
                    {'sysctl': '%s.icmp_echo_ignore_all' % family, 'value': value}, 'high',
                    '%s ignores every ICMP echo request (%s icmp_echo_ignore_all = %s).' % (view.host, family, value),
                    fix, check_id=cid, breaks=breaks)
