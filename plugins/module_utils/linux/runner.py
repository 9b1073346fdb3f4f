# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The I/O edge of the Linux collectors: run read-only commands, read /proc and /sys.

Everything the facts collector learns from the host goes through one ``CommandRunner``,
so tests replace exactly this edge (``CommandRunner.spawn`` or ``run`` for commands;
``read``/``listdir``/``exists`` for files) and nothing else.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import os
import signal
import subprocess

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

C_LOCALE = {'LANG': 'C', 'LC_ALL': 'C'}
NOT_FOUND_RC = 127


def checked(run, argv):
    """stdout of ``run(argv)`` (any ``(rc, stdout, stderr)`` runner) when it succeeded; DoctorError
    naming the command, its exit status and what it said otherwise."""
    rc, out, err = run(argv)
    if rc != 0:
        raise DoctorError('`%s` failed (rc=%s): %s' % (' '.join(to_text(a) for a in argv), rc,
                                                       to_text(err or out or '').strip()))
    return out


def run_until(argv, pattern, environ_update=None):
    """``(rc, stdout, stderr)`` of ``argv``, interrupted (SIGINT, as a user's Ctrl-C) at the first stdout
    line that matches ``pattern``; a program that prints a summary on SIGINT (ping) still prints it.
    ``argv[0]`` must be an absolute path. A program that cannot start comes back as rc 127/126."""
    env = dict(os.environ)
    env.update(environ_update if environ_update is not None else C_LOCALE)
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                universal_newlines=True)
    except (OSError, IOError) as exc:
        return (NOT_FOUND_RC if exc.errno == errno.ENOENT else 126, '', '%s: %s' % (argv[0], exc))
    seen = []
    for line in iter(proc.stdout.readline, ''):
        seen.append(line)
        if pattern.search(line):
            try:
                proc.send_signal(signal.SIGINT)
            except OSError:     # it had just ended by itself
                pass
            break
    out, err = proc.communicate()
    return proc.returncode, ''.join(seen) + (out or ''), err or ''


class CommandRunner(object):
    """Runs argv lists as processes with ``LANG=C``, no shell and no input.

    * A bare program name is looked up with ``get_bin_path`` (PATH plus the sbin dirs);
      a program that is not installed comes back as ``(127, '', '<name>: command not found')``
      instead of failing the module.
    * Results are cached per argv for the life of the runner: the collector only reads, and
      two consumers of the same dump (``nft -j list ruleset`` for the ICMP verdicts and for the
      bridge MAC filters) then cost one execution.
    * ``prefetch`` starts reads ahead, side by side; ``run`` of the same argv takes that result.

    One runner is used by one thread. ``spawn`` is the edge tests replace.
    """

    # ``run`` caches per argv, so a collector may start reads ahead (``prefetch``) for a later consumer.
    caches = True
    # The host's own state may answer a read (linux/daemons.py): see ``preset``. A recorded-output runner has not.
    reads_host = True
    # Most processes ``prefetch`` keeps running at once (each holds two pipes until it is read).
    running = 32

    def __init__(self, module):
        self._module = module
        self._bins = {}
        self._cache = {}
        self._started = {}      # argv tuple -> process (or its result, when it could not start)
        self._queue = []        # argv tuples prefetched but not started yet

    @staticmethod
    def spawn(argv):
        """Start ``argv`` (its program an absolute path): an object with ``communicate()`` and ``returncode``
        (a ``subprocess.Popen``). Raises OSError when it cannot start."""
        env = dict(os.environ)
        env.update(C_LOCALE)
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                close_fds=True)

    def prefetch(self, argvs):
        """Start ``argvs`` (independent read-only commands) now, side by side, so that their process start-ups
        and run times overlap instead of adding up; a later ``run`` of the same argv reads that result instead of
        running it again. At most ``running`` run at once: the others start as those are read."""
        for argv in argvs:
            key = tuple(argv)
            if key not in self._cache and key not in self._started and key not in self._queue:
                self._queue.append(key)
        self._fill()

    def cached(self, argv):
        """True when ``argv``'s result is known (run, or ``preset``) and reading it costs no process."""
        return tuple(argv) in self._cache

    def preset(self, argv, result):
        """Record ``result`` ``(rc, stdout, stderr)`` as the answer of ``argv`` without running it."""
        self._cache[tuple(argv)] = result

    def which(self, name):
        """Absolute path of ``name`` or None when it is not installed."""
        if name not in self._bins:
            self._bins[name] = self._module.get_bin_path(name)
        return self._bins[name]

    def run(self, argv):
        """``(rc, stdout, stderr)`` of ``argv`` (a list); never raises for a missing program."""
        key = tuple(argv)
        if key in self._cache:
            return self._cache[key]
        if key in self._queue:
            self._queue.remove(key)
        started = self._started.pop(key) if key in self._started else self._start(key)
        result = self._cache[key] = self._finish(started)
        self._fill()
        return result

    def _fill(self):
        while self._queue and len(self._started) < self.running:
            key = self._queue.pop(0)
            self._started[key] = self._start(key)

    def _start(self, key):
        argv = list(key)
        if not os.path.isabs(argv[0]):
            path = self.which(argv[0])
            if path is None:
                return (NOT_FOUND_RC, '', '%s: command not found' % argv[0])
            argv[0] = path
        try:
            return self.spawn(argv)
        except (OSError, IOError) as exc:
            return (NOT_FOUND_RC if exc.errno == errno.ENOENT else 126, '', '%s: %s' % (argv[0], exc))

    @staticmethod
    def _finish(started):
        if isinstance(started, tuple):
            return started
        out, err = started.communicate()
        return (started.returncode, to_text(out, errors='surrogate_or_replace'),
                to_text(err, errors='surrogate_or_replace'))

    def __call__(self, argv):
        return self.run(argv)

    @staticmethod
    def read(path):
        """Text of ``path``; None when it does not exist. Other errors raise (IOError/OSError)."""
        try:
            with open(path, 'r') as handle:
                return handle.read()
        except (IOError, OSError) as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return None
            raise

    @staticmethod
    def listdir(path):
        """Sorted entries of ``path``; [] when it does not exist."""
        try:
            return sorted(os.listdir(path))
        except (IOError, OSError) as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return []
            raise

    @staticmethod
    def exists(path):
        return os.path.exists(path)
