# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: witness_paths
short_description: What the packet witness watches on one host of a diagnosis
positional: hostvars, host
version_added: 0.2.0
author: vmnet.doctor contributors (@vmnet-doctor)
description:
  - Used by the C(vmnet.doctor.diagnose) role. From the normalised paths and the forward probes the source
    hosts registered (C(__diagnose_forward)), returns what C(vmnet.doctor.packet_witness) needs on one host
    for the paths that host is on and whose probe failed - the addresses to watch, the ICMP identifier
    every hop of the run agrees on, and the targets to send to when the host is a source.
  - Paths whose probe answered are left out, so when every probe answers the witness does not run.
options:
  _input:
    description: The normalised paths (C(__diagnose_paths)).
    type: list
    elements: dict
    required: true
  hostvars:
    description: C(hostvars).
    type: dict
    required: true
  host:
    description:
      - The inventory host the witness would run on.
      - Not given (or null) - the failed paths of every host, for example to ask whether any path failed.
    type: str
'''

EXAMPLES = r'''
- name: Work out the failed paths this host witnesses
  ansible.builtin.set_fact:
    witness: "{{ __diagnose_paths | vmnet.doctor.witness_paths(hostvars, inventory_hostname) }}"
'''

RETURN = r'''
_value:
  description: C(addresses) (list), C(identifier) (int), C(send) (list of targets), C(paths) (names), C(token)
    (a file-name-safe name of this run on this host, for the witness rendezvous).
  type: dict
'''

import hashlib
import json
import re


def _forward(hostvars, source, target_ip):
    registered = (hostvars.get(source) or {}).get('__diagnose_forward') or {}
    for result in registered.get('results') or []:
        if isinstance(result, dict) and result.get('target') == target_ip:
            return result
    return None


def run_identifier(paths, started):
    """A 16-bit ICMP identifier that every host of the run computes alike (never 0)."""
    digest = hashlib.sha256(json.dumps([paths, started], sort_keys=True, default=str).encode('utf-8')).hexdigest()
    return int(digest[:4], 16) or 1


def run_token(started, host):
    """A file-name-safe name of this run on this host (the witness rendezvous'), alike for every subset of paths."""
    digest = hashlib.sha256(json.dumps(started, default=str).encode('utf-8')).hexdigest()
    return '%s-%s' % (digest[:12], re.sub(r'[^A-Za-z0-9_.-]', '_', host or 'all')[:64])


def witness_paths(paths, hostvars, host=None):
    addresses, send, names = [], [], []
    for path in paths or []:
        if host is not None and host not in (path.get('source'), path.get('target_host'), path.get('hypervisor')):
            continue
        forward = _forward(hostvars, path.get('source'), path.get('target_ip'))
        if forward is not None and forward.get('reachable'):
            continue
        names.append(path.get('name'))
        for address in (path.get('target_ip'), (forward or {}).get('source_address')):
            if address and address not in addresses:
                addresses.append(address)
        if host is not None and host == path.get('source') and path.get('target_ip') not in send:
            send.append(path.get('target_ip'))
    # when this run's diagnosis was planned (on the controller): every host of the run reads the same value
    started = ((hostvars.get('localhost') or {}).get('__diagnose_plan') or {}).get('started')
    return {'addresses': addresses, 'send': send, 'paths': names,
            'identifier': run_identifier(paths, started), 'token': run_token(started, host)}


class FilterModule(object):
    def filters(self):
        return {'witness_paths': witness_paths}
