"""Integration tests of vmnet.doctor.icmp_rule and vmnet.doctor.mac_allow on real namespaces.

Each test builds its own namespaces (prefix ``fx-``), puts a real drop in the real firewall
(nftables, iptables-legacy, iptables-nft, nftables bridge family), proves with real pings that it
blocks, then runs the ansible-test style target (tests/integration/targets/<module>/tasks/main.yml)
with real ``ansible-playbook`` through the ``vmnet.doctor.netns`` connection. The target checks
check mode (ruleset dump identical before/after), the fix (pings succeed), idempotency, and
``state: absent`` (pings fail again, ruleset back to the original). Namespaces are always deleted.

Needs root. Run: ``.venv/bin/python -m pytest tests/integration/test_fixers_firewall.py``
"""
import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
TARGETS = os.path.join(ROOT, 'tests', 'integration', 'targets')
PING = ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '1']

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='needs root (network namespaces)')


def sh(argv, check=True, stdin=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, check=False)
    if check and p.returncode != 0:
        raise AssertionError('%s failed (rc=%s): %s' % (argv, p.returncode, p.stderr or p.stdout))
    return p


class Net(object):
    """A few namespaces joined by veth pairs; addresses only inside them."""

    def __init__(self):
        self.prefix = 'fx-%s' % uuid.uuid4().hex[:6]
        self.names = []
        self.tmp = tempfile.mkdtemp(prefix='fx-it-')

    def ns(self, node):
        return '%s-%s' % (self.prefix, node)

    def add(self, node):
        name = self.ns(node)
        sh(['ip', 'netns', 'add', name])
        self.names.append(name)
        self.run(node, ['ip', 'link', 'set', 'lo', 'up'])
        return name

    def run(self, node, argv, check=True, stdin=None):
        return sh(['ip', 'netns', 'exec', self.ns(node)] + list(argv), check=check, stdin=stdin)

    def link(self, a, if_a, b, if_b, mac_b=None):
        sh(['ip', 'link', 'add', if_a, 'netns', self.ns(a), 'type', 'veth', 'peer', 'name', if_b,
            'netns', self.ns(b)])
        if mac_b:
            self.run(b, ['ip', 'link', 'set', if_b, 'address', mac_b])

    def ping_ok(self, node, target):
        ping = PING + (['-6'] if ':' in target else []) + [target]
        return self.run(node, ping, check=False).returncode == 0

    def destroy(self):
        for name in self.names:
            sh(['ip', 'netns', 'del', name], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def inventory(self, nodes):
        hosts = dict((self.ns(n), {'ansible_connection': 'vmnet.doctor.netns',
                                   'ansible_netns_name': self.ns(n),
                                   'ansible_python_interpreter': '/usr/bin/python3'}) for n in nodes)
        path = os.path.join(self.tmp, 'inventory.json')
        with open(path, 'w') as f:
            json.dump({'all': {'hosts': hosts}}, f)
        return path


@pytest.fixture
def net():
    n = Net()
    try:
        yield n
    finally:
        n.destroy()


def playbook(net, nodes, host, tasks=None, role=None, extra_vars=None, save=()):
    """Run a one-play playbook; return (rc, {registered var: result} for ``save``, output).

    The registered results are written to a JSON file by a last task (the netns connection
    shares the controller's file system)."""
    return run_play(net.tmp, net.inventory(nodes), host, tasks, role, extra_vars, save)


def run_play(tmp, inventory, host, tasks=None, role=None, extra_vars=None, save=()):
    out_path = os.path.join(tmp, 'results.json')
    if os.path.exists(out_path):
        os.unlink(out_path)
    play = {'hosts': host, 'gather_facts': False}
    if role:
        play['roles'] = [{'role': os.path.join(TARGETS, role)}]
    else:
        play['tasks'] = tasks
    content = '{{ {%s} | to_json }}' % ', '.join("'%s': %s" % (v, v) for v in save)
    play['post_tasks'] = [{'name': 'save results', 'ansible.builtin.copy': {
        'content': content, 'dest': out_path, 'mode': '0600'}}]
    pb = os.path.join(tmp, 'play.json')   # JSON is YAML
    with open(pb, 'w') as f:
        json.dump([play], f)
    ev = os.path.join(tmp, 'vars.json')
    with open(ev, 'w') as f:
        json.dump(extra_vars or {}, f)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.collections'),
               ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    p = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', inventory,
                        '-e', '@' + ev, pb], capture_output=True, text=True, cwd=ROOT, env=env,
                       timeout=600, check=False)
    saved = {}
    if os.path.exists(out_path):
        with open(out_path) as f:
            saved = json.load(f)
    return p.returncode, saved, p.stdout[-8000:] + p.stderr[-3000:]


