# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A per-host lock for remediation runs: a lease in a JSON file, read-modify-write under flock.

The lock belongs to the network stack being changed, so the file is named after the network
namespace (``netns-<inode>-<cookie>.lock``): one lock per host, and one per namespace on a host
that carries several (the test lab, containers). ``decide(current, run_id, now)`` is pure.
A lease that expired (the run died without releasing) is stale and may be taken over.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
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


def decide(current, run_id, now):
    """Pure: ``free`` (no holder), ``ours`` (same run: re-entrant), ``stale`` (lease expired)
    or ``taken`` (another live run holds it)."""
    if not current or not current.get('run_id'):
        return 'free'
    if current['run_id'] == run_id:
        return 'ours'
    if float(current.get('expires_epoch') or 0) <= now:
        return 'stale'
    return 'taken'


def describe(holder):
    return 'locked by run %s (%s) since %s, lease until %s' % (
        holder.get('run_id'), holder.get('owner') or 'unknown owner', holder.get('acquired_at'),
        holder.get('expires_at'))


class _Locked(object):
    def __init__(self, path):
        self.path = path
        self.fd = None

    def __enter__(self):
        directory = os.path.dirname(self.path)
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise DoctorError('cannot open lock file %s: %s' % (self.path, e))
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def read(self):
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
            return json.loads(data.decode('utf-8'))
        except ValueError:
            return None  # a torn or foreign file is treated as free: we rewrite it whole

    def write(self, value):
        data = json.dumps(value, sort_keys=True).encode('utf-8') if value else b''
        os.lseek(self.fd, 0, os.SEEK_SET)
        os.ftruncate(self.fd, 0)
        os.write(self.fd, data)
        os.fsync(self.fd)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def acquire(lock_dir, run_id, owner, lease, wait, check_mode=False, poll=0.5, clock=time.time, sleep=time.sleep):
    """Take the lock for ``run_id``, waiting up to ``wait`` seconds. Returns a result dict:
    ``acquired`` (bool), ``changed``, ``lock`` (the holder record now), ``waited``, ``stale_taken_over``."""
    path = lock_path(lock_dir)
    start = clock()
    while True:
        with _Locked(path) as lk:
            current = lk.read()
            now = clock()
            verdict = decide(current, run_id, now)
            if verdict in ('free', 'ours', 'stale'):
                record = {'run_id': run_id, 'owner': owner, 'pid': os.getpid(),
                          'acquired_epoch': (current or {}).get('acquired_epoch', now) if verdict == 'ours' else now,
                          'expires_epoch': now + lease}
                record['acquired_at'] = iso(record['acquired_epoch'])
                record['expires_at'] = iso(record['expires_epoch'])
                if not check_mode:
                    lk.write(record)
                return {'acquired': True, 'changed': False, 'lock': record, 'path': path,
                        'waited': round(now - start, 3), 'stale_taken_over': current if verdict == 'stale' else None,
                        'msg': 'lock acquired' + (' (stale lock of run %s taken over)' % current.get('run_id')
                                                  if verdict == 'stale' else '')}
        if now - start >= wait:
            return {'acquired': False, 'changed': False, 'lock': current, 'path': path,
                    'waited': round(now - start, 3), 'stale_taken_over': None,
                    'msg': '%s; waited %.1f s' % (describe(current), now - start)}
        sleep(min(poll, max(0.05, wait - (now - start))))


def release(lock_dir, run_id, check_mode=False):
    path = lock_path(lock_dir)
    if not os.path.exists(path):
        return {'released': False, 'changed': False, 'lock': None, 'path': path, 'msg': 'not locked'}
    with _Locked(path) as lk:
        current = lk.read()
        if decide(current, run_id, time.time()) != 'ours':
            return {'released': False, 'changed': False, 'lock': current, 'path': path,
                    'msg': 'not held by run %s' % run_id + ('; %s' % describe(current) if current else '')}
        if not check_mode:
            lk.write(None)
        return {'released': True, 'changed': False, 'lock': current, 'path': path, 'msg': 'lock released'}


def status(lock_dir):
    path = lock_path(lock_dir)
    if not os.path.exists(path):
        return {'lock': None, 'path': path, 'changed': False}
    with _Locked(path) as lk:
        return {'lock': lk.read(), 'path': path, 'changed': False}
