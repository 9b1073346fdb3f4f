# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMware checks: the VM's virtual NIC (connected, portgroup), the VLAN of its portgroup against
the host side, the effective security policy against the MAC the guest uses, the MTU of the
vSwitch against the VMkernel NICs and the guest, and MACs used twice. Pure functions of a
PathContext.

Facts come from ``vmnet.doctor.vmware_network_facts`` (platform ``vmware``, the path's
``vmware_facts``); the path's ``vmware`` identifiers (the role's ``diagnose_paths[].vmware``
without the password) say which VM, which NIC and what the host side is. The findings run on
the ``vmware`` view (host: the vCenter), their fixes on the controller (``localhost``) with the
connection options of the path - never the password: the remediate role adds it when it runs
the fix.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import in_network, ip_obj
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import fix_manual, fix_module

# Where VMware fixes run: the vSphere API is reached from the controller.
FIX_HOST = 'localhost'
# Identifiers a path's ``vmware`` dict may hold (the password never reaches the engine).
IDENTIFIERS = ('hostname', 'port', 'username', 'validate_certs', 'vm_name', 'datacenter', 'nic_label', 'nic_mac',
               'expected_portgroup', 'host_portgroup', 'host_vlan_id', 'host_mtu')
CONNECTION = ('hostname', 'port', 'username', 'validate_certs')
SECRET_KEYS = ('password', 'pass', 'pwd')
ROLE = 'vmware'


def clean_identifiers(value):
    """The path's vmware dict without secrets and unknown keys (what the engine and reports keep)."""
    return dict((k, v) for k, v in (value or {}).items() if k in IDENTIFIERS and v is not None)


def connection_args(ctx):
    """vSphere connection options for a fix (no password; the remediate role adds it)."""
    ids = ctx.vmware or {}
    return dict((k, ids[k]) for k in CONNECTION if ids.get(k) is not None)


def _fix(ctx, module, **args):
    fix = fix_module(module, FIX_HOST, **dict(connection_args(ctx), **args))
    fix['connection'] = 'vmware'   # the remediate role adds the path's vCenter password at apply time
    return fix


# ----------------------------------------------------------------------------- lookups

def _nics(ctx):
    return [n for n in ctx.view(ROLE).section('vm_nics') if isinstance(n, dict)]


def find_nic(ctx):
    """(nic, how) of the VM NIC the path goes to, or (None, why)."""
    ids = ctx.vmware or {}
    nics = _nics(ctx)
    vm = ids.get('vm_name')
    if vm:
        nics = [n for n in nics if n.get('vm') == vm]
        if not nics:
            return None, 'VM %s has no NIC in the VMware facts (wrong name, or outside the collected scope)' % vm
    if ids.get('nic_mac'):
        mac = str(ids['nic_mac']).lower().replace('-', ':')
        cands = [n for n in nics if n.get('mac') == mac]
        return (cands[0], 'mac') if cands else (None, 'no NIC of %s has MAC %s' % (vm or 'any VM', mac))
    if ids.get('nic_label'):
        cands = [n for n in nics if n.get('label') == ids['nic_label']]
        return (cands[0], 'label') if cands else (None, 'VM %s has no NIC labelled %s' % (vm, ids['nic_label']))
    want = ip_obj(ctx.target_ip)
    cands = [n for n in nics if any(ip_obj(a) == want for a in n.get('guest_ips') or [])]
    if len(cands) == 1:
        return cands[0], 'guest_ips'
    if vm and len(nics) == 1:
        return nics[0], 'vm_name'
    if not vm:
        return None, 'no VM NIC reports %s as a guest IP; give vmware.vm_name' % ctx.target_ip
    return None, 'VM %s has %d NICs and none reports %s; give vmware.nic_label or vmware.nic_mac' % (
        vm, len(nics), ctx.target_ip)


def _switches(ctx):
    return [s for s in ctx.view(ROLE).section('virtual_switches') if isinstance(s, dict)]


