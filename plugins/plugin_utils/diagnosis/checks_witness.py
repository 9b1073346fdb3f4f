# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The packet witness as evidence: where the echo died, and whether the model findings agree.

Input: per role (source, switch, target) the result of ``vmnet.doctor.packet_witness`` on that
hop (or ``{'available': False, 'why': ...}`` when it could not run). The echo's life is a list of
points (source out -> switch in -> switch out -> target in, and the reply back); the first point
not seen, the drop records of the kernel and the nftables trace locate the loss. Pure, no I/O.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.checks_firewall import icmp_fix

ROLES = ('source', 'switch', 'target')
# (role, direction on the hop, packet kind, path direction)
ECHO_POINTS = (
    ('source', 'out', 'echo_request', 'forward'), ('switch', 'in', 'echo_request', 'forward'),
    ('switch', 'out', 'echo_request', 'forward'), ('target', 'in', 'echo_request', 'forward'),
    ('target', 'out', 'echo_reply', 'return'), ('switch', 'in', 'echo_reply', 'return'),
    ('switch', 'out', 'echo_reply', 'return'), ('source', 'in', 'echo_reply', 'return'),
)
ARP_POINTS = (
    ('source', 'out', 'arp_request', 'forward'), ('switch', 'in', 'arp_request', 'forward'),
    ('switch', 'out', 'arp_request', 'forward'), ('target', 'in', 'arp_request', 'forward'),
    ('target', 'out', 'arp_reply', 'return'), ('switch', 'in', 'arp_reply', 'return'),
    ('switch', 'out', 'arp_reply', 'return'), ('source', 'in', 'arp_reply', 'return'),
)
# The witness watched the forward probe's packets: a passing reverse probe does not contradict what it saw.
WITNESSED = ('forward',)
ND_KINDS = {'arp_request': 'nd_solicit', 'arp_reply': 'nd_advert'}

# Kernel drop reasons (names of enum skb_drop_reason) an echo, ARP or ND can hit -> finding code.
REASON_CODES = {
    'NETFILTER_DROP': 'PACKET_DROPPED_FIREWALL',
    'BPF_CGROUP_EGRESS': 'PACKET_DROPPED_FIREWALL',
    'SECURITY_HOOK': 'PACKET_DROPPED_FIREWALL',
    'XFRM_POLICY': 'PACKET_DROPPED_FIREWALL',
    'IP_RPFILTER': 'PACKET_DROPPED_RP_FILTER',
    'IP_INNOROUTES': 'PACKET_DROPPED_ROUTING',
    'IP_OUTNOROUTES': 'PACKET_DROPPED_ROUTING',
    'IP_INADDRERRORS': 'PACKET_DROPPED_ROUTING',
    'IP_INVALID_DEST': 'PACKET_DROPPED_ROUTING',
    'IP_INVALID_SOURCE': 'PACKET_DROPPED_ROUTING',
    'IP_LOCAL_SOURCE': 'PACKET_DROPPED_ROUTING',
    'IP_LOCALNET': 'PACKET_DROPPED_ROUTING',
    'IPV6DISABLED': 'PACKET_DROPPED_ROUTING',
    'NEIGH_FAILED': 'PACKET_DROPPED_NEIGHBOR',
    'NEIGH_QUEUEFULL': 'PACKET_DROPPED_NEIGHBOR',
    'NEIGH_DEAD': 'PACKET_DROPPED_NEIGHBOR',
    'NEIGH_CREATEFAIL': 'PACKET_DROPPED_NEIGHBOR',
    'NEIGH_HH_FILLFAIL': 'PACKET_DROPPED_NEIGHBOR',
    'IPV6_NDISC_FRAG': 'PACKET_DROPPED_NEIGHBOR',
    'IPV6_NDISC_HOP_LIMIT': 'PACKET_DROPPED_NEIGHBOR',
    'IPV6_NDISC_BAD_CODE': 'PACKET_DROPPED_NEIGHBOR',
    'IPV6_NDISC_BAD_OPTIONS': 'PACKET_DROPPED_NEIGHBOR',
    'IPV6_NDISC_NS_OTHERHOST': 'PACKET_DROPPED_NEIGHBOR',
    'ARP_PVLAN_DISABLE': 'PACKET_DROPPED_NEIGHBOR',
    'PKT_TOO_BIG': 'PACKET_DROPPED_LINK',
    'DEV_READY': 'PACKET_DROPPED_LINK',
    'DEV_HDR': 'PACKET_DROPPED_LINK',
    'OTHERHOST': 'PACKET_DROPPED_LINK',
    'UNICAST_IN_L2_MULTICAST': 'PACKET_DROPPED_LINK',
    'MAC_INVALID_SOURCE': 'PACKET_DROPPED_LINK',
    'LOCAL_MAC': 'PACKET_DROPPED_LINK',
    'BRIDGE_INGRESS_STP_STATE': 'PACKET_DROPPED_LINK',
    'TC_INGRESS': 'PACKET_DROPPED_LINK',
    'TC_EGRESS': 'PACKET_DROPPED_LINK',
    'QDISC_DROP': 'PACKET_DROPPED_LINK',
    'TAP_FILTER': 'PACKET_DROPPED_LINK',
    'TAP_TXFILTER': 'PACKET_DROPPED_LINK',
    'XDP': 'PACKET_DROPPED_LINK',
    'NO_TX_TARGET': 'PACKET_DROPPED_LINK',
}
# Every code this module emits (the catalog test checks them against CATALOG).
CODES = tuple(sorted(set(REASON_CODES.values()) | set(['PACKET_DROPPED', 'PACKET_VANISHED', 'PACKET_NOT_ANSWERED'])))
# Reasons that are not a verdict on the packet (cloned copies freed, multicast nobody wants).
IGNORED_REASONS = ('NOT_SPECIFIED', 'NO_SOCKET', 'SOCKET_FILTER', 'UNHANDLED_PROTO', 'QUEUE_PURGE')


