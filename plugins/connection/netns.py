# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: netns
short_description: Run tasks inside a Linux network namespace on the controller
description:
  - Runs tasks inside a named Linux network namespace of the Ansible controller, the way
    C(ip netns exec NAME /bin/sh -c COMMAND) does. The file system is shared with the controller,
    only the network stack (interfaces, addresses, routes, neighbours, firewall rules, sysctls
    under C(net.)) is the namespace's own.
  - Typical targets are the C(qrouter-<uuid>) and C(qdhcp-<uuid>) namespaces of an OpenStack
    Neutron network node, the per-container namespaces of Docker, Podman or Kubernetes pods
    (after C(ip netns attach NAME PID)), and the network namespaces of the vmnet.doctor test lab
    (C(tests/lab/lab.py)) that stand in for physical hosts, hypervisors and virtual machines.
  - The namespace must be a named one, listed by C(ip netns list) (a bind mount under
    C(/run/netns/)).
  - Entering a network namespace needs C(CAP_SYS_ADMIN), in practice running C(ansible) as root on
    the controller.
  - Files are copied with the controller's file system (the namespace shares it), so C(copy),
    C(template), C(fetch) and module transfer work as with the C(ansible.builtin.local) connection.
version_added: 0.1.0
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  remote_addr:
    description:
      - The address of the target; used as the namespace name when O(netns_name) is not set.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
  netns_name:
    description:
      - Name of the network namespace to run in, as shown by C(ip netns list).
      - When not set, O(remote_addr) is used (C(ansible_host), else the inventory hostname), so an
        inventory whose host names are namespace names needs no further variable.
    type: str
    vars:
      - name: ansible_netns_name
    env:
      - name: VMNET_DOCTOR_NETNS_NAME
  netns_ip_command:
    description:
      - The C(ip) command (from iproute2) used to enter the namespace. A bare name is looked up in
        E(PATH), then in C(/usr/sbin) and C(/sbin).
    type: str
    default: ip
    vars:
      - name: ansible_netns_ip_command
    env:
      - name: VMNET_DOCTOR_NETNS_IP_COMMAND
  netns_executable:
    description:
      - Shell that runs the command Ansible builds, inside the namespace.
    type: str
    default: /bin/sh
    vars:
      - name: ansible_netns_executable
  netns_environment:
    description:
      - Environment variables added to every command run in the namespace, for example
        C(DBUS_SYSTEM_BUS_ADDRESS) when the namespace's firewalld or NetworkManager listens on a
        private D-Bus system bus (as in the vmnet.doctor test lab).
    type: dict
    default: {}
    vars:
      - name: ansible_netns_environment
extends_documentation_fragment:
  - connection_pipelining
notes:
  - The remote user is ignored; tasks run as the user that runs Ansible (root).
  - Privilege escalation (C(become)) works when it needs no password (for example C(sudo) as root,
    or to drop to another user); password prompts are not supported by this connection.
  - Only the network namespace is entered. Processes, mounts and users are the controller's.
seealso:
  - name: ip-netns(8)
    description: Manual page of C(ip netns).
    link: https://man7.org/linux/man-pages/man8/ip-netns.8.html
"""

EXAMPLES = r"""
# Inventory (YAML): the OpenStack router namespace of a network node, and a lab VM.
# all:
#   hosts:
#     router1:
#       ansible_connection: vmnet.doctor.netns
#       ansible_netns_name: qrouter-8f4e2c3a-1b2d-4c5e-9f10-2a3b4c5d6e7f
#     lab-vm1:
#       ansible_connection: vmnet.doctor.netns
#       ansible_python_interpreter: /usr/bin/python3
#       # no ansible_netns_name: the inventory hostname is the namespace name

# Ad hoc: show the addresses inside the namespace
# ansible -i inventory.yml router1 -m ansible.builtin.command -a "ip -j addr"

# Playbook
- name: Inspect a container's network namespace
  hosts: pods
  gather_facts: false
  vars:
    ansible_connection: vmnet.doctor.netns
    ansible_netns_name: "cni-{{ pod_id }}"
  tasks:
    - name: Collect the normalised network facts
      vmnet.doctor.net_facts:
