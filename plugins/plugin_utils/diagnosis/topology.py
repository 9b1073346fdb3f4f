# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Work out the shape of one path from the facts: addresses, egress interfaces, whether the
hypervisor bridges or routes, and which hypervisor ports face the source and the VM. No I/O.

Everything resolved here is only what the facts show; unknown parts stay None and the
checks that need them are skipped with the reason recorded in ``topology['unknown']``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import canonical_mac
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import (
    family_of, ip_obj, STATIC_NUD, UNRESOLVED_NUD)

NOT_PORTS = ('bridge', 'loopback')


def match_peer(hv, peer_view, peer_iface, peer_mac):
    """Find the hypervisor interface at the other end of ``peer_iface`` (a host or VM interface).

    Tries, most reliable first: the bridge forwarding database (``bridges[].fdb``, an additive
    schema field), veth peer indexes (``interfaces[].peer_ifindex``, additive), the ``link``
    peer names, the libvirt tap MAC convention (fe:xx for 52:xx), then a port name containing
    the peer's inventory name. Returns (interface dict, how) or (None, reason).
    """
    peer_mac = canonical_mac(peer_mac or (peer_iface or {}).get('mac'))
    ifaces = [i for i in hv.interfaces if i.get('kind') not in NOT_PORTS and i.get('name') != 'lo']
    if peer_mac:
        for br in hv.bridges:
            for entry in br.get('fdb') or []:
                if isinstance(entry, dict) and canonical_mac(entry.get('mac')) == peer_mac and entry.get('port') \
                        and not entry.get('local') and entry.get('port') != br.get('name'):
                    port = hv.iface(entry['port']) or {'name': entry['port'], 'master': br.get('name')}
                    return port, 'fdb'
    if peer_iface:
        pidx, pnx = peer_iface.get('ifindex'), peer_iface.get('peer_ifindex')
        cands = []
        for i in ifaces:
            there = i.get('peer_ifindex')
            if pnx is not None and i.get('ifindex') == pnx and there in (None, pidx):
                cands.append(i)
            elif pnx is None and there is not None and there == pidx:
                cands.append(i)
        if len(cands) == 1:
            return cands[0], 'peer_ifindex'
        cands = [i for i in ifaces if i.get('link') and i.get('link') == peer_iface.get('name')
                 and peer_iface.get('link') == i.get('name')]
        if len(cands) == 1:
            return cands[0], 'link_name'
    if peer_mac and peer_mac.startswith('52:54:00'):
        tap = 'fe' + peer_mac[2:]
        cands = [i for i in ifaces if canonical_mac(i.get('mac')) == tap]
        if len(cands) == 1:
            return cands[0], 'libvirt_tap_mac'
    tokens = []
    for token in (peer_view.host, (peer_view.facts or {}).get('hostname')):
        if token:
            tokens.append(str(token))
            if '-' in str(token):
                tokens.append(str(token).rsplit('-', 1)[1])
    for token in tokens:
        cands = [i for i in ifaces if token and token in str(i.get('name'))]
        if len(cands) == 1:
            return cands[0], 'name'
    return None, 'no bridge fdb, veth peer index, tap MAC or port name links %s to a port of %s' % (
        peer_view.host or peer_view.role, hv.host)


def _dynamic_mac(view, address):
    entry = view.neighbor(address) if view.present else None
    if entry and entry.get('mac') and not set(entry.get('state') or []) & set(STATIC_NUD + UNRESOLVED_NUD):
        return canonical_mac(entry['mac'])
    return None


