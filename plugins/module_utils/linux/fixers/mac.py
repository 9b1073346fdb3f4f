# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The mac_allow fixer: let a MAC through a Linux bridge's nftables bridge-family filter.

A bridge-family rule drops the MAC when it matches ``ether saddr``/``ether daddr`` against the
MAC itself, an anonymous set holding it, or a named set holding it (optionally only on one port,
``iifname``/``oifname``). For every such drop that no earlier accept in the same chain already
lets the MAC through, an accept is inserted right before it, in that chain:
``nft insert rule bridge <table> <chain> position <handle> [iifname "<port>"] ether saddr <mac>
accept comment "vmnet.doctor"``. The accept carries the drop's own iifname/oifname matches (so it
covers exactly the frames the drop drops); for a drop on any port and a named ``port``, it is
limited to that port on the VM's side (iifname for source matches, oifname for destination
matches). An accept below the drop, or one narrower than the accept we would add, does not count.
``state: absent`` deletes the accepts carrying the comment for that MAC (and port).
ebtables-nft rules live in the same nftables bridge tables and are covered; ebtables-legacy is not.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import parse_nft_ruleset
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import set_elements
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import (
    check_ifname, parse_mac)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.parse import parse_interfaces
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

RUNTIME_ONLY = True
COMMENT = 'vmnet.doctor'
PORT_KEY = {'source': 'iifname', 'destination': 'oifname'}
FIELD = {'source': 'saddr', 'destination': 'daddr'}


def want_from_params(params):
    if not params.get('mac'):
        raise DoctorError("mac is required")
    mac = parse_mac(params['mac'])
    if mac == '00:00:00:00:00:00':
        raise DoctorError("mac '%s' is the all-zero address, not a host's" % params['mac'])
    names = {}
    for what in ('port', 'bridge'):   # an empty name must not widen the accept to every port
        names[what] = check_ifname(params[what], what) if params.get(what) is not None else None
    if names['port'] is not None and names['port'] == names['bridge']:
        raise DoctorError("port '%s' is the bridge itself, not one of its ports (name the VM's port, "
                          "e.g. its tap or veth)" % names['port'])
    return {'mac': mac, 'port': names['port'], 'bridge': names['bridge'],
            'state': params.get('state') or 'present'}


def have_from_outputs(nft_json, links):
    """``have`` from ``nft -j list ruleset`` (None when nft is absent) and the decoded ``ip -j -d
    link show`` (normalised by the collector's parser: {name: schema interface})."""
    return {'nft': parse_nft_ruleset(nft_json) if nft_json is not None else None,
            'links': dict((i['name'], i) for i in parse_interfaces(links or [], []) if i['name'])}


def collect(runner, want):
    links = KernelState(runner).links()
    nft_json = None
    if runner.module.get_bin_path('nft'):
        nft_json = runner.check(['nft', '-j', 'list', 'ruleset'])
    return have_from_outputs(nft_json, links)


def rule_shape(ruleset, rule):
    """{macs: {direction: [mac...] or None}, ports: {iifname, oifname}, other: bool, verdict}.

    ``macs[direction]`` None means "matched against something we cannot read" (unknown set).
    """
    shape = {'macs': {}, 'ports': {}, 'other': False, 'verdict': None}
    for stmt in rule.get('expr') or []:
        if not isinstance(stmt, dict) or not stmt:
            continue
        key = list(stmt)[0]
        val = stmt[key]
        if key == 'match':
            left = val.get('left') if isinstance(val.get('left'), dict) else {}
            right = val.get('right')
            payload, meta = left.get('payload'), left.get('meta')
            if val.get('op') not in ('==', 'in'):
                shape['other'] = True
            elif payload and payload.get('protocol') == 'ether' and payload.get('field') in ('saddr', 'daddr'):
                direction = 'source' if payload['field'] == 'saddr' else 'destination'
                if isinstance(right, dict) and 'set' in right:
                    elems = [e.lower() for e in right['set'] if isinstance(e, str)]
                elif isinstance(right, str) and right.startswith('@'):
                    elems = set_elements(ruleset, rule['family'], rule['table'], right[1:])
                elif isinstance(right, str):
                    elems = [right.lower()]
                else:
                    elems = None
                shape['macs'][direction] = elems
            elif meta and meta.get('key') in ('iifname', 'oifname') and isinstance(right, str):
                shape['ports'][meta['key']] = right
            else:
                shape['other'] = True
        elif key in ('accept', 'drop', 'reject'):
            shape['verdict'] = key
        elif key not in ('counter', 'log', 'comment'):
            shape['other'] = True
    return shape


