# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Layer-3 checks: addresses, prefixes, conflicts, routes, gateways, forwarding, reverse-path
filtering and neighbor resolution. Pure functions of a PathContext. No I/O."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import (
    STATIC_NUD, UNRESOLVED_NUD, UNUSABLE_ROUTE_TYPES, network_of)
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual, fix_module, host_prefix


def _route_obj(route, address):
    obj = {'type': 'route', 'destination': address}
    for key in ('dst', 'table', 'dev', 'gateway', 'type'):
        if route and route.get(key) is not None:
            obj['route_type' if key == 'type' else key] = route.get(key)
    return obj


def _gateway_towards(router, view, family):
    """An address of ``router`` on a network ``view`` is connected to: the next hop ``view``
    would use to reach what lies behind the router. None when there is none."""
    if router is None or not router.present:
        return None
    for _riface, raddr in router.addresses(family):
        if raddr.get('scope') == 'host' or raddr.get('scope') == 'link':
            continue
        iface, addr = view.connected(raddr.get('address'))
        if iface is not None and addr.get('address') != raddr.get('address'):
            return raddr.get('address')
    return None


def _subnet_of_target(ctx):
    addr = ctx.topology.get('target_addr')
    if addr:
        net = network_of(addr.get('address'), addr.get('prefixlen'))
        if net is not None:
            return str(net)
    hv = ctx.view('switch')
    if hv.present:
        _iface, haddr = hv.connected(ctx.target_ip)
        if haddr:
            return str(network_of(haddr.get('address'), haddr.get('prefixlen')))
    return host_prefix(ctx.target_ip)


def check_source_route(ctx):
    cid = 'source.route'
    route = ctx.topology.get('source_route')
    src = ctx.view('source')
    if route is None:
        return ctx.skipped(cid, 'source', 'routes of %s unknown: %s' % (ctx.host('source'), src.section_error('routes')))
    if route.get('ok'):
        return ctx.passed(cid, 'source', 'route to %s via %s%s (%s)' % (
            ctx.target_ip, route.get('dev'), ' gateway %s' % route['gateway'] if route.get('gateway') else ' on-link',
            route.get('how')))
    return _no_route(ctx, 'source', cid, route, ctx.target_ip, 'forward', _subnet_of_target(ctx))


def _no_route(ctx, role, cid, route, address, direction, prefix):
    view = ctx.view(role)
    confidence = 'high' if route.get('how') == 'lookup' else 'medium'
    obj = _route_obj(route, address)
    if route.get('type') in UNUSABLE_ROUTE_TYPES:
        fix = fix_manual('A %s route covers %s on %s; whether it is intended is a person\'s decision '
                         '(remove it with `ip route del %s %s`).' % (
                             route.get('type'), address, view.host, route.get('type'), route.get('dst') or address))
    else:
        other = ctx.view('switch') if role != 'switch' else None
        gateway = _gateway_towards(other, view, ctx.topology.get('family'))
        if gateway:
            fix = fix_module('static_route', view.host, prefix=prefix, gateway=gateway, state='present')
        else:
            fix = fix_manual('No router towards %s is known from the facts (give the hypervisor facts), so '
                             'the gateway of the route cannot be chosen safely.' % prefix)
    return ctx.find('NO_ROUTE', role, direction, obj, {'route_lookup': route}, confidence,
                    '%s has no usable route to %s (%s).' % (view.host, address, route.get('error') or 'no route'),
                    fix, check_id=cid)


def check_source_address(ctx):
    cid = 'source.address'
    iface = ctx.topology.get('source_iface')
    family = ctx.topology.get('family')
    if not iface:
        return ctx.skipped(cid, 'source', 'no egress interface known')
    addrs = [a for a in iface.get('addresses') or [] if a.get('family') == family]
    if not addrs:
        return ctx.find('ADDRESS_MISSING', 'source', 'forward',
                        {'type': 'address', 'interface': iface.get('name'), 'family': family},
                        {'interface': iface.get('name'), 'addresses': iface.get('addresses')}, 'high',
                        'Interface %s on %s, the egress towards %s, has no %s address.' % (
                            iface.get('name'), ctx.host('source'), ctx.target_ip, family),
                        fix_manual('Which address to give the host is a person\'s decision.'), check_id=cid)
    return ctx.passed(cid, 'source', '%s has %s' % (iface.get('name'), ', '.join(
        '%s/%s' % (a.get('address'), a.get('prefixlen')) for a in addrs)))