# ------------------------------------------------------------------------------ icmp_rule setups

H4, P4 = '192.0.2.2', '192.0.2.1'
H6, P6 = '2001:db8:f0::2', '2001:db8:f0::1'


def host_and_peer(net):
    """host (under test) <-> peer (pinger) on 192.0.2.0/24 and 2001:db8:f0::/64."""
    net.add('h')
    net.add('p')
    net.link('h', 'eth0', 'p', 'eth0')
    for node, a4, a6 in (('h', H4, H6), ('p', P4, P6)):
        net.run(node, ['ip', 'addr', 'add', a4 + '/24', 'dev', 'eth0'])
        net.run(node, ['ip', 'addr', 'add', a6 + '/64', 'dev', 'eth0', 'nodad'])
        net.run(node, ['ip', 'link', 'set', 'eth0', 'up'])
    assert net.ping_ok('p', H4) and net.ping_ok('p', H6), 'lab link does not work before any drop'


NFT_DROP = '''
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    ct state established,related accept
    iifname "lo" accept
    ip saddr 192.0.2.0/24 icmp type echo-request drop
    icmpv6 type echo-request drop
    ip saddr 192.0.2.0/24 icmp type echo-request accept comment "added below the drop"
  }
}
table ip strict {
  chain input {
    type filter hook input priority 10; policy drop;
    ct state established,related accept
    tcp dport 22 accept
  }
}
'''


def run_target(net, role, host_node, peer_node, fx_args, fx_ping, fx_dump=None):
    extra = {'fx_args': fx_args, 'fx_peer': net.ns(peer_node), 'fx_ping': fx_ping}
    if fx_dump is not None:
        extra['fx_dump'] = fx_dump
    rc, saved, output = playbook(net, [host_node, peer_node], net.ns(host_node), role=role,
                                 extra_vars=extra, save=['fx_check', 'fx_fix'])
    assert rc == 0 and saved, output
    return saved


def test_nft_drop_and_policy_drop_source_prefix(net):
    host_and_peer(net)
    net.run('h', ['nft', '-f', '-'], stdin=NFT_DROP)
    assert not net.ping_ok('p', H4)
    results = run_target(net, 'icmp_rule', 'h', 'p', {'source': '192.0.2.0/24'},
                         [PING + [H4]], [['nft', '-j', 'list', 'ruleset']])
    fix = results['fx_fix']
    # two accepts: before the drop in inet filter input, and at the end of the policy-drop chain
    assert [c.split(' position ')[0] if ' position ' in c else c.split(' ip saddr')[0]
            for c in fix['commands']] == ['nft insert rule inet filter input', 'nft add rule ip strict input']
    assert 'position' in fix['commands'][0]
    # the accept below the drop was seen as not counting
    assert fix['before']['verdicts'][0]['verdict'] == 'drop'
    assert fix['before']['verdicts'][0]['deciding_rule']['text'].endswith('drop')
    # state: absent ran in the target; the namespace is back to blocking
    assert not net.ping_ok('p', H4)


