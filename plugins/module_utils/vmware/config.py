# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read, plan and apply vSphere network settings (vmware_vswitch_policy, vmware_vm_nic).

Each module: ``read_*`` (PropertyCollector, a fixed number of calls) -> ``plan`` (pure: the
fields to change, only among those asked for) -> ``apply_*`` (the only write), driven by ``gate``:
apply unless check mode, read again, fail when the change did not take, and return the one
fixer result shape (``fixer_registry``).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import client as vm_utils
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware.facts import (
    SECURITY_FIELDS, get, moid)

SECURITY = tuple(field[0] for field in SECURITY_FIELDS)


# --- pure planning -------------------------------------------------------------------------

def plan(want, have):
    """Fields of ``want`` (None = leave as is) whose value differs from ``have``.

    Returns {field: {'before': x, 'after': y}} (empty when already right).
    """
    changes = {}
    for key, value in sorted(want.items()):
        if value is None:
            continue
        if have.get(key) != value:
            changes[key] = {'before': have.get(key), 'after': value}
    return changes


def predicted(have, changes):
    after = dict(have)
    for key, change in changes.items():
        after[key] = change['after']
    return after


def change_list(changes):
    """``{field: {before, after}}`` -> the structured changes of the fixer result shape."""
    return [{'action': 'set', 'field': key, 'before': change['before'], 'after': change['after']}
            for key, change in sorted(changes.items())]


def gate(check_mode, want, read, apply, call, refuse=None):
    """The one run gate of the VMware fixers.

    ``read()`` -> ``(object, state)``; ``apply(object, changes)`` writes (never in check mode);
    ``call``: the vSphere call that applies, as text (``UpdateVirtualSwitch vSwitch0``). After a
    real run the state is read again: ``after`` is what vSphere reports, and a field that still
    differs from the wanted value raises DoctorError. ``refuse(changes)`` may raise DoctorError
    before anything is applied (also in check mode)."""
    obj, have = read()
    changes = plan(want, have)
    if refuse is not None:
        refuse(changes)
    after = predicted(have, changes)
    if changes and not check_mode:
        apply(obj, changes)
        after = read()[1]
        again = plan(want, after)
        if again:
            raise DoctorError('%s was applied but vSphere still reports %s' % (call, ', '.join(
                '%s=%r (wanted %r)' % (k, v['before'], v['after']) for k, v in sorted(again.items()))))
    commands = ['%s %s' % (call, ' '.join('%s=%s' % (k, v['after']) for k, v in sorted(changes.items())))] \
        if changes else []
    return {'changed': bool(changes), 'changes': change_list(changes), 'commands': commands, 'before': have,
            'after': after, 'warnings': [], 'runtime_only': False}


def validate_policy_want(target, want):
    """Reject fields that do not exist on the target kind (target: vss, vss_portgroup, dvportgroup, dvs)."""
    if want.get('mtu') is not None and target in ('vss_portgroup', 'dvportgroup'):
        raise DoctorError('mtu is a switch setting; a portgroup has no MTU of its own')
    if want.get('vlan_id') is not None and target in ('vss', 'dvs'):
        raise DoctorError('vlan_id is a portgroup setting; give portgroup')
    vlan = want.get('vlan_id')
    if vlan is not None:
        top = 4095 if target == 'vss_portgroup' else 4094
        if not 0 <= vlan <= top:
            raise DoctorError('vlan_id must be within 0..%d for this portgroup, not %d' % (top, vlan))
    mtu = want.get('mtu')
    if mtu is not None and not 1280 <= mtu <= 9000:
        raise DoctorError('mtu must be within 1280..9000, not %d' % mtu)


# --- reading -------------------------------------------------------------------------------

def _find_host(si, host_name):
    vim = vm_utils.vim
    with vm_utils.ContainerView(si, [vim.HostSystem]) as view:
        hosts = vm_utils.retrieve(si, [vm_utils.view_object_spec(view)], {vim.HostSystem: ['name']})
    found = [h['obj'] for h in hosts if h.get('name') == host_name]
    if not found:
        raise DoctorError('ESXi host %r not found in the vSphere inventory' % host_name, obj=host_name)
    return found[0]


