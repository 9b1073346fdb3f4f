# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The icmp_rule fixer: let ICMP echo through the firewall the host actually uses.

Built like every fixer (see ``fixers/__init__.py``): ``want_from_params`` -> ``collect`` ->
``plan`` -> ``states``; the module's ``main()`` hands it to :func:`common.run_fixer`.

How "present" is decided and planned (all pure, on the parsed rulesets):

* Each wanted packet (ip_version x icmp_types, from ``source`` to ``destination`` on ``hook``)
  is evaluated with :func:`firewall.evaluate_packet` over nftables and both iptables variants.
  A packet that is already accepted with certainty needs nothing (an accept placed *below* the
  drop does not count: the evaluator meets the drop first).
* Otherwise the first rule on the packet's path that drops or rejects it (``match`` yes or
  maybe) gets an accept inserted right before it, in the same chain: nftables
  ``nft insert rule ... position <handle>``, iptables ``-I <chain> <rule_number>`` with the
  binary of the variant that holds the rule (iptables-legacy / iptables-nft, ip6tables-*).
  When a chain policy decided, the accept is appended to that base chain. The insert is
  simulated on the parsed ruleset and the packet evaluated again, until it is accepted
  (a packet crosses several base chains and backends).
* firewalld (when it runs, or ``backend: firewalld``) is handled at zone level with
  ``firewall-cmd``: remove the icmp-block when the source is any, else add a rich rule with a
  negative priority (evaluated before the zone's icmp-blocks); a forwarded echo (hook forward)
  that a policy between zones (firewalld >= 0.9) drops gets the same rich accept, with source
  and destination, in that policy (``firewall-cmd --policy``).
* ufw is iptables underneath: runtime inserts go into its ``ufw-before-*`` chains like any
  iptables rule; ``persist`` adds the same line to ``/etc/ufw/before.rules`` (before6.rules).
* ``remove_rule`` deletes exactly the named drop, after checking it still is a drop/reject
  on the packet's path (and, when ``text`` is given, that its text is unchanged).
* ``state: absent`` deletes the rules that carry ``comment`` and match source/destination/types.

Representative addresses: a source/destination prefix is evaluated for its first host address
(the address itself for /32, /128, /31, /127); "any" is evaluated as unknown (rules that match
on addresses then count as "maybe").
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import re
import shlex

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import (
    evaluate_packet, parse_iptables_save, parse_nft_ruleset)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import daemons
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.firewalld import (
    parse_firewalld_policies, parse_firewalld_zones)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import apply as base_apply
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    argv_text, partial_failure, strict_network)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import checked
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.icmp_rules import (
    IPT_BIN, delete_save_line, find_ours, insert_save_line, iptables_nft_tables,
    ipt_spec, nft_expr, nft_match_words, normalise_iptables_save)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.icmp_zones import (
    UFW_CHAIN, edit_ufw_rules, plan_firewalld, ufw_line)

RUNTIME_ONLY = True
MAX_STEPS = 12
ICMP_TYPES = ('echo-request', 'echo-reply')
DEFAULT_PATHS = {'nftables': '/etc/nftables.conf', 'iptables': '/etc/iptables/rules.v4',
                 'ip6tables': '/etc/iptables/rules.v6', 'ufw_before_rules': '/etc/ufw/before.rules',
                 'ufw_before6_rules': '/etc/ufw/before6.rules'}
NFT_HEADER = '#!/usr/sbin/nft -f\n# written by vmnet.doctor.icmp_rule\nflush ruleset\n\n'
_COMMENT_RE = re.compile(r'^[A-Za-z0-9_.:@/+-]{1,64}$')
_NAME_RE = re.compile(r'^[A-Za-z0-9_.-]{1,64}$')


# ------------------------------------------------------------------------------ want

def _prefix(value, what, family=None):
    if value is None or value == 'any':
        return None
    text = to_text(value).strip()
    if not text:
        raise DoctorError("%s must be an address or prefix, or 'any' (got an empty string, which would "
                          "match every address)" % what)
    return strict_network(value, what, 'address or prefix')


def _representative(net):
    if net is None:
        return None
    if net.num_addresses <= 2:
        return str(net.network_address)
    return str(net.network_address + 1)


