# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere network facts: PropertyCollector reads and the mapping to the normalised schema.

``collect(si, scope)`` is the only I/O: at most two RetrievePropertiesEx calls (one to list the
inventory names when the scope is not "all", one for the network properties of every object in
scope), whatever the number of hosts and VMs. ``normalise(raw, hostname)`` is pure and accepts
either pyVmomi objects or the same data decoded from pyVmomi's JSON encoding (unit tests use
the latter, captured from the test simulator).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import client as vm_utils

HOST_PROPS = ['name', 'parent', 'config.network.vswitch', 'config.network.portgroup',
              'config.network.vnic', 'config.network.pnic']
VM_PROPS = ['name', 'runtime.host', 'runtime.powerState', 'config.hardware.device', 'guest.net']
DVS_PROPS = ['name', 'uuid', 'parent', 'config.maxMtu', 'config.defaultPortConfig',
             'config.uplinkPortPolicy', 'config.uplinkPortgroup']
DVPG_PROPS = ['name', 'key', 'parent', 'config.defaultPortConfig', 'config.distributedVirtualSwitch']
SECURITY_FIELDS = (('allow_promiscuous', 'allowPromiscuous'), ('mac_changes', 'macChanges'),
                   ('forged_transmits', 'forgedTransmits'))


# --- access that works on pyVmomi objects and on their JSON form --------------------------

def get(obj, path, default=None):
    for part in path.split('.'):
        if obj is None:
            return default
        if isinstance(obj, dict):
            obj = obj.get(part)
        else:
            obj = getattr(obj, part, None)
    return default if obj is None else obj


def moid(ref):
    """Managed object id of a reference (pyVmomi object or 'vim.Type:id' JSON string)."""
    if ref is None:
        return None
    if isinstance(ref, str):
        return ref.split(':', 1)[-1]
    if isinstance(ref, dict):
        return ref.get('_moId') or ref.get('moid')
    return getattr(ref, '_moId', None)


def type_name(obj):
    if isinstance(obj, dict):
        return obj.get('_vimtype') or ''
    return type(obj).__name__


def as_list(value):
    return list(value) if value else []


def mac(value):
    return value.lower().replace('-', ':') if value else None


# --- reading -------------------------------------------------------------------------------

def _select(listing, scope):
    """Pick the moids of the hosts, VMs and distributed switches/portgroups in scope."""
    by_id = dict((o['moid'], o) for o in listing)

    def ancestors(oid):
        seen = []
        while oid in by_id and oid not in seen:
            seen.append(oid)
            oid = moid(by_id[oid].get('parent'))
        return seen

    def named(kind, name):
        found = [o for o in listing if o['type'] in kind and o.get('name') == name]
        if not found:
            label = {'VirtualMachine': 'VM', 'HostSystem': 'ESXi host',
                     'ClusterComputeResource': 'Cluster', 'Datacenter': 'Datacenter'}[kind[0]]
            raise DoctorError('%s %r not found in the vSphere inventory' % (label, name), obj=name)
        return found

    hosts = [o for o in listing if o['type'] == 'HostSystem']
    vms = [o for o in listing if o['type'] == 'VirtualMachine']
    dvs = [o for o in listing if o['type'] in ('VmwareDistributedVirtualSwitch', 'DistributedVirtualSwitch')]
    dvpgs = [o for o in listing if o['type'] == 'DistributedVirtualPortgroup']

    if scope.get('vm'):
        vm_objs = named(('VirtualMachine',), scope['vm'])
        host_ids = set(moid(v.get('runtime.host')) for v in vm_objs)
        vm_ids = set(v['moid'] for v in vm_objs)
    else:
        if scope.get('hosts'):
            host_ids = set()
            for name in scope['hosts']:
                host_ids.update(h['moid'] for h in named(('HostSystem',), name))
        elif scope.get('cluster'):
            cl = set(c['moid'] for c in named(('ClusterComputeResource',), scope['cluster']))
            host_ids = set(h['moid'] for h in hosts if set(ancestors(h['moid'])) & cl)
        elif scope.get('datacenter'):
            dc = set(d['moid'] for d in named(('Datacenter',), scope['datacenter']))
            host_ids = set(h['moid'] for h in hosts if set(ancestors(h['moid'])) & dc)
        else:
            host_ids = set(h['moid'] for h in hosts)
        vm_ids = set(v['moid'] for v in vms if moid(v.get('runtime.host')) in host_ids)

    dc_ids = set()
    for hid in host_ids:
        dc_ids.update(a for a in ancestors(hid) if by_id[a]['type'] == 'Datacenter')
    net_ids = set(o['moid'] for o in dvs + dvpgs if set(ancestors(o['moid'])) & dc_ids)
    objs = [o['obj'] for o in listing if o['moid'] in host_ids | vm_ids | net_ids]
    return objs


