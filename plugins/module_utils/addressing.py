# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Address helpers shared by the host side and the controller: one copy of each.

* ``ip_address(value)`` - the ``ipaddress`` object of an address (an IPv6 ``%scope`` is dropped), or None.
* ``family_of(value)`` - ``'ipv4'``/``'ipv6'`` for an address or an ``address/prefixlen``, or None.
* ``version_of(value, default=None)`` - 4 or 6, ``default`` when it is not an address.
* ``canonical_mac(value)`` - a MAC address in lower case, or None for an empty value.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress


def ip_address(value):
    """The ``ipaddress`` object of an address string (without its ``%scope``), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return ipaddress.ip_address(u'%s' % str(value).split('%', 1)[0].strip())
    except ValueError:
        return None


def family_of(value):
    """``'ipv4'`` or ``'ipv6'`` for an address or ``address/prefixlen``; None when it is neither."""
    text = None if value is None else str(value).split('/', 1)[0]
    obj = ip_address(text)
    if obj is None:
        return None
    return 'ipv4' if obj.version == 4 else 'ipv6'


def version_of(value, default=None):
    """4 or 6 for an address (or ``address/prefixlen``), ``default`` otherwise."""
    family = family_of(value)
    return default if family is None else int(family[-1])


def canonical_mac(value):
    """A MAC address in lower case (as ``ip -j`` prints it), or None for an empty value."""
    if not value:
        return None
    return str(value).strip().lower()
