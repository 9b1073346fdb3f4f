# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``libvirt`` lab topology: a real libvirtd in the hypervisor namespace.

* ``<prefix>-hv`` runs its own libvirtd (monolithic daemon, QEMU and LXC drivers) inside a
  private mount namespace: /etc/libvirt, /var/lib/libvirt, /run/libvirt, /var/log/libvirt and
  /var/cache/libvirt are bind mounts of directories under the lab's state dir, so nothing the
  lab defines reaches the machine's libvirt configuration. Its socket is
  ``<state>/<prefix>-libvirt/run/libvirt-sock`` (URIs ``qemu:///system?socket=...``), its pid file
  ``<state>/<prefix>-libvirt/libvirtd.pid``. The daemon needs cgroup v1 controllers mounted at
  /sys/fs/cgroup for its LXC guests: ``ip netns exec`` remounts /sys, so they are mounted again
  inside that private mount namespace.
* Four libvirt networks, one per forward mode: ``vmnet`` (route, the VM's network, virbr1),
  ``natnet`` (nat, virbr2), ``opennet`` (open, virbr3), ``isonet`` (isolated, virbr4).
* ``vm1`` is a real libvirt guest: an LXC domain (a shell loop that ends on SIGTERM, on the host's root file
  system) whose NIC is ``<interface type='network'><source network='vmnet'/>``; libvirt creates
  its veth (``vnet0`` on the hypervisor, ``eth0`` in the guest). The guest's network namespace
  is named ``<prefix>-vm1`` (``ip netns attach``) and configured like the other labs' VMs.
* ``host`` is the physical host outside the hypervisor: eth0 <-> hv eth0 on the transit subnet,
  with a route to the VM subnet via the hypervisor.

Teardown (``destroy``) destroys and undefines the domain, stops the networks, then kills
libvirtd and every dnsmasq by their pid files; it also works after a crash (no state file).
"""

import os
import re
import shutil
import signal
import time

TRANSIT = '10.240.0.0/24'
NETWORKS = (
    # name, forward mode (None: isolated), bridge, gateway address (/24), role
    ('vmnet', 'route', 'virbr1', '10.240.1.1'),
    ('natnet', 'nat', 'virbr2', '10.240.2.1'),
    ('opennet', 'open', 'virbr3', '10.240.3.1'),
    ('isonet', None, 'virbr4', '10.240.4.1'),
)
VM_NETWORK = 'vmnet'
VM_SUBNET = '10.240.1.0/24'
VM_GATEWAY = '10.240.1.1'
DOMAIN = 'vm1'
LIBVIRT_DIRS = (('etc', '/etc/libvirt'), ('lib', '/var/lib/libvirt'), ('run', '/run/libvirt'),
                ('log', '/var/log/libvirt'), ('cache', '/var/cache/libvirt'))
CGROUP_CONTROLLERS = ('cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids')
START_SCRIPT = """set -e
D="$1"
# ip netns exec mounted a fresh /sys: give the LXC driver its cgroup controllers back
mount -t tmpfs cgroup /sys/fs/cgroup
v1=0
for c in %(controllers)s; do
  if grep -qw "^$c" /proc/cgroups; then
    mkdir -p /sys/fs/cgroup/$c
    if mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null; then v1=1; else rmdir /sys/fs/cgroup/$c; fi
  fi
done
if [ $v1 = 1 ]; then
  mkdir -p /sys/fs/cgroup/systemd; mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd || true
else
  umount /sys/fs/cgroup; mount -t cgroup2 cgroup2 /sys/fs/cgroup || true
fi
%(binds)s
exec libvirtd -d --config "$D/libvirtd.conf" --pid-file "$D/libvirtd.pid"
""" % {'controllers': ' '.join(CGROUP_CONTROLLERS),
       'binds': '\n'.join('mount --bind "$D/%s" %s' % (sub, path) for sub, path in LIBVIRT_DIRS)}
# libvirt's lxc hook (/etc/libvirt/hooks/lxc, private): the lab's stand-in for the guest OS setting up its
# network at boot. After a RE-start of the guest (a fault or a fixer restarts it; the first start is
# configured by the lab, which creates the BOOTED marker), it names the guest's new network namespace
# again (``ip netns attach`` in the lab's mount namespace, found through a process that shares it) and
# gives eth0 the lab's address and default route; eth0 stays down when the domain says <link state='down'/>.
HOOK_SCRIPT = """#!/bin/sh
[ "$1" = %(domain)s ] && [ "$2" = started ] && [ -e %(booted)s ] || exit 0
xml=$(cat)
ctl=$(cat /run/libvirt/lxc/%(domain)s.pid)
init=
for _ in $(seq 100); do init=$(pgrep -P "$ctl" | head -n1); [ -n "$init" ] && break; sleep 0.05; done
root=
for p in /proc/[0-9]*; do
  if [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "%(mntns)s" ]; then root=$p; break; fi
done
[ -n "$init" ] && [ -n "$root" ] || { echo "lab hook: no guest init or lab mount namespace" >&2; exit 1; }
nsenter --mount="$root/ns/mnt" sh -c 'ip netns delete %(netns)s 2>/dev/null; ip netns attach %(netns)s '"$init"
nsenter -t "$init" -n sh -ec '
ip link set lo up
for k in all default; do sysctl -q -w net.ipv4.conf.$k.rp_filter=0; done
ip addr replace %(address)s dev eth0'
case "$xml" in
  *"<link state='down'/>"*) ;;
  *) nsenter -t "$init" -n sh -ec 'ip link set eth0 up; ip route replace default via %(gateway)s dev eth0' ;;