def _bridge_chains(ruleset):
    return [c for _k, c in sorted(ruleset['chains'].items()) if c['family'] == 'bridge']


def _port_ok(want, shape):
    """Does a drop apply to the port the user named (None = any port)?"""
    ports = shape['ports']
    return want['port'] is None or not ports or want['port'] in ports.values()


def accept_ports(want, drop_shape, direction):
    """Port matches of the accept for a drop: the drop's own (so the accept covers exactly the
    frames it drops), else the named port on the VM's side (frames from the MAC enter through
    it, frames to the MAC leave through it), else none."""
    if drop_shape['ports']:
        return dict(drop_shape['ports'])
    if want['port']:
        return {PORT_KEY[direction]: want['port']}
    return {}


def _ours(shape, rule, want, direction):
    if not (rule.get('comment') == COMMENT and shape['verdict'] == 'accept' and not shape['other']
            and shape['macs'].get(direction) == [want['mac']] and len(shape['macs']) == 1):
        return False
    return want['port'] is None or want['port'] in shape['ports'].values()


def _lets_through(shape, want, direction, needed_ports):
    """An accept of exactly this MAC (any comment) no narrower than the accept we would add."""
    if shape['verdict'] != 'accept' or shape['other'] or len(shape['macs']) != 1:
        return False
    if shape['macs'].get(direction) != [want['mac']]:
        return False
    return all(needed_ports.get(k) == v for k, v in shape['ports'].items())


def analyse(want, ruleset):
    """Drops of the MAC (each with whether an earlier accept already lets it through) and our accepts."""
    drops, ours = [], []
    for chain in _bridge_chains(ruleset):
        rules = chain['rules']
        shapes = [rule_shape(ruleset, r) for r in rules]
        for i, (rule, shape) in enumerate(zip(rules, shapes)):
            for direction in ('source', 'destination'):
                if direction not in shape['macs']:
                    continue
                if _ours(shape, rule, want, direction):
                    ours.append(_ref(chain, rule, direction, shape['ports']))
                if shape['verdict'] not in ('drop', 'reject'):
                    continue
                macs = shape['macs'][direction]
                if macs is not None and want['mac'] not in macs:
                    continue
                if not _port_ok(want, shape):
                    continue
                needed = accept_ports(want, shape, direction)
                allowed = any(_lets_through(shapes[j], want, direction, needed) for j in range(i))
                d = _ref(chain, rule, direction, shape['ports'])
                d.update(verdict=shape['verdict'], allowed=allowed, certain=macs is not None,
                         accept_ports=needed)
                drops.append(d)
    return drops, ours


def _ref(chain, rule, direction, ports):
    return {'family': 'bridge', 'table': chain['table'], 'chain': chain['name'],
            'handle': rule.get('handle'), 'direction': direction, 'ports': dict(ports),
            'text': rule.get('text')}


def _accept_words(want, direction, ports):
    words = []
    for key in ('iifname', 'oifname'):
        if key in ports:
            words += [key, '"%s"' % ports[key]]
    return words + ['ether', FIELD[direction], want['mac'], 'counter', 'accept']