def want_from_params(params):
    source = _prefix(params.get('source'), 'source')
    destination = _prefix(params.get('destination'), 'destination')
    ip_version = params.get('ip_version') or 'ipv4'
    families = ['ipv4', 'ipv6'] if ip_version == 'both' else [ip_version]
    for what, net in (('source', source), ('destination', destination)):
        if net is not None and (len(families) > 1 or families[0] != 'ipv%d' % net.version):
            raise DoctorError("%s %s is IPv%d but ip_version is %s (use ip_version: ipv%d, or an "
                              "any %s with ip_version: both)"
                              % (what, net, net.version, ip_version, net.version, what))
    types = params.get('icmp_types') or ['echo-request']
    for t in types:
        if t not in ICMP_TYPES:
            raise DoctorError("icmp_types: '%s' is not one of %s" % (t, ', '.join(ICMP_TYPES)))
    comment = 'vmnet.doctor' if params.get('comment') is None else params['comment']
    if not _COMMENT_RE.match(comment):
        raise DoctorError("comment '%s' must be 1-64 characters of letters, digits and _.:@/+-"
                          % comment)
    state = params.get('state') or 'present'
    remove_rule = params.get('remove_rule')
    if remove_rule:
        if state != 'present':
            raise DoctorError("remove_rule deletes a drop; it cannot be combined with state: absent")
        remove_rule = _want_remove_rule(remove_rule)
    paths = dict(DEFAULT_PATHS)
    explicit = []
    for key, value in (params.get('persist_paths') or {}).items():
        if value is not None:
            paths[key] = to_text(value)
            if paths[key] != DEFAULT_PATHS.get(key):   # the argspec fills in the defaults
                explicit.append(paths[key])
    return {
        'source': source, 'destination': destination, 'families': families,
        'icmp_types': list(dict.fromkeys(types)), 'hook': params.get('hook') or 'input',
        'backend': params.get('backend') or 'auto', 'state': state, 'remove_rule': remove_rule,
        'persist': bool(params.get('persist')), 'comment': comment, 'paths': paths, 'explicit_paths': explicit,
    }


def _want_remove_rule(rr):
    rr = dict((k, v) for k, v in rr.items() if v is not None)
    backend = rr.get('backend')
    for key in ('family', 'table', 'chain'):
        if not rr.get(key) or not _NAME_RE.match(to_text(rr[key])):
            raise DoctorError("remove_rule.%s is required and must be a plain name (got %r)"
                              % (key, rr.get(key)))
    if backend == 'nftables':
        if rr.get('handle') is None:
            raise DoctorError("remove_rule with backend nftables needs handle")
        if rr['family'] not in ('ip', 'ip6', 'inet', 'netdev', 'bridge', 'arp'):
            raise DoctorError("remove_rule.family '%s' is not an nftables family" % rr['family'])
    elif backend == 'iptables':
        if rr.get('rule_number') is None:
            raise DoctorError("remove_rule with backend iptables needs rule_number")
        if rr['family'] not in ('ipv4', 'ipv6'):
            raise DoctorError("remove_rule.family must be ipv4 or ipv6 for iptables (got '%s')"
                              % rr['family'])
    else:
        raise DoctorError("remove_rule.backend must be nftables or iptables (got %r)" % backend)
    for key in ('handle', 'rule_number'):
        if rr.get(key) is not None and int(rr[key]) < 1:
            raise DoctorError("remove_rule.%s must be a positive integer" % key)
    return rr


def packets(want):
    out = []
    for family in want['families']:
        for t in want['icmp_types']:
            out.append({'family': family, 'hook': want['hook'], 'icmp_type': t,
                        'src': _representative(want['source']),
                        'dst': _representative(want['destination']), 'iif': None, 'oif': None})
    return out


# ------------------------------------------------------------------------------ have

def _ipt_save_bin(family, variant):
    return IPT_BIN[(family, variant)] + '-save'


def have_from_outputs(nft_json=None, iptables=None, firewalld=None, ufw_active=False,
                      files=None, dumps=None, tools=None):
    """Parse raw outputs into ``have`` (pure; unit tests feed recorded outputs here).

    ``iptables``: {(family, variant): iptables-save text}. ``firewalld``: zone state dict or
    None. ``files``: {path: content or None}. ``dumps``: {key: normalised dump text}.
    """
    have = {'nft': None, 'iptables': {}, 'firewalld': firewalld, 'ufw': bool(ufw_active),
            'files': dict(files or {}), 'dumps': dict(dumps or {}), 'tools': dict(tools or {}),
            'iptables_text': {}, 'read_errors': []}
    if nft_json is not None:
        have['nft'] = parse_nft_ruleset(nft_json)
        have['tools'].setdefault('nftables', True)
    for (family, variant), text in sorted((iptables or {}).items()):
        have['iptables'][(family, variant)] = parse_iptables_save(text or '', family, variant)
        have['iptables_text'][(family, variant)] = text or ''
        have['tools'].setdefault('iptables_' + variant, True)
    return have


