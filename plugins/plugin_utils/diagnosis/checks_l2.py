# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer-2 checks: interface state, bridge ports, STP, VLAN membership, MAC filters, MTU,
duplicate MAC addresses. Pure functions of a PathContext. No I/O."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual, fix_module
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.topology import source_bridge
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.checks_ovs import fix_args as ovs_fix_args

STRONG_MATCH = ('fdb', 'peer_ifindex', 'link_name', 'libvirt_tap_mac')
STP_NOT_FORWARDING = ('blocking', 'listening', 'learning')


def _iface_evidence(iface):
    keys = ('name', 'kind', 'admin_up', 'carrier', 'oper_state', 'mtu', 'mac', 'master')
    return dict((k, iface.get(k)) for k in keys if k in iface)


def _port_down(ctx, which):
    """True when the hypervisor peer of 'src'/'vm' is known and administratively down."""
    port = ctx.topology.get('%s_port' % which)
    if not port:
        return None
    hv = ctx.view('switch')
    _br, bport = hv.bridge_port(port.get('name'))
    if port.get('admin_up') is False or (bport and bport.get('admin_up') is False):
        return port.get('name')
    return None


def _link_of(ctx, cid, role, iface, port_side, no_carrier_why):
    """LINK_DOWN for the interface ``iface`` of ``role`` (source or target), or a pass."""
    name = iface.get('name')
    if iface.get('admin_up') is False:
        return ctx.find('LINK_DOWN', role, 'forward', {'type': 'interface', 'name': name},
                        {'interface': _iface_evidence(iface)}, 'high',
                        'Interface %s on %s is administratively down.' % (name, ctx.host(role)),
                        fix_module('link_state', ctx.host(role), interface=name, state='up'), check_id=cid)
    if iface.get('carrier') is False:
        far = _port_down(ctx, port_side)
        if far:
            return ctx.failed(cid, role, 'no carrier on %s: its far end %s on %s is down (reported there)'
                              % (name, far, ctx.host('switch')))
        return ctx.find('LINK_DOWN', role, 'forward', {'type': 'interface', 'name': name},
                        {'interface': _iface_evidence(iface)}, 'medium',
                        'Interface %s on %s is up but has no carrier.' % (name, ctx.host(role)),
                        fix_manual('No carrier on %s while it is administratively up: %s' % (name, no_carrier_why)),
                        check_id=cid)
    return ctx.passed(cid, role, '%s is up (carrier %s)' % (name, iface.get('carrier')))


def check_source_link(ctx):
    cid = 'source.link'
    iface = ctx.topology.get('source_iface')
    if not iface:
        return ctx.skipped(cid, 'source', 'no egress interface towards %s (no usable route)' % ctx.target_ip)
    return _link_of(ctx, cid, 'source', iface, 'src',
                    'the cable, the peer interface or the virtual NIC connection is down; there is no safe '
                    'automatic fix from this host.')