def _iptables_setup(net, variant):
    host_and_peer(net)
    v4, v6 = 'iptables-' + variant, 'ip6tables-' + variant
    net.run('h', [v4, '-A', 'INPUT', '-s', '192.0.2.0/24', '-p', 'icmp', '--icmp-type', 'echo-request', '-j', 'DROP'])
    net.run('h', [v4, '-A', 'INPUT', '-p', 'icmp', '--icmp-type', 'echo-request', '-m', 'comment',
                  '--comment', 'added below the drop', '-j', 'ACCEPT'])
    net.run('h', [v6, '-A', 'INPUT', '-p', 'ipv6-icmp', '--icmpv6-type', 'echo-request', '-j', 'REJECT'])
    assert not net.ping_ok('p', H4) and not net.ping_ok('p', H6)
    return [[v4 + '-save'], [v6 + '-save']]


@pytest.mark.parametrize('variant', ['legacy', 'nft'])
def test_iptables_both_families(net, variant):
    dump = _iptables_setup(net, variant)
    results = run_target(net, 'icmp_rule', 'h', 'p', {'ip_version': 'both'},
                         [PING + [H4], PING + ['-6', H6]], dump)
    fix = results['fx_fix']
    assert fix['commands'] == [
        'iptables-%s -w -t filter -I INPUT 1 -p icmp --icmp-type echo-request -m comment --comment vmnet.doctor -j ACCEPT' % variant,
        'ip6tables-%s -w -t filter -I INPUT 1 -p ipv6-icmp --icmpv6-type echo-request -m comment --comment vmnet.doctor -j ACCEPT' % variant,
    ]
    assert not net.ping_ok('p', H4)


def _handle_of(net, family, table, chain, text):
    out = net.run('h', ['nft', '-a', 'list', 'chain', family, table, chain]).stdout
    for line in out.splitlines():
        if text in line and '# handle' in line:
            return int(line.rsplit('# handle', 1)[1])
    raise AssertionError('no rule %r in %s' % (text, out))


def test_nft_remove_named_drop(net):
    host_and_peer(net)
    net.run('h', ['nft', '-f', '-'], stdin=NFT_DROP.split('table ip strict', maxsplit=1)[0])
    handle = _handle_of(net, 'inet', 'filter', 'input', 'ip saddr 192.0.2.0/24 icmp type echo-request drop')
    args = {'source': P4, 'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                                          'chain': 'input', 'handle': handle,
                                          'text': 'ip saddr 192.0.2.0/24 icmp type echo-request drop'}}
    results = run_target(net, 'icmp_rule', 'h', 'p', args, [PING + [H4]], [['nft', '-j', 'list', 'ruleset']])
    assert results['fx_fix']['commands'] == ['nft delete rule inet filter input handle %d' % handle]
    assert 'icmp type echo-request drop' not in net.run('h', ['nft', 'list', 'ruleset']).stdout.split('icmpv6')[0]


