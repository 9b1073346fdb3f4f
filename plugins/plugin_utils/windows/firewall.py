# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Defender Firewall model: which profile applies, which rules decide an ICMP echo,
and the ordered verdict. Pure: dicts in, dicts out.

Evaluation order (Microsoft Learn, "Windows Firewall rules" / "Configure rules with group
policy"), per direction, for the profile of the interface the packet uses:

1. the profile is disabled (``Enabled`` False): no filtering, accept;
2. inbound with ``AllowInboundRules`` False ("Block all incoming connections, including those
   in the list of allowed apps"): every allow rule is ignored, drop;
3. any enabled block rule that matches: drop (block rules override allow rules);
4. any enabled allow rule that matches: accept;
5. the profile's default action (inbound ``NotConfigured`` = Block, outbound = Allow).

The firewall is stateful: an echo reply to an echo request the host sent (or accepted) passes.
Local rules are ignored when the profile's ``AllowLocalFirewallRules`` is False (group policy).
An interface named in a profile's ``DisabledInterfaceAliases`` is not filtered by that profile.
A rule scoped to a named program or service is taken as not matching ICMP (the stack answers
echo requests as the System process; ``Program`` is compared without case: real rules say
``System`` or ``SYSTEM``); the keywords Internet, Intranet, DNS, DHCP, WINS, PlayToDevice and
the like give a "maybe" match. Interface-type filters are not read.

Profile settings that Group Policy enforces are read from ``Get-NetFirewallProfile -PolicyStore
RSOP`` (section ``NetFirewallProfileGpo``): every value other than NotConfigured there wins over
the local store, so a fixer must not try to change it locally.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import shapes
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.shapes import section, reading

PROFILES = ('Domain', 'Private', 'Public')
PROFILE_FLAGS = {1: 'Domain', 2: 'Private', 4: 'Public'}
CATEGORY_PROFILE = {'DomainAuthenticated': 'Domain', 'Private': 'Private', 'Public': 'Public'}
ICMP_TYPES = {('ipv4', 'echo-request'): 8, ('ipv4', 'echo-reply'): 0,
              ('ipv6', 'echo-request'): 128, ('ipv6', 'echo-reply'): 129}
PROTOCOLS = {'ipv4': ('ICMPv4', '1'), 'ipv6': ('ICMPv6', '58')}
ENABLED = {1: 'True', 2: 'False'}
DIRECTION = {1: 'Inbound', 2: 'Outbound'}
ACTION = {0: 'NotConfigured', 2: 'Allow', 3: 'AllowBypass', 4: 'Block'}
GPO_BOOLEAN = {0: False, 1: True, 2: None}
# PolicyStoreSourceType: MS-FASP 2.2.32 FW_RULE_ORIGIN_TYPE (7 is FW_RULE_ORIGIN_MAX, unused).
STORE_SOURCE = {0: 'None', 1: 'Local', 2: 'GroupPolicy', 3: 'Dynamic', 4: 'Generated', 5: 'Hardcoded', 6: 'MDM',
                8: 'HostLocal', 9: 'HostGroupPolicy', 10: 'HostDynamic', 11: 'HostMDM'}
# What each origin is, in words for the refusals of the fixers.
STORE_SOURCE_TEXT = {
    'GroupPolicy': 'Group Policy', 'Dynamic': 'the dynamic store (set at run time by a service)',
    'Generated': 'rules the firewall generated itself', 'Hardcoded': 'the firewall\'s hard-coded defaults',
    'MDM': 'mobile device management (MDM)', 'HostLocal': 'the Hyper-V host firewall\'s local store',
    'HostGroupPolicy': 'the Hyper-V host firewall\'s Group Policy', 'HostDynamic': 'the Hyper-V host firewall\'s '
    'dynamic store', 'HostMDM': 'the Hyper-V host firewall\'s MDM policy', 'None': 'no known store',
}
# Profile settings read from the RSOP store (Group Policy) and the keys of the model.
GPO_SETTINGS = {'Enabled': 'enabled', 'DefaultInboundAction': 'default_inbound',
                'DefaultOutboundAction': 'default_outbound', 'AllowInboundRules': 'allow_inbound_rules',
                'AllowLocalFirewallRules': 'allow_local_rules', 'DisabledInterfaceAliases': 'disabled_interfaces'}
MAYBE_KEYWORDS = ('internet', 'intranet', 'dns', 'dhcp', 'wins', 'playtodevice', 'intranetremoteaccess',
                  'remotecorpnet', 'captiveportaladdresses', 'ly4', 'cloudresources')
HOOK_DIRECTION = {'input': 'Inbound', 'output': 'Outbound'}
ICMP_ANY_LOCAL = {'ipv4': '0.0.0.0/0', 'ipv6': '::/0'}

# The built-in rules that allow an inbound echo request, most specific first, by their
# stable Name (never the DisplayName, which is localised).
BUILTIN_ECHO_RULES = {
    'ipv4': ('FPS-ICMP4-ERQ-In-NoScope', 'FPS-ICMP4-ERQ-In', 'CoreNet-Diag-ICMP4-EchoRequest-In-NoScope',
             'CoreNet-Diag-ICMP4-EchoRequest-In', 'vm-monitoring-icmpv4'),
    'ipv6': ('FPS-ICMP6-ERQ-In-NoScope', 'FPS-ICMP6-ERQ-In', 'CoreNet-Diag-ICMP6-EchoRequest-In-NoScope',
             'CoreNet-Diag-ICMP6-EchoRequest-In', 'vm-monitoring-icmpv6'),
}


_list = shapes.values


def source_text(source):
    """A rule origin (PolicyStoreSourceType name) in words."""
    return '%s (%s)' % (source, STORE_SOURCE_TEXT[source]) if source in STORE_SOURCE_TEXT else str(source)


def _name(value, table):
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or str(value).isdigit():
        return table.get(int(value), str(value))
    return str(value)


def gpo_bool(value, default):
    """GpoBoolean (True/False/NotConfigured, or 1/0/2) -> bool; NotConfigured -> default."""
    if isinstance(value, bool):
        return value
    if value is None:
        return default
    if isinstance(value, int) or str(value).isdigit():
        got = GPO_BOOLEAN.get(int(value))
        return default if got is None else got
    return {'true': True, 'false': False}.get(str(value).lower(), default)


def profile_names(value):
    """Profile flags ('Any', 'Domain, Private', 0, 3, ...) -> ['Any'] or a list of names."""
    if value is None:
        return ['Any']
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(profile_names(item))
        return ['Any'] if 'Any' in out else sorted(set(out), key=PROFILES.index)
    if isinstance(value, int) or str(value).isdigit():
        flags = int(value)
        if flags == 0:
            return ['Any']
        names = [n for bit, n in sorted(PROFILE_FLAGS.items()) if flags & bit]
        return names if len(names) < 3 else ['Any']
    names = [p.strip() for p in str(value).split(',') if p.strip()]
    if 'Any' in names or set(names) >= set(PROFILES):
        return ['Any']
    return [n for n in PROFILES if n in names]


def interface_aliases(value):
    """DisabledInterfaceAliases: a list of aliases; ``NotConfigured`` (the default) means none."""
    return [a for a in (shapes.text(v) for v in _list(value)) if a and a != 'NotConfigured']


def _gpo_settings(prof):
    """The profile settings an RSOP (Group Policy) profile object enforces: {model key: value}.
    NotConfigured (GpoBoolean 2, Action 0) means Group Policy leaves the setting alone."""
    out = {}
    for prop, key in GPO_SETTINGS.items():
        value = prof.get(prop)
        if prop == 'DisabledInterfaceAliases':
            got = interface_aliases(value) or None
        elif 'Action' in prop:
            got = _name(value, ACTION)
            got = got if got in ('Allow', 'Block') else None
        else:
            got = gpo_bool(value, None)
        if got is not None:
            out[key] = got
    return out


def _profiles(raw):
    profiles = {}
    with reading('NetFirewallProfile'):
        for prof in section(raw, 'NetFirewallProfile'):
            name = shapes.text(prof.get('Name'))
            if name not in PROFILES:
                continue
            inbound = _name(prof.get('DefaultInboundAction'), ACTION)
            outbound = _name(prof.get('DefaultOutboundAction'), ACTION)
            profiles[name] = {
                'enabled': gpo_bool(prof.get('Enabled'), True),
                'default_inbound': 'Allow' if inbound == 'Allow' else 'Block',
                'default_outbound': 'Block' if outbound == 'Block' else 'Allow',
                'allow_inbound_rules': gpo_bool(prof.get('AllowInboundRules'), True),
                'allow_local_rules': gpo_bool(prof.get('AllowLocalFirewallRules'), True),
                'disabled_interfaces': interface_aliases(prof.get('DisabledInterfaceAliases')),
                'gpo': {},
            }
    with reading('NetFirewallProfileGpo'):
        for prof in section(raw, 'NetFirewallProfileGpo'):
            name = shapes.text(prof.get('Name'))
            if name in profiles:
                profiles[name]['gpo'] = _gpo_settings(prof)
    return profiles


def _filters(raw):
    filters = {}
    for name, keys in (('NetFirewallPortFilter', ('Protocol', 'IcmpType')),
                       ('NetFirewallAddressFilter', ('RemoteAddress', 'LocalAddress')),
                       ('NetFirewallApplicationFilter', ('Program',)),
                       ('NetFirewallServiceFilter', ('Service',))):
        with reading(name):
            for item in section(raw, name):
                entry = filters.setdefault(shapes.text(item.get('InstanceID')), {})
                for key in keys:
                    entry[key] = item.get(key)
    return filters


def _rule(rule, filt):
    protocol = shapes.text(filt.get('Protocol'))
    return {
        'name': shapes.text(rule.get('Name')),
        'display_name': shapes.text(rule.get('DisplayName')),
        'group': shapes.text(rule.get('Group')),
        'enabled': _name(rule.get('Enabled'), ENABLED) == 'True',
        'profiles': profile_names(rule.get('Profile')),
        'direction': _name(rule.get('Direction'), DIRECTION),
        'action': _name(rule.get('Action'), ACTION),
        'source': _name(rule.get('PolicyStoreSourceType'), STORE_SOURCE),
        'protocol': protocol if protocol else 'Any',
        'icmp_types': [str(t) for t in _list(filt.get('IcmpType'))] or ['Any'],
        'remote_address': [str(a) for a in _list(filt.get('RemoteAddress'))] or ['Any'],
        'local_address': [str(a) for a in _list(filt.get('LocalAddress'))] or ['Any'],
        'program': shapes.text(filt.get('Program')) or 'Any',
        'service': shapes.text(filt.get('Service')) or 'Any',
    }


def model_from_raw(raw, interfaces, gateways):
    """{profiles, interface_profiles, rules, local_networks, default_gateways} from the read script."""
    profiles = _profiles(raw)
    iface_profiles = {}
    with reading('NetConnectionProfile'):
        for conn in section(raw, 'NetConnectionProfile'):
            category = conn.get('NetworkCategory')
            category = {0: 'Public', 1: 'Private', 2: 'DomainAuthenticated'}.get(category, category) \
                if isinstance(category, int) else category
            alias = shapes.text(conn.get('InterfaceAlias'))
            if alias:
                iface_profiles[alias] = CATEGORY_PROFILE.get(str(category), 'Public')
    filters = _filters(raw)
    rules = []
    with reading('NetFirewallRule'):
        for rule in section(raw, 'NetFirewallRule'):
            filt = filters.get(shapes.text(rule.get('InstanceID')), filters.get(shapes.text(rule.get('Name')), {}))
            rules.append(_rule(rule, filt))
    networks = []
    for iface in interfaces:
        for addr in iface.get('addresses') or []:
            if addr.get('scope') != 'host' and addr.get('network') and addr['network'] not in networks:
                networks.append(addr['network'])
    return {'profiles': profiles, 'interface_profiles': iface_profiles, 'rules': rules,
            'local_networks': networks, 'default_gateways': list(gateways)}


# ----------------------------------------------------------------------------- address scopes

def _spec_network(spec):
    """An address spec ('192.0.2.0/24', '192.0.2.0/255.255.255.0', '192.0.2.5', 'a-b') ->
    list of networks, or None when it is a keyword."""
    spec = spec.strip()
    try:
        if '-' in spec:
            first, last = spec.split('-', 1)
            start, end = ipaddress.ip_address(first.strip()), ipaddress.ip_address(last.strip())
            return list(ipaddress.summarize_address_range(start, end))
        if '/' in spec:
            addr, mask = spec.split('/', 1)
            if '.' in mask:
                return [ipaddress.ip_network(u'%s/%s' % (addr, mask), strict=False)]
            return [ipaddress.ip_network(u'%s/%s' % (addr, int(mask)), strict=False)]
        return [ipaddress.ip_network(spec)]
    except ValueError:
        return None


def _in(net_a, net_b):
    return net_a.version == net_b.version and net_a.subnet_of(net_b)


def scope_match(specs, prefix, model, family):
    """How a RemoteAddress/LocalAddress list matches every address of ``prefix`` (a network):
    'yes' (all of them), 'maybe' (some, or a keyword we cannot resolve), or 'no'."""
    best = 'no'
    for spec in specs:
        low = spec.strip().lower()
        if low == 'any' or low == '*':
            return 'yes'
        if low in ('localsubnet', 'localsubnet4', 'localsubnet6'):
            if (low == 'localsubnet4' and family != 'ipv4') or (low == 'localsubnet6' and family != 'ipv6'):
                continue
            nets = [ipaddress.ip_network(n) for n in model.get('local_networks') or []]
        elif low == 'defaultgateway':
            nets = [ipaddress.ip_network(g) for g in model.get('default_gateways') or []]
        elif low in MAYBE_KEYWORDS:
            best = 'maybe'
            continue
        else:
            nets = _spec_network(spec)
            if nets is None:
                best = 'maybe'
                continue
        for net in nets:
            if _in(prefix, net):
                return 'yes'
            if net.version == prefix.version and net.overlaps(prefix):
                best = 'maybe'
    return best


def _icmp_match(rule, family, icmp_type):
    proto = rule['protocol']
    if proto == 'Any':
        return True
    if proto not in PROTOCOLS[family]:
        return False
    number = ICMP_TYPES[(family, icmp_type)]
    for spec in rule['icmp_types']:
        if spec == 'Any':
            return True
        typ, _sep, code = spec.partition(':')
        if typ.strip() == str(number) and code.strip() in ('', '*', '0'):
            return True
    return False


def rule_match(rule, profile, direction, family, icmp_type, remote, local, model):
    """'yes' / 'maybe' / 'no' for one rule, one profile, one packet (remote/local: networks)."""
    if not rule['enabled'] or rule['direction'] != direction:
        return 'no'
    if 'Any' not in rule['profiles'] and profile not in rule['profiles']:
        return 'no'
    prof = model['profiles'].get(profile) or {}
    if rule['source'] == 'Local' and prof.get('allow_local_rules') is False:
        return 'no'
    if rule['program'].lower() not in ('any', 'system') or rule['service'].lower() != 'any':
        return 'no'
    if not _icmp_match(rule, family, icmp_type):
        return 'no'
    results = [scope_match(rule['remote_address'], remote, model, family),
               scope_match(rule['local_address'], local, model, family)]
    if 'no' in results:
        return 'no'
    return 'maybe' if 'maybe' in results else 'yes'


def rule_text(rule):
    return '%s (%s): %s %s %s type %s from %s, profile %s%s' % (
        rule['name'], rule.get('display_name'), rule['action'], rule['direction'], rule['protocol'],
        ','.join(rule['icmp_types']), ','.join(rule['remote_address']), ','.join(rule['profiles']),
        '' if rule['enabled'] else ' (disabled)')


def _deciding(family, profile, rule=None, text=None, **extra):
    out = {'backend': 'windows_firewall', 'family': family, 'table': None, 'chain': profile, 'handle': None,
           'rule_number': None, 'variant': None, 'policy': rule is None, 'text': text or rule_text(rule),
           'comment': rule.get('display_name') if rule else None, 'profile': profile}
    if rule is not None:
        out.update({'name': rule['name'], 'display_name': rule.get('display_name'), 'group': rule.get('group'),
                    'action': rule['action']})
    out.update(extra)
    return out


def _trace(family, profile, rule, match):
    return {'backend': 'windows_firewall', 'family': family, 'table': None, 'chain': profile, 'handle': None,
            'match': match, 'verdict': 'drop' if rule['action'] == 'Block' else 'accept',
            'text': rule_text(rule), 'name': rule['name'], 'policy': False}


def as_network(value):
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return value
    return ipaddress.ip_network(u'%s' % value, strict=False)


def verdict_for_profile(model, profile, direction, family, icmp_type, remote, local):
    """(verdict, certain, deciding_rule, trace, alternatives) for one profile."""
    remote, local = as_network(remote), as_network(local)
    prof = model['profiles'].get(profile)
    if prof is None:
        return 'accept', False, _deciding(family, profile, text='profile %s unknown (not read)' % profile), [], []
    if not prof['enabled']:
        return 'accept', True, _deciding(family, profile, text='profile %s is disabled' % profile), [], []
    trace, blocks, allows = [], [], []
    for rule in model['rules']:
        match = rule_match(rule, profile, direction, family, icmp_type, remote, local, model)
        if match == 'no':
            continue
        trace.append(_trace(family, profile, rule, match))
        (blocks if rule['action'] == 'Block' else allows).append((rule, match))
    if direction == 'Inbound' and prof['allow_inbound_rules'] is False:
        return 'drop', True, _deciding(
            family, profile, text='profile %s blocks all incoming connections (AllowInboundRules False)' % profile,
            profile_blocks_all=True), trace, []
    sure_block = [r for r, m in blocks if m == 'yes']
    if sure_block:
        return 'drop', True, _deciding(family, profile, sure_block[0]), trace, []
    maybe_block = [r for r, m in blocks if m == 'maybe']
    sure_allow = [r for r, m in allows if m == 'yes']
    default = prof['default_inbound'] if direction == 'Inbound' else prof['default_outbound']
    default_verdict = 'accept' if default == 'Allow' else 'drop'
    if sure_allow:
        return 'accept', not maybe_block, _deciding(family, profile, sure_allow[0]), trace, \
            ['drop'] if maybe_block else []
    policy = _deciding(family, profile, text='profile %s default %s action %s' % (
        profile, direction.lower(), default))
    alternatives = sorted(set(['drop'] * bool(maybe_block) + ['accept'] * bool(allows)) - set([default_verdict]))
    return default_verdict, not alternatives, policy, trace, alternatives


def iface_profile(model, iface):
    """The profile of an interface: its connection profile category, Public when unidentified."""
    if iface is None:
        return None
    return model['interface_profiles'].get(iface, 'Public')


def evaluate(model, hook, icmp_type, src, dst, iface):
    """One firewall.icmp entry (docs/facts_schema.md) for a packet on this Windows host."""
    family = 'ipv6' if ':' in str(src or dst) else 'ipv4'
    entry = {'family': family, 'hook': hook, 'icmp_type': icmp_type, 'src': src, 'dst': dst,
             'iif': iface if hook == 'input' else None, 'oif': iface if hook == 'output' else None,
             'alternatives': [], 'firewalld_zone': None}
    profile = iface_profile(model, iface)
    exempt = (model['profiles'].get(profile) or {}).get('disabled_interfaces') or []
    if iface and iface in exempt:
        entry.update({'verdict': 'accept', 'certain': True, 'profile': profile, 'trace': [],
                      'deciding_rule': _deciding(family, profile, text='interface %s is exempt from profile %s '
                                                 '(DisabledInterfaceAliases): not filtered' % (iface, profile),
                                                 interface_exempt=True)})
        return entry
    if icmp_type == 'echo-reply':
        # Stateful: the reply to an echo this host sent (or accepted) passes.
        entry.update({'verdict': 'accept', 'certain': True, 'profile': profile, 'trace': [],
                      'deciding_rule': _deciding(family, profile, text='stateful: reply to an echo request the '
                                                 'firewall let through')})
        return entry
    direction = HOOK_DIRECTION[hook]
    remote, local = (src, dst) if direction == 'Inbound' else (dst, src)
    profiles = [profile] if profile else [p for p in PROFILES if p in model['profiles']]
    results = [(p,) + verdict_for_profile(model, p, direction, family, icmp_type, remote, local) for p in profiles]
    verdicts = set(r[1] for r in results)
    first = results[0] if results else (None, 'accept', False, _deciding(family, None, text='no profile read'), [], [])
    entry.update({'verdict': first[1], 'certain': first[2] and len(verdicts) == 1, 'profile': first[0],
                  'deciding_rule': first[3], 'trace': first[4],
                  'alternatives': sorted((set(first[5]) | verdicts) - set([first[1]]))})
    return entry


def evaluations(model, interfaces, lookups, peers):
    """The echo request/reply verdicts in and out for every peer with a route lookup."""
    if not model['profiles']:
        return []
    out = []
    wanted = set(str(p) for p in peers or [])
    for lookup in lookups:
        if not lookup.get('ok') or not lookup.get('prefsrc') or (wanted and lookup['address'] not in wanted):
            continue
        peer, local, iface = lookup['address'], lookup['prefsrc'], lookup.get('dev')
        out.append(evaluate(model, 'input', 'echo-request', peer, local, iface))
        out.append(evaluate(model, 'output', 'echo-reply', local, peer, iface))
        out.append(evaluate(model, 'output', 'echo-request', local, peer, iface))
        out.append(evaluate(model, 'input', 'echo-reply', peer, local, iface))
    return out


# ----------------------------------------------------------------------------- what a fix opens

def widening(rule, family, src_net, profiles, model):
    """What enabling ``rule`` lets in beyond echo requests from ``src_net`` in ``profiles``: a list
    of sentences, empty when the rule is no wider than asked. (Windows Server ships
    ``FPS-ICMP4-ERQ-In`` with Profile Any and RemoteAddress Any: enabling it opens echo from
    everywhere in every profile.)"""
    out = []
    asked = as_network(src_net)
    if asked.prefixlen != 0:
        wider = []
        for spec in rule['remote_address']:
            low = spec.strip().lower()
            if low in ('any', '*'):
                wider.append('any address')
                continue
            if low in ('localsubnet', 'localsubnet4', 'localsubnet6'):
                nets = [ipaddress.ip_network(n) for n in model.get('local_networks') or []]
            elif low == 'defaultgateway':
                nets = [ipaddress.ip_network(g) for g in model.get('default_gateways') or []]
            else:
                nets = _spec_network(spec)
            if nets is None or any(n.version == asked.version and not _in(n, asked) for n in nets):
                wider.append(spec)
        if wider:
            out.append('echo requests from %s (RemoteAddress %s), not only from %s'
                       % (', '.join(wider), ', '.join(rule['remote_address']), asked))
    wanted = set(p.capitalize() for p in profiles)
    extra = [p for p in PROFILES if p not in wanted and ('Any' in rule['profiles'] or p in rule['profiles'])]
    if extra:
        out.append('in the %s profile%s too (Profile %s)' % (
            ', '.join(extra), 's' if len(extra) > 1 else '', ', '.join(rule['profiles'])))
    if out:
        out[0] = '%s %s' % ({'ipv4': 'ICMPv4', 'ipv6': 'ICMPv6'}[family], out[0])
    return out


def builtin_echo_choice(model, family, src_net, profiles):
    """The disabled built-in echo rule ``win_icmp_rule`` (prefer_builtin) would enable to let echo
    requests from ``src_net`` in for ``profiles``, and what it opens beyond that:
    ``(rule, covered profiles, widening sentences)`` or None."""
    rules = dict((r['name'], r) for r in model.get('rules') or [])
    local_any = as_network(ICMP_ANY_LOCAL[family])
    src_net = as_network(src_net)

    def needs(profile):
        prof = (model.get('profiles') or {}).get(profile) or {}
        if prof.get('enabled') is False or prof.get('default_inbound') == 'Allow':
            return False
        return not any(r['action'] != 'Block' and rule_match(r, profile, 'Inbound', family, 'echo-request', src_net,
                                                             local_any, model) == 'yes' for r in rules.values())
    profiles = [p for p in profiles if needs(p)]
    for name in BUILTIN_ECHO_RULES[family]:
        rule = rules.get(name)
        if rule is None or rule['enabled'] or rule['action'] != 'Allow' or rule['source'] not in ('Local', None):
            continue
        probe = dict(rule, enabled=True)
        covers = [p for p in profiles if rule_match(probe, p, 'Inbound', family, 'echo-request', src_net,
                                                    local_any, model) == 'yes']
        if covers:
            return rule, covers, widening(rule, family, src_net, profiles, model)
    return None
