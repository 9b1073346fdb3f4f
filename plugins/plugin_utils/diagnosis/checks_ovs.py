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
CONFIG_FIXES = {'NO_RECV': 'receive', 'NO_FWD': 'forward', 'NO_FLOOD': 'flood'}
CONFIG_EFFECT = {'NO_RECV': 'the switch drops every frame it receives on it',
                 'NO_FWD': 'the switch sends no frame out of it',
                 'NO_FLOOD': 'flooded frames (ARP requests, unknown unicast) do not go out of it'}


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

    def patch_ifaces(self):
        """[(bridge, port, interface)] of every patch interface."""
        return [(br, port, iface) for br, port in self.ports.values() for iface in port.get('interfaces') or []
                if iface.get('type') == 'patch']

    def patches(self, bridge):
        """[(local port, peer port, peer bridge)] of the patch links of a bridge, as configured: a link is there
        when either end names the other as its peer (one end may be broken: see _iface_error)."""
        out, seen = [], set()
        for br, port, iface in self.patch_ifaces():
            peer = (iface.get('options') or {}).get('peer')
            if not self.bridge_of(peer):
                continue
            ends = [(br, port), (self.bridge_of(peer), self.port(peer))]
            for (here, local), (there, remote) in (ends, ends[::-1]):
                key = (local['name'], remote['name'])
                if here['name'] == bridge['name'] and key not in seen:
                    seen.add(key)
                    out.append((local, remote, there))
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
    evidence = {'vm_port': vm_port, 'source_port': src_port}
    broken = _iface_error(ctx, sw, ovs, vm_port, src_port, evidence)
    if broken:
        return broken
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
                 or _port_config(ctx, sw, ovs, vm_port, src_port, evidence)
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


def _path_ports(sw, vm_port, src_port):
    """[(bridge, port)] the path crosses: the source port, the patch ports between the bridges, the VM port.
    When no patch link joins the two bridges, every patch port of both (one of them may be the broken link)."""
    src_br, vm_br = sw.bridge_of(src_port), sw.bridge_of(vm_port)
    hops = sw.path(src_br, vm_br)
    if hops is None:
        middle = [i['name'] for br, _port, i in sw.patch_ifaces() if br['name'] == src_br['name']] + \
            [i['name'] for br, _port, i in sw.patch_ifaces() if br['name'] == vm_br['name']]
    else:
        middle = [p['name'] for hop in hops for p in hop]
    names = [src_port] + middle + [vm_port]
    return [(sw.bridge_of(name), sw.port(name)) for name in names]


def patch_peer_fix(sw, iface):
    """The peer a broken patch interface must name, when that is unambiguous: exactly one other patch
    interface names it as its peer, and the peer it names now is missing or does not name it back. None
    otherwise (also when the pair is intact)."""
    named = (iface.get('options') or {}).get('peer')
    current = sw.iface(named) if sw.port(named) else None
    if current is not None and current.get('type') == 'patch' and \
            (current.get('options') or {}).get('peer') == iface['name']:
        return None
    wanting = [i['name'] for _br, _port, i in sw.patch_ifaces()
               if i['name'] != iface['name'] and (i.get('options') or {}).get('peer') == iface['name']]
    return wanting[0] if len(wanting) == 1 and wanting[0] != named else None


def _iface_error(ctx, sw, ovs, vm_port, src_port, evidence):
    """OVS's own verdict on an interface of the path: its ``error`` column (a device it cannot open, a patch
    port without a usable peer, ...). A patch port whose right peer is unambiguous goes first (its fix)."""
    broken = []
    for bridge, port in _path_ports(sw, vm_port, src_port):
        for iface in port.get('interfaces') or []:
            if iface.get('error') and iface['name'] not in [i['name'] for _b, i, _f in broken]:
                peer = patch_peer_fix(sw, iface) if iface.get('type') == 'patch' else None
                broken.append((bridge, iface, peer))
    if not broken:
        return None
    broken.sort(key=lambda item: item[2] is None)
    bridge, iface, peer = broken[0]
    evidence.update({'interface': iface['name'], 'bridge': bridge['name'], 'error': iface['error'],
                     'type': iface.get('type'), 'options': iface.get('options') or {},
                     'other_errors': dict((i['name'], i['error']) for _b, i, _p in broken[1:])})
    host = ctx.host('switch')
    if peer:
        fix = fix_module('ovs_interface', host, **fix_args(ovs, interface=iface['name'], peer=peer))
    elif iface.get('type') == 'patch':
        fix = fix_manual('Set the peer of patch interface %s to the patch interface on the other bridge that names it '
                         '(`ovs-vsctl set interface %s options:peer=<that interface>`), and that one\'s peer to %s.'
                         % (iface['name'], iface['name'], iface['name']))
    else:
        fix = fix_manual('Open vSwitch cannot use %s. A device that is gone (`could not open network device`: the VM '
                         'was stopped or its tap recreated under another name) comes back when the VM starts again; '
                         'a stale port is removed with `ovs-vsctl del-port %s %s`. Then `ovs-vsctl get interface %s '
                         'error` is empty.' % (iface['name'], bridge['name'], iface['name'], iface['name']))
    return ctx.find('OVS_INTERFACE_ERROR', 'switch', 'forward',
                    {'type': 'ovs_interface', 'name': iface['name'], 'bridge': bridge['name']}, evidence, 'high',
                    'Open vSwitch on %s reports an error on interface %s (bridge %s) of the path: "%s"%s.'
                    % (host, iface['name'], bridge['name'], iface['error'],
                       ' (the patch interface that names it is %s)' % peer if peer else ''),
                    fix, check_id=CID)


def _port_config(ctx, sw, ovs, vm_port, src_port, evidence):
    """An OpenFlow port config flag on a port of the path that stops its frames (``ovs-ofctl mod-port BR PORT
    no-receive|no-forward|no-flood``; not in the OVSDB, read with ``ovs-ofctl dump-ports-desc``)."""
    for bridge, port in _path_ports(sw, vm_port, src_port):
        for iface in port.get('interfaces') or []:
            flags = [f for f in iface.get('of_config') or [] if f in CONFIG_FIXES]
            if not flags:
                continue
            evidence.update({'port': port['name'], 'bridge': bridge['name'], 'of_config': iface['of_config'],
                             'of_state': iface.get('of_state')})
            args = dict((CONFIG_FIXES[f], True) for f in flags)
            return ctx.find('OVS_PORT_CONFIG', 'switch', 'forward',
                            {'type': 'ovs_port', 'name': port['name'], 'bridge': bridge['name'], 'config': flags},
                            evidence, 'high',
                            'OpenFlow port config of %s on OVS bridge %s of %s is %s: %s.'
                            % (port['name'], bridge['name'], ctx.host('switch'), ' '.join(flags),
                               '; '.join(CONFIG_EFFECT[f] for f in flags)),
                            fix_module('ovs_port_config', ctx.host('switch'),
                                       **fix_args(ovs, bridge=bridge['name'], port=port['name'], **args)),
                            check_id=CID)
    return None
