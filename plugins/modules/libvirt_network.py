#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: libvirt_network
short_description: Start a libvirt virtual network, set its autostart or forward mode, and replug its guests
version_added: 0.1.0
description:
  - Starts (C(virsh net-start)) or stops a libvirt network, sets its autostart flag, or changes its forward
    mode (C(nat), C(route), C(open), C(isolated)) by redefining it (C(net-define) of the edited XML, then
    C(net-destroy)/C(net-start) when it runs). O(xml) defines a whole network XML instead (the rollback of a
    forward-mode change uses the XML it replaced).
  - libvirt does not plug the vnet ports of running guests back into the bridge of a network that is
    (re)started. The module does, for every running guest whose NIC names the network
    (C(ip link set dev vnetN master BRIDGE)); a port found detached from the bridge is plugged back too.
  - Changing the forward mode changes who can reach the guests (C(route) and C(open) expose them to other
    machines, C(nat) and C(isolated) cut them off), so the remediate role applies it only for a finding code
    named in C(doctor_allow).
  - Options left out are left as they are.
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  name:
    description: The libvirt network name.
    type: str
    required: true
  state:
    description: C(active) starts the network, C(inactive) stops it. Left out, the state is kept.
    type: str
    choices: [active, inactive]
  autostart:
    description: Start the network when libvirtd starts. Left out, the flag is kept.
    type: bool
  forward_mode:
    description: Wanted forward mode; C(isolated) means no C(<forward>). Mutually exclusive with O(xml).
    type: str
    choices: [nat, route, open, isolated]
  xml:
    description: A whole C(<network>) definition named O(name) to define (when it differs from the current one).
    type: str
  uri:
    description: libvirt connection URI.
    type: str
    default: qemu:///system
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
'''

EXAMPLES = r'''
- name: Start the VM's network and plug its running guests back in
  vmnet.doctor.libvirt_network:
    name: default
    state: active
    autostart: true

- name: Route the network instead of NAT (other machines need a route to its subnet via this host)
  vmnet.doctor.libvirt_network:
    name: default
    forward_mode: route
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), in order; each a dict with
    C(action) and the command (C(argv)) or the file it writes (C(write)), never the file content.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "net_start", "argv": ["virsh", "-q", "-c", "qemu:///system", "net-start", "default"]}]
commands:
  description: The same changes as text, in order.
  returned: always
  type: list
  elements: str
  sample: ["virsh -q -c qemu:///system net-start default", "ip link set dev vnet0 master virbr0"]
before:
  description: The network before (C(active), C(autostart), C(forward_mode), its persistent C(xml)).
  returned: always
  type: dict
  sample: {"active": false, "autostart": false, "forward_mode": "nat", "xml": "<network>...</network>"}
after:
  description: The same after the change, read back after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"active": true, "autostart": false, "forward_mode": "nat", "xml": "<network>...</network>"}
runtime_only:
  description: False; libvirt keeps the definition and the autostart flag.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import libvirt_network as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', choices=['active', 'inactive']),
            autostart=dict(type='bool'),
            forward_mode=dict(type='str', choices=['nat', 'route', 'open', 'isolated']),
            xml=dict(type='str'),
            uri=dict(type='str', default='qemu:///system'),
        ),
        mutually_exclusive=[['forward_mode', 'xml']],
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