def collect(si, scope):
    """Return the raw properties of everything in scope: {'objects': [...]}.

    scope: dict with at most one of vm (name), hosts (list of names), cluster, datacenter.
    """
    vim = vm_utils.vim
    heavy = {vim.HostSystem: HOST_PROPS, vim.VirtualMachine: VM_PROPS,
             vim.DistributedVirtualSwitch: DVS_PROPS, vim.dvs.DistributedVirtualPortgroup: DVPG_PROPS}
    listing_props = {
        vim.Datacenter: ['name', 'parent'], vim.Folder: ['parent'],
        vim.ComputeResource: ['name', 'parent'], vim.HostSystem: ['name', 'parent'],
        vim.VirtualMachine: ['name', 'runtime.host'], vim.DistributedVirtualSwitch: ['parent'],
        vim.dvs.DistributedVirtualPortgroup: ['parent'],
    }
    types = [vim.Datacenter, vim.Folder, vim.ComputeResource, vim.HostSystem, vim.VirtualMachine,
             vim.DistributedVirtualSwitch, vim.dvs.DistributedVirtualPortgroup]
    with vm_utils.ContainerView(si, types) as view:
        if not any(scope.get(k) for k in ('vm', 'hosts', 'cluster', 'datacenter')):
            objects = vm_utils.retrieve(si, [vm_utils.view_object_spec(view)], heavy)
        else:
            listing = vm_utils.retrieve(si, [vm_utils.view_object_spec(view)], listing_props)
            selected = _select(listing, scope)
            objects = vm_utils.retrieve(si, vm_utils.object_specs(selected), heavy) if selected else []
    for o in objects:
        o.pop('obj', None)
    return {'objects': objects}


# --- mapping -------------------------------------------------------------------------------

def _security(policy, override_only=False):
    out = {}
    for key, attr in SECURITY_FIELDS:
        value = get(policy, attr)
        if value is not None or not override_only:
            out[key] = value
    return out


def _dv_value(policy):
    """Value of a vim BoolPolicy / IntPolicy (None when unset)."""
    return get(policy, 'value')


def _dv_security(setting, override_only=False):
    out = {}
    sp = get(setting, 'securityPolicy')
    for key, attr in SECURITY_FIELDS:
        pol = get(sp, attr)
        if override_only:
            if pol is not None and not get(pol, 'inherited', False):
                out[key] = _dv_value(pol)
        else:
            out[key] = _dv_value(pol)
    return out


def _dv_vlan(setting):
    vlan = get(setting, 'vlan')
    if vlan is None:
        return None
    tname = type_name(vlan)
    if tname.endswith('TrunkVlanSpec'):
        return [{'start': get(r, 'start', 0), 'end': get(r, 'end', 0)} for r in as_list(get(vlan, 'vlanId'))]
    if tname.endswith('PvlanSpec'):
        return get(vlan, 'pvlanId')
    return get(vlan, 'vlanId', 0)


def _addresses(ip_config):
    out = []
    addr = get(ip_config, 'ipAddress')
    mask = get(ip_config, 'subnetMask')
    if addr:
        try:
            iface = ipaddress.ip_interface(u'%s/%s' % (addr, mask or '32'))
            out.append({'address': str(iface.ip), 'prefixlen': iface.network.prefixlen,
                        'family': 'ipv4', 'network': str(iface.network)})
        except ValueError:
            pass
    for v6 in as_list(get(ip_config, 'ipV6Config.ipV6Address')):
        try:
            iface = ipaddress.ip_interface(u'%s/%s' % (get(v6, 'ipAddress'), get(v6, 'prefixLength', 128)))
            out.append({'address': str(iface.ip), 'prefixlen': iface.network.prefixlen,
                        'family': 'ipv6', 'network': str(iface.network)})
        except ValueError:
            pass
    return out


