# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rule text for the icmp_rule fixer (pure): the accepts it adds in nftables and iptables form,
how to recognise them again (by comment and shape), and edits of iptables-save text used to
simulate a change before making it."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
import shlex

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

ICMP_CODES = {'ipv4': {'echo-request': '8', 'echo-reply': '0'},
              'ipv6': {'echo-request': '128', 'echo-reply': '129'}}
IPT_BIN = {('ipv4', 'legacy'): 'iptables-legacy', ('ipv6', 'legacy'): 'ip6tables-legacy',
           ('ipv4', 'nft'): 'iptables-nft', ('ipv6', 'nft'): 'ip6tables-nft'}
NFT_FAMILY_OF = {'ipv4': 'ip', 'ipv6': 'ip6'}
# base chains / iptables built-in chains that can hold a rule for a packet on each path
HOOK_NFT = {'input': ('prerouting', 'input', 'ingress'),
            'output': ('output', 'postrouting'),
            'forward': ('prerouting', 'forward', 'postrouting', 'ingress')}
HOOK_IPT = {'input': ('PREROUTING', 'INPUT'), 'output': ('OUTPUT', 'POSTROUTING'),
            'forward': ('PREROUTING', 'FORWARD', 'POSTROUTING')}
_COUNTERS_RE = re.compile(r'\[\d+:\d+\]')


def addr_text(net):
    """nft/iptables form of a prefix: a bare address for host prefixes."""
    if net is None:
        return None
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def nft_match_words(family, net_src, net_dst, icmp_type):
    l3 = 'ip' if family == 'ipv4' else 'ip6'
    words = []
    if net_src is not None:
        words += [l3, 'saddr', addr_text(net_src)]
    if net_dst is not None:
        words += [l3, 'daddr', addr_text(net_dst)]
    words += ['icmp' if family == 'ipv4' else 'icmpv6', 'type', icmp_type]
    return words


def nft_expr(family, net_src, net_dst, icmp_type):
    """The JSON expression nft reports for the accept we add (used to simulate it)."""
    l3 = 'ip' if family == 'ipv4' else 'ip6'
    expr = []
    for field, net in (('saddr', net_src), ('daddr', net_dst)):
        if net is None:
            continue
        right = addr_text(net) if net.prefixlen == net.max_prefixlen else \
            {'prefix': {'addr': str(net.network_address), 'len': net.prefixlen}}
        expr.append({'match': {'op': '==', 'left': {'payload': {'protocol': l3, 'field': field}},
                               'right': right}})
    expr.append({'match': {'op': '==', 'left': {'payload': {
        'protocol': 'icmp' if family == 'ipv4' else 'icmpv6', 'field': 'type'}}, 'right': icmp_type}})
    expr.append({'counter': {'packets': 0, 'bytes': 0}})
    expr.append({'accept': None})
    return expr


def ipt_spec(family, net_src, net_dst, icmp_type, comment):
    """iptables argv spec (after -I CHAIN N) and the line iptables-save prints for it."""
    spec, save = [], []
    for flag, net in (('-s', net_src), ('-d', net_dst)):
        if net is not None:
            spec += [flag, addr_text(net)]
            save += [flag, str(net)]
    if family == 'ipv4':
        spec += ['-p', 'icmp', '--icmp-type', icmp_type]
        save += ['-p', 'icmp', '-m', 'icmp', '--icmp-type', ICMP_CODES['ipv4'][icmp_type]]
    else:
        spec += ['-p', 'ipv6-icmp', '--icmpv6-type', icmp_type]
        save += ['-p', 'ipv6-icmp', '-m', 'icmp6', '--icmpv6-type', ICMP_CODES['ipv6'][icmp_type]]
    tail = ['-m', 'comment', '--comment', comment, '-j', 'ACCEPT']
    save_line = ' '.join(save + ['-m', 'comment', '--comment', '"%s"' % comment, '-j', 'ACCEPT'])
    return spec + tail, save_line


def net_of(right):
    if isinstance(right, dict) and 'prefix' in right:
        return ipaddress.ip_network('%s/%s' % (right['prefix']['addr'], right['prefix']['len']),
                                    strict=False)
    if isinstance(right, str):
        try:
            return ipaddress.ip_network(right, strict=False)
        except ValueError:
            return 'unknown'
    return 'unknown'


def nft_rule_shape(rule):
    """(family, icmp types, src net, dst net, verdict) of a simple ICMP rule, else None."""
    family, types, nets, verdict = None, None, {'saddr': None, 'daddr': None}, None
    for e in rule.get('expr') or []:
        if 'match' in e:
            m = e['match']
            left = m.get('left') or {}
            payload = left.get('payload') if isinstance(left, dict) else None
            if not payload or m.get('op') not in ('==', 'in'):
                continue
            proto, field = payload.get('protocol'), payload.get('field')
            if proto in ('icmp', 'icmpv6') and field == 'type':
                family = 'ipv4' if proto == 'icmp' else 'ipv6'
                right = m.get('right')
                if isinstance(right, dict) and 'set' in right:
                    right = right['set']
                types = set(right if isinstance(right, list) else [right])
            elif proto in ('ip', 'ip6') and field in nets:
                nets[field] = net_of(m.get('right'))
        for v in ('accept', 'drop', 'reject'):
            if v in e:
                verdict = v
    if family is None:
        return None
    return family, types, nets['saddr'], nets['daddr'], verdict


