# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows and Hyper-V checks: Windows Firewall verdicts (rules, profiles) and the Hyper-V VM
adapter (connected, virtual switch, VLAN, MAC spoofing). Pure functions of a PathContext.

Facts come from ``vmnet.doctor.win_net_facts`` (platform ``windows``). The Hyper-V host is the
hypervisor view when given, else the source host itself (a Windows machine pinging its own
VM). Fixes name the Windows action plugins ``win_icmp_rule`` and ``hyperv_vm_nic``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import family_of, ip_obj
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual, fix_module, host_prefix
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import firewall as wfw


FORWARD_NOTE = ('Windows Firewall filters traffic to and from the host itself, not traffic it routes, NATs or '
                'switches for VMs')


def is_windows(view):
    return view.present and (view.facts or {}).get('platform') == 'windows'


# ----------------------------------------------------------------------------- firewall

def _icmp_fix(view, args, family):
    """The win_icmp_rule fix; when the built-in rule it would enable opens more than the finding
    needs (Windows Server's FPS-ICMP4-ERQ-In: any profile, any address), the fix says so in
    ``widens`` and remediation applies it only when its code is named in remediate_allow."""
    model = ((view.facts or {}).get('firewall') or {}).get('windows') or {}
    choice = wfw.builtin_echo_choice(model, family, args['source'], [p.capitalize() for p in args.get('profiles') or
                                                                     wfw.PROFILES]) if model.get('rules') else None
    wider = choice[2] if choice else []
    fix = fix_module('win_icmp_rule', view.host, allow_widening=bool(wider), **args)
    if wider:
        fix['widens'] = wider
        fix['note'] = 'the fix enables the built-in rule %s, which opens more than this path needs: %s' % (
            choice[0]['name'], '; '.join(wider))
    return fix


def icmp_blocked(ctx, role, hook, icmp_type, src, dst, direction, cid, breaks, entry, confidence):
    """The finding for a drop verdict of Windows Firewall (called by checks_firewall.check_icmp)."""
    view = ctx.view(role)
    rule = entry.get('deciding_rule') or {}
    profile = entry.get('profile') or rule.get('profile')
    family = family_of(src or dst) or 'ipv4'
    peer = src if hook == 'input' else dst
    args = {'source': host_prefix(peer), 'ip_version': family, 'state': 'present'}
    if profile:
        args['profiles'] = [str(profile).lower()]
    evidence = {'verdict': entry}
    if rule.get('profile_blocks_all'):
        args['allow_inbound_rules'] = True
        return ctx.find('FIREWALL_PROFILE_BLOCKS_ALL', role, direction,
                        {'type': 'firewall_profile', 'name': profile, 'hook': hook}, evidence, confidence,
                        'Windows Firewall on %s blocks all incoming connections in the %s profile '
                        '(AllowInboundRules False), so even allowed ICMP %s %s -> %s is dropped.' % (
                            view.host, profile, icmp_type, src, dst),
                        _icmp_fix(view, args, family), check_id=cid, breaks=breaks)
    if rule.get('policy'):
        obj = {'type': 'firewall_profile', 'name': profile, 'hook': hook, 'policy': True}
        where = 'default %s action of the %s profile' % ('inbound' if hook == 'input' else 'outbound', profile)
    else:
        obj = {'type': 'windows_firewall_rule', 'name': rule.get('name'), 'display_name': rule.get('display_name'),
               'profile': profile, 'hook': hook}
        where = 'block rule %s "%s"' % (rule.get('name'), rule.get('display_name'))
        args['disable_blocking_rules'] = True
    if hook != 'input' or icmp_type != 'echo-request':
        fix = fix_manual('win_icmp_rule manages inbound echo requests only; allow ICMP %s %s on %s by hand '
                         '(%s).' % (icmp_type, hook, view.host, where))
    else:
        fix = _icmp_fix(view, args, family)
        if not rule.get('policy'):
            fix['note'] = '; '.join(n for n in (
                'block rules override allow rules on Windows: the fix disables %s (it may also drop other traffic '
                'its owner wanted dropped)' % rule.get('name'), fix.get('note')) if n)
    return ctx.find('ICMP_BLOCKED', role, direction, obj, evidence, confidence,
                    'Windows Firewall on %s drops ICMP %s %s -> %s (%s).' % (view.host, icmp_type, src, dst, where),
                    fix, check_id=cid, breaks=breaks)


