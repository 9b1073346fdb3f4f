# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""examples/rulebook.yml run by the real ansible-rulebook (PyPI "ansible-rulebook", with a Java 17+
runtime for its Drools engine: Debian "default-jre-headless" or "openjdk-17-jre-headless"),
webhook on 127.0.0.1 only, against the namespace lab.

Two VMs are broken (net.ipv4.icmp_echo_ignore_all=1 in each VM's namespace). A plain webhook event
for vm1, sent twice, runs playbooks/scheduled.yml once and for vm1 only (vm2 stays broken and is
not even probed); an Alertmanager notification for vm2 then fixes vm2; a third vm1 event within
the throttle window starts no run. The runs are counted in ansible-rulebook's output (each run
prints the first play of the scheduled playbook).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULEBOOK = os.path.join(REPO, 'examples', 'rulebook.yml')
SYSCTL = 'net.ipv4.icmp_echo_ignore_all'
RUN_MARK = 'PLAY [Take the global lock and plan the probes]'


def rulebook_binary():
    candidates = [os.environ.get('VMNET_ANSIBLE_RULEBOOK'),
                  os.path.join(os.path.dirname(sys.executable), 'ansible-rulebook'),
                  shutil.which('ansible-rulebook')]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


@pytest.fixture(scope='module')
def rulebook_runtime():
    binary = rulebook_binary()
    assert binary, ('ansible-rulebook missing: pip install ansible-rulebook into the test venv (or set '
                    'VMNET_ANSIBLE_RULEBOOK); it also needs a Java 17+ runtime (Debian default-jre-headless)')
    assert shutil.which('java'), 'java missing: install Debian default-jre-headless (ansible-rulebook needs it)'
    return binary


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(port, route, payload):
    req = urllib.request.Request('http://127.0.0.1:%d/%s' % (port, route), data=json.dumps(payload).encode(),
                                 headers={'Content-Type': 'application/json'}, method='POST')
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def wait_for(predicate, timeout, what, proc=None, log=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(1)
    raise AssertionError('timed out waiting for %s\n%s' % (what, open(log).read()[-6000:] if log else ''))


def ignoring(lab, vm):
    return lab.run(vm, ['sysctl', '-n', SYSCTL]).stdout.strip() == '1'


def test_webhook_and_alertmanager_events_remediate_only_their_path(rulebook_runtime, tmp_path):
    lab = Lab(unique_prefix('op'), 'bridged', vms=2)
    proc = None
    try:
        lab.up()
        for vm in ('vm1', 'vm2'):
            lab.run(vm, ['sysctl', '-qw', '%s=1' % SYSCTL])
        state_dir = tmp_path / 'state'
        inventory = yaml.safe_load(yaml.safe_dump(lab.inventory()))
        inventory['all'].setdefault('vars', {}).update({
            'doctor_paths': [{'name': vm, 'source': lab.ns('host'), 'target_ip': lab.ip(vm),
                              'target_host': lab.ns(vm), 'hypervisor': lab.ns('hv')} for vm in ('vm1', 'vm2')],
            'scheduled_state_dir': str(state_dir),
            'scheduled_budget_hosts': 1,
        })
        inv_path = tmp_path / 'inventory.yml'
        inv_path.write_text(yaml.safe_dump(inventory))
        port = free_port()
        vars_path = tmp_path / 'vars.yml'
        vars_path.write_text('webhook_host: 127.0.0.1\nwebhook_port: %d\n' % port)
        log = str(tmp_path / 'rulebook.log')
        env = dict(os.environ)
        env.update({'PATH': os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '/usr/bin:/bin'),
                    'ANSIBLE_CONFIG': os.path.join(REPO, 'ansible.cfg'),
                    'ANSIBLE_COLLECTIONS_PATH': os.path.join(REPO, '.collections'),
                    'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_FORCE_COLOR': '0', 'ANSIBLE_PIPELINING': '1'})
        for key in ('ANSIBLE_STDOUT_CALLBACK', 'ANSIBLE_CALLBACK_PLUGINS'):
            env.pop(key, None)
        with open(log, 'w') as out:
            proc = subprocess.Popen([rulebook_runtime, '-r', RULEBOOK, '-i', str(inv_path), '--vars', str(vars_path),
                                     '-v'], stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=env)

        def listening():
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                return True
            except OSError:
                return False

        def runs():
            return open(log).read().count(RUN_MARK)

        def state():
            try:
                with open(str(state_dir / 'schedule-state.json')) as f:
                    return json.load(f)
            except (IOError, ValueError):
                return {'paths': {}}

        def done(vm):
            entry = state()['paths'].get(vm) or {}
            return entry.get('fix_count') == 1 and not os.path.exists(str(state_dir / 'scheduled.lock'))

        wait_for(listening, 120, 'the webhook to listen', proc, log)
        event = {'vmnet_doctor': {'path': 'vm1', 'state': 'unreachable'}}
        post(port, 'endpoint', event)
        post(port, 'endpoint', event)  # a duplicate within the throttle window
        wait_for(lambda: done('vm1'), 420, 'the vm1 remediation', proc, log)
        assert not ignoring(lab, 'vm1') and lab.reachable('host', 'vm1')
        assert ignoring(lab, 'vm2'), 'the vm1 event changed vm2'
        assert 'vm2' not in state()['paths'], 'the vm1 event probed or diagnosed vm2'
        assert runs() == 1, 'the duplicate vm1 event was not throttled'

        post(port, 'alerts', {
            'version': '4', 'status': 'firing', 'receiver': 'eda',
            'groupLabels': {'alertname': 'VmnetDoctorPathUnreachable', 'path': 'vm2'},
            'commonLabels': {'alertname': 'VmnetDoctorPathUnreachable', 'path': 'vm2', 'severity': 'page'},
            'commonAnnotations': {}, 'externalURL': 'http://alertmanager.invalid',
            'alerts': [{'status': 'firing', 'labels': {'alertname': 'VmnetDoctorPathUnreachable', 'path': 'vm2'}}]})
        wait_for(lambda: done('vm2'), 420, 'the vm2 remediation', proc, log)
        assert not ignoring(lab, 'vm2') and lab.reachable('host', 'vm2')
        assert runs() == 2

        # vm1 breaks again: an event inside the 15-minute throttle window runs nothing.
        lab.run('vm1', ['sysctl', '-qw', '%s=1' % SYSCTL])
        post(port, 'endpoint', event)
        time.sleep(20)
        assert runs() == 2, 'a throttled event started a run'
        assert ignoring(lab, 'vm1')
        assert proc.poll() is None, open(log).read()[-4000:]
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        destroy_lab(lab.prefix)
