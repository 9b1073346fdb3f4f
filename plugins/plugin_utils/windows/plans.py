# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change planners for the Windows/Hyper-V fixers. Pure: ``plan_*(want, facts)`` compares what
is wanted with the normalised facts (windows/facts.py) and returns a plan::

    {'changes': [{'action': ..., ...}], 'commands': [PowerShell text, one per change],
     'before': {...}, 'after': {...}, 'warnings': [...]}

``commands`` is exactly what the action plugin sends (windows/ps.py ``change_script``); an
empty ``changes`` list means the host is already right. Inputs are validated here (addresses
with ``ipaddress``, MAC, VLAN 0-4094, MTU ranges); every value enters PowerShell quoted.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import ipaddress

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import firewall as wfw
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.facts import mac as norm_mac, ps_mac
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.ps import Raw, cmd, quote

PS_FAMILY = {'ipv4': 'IPv4', 'ipv6': 'IPv6'}
PS_PROTOCOL = {'ipv4': 'ICMPv4', 'ipv6': 'ICMPv6'}
DEFAULT_DST = {'ipv4': '0.0.0.0/0', 'ipv6': '::/0'}
MTU_RANGE = {'ipv4': (576, 9014), 'ipv6': (1280, 9014)}
RULE_GROUP = 'vmnet.doctor'


def _plan(changes, commands, before, after, warnings=None):
    return {'changes': changes, 'commands': commands, 'before': before, 'after': after,
            'warnings': warnings or []}


def result_of(plan, observed=None):
    """The fixer result (the one shape of every vmnet.doctor fixer, see ``fixer_registry``) of a
    plan: ``after`` is ``observed`` (the state read back after applying) when given, else the
    plan's prediction (check mode). Windows changes take effect at once: ``runtime_only`` False."""
    return {'changed': bool(plan['changes']), 'changes': plan['changes'], 'commands': plan['commands'],
            'before': plan['before'], 'after': plan['after'] if observed is None else observed,
            'warnings': list(plan['warnings']), 'runtime_only': False}


def _network(value, what):
    try:
        return ipaddress.ip_network(u'%s' % value, strict=False)
    except ValueError:
        raise DoctorError('%s %r is not an IP address or prefix' % (what, value))


def _address(value, what):
    try:
        return ipaddress.ip_address(u'%s' % value)
    except ValueError:
        raise DoctorError('%s %r is not an IP address' % (what, value))


def _iface(facts, name):
    for iface in facts.get('interfaces') or []:
        if iface.get('name') == name:
            return iface
    known = ', '.join(sorted(i.get('name') for i in facts.get('interfaces') or [] if i.get('name')))
    raise DoctorError('interface %r not found on %s (known: %s)' % (name, facts.get('hostname'), known))


# ----------------------------------------------------------------------------- ICMP echo rule

def icmp_rule_name(base, family):
    return '%s-%s' % (base, PS_PROTOCOL[family])


def _profiles_wanted(want, model, facts):
    if want.get('profiles'):
        return [p.capitalize() for p in want['profiles']]
    used = sorted(set(wfw.iface_profile(model, i['name']) for i in facts.get('interfaces') or []
                      if i.get('kind') != 'loopback' and i.get('carrier') is not False and i.get('addresses')),
                  key=wfw.PROFILES.index)
    return used or ['Public']


def _rule_allows(rule, profile, family, src_net, model):
    local_any = _network(wfw.ICMP_ANY_LOCAL[family], 'local')
    return wfw.rule_match(rule, profile, 'Inbound', family, 'echo-request', src_net, local_any, model) == 'yes'


def _as_enabled(rule):
    out = dict(rule)
    out['enabled'] = True
    return out