def check_hv_port(ctx, which):
    """The hypervisor interface facing the source ('src') or the VM ('vm')."""
    cid = 'switch.%s_port' % ('uplink' if which == 'src' else 'vm')
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(cid, 'switch', 'no hypervisor facts')
    port = ctx.topology.get('%s_port' % which)
    if not port:
        return ctx.skipped(cid, 'switch', 'port not identified: %s' % ctx.topology['unknown'].get(
            '%s_port' % which, 'unknown'))
    how = ctx.topology.get('%s_port_how' % which)
    confidence = 'high' if how in STRONG_MATCH else 'medium'
    name = port.get('name')
    br, bport = hv.bridge_port(name)
    peer = 'the VM %s' % (ctx.host('target') or ctx.target_ip) if which == 'vm' else ctx.host('source')
    evidence = {'interface': _iface_evidence(port), 'identified_by': how}
    if bport:
        evidence['bridge'] = br.get('name')
        evidence['bridge_port'] = bport
        obj = {'type': 'bridge_port', 'name': name, 'bridge': br.get('name')}
    else:
        obj = {'type': 'interface', 'name': name}
    if port.get('admin_up') is False or (bport and bport.get('admin_up') is False):
        code = 'BRIDGE_PORT_DOWN' if bport else 'LINK_DOWN'
        what = 'Bridge port %s of %s' % (name, br.get('name')) if bport else 'Interface %s' % name
        return ctx.find(code, 'switch', 'forward', obj, evidence, confidence,
                        '%s on %s (towards %s) is down.' % (what, ctx.host('switch'), peer),
                        fix_module('link_state', ctx.host('switch'), interface=name, state='up'), check_id=cid)
    state = (bport or {}).get('state')
    if state in STP_NOT_FORWARDING and port.get('carrier') is not False:
        if br.get('stp_enabled'):
            fix = fix_manual('STP is enabled on %s and chose to %s port %s, usually to break a loop: fix the '
                             'topology; forcing the port to forwarding could create a loop.' % (br.get('name'), state, name))
        else:
            fix = fix_module('link_state', ctx.host('switch'), interface=name, state='up', release_stp=True)
        evidence['stp_enabled'] = br.get('stp_enabled')
        return ctx.find('STP_BLOCKING', 'switch', 'forward', obj, evidence, confidence,
                        'Bridge port %s of %s on %s (towards %s) is in STP state %s and does not forward.'
                        % (name, br.get('name'), ctx.host('switch'), peer, state), fix, check_id=cid)
    if port.get('carrier') is False:
        return ctx.failed(cid, 'switch', '%s is up but has no carrier: %s side is down (checked there)' % (name, peer))
    return ctx.passed(cid, 'switch', '%s up%s (identified by %s)' % (
        name, ', state %s' % state if state else '', how))


def check_target_link(ctx):
    cid = 'target.link'
    tgt = ctx.view('target')
    iface = ctx.topology.get('target_iface')
    if tgt.present and iface:
        return _link_of(ctx, cid, 'target', iface, 'vm',
                        'the virtual NIC is disconnected or the switch port is gone.')
    if tgt.present:
        return ctx.skipped(cid, 'target', 'no interface of %s holds %s' % (ctx.host('target'), ctx.target_ip))
    # No VM facts: the hypervisor port may still tell.
    port = ctx.topology.get('vm_port')
    if port and port.get('admin_up') is not False and port.get('carrier') is False:
        return ctx.find('LINK_DOWN', 'target', 'forward',
                        {'type': 'interface', 'name': None, 'mac': ctx.topology.get('target_mac'),
                         'peer_port': port.get('name')},
                        {'hypervisor_port': _iface_evidence(port), 'identified_by': ctx.topology.get('vm_port_how')},
                        'medium',
                        'The VM interface behind port %s on %s has no link (the port is up without carrier).'
                        % (port.get('name'), ctx.host('switch')),
                        fix_manual('No facts from the VM: bring its interface up from the console (interface name unknown).'),
                        check_id=cid)
    return ctx.skipped(cid, 'target', 'no facts from the VM and no identified hypervisor port')


def _vlan_of_bridge(hv, bridge):
    """The VLAN id of a per-VLAN bridge: the id of a VLAN device enslaved to it."""
    for iface in hv.interfaces:
        if iface.get('master') == bridge and iface.get('kind') == 'vlan' and iface.get('vlan_id') is not None:
            return iface.get('vlan_id')
    return None


