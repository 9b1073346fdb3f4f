# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fixer registry: one entry per vmnet.doctor fixer, the only place that lists them.

Every fixer, on every platform, returns one result shape (``RESULT_KEYS``)::

    {changed, changes: [{'action': ..., ...}], commands: ['text', ...], before, after,
     warnings: [...], runtime_only}

``changes`` is the list of structured changes (each a dict with ``action``), ``commands`` what was
(or, in check mode, would be) run, as text; ``after`` is read back from the host after a real
run and predicted in check mode. ``warnings`` of a module become Ansible's own ``warnings``
(``module.warn``; the key is there only when there are some). The gates: ``fixers/common.py``
``gate`` (Linux), ``vmware_config.gate`` (VMware), ``plugin_utils/windows/action.py`` ``fix`` with
``windows/plans.result_of`` (Windows).

An entry (``FIXERS[name]``) says:

* ``platform``: ``linux``, ``windows`` or ``vmware``;
* ``runs``: ``module`` (an Ansible module on the fix's host), ``action`` (a controller action
  plugin that talks to the host over its winrm/psrp connection) or ``controller`` (a module run
  on the controller against vCenter, with the vCenter connection in its arguments);
* ``guard``: the arguments naming an interface the management guard must protect
  (``{'args': (...), 'unset': bool}``; ``unset``: a fix without that argument is guarded too),
  or None;
* ``unguarded``: the fix may cut the connection to a host that has no guard: proposed as
  manual, never applied automatically;
