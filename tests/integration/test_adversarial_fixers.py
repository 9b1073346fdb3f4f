# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11: a table of bad inputs for every Linux fixer module (and host_lock), run for real.

One bridged lab for the module (host eth0 -- hv br0 [uplink0, vnet-vm1] -- vm1 eth0, 10.210.0.0/24).
Every row of BAD is one task of ONE ansible-playbook run (ignore_errors, the vmnet_json callback),
delegated to the row's lab node. Each row must fail, report changed=false and name the bad option or
value in its message; and the real state of every node - addresses, routes of every table, links,
permanent neighbours, the nftables ruleset, the reachability sysctls, the bridge ports - and the
persist targets (a character device, a symlink, a directory in a temporary directory; the default
persist files) must be the same before and after the whole run.
"""
import hashlib
import json
import os
import re
import stat
import subprocess
import time

import pytest
import yaml

from conftest import BIN_DIR, ansible_env, parse_callback_output
from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')

LAN_NET, LAN_BCAST, HOST_IP, HV_IP, VM_IP = '10.210.0.0', '10.210.0.255', '10.210.0.1', '10.210.0.2', '10.210.0.11'
NOT_HOSTS = ['0.0.0.0', '255.255.255.255', '224.0.0.1', '239.1.2.3', '127.0.0.1', '::', 'ff02::1', '::1']
GARBAGE_IPS = ['', ' ', 'abc', '10.210.0', '0x7f.1', '999.1.1.1', '10.210.0.1/24', '10.210.0.1; reboot',
               '$(touch /tmp/pwned)', '10.210.0.1 10.210.0.2']
BAD_MACS = ['', 'zz:zz:zz:zz:zz:zz', '52:54:00:12:34', '52:54:00:12:34:56:78', '52-54-00:12:34:56', '5254.0012.3456',
            '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '01:00:5e:00:00:01', '33:33:00:00:00:01']
BAD_IFNAMES = ['', 'a/b', 'x' * 16, 'eth0 ', 'eth0:1', '../lo']
TMP = '@TMP@'   # replaced by the test's temporary directory (persist targets)


def rows():
    """(module, node, args, what the message must mention) - every row is bad input."""
    out = []

    def add(module, node, args, expect):
        out.append((module, node, args, expect))

    # ---- default_gateway (vm1, eth0 10.210.0.11/24)
    for gw in [LAN_NET, LAN_BCAST] + NOT_HOSTS:
        add('default_gateway', 'vm1', {'gateway': gw}, gw)
    for gw in GARBAGE_IPS:
        add('default_gateway', 'vm1', {'gateway': gw}, 'gateway')
    add('default_gateway', 'vm1', {'gateway': VM_IP}, 'address of this host')
    add('default_gateway', 'vm1', {'gateway': '10.99.0.1'}, 'not on a connected subnet')
    add('default_gateway', 'vm1', {'gateway': 'fe80::1'}, 'device is required')
    for dev in BAD_IFNAMES + ['nosuch0']:
        add('default_gateway', 'vm1', {'gateway': HV_IP, 'device': dev}, 'device')
    for metric in [-1, 'abc', 2 ** 32]:
        add('default_gateway', 'vm1', {'gateway': HV_IP, 'metric': metric}, 'metric')
    add('default_gateway', 'vm1', {'gateway': HV_IP, 'family': 'ipv5'}, 'family')
    add('default_gateway', 'vm1', {'gateway': HV_IP, 'family': 'ipv6'}, 'family')
    add('default_gateway', 'vm1', {'gateway': HV_IP, 'state': 'gone'}, 'state')
    add('default_gateway', 'vm1', {'gateway': HV_IP, 'bogus': 1}, 'bogus')
    add('default_gateway', 'vm1', {}, 'gateway')
    # ---- static_route (vm1)
    for gw in [LAN_NET, LAN_BCAST] + NOT_HOSTS[:5]:
        add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': gw}, gw)
    for gw in GARBAGE_IPS[:6]:
        add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': gw}, 'gateway')
    for prefix in ['', 'abc', '10.99.0.1/16', '10.99.0.0/33', '999.0.0.0/8', '10.99.0.0/16; reboot', '::/129']:
        add('static_route', 'vm1', {'prefix': prefix, 'gateway': HV_IP}, 'prefix')
    for table in ['', 'bad table', 'x;y', '-1']:
        add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': HV_IP, 'table': table}, 'table')
    for metric in [-1, 'abc']:
        add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': HV_IP, 'metric': metric}, 'metric')
    add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': HV_IP, 'device': 'nosuch0'}, 'nosuch0')
    add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': '10.98.0.1'}, 'not on a connected subnet')
    add('static_route', 'vm1', {'prefix': '10.99.0.0/16', 'gateway': HV_IP, 'state': 'maybe'}, 'state')
    add('static_route', 'vm1', {'gateway': HV_IP}, 'prefix')
    # ---- neighbor (vm1)
    for addr in NOT_HOSTS[:6] + [LAN_NET, LAN_BCAST]:
        add('neighbor', 'vm1', {'address': addr, 'mac': '52:54:00:12:34:56', 'device': 'eth0'}, addr)
    add('neighbor', 'vm1', {'address': VM_IP, 'mac': '52:54:00:12:34:56', 'device': 'eth0'}, 'address of this host')
    for addr in GARBAGE_IPS[:7]:
        add('neighbor', 'vm1', {'address': addr, 'mac': '52:54:00:12:34:56', 'device': 'eth0'}, 'address')
    for mac in BAD_MACS:
        add('neighbor', 'vm1', {'address': HV_IP, 'mac': mac, 'device': 'eth0'}, 'mac')
    for dev in BAD_IFNAMES + ['nosuch0']:
        add('neighbor', 'vm1', {'address': HV_IP, 'mac': '52:54:00:12:34:56', 'device': dev}, 'device')
    add('neighbor', 'vm1', {'address': HV_IP, 'mac': '52:54:00:12:34:56', 'device': 'lo'}, 'lo')
    add('neighbor', 'vm1', {'address': HV_IP, 'mac': '52:54:00:12:34:56', 'device': 'eth0', 'nud': 'stale'}, 'nud')
    add('neighbor', 'vm1', {'address': HV_IP, 'device': 'eth0'}, 'mac')
    add('neighbor', 'vm1', {'address': HV_IP, 'mac': '52:54:00:12:34:56'}, 'device')
    add('neighbor', 'vm1', {'address': HV_IP, 'state': 'absent', 'nud': 'permanent'}, 'nud')
    # ---- net_sysctl (vm1; icmp_echo_ignore_all is 0 there: value 1 would be a change)
    for name in ['kernel.panic', '', 'ip_forward; x', 'net.ipv4.ip_forward']:
        add('net_sysctl', 'vm1', {'name': name, 'value': 1}, 'name')
    for name, value in [('ip_forward', 2), ('ip_forward', -1), ('rp_filter', 3), ('arp_ignore', 9),
                        ('arp_announce', 3), ('icmp_echo_ignore_all', 'abc'), ('icmp_echo_ignore_all', 1.5)]:
        add('net_sysctl', 'vm1', {'name': name, 'value': value}, 'value')
    for iface in BAD_IFNAMES + ['   ', 'nosuch0']:
        add('net_sysctl', 'vm1', {'name': 'rp_filter', 'value': 2, 'interface': iface}, 'interface')
    add('net_sysctl', 'vm1', {'name': 'ip_forward', 'value': 1, 'interface': 'eth0'}, 'interface')
    for path, expect in [(TMP + '/chardev', 'character device'), (TMP + '/link', 'symlink'), (TMP + '/dir', 'directory'),
                         (TMP + '/fifo', 'FIFO'), (TMP + '/nodir/x.conf', 'does not exist'),
                         ('relative.conf', 'absolute')]:
        add('net_sysctl', 'vm1', {'name': 'icmp_echo_ignore_all', 'value': 1, 'persist': True, 'persist_file': path},
            expect)
    add('net_sysctl', 'vm1', {'name': 'icmp_echo_ignore_all', 'value': 1, 'persist': 'maybe'}, 'persist')
    add('net_sysctl', 'vm1', {'value': 1}, 'name')
    # ---- interface_mtu (vm1, hv)
    for mtu in [0, 67, -1, 65536, 2147483647, 'abc', '1500; reboot']:
        add('interface_mtu', 'vm1', {'interface': 'eth0', 'mtu': mtu}, 'mtu')
    for mtu in [65536, 70000, 2147483647]:
        add('interface_mtu', 'vm1', {'interface': 'lo', 'mtu': mtu}, 'mtu')
    for iface in BAD_IFNAMES + ['nosuch0']:
        add('interface_mtu', 'vm1', {'interface': iface, 'mtu': 1400}, 'interface')
    add('interface_mtu', 'vm1', {'interface': 'eth0', 'mtu': 1400, 'bridge_ports': True}, 'bridge')
    add('interface_mtu', 'vm1', {'interface': 'eth0', 'mtu': 1400, 'bridge_ports': 'maybe'}, 'bridge_ports')
    add('interface_mtu', 'hv', {'interface': 'br0', 'mtu': 70000, 'bridge_ports': True}, 'mtu')
    add('interface_mtu', 'vm1', {'mtu': 1400}, 'interface')
    # ---- link_state (vm1, hv)
    for iface in BAD_IFNAMES + ['nosuch0']:
        add('link_state', 'vm1', {'interface': iface}, 'interface')
    add('link_state', 'vm1', {'interface': 'eth0', 'state': 'sideways'}, 'state')
    add('link_state', 'vm1', {'interface': 'eth0', 'release_stp': 'maybe'}, 'release_stp')
    add('link_state', 'hv', {'interface': 'vnet-vm1', 'state': 'down', 'release_stp': True}, 'release_stp')
    add('link_state', 'vm1', {'state': 'up'}, 'interface')
    # ---- bridge_vlan (hv)
    for pvid in [0, 4095, -1, 'abc']:
        add('bridge_vlan', 'hv', {'port': 'vnet-vm1', 'pvid': pvid}, 'pvid' if pvid == 'abc' else str(pvid))
    for vids in [[0], [4095], ['x'], [1, 5000]]:
        add('bridge_vlan', 'hv', {'port': 'vnet-vm1', 'vids': vids}, 'vid')
    add('bridge_vlan', 'hv', {'port': 'vnet-vm1', 'untagged': [4096]}, '4096')
    add('bridge_vlan', 'hv', {'port': 'vnet-vm1', 'untagged': [10], 'state': 'absent'}, 'untagged')
    add('bridge_vlan', 'hv', {'port': 'vnet-vm1'}, 'pvid')
    for port in BAD_IFNAMES + ['nosuch0']:
        add('bridge_vlan', 'hv', {'port': port, 'pvid': 10}, 'port')
    add('bridge_vlan', 'hv', {'port': 'vnet-vm1', 'pvid': 10, 'state': 'gone'}, 'state')
    # ---- mac_allow (hv)
    for mac in BAD_MACS:
        add('mac_allow', 'hv', {'mac': mac, 'bridge': 'br0'}, 'mac')
    add('mac_allow', 'hv', {'mac': '52:54:00:12:34:56', 'bridge': 'br0', 'port': 'br0'}, 'bridge itself')
    add('mac_allow', 'hv', {'mac': '52:54:00:12:34:56', 'port': 'br0'}, 'br0')
    for port in BAD_IFNAMES + ['nosuch0']:
        add('mac_allow', 'hv', {'mac': '52:54:00:12:34:56', 'bridge': 'br0', 'port': port}, 'port')
    for bridge in BAD_IFNAMES[:3] + ['nosuch0', 'uplink0']:
        add('mac_allow', 'hv', {'mac': '52:54:00:12:34:56', 'bridge': bridge}, bridge or 'bridge')
    add('mac_allow', 'hv', {'mac': '52:54:00:12:34:56', 'bridge': 'br0', 'port': 'eth9'}, 'eth9')
    add('mac_allow', 'hv', {'mac': '52:54:00:12:34:56', 'state': 'gone'}, 'state')
    add('mac_allow', 'hv', {'bridge': 'br0'}, 'mac')
    # ---- icmp_rule (vm1)
    for value in ['', ' ', 'abc', '10.0.0.1/33', '10.0.0.1/24', '999.1.1.1', '10.0.0.0/8; drop', '$(reboot)',
                  '::1/129']:
        add('icmp_rule', 'vm1', {'source': value}, 'source')
        add('icmp_rule', 'vm1', {'destination': value}, 'destination')
    add('icmp_rule', 'vm1', {'source': '2001:db8::/64'}, 'ip_version')
    add('icmp_rule', 'vm1', {'destination': '10.0.0.0/8', 'ip_version': 'ipv6'}, 'ip_version')
    for key, value in [('ip_version', 'ipv5'), ('hook', 'prerouting'), ('backend', 'pf'), ('state', 'gone'),
                       ('icmp_types', ['echo']), ('icmp_types', ['echo-request; drop']), ('persist', 'maybe')]:
        add('icmp_rule', 'vm1', {key: value}, key)
    for comment in ['', 'a b', 'x' * 65, 'semi;colon', '"quote', 'new\nline']:
        add('icmp_rule', 'vm1', {'comment': comment}, 'comment')
    for rr, expect in [({'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'input'}, 'handle'),
                       ({'backend': 'nftables', 'family': 'x; y', 'table': 'filter', 'chain': 'input', 'handle': 1},
                        'family'),
                       ({'backend': 'nftables', 'family': 'inet', 'table': '', 'chain': 'input', 'handle': 1}, 'table'),
                       ({'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'in put', 'handle': 1},
                        'chain'),
                       ({'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'input', 'handle': 'h'},
                        'handle')]:
        add('icmp_rule', 'vm1', {'remove_rule': rr}, expect)
    add('icmp_rule', 'vm1', {'state': 'absent', 'remove_rule': {'backend': 'nftables', 'family': 'inet',
                                                                'table': 'filter', 'chain': 'input', 'handle': 1}},
        'remove_rule')
    for key in ['nftables', 'iptables']:
        for path, expect in [(TMP + '/chardev', 'character device'), (TMP + '/link', 'symlink'),
                             (TMP + '/dir', 'directory'), (TMP + '/nodir/rules', 'does not exist')]:
            add('icmp_rule', 'vm1', {'source': '10.210.0.0/24', 'persist': True, 'persist_paths': {key: path}}, expect)
    add('icmp_rule', 'vm1', {'persist_paths': {'pf': '/tmp/x'}}, 'pf')
    add('icmp_rule', 'vm1', {'bogus': True}, 'bogus')
    # ---- host_lock (vm1)
    for args, expect in [({'run_id': 'adv', 'lease': 0}, 'lease'), ({'run_id': 'adv', 'lease': -5}, 'lease'),
                         ({'run_id': 'adv', 'lease': 'abc'}, 'lease'), ({'run_id': 'adv', 'wait': -1}, 'wait'),
                         ({'run_id': 'adv', 'wait': 'x'}, 'wait'), ({'state': 'acquired'}, 'run_id'),
                         ({'state': 'released'}, 'run_id'), ({'run_id': 'adv', 'state': 'stolen'}, 'state'),
                         ({'run_id': 'adv', 'force': 'maybe'}, 'force'), ({'run_id': 'adv', 'bogus': 1}, 'bogus')]:
        add('host_lock', 'vm1', args, expect)
    return out


BAD = rows()


def test_the_table_is_big_and_covers_every_module():
    assert len(BAD) >= 200, len(BAD)
    assert set(r[0] for r in BAD) == {'icmp_rule', 'mac_allow', 'default_gateway', 'static_route', 'interface_mtu',
                                      'link_state', 'bridge_vlan', 'neighbor', 'net_sysctl', 'host_lock'}


# ------------------------------------------------------------------ real state
SYSCTLS = ['net.ipv4.ip_forward', 'net.ipv4.icmp_echo_ignore_all', 'net.ipv6.icmp.echo_ignore_all',
           'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.all.arp_ignore',
           'net.ipv4.conf.all.arp_announce', 'net.ipv6.conf.all.forwarding']
_COUNTERS = re.compile(r'counter packets \d+ bytes \d+')


def _without_timers(value):
    """Bridge and bridge-port timers (hello_timer, gc_timer, ...) tick by themselves: not state."""
    if isinstance(value, dict):
        return dict((k, _without_timers(v)) for k, v in value.items() if 'timer' not in k)
    if isinstance(value, list):
        return [_without_timers(v) for v in value]
    return value


def node_state(lab, node):
    def out(argv):
        return lab.run(node, argv, check=False).stdout

    links = _without_timers(json.loads(out(['ip', '-j', '-d', 'link', 'show'])))
    for link in links:
        for volatile in ('operstate', 'linkmode'):
            link.pop(volatile, None)
    neigh = [(n.get('dst'), n.get('dev'), n.get('lladdr')) for n in json.loads(out(['ip', '-j', 'neigh', 'show']) or '[]')
             if 'PERMANENT' in (n.get('state') or [])]
    ifaces = [link['ifname'] for link in links]
    sysctls = dict((k, out(['sysctl', '-n', k]).strip()) for k in SYSCTLS)
    for ifname in ifaces:
        for key in ('rp_filter', 'arp_ignore'):
            name = 'net.ipv4.conf.%s.%s' % (ifname, key)
            sysctls[name] = out(['sysctl', '-n', name]).strip()
    # the addresses themselves; not their DAD flags (tentative), lifetimes or the link's operstate, which a
    # freshly built lab's IPv6 link-local addresses change by themselves in the first seconds
    addrs = sorted((a.get('ifname'), i.get('family'), i.get('local'), i.get('prefixlen'))
                   for a in json.loads(out(['ip', '-j', 'addr', 'show']) or '[]') for i in a.get('addr_info') or [])
    return {'addr': addrs, 'links': links, 'neigh': sorted(neigh),
            'routes4': json.loads(out(['ip', '-j', '-4', 'route', 'show', 'table', 'all'])),
            'routes6': json.loads(out(['ip', '-j', '-6', 'route', 'show', 'table', 'all'])),
            'nft': _COUNTERS.sub('counter', out(['nft', 'list', 'ruleset'])),
            'iptables': out(['iptables-save']).splitlines()[1:-1] if out(['iptables-save']) else [],
            'bridge': out(['bridge', '-j', 'link', 'show']), 'sysctls': sysctls}


def _fingerprint(path):
    try:
        st = os.lstat(path)
    except OSError:
        return None
    digest = None
    if stat.S_ISREG(st.st_mode):
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_ino, digest,
            os.readlink(path) if stat.S_ISLNK(st.st_mode) else None)


def files_state(tmp):
    paths = [os.path.join(tmp, n) for n in ('chardev', 'link', 'dir', 'fifo', 'victim', 'nodir')]
    paths += ['/etc/sysctl.d/90-vmnet-doctor.conf', '/etc/nftables.conf', '/etc/iptables/rules.v4',
              '/etc/iptables/rules.v6']
    return dict((p, _fingerprint(p)) for p in paths)


def settle_ipv6(lab, nodes, timeout=15.0):
    """Wait until no address of a fresh lab is still tentative (IPv6 duplicate address detection): the
    kernel then adds the link-local addresses' local routes by itself, which the snapshots must not see
    as a change made by a row."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pending = [n for n in nodes if 'tentative' in lab.run(n, ['ip', '-j', 'addr', 'show'], check=False).stdout]
        if not pending:
            return
        time.sleep(0.2)


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    lab = Lab(unique_prefix('ad'), 'bridged', vms=1)
    try:
        lab.up()
        lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
        lab.write_inventory(lab.inventory_path)
        settle_ipv6(lab, ('host', 'hv', 'vm1'))
        yield lab
    finally:
        destroy_lab(lab.prefix)