def plan_icmp_rule(want, facts):
    """Let ICMP echo requests from ``want['source']`` in, for the wanted profiles and families."""
    model = copy.deepcopy((facts.get('firewall') or {}).get('windows') or {})
    if not model.get('profiles'):
        raise DoctorError('the Windows Firewall profiles could not be read on %s' % facts.get('hostname'))
    source = want.get('source') or 'any'
    families = ['ipv4', 'ipv6'] if want.get('ip_version') == 'both' else [want.get('ip_version') or 'ipv4']
    if source != 'any':
        net = _network(source, 'source')
        families = [f for f in families if (f == 'ipv4') == (net.version == 4)]
        if not families:
            raise DoctorError('source %s does not match ip_version %s' % (source, want.get('ip_version')))
    profiles = _profiles_wanted(want, model, facts)
    rules = dict((r['name'], r) for r in model['rules'])
    changes, commands, warnings = [], [], []
    before, after = {'profiles': {}, 'rules': {}}, {'profiles': {}, 'rules': {}}

    def record(rule_name, old, new):
        before['rules'][rule_name] = old
        after['rules'][rule_name] = new

    for family in families:
        src_net = _network(wfw.ICMP_ANY_LOCAL[family] if source == 'any' else source, 'source')
        src_text = 'Any' if source == 'any' else str(src_net)
        name = icmp_rule_name(want.get('name') or 'vmnet.doctor-echo-request', family)
        mine = rules.get(name)
        if want.get('state') == 'absent':
            if mine is not None:
                changes.append({'action': 'remove_rule', 'name': name})
                commands.append(cmd('Remove-NetFirewallRule', Name=name))
                record(name, _rule_view(mine), None)
            continue
        missing = []
        for profile in profiles:
            prof = model['profiles'].get(profile)
            if prof is None:
                raise DoctorError('firewall profile %s was not read on %s' % (profile, facts.get('hostname')))
            if not prof['enabled']:
                continue
            blocking = [r for r in model['rules'] if r['action'] == 'Block' and wfw.rule_match(
                r, profile, 'Inbound', family, 'echo-request', src_net,
                _network(wfw.ICMP_ANY_LOCAL[family], 'local'), model) != 'no']
            for rule in blocking:
                if not want.get('disable_blocking_rules'):
                    raise DoctorError('block rule %s (%s) drops %s echo requests from %s in profile %s; block '
                                      'rules override allow rules: disable it (disable_blocking_rules=true) or '
                                      'change it by hand' % (rule['name'], rule.get('display_name'),
                                                             PS_PROTOCOL[family], src_text, profile),
                                      obj=rule['name'])
                if rule['source'] not in ('Local', None):
                    raise DoctorError('block rule %s comes from %s, not the local store: change it there'
                                      % (rule['name'], wfw.source_text(rule['source'])), obj=rule['name'])
                if not any(c.get('name') == rule['name'] and c['action'] == 'disable_rule' for c in changes):
                    changes.append({'action': 'disable_rule', 'name': rule['name']})
                    commands.append(cmd('Disable-NetFirewallRule', Name=rule['name']))
                    record(rule['name'], _rule_view(rule), dict(_rule_view(rule), enabled=False))
                    rule['enabled'] = False
            if prof['allow_inbound_rules'] is False:
                if 'allow_inbound_rules' in (prof.get('gpo') or {}):
                    raise DoctorError('profile %s blocks all incoming connections (AllowInboundRules False) by Group '
                                      'Policy: the local store cannot change it; change the GPO'
                                      % profile, obj=profile)
                if not want.get('allow_inbound_rules'):
                    raise DoctorError('profile %s blocks all incoming connections (AllowInboundRules False), so no '
                                      'allow rule can let the echo in: set allow_inbound_rules=true to turn that '
                                      'off' % profile, obj=profile)
                changes.append({'action': 'set_profile', 'profile': profile, 'allow_inbound_rules': True})
                commands.append(cmd('Set-NetFirewallProfile', Name=profile, AllowInboundRules='True'))
                before['profiles'][profile] = {'allow_inbound_rules': False}
                after['profiles'][profile] = {'allow_inbound_rules': True}
                prof['allow_inbound_rules'] = True
            if prof['default_inbound'] == 'Allow':
                continue
            if any(r['action'] != 'Block' and _rule_allows(r, profile, family, src_net, model)
                   for r in model['rules']):
                continue
            if prof.get('allow_local_rules') is False:
                raise DoctorError('profile %s ignores local firewall rules (AllowLocalFirewallRules False%s): a local '
                                  'rule cannot let the echo in; allow it in the Group Policy that sets the profile'
                                  % (profile, ' by Group Policy' if 'allow_local_rules' in (prof.get('gpo') or {})
                                     else ''), obj=profile)
            missing.append(profile)
        if not missing:
            continue
        if want.get('prefer_builtin', True):
            for builtin in wfw.BUILTIN_ECHO_RULES[family]:
                rule = rules.get(builtin)
                usable = rule is not None and not rule['enabled'] and rule['action'] == 'Allow' \
                    and rule['source'] in ('Local', None)
                if not usable:
                    continue
                covers = [p for p in missing if _rule_allows(_as_enabled(rule), p, family, src_net, model)]
                if not covers:
                    continue
                wider = wfw.widening(rule, family, src_net, profiles, model)
                if wider and want.get('allow_widening') is False:
                    continue        # a rule scoped to the source is created instead
                changes.append({'action': 'enable_rule', 'name': builtin, 'profiles': covers})
                commands.append(cmd('Enable-NetFirewallRule', Name=builtin))
                record(builtin, _rule_view(rule), dict(_rule_view(rule), enabled=True))
                if wider:
                    changes[-1]['widens'] = wider
                    after.setdefault('opens_more_than_asked', {})[builtin] = wider
                    warnings.append('enabling the built-in rule %s (%s) opens more than asked: %s; set '
                                    'allow_widening=false (or prefer_builtin=false) for a rule scoped to %s'
                                    % (builtin, rule.get('display_name'), '; '.join(wider), src_text))
                rule['enabled'] = True
                missing = [p for p in missing if p not in covers]
                if not missing:
                    break
        if not missing:
            continue
        spec = {'Direction': 'Inbound', 'Action': 'Allow', 'Protocol': PS_PROTOCOL[family],
                'IcmpType': str(wfw.ICMP_TYPES[(family, 'echo-request')]), 'RemoteAddress': src_text}
        if mine is None:
            changes.append({'action': 'create_rule', 'name': name, 'profiles': missing, 'remote_address': src_text,
                            'family': family})
            commands.append(cmd('New-NetFirewallRule', Name=name, DisplayName=name, Group=RULE_GROUP,
                                Description='Allow ICMP echo requests (vmnet.doctor)', Enabled='True',
                                Profile=list(missing), **spec))
            record(name, None, {'enabled': True, 'profiles': missing, 'remote_address': [src_text],
                                'action': 'Allow', 'protocol': PS_PROTOCOL[family]})
        else:
            profs = missing if 'Any' in mine['profiles'] else sorted(
                set(mine['profiles']) | set(missing), key=wfw.PROFILES.index)
            changes.append({'action': 'update_rule', 'name': name, 'profiles': profs, 'remote_address': src_text,
                            'family': family})
            commands.append(cmd('Set-NetFirewallRule', Name=name, Enabled='True', Profile=list(profs), **spec))
            record(name, _rule_view(mine), {'enabled': True, 'profiles': profs, 'remote_address': [src_text],
                                            'action': 'Allow', 'protocol': PS_PROTOCOL[family]})
    return _plan(changes, commands, before, after, warnings)


