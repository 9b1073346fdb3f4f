# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hosts' own firewall daemons in the lab: firewalld (with a private D-Bus system bus) and ufw.

``Lab(prefix, topology, firewall='firewalld'|'ufw')`` runs the daemon on ``firewall_nodes(lab)``: vm1,
and in the routed topology the forwarding hypervisor hv instead (firewalld policies between zones).
Nothing global is written:

* ``ip netns exec NS`` bind-mounts every entry of ``/etc/netns/NS/`` over ``/etc/`` (iproute2's
  per-namespace configuration, ip-netns(8)). The lab gives each firewall node a private
  ``/etc/netns/NS/firewalld`` (empty: firewalld's defaults from /usr/lib/firewalld, and
  ``--permanent`` changes land there) or ``/etc/netns/NS/ufw`` + ``/etc/netns/NS/default`` (copies
  of /etc/ufw and /etc/default: ``ufw enable`` writes ENABLED=yes and ``ufw default`` its policy
  into the copies). Every process run through ``ip netns exec`` (the lab, the netns connection of
  the playbooks) sees the copies; the root namespace and /etc stay untouched.
* firewalld talks D-Bus: a dbus-daemon with a private socket under the lab's state dir runs in the
  namespace; ``DBUS_SYSTEM_BUS_ADDRESS`` points firewall-cmd at it (``env(lab, node)``, and the
  inventory's ``ansible_netns_environment``).
* Daemons are stopped by the pids in their pidfiles (``stop_lab``, called by ``destroy_lab``, so
  ``lab.py down`` also cleans up after a crash).

* ifupdown (not a daemon: ``ifup``/``ifdown`` run on demand) gets a private ``/etc/network`` the
  same way (``ifupdown_config``: the node's interfaces file and empty hook directories) and its
  state in the node's work dir (``--state-dir``, not the shared /run/network): ``ifupdown_restart``
  lets it re-apply an interface from that file inside the namespace only.

``DAEMON_FAULTS`` are faults of the daemons' own configuration (same shape as vmnetlab.FAULTS, plus
``firewall``: the daemon the lab must run). They are kept apart from FAULTS because they need a lab
built with that daemon.
"""

import glob
import os
import shutil
import signal
import subprocess
import time

FIREWALLS = ('firewalld', 'ufw')
FIREWALL_NODES = ('vm1',)
FIREWALL_NODES_BY_TOPOLOGY = {'routed': ('hv',)}
ETC_NETNS = '/etc/netns'
START_TIMEOUT = 40
ENV = dict(os.environ, LANG='C', LC_ALL='C')

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <pidfile>{pidfile}</pidfile>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

# routed + firewalld: hv forwards between zone public (eth0, eth1: the host) and internal (br0: the VMs)
LAB_POLICIES = (('lab-to-vms', 'public', 'internal'), ('lab-from-vms', 'internal', 'public'))
BLOCK_POLICY = 'lab-block'
UFW_ECHO_ACCEPT = '-A ufw-before-input -p icmp --icmp-type echo-request -j ACCEPT'
UFW_ECHO_DROP = '-A ufw-before-input -p icmp --icmp-type echo-request -j DROP'
HOST_BREAKS = [{'ping': ['host', 'vm1']}]
HOST_INTACT = [{'neigh': ['host', 'vm1']}]


def _fw_expect(setting, obj=None):
    expect = {'type': 'firewall_rule', 'backend': 'firewalld', 'zone_setting': setting}
    expect.update(obj or {})
    return {'code': 'ICMP_BLOCKED', 'host': 'vm1', 'fixer': 'icmp_rule', 'object': expect}


DAEMON_FAULTS = {
    'fwd_icmp_block': {
        'firewall': 'firewalld', 'topologies': ['bridged'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "firewalld on vm1: the public zone blocks icmp type echo-request (icmp-block)",
        'breaks': HOST_BREAKS, 'intact': HOST_INTACT,
        'evidence': "vm1: firewall-cmd --zone=public --query-icmp-block=echo-request says yes (runtime and "
                    "--permanent: every firewalld fault is in both, so a reload keeps it)",
        'heal': "firewall-cmd --zone=public --remove-icmp-block=echo-request",
        'expect': _fw_expect('icmp-block', {'zone': 'public'}),
    },
    'fwd_block_inversion': {
        'firewall': 'firewalld', 'topologies': ['bridged'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "firewalld on vm1: icmp-block-inversion in the public zone with no icmp type listed",
        'breaks': HOST_BREAKS, 'intact': HOST_INTACT,
        'evidence': "vm1: firewall-cmd --zone=public --query-icmp-block-inversion says yes",
        'heal': "firewall-cmd --zone=public --remove-icmp-block-inversion",
        'expect': _fw_expect('icmp-block-inversion', {'zone': 'public'}),
    },
    'fwd_rich_reject': {
        'firewall': 'firewalld', 'topologies': ['bridged'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "firewalld on vm1: a rich rule in the public zone rejects the host's address",
        'breaks': HOST_BREAKS, 'intact': HOST_INTACT,
        'evidence': "vm1: firewall-cmd --zone=public --list-rich-rules shows 'rule family=\"ipv4\" source "
                    "address=\"<host>/32\" reject'",
        'heal': "firewall-cmd --zone=public --remove-rich-rule with the same rule",
        'expect': _fw_expect('rich rule', {'zone': 'public'}),
    },
    'fwd_wrong_zone': {
        'firewall': 'firewalld', 'topologies': ['bridged'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "firewalld on vm1: eth0 is bound to the drop zone",
        'breaks': HOST_BREAKS, 'intact': HOST_INTACT,
        'evidence': "vm1: firewall-cmd --get-zone-of-interface=eth0 says drop",
        'heal': "firewall-cmd --zone=drop --remove-interface=eth0",
        'expect': _fw_expect('target', {'zone': 'drop'}),
    },
    'fwd_policy_drop': {
        'firewall': 'firewalld', 'topologies': ['routed'], 'node': 'hv', 'layer': 'firewall',
        'summary': "firewalld on the forwarding hypervisor: a policy from zone public (the host's side) to "
                   "zone internal (the VMs' bridge) with target DROP",
        'breaks': HOST_BREAKS, 'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "hv: firewall-cmd --info-policy=%s says target: DROP, ingress-zones: public, egress-zones: "
                    "internal, priority -10 (the lab's accepting policy %s has -1)"
                    % (BLOCK_POLICY, LAB_POLICIES[0][0]),
        'heal': "firewall-cmd --permanent --delete-policy=%s; firewall-cmd --reload" % BLOCK_POLICY,
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'hv', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'firewalld', 'hook': 'forward',
                              'firewalld_policy': BLOCK_POLICY, 'ingress_zone': 'public',
                              'egress_zone': 'internal', 'zone_setting': 'target'}},
    },
    'ufw_default_deny': {
        'firewall': 'ufw', 'topologies': ['bridged'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "ufw on vm1: default deny (incoming) and no rule allows ICMP echo (the echo-request "
                   "accept of before.rules removed)",
        'breaks': HOST_BREAKS, 'intact': HOST_INTACT,
        'evidence': "vm1: ufw status verbose says 'deny (incoming)'; before.rules has no echo-request accept",
        'heal': "put the echo-request accept back in before.rules, ufw reload",
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'vm1', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'ufw', 'chain': 'INPUT'}},
    },
    'ufw_before_drop': {
        'firewall': 'ufw', 'topologies': ['bridged'], 'node': 'vm1', 'layer': 'firewall',
        'summary': "ufw on vm1: before.rules drops ICMP echo-request",
        'breaks': HOST_BREAKS, 'intact': HOST_INTACT,
        'evidence': "vm1: /etc/ufw/before.rules (the namespace's copy) has '%s'" % UFW_ECHO_DROP,
        'heal': "the accept back in before.rules, ufw reload",
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'vm1', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'ufw', 'chain': 'ufw-before-input'}},
    },
}


class DaemonError(Exception):
    pass


def firewall_nodes(lab):
    return FIREWALL_NODES_BY_TOPOLOGY.get(lab.topology, FIREWALL_NODES)


def work_dir(state_dir, ns):
    return os.path.join(state_dir, ns + '-fw')


def etc_dir(ns):
    """The namespace's private /etc overlay (``ip netns exec`` bind-mounts its entries over /etc)."""
    return os.path.join(ETC_NETNS, ns)


def bus_address(state_dir, ns):
    return 'unix:path=%s' % os.path.join(work_dir(state_dir, ns), 'bus.sock')


def env(lab, node):
    """Environment a command needs in ``node`` to reach its daemon ({} without firewalld there)."""
    if getattr(lab, 'firewall', None) == 'firewalld' and node in firewall_nodes(lab):
        return {'DBUS_SYSTEM_BUS_ADDRESS': bus_address(lab.state_dir, lab.ns(node))}
    return {}


def run(lab, node, argv, check=True, input_text=None):
    """argv in ``node``'s namespace with its daemon's environment."""
    extra = ['%s=%s' % item for item in sorted(env(lab, node).items())]
    full = ['ip', 'netns', 'exec', lab.ns(node)] + (['env'] + extra if extra else []) + list(argv)
    proc = subprocess.run(full, input=input_text, capture_output=True, text=True, env=ENV, timeout=60,
                          check=False)
    if check and proc.returncode != 0:
        raise DaemonError('%s: rc %d: %s' % (' '.join(full), proc.returncode,
                                             (proc.stderr or proc.stdout).strip()))
    return proc


def _write_pid(path, pid):
    with open(path + '.tmp', 'w') as handle:
        handle.write('%d\n' % pid)
    os.rename(path + '.tmp', path)


def _start_firewalld(lab, node, wdir):
    ns = lab.ns(node)
    os.makedirs(os.path.join(etc_dir(ns), 'firewalld'), exist_ok=True)
    sock = os.path.join(wdir, 'bus.sock')
    conf = os.path.join(wdir, 'bus.conf')
    with open(conf, 'w') as handle:
        handle.write(BUS_CONFIG.format(sock=sock, pidfile=os.path.join(wdir, 'dbus.pid')))
    subprocess.run(['ip', 'netns', 'exec', ns, 'dbus-daemon', '--config-file=' + conf, '--fork'],
                   check=True, capture_output=True, env=ENV, timeout=30)
    with open(os.path.join(wdir, 'firewalld.log'), 'w') as log:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            ['ip', 'netns', 'exec', ns, 'firewalld', '--nofork', '--nopid', '--log-target=file',
             '--log-file=' + os.path.join(wdir, 'firewalld.log')],
            env=dict(ENV, DBUS_SYSTEM_BUS_ADDRESS='unix:path=' + sock), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _write_pid(os.path.join(wdir, 'firewalld.pid'), proc.pid)   # ip netns exec execs firewalld: same pid
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if proc.poll() is not None:
            raise DaemonError('firewalld in %s exited (rc %s); see %s/firewalld.log' % (ns, proc.returncode, wdir))
        if run(lab, node, ['firewall-cmd', '--state'], check=False).stdout.strip() == 'running':
            return
        time.sleep(0.5)
    raise DaemonError('firewalld in %s did not start in %d s; see %s/firewalld.log' % (ns, START_TIMEOUT, wdir))


def _routed_zones(lab, node):
    """The forwarding hypervisor as RHEL-family hosts set it up: the host-facing interfaces in
    ``public``, the VMs' bridge in ``internal``, and policies between them that accept (firewalld
    >= 0.9 rejects traffic forwarded between zones unless a policy accepts it). Runtime and
    permanent (the private /etc/firewalld), so a reload keeps them."""
    steps = [['--zone=public', '--add-interface=eth0'], ['--zone=public', '--add-interface=eth1'],
             ['--zone=internal', '--add-interface=br0']]
    for step in steps:
        run(lab, node, ['firewall-cmd'] + step)
        run(lab, node, ['firewall-cmd', '--permanent'] + step)
    for name, ingress, egress in LAB_POLICIES:
        _new_policy(lab, node, name, ['--add-ingress-zone=' + ingress, '--add-egress-zone=' + egress,
                                      '--set-target=ACCEPT'])
    run(lab, node, ['firewall-cmd', '--reload'])


def _new_policy(lab, node, name, settings):
    """A permanent policy (firewall-cmd takes one of these options per call)."""
    run(lab, node, ['firewall-cmd', '--permanent', '--new-policy=' + name])
    for setting in settings:
        run(lab, node, ['firewall-cmd', '--permanent', '--policy=' + name, setting])


def _start_ufw(lab, node):
    ns = lab.ns(node)
    base = etc_dir(ns)
    os.makedirs(base, exist_ok=True)
    for name in ('ufw', 'default'):
        shutil.rmtree(os.path.join(base, name), ignore_errors=True)
        shutil.copytree(os.path.join('/etc', name), os.path.join(base, name), symlinks=True)
    run(lab, node, ['ufw', '--force', 'enable'])


def start(lab):
    """Start ``lab.firewall`` on the firewall nodes (after the lab's namespaces exist)."""
    if not getattr(lab, 'firewall', None):
        return
    if lab.firewall not in FIREWALLS:
        raise DaemonError('unknown firewall %r (choose from %s)' % (lab.firewall, ', '.join(FIREWALLS)))
    for node in firewall_nodes(lab):
        if node not in lab.nodes:
            continue
        wdir = work_dir(lab.state_dir, lab.ns(node))
        os.makedirs(wdir, exist_ok=True)
        if lab.firewall == 'firewalld':
            _start_firewalld(lab, node, wdir)
            if lab.topology == 'routed':
                _routed_zones(lab, node)
        else:
            _start_ufw(lab, node)


def _kill(pidfile, marker):
    try:
        with open(pidfile) as handle:
            pid = int(handle.read().strip())
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            if marker.encode() not in handle.read():
                return
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return
    deadline = time.time() + 10
    while os.path.exists('/proc/%d' % pid) and time.time() < deadline:
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def stop_lab(prefix, state_dir):
    """Stop every daemon of lab ``prefix`` by its pidfile and remove its private dirs (no state file
    needed: works after a crash)."""
    for wdir in glob.glob(os.path.join(state_dir, prefix + '-*-fw')):
        _kill(os.path.join(wdir, 'firewalld.pid'), 'firewalld')
        _kill(os.path.join(wdir, 'dbus.pid'), 'dbus-daemon')
        shutil.rmtree(wdir, ignore_errors=True)
    for path in glob.glob(os.path.join(ETC_NETNS, prefix + '-*')):
        shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------ ifupdown, the network manager that runs here
IFUPDOWN_HOOK_DIRS = ('if-pre-up.d', 'if-up.d', 'if-down.d', 'if-post-down.d')


def ifupdown_state_dir(lab, node):
    """ifupdown's state (``--state-dir``; by default /run/network, shared by every namespace), in the
    node's work dir: ``stop_lab`` removes it."""
    return os.path.join(work_dir(lab.state_dir, lab.ns(node)), 'ifstate')


def ifupdown_config(lab, node, interfaces):
    """Give ``node`` a private /etc/network: ``interfaces`` and empty hook directories (the root's
    hooks, e.g. systemd-resolved's or openvswitch's, never run for the lab)."""
    base = os.path.join(etc_dir(lab.ns(node)), 'network')
    for name in IFUPDOWN_HOOK_DIRS:
        os.makedirs(os.path.join(base, name), exist_ok=True)
    with open(os.path.join(base, 'interfaces'), 'w') as handle:
        handle.write(interfaces)
    os.makedirs(ifupdown_state_dir(lab, node), exist_ok=True)


def ifupdown_restart(lab, node, ifname):
    """``ifdown --force IF; ifup IF`` run by ifupdown itself in ``node``'s namespace, from the node's
    private /etc/network/interfaces (refused without one: ifupdown must never read the root's).
    Returns the ``ifup --verbose`` output (the commands ifupdown ran)."""
    base = os.path.join(etc_dir(lab.ns(node)), 'network')
    if not all(os.path.isdir(os.path.join(base, name)) for name in IFUPDOWN_HOOK_DIRS) \
            or not os.path.isfile(os.path.join(base, 'interfaces')):
        raise DaemonError('%s has no private /etc/network (ifupdown_config first)' % lab.ns(node))
    state = '--state-dir=' + ifupdown_state_dir(lab, node)
    run(lab, node, ['ifdown', '--force', state, ifname])
    proc = run(lab, node, ['ifup', '--verbose', state, ifname])
    return proc.stdout + proc.stderr


# ------------------------------------------------------------------ faults
def _fw_node(lab):
    return firewall_nodes(lab)[0]


def _fwcmd(lab, record, args, undo):
    """firewall-cmd ``args`` on the firewall node, runtime and permanent (a reload keeps the fault), inverses first."""
    for mode in ([], ['--permanent']):
        record['undo'].append(['@fwd', ['firewall-cmd'] + mode + undo, None])
        run(lab, _fw_node(lab), ['firewall-cmd'] + mode + args)


def _inject_fwd_policy_drop(lab, record):
    """A policy from the host's zone to the VMs' zone with target DROP, before the lab's accepting
    one (priority -10 < -1). Policies exist in the permanent configuration only: new, then reload."""
    node = _fw_node(lab)
    record['undo'].append(['@fwd', ['firewall-cmd', '--reload'], None])
    record['undo'].append(['@fwd', ['firewall-cmd', '--permanent', '--delete-policy=' + BLOCK_POLICY], None])
    _new_policy(lab, node, BLOCK_POLICY, ['--set-priority=-10', '--add-ingress-zone=public',
                                          '--add-egress-zone=internal', '--set-target=DROP'])
    run(lab, node, ['firewall-cmd', '--reload'])


def _inject_fwd_icmp_block(lab, record):
    _fwcmd(lab, record, ['--zone=public', '--add-icmp-block=echo-request'],
           ['--zone=public', '--remove-icmp-block=echo-request'])


def _inject_fwd_block_inversion(lab, record):
    _fwcmd(lab, record, ['--zone=public', '--add-icmp-block-inversion'],
           ['--zone=public', '--remove-icmp-block-inversion'])


def _inject_fwd_rich_reject(lab, record):
    rule = 'rule family="ipv4" source address="%s/32" reject' % lab.ip('host')
    _fwcmd(lab, record, ['--zone=public', '--add-rich-rule=' + rule], ['--zone=public', '--remove-rich-rule=' + rule])


def _inject_fwd_wrong_zone(lab, record):
    _fwcmd(lab, record, ['--zone=drop', '--change-interface=eth0'], ['--zone=drop', '--remove-interface=eth0'])


def _before_rules(lab):
    return os.path.join(etc_dir(lab.ns('vm1')), 'ufw', 'before.rules')


def _edit_before_rules(lab, record, old, new, policy=None):
    path = _before_rules(lab)
    with open(path) as handle:
        text = handle.read()
    if old not in text:
        raise DaemonError('%s has no line %r' % (path, old))
    record['details']['before_rules'] = text
    record['undo'].append(['@ufw-restore', [path], None])
    if policy:
        before = run(lab, 'vm1', ['ufw', 'status', 'verbose']).stdout
        record['details']['policy'] = 'allow' if 'allow (incoming)' in before else 'deny'
        run(lab, 'vm1', ['ufw', 'default', policy, 'incoming'])
    with open(path, 'w') as handle:
        handle.write(text.replace(old + '\n', new + '\n' if new else ''))
    run(lab, 'vm1', ['ufw', 'reload'])


def _inject_ufw_default_deny(lab, record):
    _edit_before_rules(lab, record, UFW_ECHO_ACCEPT, None, policy='deny')


def _inject_ufw_before_drop(lab, record):
    _edit_before_rules(lab, record, UFW_ECHO_ACCEPT, UFW_ECHO_DROP)


def injector(name):
    return globals()['_inject_' + name]


def replay(lab, record, argv):
    """One undo step of a daemon fault (``@fwd`` argv, or ``@ufw-restore`` [path])."""
    if argv[0] == 'firewall-cmd':
        run(lab, _fw_node(lab), argv, check=False)
        return
    path = argv[0]
    if os.path.isdir(os.path.dirname(path)):
        with open(path, 'w') as handle:
            handle.write(record['details']['before_rules'])
        if record['details'].get('policy'):
            run(lab, 'vm1', ['ufw', 'default', record['details']['policy'], 'incoming'], check=False)
        run(lab, 'vm1', ['ufw', 'reload'], check=False)
