# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vmnet.doctor.netns connection, driven by real ``ansible`` ad hoc runs."""

import json
import os
import subprocess

import pytest


@pytest.fixture(scope='module')
def root_links():
    out = subprocess.run(['ip', '-j', 'link', 'show'], stdout=subprocess.PIPE, check=True).stdout
    return dict((link['ifname'], link.get('address')) for link in json.loads(out))


@pytest.fixture
def lab(lab_factory):
    return lab_factory('bridged', vms=1, base='lb')


@pytest.fixture
def inventory(lab, tmp_path):
    return lab.write_inventory(str(tmp_path / 'inventory.yml'))


@pytest.mark.parametrize('pipelining', [True, False])
def test_command_runs_inside_the_namespace(lab, inventory, ansible_run, root_links, pipelining):
    vm = lab.ns('vm1')
    result = ansible_run(inventory, vm, 'ansible.builtin.command', 'ip -j addr show',
                         extra_vars={'ansible_pipelining': pipelining})
    assert result.get('rc') == 0, result
    links = json.loads(result['stdout'])
    names = sorted(link['ifname'] for link in links)
    assert names == ['eth0', 'lo']
    eth0 = [link for link in links if link['ifname'] == 'eth0'][0]
    assert eth0['address'] == lab.mac('vm1')
    assert [a['local'] for a in eth0['addr_info'] if a['family'] == 'inet'] == [lab.ip('vm1')]
    # None of the controller's own interfaces (except lo) is visible.
    assert eth0['address'] not in root_links.values()


def test_each_host_sees_its_own_namespace(lab, inventory, ansible_run):
    result = ansible_run(inventory, lab.ns('hv'), 'ansible.builtin.command', 'ip -j link show type bridge')
    assert result.get('rc') == 0, result
    assert [link['ifname'] for link in json.loads(result['stdout'])] == ['br0']


def test_namespace_name_defaults_to_inventory_hostname(lab, ansible_run):
    vm = lab.ns('vm1')
    result = ansible_run(vm + ',', vm, 'ansible.builtin.command', 'ip -j -4 addr show dev eth0',
                         extra_vars={'ansible_connection': 'vmnet.doctor.netns',
                                     'ansible_python_interpreter': '/usr/bin/python3'})
    assert result.get('rc') == 0, result
    assert json.loads(result['stdout'])[0]['addr_info'][0]['local'] == lab.ip('vm1')


def test_copy_and_fetch(lab, inventory, ansible_run, tmp_path):
    vm = lab.ns('vm1')
    target = tmp_path / 'remote' / 'hello.txt'
    target.parent.mkdir()
    args = {'content': 'hello from the lab\n', 'dest': str(target), 'mode': '0640'}
    result = ansible_run(inventory, vm, 'ansible.builtin.copy', args)
    assert result.get('changed') is True, result
    assert target.read_text() == 'hello from the lab\n'
    assert oct(target.stat().st_mode & 0o777) == '0o640'

    again = ansible_run(inventory, vm, 'ansible.builtin.copy', args)
    assert again.get('changed') is False, again

    fetched = tmp_path / 'fetched'
    result = ansible_run(inventory, vm, 'ansible.builtin.fetch',
                         {'src': str(target), 'dest': str(fetched) + '/', 'flat': True})
    assert result.get('failed') is not True, result
    assert (fetched / 'hello.txt').read_text() == 'hello from the lab\n'


def test_missing_namespace_is_a_clear_error(lab, inventory, ansible_run):
    result = ansible_run(inventory, lab.ns('vm1'), 'ansible.builtin.ping',
                         extra_vars={'ansible_netns_name': 'lbnope-vm9'})
    assert result.get('unreachable') is True, result
    assert "network namespace 'lbnope-vm9' does not exist (no namespace with a similar name" in result['msg']
    assert lab.ns('vm1') not in result['msg']      # other namespaces of the machine are not listed
    near = ansible_run(inventory, lab.ns('vm1'), 'ansible.builtin.ping',
                       extra_vars={'ansible_netns_name': lab.ns('vm9')})
    assert "network namespace '%s' does not exist (similar names: " % lab.ns('vm9') in near['msg']
    assert lab.ns('vm1') in near['msg'] and 'nope' not in near['msg']


def test_missing_ip_command_is_a_clear_error(lab, inventory, ansible_run):
    result = ansible_run(inventory, lab.ns('vm1'), 'ansible.builtin.ping',
                         extra_vars={'ansible_netns_ip_command': '/nonexistent/ip'})
    assert result.get('unreachable') is True, result
    assert "the 'ip' command (iproute2) was not found" in result['msg']


def test_namespace_deleted_after_connect_is_reported(lab, inventory, ansible_run):
    vm = lab.ns('vm1')
    subprocess.run(['ip', 'netns', 'del', vm], check=True)
    result = ansible_run(inventory, vm, 'ansible.builtin.ping')
    assert result.get('unreachable') is True, result
    assert "network namespace '%s' does not exist" % vm in result['msg']
    assert not os.path.exists('/run/netns/' + vm)


def test_check_mode_and_diff(lab, inventory, ansible_run, tmp_path):
    target = tmp_path / 'check.txt'
    result = ansible_run(inventory, lab.ns('vm1'), 'ansible.builtin.copy',
                         {'content': 'x\n', 'dest': str(target)}, check=True, diff=True)
    assert result.get('changed') is True, result
    assert result['diff'][0]['after'] == 'x\n'
    assert not target.exists()


def test_run_playbook_on_all_lab_hosts(lab, inventory, run_playbook, task_results_of, tmp_path):
    playbook = tmp_path / 'play.yml'
    playbook.write_text('''
- name: Read every lab node
  hosts: all
  gather_facts: false
  tasks:
    - name: Read addresses
      ansible.builtin.command: ip -j -4 addr show
      register: addrs
      changed_when: false
    - name: Fail on the hypervisor only
      ansible.builtin.fail:
        msg: "hv says {{ lab_ip }}"
      when: lab_role == 'hypervisor'
''')
    rc, data, output = run_playbook(str(playbook), inventory)
    assert rc == 2, output
    results = task_results_of(data, 'Read addresses')
    assert sorted(results) == sorted(lab.ns(node) for node in lab.nodes)
    for node in lab.nodes:
        local = [i['local'] for a in json.loads(results[lab.ns(node)]['stdout']) for i in a['addr_info']]
        assert lab.ip(node) in local, (node, local)
        assert '127.0.0.1' in local
    failed = task_results_of(data, 'Fail on the hypervisor only')
    assert failed[lab.ns('hv')]['failed'] is True
    assert failed[lab.ns('hv')]['msg'] == 'hv says %s' % lab.ip('hv')
    assert failed[lab.ns('vm1')]['skipped'] is True
    assert data['stats'][lab.ns('hv')]['failures'] == 1
    assert data['stats'][lab.ns('vm1')]['failures'] == 0 and data['stats'][lab.ns('vm1')]['ok'] == 1
