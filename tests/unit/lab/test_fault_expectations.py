# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lab fault's story in one lookup: each fault of tests/lab/vmnetlab.py declares the finding it
reproduces (code, host, fixer, object); these expectations must agree with the finding catalogue,
the fixer modules and the lab's own vocabulary. The integration tables (test_diagnose_role.py,
test_remediate_role.py), test_diagnosis_recorded.py and the benches read them."""
import os
import sys

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import catalog

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))
import vmnetlab  # noqa: E402  pylint: disable=wrong-import-position

MODULES = os.path.join(REPO, 'plugins', 'modules')
FAULTS = vmnetlab.FAULTS
MODEL_FAULTS = vmnetlab.model_faults()


def module_exists(short):
    return os.path.isfile(os.path.join(MODULES, short + '.py'))


@pytest.mark.parametrize('name', sorted(FAULTS))
def test_fault_declares_a_model_expectation_or_a_witness_story(name):
    fault = FAULTS[name]
    assert ('expect' in fault) != ('witness' in fault), '%s: declare either expect or witness' % name
    assert fault['layer'] in catalog.LAYER_NAMES, '%s: layer %s is not a catalogue layer' % (name, fault['layer'])
    if 'witness' in fault:
        assert len(fault['witness']) > 20, name


@pytest.mark.parametrize('name', MODEL_FAULTS)
def test_fault_declares_a_catalogue_code_host_and_fixer(name):
    fault = FAULTS[name]
    expect = fault['expect']
    assert set(expect) == {'code', 'host', 'fixer', 'object'}, name
    assert expect['code'] in catalog.CATALOG, '%s: code %s is not in the catalogue' % (name, expect['code'])
    assert expect['host'] in vmnetlab.ENGINE_ROLES, '%s: host %s is not a node of the host -> vm1 path' % (
        name, expect['host'])
    assert expect['object'].get('type'), name
    entry = catalog.CATALOG[expect['code']]
    if expect['fixer'] is not None:
        assert module_exists(expect['fixer']), '%s: no fixer module %s' % (name, expect['fixer'])
        why = '%s: the catalogue fixes %s with %s, the fault expects %s' % (name, expect['code'], entry['module'],
                                                                            expect['fixer'])
        # platform_modules: the fixers of the same code on other switches (Open vSwitch, VMware, Hyper-V)
        fixers = (entry['module'],) + tuple(entry.get('platform_modules') or ())
        assert entry['auto_fix'] and 'vmnet.doctor.' + expect['fixer'] in fixers, why


@pytest.mark.parametrize('name', MODEL_FAULTS)
def test_fault_layer_is_the_catalogue_layer_of_its_code(name):
    fault = FAULTS[name]
    assert fault['layer'] in catalog.LAYER_NAMES, '%s: layer %s is not a catalogue layer' % (name, fault['layer'])
    assert fault['layer'] == catalog.CATALOG[fault['expect']['code']]['layer'], name


def test_expected_finding_fills_the_lab_values():
    code, host, fixer, obj = vmnetlab.expected_finding('host_stale_arp', {'{vm1_ip}': '10.210.0.11'})
    assert (code, host, fixer) == ('ARP_STALE', 'host', 'neighbor')
    assert obj == {'type': 'neighbor', 'address': '10.210.0.11'}
    assert vmnetlab.expected_finding('vm_wrong_vlan')[2] is None


def test_faults_fixed_by_splits_automatic_and_manual():
    auto, manual = vmnetlab.faults_fixed_by(True), vmnetlab.faults_fixed_by(False)
    allow_only = vmnetlab.faults_needing_allow()
    assert sorted(auto + manual + allow_only) == MODEL_FAULTS and not set(auto) & set(manual)
    assert not set(allow_only) & set(auto + manual)
    assert {'duplicate_ip', 'vm_wrong_netmask', 'vm_wrong_vlan'} <= set(manual)
    assert vmnetlab.faults_fixed_by('net_sysctl') == ['hv_ip_forward_off', 'rp_filter_asymmetric', 'vm_icmp_ignore']


# the faults of the hosts' own firewall daemons (tests/lab/fwdaemons.py): same shape, a lab built with the daemon
import fwdaemons  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order


@pytest.mark.parametrize('name', sorted(fwdaemons.DAEMON_FAULTS))
def test_daemon_fault_declares_its_daemon_catalogue_code_and_fixer(name):
    fault = fwdaemons.DAEMON_FAULTS[name]
    assert name not in FAULTS and fault['firewall'] in fwdaemons.FIREWALLS
    assert fault['layer'] in catalog.LAYER_NAMES and set(fault['topologies']) <= set(vmnetlab.TOPOLOGIES)
    expect = fault['expect']
    assert expect['code'] in catalog.CATALOG and module_exists(expect['fixer'])
    assert expect['object']['backend'] == fault['firewall']
    assert hasattr(fwdaemons, '_inject_' + name)
