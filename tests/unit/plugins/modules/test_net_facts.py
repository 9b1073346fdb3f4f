"""vmnet.doctor.net_facts main() with recorded outputs at the command edge.

Only ``CommandRunner.spawn``, ``AnsibleModule.run_command``/``get_bin_path`` (commands) and ``CommandRunner.read``/
``listdir``/``exists`` (/proc, /sys) are replaced; everything between them and exit_json is real.
The host is the namespace recorded in tests/unit/fixtures/linux (see its README.md).
"""
import importlib.util
import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import facts as linux_facts
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import CommandRunner
from ansible_collections.vmnet.doctor.plugins.modules import net_facts

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'linux')
_spec = importlib.util.spec_from_file_location('nf_recorded', os.path.join(FIXTURES, 'recorded.py'))
recorded = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorded)


class RecordedProcess(object):
    """What ``CommandRunner.spawn`` returns, answered from a recorded ``(rc, stdout, stderr)``."""

    def __init__(self, result):
        self.returncode, self._out, self._err = result

    def communicate(self):
        return self._out.encode('utf-8'), self._err.encode('utf-8')


@pytest.fixture(params=[('ip', 'bridge')])
def host(monkeypatch, request):
    """Patch the I/O edge with the recorded host; returns the list of commands run."""
    fake = recorded.RecordedRunner(tools=request.param)
    calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return fake.which(name)

    def run_command(self, args, check_rc=False, environ_update=None, **kwargs):
        assert isinstance(args, list), 'commands must be argv lists'
        assert environ_update == {'LANG': 'C', 'LC_ALL': 'C'}
        assert os.path.isabs(args[0])
        argv = [os.path.basename(args[0])] + args[1:]
        calls.append(argv)
        return fake.run(argv)

    def spawn(args):
        assert isinstance(args, list), 'commands must be argv lists'
        assert os.path.isabs(args[0])
        argv = [os.path.basename(args[0])] + args[1:]
        calls.append(argv)
        return RecordedProcess(fake.run(argv))

    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(CommandRunner, 'spawn', staticmethod(spawn))
    monkeypatch.setattr(CommandRunner, 'read', staticmethod(fake.read))
    monkeypatch.setattr(CommandRunner, 'listdir', staticmethod(fake.listdir))
    monkeypatch.setattr(CommandRunner, 'exists', staticmethod(fake.exists))
    return calls


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as caught:
            net_facts.main()
    result = json.loads(capsys.readouterr().out)
    return caught.value.code, result


def test_main_publishes_schema_facts(host, capsys):
    rc, result = run_module({'peers': ['192.0.2.20', '203.0.113.9'],
                             'flows': [{'src': '198.51.100.7', 'dst': '192.0.2.20'}]}, capsys)
    assert rc == 0
    assert result['changed'] is False
    facts = result['ansible_facts']['vmnet_doctor']
    assert facts['platform'] == 'linux'
    assert facts['tools']['ip'] is True and facts['tools']['nft'] is False
    assert [b['name'] for b in facts['bridges']] == ['br0', 'br1']
    lookups = dict((r['address'], r) for r in facts['route_lookups'])
    assert lookups['192.0.2.20']['prefsrc'] == '192.0.2.10'
    assert lookups['203.0.113.9'] == {'address': '203.0.113.9', 'ok': False, 'error': 'Network is unreachable',
                                      'type': None, 'dev': None, 'gateway': None, 'prefsrc': None,
                                      'table': None}
    neigh = dict((n['address'], n['state']) for n in facts['neighbors'])
    assert neigh['192.0.2.50'] == ['PERMANENT'] and neigh['192.0.2.77'] == ['FAILED']
    assert facts['sysctls']['ipv4']['ip_forward'] == 1
    assert ['ip', '-j', 'route', 'get', '198.51.100.7'] in host
    if linux_facts.collect_firewall is None:
        assert [e['source'] for e in facts['errors']] == ['firewall']
    else:
        # no firewall tool on the recorded host: absent, not an error; one verdict per query
        assert facts['errors'] == []
        # 192.0.2.20: 4 packets from/to each global address of its route's device (prefsrc and one
        # secondary); 203.0.113.9 has no route: 4 packets for each of the 3 global IPv4 addresses;
        # the flow: 4 forwarded packets (both directions)
        assert len(facts['firewall']['icmp']) == 4 * 2 + 4 * 3 + 4
        assert set(v['verdict'] for v in facts['firewall']['icmp']) == {'accept'}
        assert facts['firewall']['backends']['nftables'] == {'present': False, 'active': False}


def test_main_check_mode_same_read_only_result(host, capsys):
    rc, result = run_module({'_ansible_check_mode': True}, capsys)
    assert rc == 0 and result['changed'] is False
    assert result['ansible_facts']['vmnet_doctor']['interfaces']
    for argv in host:
        assert argv[0] in ('ip', 'bridge', 'nft', 'iptables-save', 'ip6tables-save')
        assert not set(argv) & {'add', 'del', 'delete', 'set', 'replace', 'flush', 'change'}


