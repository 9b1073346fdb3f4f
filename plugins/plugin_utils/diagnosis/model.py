# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings, check records and the per-path context the checks write to. No I/O."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.catalog import CATALOG

# Position of each role along the forward path.
HOPS = {'source': 0, 'switch': 1, 'target': 2}
DIRECTIONS = ('forward', 'return')

# Which probes a finding would break. A passing probe contradicts the findings that
# would have broken it (they become low-confidence notes).
BREAKS_ALL = ('forward', 'reverse')


def host_prefix(address):
    """address/32 or address/128."""
    return '%s/%s' % (address, 128 if ':' in str(address) else 32)


def fix_module(module, host, **args):
    return {'module': 'vmnet.doctor.%s' % module, 'host': host, 'args': args}


def fix_manual(reason):
    return {'manual': True, 'reason': reason}


class PathContext(object):
    """Everything known about one path, and the records checks produce."""

    def __init__(self, name, views, target_ip):
        self.name = name
        self.views = views              # role -> HostView
        self.target_ip = target_ip
        self.findings = []
        self.checks = []
        self.topology = {}              # filled by topology.resolve()
        self.vmware_facts = None
        self.vmware = {}                # the path's VMware identifiers (no password)
        self._seq = 0

    def view(self, role):
        return self.views[role]

    def host(self, role):
        view = self.views.get(role)
        return view.host if view is not None else None

    def check(self, check_id, role, status, detail):
        self.checks.append({'id': check_id, 'status': status, 'host': self.host(role), 'detail': detail})
        return status

    def passed(self, check_id, role, detail):
        return self.check(check_id, role, 'pass', detail)

    def skipped(self, check_id, role, detail):
        return self.check(check_id, role, 'skipped', detail)

    def failed(self, check_id, role, detail):
        return self.check(check_id, role, 'fail', detail)

    def find(self, code, role, direction, obj, evidence, confidence, message, fix,
             check_id=None, breaks=BREAKS_ALL, symptom=False):
        """Record a finding (and its failed check when check_id is given)."""
        if code not in CATALOG:
            raise ValueError('finding code %s is not in the catalog' % code)
        self._seq += 1
        finding = {
            'code': code,
            'layer': CATALOG[code]['layer'],
            'host': self.host(role),
            'object': obj,
            'evidence': evidence,
            'confidence': confidence,
            'direction': direction,
            'message': message,
            'fix': fix,
            '_role': role,
            '_seq': self._seq,
            '_breaks': tuple(breaks),
            '_symptom': symptom,
        }
        self.findings.append(finding)
        if check_id:
            self.failed(check_id, role, message)
        return finding

    def has_code(self, *codes):
        return any(f['code'] in codes for f in self.findings)


def path_order_key(finding):
    """Forward findings source->switch->VM, then return findings VM->switch->source."""
    hop = HOPS.get(finding.get('_role'), 1)
    if finding.get('direction') == 'return':
        return (1, -hop, finding.get('_seq', 0))
    return (0, hop, finding.get('_seq', 0))


def public(finding, **extra):
    """The finding as returned to users (internal keys dropped)."""
    out = dict((k, v) for k, v in finding.items() if not k.startswith('_'))
    out.update(extra)
    return out
