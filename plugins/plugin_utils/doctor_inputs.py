# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command-line variables of playbooks/diagnose.yml and remediate.yml, checked before anything
runs (no lock, no probe): pure, unit-tested; the action plugin ``doctor_inputs`` calls it first.

Why here and not in the roles: the playbooks turn ``doctor_*`` into role variables with Jinja
filters (``| int``, ``| bool``) that read ``abc`` as 0 and ``maybe`` as false; and a ``--limit``
that leaves out localhost (where both playbooks plan, diagnose and report) skips every play, so
the run would end with rc 0 having done nothing.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.catalog import CATALOG

PLAYBOOKS = ('diagnose', 'remediate')
TRUE_WORDS = ('true', 'yes', 'on', '1', 'y', 't')
FALSE_WORDS = ('false', 'no', 'off', '0', 'n', 'f')
# name -> (playbooks, kind, bounds)
VARIABLES = {
    'doctor_fail_on_broken': (PLAYBOOKS, 'bool', None),
    'doctor_keep_partial': (('remediate',), 'bool', None),
    'doctor_persist': (('remediate',), 'bool', None),
    'doctor_lock_timeout': (('remediate',), 'int', (0, 86400)),
    'doctor_guard_timeout': (('remediate',), 'int', (5, 3600)),
    'doctor_allow': (('remediate',), 'codes', None),
    'doctor_report_dir': (PLAYBOOKS, 'text', None),
    'doctor_source': (PLAYBOOKS, 'host', None),
    'doctor_target_host': (PLAYBOOKS, 'host', None),
    'doctor_hypervisor': (PLAYBOOKS, 'host', None),
    'doctor_target_ip': (PLAYBOOKS, 'ip', None),
    'doctor_paths': (PLAYBOOKS, 'paths', None),
}


def _bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise DoctorError('%s must be true or false, got %r' % (name, value), obj=name)