def check_target_address(ctx):
    cid = 'target.address'
    tgt = ctx.view('target')
    if not tgt.present:
        return ctx.skipped(cid, 'target', 'no facts from the VM')
    if tgt.section_error('interfaces'):
        return ctx.skipped(cid, 'target', 'interfaces of the VM unknown: %s' % tgt.section_error('interfaces'))
    if ctx.topology.get('target_iface'):
        addr = ctx.topology['target_addr']
        where = ctx.topology['target_iface'].get('name')
        return ctx.passed(cid, 'target', '%s/%s on %s' % (addr.get('address'), addr.get('prefixlen'), where))
    candidates = [i for i in tgt.interfaces if i.get('kind') not in ('loopback',) and i.get('name') != 'lo']
    iface = candidates[0].get('name') if len(candidates) == 1 else None
    peer = ctx.view('switch').connected(ctx.target_ip)[1] or ctx.view('source').connected(ctx.target_ip)[1]
    prefixlen = peer.get('prefixlen') if peer else None
    cmd = 'ip address add %s/%s dev %s' % (ctx.target_ip, prefixlen or '<prefixlen>', iface or '<interface>')
    return ctx.find('ADDRESS_MISSING', 'target', 'forward',
                    {'type': 'address', 'address': ctx.target_ip, 'interface': iface},
                    {'addresses': dict((i.get('name'), [
                        '%s/%s' % (a.get('address'), a.get('prefixlen')) for a in i.get('addresses') or []])
                        for i in tgt.interfaces)}, 'high',
                    'No interface of %s holds %s.' % (ctx.host('target'), ctx.target_ip),
                    fix_manual('Configuring an address is a person\'s decision; the immediate command would be `%s`.' % cmd),
                    check_id=cid)


def check_subnet(ctx):
    cid = 'target.subnet'
    topo = ctx.topology
    addr, iface = topo.get('target_addr'), topo.get('target_iface')
    if not addr:
        return ctx.skipped(cid, 'target', 'address of the VM unknown')
    vm_net = network_of(addr.get('address'), addr.get('prefixlen'))
    peers = []
    hv = ctx.view('switch')
    if hv.present:
        out = topo.get('hv_out') or hv.connected(ctx.target_ip)[0]
        for haddr in (out or {}).get('addresses') or []:
            hnet = network_of(haddr.get('address'), haddr.get('prefixlen'))
            if hnet is not None and haddr.get('family') == addr.get('family') and \
                    (vm_net.network_address in hnet or hnet.network_address in vm_net):
                peers.append((ctx.host('switch'), (out or {}).get('name'), haddr, hnet))
    if topo.get('on_link'):
        _siface, saddr = ctx.view('source').connected(ctx.target_ip)
        if saddr:
            peers.append((ctx.host('source'), _siface.get('name'), saddr,
                          network_of(saddr.get('address'), saddr.get('prefixlen'))))
    if not peers:
        return ctx.skipped(cid, 'target', 'no other address on the VM segment is known')
    nets = set(str(p[3]) for p in peers)
    if len(nets) > 1:
        return ctx.skipped(cid, 'target', 'the segment peers disagree on the prefix: %s' % ', '.join(sorted(nets)))
    peer_net = peers[0][3]
    if peer_net == vm_net:
        return ctx.passed(cid, 'target', '%s/%s matches %s' % (addr.get('address'), addr.get('prefixlen'), peer_net))
    name = iface.get('name')
    cmd = 'ip address del %s/%s dev %s && ip address add %s/%s dev %s' % (
        addr.get('address'), addr.get('prefixlen'), name, addr.get('address'), peer_net.prefixlen, name)
    return ctx.find('SUBNET_MISMATCH', 'target', 'return',
                    {'type': 'address', 'address': addr.get('address'), 'prefixlen': addr.get('prefixlen'),
                     'interface': name},
                    {'vm_network': str(vm_net), 'segment_network': str(peer_net),
                     'segment_peers': [{'host': p[0], 'interface': p[1], 'address': p[2].get('address'),
                                        'prefixlen': p[2].get('prefixlen')} for p in peers]}, 'high',
                    'Address %s/%s on %s of %s does not match the segment prefix %s (%s).' % (
                        addr.get('address'), addr.get('prefixlen'), name, ctx.host('target'), peer_net,
                        ', '.join('%s on %s' % (p[2].get('address'), p[0]) for p in peers)),
                    fix_manual('Changing an address is a person\'s decision (DHCP, cloud-init or a network manager '
                               'may own it); the immediate command would be `%s`.' % cmd), check_id=cid)


