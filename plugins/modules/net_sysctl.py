#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: net_sysctl
short_description: Set the Linux kernel settings that decide reachability
version_added: 0.1.0
description:
  - Sets one of the few sysctls that make a ping pass or fail (forwarding, reverse path filter, ignoring
    echo requests, ARP replies) and no other. The runtime value is written under C(/proc/sys), so it
    applies to the network namespace the task runs in.
  - With O(persist=true) the key is also set in O(persist_file), a sysctl.d file of this collection's own
    (its other lines are kept; no other file is touched). Otherwise the change is runtime only and
    RV(runtime_only) says so; a warning names a conflicting value in O(persist_file).
  - For O(name=rp_filter) the kernel uses the maximum of C(all) and the interface's value; a warning says
    when the C(all) value still wins.
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  name:
    description:
      - The setting. V(ip_forward) is C(net.ipv4.ip_forward); V(ipv6_forwarding) is
        C(net.ipv6.conf.IF.forwarding); V(rp_filter), V(arp_ignore), V(arp_announce) are
        C(net.ipv4.conf.IF.*); V(icmp_echo_ignore_all) is C(net.ipv4.icmp_echo_ignore_all);
        V(icmpv6_echo_ignore_all) is C(net.ipv6.icmp.echo_ignore_all).
    type: str
    required: true
    choices: [ip_forward, ipv6_forwarding, rp_filter, icmp_echo_ignore_all, icmpv6_echo_ignore_all, arp_ignore, arp_announce]
  value:
    description:
      - Wanted value. 0 or 1, except V(rp_filter) (0-2), V(arp_announce) (0-2) and V(arp_ignore) (0-8).
    type: int
    required: true
  interface:
    description:
      - For the per-interface settings, V(all), V(default) or an interface name. Global settings accept only V(all).
    type: str
    default: all
  persist:
    description: Also write the setting to O(persist_file) so that it survives a reboot.
    type: bool
    default: false
  persist_file:
    description:
      - The sysctl.d file this module owns.
      - It must be a regular file, or missing in an existing directory; a symlink, device node, directory,
        FIFO or socket there is refused before anything changes. It is replaced atomically, keeping its mode
        and owner. When writing it fails after the runtime value was set, the task fails with C(changed=true)
        and the C(applied) result key lists what stays applied.
    type: path
    default: /etc/sysctl.d/90-vmnet-doctor.conf
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
'''

EXAMPLES = r'''
- name: Let the hypervisor route between the host and its VMs
  vmnet.doctor.net_sysctl:
    name: ip_forward
    value: 1
    persist: true

- name: Loose reverse path filtering on the uplink
  vmnet.doctor.net_sysctl:
    name: rp_filter
    interface: eth0
    value: 2

- name: Answer pings again
  vmnet.doctor.net_sysctl:
    name: icmp_echo_ignore_all
    value: 0

- name: Answer IPv6 pings again (net.ipv6.icmp.echo_ignore_all)
  vmnet.doctor.net_sysctl:
    name: icmpv6_echo_ignore_all
    value: 0
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set_runtime", "proc": "/proc/sys/net/ipv4/ip_forward", "value": "1"},
            {"action": "persist", "write": "/etc/sysctl.d/90-vmnet-doctor.conf"}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ["write 1 to /proc/sys/net/ipv4/ip_forward", "write /etc/sysctl.d/90-vmnet-doctor.conf"]
before:
  description: Runtime value (and, with O(persist), the value in O(persist_file)) before.
  returned: always
  type: dict
  sample: {"key": "net.ipv4.ip_forward", "value": 0, "persisted": null, "persist_file": "/etc/sysctl.d/90-vmnet-doctor.conf"}
after:
  description: The same after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"key": "net.ipv4.ip_forward", "value": 1, "persisted": 1, "persist_file": "/etc/sysctl.d/90-vmnet-doctor.conf"}
runtime_only:
  description: True unless O(persist=true).
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import net_sysctl as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True,
                      choices=['ip_forward', 'ipv6_forwarding', 'rp_filter', 'icmp_echo_ignore_all',
                               'icmpv6_echo_ignore_all', 'arp_ignore', 'arp_announce']),
            value=dict(type='int', required=True),
            interface=dict(type='str', default='all'),
            persist=dict(type='bool', default=False),
            persist_file=dict(type='path', default=fixer.DEFAULT_PERSIST_FILE),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
