#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ovs_interface
short_description: Set the MTU Open vSwitch requests for an interface, or the peer of a patch interface
version_added: 0.2.0
description:
  - Compares the C(mtu_request) column of the Open vSwitch interface O(interface) with O(mtu_request) and
    sets it when it differs, with one C(ovs-vsctl set Interface) (C(ovs-vsctl clear Interface mtu_request) for
    O(mtu_request=0)), then waits up to 2 seconds until ovs-vswitchd has applied it to the device.
  - ovs-vswitchd applies C(mtu_request) again whenever the device's kernel MTU changes, so
    M(vmnet.doctor.interface_mtu) cannot change the MTU of such an interface; this module can.
  - For a patch interface, O(peer) sets C(options:peer) (the patch interface on the other bridge it joins) with
    one C(ovs-vsctl set Interface ... options:peer=...); its other options stay. Open vSwitch reports a patch
    interface without a usable peer in the interface's C(error) column; the module waits up to 2 seconds until that
    clears. O(peer) on an interface that is not of type C(patch) fails.
  - Only the fields given are compared and set; nothing else of the interface is touched. An unknown interface
    fails and changes nothing.
  - The setting lives in the OVSDB and persists across restarts (RV(runtime_only) is false).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  interface:
    description: Name of the Open vSwitch interface (for a VM, usually the port's name, e.g. C(vnet1)).
    type: str
    required: true
  mtu_request:
    description:
      - The MTU OVS is to request for the interface (68-65535); C(0) clears the column (OVS then leaves the
        device's MTU as it is).
      - At least one of O(mtu_request) and O(peer) is required.
    type: int
  peer:
    description:
      - For a patch interface, the name of the patch interface it is joined to (C(options:peer)).
    type: str
  rundir:
    description:
      - Run directory of Open vSwitch (C(db.sock)) when it is not the distribution default C(/var/run/openvswitch).
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
notes:
  - Needs C(ovs-vsctl) (package C(openvswitch-switch) on Debian and Ubuntu, C(openvswitch) on RHEL and Fedora).
seealso:
  - module: vmnet.doctor.interface_mtu
  - module: vmnet.doctor.ovs_port_vlan
'''

EXAMPLES = r'''
- name: Let OVS request MTU 1500 for the VM's interface again
  vmnet.doctor.ovs_interface:
    interface: vnet1
    mtu_request: 1500

- name: Join the patch interface patch-ex to patch-int again
  vmnet.doctor.ovs_interface:
    interface: patch-ex
    peer: patch-int

- name: Stop OVS managing the MTU of vnet1
  vmnet.doctor.ovs_interface:
    interface: vnet1
    mtu_request: 0
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), each with C(action) and C(argv).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set_mtu_request", "interface": "vnet1", "mtu": 1500,
            "argv": ["ovs-vsctl", "--timeout=10", "--db=unix:/var/run/openvswitch/db.sock", "set", "Interface",
                     "vnet1", "mtu_request=1500"]}]
commands:
  description: The same changes as text, in order.
  returned: always
  type: list
  elements: str
  sample: ["ovs-vsctl --timeout=10 --db=unix:/var/run/openvswitch/db.sock set Interface vnet1 mtu_request=1500"]
before:
  description:
    - The interface's C(mtu_request) (null when not set) and the device MTU OVS reports, before; with O(peer),
      also the patch C(peer) and the interface's C(error).
  returned: always
  type: dict
  sample: {"interface": "vnet1", "mtu_request": 1280, "mtu": 1280}
after:
  description: The same after the change, read back after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"interface": "vnet1", "mtu_request": 1500, "mtu": 1500}
runtime_only:
  description: False; OVSDB settings persist.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import ovs_interface as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type='str', required=True),
            mtu_request=dict(type='int'),
            peer=dict(type='str'),
            rundir=dict(type='path'),
        ),
        required_one_of=[('mtu_request', 'peer')],
        supports_check_mode=True,
    )
    run_fixer(module, fixer, fixer.apply)


if __name__ == '__main__':
    main()
