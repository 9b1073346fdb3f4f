"""Start/stop the test vCenter simulator (tests/vcsim) and run vmnet.doctor modules against it.

Used by conftest.py, the unit-test fixture capture script and bench/vmware_facts_bench.py.
Traffic stays on 127.0.0.1.
"""
import json
import os
import signal
import ssl
import subprocess
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
VCSIM_DIR = os.path.join(ROOT, 'tests', 'vcsim')
VCSIM = os.path.join(VCSIM_DIR, 'vcsim')
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
USER = 'vmnet-admin'
PASSWORD = 'Sim-Secret-42'


def build():
    """Build tests/vcsim/vcsim from Debian's Go packages (no downloads)."""
    subprocess.run([os.path.join(VCSIM_DIR, 'build.sh')], check=True)
    return VCSIM


class Simulator(object):
    """``with Simulator(clusters=2, hosts=3) as sim:`` -> sim.hostname, sim.port, sim.username..."""

    def __init__(self, clusters=1, hosts=2, standalone_hosts=1, vms=1, datacenters=1,
                 dvportgroups=1, username=USER, password=PASSWORD):
        self.flags = ['-datacenters', str(datacenters), '-clusters', str(clusters),
                      '-hosts', str(hosts), '-standalone-hosts', str(standalone_hosts),
                      '-vms', str(vms), '-dvportgroups', str(dvportgroups),
                      '-username', username, '-password', password]
        self.username = username
        self.password = password
        self.hostname = '127.0.0.1'
        self.port = None
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([VCSIM] + self.flags, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError('vcsim exited with %s before it was ready' % self.proc.returncode)
        ready = json.loads(line)
        self.port = int(ready['port'])
        self.url = ready['url']
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def conn(self):
        """Module connection options (validate_certs false: the simulator's cert is self-signed)."""
        return {'hostname': self.hostname, 'port': self.port, 'username': self.username,
                'password': self.password, 'validate_certs': False}

    def stats(self, reset=False, port=None):
        ctx = ssl._create_unverified_context()
        url = 'https://127.0.0.1:%d/vcsim/stats%s' % (port or self.port, '?reset=1' if reset else '')
        with urllib.request.urlopen(url, context=ctx, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def connect(self):
        from pyVim.connect import SmartConnect
        return SmartConnect(host=self.hostname, port=self.port, user=self.username,
                            pwd=self.password, disableSslCertValidation=True)


def ansible(module, args, check=False, diff=False, env=None, timeout=300):
    """Run ``ansible localhost -m module -a JSON`` for real; return (result dict, stdout+stderr)."""
    cmd = [os.path.join(VENV_BIN, 'ansible'), 'localhost', '-m', module, '-a', json.dumps(args)]
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    e = dict(os.environ)
    e.update({'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, '.collections'),
              'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
              'ANSIBLE_CALLBACK_RESULT_FORMAT': 'json', 'ANSIBLE_NOCOLOR': '1',
              'ANSIBLE_LOCALHOST_WARNING': '0', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
              'ANSIBLE_PYTHON_INTERPRETER': os.path.join(VENV_BIN, 'python')})
    e.update(env or {})
    proc = subprocess.run(cmd, cwd=ROOT, env=e, capture_output=True, text=True, timeout=timeout, check=False)
    out = proc.stdout
    try:  # "localhost | CHANGED => {...}" (ad hoc output, JSON result format)
        start = out.index('=> {')
        result = json.loads(out[start + 3:].split('\n}\n')[0] + '\n}')
        status = out[:start].rsplit('|', 1)[-1].strip()
        result.setdefault('failed', status.startswith('FAILED') or status.startswith('UNREACHABLE'))
    except (ValueError, KeyError, IndexError):
        raise AssertionError('no JSON result from ansible (rc %s):\n%s\n%s' % (proc.returncode, out, proc.stderr))
    return result, out + proc.stderr


def find(si, vimtype, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        for obj in view.view:
            if obj.name == name:
                return obj
    finally:
        view.DestroyView()
    raise LookupError(name)


def all_of(si, vimtype):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        return list(view.view)
    finally:
        view.DestroyView()


def wait(task):
    for _attempt in range(200):
        state = task.info.state
        if state == 'success':
            return task.info.result
        if state == 'error':
            raise task.info.error
        time.sleep(0.05)
    raise AssertionError('task did not finish')


def nic_of(vm):
    from pyVmomi import vim
    return [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)][0]


def edit_nic(vm, **changes):
    """Reconfigure the VM's first NIC: connected/start_connected/backing (for test set-up)."""
    from pyVmomi import vim
    nic = nic_of(vm)
    for key, value in changes.items():
        if key == 'backing':
            nic.backing = value
        else:
            setattr(nic.connectable, key, value)
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(operation='edit', device=nic)])
    wait(vm.ReconfigVM_Task(spec=spec))


def set_guest_ip(vm, ip):
    """The simulator's knob for what VMware Tools reports: extraConfig SET.guest.ipAddress."""
    from pyVmomi import vim
    spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key='SET.guest.ipAddress', value=ip)])
    wait(vm.ReconfigVM_Task(spec=spec))


def make_interesting(si):
    """A second vSwitch with jumbo frames and promiscuous mode, a VLAN portgroup overriding
    forged transmits, a VM moved onto it with a guest IP, a disconnected NIC, DVPG on VLAN 30."""
    from pyVmomi import vim
    vms = sorted(all_of(si, vim.VirtualMachine), key=lambda v: v.name)
    vm = [v for v in vms if '_C0_' in v.name][0]
    host = vm.runtime.host
    ns = host.configManager.networkSystem
    policy = vim.host.NetworkPolicy(security=vim.host.NetworkPolicy.SecurityPolicy(
        allowPromiscuous=True, macChanges=True, forgedTransmits=True))
    ns.AddVirtualSwitch(vswitchName='vSwitch1', spec=vim.host.VirtualSwitch.Specification(
        numPorts=128, mtu=9000, policy=policy,
        bridge=vim.host.VirtualSwitch.BondBridge(nicDevice=['vmnic1'])))
    ns.AddPortGroup(portgrp=vim.host.PortGroup.Specification(
        name='Lab VLAN 20', vlanId=20, vswitchName='vSwitch1',
        policy=vim.host.NetworkPolicy(security=vim.host.NetworkPolicy.SecurityPolicy(forgedTransmits=False))))
    net = [n for n in host.network if n.name == 'Lab VLAN 20'][0]
    edit_nic(vm, backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName='Lab VLAN 20', network=net))
    set_guest_ip(vm, '192.0.2.20')
    other = [v for v in vms if v != vm][0]
    edit_nic(other, connected=False)
    pg = find(si, vim.dvs.DistributedVirtualPortgroup, 'DC0_DVPG0')
    setting = vim.dvs.VmwareDistributedVirtualSwitch.VmwarePortConfigPolicy(
        vlan=vim.dvs.VmwareDistributedVirtualSwitch.VlanIdSpec(vlanId=30, inherited=False))
    wait(pg.ReconfigureDVPortgroup_Task(spec=vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
        configVersion=pg.config.configVersion, defaultPortConfig=setting)))
    return {'host': host.name, 'vm': vm.name, 'disconnected_vm': other.name}


def fields(result):
    """``{field: {before, after}}`` from the structured ``changes`` of a VMware fixer result."""
    return dict((c['field'], {'before': c['before'], 'after': c['after']}) for c in result['changes'])