def find_switch(ctx, nic):
    """The virtual switch of the NIC (a vSwitch of its ESXi host, or the distributed switch)."""
    for sw in _switches(ctx):
        if sw.get('name') == nic.get('switch') and sw.get('host') in (None, nic.get('host')):
            return sw
    return None


def find_portgroup(ctx, host, name):
    """(switch, portgroup) named ``name`` that the ESXi host ``host`` can use, or (None, None)."""
    for sw in _switches(ctx):
        if sw.get('host') not in (None, host):
            continue
        for pg in sw.get('portgroups') or []:
            if isinstance(pg, dict) and pg.get('name') == name:
                return sw, pg
    return None, None


def _vmknics(ctx, host):
    return [v for v in ctx.view(ROLE).section('vmkernel_nics') if isinstance(v, dict) and v.get('host') == host]


def host_side(ctx, nic):
    """(vlan_id, source, evidence) of the host side, or (None, why, {})."""
    ids = ctx.vmware or {}
    if ids.get('host_vlan_id') is not None:
        return int(ids['host_vlan_id']), 'vmware.host_vlan_id', {}
    if ids.get('host_portgroup'):
        sw, pg = find_portgroup(ctx, nic.get('host'), ids['host_portgroup'])
        if pg is None:
            return None, 'host portgroup %s is not on ESXi host %s' % (ids['host_portgroup'], nic.get('host')), {}
        return pg.get('vlan_id'), 'portgroup %s (vmware.host_portgroup)' % pg.get('name'), {
            'host_portgroup': {'name': pg.get('name'), 'switch': sw.get('name'), 'vlan_id': pg.get('vlan_id')}}
    for vmk in _vmknics(ctx, nic.get('host')):
        for addr in vmk.get('addresses') or []:
            if addr.get('network') and in_network(ctx.target_ip, addr['network']):
                sw, pg = find_portgroup(ctx, nic.get('host'), vmk.get('portgroup'))
                if pg is not None:
                    return pg.get('vlan_id'), 'VMkernel NIC %s on the VM subnet (portgroup %s)' % (
                        vmk.get('name'), pg.get('name')), {'vmkernel_nic': vmk}
    return None, 'no host side known: give vmware.host_vlan_id or vmware.host_portgroup', {}


def _nic_obj(nic):
    return {'type': 'vmware_vm_nic', 'vm': nic.get('vm'), 'name': nic.get('label'), 'mac': nic.get('mac'),
            'portgroup': nic.get('portgroup'), 'host': nic.get('host')}


def _nic_args(nic, **extra):
    args = {'vm': nic.get('vm')}
    if nic.get('mac'):
        args['mac'] = nic['mac']
    else:
        args['label'] = nic.get('label')
    args.update(extra)
    return args


def _pg_target(sw, pg, nic):
    """vmware_vswitch_policy arguments that address the portgroup ``pg`` of switch ``sw``."""
    if sw.get('type') == 'dvs':
        return {'switch_type': 'distributed', 'switch': sw.get('name'), 'portgroup': pg.get('name')}
    return {'esxi_hostname': nic.get('host'), 'switch': sw.get('name'), 'portgroup': pg.get('name')}


def _sw_target(sw, nic):
    if sw.get('type') == 'dvs':
        return {'switch_type': 'distributed', 'switch': sw.get('name')}
    return {'esxi_hostname': nic.get('host'), 'switch': sw.get('name')}


def _pg_obj(sw, pg, nic):
    return {'type': 'vmware_portgroup', 'name': pg.get('name'), 'switch': sw.get('name'),
            'host': nic.get('host') if sw.get('type') != 'dvs' else None, 'switch_type': sw.get('type')}


# ----------------------------------------------------------------------------- the checks

