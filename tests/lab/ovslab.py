# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``ovs`` lab topology: Open vSwitch (userspace datapath) on the hypervisor.

ovsdb-server and ovs-vswitchd run INSIDE the hypervisor namespace ``<prefix>-hv`` with a private
run/db/log directory ``<state dir>/<prefix>-ovs`` (no systemd, nothing global), started by
``build`` and stopped by their pidfiles in ``stop`` (called by ``vmnetlab.destroy_lab``, so
``lab.py down`` also cleans up after a crash). Layout (OpenStack-like)::

    host eth0 ── uplink0 [br-ex, access tag 10] ── patch-int ═ trunk 10,20 ═ patch-ex [br-int]
                                                      br-int: vnet-vmN (access tag 10), hv0 (internal, tag 10)
                                                      br-spare: an empty bridge (the "wrong bridge")

Both bridges use ``datapath_type=netdev`` (this kernel has no openvswitch module). The VM ports
carry ``external_ids:attached-mac`` like libvirt sets it.
"""

import os
import signal
import time

SUBNET = '10.240.10.0/24'
VLAN = 10
OTHER_VLAN = 20
BRIDGES = ('br-ex', 'br-int', 'br-spare')
VM_BRIDGE = 'br-int'
UPLINK_BRIDGE = 'br-ex'
DROP_COOKIE = '0xbad1ab'
SMALL_MTU = 1280
BIG_PING = 3000                  # payload of the ping that ovs_mtu_request breaks (fragments of 1500 bytes)
HV_MAC = '02:76:6d:02:30:01'     # the hypervisor's internal port hv0
DAEMONS = ('ovs-vswitchd', 'ovsdb-server')
SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'


def rundir(prefix, state_dir):
    """The lab's private OVS run/db/log directory."""
    return os.path.join(state_dir, prefix + '-ovs')


def layout(lab, layout_, link, host_ip):
    """Fill the ``ovs`` part of Lab._layout (uplink, hypervisor address). Returns (vm_bridge, subnet)."""
    link('host', 'eth0', 'hv', 'uplink0', 0, 0)
    layout_['addresses'] += [['host', 'eth0', host_ip(SUBNET, 1)], ['hv', 'hv0', host_ip(SUBNET, 2)]]
    layout_['data_if'].update({'host': 'eth0', 'hv': 'hv0'})
    layout_['internal_ports'] = [['hv0', HV_MAC]]
    return VM_BRIDGE, SUBNET


def _env(directory):
    return ['env', 'OVS_RUNDIR=' + directory, 'OVS_DBDIR=' + directory, 'OVS_LOGDIR=' + directory]


def vsctl(lab, *args, **kwargs):
    directory = rundir(lab.prefix, lab.state_dir)
    return lab.run('hv', ['ovs-vsctl', '--timeout=10', '--db=unix:%s/db.sock' % directory] + list(args),
                   check=kwargs.get('check', True))


def vsctl_argv(lab, *args):
    return ['ovs-vsctl', '--timeout=10', '--db=unix:%s/db.sock' % rundir(lab.prefix, lab.state_dir)] + list(args)


def ofctl_argv(lab, command, bridge, *args):
    return ['ovs-ofctl', command, 'unix:%s/%s.mgmt' % (rundir(lab.prefix, lab.state_dir), bridge)] + list(args)


def build(lab):
    """Start the daemons in the hypervisor namespace and build the bridges and ports."""
    directory = rundir(lab.prefix, lab.state_dir)
    os.makedirs(directory, exist_ok=True)
    db = os.path.join(directory, 'conf.db')
    if not os.path.exists(db):
        lab.run('hv', ['ovsdb-tool', 'create', db, SCHEMA])
    env = _env(directory)
    lab.run('hv', env + ['ovsdb-server', '--remote=punix:%s/db.sock' % directory, '--pidfile', '--detach',
                         '--log-file', db])
    vsctl(lab, '--no-wait', 'init')
    lab.run('hv', env + ['ovs-vswitchd', '--pidfile', '--detach', '--log-file'])
    args = []
    for bridge in BRIDGES:
        args += ['--', 'add-br', bridge, '--', 'set', 'bridge', bridge, 'datapath_type=netdev']
    args += ['--', 'add-port', UPLINK_BRIDGE, 'uplink0', 'tag=%d' % VLAN,
             '--', 'add-port', UPLINK_BRIDGE, 'patch-int', 'trunks=%d,%d' % (VLAN, OTHER_VLAN),
             '--', 'set', 'interface', 'patch-int', 'type=patch', 'options:peer=patch-ex',
             '--', 'add-port', VM_BRIDGE, 'patch-ex', 'trunks=%d,%d' % (VLAN, OTHER_VLAN),
             '--', 'set', 'interface', 'patch-ex', 'type=patch', 'options:peer=patch-int',
             '--', 'add-port', VM_BRIDGE, 'hv0', 'tag=%d' % VLAN, '--', 'set', 'interface', 'hv0', 'type=internal']
    for vm in lab.vm_names:
        port = lab.port(vm)
        args += ['--', 'add-port', VM_BRIDGE, port, 'tag=%d' % VLAN,
                 '--', 'set', 'interface', port, 'external_ids:attached-mac=%s' % lab.mac(vm),
                 'external_ids:vm-id=%s' % vm]
    vsctl(lab, *args)
    lab.run('hv', ['ip', 'link', 'set', 'hv0', 'address', HV_MAC])
    lab.run('hv', ['ip', 'link', 'set', 'hv0', 'up'])
    _wait_ports(lab)