def _sources(have):
    src = {}
    if have['nft'] is not None:
        src['nft'] = have['nft']
    if have['iptables']:
        src['iptables'] = [have['iptables'][k] for k in sorted(have['iptables'])]
        src['nft_skip'] = sorted(iptables_nft_tables(have))
    if have.get('firewalld'):
        src['firewalld'] = {'zones': copy.deepcopy(have['firewalld']['zones']),
                            'default_zone': have['firewalld'].get('default_zone')}
    return src


def _rc_ok(runner, argv):
    """stdout of a read command that must succeed (any runner with ``run``)."""
    return checked(runner.run, argv)


def collect(runner, want):
    which = runner.module.get_bin_path
    tools = {'nftables': bool(which('nft')), 'firewalld': bool(which('firewall-cmd')),
             'ufw': bool(which('ufw'))}
    nft_json = None
    if tools['nftables']:
        nft_json = _rc_ok(runner, ['nft', '-j', 'list', 'ruleset'])
    iptables, read_errors = {}, []
    for variant in ('legacy', 'nft'):
        tools['iptables_' + variant] = bool(which(IPT_BIN[('ipv4', variant)]))
        for family in ('ipv4', 'ipv6'):
            binary = _ipt_save_bin(family, variant)
            if which(binary):
                rc, out, err = runner.run([binary])
                if rc == 0:
                    iptables[(family, variant)] = out
                else:
                    read_errors.append('%s failed (rc=%s): %s; its rules were not evaluated'
                                       % (binary, rc, (err or out).strip()))
    # The front-ends are Python programs (0.2-0.7 s each): not asked when the host's own state says they are off.
    firewalld = None
    if tools['firewalld'] and (want['backend'] in ('auto', 'firewalld')) and not daemons.firewalld_off():
        rc, out, _err = runner.run(['firewall-cmd', '--state'])
        if rc == 0 and out.strip() == 'running':
            firewalld = collect_firewalld(runner, want)
    ufw_active = False
    if tools['ufw'] and not daemons.ufw_off():
        rc, out, _err = runner.run(['ufw', 'status'])
        ufw_active = rc == 0 and 'Status: active' in out
    have = have_from_outputs(nft_json, iptables, firewalld, ufw_active, tools=tools)
    have['read_errors'] = read_errors
    have['iif'] = incoming_interfaces(runner, want) if firewalld else {}   # picks the zone
    have['oif'] = incoming_interfaces(runner, want, 'dst') if firewalld else {}   # the egress zone (forward)
    if want['persist']:
        have['unwritable'] = {}
        for path in want['paths'].values():
            try:
                runner.check_writable(path, 'persist path')
                have['files'][path] = runner.read_file(path, 'persist path')
            except DoctorError as e:
                if path in want['explicit_paths']:
                    raise   # a persist path the user named must be usable
                have['unwritable'][path] = str(e)   # a default one is refused only if it is to be written
                have['files'][path] = None
        have['dumps'] = collect_dumps(runner, have)
    return have


def incoming_interfaces(runner, want, key='src'):
    """{source address: interface its packets come in on} (the route back to it), for hooks input
    and forward; with ``key='dst'``: {destination: interface a forwarded packet leaves by}."""
    found = {}
    if want['hook'] not in (('input', 'forward') if key == 'src' else ('forward',)):
        return found
    for pkt in packets(want):
        if pkt[key] and pkt[key] not in found:
            try:
                lookup = KernelState(runner).route_get(pkt[key])
            except DoctorError:   # no route: the zone cannot be told from the interface
                lookup = None
            dev = (lookup or {}).get('dev')
            if dev and dev != 'lo':
                found[pkt[key]] = dev
    return found


def collect_firewalld(runner, want):
    zones = parse_firewalld_zones(_rc_ok(runner, ['firewall-cmd', '--list-all-zones']))
    default = _rc_ok(runner, ['firewall-cmd', '--get-default-zone']).strip()
    rc, out, _err = runner.run(['firewall-cmd', '--list-all-policies'])   # firewalld >= 0.9
    return {'running': True, 'default_zone': default, 'zones': zones,
            'policies': parse_firewalld_policies(out) if rc == 0 else {}}


def collect_dumps(runner, have):
    """What ``persist`` would write for each backend, from the current runtime state."""
    dumps = {}
    if have['nft'] is not None:
        skip = iptables_nft_tables(have)
        parts = []
        for t in have['nft']['tables']:
            if (t['family'], t['name']) in skip:
                continue
            parts.append(_rc_ok(runner, ['nft', '-s', 'list', 'table', t['family'], t['name']]))
        dumps['nftables'] = NFT_HEADER + ''.join(parts)
    for (family, variant) in sorted(have['iptables']):
        dumps['iptables %s %s' % (family, variant)] = normalise_iptables_save(
            _rc_ok(runner, [_ipt_save_bin(family, variant)]))
    return dumps


