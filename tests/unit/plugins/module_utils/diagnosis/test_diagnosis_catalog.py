# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalog is the one place codes are defined; docs/catalog.md is generated from it."""
import glob
import os
import re

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.diagnosis import catalog, checks_witness

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..'))
DOC = os.path.join(REPO, 'docs', 'catalog.md')
ENGINE_DIR = os.path.join(REPO, 'plugins', 'module_utils', 'diagnosis')

ISSUE_CODES = ('LINK_DOWN', 'BRIDGE_PORT_DOWN', 'STP_BLOCKING', 'ADDRESS_MISSING', 'SUBNET_MISMATCH', 'NO_ROUTE',
               'GATEWAY_MISSING', 'GATEWAY_WRONG', 'FORWARDING_DISABLED', 'RP_FILTER_DROP', 'ARP_STALE',
               'ARP_INCOMPLETE', 'IP_CONFLICT', 'DUPLICATE_MAC', 'ICMP_BLOCKED', 'ICMP_IGNORED', 'MTU_MISMATCH',
               'VLAN_MISMATCH', 'MAC_FILTERED')
# The pinned fixer modules (COMMON.md, issue 4).
FIXERS = ('icmp_rule', 'default_gateway', 'static_route', 'interface_mtu', 'link_state', 'bridge_vlan',
          'mac_allow', 'neighbor', 'net_sysctl',
          # Windows / Hyper-V action plugins (issue 6)
          'win_icmp_rule', 'win_default_gateway', 'win_interface_mtu', 'hyperv_vm_nic',
          # VMware modules (issue 5), run on the controller
          'vmware_vswitch_policy', 'vmware_vm_nic')


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
        assert entry['module'].split('.')[-1] in FIXERS and entry['module'].startswith('vmnet.doctor.')


def test_document_is_generated_from_the_catalog():
    with open(DOC) as handle:
        text = handle.read()
    assert text == catalog.render_markdown(), \
        'docs/catalog.md is stale: run tests/unit/plugins/module_utils/diagnosis/gen_catalog_doc.py'


def test_every_code_documented_and_every_documented_code_known():
    with open(DOC) as handle:
        documented = set(re.findall(r'^### ([A-Z_]+)$', handle.read(), re.M))
    assert documented == set(catalog.CATALOG)


def test_every_code_is_emitted_by_a_check_and_every_emitted_code_exists():
    source = ''
    for path in glob.glob(os.path.join(ENGINE_DIR, 'checks_*.py')):
        with open(path) as handle:
            source += handle.read()
    emitted = set(re.findall(r"find\(\s*'([A-Z_]+)'", source)) | set(re.findall(r"code = '([A-Z_]+)' if", source)) \
        | set(re.findall(r"else '([A-Z_]+)'\n", source)) | set(checks_witness.CODES)
    assert emitted == set(catalog.CATALOG)


def test_layers_are_ordered_and_unique():
    assert list(catalog.LAYER_NAMES) == ['link', 'switch', 'addressing', 'routing', 'neighbor', 'firewall', 'stack']
    assert catalog.layer_index('firewall') == 5 and catalog.layer_index('nope') == len(catalog.LAYER_NAMES)
