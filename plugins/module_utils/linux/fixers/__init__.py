# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux fixers: one file per resource, all built the same way.

Every resource module here exposes:

``want_from_params(params) -> want``   pure: validates and normalises the user input
``collect(runner, want) -> have``      the only reads (``ip -j``, ``bridge -j``, /proc/sys)
``plan(want, have) -> [change, ...]``  pure: validates against the current state (raises
                                       DoctorError with nothing changed) and returns the changes
``states(want, have, changes) -> (before, after)``  pure: structured diff, ``after`` predicted
``RUNTIME_ONLY``                       whether a change is lost at reboot (or a function
                                       ``runtime_only(want)`` when that depends on the input)
``warnings(want, have) -> [str]``      optional: things the user should know, nothing changed
``apply(runner, changes)``             optional: a wrapper of :func:`common.apply` passed to
                                       ``run_fixer(module, fixer, apply_hook=fixer.apply)``

A change is ``{'action': str, 'argv': [...]}`` (a command, argv[0] a bare tool name) or
``{'action': str, 'write': path, 'content': str}`` (a file write). :func:`common.gate`
ties them together behind one check-mode gate, collects again after a real run (``after`` is
observed; a plan still not empty fails) and returns the result shape every vmnet.doctor fixer
shares (``plugin_utils/remediation/fixer_registry.py``): ``changes`` (these dicts, without file contents),
``commands`` (each change as text), ``before``, ``after``, ``warnings``, ``runtime_only``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type
