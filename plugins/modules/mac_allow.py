#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mac_allow
short_description: Let a MAC address through a Linux bridge's nftables bridge-family filter
version_added: 0.1.0
description:
  - Finds the nftables bridge-family rules that drop or reject frames from (C(ether saddr)) or to
    (C(ether daddr)) O(mac), whether they name the MAC itself, an anonymous set or a named set holding
    it, on any port or on O(port).
  - For each such drop that no earlier accept in the same chain already lets the MAC through, inserts
    an accept for the MAC right before it, in the same chain, with the comment C(vmnet.doctor).
    An accept below the drop does not count.
  - The drop rules and the sets are left as they are; O(state=absent) removes only the accepts this
    module added for the MAC.
  - The change is runtime only (the nftables ruleset file is not written); a warning says so.
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  mac:
    description:
      - The MAC address to let through (for example the VM's NIC), C(52:54:00:12:34:56) or with dashes.
    type: str
    required: true
  port:
    description:
      - Bridge port the MAC sits behind. Only drops that apply to this port (or to any port) are
        considered. An accept copies the port matches of the drop it bypasses; for a drop on any port
        it is limited to this port (C(iifname) for source matches, C(oifname) for destination matches).
      - Not given means any port.
    type: str
  bridge:
    description:
      - Bridge the port belongs to; checked to exist (and to be the port's master when O(port) is given).
    type: str
  state:
    description:
      - V(present) lets the MAC through; V(absent) removes the accepts this module added for it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
notes:
  - Reads C(nft -j list ruleset) and C(ip -j -d link show). ebtables-nft rules live in the same nftables
    tables and are covered; ebtables-legacy is not supported.
'''

EXAMPLES = r'''
- name: Let the VM's MAC through the bridge filter
  vmnet.doctor.mac_allow:
    mac: "52:54:00:aa:bb:02"
    port: vnet0
    bridge: br0

- name: Remove the accept again
  vmnet.doctor.mac_allow:
    mac: "52:54:00:aa:bb:02"
    port: vnet0
    state: absent
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write) or C(proc)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "insert", "argv": ["nft", "insert", "rule", "bridge", "filter", "forward", "position",
            "3", "ether", "saddr", "52:54:00:aa:bb:02", "counter", "accept", "comment", "\"vmnet.doctor\""]}]
commands:
  description: The same changes as text (commands run, files written), in order.
  returned: always
  type: list
  elements: str
  sample: ['nft insert rule bridge filter forward position 3 ether saddr 52:54:00:aa:bb:02 counter accept comment "vmnet.doctor"']
before:
  description:
    - C(drops) are the rules that drop the MAC, each with C(allowed) (an earlier accept lets it through);
      C(accepts) the accepts this module added for the MAC.
  returned: always
  type: dict
  sample: {"mac": "52:54:00:aa:bb:02", "accepts": [],
           "drops": [{"family": "bridge", "table": "filter", "chain": "forward", "handle": 3, "direction": "source",
                      "ports": {}, "verdict": "drop", "allowed": false, "certain": true,
                      "accept_ports": {"iifname": "vnet0"}, "text": "ether saddr 52:54:00:aa:bb:02 drop"}]}
after:
  description: The same view after the change, read back from the host after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"mac": "52:54:00:aa:bb:02", "accepts": [{"table": "filter", "chain": "forward", "handle": 8}],
           "drops": [{"handle": 3, "allowed": true}]}
runtime_only:
  description: True; the nftables ruleset file is not written.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import mac as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            mac=dict(type='str', required=True),
            port=dict(type='str'),
            bridge=dict(type='str'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