# ------------------------------------------------------------------------------ rules: build

# ------------------------------------------------------------------------------ rules: find ours

# ------------------------------------------------------------------------------ evaluation helpers

def accepted(ev):
    return ev.get('verdict') in (None, 'accept') and bool(ev.get('certain', True))


def summary(ev):
    d = ev.get('deciding_rule') or None
    if d:
        d = dict((k, d.get(k)) for k in ('backend', 'family', 'table', 'chain', 'handle',
                                         'rule_number', 'variant', 'policy', 'text', 'comment'))
        if isinstance(d.get('handle'), int) and d['handle'] < 0:
            d['handle'] = None   # a rule this module adds: nft gives it a handle when it exists
            d['new'] = True
    return {'family': ev.get('family'), 'hook': ev.get('hook'), 'icmp_type': ev.get('icmp_type'),
            'src': ev.get('src'), 'dst': ev.get('dst'), 'verdict': ev.get('verdict'),
            'certain': ev.get('certain'), 'deciding_rule': d}


def _is_iptables(entry):
    return entry.get('variant') in ('legacy', 'nft') or entry.get('backend') in ('iptables', 'ufw')


def blocking_point(ev):
    """Where an accept must go: the first drop/reject on the path, or the deciding policy."""
    for entry in ev.get('trace') or []:
        if entry.get('verdict') in ('drop', 'reject') and entry.get('match') in ('yes', 'maybe'):
            if entry.get('handle') is None and entry.get('rule_number') is None:
                return dict(entry, policy=True)
            return dict(entry, policy=False)
    d = ev.get('deciding_rule') or {}
    if ev.get('verdict') in ('drop', 'reject') and d:
        return dict(d, policy=bool(d.get('policy')) or (d.get('handle') is None and d.get('rule_number') is None))
    return None


# ------------------------------------------------------------------------------ planning

def _backend_of(point):
    if point.get('backend') == 'firewalld':
        return 'firewalld'
    return 'iptables' if _is_iptables(point) else 'nftables'


def _allowed_backend(want, backend, point):
    wanted = want['backend']
    if wanted == 'auto':
        return
    if wanted == 'ufw' and point.get('backend') == 'ufw':
        return
    if wanted == backend and not (wanted == 'iptables' and point.get('backend') == 'ufw'):
        return
    raise DoctorError("ICMP %s is dropped by %s rule %s, but backend %s was requested; nothing "
                      "was changed" % (point.get('_pkt', ''), backend, _where(point), wanted))


def _where(entry):
    pos = ('handle %s' % entry['handle']) if entry.get('handle') is not None else \
        ('rule %s' % entry['rule_number']) if entry.get('rule_number') is not None else 'policy'
    variant = (' (%s)' % entry['variant']) if entry.get('variant') else ''
    return '%s %s %s %s%s: %s' % (entry.get('family'), entry.get('table'), entry.get('chain'), pos,
                                  variant, entry.get('text') or 'chain policy')


def _ufw_point(sim, point, hook):
    """With ufw active, an accept for a drop in ufw's chains (or the policy of the built-in chain
    that jumps into them) goes first in ``ufw-before-<hook>``, where ufw's before.rules put it."""
    tables = sim['iptables'].get((point.get('family'), point.get('variant'))) or {}
    chains = (tables.get(point.get('table') or 'filter') or {}).get('chains', {})
    target = UFW_CHAIN[hook]
    if target not in chains or not (point['chain'].startswith('ufw') or point['policy']):
        return point
    moved = dict(point, chain=target, table=point.get('table') or 'filter')
    if chains[target]['rules']:
        moved.update(rule_number=1, policy=False, handle=None)
    else:
        moved.update(policy=True)
    return moved