"""

import difflib
import os
import re
import shutil
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()

NETNS_RUN_DIR = '/run/netns'
CAP_SYS_ADMIN = 21
_NAME_RE = re.compile(r'^[A-Za-z0-9_.:@+-]{1,255}$')


def has_cap_sys_admin(status_path='/proc/self/status'):
    """Return True when the current process has CAP_SYS_ADMIN in its effective set."""
    try:
        with open(status_path) as handle:
            for line in handle:
                if line.startswith('CapEff:'):
                    return bool(int(line.split()[1], 16) & (1 << CAP_SYS_ADMIN))
    except (OSError, ValueError, IndexError):
        pass
    return os.geteuid() == 0


def list_namespaces(run_dir=None):
    """Names of the named network namespaces (what ``ip netns list`` shows)."""
    try:
        return sorted(os.listdir(run_dir or NETNS_RUN_DIR))
    except OSError:
        return []


def find_ip_command(command):
    """Resolve the ``ip`` command; None when it cannot be found."""
    if os.path.sep in command:
        return command if os.access(command, os.X_OK) else None
    found = shutil.which(command)
    if found:
        return found
    for directory in ('/usr/sbin', '/sbin', '/usr/bin', '/bin'):
        candidate = os.path.join(directory, command)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


class Connection(ConnectionBase):
    """Run commands inside a named Linux network namespace of the controller."""

    transport = 'vmnet.doctor.netns'
    has_pipelining = True
    has_tty = False

    def __init__(self, *args, **kwargs):
        super(Connection, self).__init__(*args, **kwargs)
        self.cwd = None
        self._netns = None
        self._ip_command = None

    def _netns_name(self):
        name = self.get_option('netns_name') or self.get_option('remote_addr') or self._play_context.remote_addr
        if not name:
            raise AnsibleConnectionFailure('vmnet.doctor.netns: no network namespace name given '
                                           '(set ansible_netns_name)')
        return to_text(name)

    def _connect(self):
        if self._connected:
            return self
        name = self._netns_name()
        if not _NAME_RE.match(name) or name in ('.', '..'):
            raise AnsibleConnectionFailure("invalid network namespace name %r" % name)
        ip_command = find_ip_command(self.get_option('netns_ip_command'))
        if ip_command is None:
            raise AnsibleConnectionFailure(
                "the 'ip' command (iproute2) was not found as %r: install iproute2 on the controller "
                "or set ansible_netns_ip_command" % self.get_option('netns_ip_command'))
        if not has_cap_sys_admin():
            raise AnsibleConnectionFailure(
                'entering a network namespace needs root (CAP_SYS_ADMIN): run as root or with become '
                'on the controller (for example sudo ansible-playbook ...)')
        if not os.path.exists(os.path.join(NETNS_RUN_DIR, name)):
            raise AnsibleConnectionFailure(self._missing_message(name))
        self._netns = name
        self._ip_command = ip_command
        display.vvv(u'ESTABLISH NETNS CONNECTION TO {0}'.format(name), host=name)
        self._connected = True
        return self

    @staticmethod
    def _missing_message(name, present=None):
        """Names only the namespaces that look like the one asked for (same name up to its last
        dash, or close spellings), never every namespace of the machine (other tenants' names)."""
        present = list_namespaces() if present is None else present
        stem = name.rsplit('-', 1)[0] + '-' if '-' in name else name
        similar = [n for n in present if n.startswith(stem)]
        similar += [n for n in difflib.get_close_matches(name, present, n=3, cutoff=0.75) if n not in similar]
        hint = ('similar names: %s' % ', '.join(similar[:5]) + (', ...' if len(similar) > 5 else '')
                if similar else 'no namespace with a similar name; see ip netns list')
        return "network namespace '%s' does not exist (%s)" % (name, hint)

    def _build_argv(self, cmd):
        executable = self.get_option('netns_executable') or '/bin/sh'
        return [self._ip_command, 'netns', 'exec', self._netns, executable, '-c', to_text(cmd)]

    def _environment(self):
        extra = self.get_option('netns_environment') or {}
        if not extra:
            return None
        env = dict(os.environ)
        env.update((to_native(k), to_native(v)) for k, v in extra.items())
        return env

    def exec_command(self, cmd, in_data=None, sudoable=True):
        """Run a shell command inside the namespace."""
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        become_active = bool(sudoable and self.become and getattr(self.become, '_id', None))
        if become_active and self.become.expect_prompt():
            raise AnsibleError('vmnet.doctor.netns does not support become password prompts; '
                               'run as root or use a become method that needs no password')
        argv = self._build_argv(cmd)
        display.vvv(u'EXEC {0}'.format(argv), host=self._netns)
        try:
            proc = subprocess.Popen(argv, cwd=self.cwd, stdin=subprocess.PIPE, env=self._environment(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise AnsibleConnectionFailure('could not start %s: %s' % (argv[0], to_native(exc)))
        stdout, stderr = proc.communicate(in_data)
        if proc.returncode == 255 and b'Cannot open network namespace' in stderr:
            raise AnsibleConnectionFailure(self._missing_message(self._netns))
        if become_active:
            stdout = self._strip_become_success(stdout)
        return proc.returncode, stdout, stderr

    def _strip_become_success(self, stdout):
        marker = to_bytes(getattr(self.become, 'success', '') or '')
        if not marker:
            return stdout
        index = stdout.find(marker)
        if index < 0:
            return stdout
        end = stdout.find(b'\n', index)
        return b'' if end < 0 else stdout[end + 1:]

    def _copy(self, in_path, out_path):
        b_in = to_bytes(in_path, errors='surrogate_or_strict')
        b_out = to_bytes(out_path, errors='surrogate_or_strict')
        if not os.path.exists(b_in):
            raise AnsibleFileNotFound('file or module does not exist: %s' % to_native(in_path))
        try:
            shutil.copyfile(b_in, b_out)
        except shutil.SameFileError:
            raise AnsibleError('failed to copy: %s and %s are the same' % (to_native(in_path), to_native(out_path)))
        except OSError as exc:
            raise AnsibleError('failed to copy %s to %s: %s' % (to_native(in_path), to_native(out_path), to_native(exc)))

    def put_file(self, in_path, out_path):
        """Copy a controller file to the target (the same file system)."""
        super(Connection, self).put_file(in_path, out_path)
        display.vvv(u'PUT {0} TO {1}'.format(in_path, out_path), host=self._netns)
        self._copy(in_path, out_path)

    def fetch_file(self, in_path, out_path):
        """Copy a target file back to the controller (the same file system)."""
        super(Connection, self).fetch_file(in_path, out_path)
        display.vvv(u'FETCH {0} TO {1}'.format(in_path, out_path), host=self._netns)
        self._copy(in_path, out_path)

    def reset(self):
        self.close()

    def close(self):
        """Nothing stays open between commands."""
        self._connected = False
