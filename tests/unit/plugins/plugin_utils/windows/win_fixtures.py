# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the hand-written Windows/Hyper-V cmdlet outputs (tests/unit/fixtures/windows/README.md)."""
import copy
import json
import os

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures',
                                        'windows'))
SECTIONS = ('NetAdapter', 'NetIPInterface', 'NetIPAddress', 'NetRoute', 'NetNeighbor', 'NetConnectionProfile',
            'NetFirewallProfile', 'NetFirewallProfileGpo', 'NetFirewallRule', 'NetFirewallPortFilter', 'NetFirewallAddressFilter',
            'NetFirewallApplicationFilter', 'NetFirewallServiceFilter', 'RouteLookup', 'VMSwitch',
            'VMNetworkAdapter', 'VMNetworkAdapterVlan', 'NetNat')
PEERS = ['192.168.10.5', '10.9.9.9', '172.20.0.10']


def load(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


FIREWALL_RULE_SECTIONS = ('NetFirewallRule', 'NetFirewallPortFilter', 'NetFirewallAddressFilter',
                          'NetFirewallApplicationFilter', 'NetFirewallServiceFilter')


def raw_host(firewall='client', **variants):
    """The read-script document of hv01; ``variants`` pick another file per section
    (e.g. NetFirewallRule='numeric' -> hv01/NetFirewallRule.numeric.json). ``firewall='server'``
    swaps in the built-in rules as Windows Server 2016-2025 ships them (server/)."""
    raw = {'Errors': [], 'Hostname': 'HV01', 'HyperV': True}
    for section in SECTIONS:
        suffix = variants.get(section)
        if firewall == 'server' and section in FIREWALL_RULE_SECTIONS and not suffix:
            raw[section] = load('server/%s.json' % section)
            continue
        raw[section] = load('hv01/%s%s.json' % (section, '.%s' % suffix if suffix else ''))
    return raw


def with_custom_block(raw):
    """Add the custom_block rule (single JSON objects) to a document."""
    raw = copy.deepcopy(raw)
    for section in ('NetFirewallRule', 'NetFirewallPortFilter', 'NetFirewallAddressFilter'):
        raw[section] = list(raw[section]) + [load('custom_block/%s.json' % section)]
    return raw


def set_rule(raw, name, **values):
    """Change properties of one rule (by Name) in a document copy."""
    raw = copy.deepcopy(raw)
    for rule in raw['NetFirewallRule']:
        if rule['Name'] == name:
            rule.update(values)
    return raw