def _nft_insert(want, sim, point, pkt, counter):
    family, table, chain = point['family'], point['table'], point['chain']
    key = '%s %s %s' % (family, table, chain)
    ch = sim['nft']['chains'].get(key)
    if ch is None:
        raise DoctorError("nftables chain %s from the evaluation is not in the ruleset" % key)
    words = nft_match_words(pkt['family'], want['source'], want['destination'], pkt['icmp_type'])
    rule = {'family': family, 'table': table, 'chain': chain, 'handle': -counter,
            'expr': nft_expr(pkt['family'], want['source'], want['destination'], pkt['icmp_type']),
            'text': ' '.join(words + ['counter', 'accept']), 'comment': want['comment']}
    tail = ['counter', 'accept', 'comment', '"%s"' % want['comment']]
    if point['policy']:
        argv = ['nft', 'add', 'rule', family, table, chain] + words + tail
        ch['rules'].append(rule)
        where = 'end of chain (policy %s)' % ch.get('policy')
    else:
        idx = [i for i, r in enumerate(ch['rules']) if r.get('handle') == point['handle']]
        if not idx:
            raise DoctorError("nftables rule handle %s is not in chain %s" % (point['handle'], key))
        argv = ['nft', 'insert', 'rule', family, table, chain, 'position', str(point['handle'])] + words + tail
        ch['rules'].insert(idx[0], rule)
        where = 'before handle %s' % point['handle']
    return {'action': 'insert', 'backend': 'nftables', 'family': family, 'table': table,
            'chain': chain, 'where': where, 'rule': rule['text'], 'argv': argv}


def _ipt_insert(want, sim, point, pkt):
    family = point.get('family') or pkt['family']
    variant = point.get('variant')
    if (family, variant) not in sim['iptables']:
        raise DoctorError("iptables %s %s tables from the evaluation are not loaded" % (family, variant))
    tables = sim['iptables'][(family, variant)]
    table, chain = point.get('table') or 'filter', point['chain']
    spec, save_line = ipt_spec(pkt['family'], want['source'], want['destination'],
                               pkt['icmp_type'], want['comment'])
    binary = IPT_BIN[(family, variant)]
    rules = tables[table]['chains'][chain]['rules']
    if point['policy']:
        position = len(rules) + 1
        argv = [binary, '-w', '-t', table, '-A', chain] + spec
        where = 'end of chain (policy %s)' % tables[table]['chains'][chain].get('policy')
    else:
        position = int(point['rule_number'])
        argv = [binary, '-w', '-t', table, '-I', chain, str(position)] + spec
        where = 'before rule %s' % position
    # simulate: edit the saved text and parse it again (the parser stays the only reader)
    text = sim['iptables_text'][(family, variant)]
    text = insert_save_line(text, table, chain, position, '-A %s %s' % (chain, save_line))
    sim['iptables_text'][(family, variant)] = text
    sim['iptables'][(family, variant)] = parse_iptables_save(text, family, variant)
    return {'action': 'insert', 'backend': 'iptables', 'family': family, 'variant': variant,
            'table': table, 'chain': chain, 'where': where, 'rule': save_line, 'argv': argv}


def _new_sim(have):
    return {'nft': copy.deepcopy(have['nft']), 'iptables': copy.deepcopy(have['iptables']),
            'iptables_text': dict(have['iptables_text']), 'firewalld': have.get('firewalld')}


def _evaluate(sim, pkt):
    return evaluate_packet(_sources(sim), pkt)


