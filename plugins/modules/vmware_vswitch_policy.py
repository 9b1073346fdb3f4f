#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmware_vswitch_policy
short_description: Set MTU, security policy and VLAN of a vSphere switch or portgroup, and nothing else
version_added: 0.1.0
description:
  - Sets, on a standard vSwitch of one ESXi host, on one of its portgroups, on a distributed switch
    or on a distributed portgroup, only the settings given. Settings left out keep their value;
    nothing is reset to a default.
  - For a standard portgroup, the security options are compared with the B(effective) policy
    (what it inherits from its vSwitch); a difference is fixed by an override on the portgroup.
  - Standard switches are changed with C(HostNetworkSystem.UpdateVirtualSwitch) and
    C(UpdatePortGroup) (the current spec with the asked fields changed), distributed switches and
    portgroups with C(ReconfigureDvs_Task) and C(ReconfigureDVPortgroup_Task) (only the asked
    fields, at the current configVersion).
author: vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - vmnet.doctor.vmware
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_vmware
options:
  switch_type:
    description: Kind of switch.
    type: str
    choices: [standard, distributed]
    default: standard
  esxi_hostname:
    description: ESXi host of the standard vSwitch (as named in the inventory). Required for O(switch_type=standard).
    type: str
  switch:
    description:
      - Name of the standard vSwitch or of the distributed switch. Required without O(portgroup);
        with it, narrows the portgroup lookup.
    type: str
  portgroup:
    description: Portgroup to change instead of the switch.
    type: str
  mtu:
    description: MTU of the standard vSwitch, or maximum MTU of the distributed switch (1280-9000).
    type: int
  allow_promiscuous:
    description: Allow promiscuous mode.
    type: bool
  mac_changes:
    description: Accept MAC address changes made by the guest.
    type: bool
  forged_transmits:
    description: Accept frames whose source MAC differs from the adapter's.
    type: bool
  vlan_id:
    description: VLAN of the portgroup (0 untagged; 4095 all VLANs on a standard portgroup).
    type: int
'''

EXAMPLES = r'''
- name: Jumbo frames on vSwitch1 of one host
  vmnet.doctor.vmware_vswitch_policy:
    hostname: vcenter.example.com
    username: admin@vsphere.local
    password: "{{ vcenter_password }}"
    esxi_hostname: esxi-01.example.com
    switch: vSwitch1
    mtu: 9000
  delegate_to: localhost

- name: Let a nested-hypervisor portgroup see other MACs, on VLAN 20
  vmnet.doctor.vmware_vswitch_policy:
    esxi_hostname: esxi-01.example.com
    portgroup: Nested
    allow_promiscuous: true
    forged_transmits: true
    vlan_id: 20
  delegate_to: localhost

- name: Jumbo frames on a distributed switch
  vmnet.doctor.vmware_vswitch_policy:
    switch_type: distributed
    switch: DSwitch
    mtu: 9000
  delegate_to: localhost

- name: Put a distributed portgroup on VLAN 30
  vmnet.doctor.vmware_vswitch_policy:
    switch_type: distributed
    portgroup: DPG-App
    vlan_id: 30
  delegate_to: localhost
'''

RETURN = r'''
target:
  description: What was looked at.
  returned: always
  type: dict
  sample: {"type": "vss_portgroup", "host": "esxi-01", "switch": "vSwitch0", "portgroup": "VM Network"}
changes:
  description: The fields changed (or, in check mode, that would change), one structured change each.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set", "field": "vlan_id", "before": 0, "after": 20}]
commands:
  description: The vSphere call that applied the changes (or would, in check mode), as text.
  returned: always
  type: list
  elements: str
  sample: ["UpdatePortGroup VM Network vlan_id=20"]
runtime_only:
  description: Always false; vSphere keeps the change.
  returned: always
  type: bool
  sample: false
