# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmnet.doctor.mgmt_guard and vmnet.doctor.host_lock as modules, on a real lab namespace.

Over the netns connection there is no SSH management path (interface null); the guard still works
on a named interface: it restores routes, MTU and link by itself unless confirmed. The SSH case
(the connection really cut) is in test_remediate_role.py.
"""
import json
import time

from vmnetlab import WRONG_GATEWAY


def routes(lab, node):
    return json.loads(lab.run(node, ['ip', '-j', '-4', 'route', 'show', 'table', 'main']).stdout)


def link(lab, node, dev):
    return json.loads(lab.run(node, ['ip', '-j', 'link', 'show', 'dev', dev]).stdout)[0]


def test_guard_restores_route_mtu_and_link_unless_confirmed(lab_factory, ansible_run, tmp_path):
    lab = lab_factory('routed')
    inv = lab.write_inventory(str(tmp_path / 'hosts.yml'))
    vm = lab.ns('vm1')
    status = ansible_run(inv, vm, 'vmnet.doctor.mgmt_guard')
    assert status['interface'] is None and status['client'] is None, status   # netns: no remote path
    before = routes(lab, 'vm1')

    armed = ansible_run(inv, vm, 'vmnet.doctor.mgmt_guard', {'state': 'armed', 'interface': 'eth0', 'timeout': 3})
    assert armed['state'] == 'armed' and armed['changed'] is False, armed
    lab.run('vm1', ['ip', 'route', 'replace', 'default', 'via', WRONG_GATEWAY])
    lab.run('vm1', ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1400'])
    lab.run('vm1', ['ip', 'link', 'set', 'dev', 'eth0', 'down'])
    assert routes(lab, 'vm1') != before
    time.sleep(5)
    assert routes(lab, 'vm1') == before
    assert link(lab, 'vm1', 'eth0')['mtu'] == 1500 and 'UP' in link(lab, 'vm1', 'eth0')['flags']
    assert lab.reachable('host', 'vm1')
    confirmed = ansible_run(inv, vm, 'vmnet.doctor.mgmt_guard', {'state': 'confirmed', 'guard_id': armed['guard_id']})
    assert confirmed['restored'] is True and confirmed['state'] == 'restored'
    assert all(step['rc'] == 0 for step in confirmed['restore_log']), confirmed['restore_log']

    # confirmed in time: the guard does nothing, the (wanted) change stays
    start = time.time()
    armed = ansible_run(inv, vm, 'vmnet.doctor.mgmt_guard', {'state': 'armed', 'interface': 'eth0', 'timeout': 20})
    lab.run('vm1', ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1450'])
    confirmed = ansible_run(inv, vm, 'vmnet.doctor.mgmt_guard', {'state': 'confirmed', 'guard_id': armed['guard_id']})
    assert confirmed['restored'] is False and confirmed['state'] == 'confirmed'
    time.sleep(max(0, 21.5 - (time.time() - start)))   # past the deadline
    assert link(lab, 'vm1', 'eth0')['mtu'] == 1450


def test_host_lock_module(lab_factory, ansible_run, tmp_path):
    lab = lab_factory('bridged')
    inv = lab.write_inventory(str(tmp_path / 'hosts.yml'))
    vm, host = lab.ns('vm1'), lab.ns('host')
    first = ansible_run(inv, vm, 'vmnet.doctor.host_lock', {'run_id': 'run-a', 'owner': 'a@c'})
    assert first['acquired'] is True and first['changed'] is False
    # one lock per network namespace: another namespace is free
    assert ansible_run(inv, host, 'vmnet.doctor.host_lock', {'run_id': 'run-b'})['acquired'] is True
    taken = ansible_run(inv, vm, 'vmnet.doctor.host_lock', {'run_id': 'run-b', 'wait': 1})
    assert taken['failed'] is True and taken['msg'].startswith('locked by run run-a (a@c) since ')
    check = ansible_run(inv, vm, 'vmnet.doctor.host_lock', {'run_id': 'run-b'}, check=True)
    assert check['failed'] is True
    assert ansible_run(inv, vm, 'vmnet.doctor.host_lock', {'state': 'released', 'run_id': 'run-a'})['released']
    assert ansible_run(inv, vm, 'vmnet.doctor.host_lock', {'run_id': 'run-b'})['acquired'] is True
    for node in (vm, host):
        ansible_run(inv, node, 'vmnet.doctor.host_lock', {'state': 'released', 'run_id': 'run-b'})
