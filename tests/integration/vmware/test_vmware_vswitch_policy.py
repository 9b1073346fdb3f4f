"""vmnet.doctor.vmware_vswitch_policy through real `ansible` runs; state read back with pyVmomi."""
from pyVmomi import vim

import vcsim_helpers as h
from vcsim_helpers import fields

MODULE = 'vmnet.doctor.vmware_vswitch_policy'
HOST = 'DC0_H0'


def vss(si, name='vSwitch0'):
    host = h.find(si, vim.HostSystem, HOST)
    vs = [v for v in host.config.network.vswitch if v.name == name][0]
    sec = vs.spec.policy.security
    return {'mtu': vs.mtu, 'allow_promiscuous': sec.allowPromiscuous, 'mac_changes': sec.macChanges,
            'forged_transmits': sec.forgedTransmits, 'uplinks': list(vs.pnic), 'num_ports': vs.spec.numPorts}


def pg_state(si, name='VM Network'):
    host = h.find(si, vim.HostSystem, HOST)
    pg = [p for p in host.config.network.portgroup if p.spec.name == name][0]
    sec = pg.spec.policy.security
    return {'vlan_id': pg.spec.vlanId, 'vswitch': pg.spec.vswitchName,
            'override': (sec.allowPromiscuous, sec.macChanges, sec.forgedTransmits) if sec else None,
            'effective_forged': pg.computedPolicy.security.forgedTransmits}


def run(sim, check=False, **args):
    result, out = h.ansible(MODULE, dict(sim.conn, **args), check=check, diff=True)
    assert 'Traceback' not in out
    return result


def test_vswitch_mtu_check_mode_then_apply_then_idempotent(vcsim, si):
    before = vss(si)
    out = h.ansible(MODULE, dict(vcsim.conn, esxi_hostname=HOST, switch='vSwitch0', mtu=9000),
                    check=True, diff=True)[1]
    assert '-    "mtu": 1500' in out and '+    "mtu": 9000' in out  # the structured diff, shown
    result = run(vcsim, check=True, esxi_hostname=HOST, switch='vSwitch0', mtu=9000)
    assert result['changed'] and fields(result) == {'mtu': {'before': 1500, 'after': 9000}}
    assert result['before']['mtu'] == 1500 and result['after']['mtu'] == 9000
    assert vss(si) == before  # check mode changed nothing

    result = run(vcsim, esxi_hostname=HOST, switch='vSwitch0', mtu=9000)
    assert result['changed']
    assert vss(si) == dict(before, mtu=9000)  # nothing else reset (security, uplinks, ports)

    result = run(vcsim, esxi_hostname=HOST, switch='vSwitch0', mtu=9000)
    assert not result['changed'] and result['changes'] == [] and result['commands'] == []


def test_vswitch_security_only_given_fields(vcsim, si):
    before = vss(si)
    result = run(vcsim, esxi_hostname=HOST, switch='vSwitch0', allow_promiscuous=True)
    assert result['changed'] and list(fields(result)) == ['allow_promiscuous']
    assert vss(si) == dict(before, allow_promiscuous=True)
    assert not run(vcsim, esxi_hostname=HOST, switch='vSwitch0', allow_promiscuous=True)['changed']


def test_portgroup_vlan_and_override(vcsim, si):
    before = pg_state(si)
    assert before['override'] == (None, None, None) and before['effective_forged'] is True
    result = run(vcsim, check=True, esxi_hostname=HOST, portgroup='VM Network', vlan_id=20, forged_transmits=False)
    assert result['changed'] and set(fields(result)) == {'vlan_id', 'forged_transmits'}
    assert pg_state(si) == before

    result = run(vcsim, esxi_hostname=HOST, portgroup='VM Network', vlan_id=20, forged_transmits=False)
    assert result['changed'] and result['target']['switch'] == 'vSwitch0'
    after = pg_state(si)
    assert after == {'vlan_id': 20, 'vswitch': 'vSwitch0', 'override': (None, None, False), 'effective_forged': False}

    assert not run(vcsim, esxi_hostname=HOST, portgroup='VM Network', vlan_id=20, forged_transmits=False)['changed']
    # a field already right through inheritance needs no override
    assert not run(vcsim, esxi_hostname=HOST, portgroup='VM Network', mac_changes=True)['changed']
    assert pg_state(si) == after
    assert vss(si)['forged_transmits'] is True  # the switch keeps its own policy