def read_host_network(si, host_name):
    """The host's network system and its vswitches/portgroups (pyVmomi objects)."""
    vim = vm_utils.vim
    host = _find_host(si, host_name)
    props = vm_utils.retrieve(si, vm_utils.object_specs([host]), {vim.HostSystem: [
        'configManager.networkSystem', 'config.network.vswitch', 'config.network.portgroup']})
    if not props or props[0].get('configManager.networkSystem') is None:
        raise DoctorError('ESXi host %r has no network configuration (disconnected?)' % host_name, obj=host_name)
    p = props[0]
    return {'network_system': p['configManager.networkSystem'],
            'vswitches': list(p.get('config.network.vswitch') or []),
            'portgroups': list(p.get('config.network.portgroup') or [])}


def security_of(policy):
    return dict((k, get(policy, attr)) for k, attr in SECURITY_FIELDS)


def vss_state(net, switch):
    for vs in net['vswitches']:
        if vs.name == switch:
            state = {'mtu': vs.mtu}
            state.update(security_of(get(vs, 'spec.policy.security')))
            return vs, state
    raise DoctorError('standard vSwitch %r not found on the host' % switch, obj=switch)


def vss_portgroup_state(net, switch, portgroup):
    for pg in net['portgroups']:
        if pg.spec.name == portgroup:
            if switch and pg.spec.vswitchName != switch:
                raise DoctorError('portgroup %r is on vSwitch %r, not %r'
                                  % (portgroup, pg.spec.vswitchName, switch), obj=portgroup)
            vs_security = {}
            for vs in net['vswitches']:
                if vs.name == pg.spec.vswitchName:
                    vs_security = security_of(get(vs, 'spec.policy.security'))
            override = dict((k, v) for k, v in security_of(get(pg, 'spec.policy.security')).items() if v is not None)
            computed = get(pg, 'computedPolicy.security')
            effective = security_of(computed) if computed is not None else dict(vs_security, **override)
            state = {'vlan_id': pg.spec.vlanId}
            state.update(effective)
            return pg, state
    raise DoctorError('portgroup %r not found on the host' % portgroup, obj=portgroup)


def read_dvportgroup(si, switch, portgroup):
    vim = vm_utils.vim
    with vm_utils.ContainerView(si, [vim.dvs.DistributedVirtualPortgroup, vim.DistributedVirtualSwitch]) as view:
        objs = vm_utils.retrieve(si, [vm_utils.view_object_spec(view)], {
            vim.dvs.DistributedVirtualPortgroup: ['name', 'config.configVersion', 'config.defaultPortConfig',
                                                  'config.distributedVirtualSwitch'],
            vim.DistributedVirtualSwitch: ['name']})
    switch_names = dict((o['moid'], o.get('name')) for o in objs if o['type'] != 'DistributedVirtualPortgroup')
    found = [o for o in objs if o['type'] == 'DistributedVirtualPortgroup' and o.get('name') == portgroup
             and (not switch or switch_names.get(moid(o.get('config.distributedVirtualSwitch'))) == switch)]
    if not found:
        raise DoctorError('distributed portgroup %r not found%s' % (
            portgroup, ' on switch %r' % switch if switch else ''), obj=portgroup)
    if len(found) > 1:
        raise DoctorError('distributed portgroup name %r is not unique; give switch' % portgroup, obj=portgroup)
    pg = found[0]
    setting = pg.get('config.defaultPortConfig')
    vlan = get(setting, 'vlan')
    state = {'vlan_id': get(vlan, 'vlanId') if type(vlan).__name__.endswith('VlanIdSpec') else None}
    for key, attr in SECURITY_FIELDS:
        state[key] = get(setting, 'securityPolicy.%s.value' % attr)
    return pg, state


def read_dvs(si, switch):
    vim = vm_utils.vim
    with vm_utils.ContainerView(si, [vim.DistributedVirtualSwitch]) as view:
        objs = vm_utils.retrieve(si, [vm_utils.view_object_spec(view)], {vim.DistributedVirtualSwitch: [
            'name', 'config.configVersion', 'config.maxMtu', 'config.defaultPortConfig']})
    found = [o for o in objs if o.get('name') == switch]
    if not found:
        raise DoctorError('distributed switch %r not found' % switch, obj=switch)
    dvs = found[0]
    state = {'mtu': dvs.get('config.maxMtu')}
    for key, attr in SECURITY_FIELDS:
        state[key] = get(dvs.get('config.defaultPortConfig'), 'securityPolicy.%s.value' % attr)
    return dvs, state


