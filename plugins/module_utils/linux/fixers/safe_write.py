# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Persist files of the fixers: only regular files are read or replaced.

A persist path (net_sysctl's ``persist_file``, icmp_rule's ``persist_paths``) names a file the
fixer rewrites. Whatever else is at that path - a symlink (whose target could be any file), a
device node, a directory, a FIFO - is refused before anything changes. A regular file is
replaced atomically (temp file in the same directory, fsync, rename) keeping its mode and
owner; a missing file is created 0644 in an existing directory.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import stat
import tempfile

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

_KINDS = ((stat.S_ISLNK, 'a symlink'), (stat.S_ISDIR, 'a directory'), (stat.S_ISCHR, 'a character device'),
          (stat.S_ISBLK, 'a block device'), (stat.S_ISFIFO, 'a FIFO'), (stat.S_ISSOCK, 'a socket'))


def kind_of(mode):
    for test, name in _KINDS:
        if test(mode):
            return name
    return 'not a regular file'


def check_target(path, what='persist file'):
    """The ``os.lstat`` of ``path`` when it is a regular file, None when it is missing in an
    existing directory; DoctorError (nothing changed) for anything else."""
    if not path or not os.path.isabs(path):
        raise DoctorError("%s %r must be an absolute path" % (what, path))
    try:
        st = os.lstat(path)
    except OSError as e:
        if e.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise DoctorError("cannot inspect %s %s: %s" % (what, path, e.strerror))
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            raise DoctorError("%s %s: directory %s does not exist" % (what, path, directory))
        return None
    if not stat.S_ISREG(st.st_mode):
        raise DoctorError("%s %s is %s, not a regular file: refusing to read or replace it"
                          % (what, path, kind_of(st.st_mode)))
    return st


def read_regular(path, what='persist file'):
    """Content of a regular file, None when missing (also when its directory is: writing it is
    refused later by :func:`check_target`); refuses anything else (never blocks on a FIFO or reads
    a device)."""
    if not path or not os.path.isabs(path):
        raise DoctorError("%s %r must be an absolute path" % (what, path))
    if not os.path.lexists(path):
        return None
    if check_target(path, what) is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        raise DoctorError("cannot read %s %s: %s" % (what, path, e.strerror))
    with os.fdopen(fd, 'rb') as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise DoctorError("%s %s is not a regular file: refusing to read it" % (what, path))
        return f.read().decode('utf-8', 'surrogateescape')


def write_atomic(path, content, what='persist file'):
    """Replace (or create) the regular file ``path`` with ``content`` atomically, keeping the
    mode and owner of the file it replaces."""
    st = check_target(path, what)
    directory = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix='.vmnet-doctor-')
    except OSError as e:
        raise DoctorError("cannot write %s %s: %s" % (what, path, e.strerror))
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(content.encode('utf-8', 'surrogateescape'))
            f.flush()
            os.fsync(f.fileno())
            if st is None:
                os.fchmod(f.fileno(), 0o644)
            else:
                os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode))
                if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                    os.fchown(f.fileno(), st.st_uid, st.st_gid)
        again = check_target(path, what)   # something replaced the file while we wrote: refuse
        if (again is None) != (st is None) or (st is not None and again.st_ino != st.st_ino):
            raise DoctorError("%s %s changed while it was being written: not replaced" % (what, path))
        os.rename(tmp, path)
        tmp = None
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError as e:
        raise DoctorError("cannot write %s %s: %s" % (what, path, e.strerror))
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