before:
  description: The target's settings handled by this module, before.
  returned: always
  type: dict
  sample: {"vlan_id": 0, "allow_promiscuous": false, "mac_changes": true, "forged_transmits": true}
after:
  description: The same settings after the change, read back from vSphere (predicted in check mode).
  returned: always
  type: dict
  sample: {"vlan_id": 20, "allow_promiscuous": false, "mac_changes": true, "forged_transmits": true}
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import client as vm_utils
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import config as cfg


def run(module, si):
    """``(target, result)``: the object looked at and the fixer result (``cfg.gate``)."""
    p = module.params
    want = dict((k, p[k]) for k in ('mtu', 'vlan_id') + cfg.SECURITY)
    if p['switch_type'] == 'distributed' and not p['portgroup']:
        target = {'type': 'dvs', 'switch': p['switch'], 'portgroup': None}
        cfg.validate_policy_want(target['type'], want)
        return target, cfg.gate(module.check_mode, want, lambda: cfg.read_dvs(si, p['switch']), cfg.apply_dvs,
                                'ReconfigureDvs %s' % p['switch'])
    if p['switch_type'] == 'distributed':
        target = {'type': 'dvportgroup', 'switch': p['switch'], 'portgroup': p['portgroup']}
        cfg.validate_policy_want(target['type'], want)
        return target, cfg.gate(module.check_mode, want,
                                lambda: cfg.read_dvportgroup(si, p['switch'], p['portgroup']),
                                cfg.apply_dvportgroup, 'ReconfigureDVPortgroup %s' % p['portgroup'])
    kind = 'vss_portgroup' if p['portgroup'] else 'vss'
    target = {'type': kind, 'host': p['esxi_hostname'], 'switch': p['switch'], 'portgroup': p['portgroup']}
    cfg.validate_policy_want(kind, want)
    net = {}

    def read():
        net.update(cfg.read_host_network(si, p['esxi_hostname']))
        if kind == 'vss':
            return cfg.vss_state(net, p['switch'])
        obj, state = cfg.vss_portgroup_state(net, p['switch'], p['portgroup'])
        target['switch'] = obj.spec.vswitchName
        return obj, state

    apply = (lambda obj, changes: cfg.apply_vss(net, obj, changes)) if kind == 'vss' else \
        (lambda obj, changes: cfg.apply_vss_portgroup(net, obj, changes))
    call = 'UpdateVirtualSwitch %s' % p['switch'] if kind == 'vss' else 'UpdatePortGroup %s' % p['portgroup']
    return target, cfg.gate(module.check_mode, want, read, apply, call)


def main():
    argument_spec = vm_utils.vmware_argument_spec()
    argument_spec.update(
        switch_type=dict(type='str', choices=['standard', 'distributed'], default='standard'),
        esxi_hostname=dict(type='str'), switch=dict(type='str'), portgroup=dict(type='str'),
        mtu=dict(type='int'), allow_promiscuous=dict(type='bool'), mac_changes=dict(type='bool'),
        forged_transmits=dict(type='bool'), vlan_id=dict(type='int'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_if=[['switch_type', 'standard', ['esxi_hostname']],
                                        ['switch_type', 'standard', ['switch', 'portgroup'], True],
                                        ['switch_type', 'distributed', ['switch', 'portgroup'], True]])
    if not vm_utils.HAS_PYVMOMI:
        module.fail_json(msg=missing_required_lib('pyVmomi'), exception=str(vm_utils.PYVMOMI_IMPORT_ERROR))
    try:
        si = vm_utils.connect_from_params(module.params)
        try:
            target, result = run(module, si)
        finally:
            vm_utils.disconnect(si)
    except DoctorError as exc:
        module.fail_json(**exc.to_result())
    for warning in result.pop('warnings'):    # exit_json(warnings=...) is deprecated
        module.warn(warning)
    module.exit_json(target=target, diff={'before': result['before'], 'after': result['after']}, **result)


if __name__ == '__main__':
    main()