@pytest.mark.parametrize('args,fragment', [
    ({'peers': ['192.0.2.999']}, "peers[0]: '192.0.2.999' is not an IP address"),
    ({'flows': [{'src': '192.0.2.1', 'dst': 'vm1'}]}, "flows[0].dst: 'vm1' is not an IP address"),
    ({'flows': [{'src': '192.0.2.1'}]}, 'missing required arguments: dst'),
])
def test_main_bad_input_fails_clearly(host, capsys, args, fragment):
    rc, result = run_module(args, capsys)
    assert rc == 1
    assert result['failed'] is True
    assert fragment in result['msg']
    assert host == []  # nothing was run


@pytest.mark.skipif(linux_facts.collect_firewall is None, reason='firewall package not importable')
@pytest.mark.parametrize('host', [('ip', 'bridge', 'nft')], indirect=True)
def test_main_with_nft_reads_ruleset_once(host, capsys):
    rc, result = run_module({'peers': ['192.0.2.20']}, capsys)
    assert rc == 0
    facts = result['ansible_facts']['vmnet_doctor']
    # the ICMP verdicts and the bridge MAC filters share one `nft -j list ruleset`
    assert host.count(['nft', '-j', 'list', 'ruleset']) == 1
    assert [v['verdict'] for v in facts['firewall']['icmp']
            if v['hook'] == 'input' and v['icmp_type'] == 'echo-request'] == ['drop', 'drop']  # prefsrc and secondary
    assert len(facts['bridges'][0]['mac_filters']) == 3


def _lock_file(lock_dir):
    return [f for f in os.listdir(str(lock_dir)) if f.endswith('.lock')]


def test_main_takes_the_lock_before_reading_and_reports_it(host, capsys, tmp_path):
    lock = {'run_id': 'run-a', 'owner': 'tester@ctl', 'lease': 60, 'lock_dir': str(tmp_path)}
    rc, result = run_module({'lock': lock}, capsys)
    assert rc == 0 and result['lock']['acquired'] is True and result['lock']['lock']['run_id'] == 'run-a'
    assert result['ansible_facts']['vmnet_doctor']['interfaces'] and len(_lock_file(tmp_path)) == 1
    # another run: not taken, the facts all the same, the holder named
    rc, other = run_module({'lock': dict(lock, run_id='run-b')}, capsys)
    assert rc == 0 and other['lock']['acquired'] is False and 'run-a' in other['lock']['msg']
    assert other['ansible_facts']['vmnet_doctor']['interfaces']


def test_main_reports_a_taken_lock_also_when_a_read_breaks(host, capsys, tmp_path, monkeypatch):
    """A read the module did not foresee fails the task, and the result still says the lock was taken (the run
    releases it instead of leaving it until its lease ends)."""
    def broken(*args, **kwargs):
        raise KeyError('ifname')
    monkeypatch.setattr(net_facts, 'collect', broken)
    lock = {'run_id': 'run-a', 'owner': 'tester@ctl', 'lease': 60, 'lock_dir': str(tmp_path)}
    rc, result = run_module({'lock': lock}, capsys)
    assert rc == 1 and result['failed'] is True and 'ifname' in result['msg']
    assert result['lock']['acquired'] is True and len(_lock_file(tmp_path)) == 1


@pytest.mark.parametrize('ssh,expected', [
    # the recorded kernel routes the client through eth0
    ('192.0.2.20 40222 192.0.2.10 22', {'interface': 'eth0', 'client': '192.0.2.20'}),
    (None, {'interface': None, 'client': None, 'related': []}),
])
def test_main_finds_the_management_connection_as_mgmt_guard_does(host, capsys, monkeypatch, ssh, expected):
    # mgmt_guard's lookup names the family (ip -j -4 route get): for an IPv4 address the kernel's answer is the
    # recorded one of ip -j route get
    real = recorded.RecordedRunner.run

    def run(self, argv):
        if list(argv[:5]) == ['ip', '-j', '-4', 'route', 'get']:
            argv = ['ip', '-j', 'route', 'get'] + list(argv[5:])
        return real(self, argv)
    monkeypatch.setattr(recorded.RecordedRunner, 'run', run)
    if ssh:
        monkeypatch.setenv('SSH_CONNECTION', ssh)
    else:
        monkeypatch.delenv('SSH_CONNECTION', raising=False)
    rc, result = run_module({'management': True}, capsys)
    assert rc == 0 and result['ansible_facts']['vmnet_doctor']['interfaces']
    got = result['management']
    assert dict((k, got[k]) for k in expected) == expected, got
    if ssh:   # related: what mgmt_guard names, from the same links (ports of the interface, its own master)
        links = result['ansible_facts']['vmnet_doctor']['interfaces']
        related = [i['name'] for i in links if i.get('master') == 'eth0']
        related += [i['master'] for i in links if i['name'] == 'eth0' and i.get('master')]
        assert got['related'] == sorted(related), got
    rc, plain = run_module({}, capsys)
    assert 'management' not in plain