# --- applying ------------------------------------------------------------------------------

def apply_vss(net, vswitch, changes):
    vim = vm_utils.vim
    spec = copy.deepcopy(vswitch.spec)
    if 'mtu' in changes:
        spec.mtu = changes['mtu']['after']
    elif not spec.mtu:
        spec.mtu = vswitch.mtu  # keep the MTU in force; an unset MTU may mean the default
    _set_security(spec, changes, vim.host.NetworkPolicy, vim.host.NetworkPolicy.SecurityPolicy)
    vm_utils.call('UpdateVirtualSwitch %s' % vswitch.name, net['network_system'].UpdateVirtualSwitch,
                  vswitchName=vswitch.name, spec=spec)


def apply_vss_portgroup(net, pg, changes):
    vim = vm_utils.vim
    spec = copy.deepcopy(pg.spec)
    if 'vlan_id' in changes:
        spec.vlanId = changes['vlan_id']['after']
    _set_security(spec, changes, vim.host.NetworkPolicy, vim.host.NetworkPolicy.SecurityPolicy)
    vm_utils.call('UpdatePortGroup %s' % pg.spec.name, net['network_system'].UpdatePortGroup,
                  pgName=pg.spec.name, portgrp=spec)


def _set_security(spec, changes, policy_type, security_type):
    if not any(k in changes for k in SECURITY):
        return
    if spec.policy is None:
        spec.policy = policy_type()
    if spec.policy.security is None:
        spec.policy.security = security_type()
    for key, attr in SECURITY_FIELDS:
        if key in changes:
            setattr(spec.policy.security, attr, changes[key]['after'])


def apply_dvportgroup(pg, changes):
    vim = vm_utils.vim
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy()
    if 'vlan_id' in changes:
        setting.vlan = vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(
            vlanId=changes['vlan_id']['after'], inherited=False)
    if any(k in changes for k in SECURITY):
        security = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(inherited=False)
        for key, attr in SECURITY_FIELDS:
            if key in changes:
                setattr(security, attr, vim.BoolPolicy(inherited=False, value=changes[key]['after']))
        setting.securityPolicy = security
    spec = vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=pg['config.configVersion'], defaultPortConfig=setting)
    task = vm_utils.call('ReconfigureDVPortgroup %s' % pg['name'], pg['obj'].ReconfigureDVPortgroup_Task, spec=spec)
    vm_utils.wait_for_task(task, 'ReconfigureDVPortgroup %s' % pg['name'])


def apply_dvs(dvs, changes):
    vim = vm_utils.vim
    spec = vim.dvs.VmwareDistributedVirtualSwitch.ConfigSpec(configVersion=dvs['config.configVersion'])
    if 'mtu' in changes:
        spec.maxMtu = changes['mtu']['after']
    if any(k in changes for k in SECURITY):
        security = vim.dvs.VmwareDistributedVirtualSwitch.SecurityPolicy(inherited=False)
        for key, attr in SECURITY_FIELDS:
            if key in changes:
                setattr(security, attr, vim.BoolPolicy(inherited=False, value=changes[key]['after']))
        spec.defaultPortConfig = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
            securityPolicy=security)
    task = vm_utils.call('ReconfigureDvs %s' % dvs['name'], dvs['obj'].ReconfigureDvs_Task, spec=spec)
    vm_utils.wait_for_task(task, 'ReconfigureDvs %s' % dvs['name'])


# --- VM NICs -------------------------------------------------------------------------------

