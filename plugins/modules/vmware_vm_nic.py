#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vmware_vm_nic
short_description: Connect a VM network adapter or move it to another portgroup
version_added: 0.1.0
description:
  - Connects (or disconnects) a VM's network adapter, sets whether it connects at power on, or
    moves it to a named standard or distributed portgroup available on the VM's ESXi host.
  - Only the options given are changed, with one C(ReconfigVM_Task) device edit.
  - A powered-off VM's adapter cannot be connected; set O(start_connected) instead.
author: vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - vmnet.doctor.vmware
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_vmware
options:
  vm:
    description: Name of the virtual machine.
    type: str
    required: true
  label:
    description: Label of the network adapter, for example C(Network adapter 1).
    type: str
  mac:
    description: MAC address of the network adapter.
    type: str
  connected:
    description: Whether the adapter is connected now.
    type: bool
  start_connected:
    description: Whether the adapter connects when the VM powers on.
    type: bool
  portgroup:
    description: Name of the standard or distributed portgroup to attach the adapter to.
    type: str
  portgroup_type:
    description: Kind of O(portgroup), when a standard and a distributed portgroup share the name.
    type: str
    choices: [auto, standard, distributed]
    default: auto
'''

EXAMPLES = r'''
- name: Connect web01's first adapter, now and at power on
  vmnet.doctor.vmware_vm_nic:
    hostname: vcenter.example.com
    username: admin@vsphere.local
    password: "{{ vcenter_password }}"
    vm: web01
    label: Network adapter 1
    connected: true
    start_connected: true
  delegate_to: localhost

- name: Move the adapter with this MAC to the App portgroup
  vmnet.doctor.vmware_vm_nic:
    vm: web01
    mac: "00:50:56:aa:bb:cc"
    portgroup: App
  delegate_to: localhost
'''

RETURN = r'''
nic:
  description: Label, key and MAC of the adapter.
  returned: always
  type: dict
  sample: {"label": "Network adapter 1", "key": 4000, "mac": "00:50:56:aa:bb:cc"}
changes:
  description: The fields changed (or, in check mode, that would change), one structured change each.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set", "field": "connected", "before": false, "after": true}]
commands:
  description: The vSphere call that applied the changes (or would, in check mode), as text.
  returned: always
  type: list
  elements: str
  sample: ["ReconfigVM_Task web01 connected=True"]
runtime_only:
  description: Always false; vSphere keeps the change.
  returned: always
  type: bool
  sample: false
before:
  description: The adapter's state before.
  returned: always
  type: dict
  sample: {"connected": false, "start_connected": true, "portgroup": "VM Network"}
after:
  description: The adapter's state after, read back from vSphere (predicted in check mode).
  returned: always
  type: dict
  sample: {"connected": true, "start_connected": true, "portgroup": "VM Network"}
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import client as vm_utils
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import config as cfg


def run(module, si):
    """``(nic, result)``: the adapter and the fixer result (``cfg.gate``)."""
    p = module.params
    found = cfg.read_vm_nic(si, p['vm'], p['label'], p['mac'])
    nets = cfg.host_networks(si, found['host'])
    dvpg_names = dict((ref[0], name) for name, items in nets.items() for kind, ref in items if kind == 'distributed')
    want = dict((k, p[k]) for k in ('connected', 'start_connected', 'portgroup'))
    network = None
    if p['portgroup'] is not None:
        choices = [n for n in nets.get(p['portgroup'], []) if p['portgroup_type'] in ('auto', n[0])]
        if not choices:
            raise DoctorError('portgroup %r is not available on ESXi host %s of VM %s'
                              % (p['portgroup'], found['host'].get('name'), p['vm']), obj=p['portgroup'])
        if len(choices) > 1:
            raise DoctorError('both a standard and a distributed portgroup are named %r; set portgroup_type'
                              % p['portgroup'], obj=p['portgroup'])
        network = choices[0]
    reads = [found]

    def read():
        if not reads:
            reads.append(cfg.read_vm_nic(si, p['vm'], p['label'], p['mac']))
        current = reads.pop()
        return current['nic'], cfg.nic_state(current['nic'], dvpg_names)

    def refuse(changes):
        if changes.get('connected', {}).get('after') and found['props'].get('runtime.powerState') != 'poweredOn':
            raise DoctorError('VM %s is %s: an adapter can only be connected on a running VM (use start_connected)'
                              % (p['vm'], found['props'].get('runtime.powerState')), obj=p['vm'])

    result = cfg.gate(module.check_mode, want, read,
                      lambda nic, changes: cfg.apply_vm_nic(found['vm'], p['vm'], nic, changes, network),
                      'ReconfigVM_Task %s' % p['vm'], refuse=refuse)
    nic = found['nic']
    info = {'label': nic.deviceInfo.label if nic.deviceInfo else None, 'key': nic.key,
            'mac': (nic.macAddress or '').lower() or None}
    return info, result


def main():
    argument_spec = vm_utils.vmware_argument_spec()
    argument_spec.update(
        vm=dict(type='str', required=True), label=dict(type='str'), mac=dict(type='str'),
        connected=dict(type='bool'), start_connected=dict(type='bool'), portgroup=dict(type='str'),
        portgroup_type=dict(type='str', choices=['auto', 'standard', 'distributed'], default='auto'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[['label', 'mac']], required_one_of=[['label', 'mac']])
    if not vm_utils.HAS_PYVMOMI:
        module.fail_json(msg=missing_required_lib('pyVmomi'), exception=str(vm_utils.PYVMOMI_IMPORT_ERROR))
    try:
        si = vm_utils.connect_from_params(module.params)
        try:
            nic, result = run(module, si)
        finally:
            vm_utils.disconnect(si)
    except DoctorError as exc:
        module.fail_json(**exc.to_result())
    for warning in result.pop('warnings'):    # exit_json(warnings=...) is deprecated
        module.warn(warning)
    module.exit_json(nic=nic, diff={'before': result['before'], 'after': result['after']}, **result)


if __name__ == '__main__':
    main()
