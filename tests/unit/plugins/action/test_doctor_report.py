# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""doctor_report action helpers: atomic write and collection version (real files in tmp_path)."""
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.action import doctor_report


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / 'r.json'
    target.write_text('old')
    doctor_report.write_atomic(str(target), '{"new": 1}\n')
    assert target.read_text() == '{"new": 1}\n'
    assert sorted(os.listdir(tmp_path)) == ['r.json']
    assert oct(target.stat().st_mode & 0o777) == '0o644'


def test_write_atomic_failure_keeps_old_file(tmp_path):
    target = tmp_path / 'r.json'
    target.write_text('old')
    with pytest.raises(TypeError):
        doctor_report.write_atomic(str(target), object())
    assert target.read_text() == 'old'
    assert sorted(os.listdir(tmp_path)) == ['r.json']


def test_collection_version_from_manifest_then_galaxy(tmp_path):
    (tmp_path / 'galaxy.yml').write_text('namespace: vmnet\nname: doctor\nversion: 1.2.3\n')
    assert doctor_report.collection_version(str(tmp_path)) == '1.2.3'
    (tmp_path / 'MANIFEST.json').write_text(json.dumps({'collection_info': {'version': '2.0.0'}}))
    assert doctor_report.collection_version(str(tmp_path)) == '2.0.0'
    assert doctor_report.collection_version(str(tmp_path / 'nothing')) is None


def test_collection_version_of_this_checkout():
    import yaml
    with open(os.path.join(doctor_report.COLLECTION_ROOT, 'galaxy.yml')) as f:
        assert doctor_report.collection_version() == str(yaml.safe_load(f)['version'])
