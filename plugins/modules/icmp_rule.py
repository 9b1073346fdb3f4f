#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: icmp_rule
short_description: Let ICMP echo through the firewall a Linux host actually uses
version_added: 0.1.0
description:
  - Makes ICMP echo (IPv4 and/or IPv6, request and/or reply) from O(source) to O(destination) on
    O(hook) accepted by the firewall in use (nftables, iptables in its legacy and nf_tables variants,
    firewalld, or ufw).
  - The current verdict comes from the vmnet.doctor firewall evaluator, which walks the real rulesets
    in netfilter order. A packet that is already accepted with certainty needs no change. An accept
    that sits B(below) the rule that drops the packet does not count as present.
  - Otherwise an accept is inserted right before the first rule on the packet's path that drops or
    rejects it, in that same chain (C(nft insert rule ... position HANDLE),
    C(iptables -I CHAIN NUMBER) with the binary of the variant holding the rule). When a chain policy
    drops it, the accept is appended to that base chain. The insert is simulated and the packet
    evaluated again until it is accepted, so drops in several chains or backends are all handled.
  - Every rule added carries O(comment), so O(state=absent) can find and remove exactly those rules.
  - With O(remove_rule), the named drop rule is deleted instead, after checking that it is still a
    drop/reject rule on the packet's path (and that its text is unchanged when O(remove_rule.text)
    is given).
  - firewalld (when running, or O(backend=firewalld)) is changed at zone level with C(firewall-cmd),
    in the zone that takes the packet (source binding, else the default zone). With O(source) any, an
    icmp-block is removed (or, under icmp-block-inversion, the type is added to the list); otherwise a
    rich rule with priority -100 accepts the echo before the zone's other rules.
  - With firewalld and O(hook=forward), the fix goes into the policy between zones (firewalld >= 0.9)
    that drops or rejects the forwarded echo - its ingress zone from the interface the source's packets
    come in on, its egress zone from the interface towards the destination - as a rich accept with
    priority -100 for the echo's source and destination (C(firewall-cmd --policy=NAME)); the policy's
    target is left alone. When no policy decides (the zones do), nothing is changed and the module
    fails with a message.
  - ufw is iptables underneath. When ufw is active, an accept for a drop in its chains (or for the
    policy of the chain that jumps into them) goes first in C(ufw-before-input) (C(-output),
    C(-forward)), and O(persist) adds the same rule to C(before.rules)/C(before6.rules).
  - Without O(persist) the change is runtime only and a warning says so.
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  source:
    description:
      - Source address or prefix of the echo packets (packet source address, whatever the hook).
      - V(any) or not given means any source.
      - A prefix is evaluated for its first host address.
    type: str
    default: any
  destination:
    description:
      - Destination address or prefix of the echo packets. Not given means any destination.
    type: str
  ip_version:
    description:
      - Which IP version to allow. V(both) needs O(source) and O(destination) to be any.
    type: str
    choices: [ipv4, ipv6, both]
    default: ipv4
  icmp_types:
    description:
      - ICMP echo types to allow.
    type: list
    elements: str
    choices: [echo-request, echo-reply]
    default: [echo-request]
  hook:
    description:
      - Path of the packet through the host. V(input) is addressed to this host, V(output) sent by it,
        V(forward) routed or bridged through it.
    type: str
    choices: [input, output, forward]
    default: input
  backend:
    description:
      - Firewall to change. V(auto) changes whatever backend holds the rule that drops the packet.
      - Naming a backend makes the module fail (changing nothing) when that backend is absent or when
        the packet is dropped by another one.
    type: str
    choices: [auto, nftables, iptables, firewalld, ufw]
    default: auto
  state:
    description:
      - V(present) makes the packets accepted. V(absent) removes the rules carrying O(comment) that
        accept these packets (it does not restore a deleted drop or a removed firewalld icmp-block).
    type: str
    choices: [present, absent]
    default: present
  remove_rule:
    description:
      - Delete this drop rule instead of inserting an accept (as proposed by the diagnosis).
      - Nothing is done when the packets are already accepted.
    type: dict
    suboptions:
      backend:
        description: Backend of the rule.
        type: str
        choices: [nftables, iptables]
        required: true
      family:
        description: nftables family (V(ip), V(ip6), V(inet), V(netdev)), or V(ipv4)/V(ipv6) for iptables.
        type: str
        required: true
      table:
        description: Table name.
        type: str
        required: true
      chain:
        description: Chain name.
        type: str
        required: true
      handle:
        description: nftables rule handle.
        type: int
      rule_number:
        description: iptables 1-based rule number in the chain.
        type: int
      variant:
        description: iptables variant; needed only when both variants have the chain.
        type: str
        choices: [legacy, nft]
      text:
        description:
          - Expected rule text (as the diagnosis reported it). When given, the rule is deleted only if
            its text is still exactly this.
        type: str
  persist:
    description:
      - Also write the backend's persistent configuration (nftables ruleset file, iptables rules file,
        firewalld C(--permanent), ufw C(before.rules)). Without it the change is runtime only.
      - For nftables the file gets C(flush ruleset) and every table except iptables-nft's.
    type: bool
    default: false
  persist_paths:
    description:
      - Where O(persist) writes. Only the keys given replace the defaults.
      - Each must be a regular file, or missing in an existing directory; a symlink, device node, directory, FIFO or
        socket is refused before anything changes (a path given here at once, a default one when it would be
        written). Files are replaced atomically, keeping their mode and owner. When a write fails after the runtime
        rule change, the task fails with C(changed=true), says it inserted an accept (or deleted a drop), and
        the C(applied) result key lists what stays applied.
    type: dict
    suboptions:
      nftables:
        description: nftables ruleset file.
        type: path
        default: /etc/nftables.conf
      iptables:
        description: IPv4 iptables-save file.
        type: path
        default: /etc/iptables/rules.v4
      ip6tables:
        description: IPv6 ip6tables-save file.
        type: path
        default: /etc/iptables/rules.v6
      ufw_before_rules:
        description: ufw IPv4 before rules.
        type: path
        default: /etc/ufw/before.rules
      ufw_before6_rules:
        description: ufw IPv6 before rules.
        type: path
        default: /etc/ufw/before6.rules
  comment:
    description:
      - Comment put on every rule added; rules with it are what O(state=absent) removes.
      - 1-64 characters of letters, digits and C(_.:@/+-).
    type: str
    default: vmnet.doctor
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
notes:
  - Reads C(nft -j list ruleset), C(iptables-legacy-save), C(iptables-nft-save) (and the ip6tables
    ones), C(firewall-cmd) and C(ufw status). Run inside a network namespace with the
    P(vmnet.doctor.netns#connection) connection plugin to fix a namespaced host.
  - With firewalld, the zone is the one that takes the packet (source binding, else the zone of the
    interface the source's packets come in on, from C(ip route get), else the default zone). With a
    source, the fix is a rich accept with priority -100 in that zone, which C(state=absent) removes
    again from every zone (also C(--permanent) with O(persist)).
  - firewalld (with a private D-Bus system bus) and ufw run for real in the test lab
    (C(tests/integration/test_fw_daemons.py)) - icmp-block, icmp-block-inversion, a rejecting
    rich rule, the interface in the C(drop) zone, a policy with target DROP between the zones of a
    forwarding hypervisor, ufw default deny and a before.rules drop are each fixed, survive
    C(firewall-cmd --reload) / C(ufw reload) with O(persist), and are rolled back.
'''

EXAMPLES = r'''
- name: Let 192.0.2.0/24 ping this host (inserts an accept before the drop)
  vmnet.doctor.icmp_rule:
    source: 192.0.2.0/24

- name: Allow echo request and reply for IPv4 and IPv6, and make it survive a reboot
  vmnet.doctor.icmp_rule:
    ip_version: both
    icmp_types: [echo-request, echo-reply]
    persist: true

- name: Delete exactly the drop the diagnosis named
  vmnet.doctor.icmp_rule:
    source: 192.0.2.10
    remove_rule:
      backend: nftables
      family: inet
      table: filter
      chain: input
      handle: 5
      text: ip saddr 192.0.2.0/24 icmp type echo-request drop

- name: Remove what icmp_rule added
  vmnet.doctor.icmp_rule:
    source: 192.0.2.0/24
    state: absent
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "insert", "argv": ["nft", "insert", "rule", "inet", "filter", "input", "position", "5",
            "ip", "saddr", "192.0.2.0/24", "icmp", "type", "echo-request", "counter", "accept", "comment",
            "\"vmnet.doctor\""]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ['nft insert rule inet filter input position 5 ip saddr 192.0.2.0/24 icmp type echo-request counter accept comment "vmnet.doctor"']
before:
  description:
    - C(verdicts) is the evaluation of each wanted packet (verdict, certainty, deciding rule);
      C(rules) the rules carrying O(comment) that accept the packets.
  returned: always
  type: dict
  sample: {"verdicts": [{"family": "ipv4", "hook": "input", "icmp_type": "echo-request", "src": "192.0.2.1",
           "dst": null, "verdict": "drop", "certain": true,
           "deciding_rule": {"backend": "nftables", "family": "inet", "table": "filter", "chain": "input",
                             "handle": 5, "text": "ip saddr 192.0.2.0/24 icmp type echo-request drop"}}],
           "rules": []}
after:
  description: The same view after the change, read back from the host after a real run (predicted from the simulated ruleset in check mode).
  returned: always
  type: dict
  sample: {"verdicts": [{"family": "ipv4", "verdict": "accept", "certain": true}],
           "rules": [{"backend": "nftables", "family": "inet", "table": "filter", "chain": "input"}]}
runtime_only:
  description: True unless O(persist) is set.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import icmp as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    path_opts = dict((k, dict(type='path', default=v)) for k, v in fixer.DEFAULT_PATHS.items())
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type='str', default='any'),
            destination=dict(type='str'),
            ip_version=dict(type='str', choices=['ipv4', 'ipv6', 'both'], default='ipv4'),
            icmp_types=dict(type='list', elements='str', choices=list(fixer.ICMP_TYPES),
                            default=['echo-request']),
            hook=dict(type='str', choices=['input', 'output', 'forward'], default='input'),
            backend=dict(type='str', choices=['auto', 'nftables', 'iptables', 'firewalld', 'ufw'],
                         default='auto'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            remove_rule=dict(type='dict', options=dict(
                backend=dict(type='str', choices=['nftables', 'iptables'], required=True),
                family=dict(type='str', required=True),
                table=dict(type='str', required=True),
                chain=dict(type='str', required=True),
                handle=dict(type='int'),
                rule_number=dict(type='int'),
                variant=dict(type='str', choices=['legacy', 'nft']),
                text=dict(type='str'),
            ), mutually_exclusive=[('handle', 'rule_number')],
                required_one_of=[('handle', 'rule_number')]),
            persist=dict(type='bool', default=False),
            persist_paths=dict(type='dict', options=path_opts),
            comment=dict(type='str', default='vmnet.doctor'),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer, apply_hook=fixer.apply_changes)


if __name__ == '__main__':
    main()