esac
"""


def libvirt_dir(prefix, state_dir):
    """Private directory of the lab's libvirtd (config, state, socket, pid files)."""
    return os.path.join(state_dir, prefix + '-libvirt')


def socket_path(prefix, state_dir):
    return os.path.join(libvirt_dir(prefix, state_dir), 'run', 'libvirt-sock')


def uri(prefix, state_dir, driver='qemu'):
    """Connection URI of the lab's libvirtd (``qemu`` for networks, ``lxc`` for the guest)."""
    return '%s:///system?socket=%s' % (driver, socket_path(prefix, state_dir))


def network_xml(name, mode, bridge, gateway):
    forward = "<forward mode='%s'/>" % mode if mode else ''
    base = gateway.rsplit('.', 1)[0]
    return ("<network><name>%s</name>%s<bridge name='%s' stp='off' delay='0'/>"
            "<ip address='%s' netmask='255.255.255.0'><dhcp><range start='%s.100' end='%s.200'/></dhcp></ip>"
            "</network>\n" % (name, forward, bridge, gateway, base, base))


def domain_xml(mac, network=VM_NETWORK):
    return ("<domain type='lxc'><name>%s</name><memory unit='MiB'>64</memory>"
            # an init that ends on SIGTERM (virsh shutdown --mode signal), as a guest's init shuts down
            "<os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg>"
            "<initarg>trap 'exit 0' TERM; while :; do sleep 600 &amp; wait $!; done</initarg></os>"
            "<devices><interface type='network'><source network='%s'/><mac address='%s'/></interface>"
            "<console type='pty'/></devices></domain>\n" % (DOMAIN, network, mac))


def _read_pid(path):
    try:
        with open(path) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def _kill(pid, marker):
    """SIGTERM pid (only when its command line holds ``marker``), wait up to 5 s, then SIGKILL."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            if marker.encode() not in handle.read():
                return
    except OSError:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.kill(pid, sig)
        except OSError:
            return
        deadline = time.time() + wait
        while os.path.exists('/proc/%d' % pid) and time.time() < deadline:
            try:
                with open('/proc/%d/stat' % pid) as handle:
                    if handle.read().split(') ', 1)[1].startswith('Z'):
                        return   # a zombie: dead, waiting for its parent
            except (OSError, IndexError):
                return
            time.sleep(0.05)


def destroy(prefix, state_dir, run):
    """Stop the lab's libvirt guest, networks, libvirtd and dnsmasq; remove the private dir.

    ``run(argv)`` runs a command in the hypervisor namespace (check=False). Works after a crash:
    everything is found through the private dir's pid files."""
    base = libvirt_dir(prefix, state_dir)
    if not os.path.isdir(base):
        return
    sock = socket_path(prefix, state_dir)
    if os.path.exists(sock):
        lxc = uri(prefix, state_dir, 'lxc')
        run(['virsh', '-c', lxc, 'destroy', DOMAIN])
        run(['virsh', '-c', lxc, 'undefine', DOMAIN])
        for name, _mode, _bridge, _gw in NETWORKS:
            run(['virsh', '-c', uri(prefix, state_dir), 'net-destroy', name])
    _kill(_read_pid(os.path.join(base, 'libvirtd.pid')) or 0, 'libvirtd')
    for sub in ('network', 'lxc'):
        folder = os.path.join(base, 'run', sub)
        for name in (os.listdir(folder) if os.path.isdir(folder) else []):
            if name.endswith('.pid'):
                pid = _read_pid(os.path.join(folder, name))
                if pid:
                    _kill(pid, 'dnsmasq' if sub == 'network' else 'libvirt_lxc')
    shutil.rmtree(base, ignore_errors=True)