def observed_icmp_rule(plan, facts):
    """The rules and profiles a win_icmp_rule plan touched, as read in ``facts`` (the plan's own
    ``before`` lists only what it was about to change)."""
    model = (facts.get('firewall') or {}).get('windows') or {}
    rules = dict((r['name'], r) for r in model.get('rules') or [])
    profiles = model.get('profiles') or {}
    return {'profiles': dict((p, {'allow_inbound_rules': (profiles.get(p) or {}).get('allow_inbound_rules')})
                             for p in plan['after']['profiles']),
            'rules': dict((n, _rule_view(rules[n]) if n in rules else None) for n in plan['after']['rules'])}


def observed(planner, plan, again, facts):
    """The state after applying ``plan``, read back: ``again`` is the plan on the facts read after
    the change (its ``before`` is the observed state, except for win_icmp_rule, see above)."""
    if planner is plan_icmp_rule:
        return observed_icmp_rule(plan, facts)
    return again['before']


def _rule_view(rule):
    keys = ('display_name', 'enabled', 'profiles', 'action', 'protocol', 'icmp_types', 'remote_address', 'group')
    return dict((k, copy.deepcopy(rule.get(k))) for k in keys)


# ----------------------------------------------------------------------------- default gateway

def plan_default_gateway(want, facts):
    state = want.get('state') or 'present'
    if not want.get('gateway'):
        raise DoctorError('gateway is required')
    gateway = _address(want['gateway'], 'gateway')
    family = 'ipv4' if gateway.version == 4 else 'ipv6'
    metric = want.get('metric')
    if metric is not None and not 0 <= metric <= 9999:
        raise DoctorError('metric %s is out of range (0-9999)' % metric)
    if want.get('interface'):
        iface = _iface(facts, want['interface'])
    else:
        iface = None
        for cand in facts.get('interfaces') or []:
            for addr in cand.get('addresses') or []:
                if addr.get('family') == family and addr.get('network') and \
                        gateway in ipaddress.ip_network(addr['network']) and addr.get('scope') != 'host':
                    iface = iface or cand
        if iface is None and state == 'present':
            raise DoctorError('gateway %s is on no connected subnet of %s; name the interface' % (
                gateway, facts.get('hostname')))
    defaults = [r for r in facts.get('routes') or [] if r.get('family') == family and r.get('dst') == 'default'
                and r.get('store') in (None, 'ActiveStore')]
    on_iface = [r for r in defaults if iface is None or r.get('dev') == iface['name']]
    ours = [r for r in on_iface if r.get('gateway') == str(gateway)]
    view = [{'interface': r.get('dev'), 'gateway': r.get('gateway'), 'metric': r.get('metric')} for r in defaults]
    changes, commands = [], []
    after = list(view)

    def remove(route):
        changes.append({'action': 'remove_route', 'interface': route.get('dev'), 'gateway': route.get('gateway'),
                        'metric': route.get('metric')})
        commands.append(cmd('Remove-NetRoute', 'Confirm:$false', DestinationPrefix=DEFAULT_DST[family],
                            InterfaceIndex=route.get('ifindex'), NextHop=route.get('gateway') or (
                                '0.0.0.0' if family == 'ipv4' else '::')))
        after.remove({'interface': route.get('dev'), 'gateway': route.get('gateway'), 'metric': route.get('metric')})

    if state == 'absent':
        for route in ours:
            remove(route)
        return _plan(changes, commands, {'default_routes': view}, {'default_routes': after})
    others = [r for r in (defaults if want.get('exclusive') else on_iface) if r.get('gateway') != str(gateway)]
    for route in others:
        remove(route)
    if not ours:
        changes.append({'action': 'add_route', 'interface': iface['name'], 'gateway': str(gateway), 'metric': metric})
        commands.append(cmd('New-NetRoute', DestinationPrefix=DEFAULT_DST[family], InterfaceIndex=iface['ifindex'],
                            NextHop=str(gateway), RouteMetric=metric))
        after.append({'interface': iface['name'], 'gateway': str(gateway), 'metric': metric})
    elif metric is not None and all(r.get('metric') != metric for r in ours):
        route = ours[0]
        changes.append({'action': 'set_metric', 'interface': route.get('dev'), 'gateway': str(gateway),
                        'metric': metric})
        commands.append(cmd('Set-NetRoute', DestinationPrefix=DEFAULT_DST[family], InterfaceIndex=route.get('ifindex'),
                            NextHop=str(gateway), RouteMetric=metric))
        after[after.index({'interface': route.get('dev'), 'gateway': route.get('gateway'),
                           'metric': route.get('metric')})] = {'interface': route.get('dev'), 'gateway': str(gateway),
                                                               'metric': metric}
    warnings = []
    if not want.get('exclusive'):
        rest = [r for r in defaults if r not in on_iface and r.get('gateway') != str(gateway)]
        if rest:
            warnings.append('other default routes left in place (exclusive=false): %s' % ', '.join(
                '%s via %s' % (r.get('dev'), r.get('gateway')) for r in rest))
    return _plan(changes, commands, {'default_routes': view}, {'default_routes': after}, warnings)