def check_ip_conflict(ctx):
    cid = 'path.ip_conflict'
    topo = ctx.topology
    found = 0
    for role, address in (('target', ctx.target_ip), ('source', topo.get('source_ip'))):
        if not address:
            continue
        owner = ctx.view(role)
        if owner.present:
            own_iface, own = owner.iface_by_address(address)
            if own and own.get('dad_failed'):
                found += 1
                ctx.find('IP_CONFLICT', role, 'forward', {'type': 'address', 'address': address,
                                                          'interface': own_iface.get('name')},
                         {'address': own}, 'high',
                         '%s reports a duplicate address detection failure for %s on %s.' % (
                             owner.host, address, own_iface.get('name')),
                         fix_manual('Which machine keeps %s is a person\'s decision.' % address))
                continue
        others = []
        for other_role in ('source', 'switch', 'target'):
            view = ctx.view(other_role)
            if other_role == role or not view.present:
                continue
            iface, _a = view.iface_by_address(address)
            if iface is not None:
                others.append({'host': view.host, 'interface': iface.get('name'), 'mac': iface.get('mac')})
        if others:
            found += 1
            ctx.find('IP_CONFLICT', role, 'forward', {'type': 'address', 'address': address},
                     {'also_on': others}, 'high',
                     'Address %s of %s is also configured on %s.' % (address, owner.host or role, ', '.join(
                         '%s/%s' % (o['host'], o['interface']) for o in others)),
                     fix_manual('Which machine keeps %s is a person\'s decision.' % address))
    if found:
        return ctx.failed(cid, 'target', 'address conflict(s) found')
    return ctx.passed(cid, 'target', 'no known host shares %s or %s' % (ctx.target_ip, topo.get('source_ip')))


def check_neighbor(ctx, role, next_hop, dev, direction, cid):
    view = ctx.view(role)
    if not view.present:
        return ctx.skipped(cid, role, 'no facts')
    if not next_hop:
        return ctx.skipped(cid, role, 'next hop unknown')
    err = view.section_error('neighbors')
    if err:
        return ctx.skipped(cid, role, 'neighbor table unknown: %s' % err)
    entry = view.neighbor(next_hop, dev) if dev else view.neighbor(next_hop)
    if entry is None:
        return ctx.passed(cid, role, 'no cached entry for %s (resolved on demand)' % next_hop)
    states = set(entry.get('state') or [])
    obj = {'type': 'neighbor', 'address': next_hop, 'dev': entry.get('dev')}
    owners = []
    for other in ('target', 'switch', 'source'):
        oview = ctx.view(other)
        if other == role or not oview.present:
            continue
        oiface, _a = oview.iface_by_address(next_hop)
        if oiface is not None and oiface.get('mac'):
            owners.append((oiface.get('mac').lower(), '%s/%s' % (oview.host, oiface.get('name'))))
    inferred = False
    topo = ctx.topology
    if not owners and next_hop == ctx.target_ip and topo.get('target_mac') and \
            view.host not in str(topo.get('target_mac_how')):
        # The VM's facts are missing: another host's neighbor table tells its MAC.
        owners.append((topo['target_mac'], topo.get('target_mac_how')))
        inferred = True
    expected, owner = owners[0] if owners else (None, None)
    evidence = {'neighbor': entry, 'expected_mac': expected, 'owner': owner}
    if states & set(UNRESOLVED_NUD):
        return ctx.find('ARP_INCOMPLETE', role, direction, obj, evidence, 'medium',
                        '%s cannot resolve the MAC address of %s on %s (%s).' % (
                            view.host, next_hop, entry.get('dev'), '/'.join(sorted(states))),
                        fix_manual('The next hop does not answer ARP/NDP; the cause lies beyond %s '
                                   '(collect the hypervisor and VM facts).' % view.host),
                        check_id=cid, symptom=True)
    mac = str(entry.get('mac') or '').lower()
    if expected and mac and mac not in [o[0] for o in owners]:
        flush = fix_module('neighbor', view.host, address=next_hop, device=entry.get('dev'), state='absent')
        if states & set(STATIC_NUD):
            return ctx.find('ARP_STALE', role, direction, obj, evidence, 'medium' if inferred else 'high',
                            '%s has a %s neighbor entry %s -> %s on %s, but %s is %s (%s).' % (
                                view.host, '/'.join(sorted(states)), next_hop, mac, entry.get('dev'), next_hop,
                                expected, owner), flush, check_id=cid)
        if states <= set(['STALE']):
            return ctx.find('ARP_STALE', role, direction, obj, evidence, 'low',
                            '%s caches %s -> %s (STALE) on %s, but %s is %s (%s).' % (
                                view.host, next_hop, mac, entry.get('dev'), next_hop, expected, owner),
                            flush, check_id=cid)
        return ctx.find('IP_CONFLICT', role, direction, {'type': 'address', 'address': next_hop}, evidence,
                        'low' if inferred else 'medium',
                        '%s learnt %s at %s, which is not the MAC of %s (%s): another machine answers for the address.'
                        % (view.host, next_hop, mac, owner, expected),
                        fix_manual('Which machine keeps %s is a person\'s decision.' % next_hop), check_id=cid)
    return ctx.passed(cid, role, '%s -> %s (%s)' % (next_hop, mac or None, '/'.join(sorted(states))))


