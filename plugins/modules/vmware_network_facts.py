#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmware_network_facts
short_description: Gather vSphere network facts (switches, portgroups, VMkernel, physical and VM NICs)
version_added: 0.1.0
description:
  - Reads, for one scope (a VM, some ESXi hosts, a cluster, a datacenter, or the whole inventory),
    the standard vSwitches (MTU, uplinks, security policy), their portgroups with the B(effective)
    security policy (what the portgroup inherits from its vSwitch, as C(computedPolicy) reports it)
    and VLAN, VMkernel NICs, physical NICs (link, speed, duplex), distributed switches and
    portgroups (MTU, VLAN, security) and every VM NIC (MAC, connected, start connected, portgroup,
    guest IPs and guest-reported MACs where VMware Tools reports them), and the MACs used by more
    than one VM NIC.
  - Publishes them as C(ansible_facts.vmnet_doctor_vmware) in the collection's normalised facts
    schema (C(docs/facts_schema.md), platform C(vmware)), the input of the diagnosis.
  - Uses two PropertyCollector calls at most (one to resolve the scope by name, one for the
    data), so the run time hardly grows with the number of hosts and VMs.
  - The options O(vm), O(hosts), O(cluster) and O(datacenter) are mutually exclusive; with none,
    the scope is the whole inventory.
author: vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - vmnet.doctor.vmware
  - ansible.builtin.action_common_attributes
options:
  vm:
    description: Name of a virtual machine; its NICs and its ESXi host are read.
    type: str
  hosts:
    description: Names of ESXi hosts (as in the inventory); their networking and VMs are read.
    type: list
    elements: str
  cluster:
    description: Name of a cluster; its hosts and their VMs are read.
    type: str
  datacenter:
    description: Name of a datacenter; its hosts, VMs and distributed switches are read.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: vmware
'''

EXAMPLES = r'''
- name: Network facts of one VM and its host
  vmnet.doctor.vmware_network_facts:
    hostname: vcenter.example.com
    username: auditor@vsphere.local
    password: "{{ vcenter_password }}"
    vm: web01
  delegate_to: localhost

- name: Network facts of a whole cluster (connection from VMWARE_* variables)
  vmnet.doctor.vmware_network_facts:
    cluster: Prod
  delegate_to: localhost
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to the host's facts.
  returned: always
  type: complex
  contains:
    vmnet_doctor_vmware:
      description:
        - The normalised facts (schema version 1, platform C(vmware)) with the sections
          C(virtual_switches), C(vm_nics), C(vmkernel_nics), C(physical_nics) and C(duplicate_macs)
          filled; the Linux-only sections are empty.
      returned: always
      type: dict
      sample:
        schema_version: 1
        platform: vmware
        hostname: vcenter.example.com
        virtual_switches:
          - name: vSwitch0
            type: vss
            host: esxi-01
            mtu: 1500
            uplinks: [vmnic0]
            security: {allow_promiscuous: false, mac_changes: true, forged_transmits: true}
            portgroups:
              - name: VM Network
                key: null
                vlan_id: 0
                security: {allow_promiscuous: false, mac_changes: true, forged_transmits: true}
                security_override: {}
        vm_nics:
          - vm: web01
            host: esxi-01
            label: Network adapter 1
            mac: "00:50:56:aa:bb:cc"
            connected: true
            start_connected: true
            switch: vSwitch0
            portgroup: VM Network
            vlan_id: 0
            guest_ips: [192.0.2.20]
            guest_macs: ["00:50:56:aa:bb:cc"]
            power_state: poweredOn
        duplicate_macs: []
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import client as vm_utils
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import facts as vmware_facts


def main():
    argument_spec = vm_utils.vmware_argument_spec()
    argument_spec.update(
        vm=dict(type='str'),
        hosts=dict(type='list', elements='str'),
        cluster=dict(type='str'),
        datacenter=dict(type='str'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[['vm', 'hosts', 'cluster', 'datacenter']])
    if not vm_utils.HAS_PYVMOMI:
        module.fail_json(msg=missing_required_lib('pyVmomi'), exception=str(vm_utils.PYVMOMI_IMPORT_ERROR))
    scope = dict((k, module.params[k]) for k in ('vm', 'hosts', 'cluster', 'datacenter'))
    try:
        si = vm_utils.connect_from_params(module.params)
        try:
            raw = vmware_facts.collect(si, scope)
        finally:
            vm_utils.disconnect(si)
        facts = vmware_facts.normalise(raw, module.params['hostname'])
    except DoctorError as exc:
        module.fail_json(**exc.to_result())
    module.exit_json(changed=False, ansible_facts={'vmnet_doctor_vmware': facts})


if __name__ == '__main__':
    main()