def simulate(want, have):
    """(changes, sim, evaluations before, evaluations after, warnings) — pure."""
    sim = _new_sim(have)
    # the interface a packet from the source comes in on picks the firewalld zone (and iifname rules)
    pkts = [dict(p, iif=p['iif'] or (have.get('iif') or {}).get(p['src']),
                 oif=p['oif'] or (have.get('oif') or {}).get(p['dst'])) for p in packets(want)]
    before = [_evaluate(sim, p) for p in pkts]
    changes, warnings = [], []
    if want['backend'] in ('nftables',) and not have['tools'].get('nftables'):
        raise DoctorError("backend nftables was requested but nft is not installed; nothing was changed")
    if want['backend'] == 'iptables' and not (have['tools'].get('iptables_legacy') or
                                              have['tools'].get('iptables_nft')):
        raise DoctorError("backend iptables was requested but no iptables binary is installed; "
                          "nothing was changed")
    if want['backend'] == 'ufw' and not have['ufw']:
        raise DoctorError("backend ufw was requested but ufw is not installed or not active; "
                          "nothing was changed")
    if want['backend'] == 'firewalld' and not (have['firewalld'] or {}).get('running'):
        raise DoctorError("backend firewalld was requested but firewalld is not running; "
                          "nothing was changed")
    if have['firewalld'] and have['firewalld'].get('running') and want['backend'] in ('auto', 'firewalld'):
        changes = plan_firewalld(want, have['firewalld'], pkts)
        return changes, sim, before, before, ['firewalld: planned at zone level (icmp-blocks, rich '
                                              'rules); the evaluation of other tables is not repeated']
    if want['state'] == 'absent':
        for rule in find_ours(want, have):
            changes.append(_delete_ours(sim, rule))
    elif want['remove_rule']:
        if not all(accepted(ev) for ev in before):
            changes.append(_remove_named(want, sim, before))
    else:
        counter = 0
        for pkt in pkts:
            last = None
            for _step in range(MAX_STEPS):
                ev = _evaluate(sim, pkt)
                if accepted(ev):
                    break
                point = blocking_point(ev)
                if point is None:
                    raise DoctorError("ICMP %s %s from %s is %s%s but no rule or policy on its path "
                                      "drops it; nothing was changed"
                                      % (pkt['family'], pkt['icmp_type'], pkt['src'] or 'any',
                                         ev.get('verdict'), '' if ev.get('certain') else ' (uncertain)'))
                mark = (_backend_of(point), point.get('family'), point.get('table'), point.get('chain'),
                        point.get('handle'), point.get('rule_number'), point.get('policy'))
                if mark == last:
                    raise DoctorError("an accept before %s does not change the verdict for ICMP %s %s; "
                                      "nothing was changed" % (_where(point), pkt['family'], pkt['icmp_type']))
                last = mark
                point['_pkt'] = '%s %s' % (pkt['family'], pkt['icmp_type'])
                if have['ufw'] and _is_iptables(point):
                    point = _ufw_point(sim, point, want['hook'])
                backend = _backend_of(point)
                _allowed_backend(want, backend, point)
                counter += 1
                if backend == 'iptables':
                    changes.append(_ipt_insert(want, sim, point, pkt))
                elif backend == 'nftables':
                    changes.append(_nft_insert(want, sim, point, pkt, counter))
                else:
                    raise DoctorError("ICMP is dropped by firewalld (%s) but firewalld is not running"
                                      % _where(point))
            else:
                raise DoctorError("ICMP %s %s is still not accepted after %d inserted rules; nothing "
                                  "was changed" % (pkt['family'], pkt['icmp_type'], MAX_STEPS))
    after = [_evaluate(sim, p) for p in pkts]
    if want['state'] == 'present':
        for ev in after:
            if not accepted(ev):
                warnings.append("ICMP %s %s from %s will still be %s%s after this change (deciding: %s)"
                                % (ev.get('family'), ev.get('icmp_type'), ev.get('src') or 'any',
                                   ev.get('verdict'), '' if ev.get('certain') else ' (uncertain)',
                                   _where(ev.get('deciding_rule') or {})))
    changes += plan_persist(want, have, changes)
    return changes, sim, before, after, warnings


def _delete_ours(sim, rule):
    if rule['backend'] == 'nftables':
        key = '%s %s %s' % (rule['family'], rule['table'], rule['chain'])
        ch = sim['nft']['chains'][key]
        ch['rules'] = [r for r in ch['rules'] if r.get('handle') != rule['handle']]
        return {'action': 'delete', 'backend': 'nftables', 'family': rule['family'],
                'table': rule['table'], 'chain': rule['chain'], 'where': 'handle %s' % rule['handle'],
                'rule': rule['text'],
                'argv': ['nft', 'delete', 'rule', rule['family'], rule['table'], rule['chain'],
                         'handle', str(rule['handle'])]}
    key = (rule['family'], rule['variant'])
    text = delete_save_line(sim['iptables_text'][key], rule['table'], rule['chain'], rule['text'])
    sim['iptables_text'][key] = text
    sim['iptables'][key] = parse_iptables_save(text, rule['family'], rule['variant'])
    return {'action': 'delete', 'backend': 'iptables', 'family': rule['family'],
            'variant': rule['variant'], 'table': rule['table'], 'chain': rule['chain'],
            'where': 'rule matching its text', 'rule': rule['text'],
            'argv': [IPT_BIN[key], '-w', '-t', rule['table'], '-D', rule['chain']] + shlex.split(rule['text'])}


def _in_trace(evs, match):
    for ev in evs:
        for entry in ev.get('trace') or []:
            if all(entry.get(k) == v for k, v in match.items()):
                return True
    return False