def _wait_ports(lab, timeout=10.0):
    """Wait until ovs-vswitchd has opened every port (ofport assigned)."""
    deadline = time.time() + timeout
    while True:
        out = vsctl(lab, '--bare', '--columns=name,ofport', 'list', 'interface').stdout.split()
        pending = [out[i] for i in range(0, len(out) - 1, 2) if out[i + 1] in ('-1', '[]')]
        if not pending:
            return
        if time.time() > deadline:
            raise RuntimeError('OVS ports not opened in %.0f s: %s' % (timeout, ', '.join(pending)))
        time.sleep(0.05)


def stop(prefix, state_dir):
    """Stop the lab's OVS daemons by their pidfiles and remove the directory (idempotent)."""
    directory = rundir(prefix, state_dir)
    for daemon in DAEMONS:
        path = os.path.join(directory, daemon + '.pid')
        try:
            with open(path) as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            continue
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                mine = daemon.encode() in handle.read()
        except OSError:
            mine = False
        if not mine:
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            continue
        deadline = time.time() + 5
        while os.path.exists('/proc/%d' % pid) and time.time() < deadline:
            time.sleep(0.02)
    if os.path.isdir(directory):
        for name in os.listdir(directory):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass
        try:
            os.rmdir(directory)
        except OSError:
            pass


def inventory_vars(lab):
    """Host variables of the hypervisor: where vmnet.doctor finds this lab's OVS daemons."""
    return {'vmnet_doctor_ovs_rundir': rundir(lab.prefix, lab.state_dir)}


# ----------------------------------------------------------------------------------- faults
def _obj(name, **extra):
    obj = {'type': 'ovs_port', 'name': name}
    obj.update(extra)
    return obj