def check_vlan(ctx):
    cid = 'switch.vlan'
    hv = ctx.view('switch')
    topo = ctx.topology
    if not hv.present:
        return ctx.skipped(cid, 'switch', 'no hypervisor facts')
    vm_port, src_port = topo.get('vm_port'), topo.get('src_port')
    if not vm_port:
        return ctx.skipped(cid, 'switch', 'VM port not identified: %s' % topo['unknown'].get('vm_port'))
    vm_br = vm_port.get('master')
    if topo.get('routed'):
        return ctx.passed(cid, 'switch', 'routed path: %s routes between the segments' % ctx.host('switch'))
    src_br = source_bridge(hv, topo, topo.get('source_ip'))
    if not src_br:
        return ctx.skipped(cid, 'switch', 'bridge of the source not identified: %s'
                           % topo['unknown'].get('src_port'))
    src_port = src_port or {'name': None}
    if vm_br and src_br and vm_br != src_br and topo.get('on_link'):
        vid_vm, vid_src = _vlan_of_bridge(hv, vm_br), _vlan_of_bridge(hv, src_br)
        cmd = 'ip link set dev %s master %s' % (vm_port.get('name'), src_br)
        return ctx.find('VLAN_MISMATCH', 'switch', 'forward',
                        {'type': 'bridge_port', 'name': vm_port.get('name'), 'bridge': vm_br, 'vid': vid_vm},
                        {'vm_port_bridge': vm_br, 'vm_port_bridge_vlan': vid_vm, 'uplink_port': src_port.get('name'),
                         'vm_port_identified_by': topo.get('vm_port_how'),
                         'uplink_bridge': src_br, 'uplink_bridge_vlan': vid_src,
                         'source_route': topo.get('source_route')},
                        'high' if topo.get('vm_port_how') in STRONG_MATCH else 'medium',
                        'VM port %s on %s is in bridge %s%s but the source reaches %s through bridge %s%s.' % (
                            vm_port.get('name'), ctx.host('switch'), vm_br,
                            ' (VLAN %s)' % vid_vm if vid_vm is not None else '', ctx.target_ip, src_br,
                            ' (VLAN %s)' % vid_src if vid_src is not None else ''),
                        fix_manual('Per-VLAN bridges: moving a VM to another network is a person\'s decision and '
                                   'must also change the VM definition; the immediate command is `%s`.' % cmd),
                        check_id=cid)
    br = hv.bridge(vm_br) if vm_br else None
    if br and br.get('vlan_filtering') and vm_br == src_br:
        _b, vm_bp = hv.bridge_port(vm_port.get('name'))
        _b, src_bp = hv.bridge_port(src_port.get('name'))
        s_iface = topo.get('source_iface') or {}
        src_vid = s_iface.get('vlan_id') if s_iface.get('kind') == 'vlan' else (src_bp or {}).get('pvid')
        t_iface = topo.get('target_iface') or {}
        vm_tagged = t_iface.get('vlan_id') if t_iface.get('kind') == 'vlan' else None
        vids = (vm_bp or {}).get('vids') or []
        if src_vid is None or vm_bp is None:
            return ctx.skipped(cid, 'switch', 'VLAN of the source traffic or VM port membership unknown')
        ok = src_vid in vids and (vm_port_untagged_ok(vm_bp, src_vid) if vm_tagged is None else
                                  vm_tagged == src_vid and src_vid not in (vm_bp.get('untagged') or []))
        if not ok:
            if vm_tagged is None:
                fix = fix_module('bridge_vlan', ctx.host('switch'), port=vm_port.get('name'), pvid=src_vid,
                                 vids=[src_vid], untagged=[src_vid], state='present')
            else:
                fix = fix_manual('The VM tags its frames with VLAN %s but the source traffic is in VLAN %s: '
                                 'which VLAN is right is a person\'s decision.' % (vm_tagged, src_vid))
            return ctx.find('VLAN_MISMATCH', 'switch', 'forward',
                            {'type': 'vlan', 'vid': src_vid, 'port': vm_port.get('name'), 'bridge': vm_br},
                            {'vm_port': vm_bp, 'uplink_port': src_bp, 'source_vlan': src_vid, 'vm_tagged_vlan': vm_tagged},
                            'high' if topo.get('vm_port_how') in STRONG_MATCH else 'medium',
                            'VLAN %s of the source traffic is not delivered to VM port %s on %s (pvid %s, vids %s).' % (
                                src_vid, vm_port.get('name'), ctx.host('switch'), vm_bp.get('pvid'), vids),
                            fix, check_id=cid)
        return ctx.passed(cid, 'switch', 'VLAN %s allowed on %s' % (src_vid, vm_port.get('name')))
    return ctx.passed(cid, 'switch', 'VM port %s and uplink %s share bridge %s' % (
        vm_port.get('name'), src_port.get('name'), vm_br))


