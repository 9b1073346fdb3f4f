# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt checks: the virtual network mode of the VM's NIC, read from the hypervisor's
``libvirt`` facts section (net_facts, virsh XML). No I/O.

libvirt's NAT and isolated modes make a VM unreachable from other machines by design (its
LIBVIRT_FWI chain rejects new inbound connections): that is a network mode, not a firewall
fault, so the firewall finding that names a LIBVIRT_* chain is folded into the mode finding.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import in_network, network_of
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_module

CID = 'switch.libvirt'
MODE_CODES = ('LIBVIRT_NAT', 'LIBVIRT_NET_ISOLATED', 'LIBVIRT_NET_INACTIVE', 'LIBVIRT_GUEST_LINK_DOWN',
              'LIBVIRT_WRONG_NETWORK')


def _subnets(net):
    for addr in net.get('addresses') or []:
        if addr.get('address') and addr.get('prefixlen') is not None:
            yield network_of(addr['address'], addr['prefixlen'])


def _holds(net, address):
    return any(in_network(address, subnet) for subnet in _subnets(net))


def _target_macs(ctx):
    view = ctx.view('target')
    if not view.present:
        return set()
    iface, _addr = view.iface_by_address(ctx.target_ip)
    return set([(iface or {}).get('mac', '').lower()]) - set([''])


def guest_nic(section, macs):
    """(guest, interface) of the libvirt guest NIC with one of ``macs``, or (None, None)."""
    for guest in section.get('guests') or []:
        for nic in guest.get('interfaces') or []:
            if (nic.get('mac') or '').lower() in macs:
                return guest, nic
    return None, None


def _network(section, name):
    for net in section.get('networks') or []:
        if net.get('name') == name:
            return net
    return None


def _obj(net, **extra):
    obj = {'type': 'libvirt_network', 'name': net.get('name'), 'forward_mode': net.get('forward_mode'),
           'bridge': net.get('bridge')}
    obj.update(extra)
    return obj


def check_libvirt(ctx):
    """The VM's libvirt network: inactive, isolated, NAT seen from outside; the guest NIC's link
    state and network. Skipped when the hypervisor has no libvirt facts."""
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(CID, 'switch', 'no hypervisor facts')
    section = (hv.facts or {}).get('libvirt') or {}
    if not section.get('available'):
        return ctx.skipped(CID, 'switch', section.get('note') or 'no libvirt facts')
    target_ip = ctx.target_ip
    guest, nic = guest_nic(section, _target_macs(ctx))
    holding = [n for n in section.get('networks') or [] if _holds(n, target_ip)]
    net = _network(section, nic.get('source_network')) if nic and nic.get('source_network') else None
    if net is None and nic is None and holding:
        net = holding[0]
    if net is None:
        return ctx.passed(CID, 'switch', 'the target %s is on no libvirt network of %s' % (target_ip, hv.host))
    name, host = net.get('name'), hv.host
    evidence = {'network': net, 'guest': (guest or {}).get('name'), 'interface': nic}
    if nic is not None and holding and net not in holding:
        right = holding[0].get('name')
        fix = _nic_fix(guest, nic, host, network=right)
        fix['widens'] = fix.get('widens', []) + [
            "moves guest %s's NIC to network '%s', which changes who reaches it" % (guest.get('name'), right)]
        return ctx.find('LIBVIRT_WRONG_NETWORK', 'switch', 'forward',
                        dict(_obj(net), type='libvirt_interface', guest=guest.get('name'), mac=nic.get('mac'),
                             network=name),
                        evidence, 'high',
                        "Guest %s's NIC %s is on libvirt network '%s', but its address %s belongs to network '%s' "
                        "of %s." % (guest.get('name'), nic.get('mac'), name, target_ip, right, host),
                        fix, check_id=CID)
    if net.get('active') is False:
        return ctx.find('LIBVIRT_NET_INACTIVE', 'switch', 'forward', _obj(net, active=False), evidence, 'high',
                        "libvirt network '%s' on %s is not started: its bridge %s does not exist, so guest %s is "
                        "cut off." % (name, host, net.get('bridge'), (guest or {}).get('name') or target_ip),
                        _fix(section, host, name=name, state='active'), check_id=CID)
    if nic is not None and nic.get('link_state') == 'down':
        return ctx.find('LIBVIRT_GUEST_LINK_DOWN', 'switch', 'forward',
                        {'type': 'libvirt_interface', 'guest': guest.get('name'), 'mac': nic.get('mac'),
                         'target': nic.get('target')}, evidence, 'high',
                        "libvirt holds the link of guest %s's NIC %s down (<link state='down'/>)." % (
                            guest.get('name'), nic.get('mac')),
                        _nic_fix(guest, nic, host, link_state='up'), check_id=CID)
    outside = ctx.host('source') != host
    mode = net.get('forward_mode')
    if mode == 'isolated' and outside:
        return ctx.find('LIBVIRT_NET_ISOLATED', 'switch', 'forward', _obj(net), evidence, 'high',
                        "libvirt network '%s' on %s is isolated (no <forward>): only the hypervisor and the other "
                        "guests of the network reach %s; %s is outside it." % (name, host, target_ip, ctx.host('source')),
                        _mode_fix(net, ctx), check_id=CID)
    if mode == 'nat' and outside:
        return ctx.find('LIBVIRT_NAT', 'switch', 'forward', _obj(net), evidence, 'high',
                        "%s sits behind libvirt NAT (network '%s' on %s): the hypervisor reaches it, but libvirt "
                        "rejects new connections from other machines such as %s by design; choose routed mode, a "
                        "bridged NIC, or a port forward for TCP/UDP services." % (
                            target_ip, name, host, ctx.host('source')),
                        _mode_fix(net, ctx), check_id=CID, breaks=('forward',))
    return ctx.passed(CID, 'switch', "libvirt network '%s' (%s, %s) is active%s" % (
        name, mode, net.get('bridge'), '' if nic is None else '; guest %s NIC link %s' % (
            (guest or {}).get('name'), nic.get('link_state'))))