FAULTS = {
    'ovs_tag_mismatch': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "vm1's OVS access port has tag %d while the host's uplink is in VLAN %d" % (OTHER_VLAN, VLAN),
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: ovs-vsctl get port vnet-vm1 tag = %d, uplink0 tag = %d; ofproto/trace of the echo from "
                    "uplink0 floods VLAN %d without vnet-vm1" % (OTHER_VLAN, VLAN, VLAN),
        'heal': "ovs-vsctl set port vnet-vm1 tag=%d" % VLAN,
        'expect': {'code': 'VLAN_MISMATCH', 'host': 'hv', 'fixer': 'ovs_port_vlan',
                   'object': _obj('vnet-vm1', bridge=VM_BRIDGE)},
    },
    'ovs_trunk_missing_vlan': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "the patch trunk from br-int to br-ex carries VLAN %d only, not the VMs' VLAN %d"
                   % (OTHER_VLAN, VLAN),
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['vm1', 'hv']}],
        'evidence': "hv: ovs-vsctl get port patch-ex trunks = [%d]" % OTHER_VLAN,
        'heal': "ovs-vsctl set port patch-ex trunks=%d,%d" % (VLAN, OTHER_VLAN),
        'expect': {'code': 'VLAN_MISMATCH', 'host': 'hv', 'fixer': 'ovs_port_vlan',
                   'object': _obj('patch-ex', bridge=VM_BRIDGE)},
    },
    'ovs_port_down': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'link',
        'summary': "vm1's OVS port is administratively down (ovs-ofctl mod-port ... down)",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: Interface vnet-vm1 admin_state down, OpenFlow config PORT_DOWN; the veth has no UP flag",
        'heal': "ovs-ofctl mod-port br-int vnet-vm1 up",
        'expect': {'code': 'LINK_DOWN', 'host': 'hv', 'fixer': 'link_state',
                   'object': {'type': 'interface', 'name': 'vnet-vm1'}},
    },
    'ovs_drop_flow': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "an OpenFlow flow above NORMAL on br-int drops ICMP to vm1 (priority 100, cookie %s)"
                   % DROP_COOKIE,
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'neigh': ['host', 'vm1']}],
        'evidence': "hv: ovs-ofctl dump-flows br-int shows 'cookie=%s, priority=100,icmp,nw_dst=<vm1> "
                    "actions=drop'; ofproto/trace of the echo ends in that rule" % DROP_COOKIE,
        'heal': "ovs-ofctl --strict del-flows br-int 'cookie=%s/-1,priority=100,icmp,nw_dst=<vm1>'" % DROP_COOKIE,
        'expect': {'code': 'OVS_FLOW_DROP', 'host': 'hv', 'fixer': 'ovs_flow',
                   'object': {'type': 'openflow_flow', 'bridge': VM_BRIDGE, 'table': 0, 'priority': 100,
                              'cookie': DROP_COOKIE}},
    },
    'ovs_wrong_bridge': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "vm1's port is on br-spare (no uplink) instead of br-int",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: ovs-vsctl port-to-br vnet-vm1 = br-spare; the host's uplink0 is on br-ex, joined to "
                    "br-int by patch ports; br-spare has no path to it",
        'heal': "ovs-vsctl del-port br-spare vnet-vm1 -- add-port br-int vnet-vm1 tag=%d" % VLAN,
        'expect': {'code': 'OVS_WRONG_BRIDGE', 'host': 'hv', 'fixer': None,
                   'object': _obj('vnet-vm1', bridge='br-spare')},
    },
    'ovs_secure_no_flows': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "br-int is in fail_mode secure (a controller is expected) and has no flow at all: it drops "
                   "everything",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [],
        'evidence': "hv: ovs-vsctl get-fail-mode br-int = secure, no controller, ovs-ofctl dump-flows br-int empty",
        'heal': "ovs-vsctl del-fail-mode br-int; ovs-ofctl add-flow br-int priority=0,actions=NORMAL",
        'expect': {'code': 'OVS_SECURE_NO_FLOWS', 'host': 'hv', 'fixer': None,
                   'object': {'type': 'ovs_bridge', 'name': VM_BRIDGE}},
    },
    'ovs_mtu_request': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'link',
        'summary': "vm1's OVS interface has mtu_request=%d (the rest of the segment uses 1500); OVS re-applies it "
                   "whenever the kernel MTU changes" % SMALL_MTU,
        'breaks': [{'ping': ['host', 'vm1'], 'size': BIG_PING}],
        'intact': [{'ping': ['host', 'vm1']}],
        'evidence': "hv: ovs-vsctl get interface vnet-vm1 mtu_request = %d, mtu = %d; uplink0, hv0 and the VM's "
                    "eth0 use 1500" % (SMALL_MTU, SMALL_MTU),
        'heal': "ovs-vsctl set interface vnet-vm1 mtu_request=1500; ovs-vsctl clear interface vnet-vm1 mtu_request",
        'expect': {'code': 'MTU_MISMATCH', 'host': 'hv', 'fixer': 'ovs_interface',
                   'object': {'type': 'ovs_interface', 'name': 'vnet-vm1', 'mtu_request': SMALL_MTU}},
    },
    'ovs_patch_peer': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "the patch port patch-ex of br-int names the peer patch-nope: br-int and br-ex are no longer joined",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['vm1', 'hv']}],
        'evidence': "hv: ovs-vsctl get interface patch-ex error = \"No usable peer 'patch-nope' exists in 'netdev' "
                    "datapath.\" (patch-int: no usable peer 'patch-ex')",
        'heal': "ovs-vsctl set interface patch-ex options:peer=patch-int",
        'expect': {'code': 'OVS_INTERFACE_ERROR', 'host': 'hv', 'fixer': 'ovs_interface',
                   'object': {'type': 'ovs_interface', 'name': 'patch-ex', 'bridge': VM_BRIDGE}},
    },
    'ovs_port_no_forward': {
        'topologies': ['ovs'], 'node': 'hv', 'layer': 'switch',
        'summary': "vm1's OVS port has the OpenFlow port config NO_FWD (ovs-ofctl mod-port br-int vnet-vm1 "
                   "no-forward): the switch sends nothing to the VM",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: ovs-ofctl dump-ports-desc br-int: vnet-vm1 config NO_FWD; ofproto/trace: 'OFPPC_NO_FWD set, "
                    "skipping output'; coverage/show drop_action_of_pipeline grows",
        'heal': "ovs-ofctl mod-port br-int vnet-vm1 forward",
        'expect': {'code': 'OVS_PORT_CONFIG', 'host': 'hv', 'fixer': 'ovs_port_config',
                   'object': _obj('vnet-vm1', bridge=VM_BRIDGE, config=['NO_FWD'])},
    },
}