class LibvirtTopology(object):
    """Builds the ``libvirt`` topology for a vmnetlab.Lab (``lab``)."""

    def __init__(self, lab):
        self.lab = lab
        self.dir = libvirt_dir(lab.prefix, lab.state_dir)
        self.uri = uri(lab.prefix, lab.state_dir)
        self.lxc_uri = uri(lab.prefix, lab.state_dir, 'lxc')

    def virsh(self, *args, **kwargs):
        """virsh argv against the lab's libvirtd (``lxc=True`` for the guest's driver)."""
        return ['virsh', '-q', '-c', self.lxc_uri if kwargs.get('lxc') else self.uri] + list(args)

    def start_daemon(self):
        lab = self.lab
        for sub, path in LIBVIRT_DIRS:
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
            os.makedirs(path, exist_ok=True)    # the mount points (empty directories the packages create)
        with open(os.path.join(self.dir, 'libvirtd.conf'), 'w') as handle:
            handle.write('unix_sock_dir = "%s"\n' % os.path.join(self.dir, 'run'))
        self.write_hook()
        script = os.path.join(self.dir, 'start.sh')
        with open(script, 'w') as handle:
            handle.write(START_SCRIPT)
        lab.run('hv', ['unshare', '-m', '--propagation', 'private', 'sh', script, self.dir])
        deadline = time.time() + 20
        while lab.run('hv', self.virsh('net-list'), check=False).returncode != 0:
            if time.time() > deadline:
                raise _lab_error('libvirtd in %s did not answer on %s within 20 s' % (lab.ns('hv'), self.uri))
            time.sleep(0.2)

    def booted_marker(self):
        return os.path.join(self.dir, DOMAIN + '.booted')

    def write_hook(self):
        """The lxc hook (HOOK_SCRIPT) in the daemon's private /etc/libvirt/hooks: libvirtd reads the
        hooks directory when it starts."""
        hooks = os.path.join(self.dir, 'etc', 'hooks')
        os.makedirs(hooks, exist_ok=True)
        path = os.path.join(hooks, 'lxc')
        with open(path, 'w') as handle:
            handle.write(HOOK_SCRIPT % {
                'domain': DOMAIN, 'booted': self.booted_marker(), 'mntns': os.readlink('/proc/self/ns/mnt'),
                'netns': self.lab.ns(DOMAIN), 'address': self.lab.addr_cidr(DOMAIN), 'gateway': VM_GATEWAY})
        os.chmod(path, 0o755)

    def restart_guest(self):
        """Power-cycle the guest (destroy, start); the hook configures its network again."""
        self.lab.run('hv', self.virsh('destroy', DOMAIN, lxc=True))
        self.lab.run('hv', self.virsh('start', DOMAIN, lxc=True))

    def define_networks(self):
        for name, mode, bridge, gateway in NETWORKS:
            path = os.path.join(self.dir, name + '.xml')
            with open(path, 'w') as handle:
                handle.write(network_xml(name, mode, bridge, gateway))
            self.lab.run('hv', self.virsh('net-define', path))
            self.lab.run('hv', self.virsh('net-start', name))

    def start_guest(self, mac):
        """Define and start the LXC guest; name its network namespace <prefix>-vm1."""
        lab = self.lab
        path = os.path.join(self.dir, DOMAIN + '.xml')
        with open(path, 'w') as handle:
            handle.write(domain_xml(mac))
        lab.run('hv', self.virsh('define', path, lxc=True))
        lab.run('hv', self.virsh('start', DOMAIN, lxc=True))
        controller = _read_pid(os.path.join(self.dir, 'run', 'lxc', DOMAIN + '.pid'))
        init = None
        deadline = time.time() + 10
        while init is None and time.time() < deadline:
            for pid in os.listdir('/proc'):
                if pid.isdigit() and _ppid(pid) == controller:
                    init = int(pid)
            time.sleep(0.05)
        if init is None:
            raise _lab_error('the LXC guest %s has no init process (controller pid %s)' % (DOMAIN, controller))
        from vmnetlab import _run  # pylint: disable=import-outside-toplevel
        _run(['ip', 'netns', 'attach', lab.ns('vm1'), str(init)])
        with open(self.booted_marker(), 'w') as handle:
            handle.write('%d\n' % init)

    def guest_port(self):
        """The hypervisor end of the guest NIC (libvirt names it vnetN)."""
        out = self.lab.run('hv', self.virsh('domiflist', DOMAIN, lxc=True)).stdout.split()
        return out[0] if out else None