def reason_code(reason):
    return REASON_CODES.get(reason, 'PACKET_DROPPED')


def _hops(witness, present, views=None):
    """{role: witness dict or None} for the roles on the path.

    On a hop running Open vSwitch, the kernel's drop records on OVS ports are left out (kept apart in
    ``ovs_rx``): the userspace datapath reads its ports' frames with a packet socket, and the kernel then
    frees its own copy (``OTHERHOST`` for a frame addressed to another MAC). That is the switch's receive
    path, not a drop; the switch's own verdict is ``ofproto/trace`` (see ovs_verdict).
    """
    out = {}
    for role in ROLES:
        if role in present:
            value = (witness or {}).get(role)
            value = value if isinstance(value, dict) else None
            ports = ovs_ports((views or {}).get(role))
            if value and ports and value.get('drops'):
                value = dict(value, drops=[d for d in value['drops'] if d.get('interface') not in ports],
                             ovs_rx=[d for d in value['drops'] if d.get('interface') in ports])
            out[role] = value
    return out


def _ovs(view):
    ovs = ((view.facts or {}).get('ovs') or {}) if view is not None and view.present else {}
    return ovs if ovs.get('present') else {}


def ovs_ports(view):
    """Names of the OVS interfaces of a hop (its facts' ``ovs`` section), an empty set without OVS."""
    return set(iface.get('name') for br in _ovs(view).get('bridges') or [] for port in br.get('ports') or []
               for iface in port.get('interfaces') or [])


