# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalog is the one place codes are defined; docs/catalog.md is generated from it."""
import os
import re

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import catalog, checks_witness
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry

from check_emissions import check_functions, emitted_codes as _source_codes
from gen_catalog_doc import lab_faults


def emitted_codes():
    """The codes the checks raise by literal (read from the source), plus the packet witness's codes,
    which ``checks_witness.apply`` raises from the kernel's drop reason (a table, not a literal)."""
    codes = _source_codes()
    for code in checks_witness.CODES:
        codes[code] = sorted(set(codes.get(code, [])) | set(['checks_witness.apply']))
    return codes


REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..'))
DOC = os.path.join(REPO, 'docs', 'catalog.md')

ISSUE_CODES = ('LINK_DOWN', 'BRIDGE_PORT_DOWN', 'STP_BLOCKING', 'ADDRESS_MISSING', 'SUBNET_MISMATCH', 'NO_ROUTE',
               'GATEWAY_MISSING', 'GATEWAY_WRONG', 'FORWARDING_DISABLED', 'RP_FILTER_DROP', 'ARP_STALE',
               'ARP_INCOMPLETE', 'IP_CONFLICT', 'DUPLICATE_MAC', 'ICMP_BLOCKED', 'ICMP_IGNORED', 'MTU_MISMATCH',
               'VLAN_MISMATCH', 'MAC_FILTERED')
MODULES = os.path.join(REPO, 'plugins', 'modules')


def test_issue_codes_are_all_in_the_catalog():
    assert set(ISSUE_CODES) <= set(catalog.CATALOG)


@pytest.mark.parametrize('code', sorted(catalog.CATALOG))
def test_entry_is_complete(code):
    entry = catalog.CATALOG[code]
    assert re.match(r'^[A-Z][A-Z0-9_]+$', code)
    assert entry['layer'] in catalog.LAYER_NAMES
    for key in ('title', 'meaning', 'detection', 'fix'):
        assert len(entry[key]) > 10, key
    assert entry['auto_fix'] is (entry['module'] is not None)
    if entry['module']:
        assert entry['module'].startswith('vmnet.doctor.')
        assert os.path.isfile(os.path.join(MODULES, entry['module'].split('.')[-1] + '.py')), entry['module']
        assert fixer_registry.entry(entry['module']) is not None, entry['module']
    assert entry['checks'], 'name the checks that raise %s' % code


def test_document_is_generated_from_the_catalog():
    with open(DOC) as handle:
        text = handle.read()
    assert text == catalog.render_markdown(lab_faults()), \
        'docs/catalog.md is stale: run tests/unit/plugins/plugin_utils/diagnosis/gen_catalog_doc.py'


def test_every_code_documented_and_every_documented_code_known():
    with open(DOC) as handle:
        documented = set(re.findall(r'^### ([A-Z_]+)$', handle.read(), re.M))
    assert documented == set(catalog.CATALOG)


def test_every_code_is_emitted_by_a_check_and_every_emitted_code_exists():
    assert set(emitted_codes()) == set(catalog.CATALOG)


@pytest.mark.parametrize('code', sorted(catalog.CATALOG))
def test_entry_names_the_checks_that_raise_it(code):
    named = catalog.CATALOG[code]['checks']
    assert set(named) <= set(check_functions()), 'no such check: %s' % sorted(set(named) - set(check_functions()))
    assert sorted(named) == emitted_codes().get(code), \
        'catalog %s checks %s, the source raises it in %s' % (code, sorted(named), emitted_codes().get(code))


def test_emission_reader_sees_helpers_and_conditional_codes():
    # check_hv_port: code = 'BRIDGE_PORT_DOWN' if bport else 'LINK_DOWN'; check_source_link calls _link_of;
    # check_icmp calls checks_windows.icmp_blocked
    emitted = emitted_codes()
    assert 'checks_l2.check_hv_port' in emitted['BRIDGE_PORT_DOWN'] and 'checks_l2.check_hv_port' in emitted['LINK_DOWN']
    assert 'checks_l2.check_source_link' in emitted['LINK_DOWN']
    assert emitted['FIREWALL_PROFILE_BLOCKS_ALL'] == ['checks_firewall.check_icmp']
    assert not any(name.split('.')[1].startswith('_') for names in emitted.values() for name in names)


def test_layers_are_ordered_and_unique():
    assert list(catalog.LAYER_NAMES) == ['link', 'switch', 'addressing', 'routing', 'neighbor', 'firewall', 'stack']
    assert catalog.layer_index('firewall') == 5 and catalog.layer_index('nope') == len(catalog.LAYER_NAMES)