def resolve(ctx):
    """Fill ctx.topology."""
    src, hv, tgt = ctx.view('source'), ctx.view('switch'), ctx.view('target')
    target_ip = ctx.target_ip
    family = family_of(target_ip)
    topo = {'family': family, 'unknown': {}}

    s_route = src.route_to(target_ip)
    topo['source_route'] = s_route
    source_ip = None
    if s_route and s_route.get('ok'):
        source_ip = s_route.get('prefsrc')
        if not source_ip and s_route.get('dev'):
            addr = src.primary_address(s_route['dev'], family)
            source_ip = addr.get('address') if addr else None
    if not source_ip:
        for iface, addr in src.addresses(family):
            if iface.get('kind') != 'loopback' and addr.get('scope', 'global') == 'global':
                source_ip = addr.get('address')
                break
    topo['source_ip'] = source_ip
    s_dev = s_route.get('dev') if s_route and s_route.get('ok') else None
    topo['source_iface'] = src.iface(s_dev) if s_dev else None
    topo['source_next_hop'] = (s_route.get('gateway') or target_ip) if s_route and s_route.get('ok') else None
    topo['on_link'] = bool(s_route and s_route.get('ok') and not s_route.get('gateway'))

    t_iface, t_addr = tgt.iface_by_address(target_ip) if tgt.present else (None, None)
    topo['target_iface'], topo['target_addr'] = t_iface, t_addr
    topo['target_mac'] = canonical_mac(t_iface.get('mac')) if t_iface else None
    topo['target_mac_how'] = 'target facts' if t_iface else None
    if not topo['target_mac']:
        for view in (hv, src):
            mac = _dynamic_mac(view, target_ip)
            if mac:
                topo['target_mac'], topo['target_mac_how'] = mac, 'neighbor table of %s' % view.host
                break
    t_route = tgt.route_to(source_ip) if tgt.present and source_ip else None
    topo['target_route'] = t_route

    topo['routed'] = False
    topo['hv_in'] = topo['hv_out'] = None
    topo['vm_port'] = topo['src_port'] = None
    if hv.present:
        s_gw = s_route.get('gateway') if s_route and s_route.get('ok') else None
        t_gw = t_route.get('gateway') if t_route and t_route.get('ok') else None
        t_defaults = [r.get('gateway') for r in tgt.default_routes(family)] if tgt.present else []
        topo['routed'] = bool((s_gw and hv.owns(s_gw)) or (t_gw and hv.owns(t_gw))
                              or (not topo['on_link'] and any(g and hv.owns(g) for g in t_defaults)))
        if topo['routed']:
            # where the source's packets enter: the interface owning the source's gateway
            topo['hv_in'] = hv.iface_by_address(s_gw)[0] if s_gw and hv.owns(s_gw) else (
                hv.connected(source_ip)[0] if source_ip else None)
            h_route = hv.route_to(target_ip)
            topo['hv_route_to_target'] = h_route
            topo['hv_out'] = hv.iface(h_route.get('dev')) if h_route and h_route.get('ok') and h_route.get('dev') \
                else hv.connected(target_ip)[0]
        port, how = match_peer(hv, tgt, t_iface, topo['target_mac'])
        if port is not None:
            topo['vm_port'], topo['vm_port_how'] = port, how
        else:
            topo['unknown']['vm_port'] = how
        s_mac = canonical_mac((topo['source_iface'] or {}).get('mac'))
        port, how = match_peer(hv, src, topo['source_iface'], s_mac)
        if port is None or port is topo['vm_port']:
            port, how = _uplink_fallback(hv, topo, source_ip, how)
        if port is not None:
            topo['src_port'], topo['src_port_how'] = port, how
        else:
            topo['unknown']['src_port'] = how
    ctx.topology = topo
    return topo


def _uplink_fallback(hv, topo, source_ip, why):
    """The hypervisor side facing the source when no peer information links them:
    on a routed path the interface the source's packets enter; on a bridged path the
    single uplink-like port (physical, bond, or named uplink*) of the bridge the source
    is connected to."""
    hv_in = topo.get('hv_in')
    if topo.get('routed') and hv_in is not None and hv_in.get('kind') != 'bridge':
        return hv_in, 'routed_ingress'
    br_iface = hv_in if topo.get('routed') else (hv.connected(source_ip)[0] if source_ip else None)
    bridge = br_iface.get('name') if br_iface is not None and br_iface.get('kind') == 'bridge' else None
    if bridge is None and topo.get('vm_port') is not None and not topo.get('routed'):
        bridge = topo['vm_port'].get('master')
    if bridge is None:
        return None, why
    vm_port = (topo.get('vm_port') or {}).get('name')
    cands = [i for i in hv.interfaces if i.get('master') == bridge and i.get('name') != vm_port
             and (i.get('kind') in ('physical', 'bond') or str(i.get('name')).startswith('uplink'))]
    if len(cands) == 1:
        return cands[0], 'uplink_heuristic'
    return None, '%s; no single uplink port on bridge %s' % (why, bridge)


def source_bridge(hv, topo, source_ip):
    """The hypervisor bridge the source reaches (the uplink port's bridge, or the bridge
    holding an address on the source's network), or None."""
    port = topo.get('src_port')
    if port is not None and port.get('master'):
        return port.get('master')
    iface = hv.connected(source_ip)[0] if source_ip else None
    if iface is not None and iface.get('kind') == 'bridge':
        return iface.get('name')
    return None


def same_address(a, b):
    return ip_obj(a) is not None and ip_obj(a) == ip_obj(b)