def check_vmware(ctx):
    """VNIC_DISCONNECTED, WRONG_PORTGROUP, VLAN_MISMATCH, VSWITCH_SECURITY_REJECT, MTU_MISMATCH,
    DUPLICATE_MAC for the VMware VM of the path."""
    if ctx.vmware_facts is None or ROLE not in ctx.views:
        return None
    nic, how = find_nic(ctx)
    if nic is None:
        return ctx.skipped('vmware.vm_nic', ROLE, how)
    confidence = 'medium' if how == 'vm_name' else 'high'
    label = '%s NIC %s (%s)' % (nic.get('vm'), nic.get('label'), nic.get('mac'))
    evidence = {'vm_nic': nic, 'identified_by': how}
    _check_connected(ctx, nic, label, evidence, confidence)
    moved = _check_portgroup(ctx, nic, label, evidence, confidence)
    if moved:
        ctx.skipped('vmware.vlan', ROLE, 'the NIC is on the wrong portgroup; VLAN compared after it moves')
    else:
        _check_vlan(ctx, nic, label, evidence, confidence)
    _check_security(ctx, nic, label, evidence)
    _check_mtu(ctx, nic)
    return _check_duplicate_mac(ctx, nic, label, evidence)


def _check_connected(ctx, nic, label, evidence, confidence):
    cid = 'vmware.connected'
    if nic.get('power_state') not in (None, 'poweredOn'):
        return ctx.skipped(cid, ROLE, 'VM %s is %s: its NICs connect when it powers on' % (
            nic.get('vm'), nic.get('power_state')))
    if nic.get('connected'):
        return ctx.passed(cid, ROLE, '%s is connected' % label)
    extra = {'connected': True}
    if nic.get('start_connected') is False:
        extra['start_connected'] = True
    return ctx.find('VNIC_DISCONNECTED', ROLE, 'forward', _nic_obj(nic), evidence, confidence,
                    'VMware VM %s is not connected (the virtual cable is unplugged).' % label,
                    _fix(ctx, 'vmware_vm_nic', **_nic_args(nic, **extra)), check_id=cid)


def _check_portgroup(ctx, nic, label, evidence, confidence):
    cid = 'vmware.portgroup'
    want = (ctx.vmware or {}).get('expected_portgroup')
    if not want:
        ctx.skipped(cid, ROLE, 'no expected portgroup given (vmware.expected_portgroup)')
        return False
    if nic.get('portgroup') == want:
        ctx.passed(cid, ROLE, '%s is on portgroup %s' % (label, want))
        return False
    sw, pg = find_portgroup(ctx, nic.get('host'), want)
    if pg is None:
        fix = fix_manual('portgroup %s is not available on ESXi host %s of VM %s: create it, or move the NIC '
                         'to the right network by hand.' % (want, nic.get('host'), nic.get('vm')))
    else:
        fix = _fix(ctx, 'vmware_vm_nic', **_nic_args(nic, portgroup=want))
    ctx.find('WRONG_PORTGROUP', ROLE, 'forward', _nic_obj(nic),
             dict(evidence, expected_portgroup=want, expected_vlan_id=(pg or {}).get('vlan_id')), confidence,
             'VMware VM %s is on portgroup %s, but the path expects portgroup %s.' % (
                 label, nic.get('portgroup'), want), fix, check_id=cid)
    return True