def check_forwarding(ctx):
    cid = 'switch.forwarding'
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(cid, 'switch', 'no hypervisor facts')
    if not ctx.topology.get('routed'):
        return ctx.passed(cid, 'switch', 'bridged path: IP forwarding not needed')
    family = ctx.topology.get('family')
    key = 'ip_forward' if family == 'ipv4' else 'forwarding'
    value = hv.sysctl(family, key)
    if value is None:
        return ctx.skipped(cid, 'switch', '%s unknown: %s' % (key, hv.section_error('sysctls') or 'not collected'))
    if value == 0:
        name = 'ip_forward' if family == 'ipv4' else 'ipv6_forwarding'
        return ctx.find('FORWARDING_DISABLED', 'switch', 'forward', {'type': 'sysctl', 'name': name},
                        {'sysctl': '%s.%s' % (family, key), 'value': value}, 'high',
                        '%s routes between %s and %s but %s is 0.' % (
                            ctx.host('switch'), ctx.topology.get('source_ip'), ctx.target_ip, name),
                        fix_module('net_sysctl', ctx.host('switch'), name=name, value=1), check_id=cid)
    return ctx.passed(cid, 'switch', '%s = %s' % (key, value))


def check_rp_filter(ctx, role, iif, remote, direction, cid, breaks=('forward', 'reverse')):
    view = ctx.view(role)
    if not view.present:
        return ctx.skipped(cid, role, 'no facts')
    if ctx.topology.get('family') != 'ipv4':
        return ctx.passed(cid, role, 'rp_filter applies to IPv4 only')
    if not iif or not remote:
        return ctx.skipped(cid, role, 'receiving interface or sender unknown')
    value = view.rp_filter(iif)
    if value is None:
        return ctx.skipped(cid, role, 'rp_filter of %s unknown' % iif)
    if value != 1:
        return ctx.passed(cid, role, 'rp_filter on %s is %s (not strict)' % (iif, value))
    back = view.route_to(remote)
    if back is None:
        return ctx.skipped(cid, role, 'route back to %s unknown' % remote)
    if back.get('ok') and back.get('dev') == iif:
        return ctx.passed(cid, role, 'strict rp_filter on %s, route back to %s uses %s' % (iif, remote, iif))
    if not back.get('ok'):
        return ctx.passed(cid, role, 'no route back to %s (reported as a routing finding)' % remote)
    return ctx.find('RP_FILTER_DROP', role, direction, {'type': 'sysctl', 'name': 'rp_filter', 'interface': iif},
                    {'rp_filter': {'all': view.conf('all', 'rp_filter'), iif: view.conf(iif, 'rp_filter')},
                     'arrives_on': iif, 'route_back': back}, 'high' if back.get('how') == 'lookup' else 'medium',
                    '%s drops packets from %s arriving on %s: strict rp_filter, and its route back leaves via %s.' % (
                        view.host, remote, iif, back.get('dev')),
                    fix_module('net_sysctl', view.host, name='rp_filter', value=2, interface=iif),
                    check_id=cid, breaks=breaks)


