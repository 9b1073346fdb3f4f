# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the payloads of the modules a run will use before its first task needs them.

ansible-core wraps a Python module and every ``module_utils`` file it imports into one payload
(AnsiballZ) the first time a run uses the module, in the worker that runs that task; finding those
files means parsing each of them. For ``net_facts`` that is about half a second of controller time,
for ``icmp_probe``, ``host_lock`` or a fixer 0.25-0.4 s, and each of them lands on the path to the
answer (issue 16). The run keeps the payloads in its own cache directory (``ansiballz_cache`` under
its local temporary directory), which every worker of the run reads, and a worker that finds a
payload being built there waits for it (ansible-core's file lock). ``prebuild`` builds payloads into
that cache in a background process while the run does other work (its planning tasks on the
controller, the hosts' probes); a module the background process has not built yet is built on first
use, as without it. The payload does not depend on the task's arguments or the host's interpreter.

It uses ansible-core's ``modify_module``; when that is missing or fails, nothing is built and nothing
else changes. ``VMNET_DOCTOR_PREBUILD=0`` in the controller's environment turns it off.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import shutil
import signal

from ansible import constants as C

try:
    from ansible.executor import module_common
except ImportError:  # pragma: no cover - an ansible-core without it builds on first use
    module_common = None

PREFIX = 'vmnet.doctor.'
FQN = 'ansible_collections.vmnet.doctor.plugins.modules.'
DEADLINE = 120      # seconds: a background build that takes longer ends (the run builds on first use)
MAX_FD = 65536


def cache_dir():
    return os.path.join(C.DEFAULT_LOCAL_TMP, 'ansiballz_cache')


def missing(names, compression):
    """The modules of ``names`` whose payload is not in the run's cache yet (in order, once each)."""
    out = []
    for name in names:
        cached = os.path.join(cache_dir(), '%s%s-%s-none' % (FQN, name, compression))
        if name not in out and not os.path.exists(cached):
            out.append(name)
    return out


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


def build(action, names, task_vars, run_pid=None):
    """Build the payloads of ``names`` into the run's cache, in this process. Returns the names built.
    ``run_pid``: the run's ansible-playbook process. Once it has ended (it removes its temporary directory on
    exit) nothing more is built, and a directory this build made after that is removed."""
    loader = action._shared_loader_obj.module_loader
    compression = C.config.get_config_value('DEFAULT_MODULE_COMPRESSION', variables=task_vars)
    built = []
    for name in names:
        if not os.path.isdir(C.DEFAULT_LOCAL_TMP) or (run_pid and not _alive(run_pid)):
            break
        try:
            found = loader.find_plugin_with_context(PREFIX + name)
            if not found.resolved:
                continue
            # The payload goes to the cache before the interpreter is looked at: a host whose interpreter is
            # discovered later ends in InterpreterDiscoveryRequiredError here, with the payload built.
            module_common.modify_module(
                module_name=PREFIX + name, module_path=found.plugin_resolved_path, module_args={},
                templar=action._templar, task_vars=task_vars, module_compression=compression)
        except Exception:  # pylint: disable=broad-except
            pass
        if not missing([name], compression):
            built.append(name)
    if run_pid and not _alive(run_pid):
        shutil.rmtree(C.DEFAULT_LOCAL_TMP, ignore_errors=True)
    return built


def prebuild(action, names, task_vars):
    """Build the payloads of the modules ``names`` (short names of this collection's modules, the first
    needed first) into the run's cache in a detached background process, and return at once: True when
    one was started. Never fails."""
    if module_common is None or C.DEFAULT_DEBUG or os.environ.get('VMNET_DOCTOR_PREBUILD', '1') == '0':
        return False
    if getattr(getattr(action, '_shared_loader_obj', None), 'module_loader', None) is None:
        return False
    try:
        todo = missing(names or [], C.config.get_config_value('DEFAULT_MODULE_COMPRESSION', variables=task_vars))
    except Exception:  # pylint: disable=broad-except
        return False
    if not todo:
        return False
    run_pid = os.getppid()      # the worker's parent: the run's ansible-playbook process
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
        return True
    # The child forks the builder and leaves at once, so that the builder is nobody's zombie. The builder
    # writes nowhere but the cache: its own session (no terminal signal reaches it), standard streams on /dev/null,
    # no other descriptor of the worker kept (whoever reads ansible-playbook's output to its end never waits for
    # it), and it never returns into ansible.
    try:
        if os.fork():
            os._exit(0)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, MAX_FD)
        signal.alarm(DEADLINE)
        build(action, todo, task_vars, run_pid)
    except BaseException:  # pylint: disable=broad-except
        pass
    os._exit(0)
