# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""icmp_probe on Linux hosts, win_icmp_probe on Windows hosts (plugin_utils/host_dispatch.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.host_dispatch import DispatchAction


class ActionModule(DispatchAction):
    MODULE = 'icmp_probe'
    WINDOWS_TWIN = 'win_icmp_probe'