def vm_port_untagged_ok(bport, vid):
    return bport.get('pvid') == vid and vid in (bport.get('untagged') or [])


def check_mac_filters(ctx):
    cid = 'switch.mac_filters'
    hv = ctx.view('switch')
    topo = ctx.topology
    if not hv.present:
        return ctx.skipped(cid, 'switch', 'no hypervisor facts')
    err = hv.section_error('bridges')
    if err:
        return ctx.skipped(cid, 'switch', 'bridge facts incomplete: %s' % err)
    macs = {}
    if topo.get('target_mac'):
        macs[topo['target_mac']] = 'target'
    s_mac = (topo.get('source_iface') or {}).get('mac')
    if s_mac and not topo.get('routed'):
        macs[s_mac.lower()] = 'source'
    if not macs:
        return ctx.skipped(cid, 'switch', 'MAC address of the VM unknown')
    relevant = set(p.get('name') for p in (topo.get('vm_port'), topo.get('src_port')) if p)
    bridges = set(p.get('master') for p in (topo.get('vm_port'), topo.get('src_port')) if p and p.get('master'))
    found = 0
    for br in hv.bridges:
        if bridges and br.get('name') not in bridges:
            continue
        for flt in br.get('mac_filters') or []:
            mac = str(flt.get('mac') or '').lower()
            if mac not in macs or flt.get('verdict') not in ('drop', 'reject'):
                continue
            if flt.get('port') and relevant and flt.get('port') not in relevant:
                continue
            owner = macs[mac]
            frames_from_owner = flt.get('direction') == 'source'
            direction = 'return' if (owner == 'target') == frames_from_owner else 'forward'
            rule = flt.get('rule') or {}
            obj = {'type': 'mac_filter', 'mac': mac, 'bridge': br.get('name'), 'port': flt.get('port'),
                   'direction': flt.get('direction'), 'backend': rule.get('backend'), 'family': rule.get('family'),
                   'table': rule.get('table'), 'chain': rule.get('chain'), 'handle': rule.get('handle')}
            args = {'mac': mac, 'state': 'present'}
            if flt.get('port'):
                args['port'] = flt.get('port')
            else:
                args['bridge'] = br.get('name')
            who = 'the VM' if owner == 'target' else ctx.host('source')
            ctx.find('MAC_FILTERED', 'switch', direction, obj, {'mac_filter': flt, 'owner': owner}, 'high',
                     'Bridge %s on %s drops frames %s %s (MAC %s)%s: rule %s.' % (
                         br.get('name'), ctx.host('switch'), 'from' if frames_from_owner else 'to', who, mac,
                         ' on port %s' % flt.get('port') if flt.get('port') else '',
                         rule.get('text') or rule.get('handle')),
                     fix_module('mac_allow', ctx.host('switch'), **args))
            found += 1
    if found:
        return ctx.failed(cid, 'switch', '%d MAC filter(s) drop the VM or the source' % found)
    return ctx.passed(cid, 'switch', 'no bridge MAC filter drops %s' % ', '.join(sorted(macs)))


