# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: forward_rtt
short_description: The round trips a reverse probe may expect, from the forward probes of the same hosts
positional: forward
version_added: 0.2.0
author: vmnet.doctor contributors (@vmnet-doctor)
description:
  - Used by the C(vmnet.doctor.remediate) role to verify a wave. A VM pinging its source host back crosses the same
    two one-way paths as the source's echo to the VM, so the round trip the forward probe just measured bounds how
    long the reverse probe waits for a reply that does not come (M(vmnet.doctor.icmp_probe) O(expected_rtt)).
  - Targets whose forward probe did not answer are left out (they are waited for the probe's timeout).
options:
  _input:
    description: The C(pairs) of one reverse probe item of the remediation plan (target -> C(host), C(target) of the
      forward probe between the same two hosts).
    type: dict
    required: true
  forward:
    description: The registered result of the forward probe loop (C(vmnet.doctor.icmp_probe) with C(delegate_to)).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Let the VMs ping the source hosts back
  vmnet.doctor.icmp_probe:
    targets: "{{ item.targets }}"
    expected_rtt: "{{ item.pairs | vmnet.doctor.forward_rtt(forward_results) }}"
  delegate_to: "{{ item.host }}"
  loop: "{{ reverse_items }}"
'''

RETURN = r'''
_value:
  description: Target -> milliseconds (the largest round trip of the forward probe between the same two hosts).
  type: dict
'''

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation.plan import forward_rtts


class FilterModule(object):
    def filters(self):
        return {'forward_rtt': forward_rtts}
