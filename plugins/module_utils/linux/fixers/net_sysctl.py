# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: the kernel settings that decide whether a ping gets through, and nothing else.

The runtime value is written to /proc/sys (so it applies to the network namespace the task
runs in). With `persist`, the key is also set in a sysctl.d file that belongs to this
collection (other lines of that file are kept; no other file is touched).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import check_ifname
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.parse import sysctl_value

DEFAULT_PERSIST_FILE = '/etc/sysctl.d/90-vmnet-doctor.conf'
FILE_HEADER = ('# Managed by the vmnet.doctor.net_sysctl Ansible module: reachability settings.\n'
               '# Lines for other keys are kept; edit with care.\n')

# name -> (key template, per-interface?, allowed values, what it does)
SETTINGS = {
    'ip_forward': ('net.ipv4.ip_forward', False, (0, 1), 'IPv4 routing between interfaces'),
    'ipv6_forwarding': ('net.ipv6.conf.{iface}.forwarding', True, (0, 1), 'IPv6 routing'),
    'rp_filter': ('net.ipv4.conf.{iface}.rp_filter', True, (0, 1, 2),
                  'reverse path filter: 0 off, 1 strict, 2 loose'),
    'icmp_echo_ignore_all': ('net.ipv4.icmp_echo_ignore_all', False, (0, 1), 'ignore IPv4 pings'),
    'icmpv6_echo_ignore_all': ('net.ipv6.icmp.echo_ignore_all', False, (0, 1), 'ignore IPv6 pings'),
    'arp_ignore': ('net.ipv4.conf.{iface}.arp_ignore', True, (0, 1, 2, 3, 4, 5, 6, 7, 8),
                   'which ARP requests to answer'),
    'arp_announce': ('net.ipv4.conf.{iface}.arp_announce', True, (0, 1, 2), 'ARP source address choice'),
}


def sysctl_key(name, iface):
    template, per_iface, _values, _doc = SETTINGS[name]
    # sysctl.d/`sysctl` spell a dot inside an interface name (eth0.10) as a slash
    return template.format(iface=iface.replace('.', '/')) if per_iface else template


def proc_path(name, iface):
    template, per_iface, _values, _doc = SETTINGS[name]
    parts = template.split('.')
    return '/proc/sys/' + '/'.join(iface if p == '{iface}' else p for p in parts)


def want_from_params(params):
    name = params['name']
    if name not in SETTINGS:
        raise DoctorError("sysctl '%s' is not one this module manages (allowed: %s)"
                          % (name, ', '.join(sorted(SETTINGS))))
    _template, per_iface, values, _doc = SETTINGS[name]
    value = params['value']
    if value not in values:
        raise DoctorError('value %s is out of range for %s (allowed: %s)'
                          % (value, name, ', '.join(str(v) for v in values)))
    iface = params.get('interface')
    if iface is None:
        iface = 'all'
    elif not to_text(iface).strip():
        raise DoctorError('interface must name an interface, "all" or "default" (got an empty string; '
                          'omit it for "all")')
    if iface != 'all' and not per_iface:
        raise DoctorError('%s is a global setting: interface must be omitted or "all"' % name)
    if iface not in ('all', 'default'):
        check_ifname(iface)
    persist_file = to_text(params.get('persist_file') or DEFAULT_PERSIST_FILE)
    if not persist_file.startswith('/'):
        raise DoctorError('persist_file must be an absolute path')
    return {'name': name, 'value': value, 'interface': iface, 'key': sysctl_key(name, iface),
            'path': proc_path(name, iface), 'persist': bool(params.get('persist')),
            'persist_file': persist_file}


def collect(runner, want):
    if want['persist']:   # refused before any change: the runtime write would otherwise stay alone
        runner.check_writable(want['persist_file'])
    try:
        persisted = runner.read_file(want['persist_file'])
    except DoctorError:
        if want['persist']:
            raise
        persisted = None   # only read for a warning: a path that is not a regular file is ignored
    have = {'runtime': runner.read(want['path']), 'file': persisted}
    if want['name'] == 'rp_filter' and want['interface'] != 'all':
        have['rp_filter_all'] = runner.read(proc_path('rp_filter', 'all'))
    return have


_LINE_RE = re.compile(r'^\s*-?\s*([A-Za-z0-9_./-]+)\s*=\s*(.*?)\s*$')


def _norm_key(key):
    """sysctl.d accepts net/ipv4/ip_forward too: swap separators back to the dotted form."""
    if key.startswith('net/'):
        return key.translate({ord('/'): '.', ord('.'): '/'})
    return key


def file_value(content, key):
    """The value the file sets for key (last one wins, as sysctl applies them), or None."""
    found = None
    for line in (content or '').splitlines():
        m = _LINE_RE.match(line)
        if m and not line.lstrip().startswith(('#', ';')) and _norm_key(m.group(1)) == key:
            found = m.group(2)
    return found


def file_with(content, key, value):
    """The file content with `key = value` (replaces the key's lines, else appends)."""
    lines, done = [], False
    for line in (content or FILE_HEADER).splitlines():
        m = _LINE_RE.match(line)
        if m and not line.lstrip().startswith(('#', ';')) and _norm_key(m.group(1)) == key:
            if not done:
                lines.append('%s = %s' % (key, value))
                done = True
            continue
        lines.append(line)
    if not done:
        lines.append('%s = %s' % (key, value))
    return '\n'.join(lines) + '\n'


def plan(want, have):
    if have['runtime'] is None:
        if want['interface'] not in ('all', 'default'):
            raise DoctorError("interface '%s' does not exist on this host (no %s)"
                              % (want['interface'], want['path']))
        raise DoctorError('%s is not available on this kernel (no %s)' % (want['key'], want['path']))
    changes = []
    if sysctl_value(have['runtime']) != want['value']:
        changes.append({'action': 'set_runtime', 'proc': want['path'], 'content': '%d\n' % want['value']})
    if want['persist'] and file_value(have['file'], want['key']) != str(want['value']):
        changes.append({'action': 'persist', 'write': want['persist_file'],
                        'content': file_with(have['file'], want['key'], want['value'])})
    return changes


def _view(want, runtime, persisted):
    view = {'key': want['key'], 'value': runtime}
    if want['persist']:
        view['persisted'] = persisted
        view['persist_file'] = want['persist_file']
    return view


def states(want, have, changes):
    runtime, persisted = sysctl_value(have['runtime']), sysctl_value(file_value(have['file'], want['key']))
    after_rt, after_p = runtime, persisted
    for c in changes:
        if c['action'] == 'set_runtime':
            after_rt = want['value']
        else:
            after_p = want['value']
    return _view(want, runtime, persisted), _view(want, after_rt, after_p)


def runtime_only(want):
    return not want['persist']


def warnings(want, have):
    out = []
    persisted = sysctl_value(file_value(have['file'], want['key']))
    if not want['persist'] and persisted is not None and persisted != want['value']:
        out.append('%s sets %s = %s, which will come back at the next boot (use persist=true)'
                   % (want['persist_file'], want['key'], persisted))
    if want['name'] == 'rp_filter' and want['interface'] != 'all':
        all_value = sysctl_value(have.get('rp_filter_all'))
        if all_value is not None and all_value > want['value']:
            out.append('net.ipv4.conf.all.rp_filter is %s: the kernel uses max(all, %s), so the effective '
                       'value stays %s' % (all_value, want['interface'], all_value))
    return out