def _check_vlan(ctx, nic, label, evidence, confidence):
    cid = 'vmware.vlan'
    vm_vlan = nic.get('vlan_id')
    host_vlan, why, extra = host_side(ctx, nic)
    if host_vlan is None:
        return ctx.skipped(cid, ROLE, why)
    if not isinstance(vm_vlan, int) or not isinstance(host_vlan, int) or vm_vlan == 4095 or host_vlan == 4095:
        return ctx.skipped(cid, ROLE, 'VLAN of one side is a trunk or a range (%r / %r): guest tagging not '
                           'compared' % (vm_vlan, host_vlan))
    if vm_vlan == host_vlan:
        return ctx.passed(cid, ROLE, 'VLAN %s on both sides' % host_vlan)
    sw, pg = find_portgroup(ctx, nic.get('host'), nic.get('portgroup'))
    if pg is None:
        fix = fix_manual('portgroup %s of %s is not in the facts; set its VLAN to %s by hand.' % (
            nic.get('portgroup'), label, host_vlan))
        obj = dict(_nic_obj(nic), vlan_id=vm_vlan)
    else:
        fix = _fix(ctx, 'vmware_vswitch_policy', vlan_id=host_vlan, **_pg_target(sw, pg, nic))
        others = sorted(set(n.get('vm') for n in _nics(ctx) if n.get('portgroup') == pg.get('name')
                            and n.get('host') == nic.get('host') and n.get('vm') != nic.get('vm')))
        if others:
            fix['note'] = 'changes the VLAN of every NIC on portgroup %s, also of: %s' % (pg.get('name'),
                                                                                          ', '.join(others))
        obj = dict(_pg_obj(sw, pg, nic), vlan_id=vm_vlan)
    return ctx.find('VLAN_MISMATCH', ROLE, 'forward', obj,
                    dict(evidence, vlan={'vm_portgroup': vm_vlan, 'host': host_vlan, 'host_from': why}, **extra),
                    confidence, 'VMware VM %s is on portgroup %s in VLAN %s (0 = untagged), but the host side '
                    '(%s) is in VLAN %s.' % (label, nic.get('portgroup'), vm_vlan, why, host_vlan), fix,
                    check_id=cid)


def _guest_mac(ctx, nic):
    """(mac, from) of a MAC the guest uses that is not the vNIC's, or (None, None)."""
    target = ctx.view('target')
    if target.present:
        iface, _addr = target.iface_by_address(ctx.target_ip)
        if iface and iface.get('mac') and str(iface['mac']).lower() != nic.get('mac'):
            return str(iface['mac']).lower(), 'the VM facts'
    for mac in nic.get('guest_macs') or []:
        if mac and str(mac).lower() != nic.get('mac'):
            return str(mac).lower(), 'VMware Tools (guest_macs)'
    return None, None


def _check_security(ctx, nic, label, evidence):
    cid = 'vmware.security'
    guest_mac, source = _guest_mac(ctx, nic)
    if guest_mac is None:
        return ctx.passed(cid, ROLE, 'the guest uses the vNIC MAC %s (or reports none)' % nic.get('mac'))
    sw, pg = find_portgroup(ctx, nic.get('host'), nic.get('portgroup'))
    if pg is None:
        return ctx.skipped(cid, ROLE, 'portgroup %s of %s is not in the facts' % (nic.get('portgroup'), label))
    security = pg.get('security') or {}
    rejected = [k for k in ('forged_transmits', 'mac_changes') if security.get(k) is False]
    if not rejected:
        return ctx.passed(cid, ROLE, 'the guest uses MAC %s; portgroup %s accepts forged transmits and MAC '
                          'changes' % (guest_mac, pg.get('name')))
    override = pg.get('security_override') or {}
    inherited = [k for k in rejected if k not in override]
    fix = _fix(ctx, 'vmware_vswitch_policy', **dict(_pg_target(sw, pg, nic), **dict((k, True) for k in rejected)))
    return ctx.find('VSWITCH_SECURITY_REJECT', ROLE, 'forward', _pg_obj(sw, pg, nic),
                    dict(evidence, guest_mac=guest_mac, guest_mac_from=source, security=security,
                         security_override=override, inherited_from_switch=inherited),
                    'high' if source == 'the VM facts' else 'medium',
                    'The guest on %s uses MAC %s (per %s), not its vNIC MAC, and portgroup %s rejects %s, so '
                    'the switch drops its frames.' % (label, guest_mac, source, pg.get('name'),
                                                      ' and '.join(k.replace('_', ' ') for k in rejected)),
                    fix, check_id=cid)


