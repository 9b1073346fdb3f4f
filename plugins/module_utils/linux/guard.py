# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Management guard: snapshot the interface that carries the Ansible connection (routes, MTU,
link state) and leave behind a detached restorer that puts the snapshot back after a timeout
unless the controller confirms it can still reach the host.

* ``management_interface(runner, environ)`` - the interface the SSH connection arrived on
  (``SSH_CONNECTION`` -> ``ip -j route get <client>``); None without SSH (local/netns).
* ``restore_commands(snapshot)`` - pure: the argv lists that put the snapshot back
  (link up, MTU, flush the interface's and the default routes, re-add the recorded ones).
* ``arm`` / ``confirm`` / ``status`` - the guard file ``guard-<id>.json`` under the state dir
  holds the snapshot, the commands, the deadline and the state (armed, confirmed, restored);
  confirm and restore both take ``flock`` on it, so exactly one of them wins.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fcntl
import json
import os
import subprocess
import sys
import time
import uuid

from ansible_collections.vmnet.doctor.plugins.module_utils.addressing import version_of
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import C_LOCALE
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

# The restorer: a small stdlib-only program run as ``python -c RESTORER <guard file>``
# in its own session (it outlives the module and the connection).
RESTORER = r'''
import fcntl, json, os, subprocess, sys, time
path = sys.argv[1]
try:
    with open(path) as f:
        deadline = json.load(f)["deadline_epoch"]
except (OSError, ValueError, KeyError):
    sys.exit(0)
while time.time() < deadline:
    time.sleep(min(0.5, max(0.01, deadline - time.time())))
try:
    fd = os.open(path, os.O_RDWR)
except OSError:
    sys.exit(0)
fcntl.flock(fd, fcntl.LOCK_EX)
try:
    g = json.loads(os.pread(fd, 1 << 20, 0).decode("utf-8"))
    if g.get("state") != "armed":
        sys.exit(0)
    log = []
    for argv in g["restore"]:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env={"LANG": "C", "LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        log.append({"argv": argv, "rc": p.returncode, "output": p.stdout.decode("utf-8", "replace").strip()})
    g.update(state="restored", restored_epoch=time.time(), restore_log=log)
    data = json.dumps(g, sort_keys=True).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
    os.fsync(fd)
finally:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
'''

C_ENV = C_LOCALE


def ssh_client(environ):
    """Client address of the SSH connection this process runs under, or None."""
    parts = (environ.get('SSH_CONNECTION') or '').split()
    return parts[0] if len(parts) >= 4 else None


def management_interface(runner, environ):
    """``(interface, client_address)`` of the management connection, ``(None, None)`` without one."""
    client = ssh_client(environ)
    if not client:
        return None, None
    lookup = KernelState(runner).route_get(client, 'ipv%d' % version_of(client, 4))
    return (lookup or {}).get('dev'), client


def related_interfaces(runner, interface):
    """Interfaces whose link or MTU change also cuts the management interface: the ports of a
    bridge it is, the bridge it is a port of."""
    links = KernelState(runner).interfaces()
    out = [name for name, link in links.items() if link['master'] == interface]
    me = links.get(interface)
    if me and me['master']:
        out.append(me['master'])
    return sorted(set(out))


def snapshot(runner, interface, family=4):
    """The interface's MTU and admin state and the main table's routes through it or default, in
    the read model's shapes (docs/facts_schema.md interfaces / routes)."""
    state = KernelState(runner)
    link = state.interfaces().get(interface)
    if link is None:
        raise DoctorError('interface %s not found' % interface)
    routes = state.routes('ipv%d' % family, 'main')
    keep = [r for r in routes if r['dev'] == interface or r['dst'] == 'default']
    return {'interface': interface, 'family': family, 'mtu': link['mtu'], 'up': link['admin_up'], 'routes': keep}


def _route_argv(route, family):
    argv = ['ip', '-%d' % family, 'route', 'replace', route['dst']]
    if route.get('gateway'):
        argv += ['via', route['gateway']]
    if route.get('dev'):
        argv += ['dev', route['dev']]
    if route.get('protocol') and route['protocol'] != 'boot':   # boot: what iproute2 leaves out
        argv += ['proto', str(route['protocol'])]
    if route.get('scope') and route.get('scope') != 'global':
        argv += ['scope', str(route['scope'])]
    if route.get('prefsrc'):
        argv += ['src', route['prefsrc']]
    if route.get('metric') is not None:
        argv += ['metric', str(route['metric'])]
    if route.get('onlink') is True or 'onlink' in (route.get('flags') or []):   # schema / raw ip -j (older guard files)
        argv.append('onlink')
    return argv + ['table', 'main']


def restore_commands(snap):
    """Pure: argv lists that put ``snap`` back, whatever happened in between."""
    fam = snap.get('family', 4)
    iface = snap['interface']
    cmds = [['ip', 'link', 'set', 'dev', iface, 'up' if snap.get('up') else 'down']]
    if snap.get('mtu'):
        cmds.append(['ip', 'link', 'set', 'dev', iface, 'mtu', str(snap['mtu'])])
    default = '0.0.0.0/0' if fam == 4 else '::/0'
    cmds.append(['ip', '-%d' % fam, 'route', 'flush', 'exact', default, 'table', 'main'])
    cmds.append(['ip', '-%d' % fam, 'route', 'flush', 'dev', iface, 'table', 'main'])
    routes = snap.get('routes') or []
    # on-link routes first: the gateways of the others must be reachable when they are added
    for r in sorted(routes, key=lambda r: (1 if r.get('gateway') else 0)):
        cmds.append(_route_argv(r, fam))
    return cmds


def guard_path(state_dir, guard_id):
    if not guard_id or '/' in guard_id or guard_id.startswith('.'):
        raise DoctorError('invalid guard id %r' % guard_id)
    return os.path.join(state_dir, 'guard-%s.json' % guard_id)


def arm(runner, state_dir, interface, timeout, family=4, spawn=True):
    snap = snapshot(runner, interface, family)
    guard_id = uuid.uuid4().hex[:12]
    now = time.time()
    record = {'id': guard_id, 'interface': interface, 'snapshot': snap, 'restore': restore_commands(snap),
              'armed_epoch': now, 'deadline_epoch': now + timeout, 'state': 'armed', 'pid': None}
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = guard_path(state_dir, guard_id)
    with open(path, 'w') as f:
        json.dump(record, f, sort_keys=True)
    if spawn:
        proc = subprocess.Popen([sys.executable or '/usr/bin/python3', '-c', RESTORER, path],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                close_fds=True, start_new_session=True, cwd='/')
        record['pid'] = proc.pid
        _rewrite(path, lambda g: g.update(pid=proc.pid))
    return record


def _rewrite(path, change):
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        g = json.loads(os.pread(fd, 1 << 20, 0).decode('utf-8'))
        result = change(g)
        data = json.dumps(g, sort_keys=True).encode('utf-8')
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        return g, result
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def confirm(state_dir, guard_id, remove=True):
    """Confirm (disarm) a guard. Returns its record; ``state`` tells whether the restorer
    already put the snapshot back (``restored``) or the confirmation won (``confirmed``)."""
    path = guard_path(state_dir, guard_id)
    if not os.path.exists(path):
        raise DoctorError('no guard %s in %s' % (guard_id, state_dir))

    def change(g):
        if g.get('state') == 'armed':
            g['state'] = 'confirmed'
            g['confirmed_epoch'] = time.time()
    g, _r = _rewrite(path, change)
    if remove:
        os.unlink(path)
    return g


def status(state_dir):
    out = []
    if not os.path.isdir(state_dir):
        return out
    for name in sorted(os.listdir(state_dir)):
        if name.startswith('guard-') and name.endswith('.json'):
            try:
                with open(os.path.join(state_dir, name)) as f:
                    g = json.load(f)
            except (OSError, ValueError):
                continue
            out.append(dict((k, g.get(k)) for k in ('id', 'interface', 'state', 'deadline_epoch', 'restored_epoch')))
    return out
