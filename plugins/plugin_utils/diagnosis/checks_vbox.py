# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VirtualBox check: the VM's NIC in VirtualBox NAT mode, read from the hypervisor's ``virtualbox``
facts section (net_facts, ``VBoxManage showvminfo --machinereadable``). No I/O.

VirtualBox NAT differs from libvirt, VMware and Hyper-V NAT: every VM has its own NAT engine
(guest 10.0.2.15 by default, gateway 10.0.2.2), and nothing outside the VM reaches that address,
the VirtualBox host included; only the NAT port forwards reach the guest, and they carry TCP and
UDP, never ICMP. Tested on recorded output shapes only (VirtualBox cannot run here).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import in_network
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual

CID = 'switch.virtualbox'
NAT_SUBNET = '10.0.2.0/24'      # VirtualBox's default NAT network of every VM (guest 10.0.2.15)


def _target_macs(ctx):
    view = ctx.view('target')
    if not view.present:
        return set()
    iface, _addr = view.iface_by_address(ctx.target_ip)
    return set([(iface or {}).get('mac', '').lower()]) - set([''])


def find_vm_nic(section, macs, target_host, target_ip):
    """(vm, nic) of the VirtualBox NIC that carries the target: by MAC, else the VM named like the target
    host, else the only running VM with a NAT NIC when the target address is in VirtualBox's NAT subnet."""
    vms = section.get('vms') or []
    for vm in vms:
        for nic in vm.get('nics') or []:
            if nic.get('mac') and nic['mac'] in macs:
                return vm, nic
    named = [vm for vm in vms if target_host and vm.get('name') == target_host]
    candidates = named or ([vm for vm in vms if vm.get('state') == 'running'] if in_network(target_ip, NAT_SUBNET)
                           else [])
    with_nat = [(vm, nic) for vm in candidates for nic in vm.get('nics') or [] if nic.get('mode') == 'nat']
    if len(with_nat) == 1:
        return with_nat[0]
    return None, None


def nat_message(target_ip, vm, nic):
    return ("%s cannot be reached because VM %s's NIC %d is on VirtualBox NAT, a per-VM NAT engine that hides the "
            "guest from every other machine and even from its own host; choose a host-only or bridged adapter, or "
            "a port forward for a TCP/UDP service (port forwards never carry ICMP, so ping stays impossible)." % (
                target_ip, vm.get('name'), nic.get('slot')))


def check_virtualbox(ctx):
    """The VM's VirtualBox NIC in NAT mode. Skipped without VirtualBox facts on the hypervisor."""
    hv = ctx.view('switch')
    if not hv.present:
        return ctx.skipped(CID, 'switch', 'no hypervisor facts')
    section = (hv.facts or {}).get('virtualbox') or {}
    if not section.get('available'):
        return ctx.skipped(CID, 'switch', section.get('note') or 'no VirtualBox facts')
    vm, nic = find_vm_nic(section, _target_macs(ctx), ctx.host('target'), ctx.target_ip)
    if vm is None:
        return ctx.passed(CID, 'switch', 'the target %s is no VirtualBox NIC of %s' % (ctx.target_ip, hv.host))
    if nic.get('mode') != 'nat':
        return ctx.passed(CID, 'switch', "VM %s's NIC %d is %s" % (vm.get('name'), nic.get('slot'), nic.get('mode')))
    forwards = nic.get('port_forwards') or []
    evidence = {'vm': vm.get('name'), 'state': vm.get('state'), 'nic': nic, 'port_forwards': forwards}
    choices = ("VBoxManage modifyvm %s --nic%d hostonly --hostonlyadapter%d <vboxnetN> (the host reaches it) or "
               "--nic%d bridged --bridgeadapter%d <host NIC> (the LAN reaches it), with the VM powered off; or "
               "VBoxManage controlvm %s natpf%d \"<name>,tcp,,<host port>,,<guest port>\" for one TCP/UDP service "
               "(never ICMP)%s" % (vm.get('name'), nic['slot'], nic['slot'], nic['slot'], nic['slot'],
                                   vm.get('name'), nic['slot'],
                                   '; forwards already set: %s' % ', '.join(
                                       '%s %s %s->%s' % (f.get('name'), f.get('protocol'), f.get('host_port'),
                                                         f.get('guest_port')) for f in forwards) if forwards else ''))
    return ctx.find('VBOX_NAT', 'switch', 'forward',
                    {'type': 'virtualbox_nic', 'vm': vm.get('name'), 'slot': nic.get('slot'), 'mac': nic.get('mac'),
                     'mode': 'nat'},
                    evidence, 'high', nat_message(ctx.target_ip, vm, nic),
                    fix_manual('the choice changes who can reach the VM and needs VirtualBox on this host: ' +
                               choices), check_id=CID)