def _int(name, value, bounds):
    if isinstance(value, bool):
        raise DoctorError('%s must be a whole number of seconds, got %r' % (name, value), obj=name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise DoctorError('%s must be a whole number of seconds, got %r' % (name, value), obj=name)
    low, high = bounds
    if not low <= value <= high:
        raise DoctorError('%s must be between %d and %d seconds, got %d' % (name, low, high, value), obj=name)
    return value


def _codes(name, value):
    if isinstance(value, str):
        # -e doctor_allow=ICMP_BLOCKED,NO_ROUTE: a comma-separated list, as the role's argument spec reads it
        value = value.split(',')
    if not isinstance(value, (list, tuple)):
        raise DoctorError('%s must be a list of finding codes, got %r' % (name, value), obj=name)
    out = []
    for code in value:
        text = str(code).strip().upper() if isinstance(code, str) else None
        if text != 'ALL' and text not in CATALOG:
            raise DoctorError('%s: unknown finding code %r (known: all, %s)' % (name, code, ', '.join(sorted(CATALOG))),
                              obj=name)
        out.append(text)
    return out


def _text(name, value):
    if not isinstance(value, str) or not value.strip() or '\0' in value:
        raise DoctorError('%s must be a non-empty path, got %r' % (name, value), obj=name)
    return value


def _host(name, value):
    if not isinstance(value, str) or not value.strip() or value != value.strip() or ',' in value \
            or any(c.isspace() for c in value):
        raise DoctorError('%s must be one inventory host name, got %r' % (name, value), obj=name)
    return value


def _ip(name, value):
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ''
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise DoctorError('%s must be an IPv4 or IPv6 address (four decimal numbers 0-255, no short or hex forms), '
                          'got %r' % (name, value), obj=name)
    if ip.is_unspecified or ip.is_multicast or text == '255.255.255.255':
        raise DoctorError('%s %s names no single host' % (name, text), obj=name)
    return str(ip)


def _paths(name, value):
    if not isinstance(value, (list, tuple)) or not value:
        raise DoctorError('%s must be a non-empty list of paths ({source, target_ip, ...}), got %r' % (name, value),
                          obj=name)
    for index, item in enumerate(value):
        where = '%s[%d]' % (name, index)
        if not isinstance(item, dict):
            raise DoctorError('%s must be a dict with source and target_ip, got %r' % (where, item), obj=name)
        if not item.get('source'):
            raise DoctorError('%s.source is required' % where, obj=name)
        _host('%s.source' % where, item['source'])
        _ip('%s.target_ip' % where, item.get('target_ip'))
        for key in ('target_host', 'hypervisor'):
            if item.get(key) is not None:
                _host('%s.%s' % (where, key), item[key])
    return value


CHECKS = {'bool': _bool, 'codes': _codes, 'text': _text, 'host': _host, 'ip': _ip, 'paths': _paths}


def path_hosts(variables):
    """Inventory hosts the paths name (command line or doctor_paths)."""
    if variables.get('doctor_target_ip') is not None:
        items = [dict((k, variables.get('doctor_' + k)) for k in ('source', 'target_host', 'hypervisor'))]
    else:
        items = [p for p in variables.get('doctor_paths') or [] if isinstance(p, dict)]
    hosts = []
    for item in items:
        for key in ('source', 'target_host', 'hypervisor'):
            if item.get(key) and item[key] not in hosts:
                hosts.append(item[key])
    return hosts


def validate(variables, playbook, play_hosts=None, limit=None, inventory_hosts=None):
    """Check the ``doctor_*`` variables of ``playbook``; DoctorError naming the first bad one.

    ``play_hosts``: the hosts the first play (``all:localhost``) runs on, i.e. what ``--limit``
    left; ``limit``: the ``--limit`` pattern (``ansible_limit``) or None; ``inventory_hosts``: every
    inventory host (a path host that is not one is the role's error to report). Returns the normalised values.
    """
    if playbook not in PLAYBOOKS:
        raise DoctorError('playbook must be one of %s, got %r' % (', '.join(PLAYBOOKS), playbook))
    if limit and play_hosts is not None and 'localhost' not in play_hosts:
        raise DoctorError(
            '--limit %s leaves out localhost, where %s.yml plans, diagnoses and reports (it reaches the hosts of the '
            'paths by itself): nothing would run. Drop --limit (doctor_source, doctor_target_host, doctor_hypervisor '
            'or doctor_paths choose the hosts), or keep localhost in it, e.g. -l \'%s,localhost\'.'
            % (limit, playbook, limit), obj='limit')
    out = {}
    for name in sorted(VARIABLES):
        books, kind, bounds = VARIABLES[name]
        if name not in variables or variables[name] is None:
            continue
        if playbook not in books:
            continue
        if name == 'doctor_paths' and variables.get('doctor_target_ip') is not None:
            continue   # the command-line path wins (as in the playbooks)
        value = variables[name]
        out[name] = _int(name, value, bounds) if kind == 'int' else CHECKS[kind](name, value)
    if variables.get('doctor_target_ip') is not None and not variables.get('doctor_source'):
        raise DoctorError('doctor_target_ip needs doctor_source (the inventory host that pings it)', obj='doctor_source')
    if variables.get('doctor_source') and variables.get('doctor_target_ip') is None:
        raise DoctorError('doctor_source needs doctor_target_ip (the VM address it pings)', obj='doctor_target_ip')
    if variables.get('doctor_target_ip') is None and not variables.get('doctor_paths'):
        raise DoctorError('no path given: -e doctor_source=HOST -e doctor_target_ip=ADDRESS, or a doctor_paths list',
                          obj='doctor_target_ip')
    if limit and play_hosts is not None:
        left_out = [h for h in path_hosts(variables) if h not in play_hosts and h != 'localhost'
                    and (inventory_hosts is None or h in inventory_hosts)]
        if left_out:
            raise DoctorError('--limit %s leaves out %s, named by the paths: its probes and facts would be missing. '
                              'Drop --limit, or keep every host of the paths in it.' % (limit, ', '.join(left_out)),
                              obj='limit')
    return out


SECRET_KEYS = ('password', 'pass', 'pwd')


def public(value):
    """``value`` with every secret (a ``password``/``pass``/``pwd`` key at any depth: the vCenter
    password of a path) left out, for the task result and so for every callback and report."""
    if isinstance(value, dict):
        return dict((k, public(v)) for k, v in value.items() if str(k).lower() not in SECRET_KEYS)
    if isinstance(value, (list, tuple)):
        return [public(v) for v in value]
    return value