def ovs_verdict(view, src, dst, src_port=None, vm_port=None):
    """The switch's own account of the path's echo on an OVS hop: its ofproto/trace of the request (from
    the source's port) and the reply (from the VM's port), and for a trace that ends in an OpenFlow rule
    the packet counter of that flow; or None."""
    ovs = _ovs(view)
    want = {('echo-request', src, dst): src_port, ('echo-reply', dst, src): vm_port}
    traces = [t for t in ovs.get('traces') or [] if (t.get('packet'), t.get('src'), t.get('dst')) in want
              and want[(t.get('packet'), t.get('src'), t.get('dst'))] in (None, t.get('in_port'))]
    if not traces:
        return None
    flows = dict(((b.get('name'), f.get('table'), f.get('priority'), f.get('cookie'), f.get('match')), f)
                 for b in ovs.get('bridges') or [] for f in b.get('flows') or [])
    out = []
    for trace in traces:
        rule = trace.get('deciding_rule') or {}
        flow = flows.get((rule.get('bridge'), rule.get('table'), rule.get('priority'), rule.get('cookie'),
                          rule.get('match')))
        out.append({'packet': trace.get('packet'), 'in_port': trace.get('in_port'), 'bridge': trace.get('bridge'),
                    'outputs': trace.get('outputs') or [], 'datapath_actions': trace.get('datapath_actions'),
                    'deciding_rule': rule or None, 'flow_n_packets': None if flow is None else flow.get('n_packets'),
                    'error': trace.get('error')})
    return out


def _ovs_text(verdict):
    if not verdict:
        return None
    parts = []
    for t in verdict:
        rule = t.get('deciding_rule') or {}
        parts.append('%s from %s -> %s%s' % (
            t['packet'], t['in_port'], ', '.join(t['outputs']) or 'dropped (datapath actions %s)'
            % t.get('datapath_actions'),
            '' if t['outputs'] or not rule.get('match') else ' by flow table %s priority %s %s (%s packets)'
            % (rule.get('table'), rule.get('priority'), rule.get('match'), t.get('flow_n_packets'))))
    return 'Open vSwitch ofproto/trace: ' + '; '.join(parts)


def add_evidence(finding, key, text):
    """Add ``key: text`` to a finding's evidence, a dict (key added) or a list of lines (line added)."""
    if isinstance(finding.get('evidence'), dict):
        finding['evidence'] = dict(finding['evidence'], **{key: text})
    else:
        finding['evidence'] = list(finding.get('evidence') or []) + ['%s: %s' % (key, text)]


def _ovs_drop_counters(ctx, summary, hop):
    """The userspace datapath's own drop counters that grew while the witness watched the switch
    (``ovs_drops`` of its witness: ``ovs-appctl coverage/show`` before and after the window): named in
    ``located`` and in the evidence of the findings on the switch."""
    counters = ((hop or {}).get('ovs_drops') or {}).get('counters') or {}
    if not counters:
        return
    text = 'Open vSwitch datapath drop counters that increased during the witness window: %s' % ', '.join(
        '%s +%d' % (name, counters[name]) for name in sorted(counters))
    summary['ovs_drops'] = dict(counters)
    summary['located'] += '; ' + text
    for finding in ctx.findings:
        if finding.get('host') == ctx.host('switch') and not finding.get('_symptom'):
            add_evidence(finding, 'witness_ovs_drops', text)


def _seen(hop, direction, kind):
    """(count, interfaces) of kind seen on a hop in a direction; None when the hop has no witness."""
    if not hop or not hop.get('available'):
        return None
    count, names = 0, []
    for name, per in sorted((hop.get('interfaces') or {}).items()):
        n = ((per or {}).get(direction) or {}).get(kind) or 0
        if kind in ND_KINDS:
            n += ((per or {}).get(direction) or {}).get(ND_KINDS[kind]) or 0
        if n:
            count += n
            names.append(name)
    return count, names


def walk(hops, points):
    """The points of one exchange with what was seen: [{role, dir, kind, direction, seen, interfaces}]."""
    out = []
    for role, hop_dir, kind, direction in points:
        if role not in hops:
            continue
        seen = _seen(hops[role], hop_dir, kind)
        out.append({'role': role, 'dir': hop_dir, 'kind': kind, 'direction': direction,
                    'seen': None if seen is None else seen[0], 'interfaces': [] if seen is None else seen[1]})
    return out


