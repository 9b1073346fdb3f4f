# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The attributes every fixer module shares (after ansible.builtin.action_common_attributes):
    # one plan, changed only outside check mode, diff from the planned before/after.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    details: In check mode the module returns the changes it would make (RV(changes), RV(after) predicted) and changes nothing.
  diff_mode:
    support: full
    details: The diff is the before and after state of the objects the module manages (also in RV(before) and RV(after)).
'''

    # Where a module runs; combine one with the fixer attributes above.
    PLATFORM_LINUX = r'''
attributes:
  platform:
    platforms: linux
'''

    PLATFORM_WINDOWS = r'''
attributes:
  platform:
    platforms: windows
'''

    PLATFORM_VMWARE = r'''
attributes:
  platform:
    platforms: vmware
    details: Runs on the controller and talks to vCenter or ESXi through the vSphere API.
'''
