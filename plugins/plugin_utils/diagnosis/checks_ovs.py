# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open vSwitch checks: the switch's own verdict first (``ofproto/trace`` of the echo request from
the port facing the source, and of the reply from the VM port, in the ``ovs`` facts section), then
the configuration that explains it: the VM port on a bridge the source cannot reach, a VLAN the
path does not carry (access tag, trunk, vlan_mode), a bridge in ``fail_mode: secure`` without flows,
an OpenFlow flow that drops the echo. A trace that loses the packet with none of these is reported
with the trace itself (``OVS_PATH_DROP``). Pure functions of a PathContext. No I/O."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual, fix_module

CID = 'switch.ovs'
DEFAULT_RUNDIR = '/var/run/openvswitch'
TRUNK_MODES = ('trunk', 'native-tagged', 'native-untagged')


class _Switch(object):
    """The ``ovs`` facts of the hypervisor, indexed by port name."""

    def __init__(self, ovs):
        self.ovs = ovs
        self.ports = {}
        for br in ovs.get('bridges') or []:
            for port in br.get('ports') or []:
                self.ports[port.get('name')] = (br, port)

    def bridge_of(self, port):
        return (self.ports.get(port) or (None, None))[0]

    def port(self, name):
        return (self.ports.get(name) or (None, None))[1]

    def iface(self, name):
        port = self.port(name)
        for iface in (port or {}).get('interfaces') or []:
            if iface.get('name') == name:
                return iface
        return ((port or {}).get('interfaces') or [None])[0]

    def patches(self, bridge):
        """[(local port, peer port, peer bridge)] of a bridge's patch ports."""
        out = []
        for port in bridge.get('ports') or []:
            for iface in port.get('interfaces') or []:
                peer = (iface.get('options') or {}).get('peer')
                if iface.get('type') == 'patch' and peer and self.bridge_of(peer):
                    out.append((port, self.port(peer), self.bridge_of(peer)))
        return out

    def path(self, src_bridge, dst_bridge):
        """The patch ports crossed from src_bridge to dst_bridge ([(port, peer port)]), or None."""
        seen, queue = {src_bridge['name']}, [(src_bridge, [])]
        while queue:
            bridge, hops = queue.pop(0)
            if bridge['name'] == dst_bridge['name']:
                return hops
            for port, peer, peer_br in self.patches(bridge):
                if peer_br['name'] not in seen:
                    seen.add(peer_br['name'])
                    queue.append((peer_br, hops + [(port, peer)]))
        return None


def fix_args(ovs, **args):
    """Fixer arguments, with ``rundir`` when Open vSwitch runs from a non-default directory."""
    if ovs.get('rundir') and ovs.get('rundir') != DEFAULT_RUNDIR:
        args['rundir'] = ovs['rundir']
    return args


def _vlan_in(port, vid, untagged_frames):
    """Does ``port`` carry VLAN ``vid`` (``untagged_frames``: the device behind it sends untagged)."""
    mode, tag, trunks = port.get('vlan_mode'), port.get('tag'), port.get('trunks') or []
    if mode in (None, 'access') and tag is not None:
        return tag == vid
    if mode in TRUNK_MODES and untagged_frames:
        return mode in ('native-tagged', 'native-untagged') and tag == vid
    return not trunks or vid in trunks


def _vlan_fix(port, vid, untagged):
    """ovs_port_vlan arguments that make ``port`` carry ``vid`` (only the fields that must change)."""
    if untagged:
        args = {'tag': vid}
        if port.get('vlan_mode') not in (None, 'access'):
            args['vlan_mode'] = 'access'
        return args
    return {'trunks': sorted(set((port.get('trunks') or []) + [vid]))}


def _trace(ovs, packet, in_port, src, dst):
    for trace in ovs.get('traces') or []:
        if trace.get('packet') == packet and trace.get('in_port') == in_port and trace.get('src') == src \
                and trace.get('dst') == dst:
            return trace
    return None


def _flow_of(bridge, rule):
    for flow in bridge.get('flows') or []:
        if flow.get('table') == rule.get('table') and flow.get('priority') == rule.get('priority') \
                and flow.get('cookie') == rule.get('cookie') and flow.get('match') == rule.get('match'):
            return flow
    return None