def dvpg(si):
    pg = h.find(si, vim.dvs.DistributedVirtualPortgroup, 'DC0_DVPG0')
    s = pg.config.defaultPortConfig
    return {'vlan_id': s.vlan.vlanId, 'allow_promiscuous': s.securityPolicy.allowPromiscuous.value,
            'mac_changes': s.securityPolicy.macChanges.value, 'forged_transmits': s.securityPolicy.forgedTransmits.value,
            'ports': pg.config.numPorts, 'name': pg.name}


def test_distributed_portgroup(vcsim, si):
    before = dvpg(si)
    args = dict(switch_type='distributed', portgroup='DC0_DVPG0', vlan_id=30, mac_changes=True)
    result = run(vcsim, check=True, **args)
    assert result['changed'] and dvpg(si) == before
    result = run(vcsim, **args)
    assert result['changed']
    assert dvpg(si) == dict(before, vlan_id=30, mac_changes=True)
    assert not run(vcsim, **args)['changed']
    assert not run(vcsim, **dict(args, switch='DVS0'))['changed']


def dvs_state(si):
    dvs = h.find(si, vim.DistributedVirtualSwitch, 'DVS0')
    s = dvs.config.defaultPortConfig.securityPolicy
    return {'mtu': dvs.config.maxMtu, 'allow_promiscuous': s.allowPromiscuous.value,
            'mac_changes': s.macChanges.value, 'forged_transmits': s.forgedTransmits.value,
            'hosts': len(dvs.summary.hostMember)}


def test_distributed_switch(vcsim, si):
    before = dvs_state(si)
    args = dict(switch_type='distributed', switch='DVS0', mtu=9000, allow_promiscuous=True)
    result = run(vcsim, check=True, **args)
    assert result['changed'] and set(fields(result)) == {'mtu', 'allow_promiscuous'}
    assert dvs_state(si) == before
    assert run(vcsim, **args)['changed']
    assert dvs_state(si) == dict(before, mtu=9000, allow_promiscuous=True)
    assert not run(vcsim, **args)['changed']


def test_bad_inputs_fail_clearly(vcsim):
    cases = [
        (dict(esxi_hostname=HOST, portgroup='VM Network', mtu=9000), 'mtu is a switch setting'),
        (dict(esxi_hostname=HOST, switch='vSwitch0', vlan_id=5), 'vlan_id is a portgroup setting'),
        (dict(esxi_hostname=HOST, switch='vSwitch0', mtu=100), 'mtu must be within 1280..9000'),
        (dict(esxi_hostname=HOST, portgroup='VM Network', vlan_id=5000), 'vlan_id must be within 0..4095'),
        (dict(esxi_hostname='nohost', switch='vSwitch0', mtu=9000), "ESXi host 'nohost' not found"),
        (dict(esxi_hostname=HOST, switch='vSwitch7', mtu=9000), "standard vSwitch 'vSwitch7' not found"),
        (dict(esxi_hostname=HOST, portgroup='nope', vlan_id=1), "portgroup 'nope' not found"),
        (dict(switch_type='distributed', portgroup='nope', vlan_id=1), "distributed portgroup 'nope' not found"),
        (dict(switch='vSwitch0', mtu=9000), 'esxi_hostname'),
        (dict(switch_type='distributed', switch='DVS9', mtu=9000), "distributed switch 'DVS9' not found"),
        (dict(switch_type='distributed', switch='DVS0', vlan_id=3), 'vlan_id is a portgroup setting'),
    ]
    for args, message in cases:
        result = run(vcsim, **args)
        assert result['failed'] and message in result['msg'], (args, result)


def test_wrong_password(vcsim):
    result, out = h.ansible(MODULE, dict(vcsim.conn, password='not-the-password', esxi_hostname=HOST,
                                         switch='vSwitch0', mtu=9000))
    assert result['failed'] and 'wrong user name or password' in result['msg'] and 'Traceback' not in out