def check_hv_route(ctx, address, direction, cid):
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(cid, 'switch', 'no hypervisor facts')
    if not ctx.topology.get('routed'):
        return ctx.passed(cid, 'switch', 'bridged path: the hypervisor does not route it')
    if not address:
        return ctx.skipped(cid, 'switch', 'address unknown')
    route = hv.route_to(address)
    if route is None:
        return ctx.skipped(cid, 'switch', 'routes of the hypervisor unknown')
    if route.get('ok'):
        return ctx.passed(cid, 'switch', 'route to %s via %s' % (address, route.get('dev')))
    prefix = _subnet_of_target(ctx) if address == ctx.target_ip else host_prefix(address)
    confidence = 'high' if route.get('how') == 'lookup' else 'medium'
    return ctx.find('NO_ROUTE', 'switch', direction, _route_obj(route, address), {'route_lookup': route}, confidence,
                    '%s has no usable route to %s (%s).' % (hv.host, address, route.get('error') or 'no route'),
                    fix_manual('The hypervisor has no connected network or router towards %s in the facts; '
                               'which next hop to use is a person\'s decision.' % prefix), check_id=cid)


def check_target_route_back(ctx):
    cid = 'target.route_back'
    tgt, hv = ctx.view('target'), ctx.view('switch')
    topo = ctx.topology
    source_ip = topo.get('source_ip')
    if not tgt.present:
        return ctx.skipped(cid, 'target', 'no facts from the VM')
    if not source_ip:
        return ctx.skipped(cid, 'target', 'source address unknown')
    route = topo.get('target_route')
    if route is None:
        return ctx.skipped(cid, 'target', 'routes of the VM unknown: %s' % tgt.section_error('routes'))
    family = topo.get('family')
    defaults = tgt.default_routes(family)
    link_down = (topo.get('target_iface') or {}).get('admin_up') is False
    # A link going down removes its routes; the kernel restores the connected prefix on link up,
    # never the default route: a routed VM without one still needs GATEWAY_MISSING.
    if not route.get('ok') and (ctx.has_code('SUBNET_MISMATCH', 'ADDRESS_MISSING') or
                                (link_down and (defaults or topo.get('on_link')))):
        return ctx.failed(cid, 'target', 'no route back to %s: consequence of the address or link finding' % source_ip)
    right_gw = None
    if hv.present and topo.get('target_addr'):
        _iface, haddr = hv.connected(ctx.target_ip)
        right_gw = haddr.get('address') if haddr else None
    obj = _route_obj(route, source_ip)
    evidence = {'route_lookup': route, 'default_routes': defaults}
    if route.get('ok'):
        gateway = route.get('gateway')
        if not gateway:
            return ctx.passed(cid, 'target', '%s on-link via %s' % (source_ip, route.get('dev')))
        if hv.present and not topo.get('on_link') and not hv.owns(gateway):
            if right_gw:
                fix = fix_module('default_gateway', tgt.host, gateway=right_gw, state='present') \
                    if route.get('dst') in (None, 'default') else \
                    fix_module('static_route', tgt.host, prefix=route.get('dst'), gateway=right_gw, state='present')
            else:
                fix = fix_manual('The hypervisor has no address on the VM subnet in the facts.')
            evidence['expected_gateway'] = right_gw
            return ctx.find('GATEWAY_WRONG', 'target', 'return', obj, evidence, 'high',
                            '%s sends replies for %s to %s, which is not an address of %s (expected %s).' % (
                                tgt.host, source_ip, gateway, hv.host, right_gw), fix, check_id=cid)
        neigh = tgt.neighbor(gateway)
        if not hv.present and neigh and set(neigh.get('state') or []) & set(UNRESOLVED_NUD):
            evidence['gateway_neighbor'] = neigh
            return ctx.find('GATEWAY_WRONG', 'target', 'return', obj, evidence, 'medium',
                            'Gateway %s of %s does not answer ARP/NDP (%s).' % (
                                gateway, tgt.host, '/'.join(neigh.get('state') or [])),
                            fix_manual('The right gateway is unknown without the hypervisor facts.'), check_id=cid)
        return ctx.passed(cid, 'target', 'route back to %s via %s gateway %s' % (source_ip, route.get('dev'), gateway))
    if route.get('type') in UNUSABLE_ROUTE_TYPES:
        return _no_route(ctx, 'target', cid, route, source_ip, 'return', host_prefix(source_ip))
    if not defaults:
        if topo.get('on_link') and not topo.get('routed'):
            return ctx.find('NO_ROUTE', 'target', 'return', obj, evidence, 'medium',
                            '%s has no route back to %s although %s reaches it on-link.' % (
                                tgt.host, source_ip, ctx.host('source')),
                            fix_manual('Source and VM share a segment but the VM does not see the source as on-link: '
                                       'check the VM prefix length.'), check_id=cid)
        fix = fix_module('default_gateway', tgt.host, gateway=right_gw, state='present') if right_gw else \
            fix_manual('No router on the VM subnet is known from the facts (give the hypervisor facts).')
        evidence['expected_gateway'] = right_gw
        return ctx.find('GATEWAY_MISSING', 'target', 'return', {'type': 'route', 'dst': 'default', 'family': family},
                        evidence, 'high' if route.get('how') == 'lookup' else 'medium',
                        '%s has no default gateway and no route back to %s%s.' % (
                            tgt.host, source_ip, ' (bringing its interface up will not restore it)' if link_down else ''),
                        fix, check_id=cid)
    gateways = [d.get('gateway') for d in defaults]
    fix = fix_module('default_gateway', tgt.host, gateway=right_gw, state='present') if right_gw else \
        fix_manual('The right gateway is unknown without the hypervisor facts.')
    evidence['expected_gateway'] = right_gw
    return ctx.find('GATEWAY_WRONG', 'target', 'return', {'type': 'route', 'dst': 'default', 'gateway': gateways[0]},
                    evidence, 'high' if route.get('how') == 'lookup' else 'medium',
                    '%s cannot use its default gateway %s to reach %s (%s).' % (
                        tgt.host, ', '.join(str(g) for g in gateways), source_ip, route.get('error')),
                    fix, check_id=cid)


