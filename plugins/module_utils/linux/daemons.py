# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a firewall front-end has anything to say, from the host's own state, without starting it.

``firewall-cmd --state`` and ``ufw status`` are Python programs (0.2-0.7 s each, most of ``net_facts``' CPU).
When the state they would report is already on the host - no firewalld process in this network namespace,
``ENABLED=no`` in ufw's configuration - the collector takes it from there. Every answer is "off" or None
(cannot tell: the front-end is asked as before), never "on".
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

UFW_CONF = '/etc/ufw/ufw.conf'


def _netns(proc, pid):
    return os.readlink(os.path.join(proc, pid, 'ns', 'net'))


def firewalld_off(proc='/proc'):
    """True when no firewalld process runs in this process's network namespace; None when that cannot be
    told (another user's namespace link unreadable, no /proc)."""
    try:
        mine = _netns(proc, 'self')
        pids = [p for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(os.path.join(proc, pid, 'cmdline'), 'rb') as handle:
                argv = handle.read().split(b'\0')[:2]
        except (IOError, OSError):
            continue            # gone meanwhile
        if b'firewalld' not in [os.path.basename(a) for a in argv]:
            continue
        try:
            if _netns(proc, pid) == mine:
                return False
        except OSError:
            if os.path.exists(os.path.join(proc, pid)):
                return None     # a firewalld whose namespace this user cannot read
    return True


def ufw_off(conf=UFW_CONF):
    """True when ufw's configuration says ``ENABLED=no`` (``ufw status`` then reports inactive); None otherwise."""
    try:
        with open(conf) as handle:
            for line in handle:
                key, _sep, value = line.strip().partition('=')
                if key.strip() == 'ENABLED':
                    return True if value.strip().strip('"\'').lower() == 'no' else None
    except (IOError, OSError):
        return None
    return None


def iptables_variant(path):
    """``'nft'`` or ``'legacy'``: the variant the ``iptables`` at ``path`` is, from the xtables multi-call binary it
    resolves to (xtables-nft-multi, xtables-legacy-multi, or the iptables-nft/iptables-legacy names); None when
    the name does not tell (``iptables -V`` is asked then)."""
    if not path:
        return None
    name = os.path.basename(os.path.realpath(path))
    for variant in ('nft', 'legacy'):
        if name in ('xtables-%s-multi' % variant, 'iptables-%s' % variant):
            return variant
    return None