def _segments(ctx):
    """Layer-2 segments of the path: lists of (role, kind, iface dict)."""
    topo = ctx.topology
    hv = ctx.view('switch')
    s_iface, t_iface = topo.get('source_iface'), topo.get('target_iface')
    vm_port, src_port = topo.get('vm_port'), topo.get('src_port')

    def with_bridge(members, port):
        if port is not None:
            members.append(('switch', 'port', port))
            br = hv.iface(port.get('master')) if port.get('master') else None
            if br is not None:
                members.append(('switch', 'bridge', br))

    if topo.get('routed'):
        first = [('source', 'end', s_iface)] if s_iface else []
        with_bridge(first, src_port)
        if topo.get('hv_in') is not None and all(m[2].get('name') != topo['hv_in'].get('name') for m in first):
            first.append(('switch', 'end', topo['hv_in']))
        second = []
        if topo.get('hv_out') is not None:
            second.append(('switch', 'end', topo['hv_out']))
        with_bridge(second, vm_port)
        if t_iface:
            second.append(('target', 'end', t_iface))
        return [_dedupe(first), _dedupe(second)]
    members = [('source', 'end', s_iface)] if s_iface else []
    with_bridge(members, src_port)
    if vm_port is not None:
        members.append(('switch', 'port', vm_port))
        br = hv.iface(vm_port.get('master')) if vm_port.get('master') else None
        if br is not None:
            members.append(('switch', 'bridge', br))
    if t_iface:
        members.append(('target', 'end', t_iface))
    return [_dedupe(members)]


def _dedupe(members):
    seen, out = set(), []
    for role, kind, iface in members:
        key = (role, iface.get('name'))
        if key not in seen and iface.get('mtu'):
            seen.add(key)
            # a bridge port inside the hypervisor counts as a port, not as the routed end
            out.append((role, kind, iface))
    return out


def check_mtu(ctx, large_probe):
    cid = 'path.mtu'
    reported = 0
    checked = 0
    for members in _segments(ctx):
        if len(members) < 2:
            continue
        checked += 1
        values = sorted(set(m[2]['mtu'] for m in members))
        if len(values) == 1:
            continue
        ends = [m for m in members if m[0] in ('source', 'target') or m[1] == 'end']
        middle = [m for m in members if m not in ends]
        end_values = set(m[2]['mtu'] for m in ends)
        bridge = [m for m in middle if m[1] == 'bridge']
        if len(ends) >= 2 and len(end_values) == 1:
            want = end_values.pop()
            odd = [m for m in middle if m[2]['mtu'] != want]
        else:
            counts = {}
            for m in members:
                counts[m[2]['mtu']] = counts.get(m[2]['mtu'], 0) + 1
            top = max(counts.values())
            winners = [v for v, c in counts.items() if c == top]
            want = winners[0] if len(winners) == 1 else min(values)
            odd = [m for m in members if m[2]['mtu'] != want]
        odd_bridge = [m for m in odd if m[1] == 'bridge'] or ([m for m in bridge if m[2]['mtu'] != want] if any(
            m[1] == 'port' for m in odd) else [])
        if odd_bridge:
            role, _kind, iface = odd_bridge[0]
            fix = fix_module('interface_mtu', ctx.host(role), interface=iface['name'], mtu=want, bridge_ports=True)
        else:
            role, _kind, iface = odd[0]
            fix = fix_module('interface_mtu', ctx.host(role), interface=iface['name'], mtu=want)
        evidence = {'segment': [{'host': ctx.host(m[0]), 'interface': m[2].get('name'), 'kind': m[1],
                                 'mtu': m[2].get('mtu'), 'max_mtu': m[2].get('max_mtu')} for m in members]}
        confidence = 'medium'
        if large_probe:
            evidence['large_probe'] = dict((k, large_probe.get(k)) for k in (
                'size', 'dont_fragment', 'reachable', 'frag_needed', 'path_mtu', 'errors') if k in large_probe)
            if not large_probe.get('reachable') or large_probe.get('frag_needed'):
                confidence = 'high'
        if fix['args']['mtu'] > (iface.get('max_mtu') or fix['args']['mtu']):
            fix = fix_manual('%s cannot take MTU %s (max_mtu %s): lower the other side instead.' % (
                iface['name'], want, iface.get('max_mtu')))
        obj = {'type': 'interface', 'name': iface['name'], 'mtu': iface['mtu']}
        requested = _ovs_mtu_request(ctx, role, iface['name']) if not odd_bridge else None
        if requested:       # OVS re-applies mtu_request over any kernel change: mend the OVSDB column
            ovs_facts = ctx.views[role].facts['ovs']
            obj = {'type': 'ovs_interface', 'name': iface['name'], 'mtu': iface['mtu'], 'mtu_request': requested}
            evidence['ovs_mtu_request'] = requested
            fix = fix_module('ovs_interface', ctx.host(role), **ovs_fix_args(
                ovs_facts, interface=iface['name'], mtu_request=want))
        ctx.find('MTU_MISMATCH', role, 'forward', obj, evidence, confidence,
                 'MTU %s on %s of %s differs from the segment MTU %s (%s).' % (
                     iface['mtu'], iface['name'], ctx.host(role), want,
                     ', '.join('%s/%s=%s' % (ctx.host(m[0]), m[2]['name'], m[2]['mtu']) for m in members)),
                 fix, breaks=('large',))
        reported += 1
    if not checked:
        return ctx.skipped(cid, 'switch', 'fewer than two interfaces of a segment are known')
    if reported:
        return ctx.failed(cid, 'switch', '%d segment(s) with mixed MTU' % reported)
    return ctx.passed(cid, 'switch', 'MTU consistent on %d segment(s)' % checked)