# ----------------------------------------------------------------------------- interface MTU

def plan_interface_mtu(want, facts):
    iface = _iface(facts, want.get('interface'))
    mtu = want.get('mtu')
    families = ['ipv4', 'ipv6'] if want.get('ip_version', 'both') == 'both' else [want['ip_version']]
    have = iface.get('mtu_by_family') or {}
    families = [f for f in families if f in have]
    if not families:
        raise DoctorError('interface %s has no IP interface of the family asked (%s)' % (
            iface['name'], want.get('ip_version', 'both')))
    for fam in families:
        low, high = MTU_RANGE[fam]
        if not isinstance(mtu, int) or not low <= mtu <= high:
            raise DoctorError('mtu %s is out of range for %s (%d-%d)' % (mtu, fam, low, high))
    if iface.get('max_mtu') and mtu > iface['max_mtu']:
        raise DoctorError('mtu %d exceeds the link MTU %d of adapter %s: raise its Jumbo Packet setting first'
                          % (mtu, iface['max_mtu'], iface['name']), obj=iface['name'])
    changes, commands = [], []
    before = dict((f, have.get(f)) for f in families)
    after = dict(before)
    for fam in families:
        if have.get(fam) != mtu:
            changes.append({'action': 'set_mtu', 'interface': iface['name'], 'family': fam, 'mtu': mtu})
            commands.append(cmd('Set-NetIPInterface', InterfaceIndex=iface['ifindex'], AddressFamily=PS_FAMILY[fam],
                                NlMtuBytes=mtu))
            after[fam] = mtu
    return _plan(changes, commands, {'interface': iface['name'], 'mtu': before},
                 {'interface': iface['name'], 'mtu': after})