def ipt_rule_shape(text):
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    family, types, src, dst, target, comment = None, set(), None, None, None, None
    codes = {}
    for fam, m in ICMP_CODES.items():
        for name, code in m.items():
            codes[(fam, code)] = name
    for i, w in enumerate(words[:-1]):
        nxt = words[i + 1]
        if w == '-s':
            src = ipaddress.ip_network(nxt, strict=False)
        elif w == '-d':
            dst = ipaddress.ip_network(nxt, strict=False)
        elif w == '--icmp-type':
            family = 'ipv4'
            types.add(codes.get(('ipv4', nxt), nxt))
        elif w == '--icmpv6-type':
            family = 'ipv6'
            types.add(codes.get(('ipv6', nxt), nxt))
        elif w == '-j':
            target = nxt
        elif w == '--comment':
            comment = nxt
    if family is None:
        return None
    return family, types, src, dst, target, comment


def same_net(a, b):
    return (a is None and b is None) or (a is not None and b is not None and a == b)


def find_ours(want, have):
    """Rules carrying ``comment`` that accept the wanted families/types from source to dest."""
    found = []
    comment = want['comment']
    if have['nft'] is not None:
        for chain in have['nft']['chains'].values():
            if chain.get('base') and chain.get('hook') not in HOOK_NFT[want['hook']]:
                continue
            for rule in chain['rules']:
                if rule.get('comment') != comment:
                    continue
                shape = nft_rule_shape(rule)
                if not shape or shape[4] != 'accept' or shape[0] not in want['families']:
                    continue
                if not (shape[1] & set(want['icmp_types'])):
                    continue
                if same_net(shape[2], want['source']) and same_net(shape[3], want['destination']):
                    found.append({'backend': 'nftables', 'family': chain['family'],
                                  'table': chain['table'], 'chain': chain['name'],
                                  'handle': rule['handle'], 'text': rule.get('text')})
    for (family, variant), tables in sorted(have['iptables'].items()):
        if family not in want['families']:
            continue
        for tname, table in sorted(tables.items()):
            for cname, chain in sorted(table['chains'].items()):
                if chain.get('policy') is not None and cname not in HOOK_IPT[want['hook']]:
                    continue
                for rule in chain['rules']:
                    shape = ipt_rule_shape(rule['text'])
                    if not shape or shape[5] != comment or shape[4] != 'ACCEPT':
                        continue
                    if not (shape[1] & set(want['icmp_types'])):
                        continue
                    if same_net(shape[2], want['source']) and same_net(shape[3], want['destination']):
                        found.append({'backend': 'iptables', 'family': family, 'variant': variant,
                                      'table': tname, 'chain': cname,
                                      'rule_number': rule['rule_number'], 'text': rule['text']})
    return found


def iptables_nft_tables(have):
    """(nft family, table name) pairs that belong to iptables-nft (not persisted as nft)."""
    out = set()
    for (family, variant), tables in have['iptables'].items():
        if variant == 'nft':
            for name in tables:
                out.add((NFT_FAMILY_OF[family], name))
    return out


def insert_save_line(text, table, chain, position, line):
    """Put ``line`` as rule ``position`` of ``chain`` in ``table`` of iptables-save text."""
    out, in_table, seen, done = [], False, 0, False
    prefix = '-A %s ' % chain
    for raw in text.splitlines():
        if raw.startswith('*'):
            in_table = raw[1:].strip() == table
        if in_table and not done:
            if raw.startswith(prefix) or raw.strip() == '-A %s' % chain:
                seen += 1
                if seen == position:
                    out.append(line)
                    done = True
            elif raw.strip() == 'COMMIT':
                out.append(line)
                done = True
        out.append(raw)
    if not done:
        raise DoctorError("iptables table %s has no chain %s" % (table, chain))
    return '\n'.join(out) + '\n'


def delete_save_line(text, table, chain, rule_text):
    out, in_table, done = [], False, False
    for raw in text.splitlines():
        if raw.startswith('*'):
            in_table = raw[1:].strip() == table
        if in_table and not done and raw == '-A %s %s' % (chain, rule_text):
            done = True
            continue
        out.append(raw)
    return '\n'.join(out) + '\n'


def normalise_iptables_save(text):
    """iptables-save output without the dated comments and with zeroed counters."""
    lines = [_COUNTERS_RE.sub('[0:0]', line) for line in (text or '').splitlines()
             if not line.startswith('#')]
    return '\n'.join(lines) + '\n' if lines else ''