def persist_targets(tmp):
    os.mknod(os.path.join(tmp, 'chardev'), stat.S_IFCHR | 0o666, os.makedev(1, 3))   # a null device of our own
    with open(os.path.join(tmp, 'victim'), 'w') as f:
        f.write('precious\n')
    os.symlink(os.path.join(tmp, 'victim'), os.path.join(tmp, 'link'))
    os.mkdir(os.path.join(tmp, 'dir'))
    os.mkfifo(os.path.join(tmp, 'fifo'))


def test_bad_input_matrix(lab, tmp_path):
    tmp = str(tmp_path)
    persist_targets(tmp)
    tasks = []
    for index, (module, node, args, _expect) in enumerate(BAD):
        args = json.loads(json.dumps(args).replace(TMP, tmp))
        tasks.append({'name': 'row %d' % index, 'vmnet.doctor.%s' % module: args, 'delegate_to': lab.ns(node),
                      'ignore_errors': True, 'ignore_unreachable': True})
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]
    playbook = tmp_path / 'matrix.yml'
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    nodes = ('host', 'hv', 'vm1')
    before = dict((n, node_state(lab, n)) for n in nodes)
    files_before = files_state(tmp)
    proc = subprocess.run([os.path.join(BIN_DIR, 'ansible-playbook'), str(playbook), '-i', lab.inventory_path],
                          capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=900, check=False)
    data = parse_callback_output(proc.stdout)
    results = {}
    for task in data['plays'][0]['tasks']:
        results[task['task']['name']] = list(task['hosts'].values())[0]
    problems = []
    for index, (module, node, args, expect) in enumerate(BAD):
        res = results.get('row %d' % index)
        expect = expect.replace(TMP, tmp)
        if res is None:
            problems.append('row %d %s %s: no result' % (index, module, args))
            continue
        msg = str(res.get('msg', ''))
        if res.get('failed') is not True or res.get('changed') or expect.strip().lower() not in msg.lower():
            problems.append('row %d %s on %s %s: failed=%s changed=%s msg=%r (expected to mention %r)'
                            % (index, module, node, json.dumps(args), res.get('failed'), res.get('changed'), msg[:300],
                               expect))
    after = dict((n, node_state(lab, n)) for n in nodes)
    assert not problems, '%d of %d rows not refused cleanly:\n%s' % (len(problems), len(BAD), '\n'.join(problems))
    for n in nodes:
        for key in before[n]:
            assert before[n][key] == after[n][key], (n, key)
    assert files_state(tmp) == files_before
    with open(os.path.join(tmp, 'victim')) as f:
        assert f.read() == 'precious\n'
