#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: diagnose
short_description: Explain why a host cannot ping a VM, from facts and probe results
version_added: 0.1.0
description:
  - Action plugin that runs on the controller and does no I/O. It reads the normalised facts
    (M(vmnet.doctor.net_facts), and later the VMware/Hyper-V collectors) of the source host, the
    hypervisor or switch and the VM, plus the results of M(vmnet.doctor.icmp_probe), and walks the
    path of an ICMP echo hop by hop (source host, switch/hypervisor, VM, and the reply back).
  - Returns, per path, the ordered findings (forward then return, along the path), each with a stable
    code from the catalog (see C(docs/catalog.md)), its layer, the inventory host, the exact object,
    the evidence (the facts that prove it), a confidence and a proposed fix (a C(vmnet.doctor) module
    with its arguments, or C(manual) with the reason no safe automatic fix exists).
  - Every check that ran is listed as C(pass), C(fail) or C(skipped) (with the reason, for example
    missing facts). A healthy path has no findings; a broken path nothing explains is C(unexplained)
    and no cause is invented.
  - A successful probe wins over facts that say the packet should be dropped; such findings become
    low-confidence C(notes), never findings.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  paths:
    description:
      - The paths to diagnose.
      - Each item is a dictionary with C(source) (inventory name of the pinging host, required),
        C(target_ip) (the VM address, required), C(source_facts) (required), C(probes) (required, with at
        least C(forward)), and optionally C(name) (default C(<source> -> <target_ip>)), C(target_host)
        and C(target_facts) (the VM, when it can be managed), C(hypervisor) and C(hypervisor_facts)
        (the KVM host or router between them), C(vmware_facts) (the C(vmnet_doctor_vmware) facts of
        M(vmnet.doctor.vmware_network_facts)) and C(vmware) (the VMware identifiers of the VM - C(vm_name),
        C(nic_label) or C(nic_mac), C(expected_portgroup), C(host_portgroup) or C(host_vlan_id), C(host_mtu),
        C(datacenter) - and the connection options C(hostname), C(port), C(username), C(validate_certs) the
        VMware fixes are proposed with; a password given there is dropped).
      - Facts are the C(vmnet_doctor) dictionaries (C(hostvars[h].vmnet_doctor)) of docs/facts_schema.md;
        a dictionary whose only key is C(vmnet_doctor) is accepted too. C(target_host) is required with
        C(target_facts) and C(hypervisor) with C(hypervisor_facts), because fixes name the inventory
        host they run on.
      - C(probes) keys are C(forward) (source pings the VM), C(reverse) (the VM pings the source),
        C(forward_large) and C(reverse_large) (large packets with don't-fragment); each value is one
        item of the C(results) of M(vmnet.doctor.icmp_probe).
      - For firewall verdicts, collect the facts with C(peers) (source and VM naming each other, the
        hypervisor naming both) and C(flows) (on a routing hypervisor, C(src) source, C(dst) VM).
      - With O(collected), the items are instead the paths as the C(vmnet.doctor.diagnose) role takes them
        (C(source), C(target_ip), optionally C(name), C(target_host), C(hypervisor), C(vmware); see
        M(vmnet.doctor.diagnose_plan)); their facts and probes are taken from O(collected) and O(vmware).
    type: list
    elements: dict
    required: true
  collected:
    description:
      - What each host of the paths registered, as C({facts, forward, forward_large, reverse}), each a
        dictionary of inventory host to the registered result of M(vmnet.doctor.net_facts) (C(facts)) or
        M(vmnet.doctor.icmp_probe) (the probes). A failed, unreachable or missing result is data - a host
        whose facts are missing is listed in RV(unmanaged), and a path whose source host could not be read or
        probed is not diagnosed but reported C(unexplained) with the reason.
      - The forward probe results are matched by C(target), the reverse ones by the source address the
        forward probe used.
    type: dict
  vmware:
    description:
      - With O(collected), the registered loop of M(vmnet.doctor.vmware_network_facts) over the
        C(vmware_scopes) of M(vmnet.doctor.diagnose_plan) (loop variable holding the scope). Scopes that
        could not be read are listed in RV(unmanaged).
    type: dict
attributes:
  check_mode:
    support: full
    description: Pure computation on the controller; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - The finding catalog (codes, meaning, detection, fix) is documented in C(docs/catalog.md), generated from
    C(plugins/plugin_utils/diagnosis/catalog.py).
  - Layers, in order, are C(link), C(switch), C(addressing), C(routing), C(neighbor), C(firewall), C(stack).
seealso:
  - module: vmnet.doctor.net_facts
  - module: vmnet.doctor.icmp_probe
  - module: vmnet.doctor.doctor_report
'''

EXAMPLES = r'''
- name: Collect facts on the host, the hypervisor and the VM
  vmnet.doctor.net_facts:
    peers: "{{ peers_for[inventory_hostname] }}"
    flows: "{{ flows_for[inventory_hostname] | default([]) }}"

- name: Ping the VM from the host
  vmnet.doctor.icmp_probe:
    targets: [192.0.2.20]
  register: probe
  when: inventory_hostname == 'kvmhost01'

- name: Diagnose the path
  vmnet.doctor.diagnose:
    paths:
      - source: kvmhost01
        target_ip: 192.0.2.20
        target_host: web01
        hypervisor: hv01
        source_facts: "{{ hostvars['kvmhost01'].vmnet_doctor }}"
        target_facts: "{{ hostvars['web01'].vmnet_doctor }}"
        hypervisor_facts: "{{ hostvars['hv01'].vmnet_doctor }}"
        probes:
          forward: "{{ hostvars['kvmhost01'].probe.results[0] }}"
  run_once: true
  delegate_to: localhost
  register: diagnosis

- name: Show the one-line summaries
  ansible.builtin.debug:
    msg: "{{ diagnosis.paths | map(attribute='summary') | list }}"
'''

RETURN = r'''
paths:
  description:
    - One result per input path, in input order. With O(collected), a path that was not diagnosed has
      status C(unexplained), a failed check C(source.managed) and the reason.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The path name.
      type: str
      sample: kvmhost01 -> 192.0.2.20
    source:
      description: Inventory name of the source host.
      type: str
      sample: kvmhost01
    target_ip:
      description: The VM address (canonical form).
      type: str
      sample: 192.0.2.20
    source_ip:
      description: The source address the route lookup chose, or null when unknown.
      type: str
      sample: 192.0.2.10
    family:
      description: C(ipv4) or C(ipv6).
      type: str
      sample: ipv4
    topology:
      description: C(bridged), C(routed) (the hypervisor routes) or C(unknown) (no hypervisor facts).
      type: str
      sample: bridged
    status:
      description:
        - C(ok) forward probe passed and no finding; C(degraded) it passed but a finding (MTU, reverse
          direction, intermittent conflict) or a failed large/reverse probe remains; C(broken) it failed
          and findings explain it; C(unexplained) it failed and no check explains it.
      type: str
      sample: broken
    reachable:
      description: Whether the forward probe got replies.
      type: bool
      sample: false
    findings:
      description: Ordered along the path, forward (source, switch, VM) then return (VM, switch, source).
      type: list
      elements: dict
      sample:
        - code: ICMP_BLOCKED
          layer: firewall
          host: web01
          object: {type: firewall_rule, hook: input, backend: nftables, family: inet, table: filter,
                   chain: input, handle: 5, policy: false}
          evidence: {verdict: {verdict: drop, certain: true}}
          confidence: high
          direction: forward
          message: "The input firewall on web01 drops ICMP echo-request 192.0.2.10 -> 192.0.2.20 (rule 5 in filter input)."
          fix: {module: vmnet.doctor.icmp_rule, host: web01,
                args: {source: 192.0.2.10/32, hook: input, icmp_types: [echo-request], ip_version: ipv4, state: present}}
    notes:
      description: Findings contradicted by a successful probe, at low confidence, with C(contradicted_by).
      type: list
      elements: dict
      sample: []
    checks:
      description: Every check run, with C(id), C(status) (pass, fail, skipped), C(host) and C(detail).
      type: list
      elements: dict
      sample:
        - {id: source.route, status: pass, host: kvmhost01, detail: "route to 192.0.2.20 via eth0 on-link (lookup)"}
    summary:
      description: One line for humans.
      type: str
      sample: "kvmhost01 -> 192.0.2.20: unreachable: ICMP_BLOCKED on web01 (firewall_rule 5)"
findings_total:
  description: Number of findings over all paths (notes excluded).
  returned: always
  type: int
  sample: 1
broken_paths:
  description: Names of the paths whose status is C(broken) or C(unexplained).
  returned: always
  type: list
  elements: str
  sample: [kvmhost01 -> 192.0.2.20]
inputs:
  description: With O(collected), the validated input paths (no secrets).
  returned: with O(collected)
  type: list
  elements: dict
  sample: [{name: kvmhost01 -> 192.0.2.20, source: kvmhost01, target_ip: 192.0.2.20, target_host: web01,
            hypervisor: null, vmware: {}}]
skipped:
  description: With O(collected), per path index (a string) the reason it was not diagnosed.
  returned: with O(collected)
  type: dict
  sample: {"1": unreachable}
probes:
  description: With O(collected), every probe result by host and class (C(forward), C(forward_large), C(reverse)).
  returned: with O(collected)
  type: dict
  sample: {kvmhost01: {forward: [], forward_large: [], reverse: []}}
unmanaged:
  description: With O(collected), the hosts whose facts could not be gathered and the vSphere scopes not read, with the reason.
  returned: with O(collected)
  type: dict
  sample: {web01: unreachable}
'''
