# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure diagnosis engine of vmnet.doctor (no I/O): facts + probe results -> findings.

Entry points: ``engine.diagnose(paths)`` and ``engine.validate(paths)``; the finding codes
live in ``catalog.CATALOG``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type