def _drops(hops, kinds):
    """Drop records of the path's packets of these kinds, along the path order."""
    order = dict((role, i) for i, role in enumerate(ROLES))
    found = []
    for role, hop in hops.items():
        for drop in (hop or {}).get('drops') or []:
            packet = drop.get('packet') or {}
            if drop.get('reason') in IGNORED_REASONS or packet.get('kind') not in kinds:
                continue
            found.append(dict(drop, role=role))
    kind_order = dict((k, i) for i, k in enumerate(kinds))
    found.sort(key=lambda d: (kind_order.get(d['packet']['kind'], 9),
                              order[d['role']] if d['packet']['kind'].endswith(('request', 'solicit'))
                              else -order[d['role']]))
    return found


def _point_label(point, host):
    return '%s %s %s %s' % (point['kind'].replace('_', ' '), 'leaving' if point['dir'] == 'out' else 'entering',
                            host or point['role'], '/'.join(point['interfaces']) or '(no interface)')


# The kernel gave up resolving the next hop and freed the packets it had queued: a consequence, whose cause
# is where the neighbour exchange stopped.
NEIGH_GAVE_UP = ('NEIGH_FAILED', 'NEIGH_QUEUEFULL', 'NEIGH_DEAD')
NEIGHBOR_KINDS = ('arp_request', 'arp_reply', 'nd_solicit', 'nd_advert')


def _neighbor_first(hops, steps, echo_drops):
    """True when the neighbour exchange, not the echo, says where the path stopped.

    The echo never left the source; or a hop waits for a neighbour whose ARP/ND the kernel dropped (also when
    that hop then freed the echo it had queued, NEIGH_FAILED: the ARP/ND drop is the cause); or the only echo
    drops are the source's own queue freed because its neighbour never answered (the source asks in the
    neighbour exchange the witness follows; a hop further on that gives up with no ARP/ND drop asks someone
    else, e.g. a wrong gateway, and its drop stays the verdict).
    """
    if not echo_drops:
        return steps[0]['seen'] == 0 or bool(_drops(hops, NEIGHBOR_KINDS))
    if not all(d.get('reason') in NEIGH_GAVE_UP for d in echo_drops):
        return False
    if _drops(hops, NEIGHBOR_KINDS):
        return True         # the kernel dropped the ARP/ND the hop that gave up was waiting for
    if any(d['role'] != 'source' for d in echo_drops):
        return False
    arp = walk(hops, ARP_POINTS)
    return bool(arp and arp[0]['seen'] and not all(s['seen'] for s in arp))


def locate(hops, hosts):
    """Where the exchange stopped: a dict (kind of loss, role, interface, ...) or None when nothing stopped."""
    for kinds, points in ((('echo_request', 'echo_reply'), ECHO_POINTS),
                          (('arp_request', 'arp_reply', 'nd_solicit', 'nd_advert'), ARP_POINTS)):
        steps = walk(hops, points)
        if not steps:
            continue
        drops = _drops(hops, kinds)
        if kinds[0] == 'echo_request' and _neighbor_first(hops, steps, drops):
            continue        # the echo never left, or the source waits for a neighbour: ARP / ND says where
        last, missing = None, None
        for step in steps:
            if step['seen']:
                last = step
                continue
            missing = step
            break
        if missing is None and not drops:
            return None
        where = {'exchange': 'echo' if kinds[0] == 'echo_request' else 'neighbor', 'steps': steps,
                 'last_seen': _point_label(last, hosts.get(last['role'])) if last else None,
                 'missing': missing, 'last': last, 'drops': drops}
        return where
    return None


def _hop_why(hop):
    if hop is None:
        return 'no witness ran on this hop (not managed or not Linux)'
    return hop.get('why') or hop.get('msg') or 'the witness could not run'


