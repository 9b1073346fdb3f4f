# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/lab/lab.py up (what `make lab` runs) on a fresh clone: the inventory directory does not exist yet
(issue 11: it ended in a traceback and left the lab up). A failing `up` removes the lab it built."""
import os
import subprocess
import sys

import pytest

from vmnetlab import destroy_lab, list_lab_namespaces, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_PY = os.path.join(REPO, 'tests', 'lab', 'lab.py')
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')


def lab_py(*args):
    return subprocess.run([sys.executable, LAB_PY] + list(args), capture_output=True, text=True, timeout=300,
                          check=False)


def test_up_creates_the_inventory_directory(tmp_path):
    prefix = unique_prefix('lc')
    inventory = tmp_path / '.cache' / 'lab' / (prefix + '.yml')
    try:
        proc = lab_py('up', '--topology', 'bridged', '--prefix', prefix, '--inventory', str(inventory))
        assert proc.returncode == 0, proc.stderr
        assert 'Traceback' not in proc.stderr and inventory.exists()
        assert list_lab_namespaces(prefix)
    finally:
        destroy_lab(prefix)
    assert not list_lab_namespaces(prefix)


def test_failed_up_leaves_no_lab_and_no_traceback(tmp_path):
    prefix = unique_prefix('lc')
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory\n')
    try:
        proc = lab_py('up', '--topology', 'bridged', '--prefix', prefix, '--inventory', str(blocker / 'lab.yml'))
        assert proc.returncode == 1
        assert 'Traceback' not in proc.stderr and 'lab was removed again' in proc.stderr, proc.stderr
        assert not list_lab_namespaces(prefix)
    finally:
        destroy_lab(prefix)
