#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: diagnose_plan
short_description: Validate diagnosis paths and plan what each host probes and gathers
version_added: 0.1.0
description:
  - Action plugin that runs on the controller and does no I/O. It is the first step of the
    C(vmnet.doctor.diagnose) role, usable on its own.
  - Validates the paths once, with clear errors (empty list, missing C(source) or C(target_ip), a
    C(target_ip) that is not an IPv4 or IPv6 address, a host that is not in the inventory) and gives
    every path all its keys and a name (C(<source> -> <target_ip>) by default). vCenter passwords
    (C(vmware.password), C(pass), C(pwd)) are dropped from the returned paths.
  - Plans the collection - which host pings which VM, which peers and forwarded flows each host's
    M(vmnet.doctor.net_facts) looks up, which source addresses a VM pings back - and the vSphere
    reads (one per vCenter, user, VM and datacenter).
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  paths:
    description:
      - The paths, as C(diagnose_paths) of the C(vmnet.doctor.diagnose) role -
        C(source), C(target_ip) and optionally C(name), C(target_host), C(hypervisor), C(vmware).
    type: raw
    required: true
  what:
    description: Name of the input in error messages.
    type: str
    default: paths
  check_inventory:
    description: Check that C(source), C(target_host) and C(hypervisor) are inventory hosts (or C(localhost)).
    type: bool
    default: true
  host:
    description:
      - Return only the plan of this host (RV(targets), RV(peers), RV(flows), RV(reverse_targets)).
    type: str
  forward:
    description:
      - The registered forward probes (M(vmnet.doctor.icmp_probe)) by source host. The source address
        each used is what the VM pings back and what a hypervisor's flows start from; without them only
        the targets and the VM peers are planned.
    type: dict
  reverse_always:
    description:
      - With O(host), plan the reverse probe (the VM pings the source back) also for paths whose forward
        probe got replies. With V(false) only the paths whose forward probe failed are probed back; one
        round trip less, but a fault of the return direction alone (the VM cannot ping the host) goes unseen.
    type: bool
    default: true
  credentials:
    description:
      - Return only RV(credentials), the vCenter passwords of the paths by C(hostname|port|username).
        Run such a task with C(no_log).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Pure computation on the controller; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: vmnet.doctor.diagnose
'''

EXAMPLES = r'''
- name: Validate the paths and plan the collection
  vmnet.doctor.diagnose_plan:
    paths:
      - source: kvmhost01
        target_ip: 192.0.2.20
        target_host: web01
  register: plan

- name: What kvmhost01 looks up, once its forward probes ran
  vmnet.doctor.diagnose_plan:
    paths: "{{ plan.paths }}"
    host: kvmhost01
    forward:
      kvmhost01: "{{ hostvars['kvmhost01'].probe }}"
'''

RETURN = r'''
paths:
  description: The validated paths, every key present (absent hosts null, C(vmware) without secrets).
  returned: without O(host) and O(credentials)
  type: list
  elements: dict
  sample:
    - {name: kvmhost01 -> 192.0.2.20, source: kvmhost01, target_ip: 192.0.2.20, target_host: web01,
       hypervisor: null, vmware: {}}
hosts:
  description: The inventory hosts involved - sources, then VMs, then hypervisors.
  returned: without O(host) and O(credentials)
  type: list
  elements: str
  sample: [kvmhost01, web01]
plan:
  description: Per host, what it does (RV(targets), RV(peers), RV(flows), RV(reverse_targets)).
  returned: without O(host) and O(credentials)
  type: dict
  sample: {kvmhost01: {targets: [192.0.2.20], peers: [192.0.2.20], flows: [], reverse_targets: []}}
vmware_scopes:
  description: The distinct vSphere reads, C({key, credentials, vmware}).
  returned: without O(host) and O(credentials)
  type: list
  elements: dict
  sample: []
targets:
  description: The VM addresses O(host) pings.
  returned: with O(host)
  type: list
  elements: str
  sample: [192.0.2.20]
peers:
  description: The addresses O(host) looks up routes and ICMP verdicts for (the other ends of its paths).
  returned: with O(host)
  type: list
  elements: str
  sample: [192.0.2.20]
flows:
  description: The echo requests O(host) forwards as hypervisor, C({src, dst}).
  returned: with O(host)
  type: list
  elements: dict
  sample: [{src: 192.0.2.10, dst: 192.0.2.20}]
reverse_targets:
  description: The source addresses the VM O(host) pings back (for paths whose forward probe failed,
    or all with O(reverse_always)).
  returned: with O(host)
  type: list
  elements: str
  sample: [192.0.2.10]
credentials:
  description: The vCenter passwords by C(hostname|port|username).
  returned: with O(credentials)
  type: dict
  sample: {}
'''
