# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Project exceptions. module_utils raise these; main() catches them once and fails."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type


class DoctorError(Exception):
    """Something the collection could not do, with a message naming what and why.

    ``DoctorError(message)`` is enough. Optionally ``obj`` names the object that failed
    (an interface, an address, a rule...) and ``detail`` carries structured data (command,
    rc, stderr...) for the module to return next to ``msg``. ``str(error)`` is ``message``.
    """

    def __init__(self, message, obj=None, detail=None):
        super(DoctorError, self).__init__(message)
        self.message = message
        self.obj = obj
        self.detail = detail

    def to_result(self):
        """Keyword arguments for ``module.fail_json`` (``msg`` plus ``obj``/``detail`` when set)."""
        result = {'msg': self.message}
        if self.obj is not None:
            result['obj'] = self.obj
        if self.detail is not None:
            result['detail'] = self.detail
        return result