def _ovs_mtu_request(ctx, role, name):
    """The ``mtu_request`` Open vSwitch holds for interface ``name`` on the hop, or None."""
    view = ctx.views.get(role)
    ovs_facts = ((view.facts or {}).get('ovs') or {}) if view is not None and view.present else {}
    for br in ovs_facts.get('bridges') or [] if ovs_facts.get('present') else []:
        for port in br.get('ports') or []:
            for iface in port.get('interfaces') or []:
                if iface.get('name') == name and iface.get('mtu_request'):
                    return iface['mtu_request']
    return None


def check_duplicate_mac(ctx, extra_views=()):
    cid = 'path.duplicate_mac'
    topo = ctx.topology
    owners = []
    if topo.get('target_iface') and topo.get('target_mac'):
        owners.append(('target', topo['target_mac']))
    s_iface = topo.get('source_iface')
    if s_iface and s_iface.get('mac'):
        owners.append(('source', s_iface['mac'].lower()))
    if not owners:
        return ctx.skipped(cid, 'target', 'no MAC address known for the VM or the source')
    views = [ctx.view(r) for r in ('source', 'switch', 'target')] + list(extra_views)
    found = 0
    for role, mac in owners:
        clashes = []
        for view in views:
            if not view.present or view.role == role:
                continue
            for iface in view.interfaces:
                if str(iface.get('mac') or '').lower() == mac and iface.get('kind') not in ('bridge', 'vlan', 'loopback'):
                    clashes.append({'host': view.host, 'interface': iface.get('name')})
            for dup in view.section('duplicate_macs'):
                if isinstance(dup, dict) and str(dup.get('mac') or '').lower() == mac:
                    clashes.append({'host': view.host, 'duplicate_macs': dup.get('nics')})
        if clashes:
            found += 1
            ctx.find('DUPLICATE_MAC', role, 'forward', {'type': 'interface', 'mac': mac, 'name': (
                topo.get('target_iface') if role == 'target' else s_iface).get('name')},
                {'mac': mac, 'also_on': clashes}, 'high',
                'MAC %s of %s is also used by %s.' % (mac, ctx.host(role), ', '.join(
                    '%s/%s' % (c['host'], c.get('interface') or 'VM NIC') for c in clashes)),
                fix_manual('Which NIC gets a new MAC address is a person\'s decision (licences, DHCP reservations).'))
    if found:
        return ctx.failed(cid, 'target', 'duplicate MAC address(es) found')
    return ctx.passed(cid, 'target', 'MAC addresses %s are unique among known hosts' % ', '.join(m for _r, m in owners))