# ----------------------------------------------------------------------------- Hyper-V

def _hyperv_role(ctx):
    for role in ('switch', 'source'):
        view = ctx.view(role)
        if is_windows(view) and (view.section('vm_nics') or view.section('virtual_switches')):
            return role
    return None


def _target_mac(ctx):
    target = ctx.view('target')
    if not target.present:
        return None
    iface, _addr = target.iface_by_address(ctx.target_ip)
    return str(iface.get('mac')).lower() if iface and iface.get('mac') else None


def _find_nic(ctx, view):
    """(nic, how) for the VM adapter that carries the target address."""
    nics = [n for n in view.section('vm_nics') if isinstance(n, dict)]
    want = ip_obj(ctx.target_ip)
    cands = [n for n in nics if any(ip_obj(a) == want for a in n.get('guest_ips') or [])]
    if len(cands) == 1:
        return cands[0], 'guest_ips'
    mac = _target_mac(ctx)
    cands = [n for n in nics if mac and n.get('mac') == mac]
    if len(cands) == 1:
        return cands[0], 'mac'
    names = [x for x in (ctx.host('target'), (ctx.view('target').facts or {}).get('hostname')) if x]
    cands = [n for n in nics if n.get('vm') in names]
    if len(cands) == 1:
        return cands[0], 'vm_name'
    return None, 'no VM adapter on %s reports %s (guest IPs), the VM MAC or the VM name' % (view.host, ctx.target_ip)


def _host_side(ctx, role, view):
    """The management-OS adapter (host_vnics entry) on the segment the VM should be on, or None."""
    vnics = [v for v in view.section('host_vnics') if isinstance(v, dict)]
    if role == 'source':
        name = (ctx.topology.get('source_iface') or {}).get('name')
        for vnic in vnics:
            if vnic.get('name') == name:
                return vnic, 'the source egress interface %s' % name
    iface, _addr = view.connected(ctx.target_ip)
    if iface is not None:
        for vnic in vnics:
            if vnic.get('name') == iface.get('name'):
                return vnic, 'the host interface %s on the VM subnet' % iface.get('name')
    return None, None


def _nic_obj(nic):
    return {'type': 'hyperv_vm_adapter', 'vm': nic.get('vm'), 'name': nic.get('label'), 'mac': nic.get('mac'),
            'switch': nic.get('switch')}


def _nic_args(nic, **extra):
    args = {'vm': nic.get('vm')}
    if nic.get('mac'):
        args['mac'] = nic.get('mac')
    else:
        args['adapter'] = nic.get('label')
    args.update(extra)
    return args