def _lab_error(message):
    from vmnetlab import LabError  # pylint: disable=import-outside-toplevel
    return LabError(message)


def _ppid(pid):
    try:
        with open('/proc/%s/stat' % pid) as handle:
            return int(handle.read().rsplit(') ', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------- faults
# Merged into vmnetlab.FAULTS (same keys and meaning). Injected by inject() below.
FAULTS = {
    'libvirt_net_nat': {
        'topologies': ['libvirt'], 'node': 'hv', 'layer': 'switch',
        'doctor_allow': ['LIBVIRT_NAT'],   # the fix changes the VM's exposure: applied only when named
        'summary': "the VM's libvirt network (vmnet) is redefined with forward mode nat: the physical host outside "
                   "the hypervisor can no longer open connections to the VM",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'vm1']}, {'ping': ['vm1', 'host']}],
        'evidence': "hv: virsh net-dumpxml vmnet has <forward mode='nat'/>; iptables LIBVIRT_FWI "
                    "'-o virbr1 -j REJECT' for every new inbound connection; vm1 -> host still works (masqueraded)",
        'heal': "net-destroy, net-define the recorded XML (forward mode route), net-start, plug vm1's vnet port back",
        'expect': {'code': 'LIBVIRT_NAT', 'host': 'hv', 'fixer': 'libvirt_network',
                   'object': {'type': 'libvirt_network', 'name': VM_NETWORK, 'forward_mode': 'nat'}},
    },
    'libvirt_net_isolated': {
        'topologies': ['libvirt'], 'node': 'hv', 'layer': 'switch',
        'doctor_allow': ['LIBVIRT_NET_ISOLATED'],   # the fix changes the VM's exposure: applied only when named
        'summary': "the VM's libvirt network (vmnet) is redefined without <forward>: an isolated network",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['hv', 'vm1']}],
        'evidence': "hv: virsh net-dumpxml vmnet has no <forward>; LIBVIRT_FWI/FWO reject everything on virbr1 "
                    "that is not virbr1 -> virbr1",
        'heal': "net-destroy, net-define the recorded XML, net-start, plug vm1's vnet port back",
        'expect': {'code': 'LIBVIRT_NET_ISOLATED', 'host': 'hv', 'fixer': 'libvirt_network',
                   'object': {'type': 'libvirt_network', 'name': VM_NETWORK}},
    },
    'libvirt_net_inactive': {
        'topologies': ['libvirt'], 'node': 'hv', 'layer': 'switch',
        'summary': "the VM's libvirt network (vmnet) is stopped (virsh net-destroy) while the guest runs",
        'breaks': [{'ping': ['host', 'vm1']}, {'ping': ['hv', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: virsh net-info vmnet Active: no; virbr1 is gone, the guest's vnet port has no master",
        'heal': "net-start vmnet, plug vm1's vnet port back",
        'expect': {'code': 'LIBVIRT_NET_INACTIVE', 'host': 'hv', 'fixer': 'libvirt_network',
                   'object': {'type': 'libvirt_network', 'name': VM_NETWORK}},
    },
    'libvirt_forward_drop': {
        'topologies': ['libvirt'], 'node': 'hv', 'layer': 'firewall',
        'summary': "a forward chain with policy drop in a second table (as Docker or a host firewall sets) breaks "
                   "the routed libvirt network: libvirt's ACCEPT in its own table does not override it",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "hv: table inet filter, chain forward (hook forward, policy drop) next to libvirt's "
                    "LIBVIRT_FWI/FWO accepts in table ip filter",
        'heal': "delete table inet filter on hv",
        'expect': {'code': 'ICMP_BLOCKED', 'host': 'hv', 'fixer': 'icmp_rule',
                   'object': {'type': 'firewall_rule', 'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                              'chain': 'forward'}},
    },
    'libvirt_no_return_route': {
        'topologies': ['libvirt'], 'node': 'host', 'layer': 'routing',
        'summary': "the physical host has no route to the routed libvirt network's subnet",
        'breaks': [{'ping': ['host', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}, {'ping': ['hv', 'vm1']}],
        'evidence': "host: no route for %s; a routed libvirt network needs one on every other machine" % VM_SUBNET,
        'heal': "ip route replace %s via <hv eth0> dev eth0 on host" % VM_SUBNET,
        'expect': {'code': 'NO_ROUTE', 'host': 'host', 'fixer': 'static_route',
                   'object': {'type': 'route', 'destination': '{vm1_ip}'}},
    },
    'libvirt_guest_link_down': {
        'topologies': ['libvirt'], 'node': 'hv', 'layer': 'link',
        # the LXC driver changes no running guest's NIC: the fix restarts the guest, so it runs only when named
        'doctor_allow': ['LIBVIRT_GUEST_LINK_DOWN'],
        'summary': "libvirt holds vm1's NIC link down (<link state='down'/>, virsh domif-setlink --config, then a "
                   "guest restart: the LXC driver refuses live link changes)",
        'breaks': [{'ping': ['host', 'vm1']}, {'ping': ['hv', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: virsh domif-getlink vm1 <mac> says down; the guest's eth0 has no carrier",
        'heal': "domif-setlink vm1 <mac> up --config, restart the guest",
        'expect': {'code': 'LIBVIRT_GUEST_LINK_DOWN', 'host': 'hv', 'fixer': 'libvirt_interface',
                   'object': {'type': 'libvirt_interface', 'guest': DOMAIN}},
    },
    'libvirt_guest_wrong_network': {
        'topologies': ['libvirt'], 'node': 'hv', 'layer': 'switch',
        'doctor_allow': ['LIBVIRT_WRONG_NETWORK'],   # moving a NIC changes the VM's exposure (and restarts it here)
        'summary': "vm1's NIC is attached to libvirt network natnet while its address belongs to vmnet "
                   "(update-device --config, then a guest restart)",
        'breaks': [{'ping': ['host', 'vm1']}, {'ping': ['hv', 'vm1']}],
        'intact': [{'ping': ['host', 'hv']}],
        'evidence': "hv: virsh domiflist vm1 names natnet (virbr2, 10.240.2.0/24); vm1 has 10.240.1.11",
        'heal': "update-device vm1 with <source network='vmnet'/> --config, restart the guest",
        'expect': {'code': 'LIBVIRT_WRONG_NETWORK', 'host': 'hv', 'fixer': 'libvirt_interface',
                   'object': {'type': 'libvirt_interface', 'guest': DOMAIN, 'network': 'natnet'}},
    },
}


def _nic_xml(mac, network):
    return "<interface type='network'><mac address='%s'/><source network='%s'/></interface>\n" % (mac, network)


def _change_guest_nic(topo, record, fault_argv, undo_argv):
    """Change the guest's persistent NIC config, restart it; the undo puts the config back and restarts."""
    lab = topo.lab
    # undo steps run newest first: config back, destroy, start
    record['undo'].append(['hv', topo.virsh('start', DOMAIN, lxc=True), None])
    record['undo'].append(['hv', topo.virsh('destroy', DOMAIN, lxc=True), None])
    record['undo'].append(['hv', undo_argv, None])
    lab.run('hv', fault_argv)
    topo.restart_guest()


def _redefine_network(topo, record, mode):
    """Redefine vmnet with forward ``mode`` (None: isolated); the undo restores the recorded XML."""
    lab = topo.lab
    saved = os.path.join(topo.dir, 'vmnet.saved.xml')
    xml = lab.run('hv', topo.virsh('net-dumpxml', '--inactive', VM_NETWORK)).stdout
    with open(saved, 'w') as handle:
        handle.write(xml)
    port = topo.guest_port()
    record['details'].update({'saved_xml': saved, 'port': port})
    # undo steps run newest first: destroy, define the saved XML, start, plug the port back
    record['undo'].append(['hv', ['ip', 'link', 'set', port, 'master', 'virbr1'], None])
    record['undo'].append(['hv', topo.virsh('net-start', VM_NETWORK), None])
    record['undo'].append(['hv', topo.virsh('net-define', saved), None])
    record['undo'].append(['hv', topo.virsh('net-destroy', VM_NETWORK), None])
    name, _mode, bridge, gateway = NETWORKS[0]
    path = os.path.join(topo.dir, 'vmnet.fault.xml')
    with open(path, 'w') as handle:
        uuid = re.search(r'<uuid>([^<]+)</uuid>', xml).group(1)
        handle.write(network_xml(name, mode, bridge, gateway).replace('</name>', '</name><uuid>%s</uuid>' % uuid))
    lab.run('hv', topo.virsh('net-destroy', VM_NETWORK))
    lab.run('hv', topo.virsh('net-define', path))
    lab.run('hv', topo.virsh('net-start', VM_NETWORK))
    lab.run('hv', ['ip', 'link', 'set', port, 'master', 'virbr1'])


def inject(lab, name, record):
    """Inject libvirt fault ``name`` into ``lab`` (a vmnetlab.Lab), registering its undo steps."""
    topo = LibvirtTopology(lab)
    if name == 'libvirt_net_nat':
        _redefine_network(topo, record, 'nat')
    elif name == 'libvirt_net_isolated':
        _redefine_network(topo, record, None)
    elif name == 'libvirt_net_inactive':
        port = topo.guest_port()
        record['undo'].append(['hv', ['ip', 'link', 'set', port, 'master', 'virbr1'], None])
        record['undo'].append(['hv', topo.virsh('net-start', VM_NETWORK), None])
        lab.run('hv', topo.virsh('net-destroy', VM_NETWORK))
    elif name == 'libvirt_forward_drop':
        record['undo'].append(['hv', ['nft', 'delete', 'table', 'inet', 'filter'], None])
        lab.run('hv', ['nft', '-f', '-'], input_text=(
            'table inet filter {\n chain forward {\n  type filter hook forward priority filter; policy drop;\n'
            '  ct state established,related accept\n }\n}\n'))
    elif name == 'libvirt_no_return_route':
        gateway = lab.ip('hv', 'eth0')
        record['undo'].append(['host', ['ip', 'route', 'replace', VM_SUBNET, 'via', gateway, 'dev', 'eth0'], None])
        lab.run('host', ['ip', 'route', 'del', VM_SUBNET, 'via', gateway, 'dev', 'eth0'])
    elif name == 'libvirt_guest_link_down':
        mac = lab.mac(DOMAIN)
        _change_guest_nic(topo, record, topo.virsh('domif-setlink', DOMAIN, mac, 'down', '--config', lxc=True),
                          topo.virsh('domif-setlink', DOMAIN, mac, 'up', '--config', lxc=True))
    elif name == 'libvirt_guest_wrong_network':
        mac = lab.mac(DOMAIN)
        paths = []
        for network in ('natnet', VM_NETWORK):
            paths.append(os.path.join(topo.dir, 'nic-%s.xml' % network))
            with open(paths[-1], 'w') as handle:
                handle.write(_nic_xml(mac, network))
        _change_guest_nic(topo, record, topo.virsh('update-device', DOMAIN, paths[0], '--config', lxc=True),
                          topo.virsh('update-device', DOMAIN, paths[1], '--config', lxc=True))
    else:
        raise KeyError(name)
