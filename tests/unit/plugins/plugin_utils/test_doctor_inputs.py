# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The playbooks' doctor_* variables and --limit, checked before anything runs (issue 11 point 7)."""
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils import doctor_inputs as D

CLI = {'doctor_source': 'host', 'doctor_target_ip': '10.0.0.11'}


def fails(extra, playbook='remediate', **kw):
    with pytest.raises(DoctorError) as e:
        D.validate(dict(CLI, **extra), playbook, **kw)
    return e.value


@pytest.mark.parametrize('extra,name,words', [
    ({'doctor_lock_timeout': 'abc'}, 'doctor_lock_timeout', 'whole number'),
    ({'doctor_lock_timeout': '-1'}, 'doctor_lock_timeout', 'whole number'),
    ({'doctor_lock_timeout': 86401}, 'doctor_lock_timeout', 'between 0 and 86400'),
    ({'doctor_lock_timeout': True}, 'doctor_lock_timeout', 'whole number'),
    ({'doctor_lock_timeout': '1.5'}, 'doctor_lock_timeout', 'whole number'),
    ({'doctor_guard_timeout': '0'}, 'doctor_guard_timeout', 'between 5 and 3600'),
    ({'doctor_fail_on_broken': 'maybe'}, 'doctor_fail_on_broken', 'true or false'),
    ({'doctor_fail_on_broken': ''}, 'doctor_fail_on_broken', 'true or false'),
    ({'doctor_fail_on_broken': 2}, 'doctor_fail_on_broken', 'true or false'),
    ({'doctor_keep_partial': 'sometimes'}, 'doctor_keep_partial', 'true or false'),
    ({'doctor_allow': ['ICMP_BLOKED']}, 'doctor_allow', 'unknown finding code'),
    ({'doctor_allow': 'ICMP_BLOCKED,NOPE'}, 'doctor_allow', 'unknown finding code'),
    ({'doctor_allow': {'ICMP_BLOCKED': 1}}, 'doctor_allow', 'list of finding codes'),
    ({'doctor_allow': [None]}, 'doctor_allow', 'unknown finding code'),
    ({'doctor_report_dir': ''}, 'doctor_report_dir', 'non-empty path'),
    ({'doctor_target_ip': '10.1'}, 'doctor_target_ip', 'IPv4 or IPv6'),
    ({'doctor_target_ip': '0x7f.1'}, 'doctor_target_ip', 'IPv4 or IPv6'),
    ({'doctor_target_ip': '0.0.0.0'}, 'doctor_target_ip', 'names no single host'),
    ({'doctor_target_ip': '224.0.0.1'}, 'doctor_target_ip', 'names no single host'),
    ({'doctor_source': 'a,b'}, 'doctor_source', 'one inventory host'),
    ({'doctor_target_host': ' vm1'}, 'doctor_target_host', 'one inventory host'),
    ({'doctor_hypervisor': ''}, 'doctor_hypervisor', 'one inventory host'),
])
def test_bad_variables_fail_naming_the_variable(extra, name, words):
    err = fails(extra)
    assert err.obj == name and name in str(err) and words in str(err)


@pytest.mark.parametrize('value,expected', [('true', True), ('False', False), ('yes', True), ('0', False),
                                            (True, True), (0, False)])
def test_booleans_accept_the_usual_words(value, expected):
    assert D.validate(dict(CLI, doctor_fail_on_broken=value), 'diagnose')['doctor_fail_on_broken'] is expected


def test_allow_accepts_lists_and_comma_strings_and_normalises():
    assert D.validate(dict(CLI, doctor_allow='icmp_blocked,NO_ROUTE'), 'remediate')['doctor_allow'] == \
        ['ICMP_BLOCKED', 'NO_ROUTE']
    assert D.validate(dict(CLI, doctor_allow=['all']), 'remediate')['doctor_allow'] == ['ALL']


def test_doctor_paths_is_ignored_when_a_command_line_path_is_given():
    assert 'doctor_paths' not in D.validate(dict(CLI, doctor_paths=[]), 'diagnose')


def test_remediate_only_variables_are_not_checked_for_diagnose():
    assert D.validate(dict(CLI, doctor_lock_timeout='abc'), 'diagnose') == {
        'doctor_source': 'host', 'doctor_target_ip': '10.0.0.11'}


@pytest.mark.parametrize('variables,words', [
    ({'doctor_target_ip': '10.0.0.11'}, 'needs doctor_source'),
    ({'doctor_source': 'host'}, 'needs doctor_target_ip'),
    ({}, 'no path given'),
    ({'doctor_paths': []}, 'non-empty list of paths'),
    ({'doctor_paths': 'host->vm'}, 'non-empty list of paths'),
    ({'doctor_paths': [{'target_ip': '10.0.0.1'}]}, 'source is required'),
    ({'doctor_paths': [{'source': 'h', 'target_ip': '10.0.1'}]}, 'doctor_paths[0].target_ip'),
])
def test_a_path_is_required_and_well_formed(variables, words):
    with pytest.raises(DoctorError) as e:
        D.validate(variables, 'diagnose')
    assert words in str(e.value)


@pytest.mark.parametrize('playbook', ['diagnose', 'remediate'])
def test_a_limit_without_localhost_fails_instead_of_doing_nothing(playbook):
    err = fails({}, playbook, play_hosts=['host'], limit='host')
    assert err.obj == 'limit' and 'leaves out localhost' in str(err) and "-l 'host,localhost'" in str(err)


def test_a_limit_that_leaves_out_a_path_host_fails():
    err = fails({'doctor_target_host': 'vm1'}, play_hosts=['host', 'localhost'], limit='host,localhost',
                inventory_hosts=['host', 'vm1'])
    assert 'leaves out vm1' in str(err)


def test_a_limit_that_keeps_every_host_passes():
    assert D.validate(dict(CLI, doctor_target_host='vm1'), 'remediate', play_hosts=['host', 'vm1', 'localhost'],
                      limit='host,vm1,localhost', inventory_hosts=['host', 'vm1'])


def test_the_values_returned_hold_no_vcenter_password():
    values = {'doctor_paths': [{'source': 'h', 'target_ip': '10.0.0.1',
                                'vmware': {'hostname': 'vc', 'username': 'u', 'password': 'Sim-Secret-42'}}],
              'doctor_vmware': {'Password': 'x', 'nested': [{'pwd': 'y', 'keep': 1}]}}
    out = D.public(values)
    assert 'Sim-Secret-42' not in repr(out) and "'x'" not in repr(out) and "'y'" not in repr(out)
    assert out['doctor_paths'][0]['vmware'] == {'hostname': 'vc', 'username': 'u'}
    assert out['doctor_vmware']['nested'] == [{'keep': 1}]
    assert values['doctor_paths'][0]['vmware']['password'] == 'Sim-Secret-42'   # the input is not changed