def _canonical_ip(text):
    try:
        return str(ipaddress.ip_address(u'%s' % text.split('%')[0]))
    except ValueError:
        return None


def empty_facts(hostname):
    return {
        'schema_version': 1, 'platform': 'vmware', 'hostname': hostname,
        'tools': {'pyvmomi': True}, 'errors': [],
        'interfaces': [], 'routes': [], 'policy_rules': [], 'route_lookups': [], 'neighbors': [],
        'bridges': [], 'sysctls': {},
        'firewall': {'backends': {}, 'icmp': [], 'rulesets': {}},
        'virtual_switches': [], 'vm_nics': [], 'vmkernel_nics': [], 'physical_nics': [],
        'duplicate_macs': [],
    }


def normalise(raw, hostname):
    """Map raw PropertyCollector results to the normalised facts (platform vmware)."""
    facts = empty_facts(hostname)
    objects = raw.get('objects', [])
    for o in objects:
        for miss in o.get('_missing', []):
            facts['errors'].append({'source': 'vmware', 'message': '%s %s: %s: %s' % (
                o['type'], o.get('name', o['moid']), miss['path'], miss['fault'])})

    hosts = [o for o in objects if o['type'] == 'HostSystem']
    vms = [o for o in objects if o['type'] == 'VirtualMachine']
    switches = dict((o['moid'], o) for o in objects
                    if o['type'] in ('VmwareDistributedVirtualSwitch', 'DistributedVirtualSwitch'))
    dvpgs = dict((o['moid'], o) for o in objects if o['type'] == 'DistributedVirtualPortgroup')
    host_names = dict((h['moid'], h.get('name')) for h in hosts)
    dvs_by_uuid = dict((s.get('uuid'), s) for s in switches.values())
    dvpg_by_key = dict((p.get('key') or p['moid'], p) for p in dvpgs.values())
    uplink_pgs = set()
    for s in switches.values():
        uplink_pgs.update(moid(r) for r in as_list(s.get('config.uplinkPortgroup')))

    # distributed switches and their portgroups
    dvs_entries = {}
    for sid, s in sorted(switches.items(), key=lambda kv: kv[1].get('name') or ''):
        setting = s.get('config.defaultPortConfig')
        entry = {
            'name': s.get('name'), 'type': 'dvs', 'host': None, 'key': s.get('uuid'),
            'mtu': s.get('config.maxMtu'),
            'uplinks': as_list(get(s.get('config.uplinkPortPolicy'), 'uplinkPortName')),
            'security': _dv_security(setting), 'portgroups': [],
        }
        dvs_entries[sid] = entry
        facts['virtual_switches'].append(entry)
    for pid, p in sorted(dvpgs.items(), key=lambda kv: kv[1].get('name') or ''):
        if pid in uplink_pgs:
            continue
        setting = p.get('config.defaultPortConfig')
        entry = dvs_entries.get(moid(p.get('config.distributedVirtualSwitch')))
        if entry is None:
            continue
        entry['portgroups'].append({
            'name': p.get('name'), 'key': p.get('key') or pid, 'vlan_id': _dv_vlan(setting),
            'security': _dv_security(setting), 'security_override': _dv_security(setting, True),
        })

    # standard switches, VMkernel and physical NICs, per host
    host_pgs = {}
    for h in sorted(hosts, key=lambda x: x.get('name') or ''):
        hname = h.get('name')
        pnic_by_key = dict((get(p, 'key'), get(p, 'device')) for p in as_list(h.get('config.network.pnic')))
        pgs = {}
        for pg in as_list(h.get('config.network.portgroup')):
            spec = get(pg, 'spec')
            pgs[get(spec, 'name')] = pg
        host_pgs[h['moid']] = pgs
        for vs in as_list(h.get('config.network.vswitch')):
            vname = get(vs, 'name')
            vs_policy = get(vs, 'spec.policy')
            entry = {
                'name': vname, 'type': 'vss', 'host': hname, 'key': get(vs, 'key'),
                'mtu': get(vs, 'mtu'),
                'uplinks': [pnic_by_key.get(k, k) for k in as_list(get(vs, 'pnic'))],
                'security': _security(get(vs_policy, 'security')), 'portgroups': [],
            }
            for pname in sorted(n for n, pg in pgs.items() if get(pg, 'spec.vswitchName') == vname):
                pg = pgs[pname]
                override = _security(get(pg, 'spec.policy.security'), override_only=True)
                computed = get(pg, 'computedPolicy.security')
                if computed is not None:
                    effective = _security(computed)
                else:
                    effective = dict(entry['security'], **override)
                entry['portgroups'].append({
                    'name': pname, 'key': None, 'vlan_id': get(pg, 'spec.vlanId', 0),
                    'security': effective, 'security_override': override,
                })
            facts['virtual_switches'].append(entry)
        for vnic in as_list(h.get('config.network.vnic')):
            spec = get(vnic, 'spec')
            pgname = get(vnic, 'portgroup') or get(spec, 'portgroup')
            if not pgname:
                dvpg = dvpg_by_key.get(get(spec, 'distributedVirtualPort.portgroupKey'))
                pgname = dvpg.get('name') if dvpg else None
            facts['vmkernel_nics'].append({
                'name': get(vnic, 'device'), 'host': hname, 'portgroup': pgname,
                'mtu': get(spec, 'mtu'), 'mac': mac(get(spec, 'mac')),
                'addresses': _addresses(get(spec, 'ip')),
            })
        for pnic in as_list(h.get('config.network.pnic')):
            link = get(pnic, 'linkSpeed')
            duplex = get(link, 'duplex')
            facts['physical_nics'].append({
                'name': get(pnic, 'device'), 'host': hname, 'link_up': link is not None,
                'speed_mbps': get(link, 'speedMb'),
                'duplex': None if link is None else ('full' if duplex else 'half'),
                'mac': mac(get(pnic, 'mac')),
            })

    # VM NICs
    for v in sorted(vms, key=lambda x: x.get('name') or ''):
        hid = moid(v.get('runtime.host'))
        guest = as_list(v.get('guest.net'))
        for dev in as_list(v.get('config.hardware.device')):
            if get(dev, 'macAddress') is None and 'Ethernet' not in type_name(dev) \
                    and 'Vmxnet' not in type_name(dev) and 'E1000' not in type_name(dev):
                continue
            key = get(dev, 'key')
            backing = get(dev, 'backing')
            bname = type_name(backing)
            switch = portgroup = vlan = None
            if 'DistributedVirtualPort' in bname:
                pgkey = get(backing, 'port.portgroupKey')
                dvpg = dvpg_by_key.get(pgkey)
                dvs = dvs_by_uuid.get(get(backing, 'port.switchUuid'))
                portgroup = dvpg.get('name') if dvpg else pgkey
                switch = dvs.get('name') if dvs else None
                vlan = _dv_vlan(dvpg.get('config.defaultPortConfig')) if dvpg else None
            elif 'OpaqueNetwork' in bname:
                portgroup = get(backing, 'opaqueNetworkId')
            else:
                portgroup = get(backing, 'deviceName')
                pg = host_pgs.get(hid, {}).get(portgroup)
                if pg is not None:
                    switch = get(pg, 'spec.vswitchName')
                    vlan = get(pg, 'spec.vlanId', 0)
            gnics = [g for g in guest if get(g, 'deviceConfigId') == key]
            ips = []
            for g in gnics:
                for ip in as_list(get(g, 'ipAddress')):
                    c = _canonical_ip(ip)
                    if c and c not in ips:
                        ips.append(c)
            facts['vm_nics'].append({
                'vm': v.get('name'), 'host': host_names.get(hid), 'label': get(dev, 'deviceInfo.label'),
                'key': key, 'mac': mac(get(dev, 'macAddress')),
                'connected': get(dev, 'connectable.connected'),
                'start_connected': get(dev, 'connectable.startConnected'),
                'switch': switch, 'portgroup': portgroup, 'vlan_id': vlan, 'mac_spoofing': None,
                'guest_ips': ips, 'guest_macs': [mac(get(g, 'macAddress')) for g in gnics if get(g, 'macAddress')],
                'power_state': v.get('runtime.powerState'),
            })

    facts['duplicate_macs'] = duplicate_macs(facts['vm_nics'])
    return facts


def duplicate_macs(vm_nics):
    seen = {}
    for nic in vm_nics:
        if nic.get('mac'):
            seen.setdefault(nic['mac'], []).append({'vm': nic['vm'], 'label': nic['label']})
    return [{'mac': m, 'nics': nics} for m, nics in sorted(seen.items()) if len(nics) > 1]