* ``inverse``: ``inverse(args, result) -> (calls, reason)``: the fixer calls that restore the
  state before the fix (from the fixer's own ``before``/``after``/``changes``), or None and why;
* ``linux_twin`` / ``from_linux`` (Windows fixers): the Linux fixer taking the same decision and
  the translation of its arguments (``from_linux(args)`` -> args, or None when there is no safe
  translation).

Pure: no I/O. Controller-side (remediation, diagnosis); it lives in module_utils until the
controller code moves to plugin_utils, because module_utils files may not import plugin_utils.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import rollback as win_inverse

PREFIX = 'vmnet.doctor.'
RESULT_KEYS = ('changed', 'changes', 'commands', 'before', 'after', 'warnings', 'runtime_only')
VMWARE_CONNECTION = ('hostname', 'port', 'username', 'validate_certs')


def short_name(name):
    name = str(name or '')
    return name[len(PREFIX):] if name.startswith(PREFIX) else name


def call(module, args):
    return {'module': PREFIX + module, 'args': args}


# ------------------------------------------------------------------ inverses of the Linux fixers
def _route_args(route, family):
    args = {'gateway': route.get('gateway')}
    if route.get('dev'):
        args['device'] = route['dev']
    if route.get('metric') is not None:
        args['metric'] = route['metric']
    if family:
        args['family'] = family
    return args


def icmp_rule_inverse(args, result):
    if args.get('remove_rule'):
        return None, 'the dropping rule was deleted; icmp_rule cannot re-create it'
    if args.get('state', 'present') != 'present':
        return None, 'icmp_rule state=absent removed accept rules; they are not re-created'
    changes = [c for c in result.get('changes') or [] if isinstance(c, dict)]
    zone_level = [c.get('action') for c in changes
                  if c.get('backend') == 'firewalld' and 'rich rule' not in str(c.get('action'))]
    if zone_level:
        return None, ('icmp_rule changed firewalld zone settings (%s); state=absent removes only its rich rules'
                      % ', '.join(sorted(set(zone_level))))
    undo = dict((k, v) for k, v in args.items() if k not in ('persist',))
    undo['state'] = 'absent'
    if args.get('persist') and any(c.get('backend') in ('firewalld', 'ufw') for c in changes):
        undo['persist'] = True   # firewall-cmd --permanent / the before.rules line: removed exactly
    return [call('icmp_rule', undo)], None


def mac_allow_inverse(args, result):
    if args.get('state', 'present') != 'present':
        return None, 'mac_allow state=absent removed accept rules; they are not re-created'
    return [call('mac_allow', dict(args, state='absent'))], None


def _keep_persist(args, result, calls):
    # a fix that was persisted is undone in the manager's configuration too
    if args.get('persist') and result.get('persisted'):
        for c in calls:
            c['args']['persist'] = True
    return calls, None


def default_gateway_inverse(args, result):
    before, after = result.get('before') or {}, result.get('after') or {}
    family = before.get('family')
    routes = before.get('default_routes') or []
    if routes:
        return _keep_persist(args, result, [call('default_gateway', _route_args(routes[0], family))])
    added = (after.get('default_routes') or [{}])[0]
    undo = {'state': 'absent', 'family': family}
    if added.get('gateway'):
        undo['gateway'] = added['gateway']
    return _keep_persist(args, result, [call('default_gateway', undo)])


def static_route_inverse(args, result):
    before = result.get('before') or {}
    routes = before.get('routes') or []
    prefix = before.get('prefix') or args.get('prefix')
    table = before.get('table') or args.get('table') or 'main'
    if routes:
        undo = _route_args(routes[0], None)
        undo.update({'prefix': prefix, 'table': table})
        if not undo.get('gateway'):
            undo.pop('gateway')
        return _keep_persist(args, result, [call('static_route', undo)])
    return _keep_persist(args, result, [call('static_route', {'prefix': prefix, 'table': table, 'state': 'absent'})])


def interface_mtu_inverse(args, result):
    mtus = (result.get('before') or {}).get('mtu') or {}
    changed = (result.get('after') or {}).get('mtu') or {}
    return _keep_persist(args, result, [call('interface_mtu', {'interface': name, 'mtu': int(mtu)})
                                        for name, mtu in sorted(mtus.items()) if changed.get(name) != mtu])


def link_state_inverse(args, result):
    before = result.get('before') or {}
    if before.get('admin_up') is None:
        return None, 'the previous link state is unknown'
    return [call('link_state', {'interface': before.get('interface') or args['interface'],
                                'state': 'up' if before['admin_up'] else 'down'})], None


def libvirt_network_inverse(args, result):
    before = result.get('before') or {}
    if not before.get('xml'):
        return None, 'the network definition before the fix is unknown'
    undo = {'name': args['name'], 'xml': before['xml'], 'state': 'active' if before.get('active') else 'inactive',
            'autostart': bool(before.get('autostart'))}
    if args.get('uri'):
        undo['uri'] = args['uri']
    return [call('libvirt_network', undo)], None


def libvirt_interface_inverse(args, result):
    before = (result.get('before') or {}).get('config') or (result.get('before') or {}).get('live')
    if not before:
        return None, 'the guest NIC before the fix is unknown'
    undo = dict((k, args[k]) for k in ('domain', 'mac', 'uri', 'restart', 'shutdown_timeout') if k in args)
    undo.update((k, before[k]) for k in ('link_state', 'network') if args.get(k) is not None)
    return [call('libvirt_interface', undo)], None


def bridge_vlan_inverse(args, result):
    before, after = result.get('before') or {}, result.get('after') or {}
    port = before.get('port') or args.get('port')
    calls = []
    added = sorted(set(after.get('vids') or []) - set(before.get('vids') or []))
    if added:
        calls.append(call('bridge_vlan', {'port': port, 'vids': added, 'state': 'absent'}))
    if before.get('pvid') is not None and before.get('pvid') != after.get('pvid'):
        calls.append(call('bridge_vlan', {'port': port, 'pvid': before['pvid']}))
    return calls, None


def neighbor_inverse(args, result):
    before = result.get('before') or {}
    address = before.get('address') or args.get('address')
    entries = before.get('entries') or []
    if args.get('state', 'present') == 'absent':
        return [call('neighbor', {'address': address, 'device': e['dev'], 'mac': e['mac'], 'nud': 'permanent'})
                for e in entries
                if str(e.get('state', '')).upper() == 'PERMANENT' and e.get('mac') and e.get('dev')], None
    if entries and entries[0].get('mac'):
        e = entries[0]
        return [call('neighbor', {'address': address, 'device': e.get('dev') or args.get('device'),
                                  'mac': e['mac'],
                                  'nud': 'permanent' if str(e.get('state', '')).upper() == 'PERMANENT'
                                  else 'reachable'})], None
    return [call('neighbor', {'address': address, 'device': args.get('device'), 'state': 'absent'})], None


def net_sysctl_inverse(args, result):
    before = result.get('before') or {}
    if before.get('value') is None:
        return None, 'the previous value is unknown'
    undo = {'name': args['name'], 'value': int(before['value'])}
    if args.get('interface'):
        undo['interface'] = args['interface']
    return [call('net_sysctl', undo)], None


def ovs_port_vlan_inverse(args, result):
    before, after = result.get('before') or {}, result.get('after') or {}
    undo = dict((k, args[k]) for k in ('port', 'bridge', 'rundir') if args.get(k))
    for field in ('tag', 'trunks', 'vlan_mode'):
        if field in args and before.get(field) != after.get(field):
            if before.get(field) is None and field != 'trunks':
                return None, 'the port had no %s before; ovs_port_vlan does not clear it' % field
            undo[field] = before.get(field) or []
    return [call('ovs_port_vlan', undo)], None


def ovs_interface_inverse(args, result):
    before, after = result.get('before') or {}, result.get('after') or {}
    undo = dict((k, args[k]) for k in ('interface', 'rundir') if args.get(k))
    if 'peer' in args and before.get('peer') != after.get('peer'):
        if not before.get('peer'):
            return None, 'the patch interface had no peer before; ovs_interface does not clear it'
        undo['peer'] = before['peer']
    if 'mtu_request' in args and before.get('mtu_request') != after.get('mtu_request'):
        undo['mtu_request'] = before.get('mtu_request') or 0
    if 'peer' not in undo and 'mtu_request' not in undo:
        return [], None
    return [call('ovs_interface', undo)], None


def ovs_port_config_inverse(args, result):
    before, after = result.get('before') or {}, result.get('after') or {}
    undo = dict((k, args[k]) for k in ('port', 'bridge', 'rundir') if args.get(k))
    fields = dict((k, before[k]) for k in ('receive', 'forward', 'flood') if k in args and before.get(k) != after.get(k))
    if not fields:
        return [], None
    undo.update(fields)
    return [call('ovs_port_config', undo)], None


def ovs_flow_inverse(args, result):
    before = result.get('before') or {}
    undo = dict((k, args[k]) for k in ('bridge', 'table', 'priority', 'cookie', 'match', 'rundir') if k in args)
    if before.get('present'):
        undo.update({'state': 'present', 'actions': before.get('actions') or 'drop'})
    else:
        undo['state'] = 'absent'
    return [call('ovs_flow', undo)], None


# ------------------------------------------------------------------ inverses of the VMware fixers
def _vmware_inverse(module, keep):
    def inverse(args, result):
        """The call that sets back the fields the fix changed (``changes[].before``), on the same
        object with the same connection options (the password is added again at run time)."""
        changes = result.get('changes') or []
        if not changes:
            return [], None
        undo = dict((k, v) for k, v in args.items() if k in VMWARE_CONNECTION + keep)
        for change in changes:
            if change.get('before') is None:
                return None, 'the previous %s is unknown' % change.get('field')
            undo[change['field']] = change['before']
        return [call(module, undo)], None
    inverse.__name__ = '%s_inverse' % module
    return inverse


# ------------------------------------------------------------------ argument translation
def win_interface_mtu_from_linux(args):
    return {'interface': args.get('interface'), 'mtu': args.get('mtu')}


def win_default_gateway_from_linux(args):
    if args.get('state', 'present') != 'present':
        return None
    new = {'gateway': args.get('gateway')}
    if args.get('device'):
        new['interface'] = args['device']
    if args.get('metric') is not None:
        new['metric'] = args['metric']
    return new


# ------------------------------------------------------------------ the registry
def _entry(platform, runs, inverse, guard=None, unguarded=False, linux_twin=None, from_linux=None, persist=False):
    # persist: the fixer takes ``persist: true`` (remediate's doctor_persist turns it on)
    return {'platform': platform, 'runs': runs, 'inverse': inverse, 'guard': guard, 'unguarded': unguarded,
            'linux_twin': linux_twin, 'from_linux': from_linux, 'persist': persist}


FIXERS = {
    'icmp_rule': _entry('linux', 'module', icmp_rule_inverse, persist=True),
    'mac_allow': _entry('linux', 'module', mac_allow_inverse),
    'default_gateway': _entry('linux', 'module', default_gateway_inverse, guard={'args': ('device',), 'unset': True},
                              persist=True),
    'static_route': _entry('linux', 'module', static_route_inverse, guard={'args': ('device',), 'unset': True},
                           persist=True),
    'interface_mtu': _entry('linux', 'module', interface_mtu_inverse, guard={'args': ('interface',)}, persist=True),
    'link_state': _entry('linux', 'module', link_state_inverse, guard={'args': ('interface',)}),
    'bridge_vlan': _entry('linux', 'module', bridge_vlan_inverse, guard={'args': ('port',)}),
    'neighbor': _entry('linux', 'module', neighbor_inverse),
    'libvirt_network': _entry('linux', 'module', libvirt_network_inverse),
    'libvirt_interface': _entry('linux', 'module', libvirt_interface_inverse),
    'net_sysctl': _entry('linux', 'module', net_sysctl_inverse),
    'ovs_port_vlan': _entry('linux', 'module', ovs_port_vlan_inverse),
    'ovs_flow': _entry('linux', 'module', ovs_flow_inverse),
    'ovs_interface': _entry('linux', 'module', ovs_interface_inverse),
    'ovs_port_config': _entry('linux', 'module', ovs_port_config_inverse),
    'vmware_vswitch_policy': _entry('vmware', 'controller', _vmware_inverse(
        'vmware_vswitch_policy', ('switch_type', 'esxi_hostname', 'switch', 'portgroup'))),
    'vmware_vm_nic': _entry('vmware', 'controller', _vmware_inverse(
        'vmware_vm_nic', ('vm', 'label', 'mac', 'portgroup_type'))),
    'win_icmp_rule': _entry('windows', 'action', win_inverse.win_icmp_rule_inverse),
    'win_default_gateway': _entry('windows', 'action', win_inverse.win_default_gateway_inverse, unguarded=True,
                                  linux_twin='default_gateway', from_linux=win_default_gateway_from_linux),
    'win_interface_mtu': _entry('windows', 'action', win_inverse.win_interface_mtu_inverse, unguarded=True,
                                linux_twin='interface_mtu', from_linux=win_interface_mtu_from_linux),
    'hyperv_vm_nic': _entry('windows', 'action', win_inverse.hyperv_vm_nic_inverse),
}


def names(platform=None, runs=None, **flags):
    """Fixer names (registry order), filtered by platform, how they run and entry flags."""
    return tuple(name for name, e in FIXERS.items()
                 if (platform is None or e['platform'] == platform) and (runs is None or e['runs'] == runs)
                 and all(bool(e.get(k)) == bool(v) for k, v in flags.items()))


def entry(name):
    """The registry entry of a fixer (short name or FQCN), or None."""
    return FIXERS.get(short_name(name))


def windows_twin(linux_name):
    """The Windows fixer taking the same decision as a Linux fixer, or None."""
    for name, e in FIXERS.items():
        if e['linux_twin'] == short_name(linux_name):
            return name
    return None


def guarded_interface(name, args):
    """``(guarded, names)``: does the fixer take an interface the management guard protects, and
    which interfaces it names (``names`` empty and ``guarded`` True: any, e.g. a route without
    a device)."""
    e = entry(name)
    if not e or not e['guard']:
        return False, []
    values = [(args or {}).get(a) for a in e['guard']['args']]
    named = [v for v in values if v not in (None, '')]
    return bool(named) or bool(e['guard'].get('unset')), named


def inverse(name, args, result):
    """``(calls, reason)`` restoring the state before a fix: ``calls`` a list of ``{module, args}``
    (empty when nothing changed), or None with ``reason`` when it cannot be undone."""
    result = result or {}
    if not result.get('changed'):
        return [], None
    e = entry(name)
    if e is None:
        return None, 'no inverse known for %s' % name
    return e['inverse'](dict(args or {}), result)