def check_hyperv(ctx):
    """VNIC_DISCONNECTED, WRONG_VSWITCH, VLAN_MISMATCH (Hyper-V), MAC_SPOOFING_DISABLED."""
    role = _hyperv_role(ctx)
    if role is None:
        return None
    view = ctx.view(role)
    nic, how = _find_nic(ctx, view)
    if nic is None:
        return ctx.skipped('switch.hyperv.vm_adapter', role, how)
    confidence = 'medium' if how == 'vm_name' else 'high'
    evidence = {'vm_adapter': nic, 'identified_by': how}
    host_vnic, why = _host_side(ctx, role, view)
    expected = host_vnic.get('switch') if host_vnic else None
    if host_vnic:
        evidence['host_adapter'] = host_vnic
    label = '%s adapter %s (%s)' % (nic.get('vm'), nic.get('label'), nic.get('mac'))
    if not nic.get('connected') or not nic.get('switch'):
        fix = fix_module('hyperv_vm_nic', view.host, **_nic_args(nic, switch=expected)) if expected else fix_manual(
            'which virtual switch %s should use is not known from the facts; connect it with '
            'Connect-VMNetworkAdapter or vmnet.doctor.hyperv_vm_nic switch=<name>.' % label)
        return ctx.find('VNIC_DISCONNECTED', role, 'forward', _nic_obj(nic), evidence, confidence,
                        'Hyper-V VM %s is not connected to a virtual switch.' % label, fix,
                        check_id='switch.hyperv.connected')
    ctx.passed('switch.hyperv.connected', role, '%s is connected to %s' % (label, nic.get('switch')))
    if expected and nic.get('switch') != expected:
        return ctx.find('WRONG_VSWITCH', role, 'forward', _nic_obj(nic), evidence, confidence,
                        'Hyper-V VM %s is connected to switch %s, but %s is on switch %s.' % (
                            label, nic.get('switch'), why, expected),
                        fix_module('hyperv_vm_nic', view.host, **_nic_args(nic, switch=expected)),
                        check_id='switch.hyperv.switch')
    if expected:
        ctx.passed('switch.hyperv.switch', role, '%s and %s share switch %s' % (label, why, expected))
    else:
        ctx.skipped('switch.hyperv.switch', role, 'no host adapter on the VM segment to compare with')
    host_vlan = host_vnic.get('vlan_id') if host_vnic else None
    if host_vnic and host_vlan is not None and nic.get('vlan_id') is not None and nic.get('vlan_mode') != 'trunk':
        if nic.get('vlan_id') != host_vlan:
            evidence_v = dict(evidence, vlan={'vm_adapter': nic.get('vlan_id'), 'host': host_vlan})
            return ctx.find('VLAN_MISMATCH', role, 'forward', dict(_nic_obj(nic), vlan_id=nic.get('vlan_id')),
                            evidence_v, confidence,
                            'Hyper-V VM %s is in VLAN %s (0 = untagged) but %s is in VLAN %s.' % (
                                label, nic.get('vlan_id'), why, host_vlan),
                            fix_module('hyperv_vm_nic', view.host, **_nic_args(nic, vlan_id=host_vlan)),
                            check_id='switch.hyperv.vlan')
        ctx.passed('switch.hyperv.vlan', role, 'VLAN %s on both sides' % host_vlan)
    else:
        ctx.skipped('switch.hyperv.vlan', role, 'VLAN of one side unknown (or a trunk adapter)')
    guest_mac = _target_mac(ctx)
    mac_how = 'the VM facts'
    if guest_mac is None:
        entry = view.neighbor(ctx.target_ip)
        guest_mac = (entry or {}).get('mac')
        mac_how = 'the neighbor cache of %s' % view.host
    if guest_mac and nic.get('mac') and guest_mac != nic.get('mac'):
        if nic.get('mac_spoofing') is False:
            return ctx.find('MAC_SPOOFING_DISABLED', role, 'forward', _nic_obj(nic),
                            dict(evidence, guest_mac=guest_mac, guest_mac_from=mac_how),
                            'high' if mac_how == 'the VM facts' else 'medium',
                            'The guest on %s sends from MAC %s (per %s), not the adapter MAC, and MAC address '
                            'spoofing is off, so Hyper-V drops its frames.' % (label, guest_mac, mac_how),
                            fix_module('hyperv_vm_nic', view.host, **_nic_args(nic, mac_spoofing=True)),
                            check_id='switch.hyperv.mac_spoofing')
        return ctx.passed('switch.hyperv.mac_spoofing', role, 'guest MAC %s differs; MAC spoofing is on' % guest_mac)
    return ctx.passed('switch.hyperv.mac_spoofing', role, 'the guest uses the adapter MAC (or it is unknown)')


# ----------------------------------------------------------------------------- fixes for Windows hosts

def windows_fix(fix):
    """The Windows equivalent of a fix proposed by a platform-neutral check (the fixer registry's
    ``linux_twin``/``from_linux``), or a manual fix."""
    if not isinstance(fix, dict) or fix.get('manual') or not fix.get('module'):
        return fix
    name = fix['module'].split('.')[-1]
    if (fixer_registry.entry(name) or {}).get('platform') == 'windows':
        return fix
    args, host = fix.get('args') or {}, fix.get('host')
    twin = fixer_registry.windows_twin(name)
    new = fixer_registry.entry(twin)['from_linux'](args) if twin else None
    if new is not None:
        return fix_module(twin, host, **new)
    return fix_manual('%s is a Linux fixer and %s is a Windows host; make the same change there by hand: %s %s.'
                      % (fix['module'], host, name, ', '.join('%s=%s' % kv for kv in sorted(args.items()))))


def adapt_fixes(ctx):
    """Give every finding whose fix runs on a Windows host the Windows fixer (called after the walk)."""
    windows_hosts = set(v.host for v in ctx.views.values() if is_windows(v) and v.host)
    if not windows_hosts:
        return
    for finding in ctx.findings:
        fix = finding.get('fix') or {}
        if fix.get('host') in windows_hosts:
            finding['fix'] = windows_fix(fix)
            if fix.get('alternatives'):
                finding['fix']['alternatives'] = [windows_fix(a) for a in fix['alternatives']
                                                  if a.get('host') in windows_hosts]