def inject(lab, name, record):
    """Inject OVS fault ``name`` through Lab._do (undo steps recorded first)."""
    globals()['_inject_' + name](lab, record)


def _inject_ovs_tag_mismatch(lab, record):
    lab._do(record, 'hv', vsctl_argv(lab, 'set', 'port', lab.port('vm1'), 'tag=%d' % OTHER_VLAN),
            undo=vsctl_argv(lab, 'set', 'port', lab.port('vm1'), 'tag=%d' % VLAN))


def _inject_ovs_trunk_missing_vlan(lab, record):
    lab._do(record, 'hv', vsctl_argv(lab, 'set', 'port', 'patch-ex', 'trunks=%d' % OTHER_VLAN),
            undo=vsctl_argv(lab, 'set', 'port', 'patch-ex', 'trunks=%d,%d' % (VLAN, OTHER_VLAN)))


def _inject_ovs_port_down(lab, record):
    lab._do(record, 'hv', ofctl_argv(lab, 'mod-port', VM_BRIDGE, lab.port('vm1'), 'down'),
            undo=ofctl_argv(lab, 'mod-port', VM_BRIDGE, lab.port('vm1'), 'up'))


def _drop_match(lab):
    return 'priority=100,icmp,nw_dst=%s' % lab.ip('vm1')


def _inject_ovs_drop_flow(lab, record):
    lab._do(record, 'hv', ofctl_argv(lab, 'add-flow', VM_BRIDGE, 'cookie=%s,%s,actions=drop'
                                     % (DROP_COOKIE, _drop_match(lab))),
            undo=ofctl_argv(lab, 'del-flows', VM_BRIDGE, '--strict', 'cookie=%s/-1,%s' % (DROP_COOKIE, _drop_match(lab))))


def _inject_ovs_wrong_bridge(lab, record):
    port, vm = lab.port('vm1'), 'vm1'
    back = vsctl_argv(lab, '--if-exists', 'del-port', port, '--', 'add-port', VM_BRIDGE, port, 'tag=%d' % VLAN,
                      '--', 'set', 'interface', port, 'external_ids:attached-mac=%s' % lab.mac(vm),
                      'external_ids:vm-id=%s' % vm)
    lab._do(record, 'hv', vsctl_argv(lab, 'del-port', VM_BRIDGE, port, '--', 'add-port', 'br-spare', port,
                                     'tag=%d' % VLAN, '--', 'set', 'interface', port,
                                     'external_ids:attached-mac=%s' % lab.mac(vm), 'external_ids:vm-id=%s' % vm),
            undo=back)


def _inject_ovs_secure_no_flows(lab, record):
    record['undo'].append(['hv', ofctl_argv(lab, 'add-flow', VM_BRIDGE, 'priority=0,actions=NORMAL'), None])
    record['undo'].append(['hv', vsctl_argv(lab, 'del-fail-mode', VM_BRIDGE), None])
    lab._do(record, 'hv', vsctl_argv(lab, 'set-fail-mode', VM_BRIDGE, 'secure'))
    lab._do(record, 'hv', ofctl_argv(lab, 'del-flows', VM_BRIDGE))


def _inject_ovs_mtu_request(lab, record):
    port = lab.port('vm1')
    record['undo'].append(['hv', vsctl_argv(lab, 'clear', 'interface', port, 'mtu_request'), None])
    lab._do(record, 'hv', vsctl_argv(lab, 'set', 'interface', port, 'mtu_request=%d' % SMALL_MTU),
            undo=vsctl_argv(lab, 'set', 'interface', port, 'mtu_request=1500'))


def _inject_ovs_patch_peer(lab, record):
    lab._do(record, 'hv', vsctl_argv(lab, 'set', 'interface', 'patch-ex', 'options:peer=patch-nope'),
            undo=vsctl_argv(lab, 'set', 'interface', 'patch-ex', 'options:peer=patch-int'))


def _inject_ovs_port_no_forward(lab, record):
    lab._do(record, 'hv', ofctl_argv(lab, 'mod-port', VM_BRIDGE, lab.port('vm1'), 'no-forward'),
            undo=ofctl_argv(lab, 'mod-port', VM_BRIDGE, lab.port('vm1'), 'forward'))