def located_finding(ctx, hops, where):
    """Record the located finding for where (and return it), or None when the witness could not see there."""
    drops = where['drops']
    if drops:
        drop = drops[0]
        role, packet = drop['role'], drop.get('packet') or {}
        direction = 'forward' if packet.get('kind') in ('echo_request', 'arp_request', 'nd_solicit') else 'return'
        hop = hops.get(role) or {}
        verdicts = [v for v in hop.get('nft_verdicts') or []
                    if not (v.get('packet') or {}).get('id') or (v.get('packet') or {}).get('id') == packet.get('id')]
        code = reason_code(drop.get('reason'))
        obj = {'type': 'interface', 'name': drop.get('interface'), 'kernel_location': drop.get('location'),
               'netns': drop.get('netns')}
        evidence = ['witness on %s (%s): kernel drop reason %s at %s, interface %s, netns %s, packet %s %s -> %s'
                    % (ctx.host(role), hop.get('drop_source'), drop.get('reason'), drop.get('location'),
                       drop.get('interface'), drop.get('netns'), packet.get('kind'), packet.get('src'),
                       packet.get('dst')),
                    'witness: %d drop record(s) of the path\'s packets on %s' % (
                        len([d for d in drops if d['role'] == role]), ctx.host(role))]
        if where.get('last_seen'):
            evidence.append('last seen: %s' % where['last_seen'])
        fix = fix_manual('the kernel dropped the %s on %s (%s at %s); change the state that drops it'
                         % (packet.get('kind'), ctx.host(role), drop.get('reason'), drop.get('location')))
        if code == 'PACKET_DROPPED_FIREWALL' and verdicts:
            rule = verdicts[0]
            obj = {'type': 'nft_rule' if not rule.get('policy') else 'nft_chain_policy', 'family': rule.get('family'),
                   'table': rule.get('table'), 'chain': rule.get('chain'), 'handle': rule.get('handle'),
                   'interface': drop.get('interface')}
            evidence.append('nftables trace on %s: %s %s %s %s%s (verdict %s)' % (
                ctx.host(role), rule.get('family'), rule.get('table'), rule.get('chain'),
                'policy' if rule.get('policy') else 'rule %s' % rule.get('rule'),
                '' if rule.get('handle') is None else ' handle %s' % rule.get('handle'), rule.get('verdict')))
            fix = _firewall_fix(ctx, role, packet, rule)
        if code == 'PACKET_DROPPED_FIREWALL':
            evidence.append(_facts_cross_check(ctx, role, packet))
        message = 'The %s %s -> %s is dropped by the kernel on %s (interface %s, %s): %s at %s' % (
            packet.get('kind', 'packet').replace('_', ' '), packet.get('src'), packet.get('dst'), ctx.host(role),
            drop.get('interface'), 'on the way in' if direction == 'forward' else 'on the way back',
            drop.get('reason'), drop.get('location'))
        finding = ctx.find(code, role, direction, obj, evidence, 'high', message, fix, check_id='witness.drop',
                           breaks=WITNESSED)
        finding['witness'] = _witness_ref(where, drop)
        return finding
    missing, last = where['missing'], where['last']
    if missing is None:
        return None
    hop = hops.get(missing['role'])
    if missing['seen'] is None:
        ctx.skipped('witness.%s' % missing['role'], missing['role'],
                    'the %s stopped before %s, where the witness could not run: %s'
                    % (missing['kind'], missing['role'], _hop_why(hop)))
        return None
    # Seen leaving one hop but not entering the next: lost on the link (or at the receiving device).
    # Seen entering a hop but not leaving it: the hop consumed it without a drop record.
    if last is not None and last['role'] == missing['role']:
        role, code = missing['role'], 'PACKET_NOT_ANSWERED' if missing['kind'] in ('echo_reply', 'arp_reply') \
            else 'PACKET_VANISHED'
        iface = _pick_iface(ctx, role, last['interfaces'])
        text = 'entered %s on %s and never left it' % (ctx.host(role), iface)
    else:
        role = missing['role'] if last is None else last['role']
        code = 'PACKET_VANISHED'
        iface = _pick_iface(ctx, last['role'], last['interfaces']) if last else None
        text = ('left %s on %s and never reached %s' % (ctx.host(last['role']), iface, ctx.host(missing['role']))
                if last else 'was never seen on %s' % ctx.host(missing['role']))
    if (hop or {}).get('drop_source') in (None, 'none'):
        text += ' (no drop records there: %s)' % (hop or {}).get('drop_why')
    direction = missing['direction']
    message = 'The %s %s; the kernel recorded no drop for it' % (missing['kind'].replace('_', ' '), text)
    kernel = _kernel_wide_drops(hops.get(role), missing['kind'])
    if kernel:
        # tracefs fallback: drops of this host's whole kernel, by protocol (no packet contents, no namespace).
        reason = max(set(d['reason'] for d in kernel), key=lambda r: len([d for d in kernel if d['reason'] == r]))
        code = reason_code(reason)
        message = 'The %s %s; during the window the kernel of %s dropped %d packet(s) of that protocol with ' \
                  'reason %s (tracefs: not matched to the probe)' % (missing['kind'].replace('_', ' '), text,
                                                                     ctx.host(role), len(kernel), reason)
    evidence = ['witness: ' + ', '.join('%s %s %s: %s' % (ctx.host(s['role']), s['dir'], s['kind'],
                                                          'not watched' if s['seen'] is None else s['seen'])
                                        for s in where['steps'])]
    obj = {'type': 'interface', 'name': iface}
    fix = fix_manual('nothing in the kernel recorded a drop: look at %s (%s)' % (ctx.host(role), text))
    finding = ctx.find(code, role, direction, obj, evidence, 'medium', message, fix, check_id='witness.gap',
                       breaks=WITNESSED)
    finding['witness'] = _witness_ref(where, None)
    return finding