def _check_mtu(ctx, nic):
    """vSwitch MTU against the VMkernel NICs on it, the guest and the host side (vmware.host_mtu)."""
    cid = 'vmware.mtu'
    sw = find_switch(ctx, nic)
    if sw is None or not sw.get('mtu'):
        return ctx.skipped(cid, ROLE, 'switch %s of %s is not in the facts' % (nic.get('switch'), nic.get('vm')))
    pg_names = set(pg.get('name') for pg in sw.get('portgroups') or [] if isinstance(pg, dict))
    members = [('switch', sw.get('name'), sw['mtu'])]
    for vmk in _vmknics(ctx, nic.get('host')):
        if vmk.get('portgroup') in pg_names and vmk.get('mtu'):
            members.append(('vmkernel', vmk.get('name'), vmk['mtu']))
    target = ctx.view('target')
    if target.present:
        iface, _addr = target.iface_by_address(ctx.target_ip)
        if iface and iface.get('mtu'):
            members.append(('guest', '%s/%s' % (target.host, iface.get('name')), iface['mtu']))
    if (ctx.vmware or {}).get('host_mtu'):
        members.append(('host', 'vmware.host_mtu', int(ctx.vmware['host_mtu'])))
    values = sorted(set(m[2] for m in members))
    if len(members) < 2:
        return ctx.skipped(cid, ROLE, 'only the switch MTU (%s) is known' % sw['mtu'])
    if len(values) == 1:
        return ctx.passed(cid, ROLE, 'MTU %s on %s' % (values[0], ', '.join('%s %s' % m[:2] for m in members)))
    others = [m[2] for m in members[1:]]
    evidence = {'mtu': [{'kind': k, 'name': n, 'mtu': v} for k, n, v in members]}
    obj = {'type': 'vmware_dvs' if sw.get('type') == 'dvs' else 'vmware_vswitch', 'name': sw.get('name'),
           'host': sw.get('host'), 'mtu': sw['mtu']}
    if len(set(others)) == 1 and others[0] != sw['mtu']:
        fix = _fix(ctx, 'vmware_vswitch_policy', mtu=others[0], **_sw_target(sw, nic))
        confidence = 'high' if sw['mtu'] < others[0] else 'medium'
        message = 'Virtual switch %s has MTU %s while %s use%s MTU %s.' % (
            sw.get('name'), sw['mtu'], ', '.join('%s %s' % m[:2] for m in members[1:]),
            's' if len(members) == 2 else '', others[0])
    else:
        fix = fix_manual('MTUs differ among several members (%s); which MTU the segment uses is a design '
                         'decision.' % ', '.join('%s %s=%s' % m for m in members))
        confidence = 'medium'
        message = 'MTUs differ on the segment of %s: %s.' % (nic.get('vm'), ', '.join('%s %s=%s' % m for m in members))
    return ctx.find('MTU_MISMATCH', ROLE, 'forward', obj, evidence, confidence, message, fix,
                    check_id=cid, breaks=('large',))


def _check_duplicate_mac(ctx, nic, label, evidence):
    cid = 'vmware.duplicate_mac'
    mac = nic.get('mac')
    if any(f['code'] == 'DUPLICATE_MAC' and (f.get('object') or {}).get('mac') == mac for f in ctx.findings):
        return ctx.skipped(cid, ROLE, 'MAC %s already reported' % mac)
    for dup in ctx.view(ROLE).section('duplicate_macs'):
        if isinstance(dup, dict) and str(dup.get('mac') or '').lower() == mac:
            others = [n for n in dup.get('nics') or [] if n.get('vm') != nic.get('vm')
                      or n.get('label') != nic.get('label')]
            return ctx.find('DUPLICATE_MAC', ROLE, 'forward', _nic_obj(nic), dict(evidence, also_on=others), 'high',
                            'MAC %s of %s is also used by %s.' % (mac, label, ', '.join(
                                '%s/%s' % (n.get('vm'), n.get('label')) for n in others)),
                            fix_manual('Which VM NIC gets a new MAC address is a person\'s decision (licences, '
                                       'DHCP reservations); change it with the VM powered off.'), check_id=cid)
    return ctx.passed(cid, ROLE, 'MAC %s is used by no other VM NIC in the collected scope' % mac)