def check_ovs(ctx):
    """The OVS verdict of the path and what explains it."""
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(CID, 'switch', 'no hypervisor facts')
    ovs = (hv.facts or {}).get('ovs') or {}
    if not ovs.get('present'):
        return ctx.skipped(CID, 'switch', 'no Open vSwitch on %s: %s' % (hv.host, ovs.get('note') or 'not read'))
    topo = ctx.topology
    vm_port, src_port = (topo.get('vm_port') or {}).get('name'), (topo.get('src_port') or {}).get('name')
    sw = _Switch(ovs)
    if not sw.port(vm_port) or not sw.port(src_port):
        return ctx.skipped(CID, 'switch', 'the VM port (%s) and the source port (%s) are not both OVS ports'
                           % (vm_port, src_port))
    down = [name for name in (vm_port, src_port)
            if 'down' in ((sw.iface(name) or {}).get('admin_state'), (sw.iface(name) or {}).get('link_state'))]
    if down:    # the port checks (switch.vm_port / switch.uplink_port, LINK_DOWN) report a port that is down
        return ctx.failed(CID, 'switch', 'OVS port %s is down (admin_state/link_state): reported by the port '
                          'checks' % ', '.join(down))
    src_ip, dst_ip = topo.get('source_ip'), ctx.target_ip
    request = _trace(ovs, 'echo-request', src_port, src_ip, dst_ip)
    reply = _trace(ovs, 'echo-reply', vm_port, dst_ip, src_ip)
    lost = [(name, t, to) for name, t, to in (('echo-request', request, vm_port), ('echo-reply', reply, src_port))
            if t is not None and not t.get('error') and to not in (t.get('outputs') or [])]
    evidence = {'traces': [t for t in (request, reply) if t is not None], 'vm_port': vm_port,
                'source_port': src_port}
    if request is None and reply is None:
        evidence['traces_missing'] = 'no ofproto/trace for %s -> %s in the facts' % (src_ip, dst_ip)
    explained = (_wrong_bridge(ctx, sw, ovs, vm_port, src_port, evidence)
                 or _vlan(ctx, sw, ovs, vm_port, src_port, evidence)
                 or _secure(ctx, sw, ovs, vm_port, src_port, evidence)
                 or _flow_drop(ctx, sw, ovs, lost, evidence))
    if explained:
        return explained
    if lost:
        name, trace, to = lost[0]
        rule = trace.get('deciding_rule')
        return ctx.find('OVS_PATH_DROP', 'switch', 'forward' if name == 'echo-request' else 'return',
                        {'type': 'ovs_port', 'name': to, 'bridge': (sw.bridge_of(to) or {}).get('name')},
                        evidence, 'medium',
                        'Open vSwitch on %s does not deliver the %s from %s to %s (ofproto/trace: datapath actions '
                        '%s%s).' % (hv.host, name, trace.get('in_port'), to, trace.get('datapath_actions'),
                                    ', last rule %s' % rule if rule else ''),
                        fix_manual('Read the trace in the evidence (`ovs-appctl ofproto/trace %s in_port=%s,...`): '
                                   'it names every rule the packet met.' % (trace.get('bridge'), trace.get('in_port'))),
                        check_id=CID)
    return ctx.passed(CID, 'switch', 'ofproto/trace delivers the echo request to %s and the reply to %s'
                      % (vm_port, src_port) if request and reply else 'OVS configuration of %s and %s is consistent'
                      % (vm_port, src_port))


def _wrong_bridge(ctx, sw, ovs, vm_port, src_port, evidence):
    vm_br, src_br = sw.bridge_of(vm_port), sw.bridge_of(src_port)
    if sw.path(src_br, vm_br) is not None:
        return None
    reachable = [name for name in sorted(sw.ports) if sw.path(src_br, sw.bridge_of(name)) is not None]
    bridges = sorted(set(sw.bridge_of(p)['name'] for p in reachable) - {src_br['name']}) or [src_br['name']]
    want = bridges[0]
    port = sw.port(vm_port)
    tag = ' tag=%s' % port['tag'] if port.get('tag') is not None else ''
    cmd = 'ovs-vsctl del-port %s %s -- add-port %s %s%s' % (vm_br['name'], vm_port, want, vm_port, tag)
    evidence.update({'vm_port_bridge': vm_br['name'], 'source_port_bridge': src_br['name'],
                     'bridges_reachable_from_source': sorted(set(sw.bridge_of(p)['name'] for p in reachable))})
    return ctx.find('OVS_WRONG_BRIDGE', 'switch', 'forward',
                    {'type': 'ovs_port', 'name': vm_port, 'bridge': vm_br['name']}, evidence, 'high',
                    'VM port %s on %s is on OVS bridge %s, which no patch port joins to bridge %s of the source port %s.'
                    % (vm_port, ctx.host('switch'), vm_br['name'], src_br['name'], src_port),
                    fix_manual('Which bridge a VM belongs on is the VM definition\'s decision (libvirt <source '
                               'bridge>, OpenStack br-int); the immediate command is `%s`.' % cmd), check_id=CID)