def refusing_text(probe):
    """' (blackhole route DST, table T)' for a forward probe whose send a route refused, else ''."""
    route = ((probe.get('route_lookup') or {}).get('refusing_route')) or {}
    if not route:
        return ''
    return ' (%s route %s, table %s)' % (route.get('type'), route.get('dst'), route.get('table') or 'main')


def check_send_refused(ctx, probe):
    """A forward probe the source's own stack refused to send: a located symptom on the source."""
    cid = 'source.send'
    if probe is None or probe.get('reachable'):
        return None
    if not probe.get('local_error'):
        return ctx.passed(cid, 'source', 'the echo request left the source (no local send error)')
    lookup = probe.get('route_lookup') or {}
    route = lookup.get('refusing_route') or {}
    if route:
        table = route.get('table') or 'main'
        fix = fix_manual('A %s route %s (table %s) on %s refuses the echo to %s; whether it is intended is a '
                         'person\'s decision (remove it with `ip route del %s %s%s`).' % (
                             route.get('type'), route.get('dst'), table, ctx.host('source'), ctx.target_ip,
                             route.get('type'), route.get('dst'), '' if table == 'main' else ' table %s' % table))
        obj = {'type': 'route', 'destination': route.get('dst'), 'route_type': route.get('type'), 'table': table}
    else:
        fix = fix_manual('%s refuses to send to %s (%s): look at its routes (`ip route get %s`) and its output '
                         'firewall.' % (ctx.host('source'), ctx.target_ip, probe['local_error'], ctx.target_ip))
        obj = {'type': 'host_stack', 'address': ctx.target_ip}
    return ctx.find('SEND_REFUSED', 'source', 'forward', obj,
                    {'local_error': probe['local_error'], 'route_lookup': lookup}, 'high',
                    '%s refuses to send the echo request to %s: %s%s.' % (
                        ctx.host('source'), ctx.target_ip, probe['local_error'], refusing_text(probe)),
                    fix, check_id=cid, symptom=True)
