# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""addressing.py: the one copy of the address helpers the host side and the controller share."""
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils import addressing as A
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import guard, parse, probe
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import facts
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import probe as win_probe


@pytest.mark.parametrize('value,family,version', [
    ('10.0.0.1', 'ipv4', 4), ('10.0.0.0/24', 'ipv4', 4), ('2001:db8::1', 'ipv6', 6), ('fe80::1%eth0', 'ipv6', 6),
    ('2001:db8::/64', 'ipv6', 6), (' 192.0.2.7 ', 'ipv4', 4),
    ('default', None, None), ('vm1', None, None), ('', None, None), (None, None, None), ('999.1.1.1', None, None),
    ('10.1', None, None), (True, None, None),
])
def test_family_and_version(value, family, version):
    assert A.family_of(value) == family
    assert A.version_of(value) == version
    assert A.version_of(value, 4) == (version or 4)


def test_ip_address_drops_the_scope_and_refuses_non_addresses():
    assert str(A.ip_address('fe80::1%vnet0')) == 'fe80::1'
    assert A.ip_address('10.0.0.0/24') is None and A.ip_address(None) is None


def test_canonical_mac():
    assert A.canonical_mac('52:54:00:AB:CD:EF') == '52:54:00:ab:cd:ef'
    assert A.canonical_mac('') is None and A.canonical_mac(None) is None


def test_the_collectors_probes_and_engine_use_this_copy():
    # one copy: the modules that used to define their own read these names from addressing
    assert parse.family_of is A.family_of and parse.canonical_mac is A.canonical_mac
    assert probe.family_of is A.family_of and win_probe.family_of is A.family_of
    assert facts.family_of is A.family_of and facts.ip_obj is A.ip_address
    assert not hasattr(guard, 'family_of')