def _accept_rule(want, direction, ports, table, chain, handle):
    expr = []
    for key in ('iifname', 'oifname'):
        if key in ports:
            expr.append({'match': {'op': '==', 'left': {'meta': {'key': key}}, 'right': ports[key]}})
    expr.append({'match': {'op': '==', 'left': {'payload': {'protocol': 'ether', 'field': FIELD[direction]}},
                           'right': want['mac']}})
    expr += [{'counter': {'packets': 0, 'bytes': 0}}, {'accept': None}]
    return {'family': 'bridge', 'table': table, 'chain': chain, 'handle': handle, 'expr': expr,
            'comment': COMMENT, 'text': ' '.join(_accept_words(want, direction, ports)).replace('"', '')}


def simulate(want, have):
    """(changes, ruleset after) — pure."""
    links = have['links']
    for what in ('bridge', 'port'):
        if want[what] and want[what] not in links:
            raise DoctorError("%s '%s' does not exist on this host; nothing was changed" % (what, want[what]))
    if want['bridge'] and links[want['bridge']]['kind'] != 'bridge':
        raise DoctorError("'%s' is not a bridge; nothing was changed" % want['bridge'])
    if want['port'] and links[want['port']]['kind'] == 'bridge':
        raise DoctorError("port '%s' is a bridge, not a bridge port (name the VM's port, e.g. its tap or "
                          "veth); nothing was changed" % want['port'])
    if want['bridge'] and want['port'] and links[want['port']]['master'] != want['bridge']:
        raise DoctorError("port '%s' is not a port of bridge '%s' (its master is %s); nothing was changed"
                          % (want['port'], want['bridge'], links[want['port']].get('master')))
    if have['nft'] is None:
        return [], None
    sim = copy.deepcopy(have['nft'])
    changes = []
    if want['state'] == 'absent':
        for r in analyse(want, sim)[1]:
            key = 'bridge %s %s' % (r['table'], r['chain'])
            sim['chains'][key]['rules'] = [x for x in sim['chains'][key]['rules'] if x.get('handle') != r['handle']]
            changes.append({'action': 'delete', 'chain': key, 'where': 'handle %s' % r['handle'],
                            'argv': ['nft', 'delete', 'rule', 'bridge', r['table'], r['chain'],
                                     'handle', str(r['handle'])]})
        return changes, sim
    counter = 0
    while True:
        pending = [d for d in analyse(want, sim)[0] if not d['allowed']]
        if not pending:
            break
        d = pending[0]
        counter += 1
        if counter > 32:
            raise DoctorError("mac_allow: could not plan accepts for %s (too many drops)" % want['mac'])
        key = 'bridge %s %s' % (d['table'], d['chain'])
        rules = sim['chains'][key]['rules']
        idx = [i for i, r in enumerate(rules) if r.get('handle') == d['handle']][0]
        rules.insert(idx, _accept_rule(want, d['direction'], d['accept_ports'], d['table'], d['chain'], -counter))
        changes.append({'action': 'insert', 'chain': key, 'where': 'before handle %s' % d['handle'],
                        'argv': ['nft', 'insert', 'rule', 'bridge', d['table'], d['chain'], 'position',
                                 str(d['handle'])] + _accept_words(want, d['direction'], d['accept_ports'])
                        + ['comment', '"%s"' % COMMENT]})
    return changes, sim


def plan(want, have):
    return simulate(want, have)[0]


def _view(want, ruleset):
    if ruleset is None:
        return {'mac': want['mac'], 'drops': [], 'accepts': []}
    drops, ours = analyse(want, ruleset)
    return {'mac': want['mac'], 'drops': drops, 'accepts': ours}


def states(want, have, changes):
    _changes, sim = simulate(want, have)
    return _view(want, have['nft']), _view(want, sim)


def warnings(want, have):
    out = []
    if have['nft'] is None:
        out.append('nft is not installed: no bridge-family rules to check (ebtables-legacy is not supported)')
    else:
        _c, sim = simulate(want, have)
        for d in analyse(want, sim)[0]:
            if not d['certain']:
                out.append('rule %s (bridge %s %s handle %s) matches MACs against a set that could not be '
                           'read' % (d['text'], d['table'], d['chain'], d['handle']))
    if plan(want, have):
        out.append('the change is runtime only: it is lost at reboot '
                   'or ruleset reload')
    return out
