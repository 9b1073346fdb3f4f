# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one verdict of a path, shared by diagnose.yml (report.path_state) and remediate.yml
(remediation.finish): the same state of a path never reads OK to one and BROKEN to the other.

Pure, no I/O.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

# The engine's statuses (diagnosis.engine.verdict) that are not OK.
NOT_OK_STATUSES = ('broken', 'degraded', 'fail', 'failed')
OK_STATUSES = ('ok', 'healthy', 'pass', 'passed')
# Remediation results that leave the path OK; any other result is broken for doctor_fail_on_broken.
REMEDIATION_OK = ('ok', 'restored')


def path_verdict(status, findings=None, reachable=None):
    """``ok``, ``broken`` (a finding, or a probe failed: engine status broken/degraded) or
    ``unexplained`` (not reachable and no check explains it, or not diagnosed)."""
    status = str(status or '').lower()
    if findings or status in NOT_OK_STATUSES:
        return 'broken'
    if status in OK_STATUSES:
        return 'ok'
    if not status and reachable is True:
        return 'ok'
    return 'unexplained'


def reachable(classes):
    """The forward probe (and the large don't-fragment one, when it ran) got replies."""
    if not classes or 'forward' not in classes:
        return False
    return all(classes[c]['reachable'] for c in ('forward', 'forward_large') if c in classes)


def healthy(classes):
    """Every probe class that ran answers, the reverse one (the VM pinging back) included."""
    return reachable(classes) and all(c['reachable'] for c in classes.values())


def forward_better(before, after):
    """The forward probe went from no reply to replies, or its loss dropped by 10 points or more."""
    before, after = before or {}, after or {}
    if 'forward' not in after:
        return False
    if after['forward']['reachable'] and not before.get('forward', {}).get('reachable', False):
        return True
    return 'forward' in before and before['forward']['loss'] - after['forward']['loss'] >= 10


def remediation_result(before_verdict, fixes, final, any_verified, first=None):
    """The result of a remediated path: ``ok`` (it was OK and nothing was changed), ``restored``
    (every probe that ran answers now), ``improved`` (not healthy, but a verified fix made the forward
    probe better and it gets replies), or ``broken``. Never ``improved`` at 100 % forward loss."""
    if before_verdict == 'ok' and not fixes:
        return 'ok'
    if healthy(final):
        return 'restored'
    forward = (final or {}).get('forward') or {}
    if any_verified and forward.get('reachable') and (first is None or forward_better(first, final)
                                                      or reachable(final)):
        return 'improved'
    return 'broken'
