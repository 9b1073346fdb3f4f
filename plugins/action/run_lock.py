# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A global lock on the controller so overlapping scheduled runs never interleave.

The lock is a file created with ``O_CREAT | O_EXCL`` holding the owner's process id (the
``ansible-playbook`` process: the parent of the worker that runs this action), its host name
and start time. A lock whose owner process is gone (a run that crashed or was killed) is stale
and is taken over; a lock is released only by its owner (or with ``force``).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import json
import os
import socket
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.lock import start_time

ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    wait=dict(type='float', default=0),
    force=dict(type='bool', default=False),
    owner=dict(type='int'),
)


def pid_alive(pid):
    try:
        os.kill(int(pid), 0)
    except OSError as e:
        return e.errno == errno.EPERM
    except (TypeError, ValueError):
        return False
    return True


def read_holder(path):
    """The lock file's content, ``{}`` when it is unreadable or half written, None when absent."""
    try:
        with open(path) as f:
            text = f.read()
    except (IOError, OSError) as e:
        if e.errno == errno.ENOENT:
            return None
        raise
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def is_stale(holder, hostname=None, max_age=60.0, now=None):
    """A holder on this machine whose process is gone; an empty/garbled lock older than
    ``max_age`` seconds (a writer that died between create and write)."""
    hostname = hostname or socket.gethostname()
    if holder is None:
        return True
    if not holder.get('pid'):
        started = holder.get('_mtime')
        return started is not None and (now or time.time()) - started > max_age
    if holder.get('host') != hostname:
        return False
    if holder.get('start') is not None and pid_alive(holder['pid']):
        # the pid may have been reused by another process since: compare the start times
        return start_time(holder['pid']) not in (None, holder['start'])
    return not pid_alive(holder['pid'])


def try_acquire(path, owner, hostname=None):
    """One attempt. Returns ``(acquired, holder, took_over)``."""
    hostname = hostname or socket.gethostname()
    me = {'pid': owner, 'host': hostname, 'since': time.time(), 'start': start_time(owner)}
    took_over = None
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise
            holder = read_holder(path)
            if holder is not None and not holder.get('pid'):
                try:
                    holder['_mtime'] = os.stat(path).st_mtime
                except OSError:
                    holder = None
            if holder is not None and holder.get('pid') == owner and holder.get('host') == hostname:
                return True, holder, None
            if holder is None or is_stale(holder, hostname):
                # Take over a stale lock: rename it away (atomic; only one contender wins the rename).
                aside = '%s.stale.%d' % (path, os.getpid())
                try:
                    os.rename(path, aside)
                    os.unlink(aside)
                    took_over = holder
                except OSError:
                    pass
                continue
            return False, holder, None
        with os.fdopen(fd, 'w') as f:
            json.dump(me, f)
            f.flush()
            os.fsync(f.fileno())
        return True, me, took_over
    return False, read_holder(path), None


def release(path, owner, hostname=None, force=False):
    """Remove the lock when ``owner`` holds it (or ``force``). Returns True when removed."""
    hostname = hostname or socket.gethostname()
    holder = read_holder(path)
    if holder is None:
        return False
    if not force and (holder.get('pid') != owner or holder.get('host') != hostname):
        return False
    try:
        os.unlink(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return False
        raise
    return True


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        # The ansible-playbook process: workers are its children.
        owner = args['owner'] or os.getppid()
        path = args['path']
        try:
            directory = os.path.dirname(path) or '.'
            if not os.path.isdir(directory):
                os.makedirs(directory, mode=0o755)
            if args['state'] == 'absent':
                removed = release(path, owner, force=args['force'])
                result.update(changed=removed, released=removed, path=path)
                return result
            deadline = time.time() + max(args['wait'], 0)
            while True:
                acquired, holder, took_over = try_acquire(path, owner)
                if acquired or time.time() >= deadline:
                    break
                time.sleep(0.5)
        except (IOError, OSError) as e:
            raise AnsibleActionFail('cannot use the lock file %s: %s' % (path, to_native(e)))
        result.update(changed=bool(acquired), acquired=bool(acquired), path=path, owner=owner,
                      holder=dict((k, v) for k, v in (holder or {}).items() if not k.startswith('_')),
                      took_over_stale=took_over is not None)
        if took_over is not None:
            result['stale_holder'] = dict((k, v) for k, v in took_over.items() if not k.startswith('_'))
        return result
