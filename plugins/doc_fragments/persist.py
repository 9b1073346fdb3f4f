# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The persist option of the Linux gateway, route and MTU fixers (module_utils/linux/persist.py).
    DOCUMENTATION = r'''
options:
  persist:
    description:
      - Also write the change where the host's network manager keeps it, so that it survives a reboot or a
        reconfiguration, in the NetworkManager connection of the device (C(nmcli connection modify); while
        NetworkManager does not run, its keyfile through C(nmcli --offline connection modify)), a
        systemd-networkd drop-in C(/etc/systemd/network/<file>.network.d/vmnet-doctor.conf), or the
        C(iface) stanza of the device in C(/etc/network/interfaces) (ifupdown).
      - The manager is found from its own files and state; netplan, ifcfg, NetworkManager keyfiles without
        C(nmcli), and a device no manager knows get a warning and RV(persist_skipped),
        nothing is written for them.
      - The result lists what was written where in RV(persisted); diff shows the file content or the
        connection values before and after.
    type: bool
    default: false
'''
