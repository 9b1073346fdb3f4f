# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V NAT check: the VM's adapter on the Default Switch or on an Internal switch behind a WinNAT
network, while the source is another machine. Reads the Hyper-V host's ``win_net_facts`` sections
``virtual_switches`` (Get-VMSwitch: ``id``, ``type``), ``vm_nics`` (Get-VMNetworkAdapter: ``switch``),
``host_vnics``, ``interfaces``, ``nat_networks`` (Get-NetNat) and ``nat_static_mappings``
(Get-NetNatStaticMapping). No I/O.

The Default Switch (fixed Id c08cb7b8-9b3c-408e-8e30-5e16a3aeb444, type Internal) is NAT through
Internet Connection Sharing: it has no Get-NetNat object, no static mappings, and its subnet changes when
the host restarts. An Internal switch whose host adapter lies in a NetNat's internal prefix is WinNAT.
Either way the Hyper-V host reaches its guests and other machines do not, except through NetNat static
mappings, which carry TCP and UDP, never ICMP. Tested on recorded cmdlet output shapes only.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.checks_windows import _find_nic, _hyperv_role
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import in_network, ip_obj
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual

CID = 'switch.hyperv.nat'
DEFAULT_SWITCH_ID = 'c08cb7b8-9b3c-408e-8e30-5e16a3aeb444'


def _list(view, name):
    return [x for x in (view.facts or {}).get(name) or [] if isinstance(x, dict)]


def _switch(view, name):
    for switch in _list(view, 'virtual_switches'):
        if switch.get('name') == name:
            return switch
    return None


def _host_addresses(view, switch_name):
    """Addresses of the management-OS adapters on the switch (``vEthernet (<adapter>)``)."""
    names = set(v.get('name') for v in _list(view, 'host_vnics') if v.get('switch') == switch_name)
    names.add('vEthernet (%s)' % switch_name)
    return [a.get('address') for i in view.interfaces if i.get('name') in names
            for a in i.get('addresses') or [] if a.get('address')]


def nat_of(view, switch, target_ip):
    """('default', None) for the Default Switch, ('netnat', nat) for an Internal switch behind a NetNat,
    else (None, None)."""
    if (switch.get('id') or '').lower() == DEFAULT_SWITCH_ID:
        return 'default', None
    if switch.get('type') != 'hyperv_internal':
        return None, None
    addresses = [target_ip] + _host_addresses(view, switch.get('name'))
    for nat in _list(view, 'nat_networks'):
        if nat.get('internal_prefix') and any(in_network(a, nat['internal_prefix']) for a in addresses):
            return 'netnat', nat
    return None, None


def _externals(view):
    return [s.get('name') for s in _list(view, 'virtual_switches') if s.get('type') == 'hyperv_external']


def nat_message(ctx, nic, host, kind, nat):
    vm = nic.get('vm')
    if kind == 'default':
        return ("%s cannot be reached from %s because VM %s is on the Hyper-V Default Switch of %s, an ICS NAT that "
                "only its host reaches and whose subnet changes when the host restarts; choose an External virtual "
                "switch, or an Internal switch with a NetNat static mapping for a TCP/UDP service (static mappings "
                "never carry ICMP, so ping stays impossible)." % (ctx.target_ip, ctx.host('source'), vm, host))
    return ("%s cannot be reached from %s because VM %s is on Internal switch %s behind WinNAT '%s' (%s) of %s, which "
            "only its host reaches; choose an External virtual switch, or a NetNat static mapping for a TCP/UDP "
            "service (static mappings never carry ICMP, so ping stays impossible)." % (
                ctx.target_ip, ctx.host('source'), vm, nic.get('switch'), nat.get('name'), nat.get('internal_prefix'),
                host))


def _choices(view, nic, kind, nat, target_ip, mappings):
    externals = _externals(view)
    move = "Connect-VMNetworkAdapter -VMName '%s' -Name '%s' -SwitchName '%s' (the LAN reaches it%s)" % (
        nic.get('vm'), nic.get('label'), externals[0] if externals else '<External switch>',
        '' if externals else '; New-VMSwitch -NetAdapterName <host NIC> creates one')
    if kind == 'default':
        forward = ("the Default Switch takes no static mappings: move the VM to an Internal switch with New-NetNat, "
                   "then Add-NetNatStaticMapping for one TCP/UDP service (never ICMP)")
    else:
        forward = ("Add-NetNatStaticMapping -NatName '%s' -Protocol TCP -ExternalIPAddress 0.0.0.0 -ExternalPort "
                   "<host port> -InternalIPAddress %s -InternalPort <guest port> for one TCP/UDP service (never ICMP)"
                   % (nat.get('name'), target_ip))
    held = ('; mappings already set: %s' % ', '.join(
        '%s %s->%s' % (m.get('protocol'), m.get('external_port'), m.get('internal_port')) for m in mappings)
        if mappings else '')
    return '%s; or %s%s' % (move, forward, held)


def check_hyperv_nat(ctx):
    """The VM's Hyper-V adapter behind the Default Switch or a NetNat, seen from another machine.
    Not recorded at all without Hyper-V facts (like check_hyperv), skipped when no VM adapter carries the target."""
    role = _hyperv_role(ctx)
    if role is None:
        return None
    view = ctx.view(role)
    nic, how = _find_nic(ctx, view)
    if nic is None:
        return ctx.skipped(CID, role, how)
    switch = _switch(view, nic.get('switch')) if nic.get('switch') else None
    label = 'VM %s adapter %s' % (nic.get('vm'), nic.get('label'))
    if switch is None:
        return ctx.passed(CID, role, '%s is on no known virtual switch' % label)
    kind, nat = nat_of(view, switch, ctx.target_ip)
    if kind is None:
        return ctx.passed(CID, role, '%s is on %s switch %s, no NAT' % (label, switch.get('type'), switch.get('name')))
    if role == 'source' or ctx.host('source') == view.host:
        return ctx.passed(CID, role, '%s is behind NAT on switch %s, which its host %s reaches' % (
            label, switch.get('name'), view.host))
    want = ip_obj(ctx.target_ip)
    mappings = [m for m in _list(view, 'nat_static_mappings')
                if ip_obj(m.get('internal_ip')) == want and (nat is None or m.get('nat') == nat.get('name'))]
    evidence = {'vm': nic.get('vm'), 'adapter': nic.get('label'), 'switch': switch, 'nat_network': nat,
                'static_mappings': mappings, 'default_switch': kind == 'default'}
    obj = {'type': 'hyperv_vm_adapter', 'vm': nic.get('vm'), 'name': nic.get('label'), 'mac': nic.get('mac'),
           'switch': nic.get('switch'), 'nat': 'default_switch' if kind == 'default' else nat.get('name')}
    return ctx.find('HYPERV_NAT', 'switch', 'forward', obj, evidence, 'high', nat_message(ctx, nic, view.host, kind, nat),
                    fix_manual('the choice changes who can reach the VM: ' +
                               _choices(view, nic, kind, nat, ctx.target_ip, mappings)),
                    check_id=CID, breaks=('forward',))
