# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A per-host lock for remediation runs: a short lease in a JSON file, read-modify-write under flock.

The lock belongs to the network stack being changed, so the file is named after the network
namespace (``netns-<inode>-<cookie>.lock``): one lock per host, and one per namespace on a host
that carries several (the test lab, containers). ``decide(current, run_id, now, alive)`` is pure.

A holder is gone - its lock is stale and may be taken over - when its lease expired (the run
renews it while it runs) or when its controller process is known to be dead: the record names
the controller (``ansible-playbook``'s pid and start time, the machine's boot id and pid
namespace), so whoever shares that process view (the target itself when the controller is the
same machine, or the controller of a later run) checks whether that process still runs.
The file is removed on release; check mode never creates it.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import errno
import fcntl
import json
import os
import socket
import struct
import time

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


SO_NETNS_COOKIE = 71   # Linux >= 5.14: a 64-bit id of the network namespace, never reused until reboot


def netns_id():
    """Identity of this network namespace: ``<inode>-<cookie>``. Inode numbers of deleted
    namespaces are reused; the cookie is not, so a lock left by a deleted namespace never
    applies to a new one (without the cookie, on older kernels, the inode alone)."""
    try:
        inode = os.stat('/proc/self/ns/net').st_ino
    except OSError:
        inode = 0
    cookie = None
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            cookie = struct.unpack('=Q', sock.getsockopt(socket.SOL_SOCKET, SO_NETNS_COOKIE, 8))[0]
        finally:
            sock.close()
    except (OSError, struct.error):
        cookie = None
    return '%d' % inode if cookie is None else '%d-%d' % (inode, cookie)


def lock_path(lock_dir):
    return os.path.join(lock_dir, 'netns-%s.lock' % netns_id())


# ------------------------------------------------------------------ process identity / liveness

def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except (IOError, OSError):
        return None


def process_view():
    """``(boot id, pid namespace inode)``: two processes with the same view see the same pids."""
    try:
        pidns = os.stat('/proc/self/ns/pid').st_ino
    except OSError:
        pidns = None
    return _read('/proc/sys/kernel/random/boot_id'), pidns


def start_time(pid):
    """Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or None."""
    text = _read('/proc/%d/stat' % int(pid))
    if not text:
        return None
    try:
        return int(text.rsplit(')', 1)[1].split()[19])
    except (IndexError, ValueError):
        return None


def controller_identity(pid, user=None):
    """The record of a controller process (on the machine that runs it)."""
    boot_id, pidns = process_view()
    return {'pid': int(pid), 'start': start_time(pid), 'host': socket.gethostname(), 'user': user,
            'boot_id': boot_id, 'pidns': pidns}


def controller_alive(controller, view=None, start_of=start_time):
    """True/False when ``controller`` (a :func:`controller_identity` record) can be checked from
    here - same boot id and pid namespace - else None (another machine: only the lease counts)."""
    if not controller or not controller.get('pid') or not controller.get('boot_id'):
        return None
    boot_id, pidns = view or process_view()
    if controller.get('boot_id') != boot_id or controller.get('pidns') != pidns:
        return None
    started = start_of(controller['pid'])
    if started is None:
        return False
    return controller.get('start') is None or started == controller['start']


def decide(current, run_id, now, alive=None):
    """Pure: ``free`` (no holder), ``ours`` (same run: re-entrant, renews), ``stale`` (lease
    expired, or ``alive`` is False: the holder's controller process is gone) or ``taken``."""
    if not current or not current.get('run_id'):
        return 'free'
    if current['run_id'] == run_id:
        return 'ours'
    if float(current.get('expires_epoch') or 0) <= now or alive is False:
        return 'stale'
    return 'taken'


def describe(holder):
    controller = holder.get('controller') or {}
    text = 'locked by run %s (%s) since %s, lease until %s' % (
        holder.get('run_id'), holder.get('owner') or 'unknown owner', holder.get('acquired_at'), holder.get('expires_at'))
    if controller.get('pid'):
        text += ' (controller process %s on %s)' % (controller['pid'], controller.get('host'))
    return text


# ------------------------------------------------------------------ the lock file