# ----------------------------------------------------------------------------- Hyper-V VM adapter

def _select_nic(want, facts):
    nics = [n for n in facts.get('vm_nics') or [] if n.get('vm') == want['vm']]
    if not nics:
        raise DoctorError('VM %r has no network adapter on %s' % (want['vm'], facts.get('hostname')))
    if want.get('mac'):
        wanted = norm_mac(want['mac'])
        if wanted is None:
            raise DoctorError('mac %r is not a MAC address' % want['mac'])
        nics = [n for n in nics if n.get('mac') == wanted]
        how = 'mac %s' % wanted
    elif want.get('adapter'):
        nics = [n for n in nics if n.get('label') == want['adapter']]
        how = 'name %s' % want['adapter']
    else:
        how = 'the only adapter'
    if len(nics) != 1:
        raise DoctorError('%d adapters of VM %s match %s: name it with mac (names may repeat)' % (
            len(nics), want['vm'], how))
    return nics[0]


def _select_command(want, nic):
    """``$a = @(...)`` selecting exactly this adapter, and a guard that it is exactly one."""
    if nic.get('mac'):
        where = '$_.MacAddress -eq %s' % quote(ps_mac(nic['mac']))
    else:
        where = '$_.Name -eq %s' % quote(nic.get('label'))
    return [u'$a = @(Get-VMNetworkAdapter -VMName %s | Where-Object { %s })' % (quote(want['vm']), where),
            u"if ($a.Count -ne 1) { throw ('expected one adapter, found {0}' -f $a.Count) }"]


def plan_vm_nic(want, facts):
    nic = _select_nic(want, facts)
    vlan = want.get('vlan_id')
    if vlan is not None and not 0 <= vlan <= 4094:
        raise DoctorError('vlan_id %s is out of range (0 = untagged, 1-4094 access)' % vlan)
    switches = [s.get('name') for s in facts.get('virtual_switches') or []]
    if want.get('switch') is not None and want['switch'] not in switches:
        raise DoctorError('virtual switch %r not found on %s (known: %s)' % (
            want['switch'], facts.get('hostname'), ', '.join(sorted(switches))))
    keys = ('switch', 'connected', 'vlan_id', 'vlan_mode', 'mac_spoofing')
    before = dict((k, nic.get(k)) for k in keys)
    after = dict(before)
    changes, commands = [], []
    target = Raw('$a[0]')
    if want.get('switch') is not None and (nic.get('switch') != want['switch'] or not nic.get('connected')):
        changes.append({'action': 'connect', 'switch': want['switch']})
        commands.append(cmd('Connect-VMNetworkAdapter', VMNetworkAdapter=target, SwitchName=want['switch']))
        after.update({'switch': want['switch'], 'connected': True})
    if vlan is not None:
        if vlan == 0 and nic.get('vlan_mode') != 'untagged':
            changes.append({'action': 'set_vlan', 'vlan_id': 0, 'mode': 'untagged'})
            commands.append(cmd('Set-VMNetworkAdapterVlan', 'Untagged', VMNetworkAdapter=target))
            after.update({'vlan_id': 0, 'vlan_mode': 'untagged'})
        elif vlan and (nic.get('vlan_mode') != 'access' or nic.get('vlan_id') != vlan):
            changes.append({'action': 'set_vlan', 'vlan_id': vlan, 'mode': 'access'})
            commands.append(cmd('Set-VMNetworkAdapterVlan', 'Access', VMNetworkAdapter=target, VlanId=vlan))
            after.update({'vlan_id': vlan, 'vlan_mode': 'access'})
    spoof = want.get('mac_spoofing')
    if spoof is not None and nic.get('mac_spoofing') is not spoof:
        changes.append({'action': 'set_mac_spoofing', 'mac_spoofing': spoof})
        commands.append(cmd('Set-VMNetworkAdapter', VMNetworkAdapter=target, MacAddressSpoofing='On' if spoof else 'Off'))
        after['mac_spoofing'] = spoof
    if changes:
        commands = _select_command(want, nic) + commands
    ident = {'vm': want['vm'], 'adapter': nic.get('label'), 'mac': nic.get('mac')}
    before.update(ident)
    after.update(ident)
    return _plan(changes, commands, before, after)
