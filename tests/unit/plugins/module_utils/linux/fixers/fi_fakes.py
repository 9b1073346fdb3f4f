# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helpers for the iproute2 fixers: fixture loading and a recording fake runner."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'fixtures', 'fixers_ip')


def text(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def load(name):
    return json.loads(text(name))


class FakeRunner(object):
    """Answers `json(argv)`/`check(argv)`/`read(path)` from a dict; records writes.

    `fail` maps an argv tuple to the stderr the command fails with."""

    def __init__(self, outputs=None, files=None, fail=None):
        self.outputs = dict((tuple(k), v) for k, v in (outputs or {}).items())
        self.files = dict(files or {})
        self.fail = dict((tuple(k), v) for k, v in (fail or {}).items())
        self.ran = []
        self.written = {}

    def json(self, argv):
        key = tuple(argv)
        if key not in self.outputs:
            raise AssertionError('unexpected read command: %r' % (argv,))
        value = self.outputs[key]
        return json.loads(value) if isinstance(value, str) else value

    def check(self, argv):
        key = tuple(argv)
        if key in self.fail:
            raise DoctorError('`%s` failed (rc=2): %s' % (' '.join(argv), self.fail[key]))
        self.ran.append(list(argv))
        return ''

    def read(self, path):
        return self.files.get(path)

    def read_file(self, path, what='persist file'):
        return self.files.get(path)

    def check_writable(self, path, what='persist file'):
        return None

    def write(self, path, content):
        self.written[path] = content
        self.files[path] = content

    def write_proc(self, path, value):
        self.written[path] = value
        self.files[path] = value

    def run(self, argv):
        key = tuple(argv)
        if key in self.fail:
            return 2, '', self.fail[key]
        if key in self.outputs:
            return 0, self.outputs[key], ''
        raise AssertionError('unexpected command: %r' % (argv,))