def read_vm_nic(si, vm_name, label=None, mac=None):
    """The VM, the NIC (by label or MAC) and the networks its host offers."""
    vim = vm_utils.vim
    with vm_utils.ContainerView(si, [vim.VirtualMachine]) as view:
        vms = vm_utils.retrieve(si, [vm_utils.view_object_spec(view)], {vim.VirtualMachine: ['name']})
    found = [v['obj'] for v in vms if v.get('name') == vm_name]
    if not found:
        raise DoctorError('VM %r not found in the vSphere inventory' % vm_name, obj=vm_name)
    if len(found) > 1:
        raise DoctorError('VM name %r is not unique' % vm_name, obj=vm_name)
    props = vm_utils.retrieve(si, vm_utils.object_specs(found), {vim.VirtualMachine: [
        'name', 'config.hardware.device', 'runtime.powerState', 'runtime.host']})[0]
    nics = [d for d in props.get('config.hardware.device') or [] if isinstance(d, vim.vm.device.VirtualEthernetCard)]
    if label:
        nic = [d for d in nics if d.deviceInfo and d.deviceInfo.label == label]
    else:
        nic = [d for d in nics if (d.macAddress or '').lower() == mac.lower()]
    if not nic:
        raise DoctorError('VM %r has no network adapter %r (it has: %s)' % (
            vm_name, label or mac, ', '.join('%s %s' % (d.deviceInfo.label, d.macAddress) for d in nics) or 'none'),
            obj=label or mac)
    host = props.get('runtime.host')
    if host is None:
        raise DoctorError('VM %r has no ESXi host (orphaned or inaccessible)' % vm_name, obj=vm_name)
    host_props = vm_utils.retrieve(si, vm_utils.object_specs([host]), {vim.HostSystem: [
        'name', 'network', 'config.network.portgroup']})[0]
    return {'vm': found[0], 'props': props, 'nic': nic[0], 'host': host_props}


def nic_state(nic, dvpg_names):
    backing = nic.backing
    vim = vm_utils.vim
    if isinstance(backing, vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo):
        portgroup = dvpg_names.get(backing.port.portgroupKey, backing.port.portgroupKey)
    elif isinstance(backing, vim.vm.device.VirtualEthernetCard.NetworkBackingInfo):
        portgroup = backing.deviceName
    else:
        portgroup = None
    conn = nic.connectable
    return {'connected': conn.connected if conn else None,
            'start_connected': conn.startConnected if conn else None,
            'portgroup': portgroup}


def host_networks(si, host_props):
    """{name: ('standard', Network moref) | ('distributed', (portgroup key, switch uuid))} on the host."""
    vim = vm_utils.vim
    nets = list(host_props.get('network') or [])
    std_names = set(pg.spec.name for pg in host_props.get('config.network.portgroup') or [])
    out = {}
    dvpgs = [n for n in nets if isinstance(n, vim.dvs.DistributedVirtualPortgroup)]
    std = [n for n in nets if not isinstance(n, vim.dvs.DistributedVirtualPortgroup)]
    props = vm_utils.retrieve(si, vm_utils.object_specs(dvpgs + std), {
        vim.dvs.DistributedVirtualPortgroup: ['name', 'key', 'config.distributedVirtualSwitch'],
        vim.Network: ['name']}) if nets else []
    switches = [p['config.distributedVirtualSwitch'] for p in props if p.get('config.distributedVirtualSwitch')]
    uuids = {}
    if switches:
        for s in vm_utils.retrieve(si, vm_utils.object_specs(switches), {vim.DistributedVirtualSwitch: ['uuid']}):
            uuids[s['moid']] = s.get('uuid')
    for p in props:
        if p['type'] == 'DistributedVirtualPortgroup':
            out.setdefault(p['name'], []).append(
                ('distributed', (p.get('key') or p['moid'], uuids.get(moid(p.get('config.distributedVirtualSwitch'))))))
        elif p.get('name') in std_names:
            out.setdefault(p['name'], []).append(('standard', p['obj']))
    return out


def apply_vm_nic(vm, vm_name, nic, changes, network=None):
    vim = vm_utils.vim
    device = copy.deepcopy(nic)
    if device.connectable is None:
        device.connectable = vim.vm.device.VirtualDevice.ConnectInfo()
    if 'connected' in changes:
        device.connectable.connected = changes['connected']['after']
    if 'start_connected' in changes:
        device.connectable.startConnected = changes['start_connected']['after']
    if 'portgroup' in changes:
        kind, ref = network
        if kind == 'distributed':
            device.backing = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
                port=vim.dvs.PortConnection(portgroupKey=ref[0], switchUuid=ref[1]))
        else:
            device.backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                deviceName=changes['portgroup']['after'], network=ref)
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(
        operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=device)])
    what = 'ReconfigVM (%s of %s)' % (nic.deviceInfo.label, vm_name)
    task = vm_utils.call(what, vm.ReconfigVM_Task, spec=spec)
    vm_utils.wait_for_task(task, what)
