"""vmnet.doctor.vmware_network_facts through real `ansible` runs against the simulator."""
from pyVmomi import vim

import vcsim_helpers as h

MODULE = 'vmnet.doctor.vmware_network_facts'


def facts_of(result):
    assert not result.get('failed'), result
    return result['ansible_facts']['vmnet_doctor_vmware']


def test_multi_cluster_inventory(vcsim_factory):
    sim = vcsim_factory(clusters=3, hosts=2, standalone_hosts=1, vms=2)
    result = h.ansible(MODULE, sim.conn)[0]
    assert result['changed'] is False
    facts = facts_of(result)
    assert facts['platform'] == 'vmware' and facts['schema_version'] == 1 and facts['errors'] == []
    vss_hosts = sorted(s['host'] for s in facts['virtual_switches'] if s['type'] == 'vss')
    expected_hosts = sorted(['DC0_C%d_H%d' % (c, n) for c in range(3) for n in range(2)] + ['DC0_H0'])
    assert vss_hosts == expected_hosts
    assert [s['name'] for s in facts['virtual_switches'] if s['type'] == 'dvs'] == ['DVS0']
    assert len(facts['vm_nics']) == 4 * 2  # 3 cluster pools + 1 standalone host, 2 VMs each
    assert all(n['mac'] and n['portgroup'] == 'DC0_DVPG0' and n['switch'] == 'DVS0' for n in facts['vm_nics'])
    assert sorted(p['host'] for p in facts['physical_nics']) == sorted(expected_hosts * 2)
    assert sorted(k['host'] for k in facts['vmkernel_nics']) == expected_hosts
    # duplicate MACs agree with the NIC list (the simulator derives MACs from VM UUIDs)
    macs = [n['mac'] for n in facts['vm_nics']]
    assert sorted(d['mac'] for d in facts['duplicate_macs']) == sorted(set(m for m in macs if macs.count(m) > 1))


def test_scopes_and_state(vcsim, si):
    setup = h.make_interesting(si)
    # scope: one VM -> its NIC, its host's switches, the DVS
    facts = facts_of(h.ansible(MODULE, dict(vcsim.conn, vm=setup['vm']))[0])
    assert [n['vm'] for n in facts['vm_nics']] == [setup['vm']]
    nic = facts['vm_nics'][0]
    assert (nic['switch'], nic['portgroup'], nic['vlan_id']) == ('vSwitch1', 'Lab VLAN 20', 20)
    assert nic['guest_ips'] == ['192.0.2.20'] and nic['guest_macs'] == [nic['mac']]
    assert sorted(set(s['host'] for s in facts['virtual_switches'] if s['type'] == 'vss')) == [setup['host']]
    vs1 = [s for s in facts['virtual_switches'] if s['name'] == 'vSwitch1'][0]
    assert vs1['mtu'] == 9000 and vs1['uplinks'] == ['vmnic1']
    pg = vs1['portgroups'][0]
    assert pg['security'] == {'allow_promiscuous': True, 'mac_changes': True, 'forged_transmits': False}
    assert pg['security_override'] == {'forged_transmits': False}

    # scope: cluster C0 (2 hosts)
    facts = facts_of(h.ansible(MODULE, dict(vcsim.conn, cluster='DC0_C0'))[0])
    assert sorted(k['host'] for k in facts['vmkernel_nics']) == ['DC0_C0_H0', 'DC0_C0_H1']
    # scope: hosts
    facts = facts_of(h.ansible(MODULE, dict(vcsim.conn, hosts=['DC0_H0']))[0])
    assert [k['host'] for k in facts['vmkernel_nics']] == ['DC0_H0']
    assert all(n['host'] == 'DC0_H0' for n in facts['vm_nics'])
    # scope: datacenter; the disconnected NIC shows
    facts = facts_of(h.ansible(MODULE, dict(vcsim.conn, datacenter='DC0'))[0])
    off = [n for n in facts['vm_nics'] if n['vm'] == setup['disconnected_vm']][0]
    assert off['connected'] is False and off['start_connected'] is True


def test_effective_policy_inherited_from_vswitch(vcsim, si):
    host = h.find(si, vim.HostSystem, 'DC0_H0')
    spec = [v for v in host.config.network.vswitch if v.name == 'vSwitch0'][0].spec
    spec.policy.security.allowPromiscuous = True
    host.configManager.networkSystem.UpdateVirtualSwitch(vswitchName='vSwitch0', spec=spec)
    facts = facts_of(h.ansible(MODULE, dict(vcsim.conn, hosts=['DC0_H0']))[0])
    vs0 = [s for s in facts['virtual_switches'] if s['name'] == 'vSwitch0'][0]
    pg = [p for p in vs0['portgroups'] if p['name'] == 'VM Network'][0]
    assert pg['security']['allow_promiscuous'] is True  # effective, not "no override"
    assert pg['security_override'] == {}


def test_round_trips_do_not_grow_with_inventory(vcsim_factory):
    counts = {}
    for hosts in (2, 20):
        sim = vcsim_factory(clusters=1, hosts=hosts, standalone_hosts=0, vms=hosts)
        for scope in ({}, {'cluster': 'DC0_C0'}):
            sim.stats(reset=True)
            facts = facts_of(h.ansible(MODULE, dict(sim.conn, **scope))[0])
            assert len(facts['vmkernel_nics']) == hosts
            counts[(hosts, tuple(scope))] = sim.stats()['soap']
    assert counts[(2, ())] == counts[(20, ())], counts
    assert counts[(2, ('cluster',))] == counts[(20, ('cluster',))], counts
    assert counts[(20, ())] <= 8, counts


def test_not_found(vcsim):
    result, out = h.ansible(MODULE, dict(vcsim.conn, cluster='NoSuchCluster'))
    assert result['failed'] and result['msg'] == "Cluster 'NoSuchCluster' not found in the vSphere inventory"
    assert 'Traceback' not in out


def test_wrong_password(vcsim):
    result, out = h.ansible(MODULE, dict(vcsim.conn, password='not-the-password'))
    assert result['failed']
    assert 'wrong user name or password' in result['msg'] and str(vcsim.port) in result['msg']
    assert 'Traceback' not in out and 'exception' not in result


def test_unreachable_server(vcsim):
    port = vcsim.port
    vcsim.stop()
    result, out = h.ansible(MODULE, dict(vcsim.conn, port=port))
    assert result['failed'] and result['msg'].startswith('Cannot reach vSphere API at 127.0.0.1:%d' % port)
    assert 'Connection refused' in result['msg'] and 'Traceback' not in out


def test_certificate_validated_by_default(vcsim):
    args = dict(vcsim.conn)
    del args['validate_certs']  # default: true
    result, out = h.ansible(MODULE, args)
    assert result['failed'] and 'TLS certificate of 127.0.0.1:%d could not be verified' % vcsim.port in result['msg']
    assert 'validate_certs: false' in result['msg'] and 'Traceback' not in out


def test_connection_from_environment(vcsim):
    env = {'VMWARE_HOST': vcsim.hostname, 'VMWARE_PORT': str(vcsim.port), 'VMWARE_USER': vcsim.username,
           'VMWARE_PASSWORD': vcsim.password, 'VMWARE_VALIDATE_CERTS': 'false'}
    result, out = h.ansible(MODULE, {'hosts': ['DC0_H0']}, env=env)
    assert [k['host'] for k in facts_of(result)['vmkernel_nics']] == ['DC0_H0']
    assert vcsim.password not in out