def _remove_named(want, sim, before):
    rr = want['remove_rule']
    name = '%s %s %s %s' % (rr['backend'], rr['family'], rr['table'], rr['chain'])
    if rr['backend'] == 'nftables':
        chain = (sim['nft'] or {'chains': {}})['chains'].get('%s %s %s' % (rr['family'], rr['table'], rr['chain']))
        if chain is None:
            raise DoctorError("remove_rule: no nftables chain %s; nothing was changed" % name)
        found = [r for r in chain['rules'] if r.get('handle') == int(rr['handle'])]
        if not found:
            raise DoctorError("remove_rule: no rule with handle %s in %s; nothing was changed"
                              % (rr['handle'], name))
        rule = found[0]
        shape_verdicts = [k for e in rule.get('expr') or [] for k in e if k in ('drop', 'reject')]
        text = rule.get('text')
        match = {'table': rr['table'], 'chain': rr['chain'], 'handle': int(rr['handle'])}
    else:
        variants = [v for (f, v) in sim['iptables'] if f == rr['family']
                    and rr['chain'] in sim['iptables'][(f, v)].get(rr['table'], {}).get('chains', {})
                    and (rr.get('variant') in (None, v))]
        variants = [v for v in variants
                    if len(sim['iptables'][(rr['family'], v)][rr['table']]['chains'][rr['chain']]['rules'])
                    >= int(rr['rule_number'])]
        if not variants:
            raise DoctorError("remove_rule: no rule number %s in iptables %s %s %s; nothing was changed"
                              % (rr['rule_number'], rr['family'], rr['table'], rr['chain']))
        if len(variants) > 1:
            raise DoctorError("remove_rule: both iptables-legacy and iptables-nft have rule %s in %s %s; "
                              "set remove_rule.variant; nothing was changed" % (rr['rule_number'], rr['table'], rr['chain']))
        variant = variants[0]
        rule = sim['iptables'][(rr['family'], variant)][rr['table']]['chains'][rr['chain']]['rules'][int(rr['rule_number']) - 1]
        text = rule['text']
        shape_verdicts = [rule.get('target')] if rule.get('target') in ('DROP', 'REJECT') else []
        match = {'table': rr['table'], 'chain': rr['chain'], 'rule_number': int(rr['rule_number']),
                 'variant': variant}
    if rr.get('text') is not None and rr['text'].strip() != (text or '').strip():
        raise DoctorError("remove_rule: %s %s is now '%s', not '%s' (the ruleset changed since the "
                          "diagnosis); nothing was changed" % (name, _pos(rr), text, rr['text']))
    if not shape_verdicts:
        raise DoctorError("remove_rule: %s %s is not a drop/reject rule ('%s'); nothing was changed"
                          % (name, _pos(rr), text))
    if not _in_trace(before, match):
        raise DoctorError("remove_rule: %s %s ('%s') is not on the path of the ICMP packets asked "
                          "for; nothing was changed" % (name, _pos(rr), text))
    if rr['backend'] == 'nftables':
        key = '%s %s %s' % (rr['family'], rr['table'], rr['chain'])
        sim['nft']['chains'][key]['rules'] = [r for r in sim['nft']['chains'][key]['rules']
                                              if r.get('handle') != int(rr['handle'])]
        argv = ['nft', 'delete', 'rule', rr['family'], rr['table'], rr['chain'], 'handle', str(rr['handle'])]
        return {'action': 'delete', 'backend': 'nftables', 'family': rr['family'], 'table': rr['table'],
                'chain': rr['chain'], 'where': 'handle %s' % rr['handle'], 'rule': text, 'argv': argv}
    key = (rr['family'], match['variant'])
    new = delete_save_line(sim['iptables_text'][key], rr['table'], rr['chain'], text)
    sim['iptables_text'][key] = new
    sim['iptables'][key] = parse_iptables_save(new, rr['family'], match['variant'])
    argv = [IPT_BIN[key], '-w', '-t', rr['table'], '-D', rr['chain'], str(rr['rule_number'])]
    return {'action': 'delete', 'backend': 'iptables', 'family': rr['family'], 'variant': match['variant'],
            'table': rr['table'], 'chain': rr['chain'], 'where': 'rule %s' % rr['rule_number'],
            'rule': text, 'argv': argv}


def _pos(rr):
    return ('handle %s' % rr['handle']) if rr['backend'] == 'nftables' else ('rule %s' % rr['rule_number'])


# ------------------------------------------------------------------------------ firewalld

# ------------------------------------------------------------------------------ ufw before.rules

# ------------------------------------------------------------------------------ persistence

def plan_persist(want, have, runtime):
    """File writes for persist: true. Content is produced at apply time from the runtime state,
    except for ufw's before.rules, which is edited (pure)."""
    if not want['persist']:
        return []
    out = _plan_persist(want, have, runtime)
    for c in out:
        if c['write'] in (have.get('unwritable') or {}):
            raise DoctorError('%s; nothing was changed' % have['unwritable'][c['write']])
    return out


