# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""net_facts on Linux hosts, win_net_facts on Windows hosts (plugin_utils/host_dispatch.py).

On Windows, ``flows`` is not passed (Windows Firewall does not filter forwarded traffic, so there
is no forward verdict to compute) and neither are the Linux-only ``include_local_routes`` and
``gather_rulesets``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.host_dispatch import DispatchAction


class ActionModule(DispatchAction):
    MODULE = 'net_facts'
    WINDOWS_TWIN = 'win_net_facts'
    WINDOWS_DROPPED = ('flows', 'include_local_routes', 'gather_rulesets', 'probe')
