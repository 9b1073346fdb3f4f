# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # vCenter / ESXi connection options shared by the vmware_* modules.
    DOCUMENTATION = r'''
options:
  hostname:
    description:
      - vCenter Server or ESXi host name or address.
      - Falls back to the E(VMWARE_HOST) environment variable.
    type: str
    required: true
  port:
    description:
      - HTTPS port of the vSphere API.
      - Falls back to the E(VMWARE_PORT) environment variable.
    type: int
    default: 443
  username:
    description:
      - User name to log in with.
      - Falls back to the E(VMWARE_USER) environment variable.
    type: str
    required: true
    aliases: [user]
  password:
    description:
      - Password of O(username).
      - Falls back to the E(VMWARE_PASSWORD) environment variable.
    type: str
    required: true
    aliases: [pass, pwd]
  validate_certs:
    description:
      - Verify the server's TLS certificate against the system trust store.
      - Set to V(false) only for lab servers with self-signed certificates.
      - Falls back to the E(VMWARE_VALIDATE_CERTS) environment variable.
    type: bool
    default: true
requirements:
  - pyVmomi (on the machine the task runs on, usually the controller or a jump host)
notes:
  - Reads use the PropertyCollector (one RetrievePropertiesEx per question), so the number of
    SOAP round trips does not grow with the number of hosts or VMs.
'''
