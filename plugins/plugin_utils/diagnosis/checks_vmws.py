# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMware Workstation/Player check: the VM's NIC on the NAT vmnet, read from the hypervisor's
``vmware_workstation`` facts section (built by module_utils/vmws.py from ``.vmx``, ``netmap.conf`` and
``vmnetnat.conf`` texts; no collector reads them yet). No I/O.

Workstation NAT (vmnet8 by default) lets the Workstation host reach its guests; other machines reach
them only through the NAT device's incoming TCP/UDP port forwards, never with ICMP. Tested on recorded
file shapes only (Workstation cannot run here).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.checks_vbox import _target_macs
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import in_network, network_of
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual

CID = 'switch.vmware_workstation'


def _nat_subnets(section):
    return [network_of(n['gateway'], n['prefixlen']) for n in section.get('networks') or []
            if n.get('nat') and n.get('gateway') and n.get('prefixlen') is not None]


def find_vm_nic(section, macs, target_host, target_ip):
    """(vm, nic) of the Workstation NIC that carries the target: by MAC, else the only NAT NIC of the VM
    named like the target host, else the only VM with a NAT NIC when the target is in a NAT subnet."""
    vms = section.get('vms') or []
    for vm in vms:
        for nic in vm.get('nics') or []:
            if nic.get('mac') and nic['mac'] in macs:
                return vm, nic
    named = [vm for vm in vms if target_host and vm.get('name') == target_host]
    in_nat = any(in_network(target_ip, subnet) for subnet in _nat_subnets(section))
    candidates = named or (vms if in_nat else [])
    with_nat = [(vm, nic) for vm in candidates for nic in vm.get('nics') or [] if nic.get('nat')]
    if len(with_nat) == 1:
        return with_nat[0]
    return None, None


def _network(section, vnet):
    for net in section.get('networks') or []:
        if net.get('vnet') == vnet:
            return net
    return {}


def nat_message(target_ip, vm, nic, host, source):
    return ("%s cannot be reached from %s because VM %s's ethernet%d is on VMware Workstation NAT (%s), which only "
            "its host %s reaches; choose a bridged or host-only network adapter, or an incoming TCP/UDP port forward "
            "in vmnetnat.conf (port forwards never carry ICMP, so ping stays impossible)." % (
                target_ip, source, vm.get('name'), nic.get('slot'), nic.get('vnet') or 'vmnet8', host))


def check_vmware_workstation(ctx):
    """The VM's Workstation NIC on the NAT vmnet while the source is another machine. Skipped without
    ``vmware_workstation`` facts on the hypervisor."""
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(CID, 'switch', 'no hypervisor facts')
    section = (hv.facts or {}).get('vmware_workstation') or {}
    if not section.get('available'):
        return ctx.skipped(CID, 'switch', section.get('note') or 'no VMware Workstation facts')
    vm, nic = find_vm_nic(section, _target_macs(ctx), ctx.host('target'), ctx.target_ip)
    if vm is None:
        return ctx.passed(CID, 'switch', 'the target %s is no VMware Workstation NIC of %s' % (ctx.target_ip, hv.host))
    label = "VM %s's ethernet%d" % (vm.get('name'), nic.get('slot'))
    if not nic.get('nat'):
        return ctx.passed(CID, 'switch', '%s is %s (%s)' % (label, nic.get('connection_type'), nic.get('vnet')))
    if ctx.host('source') == hv.host:
        return ctx.passed(CID, 'switch', '%s is on NAT %s, which its host %s reaches' % (label, nic.get('vnet'), hv.host))
    net = _network(section, nic.get('vnet'))
    forwards = [f for f in net.get('port_forwards') or [] if f.get('guest_ip') == ctx.target_ip]
    evidence = {'vm': vm.get('name'), 'nic': nic, 'network': net, 'port_forwards': forwards}
    choices = ("set ethernet%d to bridged (the LAN reaches it) or host-only (vmnet1: the host and its host-only "
               "peers reach it) in the VM's network adapter settings (.vmx ethernet%d.connectionType), or add an "
               "[incomingtcp]/[incomingudp] line '<host port> = %s:<guest port>' to vmnetnat.conf (nat.conf on "
               "Linux) for one TCP/UDP service (never ICMP)%s" % (
                   nic['slot'], nic['slot'], ctx.target_ip,
                   '; forwards already set: %s' % ', '.join(
                       '%s %s->%s' % (f.get('protocol'), f.get('host_port'), f.get('guest_port')) for f in forwards)
                   if forwards else ''))
    return ctx.find('VMWS_NAT', 'switch', 'forward',
                    {'type': 'vmware_workstation_nic', 'vm': vm.get('name'), 'slot': nic.get('slot'),
                     'mac': nic.get('mac'), 'vnet': nic.get('vnet'), 'connection_type': nic.get('connection_type')},
                    evidence, 'high', nat_message(ctx.target_ip, vm, nic, hv.host, ctx.host('source')),
                    fix_manual('the choice changes who can reach the VM and needs VMware Workstation on this host: '
                               + choices), check_id=CID, breaks=('forward',))
