"""Pure planning of vmware_vswitch_policy / vmware_vm_nic, and the shared argument spec."""
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import client as vmware
from ansible_collections.vmnet.doctor.plugins.module_utils.vmware import config as cfg
from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

HAVE = {'mtu': 1500, 'allow_promiscuous': False, 'mac_changes': True, 'forged_transmits': True}


@pytest.mark.parametrize('want, expected', [
    ({'mtu': 9000}, {'mtu': {'before': 1500, 'after': 9000}}),                 # changed
    ({'mtu': 1500}, {}),                                                         # already right
    ({'mtu': None, 'allow_promiscuous': None}, {}),                              # nothing asked
    ({'allow_promiscuous': True, 'mac_changes': True},
     {'allow_promiscuous': {'before': False, 'after': True}}),                  # only the differing field
    ({'vlan_id': 20}, {'vlan_id': {'before': None, 'after': 20}}),               # new field
])
def test_plan(want, expected):
    assert cfg.plan(want, HAVE) == expected


def test_predicted_keeps_unasked_fields():
    changes = cfg.plan({'mtu': 9000}, HAVE)
    assert cfg.predicted(HAVE, changes) == dict(HAVE, mtu=9000)


@pytest.mark.parametrize('target, want, message', [
    ('vss_portgroup', {'mtu': 9000}, 'mtu is a switch setting'),
    ('dvportgroup', {'mtu': 9000}, 'mtu is a switch setting'),
    ('vss', {'vlan_id': 10}, 'vlan_id is a portgroup setting'),
    ('vss_portgroup', {'vlan_id': 4096}, 'within 0..4095'),
    ('dvportgroup', {'vlan_id': 4095}, 'within 0..4094'),
    ('vss', {'mtu': 100}, 'within 1280..9000'),
])
def test_validate_rejects(target, want, message):
    with pytest.raises(DoctorError) as err:
        cfg.validate_policy_want(target, want)
    assert message in str(err.value)


@pytest.mark.parametrize('target, want', [
    ('vss', {'mtu': 9000, 'allow_promiscuous': True}),
    ('vss_portgroup', {'vlan_id': 4095}),
    ('dvportgroup', {'vlan_id': 4094, 'forged_transmits': False}),
])
def test_validate_accepts(target, want):
    assert cfg.validate_policy_want(target, want) is None  # boundary values are accepted (no DoctorError)


def test_argument_spec():
    spec = vmware.vmware_argument_spec()
    assert spec['password']['no_log'] is True
    assert spec['validate_certs']['default'] is True
    assert spec['hostname']['fallback'][1] == ['VMWARE_HOST']
    assert spec['password']['fallback'][1] == ['VMWARE_PASSWORD']
    assert spec['port']['default'] == 443


def test_connect_unreachable_is_a_clear_error():
    import socket
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(DoctorError) as err:
        vmware.connect('127.0.0.1', port, 'u', 'p', validate_certs=False, timeout=5)
    assert str(err.value).startswith('Cannot reach vSphere API at 127.0.0.1:%d' % port)