def test_bad_input_fails_and_changes_nothing(net):
    host_and_peer(net)
    net.run('h', ['nft', '-f', '-'], stdin=NFT_DROP)
    before = net.run('h', ['nft', '-j', 'list', 'ruleset']).stdout
    accept_handle = _handle_of(net, 'inet', 'filter', 'input', 'iifname "lo" accept')
    cases = [
        ({'source': '192.0.2.300/24'}, 'not a valid'),
        ({'source': '192.0.2.1/24'}, 'host bits'),
        ({'source': P4, 'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                                        'chain': 'input', 'handle': 999}}, 'no rule with handle 999'),
        ({'source': P4, 'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                                        'chain': 'input', 'handle': accept_handle}}, 'not a drop/reject'),
        ({'backend': 'iptables', 'source': P4}, 'backend iptables was requested'),
        ({'backend': 'firewalld'}, 'firewalld'),
        ({'source': '2001:db8::/64'}, 'ip_version'),
    ]
    tasks = [{'name': 'case %d' % i, 'vmnet.doctor.icmp_rule': args, 'ignore_errors': True,
              'register': 'fx_r%d' % i} for i, (args, _msg) in enumerate(cases)]
    _rc, saved, output = playbook(net, ['h', 'p'], net.ns('h'), tasks=tasks,
                                  save=['fx_r%d' % i for i in range(len(cases))])
    assert len(saved) == len(cases), output
    for i, (args, msg) in enumerate(cases):
        r = saved['fx_r%d' % i]
        assert r.get('failed') is True, (args, r)
        assert msg in r['msg'], (args, r['msg'])
        assert r.get('changed') is not True
    assert net.run('h', ['nft', '-j', 'list', 'ruleset']).stdout == before
    assert not net.ping_ok('p', H4)


def test_nft_persist_writes_loadable_ruleset(net):
    host_and_peer(net)
    net.run('h', ['nft', '-f', '-'], stdin=NFT_DROP)
    path = os.path.join(net.tmp, 'nftables.conf')
    args = {'source': '192.0.2.0/24', 'persist': True, 'persist_paths': {'nftables': path}}
    rc, r, output = playbook(net, ['h', 'p'], net.ns('h'), save=['check'], tasks=[
        {'name': 'check', 'vmnet.doctor.icmp_rule': args, 'check_mode': True, 'register': 'check'}])
    assert rc == 0, output
    assert not os.path.exists(path)            # check mode wrote nothing
    assert not net.ping_ok('p', H4)            # and changed nothing at runtime
    tasks = [{'name': 'fix', 'vmnet.doctor.icmp_rule': args, 'register': 'fix'},
             {'name': 'again', 'vmnet.doctor.icmp_rule': args, 'register': 'again'}]
    rc, r2, output = playbook(net, ['h', 'p'], net.ns('h'), tasks=tasks, save=['fix', 'again'])
    assert rc == 0, output
    r.update(r2)
    assert r['check']['changed'] and path in ' '.join(r['check']['commands'])
    assert r['fix']['changed'] and r['fix']['runtime_only'] is False
    assert r['again']['changed'] is False
    with open(path) as f:
        content = f.read()
    assert content.count('comment "vmnet.doctor"') == 2 and 'flush ruleset' in content
    assert net.ping_ok('p', H4)
    # the file restores the fixed ruleset: wipe the runtime ruleset, load the file, ping again
    net.run('h', ['nft', 'flush', 'ruleset'])
    net.run('h', ['nft', '-f', '-'], stdin=NFT_DROP)
    assert not net.ping_ok('p', H4)
    net.run('h', ['nft', '-f', path])
    assert net.ping_ok('p', H4)


def test_runtime_only_warning(net):
    host_and_peer(net)
    net.run('h', ['nft', '-f', '-'], stdin=NFT_DROP)
    rc, saved, output = playbook(net, ['h', 'p'], net.ns('h'), save=['fix'],
                                 tasks=[{'name': 'fix', 'vmnet.doctor.icmp_rule': {'source': P4}, 'register': 'fix'}])
    assert rc == 0, output
    r = saved['fix']
    assert r['changed'] and r['runtime_only'] is True
    assert any('runtime' in w for w in r.get('warnings', [])), r.get('warnings')
    assert net.ping_ok('p', H4)


# ------------------------------------------------------------------------------ mac_allow

VM1_MAC, VM2_MAC = '52:54:00:f0:00:11', '52:54:00:f0:00:12'


@pytest.mark.parametrize('tool', ['nft', 'ebtables-nft'])
def test_mac_allow_bridge_filter(net, tool):
    net.add('hv')
    net.add('vm1')
    net.add('vm2')
    net.run('hv', ['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    net.run('hv', ['ip', 'link', 'set', 'br0', 'up'])
    for vm, port, mac, ip in (('vm1', 'vnet1', VM1_MAC, '192.0.2.11'), ('vm2', 'vnet2', VM2_MAC, '192.0.2.12')):
        net.link('hv', port, vm, 'eth0', mac_b=mac)
        net.run('hv', ['ip', 'link', 'set', port, 'master', 'br0'])
        net.run('hv', ['ip', 'link', 'set', port, 'up'])
        net.run(vm, ['ip', 'addr', 'add', ip + '/24', 'dev', 'eth0'])
        net.run(vm, ['ip', 'link', 'set', 'eth0', 'up'])
    assert net.ping_ok('vm2', '192.0.2.11')
    if tool == 'nft':
        net.run('hv', ['nft', '-f', '-'], stdin='''
table bridge filter {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ether saddr %s drop
    iifname "vnet1" ether saddr %s accept
  }
}
''' % (VM1_MAC, VM1_MAC))
    else:   # ebtables-nft keeps its rules in nftables bridge tables (with counters)
        net.run('hv', ['ebtables-nft', '-A', 'FORWARD', '-s', VM1_MAC, '-j', 'DROP'])
        net.run('hv', ['ebtables-nft', '-A', 'FORWARD', '-i', 'vnet1', '-s', VM1_MAC, '-j', 'ACCEPT'])
    assert not net.ping_ok('vm2', '192.0.2.11')
    results = run_target(net, 'mac_allow', 'hv', 'vm2',
                         {'mac': VM1_MAC.upper(), 'port': 'vnet1', 'bridge': 'br0'},
                         [PING + ['192.0.2.11']])
    fix = results['fx_fix']
    chain = 'forward' if tool == 'nft' else 'FORWARD'
    assert len(fix['commands']) == 1 and fix['commands'][0].startswith(
        'nft insert rule bridge filter %s position ' % chain)
    assert 'iifname "vnet1" ether saddr %s' % VM1_MAC in fix['commands'][0]
    assert not net.ping_ok('vm2', '192.0.2.11')
    if tool != 'nft':   # ebtables still reads the table it shares with our (removed) accept
        assert net.run('hv', ['ebtables-nft', '-L', 'FORWARD']).stdout.count('-j DROP') == 1


def test_mac_allow_bad_input(net):
    net.add('hv')
    net.run('hv', ['ip', 'link', 'add', 'br0', 'type', 'bridge'])
    cases = [({'mac': '52:54:00:f0:00'}, 'not a valid MAC'),
             ({'mac': VM1_MAC, 'bridge': 'br9'}, "bridge 'br9' does not exist"),
             ({'mac': VM1_MAC, 'port': 'lo', 'bridge': 'br0'}, "not a port of bridge 'br0'")]
    tasks = [{'name': 'case %d' % i, 'vmnet.doctor.mac_allow': a, 'ignore_errors': True,
              'register': 'fx_r%d' % i} for i, (a, _m) in enumerate(cases)]
    _rc, saved, output = playbook(net, ['hv'], net.ns('hv'), tasks=tasks,
                                  save=['fx_r%d' % i for i in range(len(cases))])
    assert len(saved) == len(cases), output
    for i, (args, msg) in enumerate(cases):
        r = saved['fx_r%d' % i]
        assert r.get('failed') is True and msg in r['msg'], (args, r)


# ------------------------------------------------------------------------------ the lab's faults

def _lab():
    import sys
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'lab'))
    import vmnetlab
    return vmnetlab


def _icmp_args(lab, fault):
    """icmp_rule arguments shaped like the diagnosis proposes them (host prefixes, one type)."""
    host, vm = lab.ip('host') + '/32', lab.ip('vm1') + '/32'
    if fault == 'vm_icmp_nft_drop':           # vm1 drops the host's echo requests
        return 'vm1', {'source': host, 'hook': 'input', 'icmp_types': ['echo-request'],
                       'ip_version': 'ipv4', 'state': 'present'}
    if fault == 'host_icmp_ipt_drop':         # the host (iptables-nft) drops everything ICMP from vm1
        return 'host', {'source': vm, 'hook': 'input', 'icmp_types': ['echo-reply'],
                        'ip_version': 'ipv4', 'state': 'present'}
    return 'hv', {'source': host, 'destination': vm, 'hook': 'forward',     # hv_forward_drop
                  'icmp_types': ['echo-request'], 'ip_version': 'ipv4', 'state': 'present'}


@pytest.mark.parametrize('topology, fault', [
    ('bridged', 'vm_icmp_nft_drop'), ('bridged', 'host_icmp_ipt_drop'), ('routed', 'hv_forward_drop'),
    ('bridged', 'vm_mac_filtered')])
def test_lab_fault_is_fixed(topology, fault):
    """The lab engineer's fault injections, fixed with the arguments the diagnosis proposes."""
    vmnetlab = _lab()
    tmp = tempfile.mkdtemp(prefix='fx-lab-')
    lab = vmnetlab.Lab(vmnetlab.unique_prefix('fx'), topology)
    try:
        lab.up()
        inventory = lab.write_inventory(os.path.join(tmp, 'inventory.yml'))
        assert lab.reachable('host', 'vm1')
        lab.inject(fault)
        assert not lab.reachable('host', 'vm1')
        if fault == 'vm_mac_filtered':
            node, module = 'hv', 'vmnet.doctor.mac_allow'
            args = {'mac': lab.mac('vm1'), 'port': lab.port('vm1'), 'state': 'present'}
        else:
            module = 'vmnet.doctor.icmp_rule'
            node, args = _icmp_args(lab, fault)
        tasks = [{'name': 'fix', module: args, 'register': 'fix'},
                 {'name': 'again', module: args, 'register': 'again'}]
        rc, r, output = run_play(tmp, inventory, lab.ns(node), tasks=tasks, save=['fix', 'again'])
        assert rc == 0, output
        assert r['fix']['changed'] is True and r['again']['changed'] is False, r
        assert lab.reachable('host', 'vm1')
        lab.heal(fault)
        assert lab.reachable('host', 'vm1')
    finally:
        lab.down()
        shutil.rmtree(tmp, ignore_errors=True)


def test_iptables_persist_writes_restorable_files(net):
    _iptables_setup(net, 'legacy')
    p4, p6 = os.path.join(net.tmp, 'rules.v4'), os.path.join(net.tmp, 'rules.v6')
    args = {'ip_version': 'both', 'persist': True, 'persist_paths': {'iptables': p4, 'ip6tables': p6}}
    tasks = [{'name': 'fix', 'vmnet.doctor.icmp_rule': args, 'register': 'fix'},
             {'name': 'again', 'vmnet.doctor.icmp_rule': args, 'register': 'again'}]
    rc, r, output = playbook(net, ['h', 'p'], net.ns('h'), tasks=tasks, save=['fix', 'again'])
    assert rc == 0, output
    assert r['fix']['changed'] and r['again']['changed'] is False, r
    assert sorted(c for c in r['fix']['commands'] if c.startswith('write')) == ['write ' + p4, 'write ' + p6]
    assert net.ping_ok('p', H4) and net.ping_ok('p', H6)
    for path, tool, drop, target in (
            (p4, 'iptables-legacy', ['-p', 'icmp', '--icmp-type', 'echo-request', '-j', 'DROP'], H4),
            (p6, 'ip6tables-legacy', ['-p', 'ipv6-icmp', '--icmpv6-type', 'echo-request', '-j', 'REJECT'], H6)):
        with open(path) as f:
            content = f.read()
        assert '--comment "vmnet.doctor"' in content and not content.startswith('#')
        # back to the broken state (a "reboot" that loses the runtime accept) ...
        net.run('h', [tool, '-F', 'INPUT'])
        net.run('h', [tool, '-A', 'INPUT'] + drop)
        assert not net.ping_ok('p', target)
        # ... then load the persisted file as iptables-persistent would
        net.run('h', [tool + '-restore'], stdin=content)
        assert net.ping_ok('p', target)