def _kernel_wide_drops(hop, kind):
    """tracefs drop records (no packet) of the protocol that carries kind, minus the non-verdict reasons."""
    if not hop or hop.get('drop_source') != 'tracefs':
        return []
    protocols = (0x0806, 0x86DD) if kind.startswith('arp') else (0x0800, 0x86DD)
    return [d for d in hop.get('drops') or [] if not d.get('packet') and d.get('protocol') in protocols
            and d.get('reason') not in IGNORED_REASONS]


def _pick_iface(ctx, role, names):
    """The interface that carries the packet to the next hop: a bridge port rather than its bridge."""
    view = ctx.views.get(role)
    ports = [n for n in names if view is None or (view.iface(n) or {}).get('kind') != 'bridge']
    return (ports or names or [None])[-1]


def _hook(role, kind):
    own = {('source', 'echo_request'): 'output', ('target', 'echo_reply'): 'output',
           ('target', 'echo_request'): 'input', ('source', 'echo_reply'): 'input'}
    return own.get((role, kind), 'forward')


def _facts_cross_check(ctx, role, packet):
    """What net_facts' own firewall evaluation says about the dropped packet (agrees, disagrees, not evaluated)."""
    kind = packet.get('kind') or ''
    if not kind.startswith('echo'):
        return 'net_facts: the firewall evaluation covers ICMP echo only, not %s' % kind.replace('_', ' ')
    view = ctx.views.get(role)
    hook = _hook(role, kind)
    entry = view.icmp_verdict(hook, kind.replace('_', '-'), packet.get('src'), packet.get('dst')) \
        if view is not None and view.present else None
    if entry is None:
        return 'net_facts: no firewall evaluation of the %s %s hook on %s' % (
            kind.replace('_', ' '), hook, ctx.host(role))
    agrees = entry.get('verdict') in ('drop', 'reject')
    return 'net_facts: firewall evaluation of the %s hook on %s says %s: %s the witness' % (
        hook, ctx.host(role), entry.get('verdict'), 'agrees with' if agrees else 'disagrees with')


def _firewall_fix(ctx, role, packet, rule):
    if rule.get('family') in ('bridge', 'netdev', 'arp') or not packet.get('kind', '').startswith('echo'):
        return fix_manual('nftables %s %s %s%s drops it: change or delete that rule (nft delete rule %s %s %s handle %s)'
                          % (rule.get('family'), rule.get('table'), rule.get('chain'),
                             '' if rule.get('handle') is None else ' handle %s' % rule.get('handle'),
                             rule.get('family'), rule.get('table'), rule.get('chain'), rule.get('handle')))
    hook = _hook(role, packet['kind'])
    deciding = {'backend': 'nftables', 'family': rule.get('family'), 'table': rule.get('table'),
                'chain': rule.get('chain'), 'handle': rule.get('handle'), 'policy': rule.get('policy')}
    return icmp_fix(ctx.host(role), hook, packet['kind'].replace('_', '-'), packet.get('src'), packet.get('dst'),
                    deciding)


