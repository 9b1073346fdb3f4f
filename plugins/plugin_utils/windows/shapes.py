# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON shapes ConvertTo-Json gives one collection, on Windows PowerShell 5.1 and PowerShell 7.

One collection can arrive as:

* a JSON array (PowerShell 7, and 5.1 for most pipelines);
* one bare object: a one-element pipeline is not wrapped in an array;
* ``{"value": [...], "Count": n}`` (also ``Value``/``count``): Windows PowerShell 5.1 writes a
  PSObject-wrapped array this way (the ETS ``Count`` property of System.Array);
* ``""``: Windows PowerShell 5.1 writes an empty collection held in a PSCustomObject property as
  an empty string, PowerShell 7 as ``[]``;
* ``null``: no objects (or the property was absent).

``section()`` turns any of these into a list of objects and raises a DoctorError naming the
section for anything else, so a malformed document never ends in a traceback. ``values()`` does
the same for a list of scalars (``IPAddresses``, ``AllowedVlanIdList``, ``RemoteAddress``).
Pure, no I/O.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

WRAPPER_VALUE = ('value', 'Value')
WRAPPER_KEYS = frozenset(['value', 'Value', 'Count', 'count'])


def unwrap(value):
    """The array inside the 5.1 wrapper ``{"value": [...], "Count": n}`` (any key case); else ``value``."""
    if isinstance(value, dict) and value and set(value) <= WRAPPER_KEYS:
        for key in WRAPPER_VALUE:
            if key in value:
                return value[key]
    return value


def values(value):
    """A list of scalars from any collection shape ("" and null are empty)."""
    value = unwrap(value)
    if value is None or value == '':
        return []
    if isinstance(value, list):
        return [v for v in (unwrap(v) for v in value) if v is not None and v != '']
    return [value]


def _describe(value):
    text = repr(value)
    return '%s %s' % (type(value).__name__, text if len(text) <= 60 else text[:57] + '...')


def section(raw, name):
    """The objects of section ``name`` of a read-script document, as a list of dicts."""
    value = unwrap((raw or {}).get(name))
    if value is None or value == '':
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        out = []
        for item in value:
            item = unwrap(item)
            if item is None or item == '':
                continue
            if not isinstance(item, dict):
                raise DoctorError('the %s section of the Windows read script is malformed: expected objects, got %s'
                                  % (name, _describe(item)), obj=name)
            out.append(item)
        return out
    raise DoctorError('the %s section of the Windows read script is malformed: expected a list of objects, got %s'
                      % (name, _describe(value)), obj=name)


@contextlib.contextmanager
def reading(name):
    """Turn a type error inside the parser of one section into a DoctorError naming it."""
    try:
        yield
    except DoctorError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise DoctorError('the %s section of the Windows read script is malformed: %s: %s'
                          % (name, type(exc).__name__, exc), obj=name)


def text(value):
    """A scalar property as text, or None (a calculated property that yields nothing is ``{}``)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return u'%s' % (value,)