def _vlan(ctx, sw, ovs, vm_port, src_port, evidence):
    src = sw.port(src_port)
    if src.get('tag') is None or src.get('vlan_mode') not in (None, 'access'):
        return None         # the source side is a trunk: the VLAN of its frames is not known here
    vid = src['tag']
    hops = sw.path(sw.bridge_of(src_port), sw.bridge_of(vm_port)) or []
    candidates = [(sw.port(vm_port), True)] + [(p, False) for hop in hops for p in hop]
    for port, untagged in candidates:
        if _vlan_in(port, vid, untagged):
            continue
        bridge = sw.bridge_of(port['name'])['name']
        evidence.update({'source_vlan': vid, 'port': port})
        what = 'access port' if untagged else 'patch/trunk port'
        return ctx.find('VLAN_MISMATCH', 'switch', 'forward',
                        {'type': 'ovs_port', 'name': port['name'], 'bridge': bridge}, evidence, 'high',
                        'VLAN %s of the source port %s is not carried by OVS %s %s on %s (tag %s, trunks %s, '
                        'vlan_mode %s).' % (vid, src_port, what, port['name'], ctx.host('switch'), port.get('tag'),
                                            port.get('trunks') or 'all', port.get('vlan_mode') or 'default'),
                        fix_module('ovs_port_vlan', ctx.host('switch'),
                                   **fix_args(ovs, bridge=bridge, port=port['name'], **_vlan_fix(port, vid, untagged))),
                        check_id=CID)
    return None


def _secure(ctx, sw, ovs, vm_port, src_port, evidence):
    hops = sw.path(sw.bridge_of(src_port), sw.bridge_of(vm_port)) or []
    names = [sw.bridge_of(src_port)['name']] + [sw.bridge_of(peer['name'])['name'] for _port, peer in hops]
    for br in ovs.get('bridges') or []:
        if br.get('name') in names and br.get('fail_mode') == 'secure' and br.get('flows') == []:
            evidence.update({'bridge': br['name'], 'fail_mode': 'secure', 'controllers': br.get('controllers')})
            return ctx.find('OVS_SECURE_NO_FLOWS', 'switch', 'forward', {'type': 'ovs_bridge', 'name': br['name']},
                            evidence, 'high',
                            'OVS bridge %s on %s is in fail_mode secure with no OpenFlow flow%s: it drops every frame.'
                            % (br['name'], ctx.host('switch'),
                               ' (controller %s not programming it)' % ', '.join(br['controllers'])
                               if br.get('controllers') else ' and no controller'),
                            fix_manual('A secure bridge waits for its controller (OpenStack Neutron agent, OVN, ...) to '
                                       'program it: start or reconnect that controller. Without a controller, '
                                       '`ovs-vsctl del-fail-mode %s` makes it a learning switch again.' % br['name']),
                            check_id=CID)
    return None


def _flow_drop(ctx, sw, ovs, lost, evidence):
    for name, trace, _to in lost:
        rule = trace.get('deciding_rule') or {}
        if rule.get('miss') or rule.get('priority') is None or not rule.get('match'):
            continue
        bridge = next((b for b in ovs.get('bridges') or [] if b.get('name') == rule.get('bridge')), None)
        flow = _flow_of(bridge or {}, rule)
        if flow is None:
            continue
        evidence.update({'flow': flow, 'bridge': bridge['name']})
        return ctx.find('OVS_FLOW_DROP', 'switch', 'forward' if name == 'echo-request' else 'return',
                        {'type': 'openflow_flow', 'bridge': bridge['name'], 'table': flow['table'],
                         'priority': flow['priority'], 'cookie': flow['cookie'], 'match': flow['match']},
                        evidence, 'high',
                        'OpenFlow flow on OVS bridge %s of %s drops the %s: table %s, priority %s, cookie %s, %s '
                        'actions=%s (%s packets).' % (bridge['name'], ctx.host('switch'), name, flow['table'],
                                                      flow['priority'], flow['cookie'], flow['match'],
                                                      flow['actions'] or 'drop', flow['n_packets']),
                        fix_module('ovs_flow', ctx.host('switch'), **fix_args(
                            ovs, bridge=bridge['name'], table=flow['table'], priority=flow['priority'],
                            cookie=flow['cookie'], match=flow['match'], state='absent')),
                        check_id=CID)
    return None