def _witness_ref(where, drop):
    ref = {'exchange': where['exchange'], 'last_seen': where.get('last_seen')}
    if drop:
        ref.update({'reason': drop.get('reason'), 'location': drop.get('location'),
                    'interface': drop.get('interface'), 'netns': drop.get('netns')})
    return ref


# Findings whose echo is lost downstream of the hop that owns the cause: a stale or wrong neighbour
# entry, or an address another host also claims, sends the echo to the wrong MAC, and it dies on the
# next hop or the wrong host. Where the witness saw it die cannot contradict such a finding.
DOWNSTREAM_CODES = ('ARP_STALE', 'IP_CONFLICT', 'DUPLICATE_MAC')
# A link that is down makes the neighbouring hop drop the packet it cannot send there (the bridge has no
# port to forward to, the neighbour never answers): such a drop next door confirms the link finding.
LINK_CODES = ('LINK_DOWN', 'BRIDGE_PORT_DOWN')
NO_PEER_REASONS = ('NO_TX_TARGET', 'DEV_READY', 'NEIGH_FAILED', 'NEIGH_DEAD')


def _next_door(role, other):
    return role in ROLES and other in ROLES and abs(ROLES.index(role) - ROLES.index(other)) == 1


def _agrees(finding, where):
    """'confirmed', 'contradicted' or None (the witness cannot tell) for one model finding."""
    role, direction = finding.get('_role'), finding.get('direction')
    if where is None:
        return None
    drops = where['drops']
    if drops:
        if any(d['role'] == role for d in drops):
            return 'confirmed'
        if finding.get('code') in LINK_CODES and any(
                d.get('reason') in NO_PEER_REASONS and _next_door(role, d['role']) for d in drops):
            return 'confirmed'
        if finding.get('code') in ('ARP_STALE', 'DUPLICATE_MAC') and any(
                d.get('reason') == 'OTHERHOST' for d in drops):
            return 'confirmed'      # the echo reached a hop whose MAC it was not addressed to
        return None if finding.get('code') in DOWNSTREAM_CODES else 'contradicted'
    missing, last = where['missing'], where['last']
    if missing is None:
        return None
    if finding.get('code') == 'IP_CONFLICT' and last and (last['role'], last.get('dir'), missing['role']) == (
            'switch', 'out', 'target') and missing.get('direction') == 'forward':
        return 'confirmed'          # the switch sent the echo out of a port, and the target never saw it
    if finding.get('code') in LINK_CODES and missing.get('dir') == 'out' and _next_door(role, missing['role']):
        return 'confirmed'          # the hop next door never sent it out: the link towards the finding is down
    suspects = set([missing['role']] + ([last['role']] if last else []))
    if role in suspects:
        return 'confirmed'
    if finding.get('code') in DOWNSTREAM_CODES:
        return None
    # The packet demonstrably crossed the finding's hop in the finding's direction.
    crossed = [s for s in where['steps'] if s['role'] == role and s['direction'] == direction and s['seen']]
    return 'contradicted' if crossed and len(crossed) >= (2 if role == 'switch' else 1) else None