class _Locked(object):
    """The lock file opened and flocked. ``create=False`` (check mode, release, status) never
    creates it: ``fd`` stays None when it does not exist. Because release unlinks the file, a
    file that was unlinked between open and flock is reopened."""

    def __init__(self, path, create=True):
        self.path = path
        self.create = create
        self.fd = None

    def __enter__(self):
        for _attempt in range(100):
            try:
                if self.create:
                    os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
                flags = os.O_RDWR | (os.O_CREAT if self.create else 0) | os.O_NOFOLLOW
                self.fd = os.open(self.path, flags, 0o600)
            except OSError as e:
                if e.errno == errno.ENOENT and not self.create:
                    self.fd = None
                    return self
                raise DoctorError('cannot open lock file %s: %s' % (self.path, e))
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                same = os.stat(self.path).st_ino == os.fstat(self.fd).st_ino
            except OSError:
                same = False
            if same:
                return self
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
        raise DoctorError('lock file %s keeps being replaced' % self.path)

    def read(self):
        if self.fd is None:
            return None
        os.lseek(self.fd, 0, os.SEEK_SET)
        data = b''
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            data += chunk
        if not data.strip():
            return None
        try:
            value = json.loads(data.decode('utf-8'))
        except ValueError:
            return None  # a torn or foreign file is treated as free: we rewrite it whole
        return value if isinstance(value, dict) else None

    def write(self, value):
        data = json.dumps(value, sort_keys=True).encode('utf-8')
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.ftruncate(self.fd, 0)
        os.write(self.fd, data)
        os.fsync(self.fd)

    def remove(self):
        """Unlink the file while holding its flock (waiters reopen: see __enter__)."""
        if self.fd is not None:
            try:
                os.unlink(self.path)
            except OSError as e:
                if e.errno != errno.ENOENT:
                    raise DoctorError('cannot remove lock file %s: %s' % (self.path, e))

    def __exit__(self, *exc):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def _alive(current, view=None):
    return controller_alive((current or {}).get('controller'), view)


def acquire(lock_dir, run_id, owner, lease, wait, check_mode=False, controller=None, break_run_id=None,
            poll=0.5, clock=time.time, sleep=time.sleep):
    """Take (or renew) the lock for ``run_id``, waiting up to ``wait`` seconds. Returns a result
    dict: ``acquired`` (bool), ``changed``, ``lock`` (the holder record now), ``waited``,
    ``stale_taken_over``. ``break_run_id`` names a holder the caller found dead (its controller
    checked the process): that holder is taken over. Check mode reads only."""
    if int(lease) <= 0:
        raise DoctorError('lease must be a positive number of seconds (got %s)' % lease)
    if int(wait) < 0:
        raise DoctorError('wait must be 0 or more seconds (got %s)' % wait)
    path = lock_path(lock_dir)
    start = clock()
    while True:
        with _Locked(path, create=not check_mode) as lk:
            current = lk.read()
            now = clock()
            alive = _alive(current)
            if current and break_run_id and current.get('run_id') == break_run_id:
                alive = False
            verdict = decide(current, run_id, now, alive)
            if verdict in ('free', 'ours', 'stale'):
                record = {'run_id': run_id, 'owner': owner, 'controller': controller or {},
                          'acquired_epoch': current.get('acquired_epoch', now) if verdict == 'ours' else now,
                          'expires_epoch': now + int(lease), 'lease': int(lease)}
                record['acquired_at'] = iso(record['acquired_epoch'])
                record['expires_at'] = iso(record['expires_epoch'])
                if not check_mode:
                    lk.write(record)
                why = ''
                if verdict == 'stale':
                    why = ' (stale lock of run %s taken over: %s)' % (
                        current.get('run_id'), 'its controller process is gone' if alive is False else 'lease expired')
                return {'acquired': True, 'changed': False, 'lock': record, 'path': path,
                        'waited': round(now - start, 3), 'stale_taken_over': current if verdict == 'stale' else None,
                        'renewed': verdict == 'ours',
                        'msg': ('lock renewed' if verdict == 'ours' else 'lock acquired') + why}
        if now - start >= wait:
            return {'acquired': False, 'changed': False, 'lock': current, 'path': path,
                    'waited': round(now - start, 3), 'stale_taken_over': None,
                    'msg': '%s; waited %.1f s' % (describe(current), now - start)}
        sleep(min(poll, max(0.05, wait - (now - start))))


def release(lock_dir, run_id=None, check_mode=False, force=False):
    """Release the lock of ``run_id`` (or, with ``force``, whoever holds it) and remove the file."""
    path = lock_path(lock_dir)
    with _Locked(path, create=False) as lk:
        if lk.fd is None:
            return {'released': False, 'changed': False, 'lock': None, 'path': path, 'msg': 'not locked'}
        current = lk.read()
        if not force and decide(current, run_id, time.time()) != 'ours':
            return {'released': False, 'changed': False, 'lock': current, 'path': path,
                    'msg': 'not held by run %s' % run_id + ('; %s' % describe(current) if current else '')}
        if not check_mode:
            lk.remove()
        return {'released': True, 'changed': False, 'lock': current, 'path': path,
                'msg': 'lock released' + (' (broken with force)' if force and current
                                          and current.get('run_id') != run_id else '')}


def status(lock_dir, now=None):
    """The holder, whether its lease is still valid and whether its controller process runs
    (None when that cannot be checked from here)."""
    path = lock_path(lock_dir)
    with _Locked(path, create=False) as lk:
        current = lk.read()
    if not current:
        return {'lock': None, 'path': path, 'changed': False, 'held': False, 'msg': 'not locked'}
    now = time.time() if now is None else now
    alive = _alive(current)
    held = decide(current, None, now, alive) == 'taken'
    return {'lock': current, 'path': path, 'changed': False, 'held': held, 'controller_alive': alive,
            'msg': describe(current) + ('' if held else ' (stale: it will be taken over)')}