def _plan_persist(want, have, runtime):
    out = []
    if have['firewalld'] and have['firewalld'].get('running') and want['backend'] in ('auto', 'firewalld'):
        return out   # the --permanent commands are already in the plan
    touched = set()
    for c in runtime:
        if c['backend'] == 'nftables':
            touched.add('nftables')
        elif c['backend'] == 'iptables':
            touched.add((c['family'], c['variant']))
    current = find_ours(want, have) if want['state'] == 'present' else []
    for r in current:
        touched.add('nftables' if r['backend'] == 'nftables' else (r['family'], r['variant']))
    if have['ufw']:
        for family in want['families']:
            path = want['paths']['ufw_before_rules' if family == 'ipv4' else 'ufw_before6_rules']
            if path in (have.get('unwritable') or {}):
                raise DoctorError('%s; nothing was changed' % have['unwritable'][path])
            content = have['files'].get(path)
            if content is None:
                raise DoctorError("persist: ufw is active but %s does not exist; nothing was changed" % path)
            lines = [ufw_line(want, family, t) for t in want['icmp_types']]
            new = edit_ufw_rules(content, lines, remove=want['state'] == 'absent')
            if new != content:
                out.append({'action': 'persist', 'backend': 'ufw', 'write': path, 'content': new})
        return out
    variants = set(t[1] for t in touched if isinstance(t, tuple))
    if len(variants) > 1:
        raise DoctorError("persist: rules live in both iptables-legacy and iptables-nft; persist one "
                          "at a time (backend/variant); nothing was changed")
    for item in sorted(touched, key=str):
        if item == 'nftables':
            path, key = want['paths']['nftables'], 'nftables'
        else:
            path = want['paths']['iptables' if item[0] == 'ipv4' else 'ip6tables']
            key = 'iptables %s %s' % item
        changed_here = any((c['backend'] == 'nftables') if item == 'nftables' else
                           (c['backend'] == 'iptables' and (c['family'], c['variant']) == item)
                           for c in runtime)
        if changed_here or have['files'].get(path) != have['dumps'].get(key):
            out.append({'action': 'persist', 'backend': 'nftables' if item == 'nftables' else 'iptables',
                        'write': path, 'dump': key, 'content': None,
                        'dump_cmds': dump_argv(key, have)})
    return out


def dump_argv(key, have):
    """Commands whose output is the persisted content for a dump key (run at apply time)."""
    if key == 'nftables':
        skip = iptables_nft_tables(have)
        return [['nft', '-s', 'list', 'table', t['family'], t['name']]
                for t in (have['nft'] or {'tables': []})['tables'] if (t['family'], t['name']) not in skip]
    _tool, family, variant = key.split()
    return [[_ipt_save_bin(family, variant)]]


def apply_changes(runner, changes):
    """apply hook for run_fixer: runtime commands first, then the persisted dumps read back.
    A persist failure after the runtime change says what stays applied (the rule inserted or
    deleted) and makes the task report changed=true."""
    runtime = [c for c in changes if 'argv' in c]
    base_apply(runner, runtime)
    done = list(runtime)
    for c in changes:
        if 'write' not in c:
            continue
        try:
            content = c['content']
            if content is None:
                text = ''.join(_rc_ok(runner, argv) for argv in c['dump_cmds'])
                content = NFT_HEADER + text if c['dump'] == 'nftables' else normalise_iptables_save(text)
            runner.write(c['write'], content)
        except DoctorError as e:
            verbs = {'insert': 'inserted an accept', 'delete': 'deleted a drop'}
            done_text = ', '.join('%s %s' % (verbs.get(r.get('action'), r.get('action')), r.get('backend'))
                                  for r in runtime) or 'no runtime change'
            raise partial_failure(DoctorError('persist failed after the runtime change (%s), which stays '
                                              'applied: %s' % (done_text, e)), done)
        done.append(c)


# ------------------------------------------------------------------------------ fixer protocol

def plan(want, have):
    return simulate(want, have)[0]


def states(want, have, changes):
    changes = changes or []
    _changes, sim, before, after, _w = simulate(want, have)
    sim_have = dict(have, nft=sim['nft'], iptables=sim['iptables'])
    b = {'verdicts': [summary(ev) for ev in before], 'rules': find_ours(want, have)}
    a = {'verdicts': [summary(ev) for ev in after], 'rules': find_ours(want, sim_have)}
    if have['firewalld'] and have['firewalld'].get('running'):
        b['firewalld_changes'] = []
        a['firewalld_changes'] = [argv_text(c['argv']) for c in changes if c.get('backend') == 'firewalld']
    persisted = [c['write'] for c in changes if 'write' in c]
    if persisted:
        a['persisted'] = persisted
    return b, a


def warnings(want, have):
    changes, _sim, _b, _a, warns = simulate(want, have)
    warns = list(have.get('read_errors') or []) + warns
    if changes and not want['persist'] and any('argv' in c for c in changes):
        warns.append('the change is runtime only: it is lost at reboot or '
                     'firewall reload (set persist: true to write the persistent configuration)')
    return warns


def runtime_only(want):
    return not want['persist']