def apply(ctx, witness, reachable):
    """Use the witness results of a path: confirm/flag model findings, locate an unexplained loss.

    Returns the summary kept in the path result (``witness``), or None when no witness ran.
    """
    if not witness:
        return None
    present = [r for r in ROLES if ctx.views.get(r) is not None and ctx.views[r].present] or ['source']
    if 'source' not in present:
        present = ['source'] + present
    hops = _hops(witness, present, ctx.views)
    hosts = dict((r, ctx.host(r)) for r in present)
    where = None if reachable else locate(hops, hosts)
    summary = {'hops': dict((r, _hop_summary(h)) for r, h in hops.items()), 'located': None, 'why': None,
               'stopped': None}
    if reachable:
        return summary
    breaking = [f for f in ctx.findings if 'forward' in f['_breaks'] and not f['_symptom']]
    for finding in breaking:
        verdict = _agrees(finding, where)
        if verdict:
            finding['witness'] = verdict
            seen = where.get('last_seen') or 'no point of the exchange seen'
            add_evidence(finding, 'witness', '%s (%s)' % (verdict, seen))
    unexplained = not [f for f in breaking if f.get('witness') != 'contradicted']
    if where is None and all(s['seen'] for s in walk(hops, ECHO_POINTS)):
        summary['why'] = ('the echo went through on every hop while the witness watched: the loss comes and goes, '
                          'or other traffic repaired it meanwhile (e.g. a neighbour learnt from a request)')
        return summary
    if where is None:
        summary['why'] = 'the witness saw nothing of the exchange on any hop' if any(
            h and h.get('available') for h in hops.values()) else '; '.join(
            '%s: %s' % (hosts.get(r), _hop_why(h)) for r, h in hops.items())
        return summary
    summary['located'] = _location_text(ctx, where)
    summary['stopped'] = stopped_at(ctx, where)
    if summary['stopped']['role'] in ('switch',) or summary['stopped'].get('from_role') == 'switch':
        topo = ctx.topology
        verdict = ovs_verdict(ctx.views.get('switch'), topo.get('source_ip'), ctx.target_ip,
                              (topo.get('src_port') or {}).get('name'), (topo.get('vm_port') or {}).get('name'))
        if verdict:
            summary['ovs'] = verdict
            summary['located'] += '; ' + _ovs_text(verdict)
        _ovs_drop_counters(ctx, summary, hops.get('switch'))
    if unexplained:
        finding = located_finding(ctx, hops, where)
        if finding is None:
            summary['why'] = 'the %s vanished where the witness could not run' % (where['missing'] or {}).get('kind')
    return summary


def stopped_at(ctx, where):
    """Where the exchange stopped, for pictures: on a hop (``at: hop``) or between two (``at: link``)."""
    if where['drops']:
        d = where['drops'][0]
        kind = (d.get('packet') or {}).get('kind')
        return {'at': 'hop', 'role': d['role'], 'host': ctx.host(d['role']), 'interface': d.get('interface'),
                'kind': kind, 'exchange': where['exchange'], 'reason': d.get('reason'), 'location': d.get('location'),
                'direction': 'forward' if kind in ('echo_request', 'arp_request', 'nd_solicit') else 'return'}
    missing, last = where['missing'], where['last']
    out = {'at': 'hop', 'role': missing['role'], 'host': ctx.host(missing['role']), 'interface': None,
           'kind': missing['kind'], 'exchange': where['exchange'], 'reason': None, 'location': None,
           'direction': missing['direction'], 'watched': missing['seen'] is not None}
    if last is not None and last['role'] == missing['role']:
        out['interface'] = _pick_iface(ctx, last['role'], last['interfaces'])
    elif last is not None:
        out.update({'at': 'link', 'from_role': last['role'], 'from_host': ctx.host(last['role']),
                    'interface': _pick_iface(ctx, last['role'], last['interfaces'])})
    return out


def _location_text(ctx, where):
    if where['drops']:
        d = where['drops'][0]
        return '%s dropped on %s %s (%s at %s)' % (
            (d.get('packet') or {}).get('kind'), ctx.host(d['role']), d.get('interface'), d.get('reason'),
            d.get('location'))
    missing = where['missing']
    return '%s last seen: %s; not seen %s %s' % (
        where['exchange'], where.get('last_seen') or 'nowhere', 'entering' if missing['dir'] == 'in' else 'leaving',
        ctx.host(missing['role']))


def _hop_summary(hop):
    if hop is None:
        return {'available': False, 'why': _hop_why(None)}
    keys = ('available', 'why', 'drop_source', 'drop_why', 'nft_trace', 'netns_inode', 'interfaces', 'drops',
            'nft_verdicts', 'sent', 'ready_after', 'ovs_rx', 'ovs_drops')
    out = dict((k, hop.get(k)) for k in keys if k in hop)
    if not hop.get('available', False) and not out.get('why'):
        out['why'] = _hop_why(hop)
    return out