def _fix(section, host, **args):
    """libvirt_network fix on the hypervisor, on the connection its facts were read from."""
    if section.get('uri') and section['uri'] != 'qemu:///system':
        args['uri'] = section['uri']
    return fix_module('libvirt_network', host, **args)


def _nic_fix(guest, nic, host, **args):
    """libvirt_interface fix of the guest NIC, on the guest's own driver connection. A driver that changes
    no running guest's NIC (LXC) needs a restart of the guest: proposed, run only when doctor_allow names it."""
    args.update(domain=guest.get('name'), mac=nic.get('mac'))
    uri = guest.get('uri')
    if uri and uri != 'qemu:///system':
        args['uri'] = uri
    live = guest.get('driver') in ('qemu', 'kvm') or guest.get('state') != 'running'
    if not live:
        args['restart'] = True
    fix = fix_module('libvirt_interface', host, **args)
    if not live:
        fix['widens'] = ['restarts guest %s: the %s driver changes no running guest\'s NIC' % (
            guest.get('name'), guest.get('driver'))]
    return fix


def _mode_fix(net, ctx):
    section = (ctx.view('switch').facts or {}).get('libvirt') or {}
    fix = _fix(section, ctx.view('switch').host, name=net.get('name'), forward_mode='route')
    fix['widens'] = ['forward mode route exposes the guests of network %s to other machines' % net.get('name')]
    fix['note'] = (
        "the choices change who can reach the VM: (1) routed: <forward mode='route'/> on network '%s' (this fix; "
        "%s then needs a route to %s via the hypervisor); (2) bridged: attach the VM's NIC to a host bridge "
        "(<interface type='bridge'>); (3) a port forward (DNAT) on the hypervisor for TCP/UDP services only "
        "(ICMP is never forwarded)" % (net.get('name'), ctx.host('source'),
                                       ', '.join(str(s) for s in _subnets(net)) or 'its subnet'))
    return fix


def settle(ctx):
    """Fold the symptoms a libvirt mode finding explains: the reject in libvirt's own LIBVIRT_*
    chains (NAT, isolated); for a stopped network, the hypervisor's missing route and bridge; for a
    guest on the wrong network, the address conflict it sees for its gateway; for a guest link held
    down, the guest's interface found down and its missing default route."""
    mode = [f for f in ctx.findings if f['code'] in MODE_CODES]
    if not mode:
        return
    codes = set(f['code'] for f in mode)
    for finding in ctx.findings:
        if 'LIBVIRT_WRONG_NETWORK' in codes and finding['code'] == 'IP_CONFLICT':
            # the guest sits on another network's bridge: the hypervisor answers ARP for its gateway address
            # there with that bridge's MAC
            finding['_symptom'] = True
        elif 'LIBVIRT_GUEST_LINK_DOWN' in codes and finding['code'] in ('LINK_DOWN', 'GATEWAY_MISSING') \
                and finding['_role'] == 'target':
            # libvirt set the guest's interface down (LXC: left down at start; QEMU: no carrier), and no route
            # takes a gateway on a down link; bringing it up in the guest lasts until the next restart, the
            # guest's definition is the cause
            finding['_symptom'] = True
        if finding in mode or finding['_role'] != 'switch':
            continue
        chain = str((finding.get('object') or {}).get('chain') or '')
        if finding['code'] == 'ICMP_BLOCKED' and chain.startswith('LIBVIRT_'):
            finding['_symptom'] = True
        elif any(f['code'] == 'LIBVIRT_NET_INACTIVE' for f in mode):
            finding['_symptom'] = True
