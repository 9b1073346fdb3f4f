# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""main() of the iproute2 fixer modules: only the I/O edge (run_command, get_bin_path,
/proc writes) is patched; reads replay the real outputs of tests/unit/fixtures/fixers_ip."""
import os
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import common
from ansible_collections.vmnet.doctor.plugins.modules import bridge_vlan, default_gateway, link_state, net_sysctl

FIX = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'fixers_ip'))


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read()


READS = {
    ('ip', '-j', '-4', 'route', 'show', 'table', 'main'): fixture('route4_wrong_default.json'),
    ('ip', '-j', '-d', 'link', 'show'): fixture('link_d.json'),
    ('ip', '-j', 'addr', 'show'): fixture('addr.json'),
    ('bridge', '-j', 'link', 'show'): fixture('bridge_link.json'),
    ('bridge', '-j', 'vlan', 'show'): '[]\n',
}


class Exit(Exception):
    pass


def run_main(mod, args, fail=None, after=None):
    """Run mod.main(); returns (result, list of write argv run). ``after``: the reads that change
    once a write ran (the host's state after the fix; without it the fix does not take)."""
    writes = []

    def run_command(self, argv, **kw):
        assert kw.get('environ_update') == {'LANG': 'C', 'LC_ALL': 'C'}
        key = tuple([os.path.basename(argv[0])] + list(argv[1:]))
        if writes and key in (after or {}):
            return 0, after[key], ''
        if key in READS:
            return 0, READS[key], ''
        writes.append(list(key))
        if fail and key[:3] == fail[0]:
            return 2, '', fail[1]
        return 0, '', ''

    def exit_json(self, **kw):
        raise Exit(dict(kw, failed=False))

    def fail_json(self, **kw):
        raise Exit(dict(kw, failed=True))

    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'run_command', run_command), \
            mock.patch.object(basic.AnsibleModule, 'get_bin_path', lambda self, name, **kw: '/usr/sbin/' + name), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json):
        with pytest.raises(Exit) as e:
            mod.main()
    return e.value.args[0], writes


def test_default_gateway_check_mode_runs_nothing_and_diffs():
    result, writes = run_main(default_gateway, {'gateway': '192.0.2.1', '_ansible_check_mode': True,
                                                '_ansible_diff': True})
    assert writes == []
    assert result['changed'] is True
    assert result['runtime_only'] is True
    assert result['commands'] == ['ip -4 route replace default via 192.0.2.1 metric 100']
    assert [c['argv'] for c in result['changes']] == [['ip', '-4', 'route', 'replace', 'default', 'via',
                                                       '192.0.2.1', 'metric', '100']]
    assert all(c['action'] for c in result['changes'])
    assert result['diff']['before']['default_routes'][0]['gateway'] == '192.0.2.99'
    assert result['diff']['after']['default_routes'][0]['gateway'] == '192.0.2.1'


# The main table after `ip route replace default via 192.0.2.1 metric 100` on route4_wrong_default.json
ROUTE4_FIXED = fixture('route4_wrong_default.json').replace('"gateway":"192.0.2.99"', '"gateway":"192.0.2.1"', 1)


def test_default_gateway_real_run_and_refusal():
    result, writes = run_main(default_gateway, {'gateway': '192.0.2.1'},
                              after={('ip', '-j', '-4', 'route', 'show', 'table', 'main'): ROUTE4_FIXED})
    assert writes == [['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'metric', '100']]
    assert result['changed'] is True and 'diff' not in result
    # after: read back from the host, not predicted
    assert [r['gateway'] for r in result['after']['default_routes']] == ['192.0.2.1', '203.0.113.1']
    result, writes = run_main(default_gateway, {'gateway': '10.1.2.3'})
    assert writes == []
    assert result['failed'] is True
    assert 'not on a connected subnet' in result['msg']


def test_a_fix_that_does_not_take_fails_loudly():
    # the host still reports the old default route after the write
    result, writes = run_main(default_gateway, {'gateway': '192.0.2.1'})
    assert writes == [['ip', '-4', 'route', 'replace', 'default', 'via', '192.0.2.1', 'metric', '100']]
    assert result['failed'] is True
    assert result['msg'] == ('the change was applied but the host still differs: '
                             'ip -4 route replace default via 192.0.2.1 metric 100 would still be needed')


def test_default_gateway_argspec_requires_gateway_for_present():
    result, _w = run_main(default_gateway, {})
    assert result['failed'] is True
    assert 'gateway' in result['msg']


def test_link_state_already_right_is_not_changed():
    result, writes = run_main(link_state, {'interface': 'vnet0', 'release_stp': True})
    assert writes == []
    assert result['changed'] is False
    assert result['after'] == {'interface': 'vnet0', 'admin_up': True, 'port_state': 'forwarding'}


def test_bridge_vlan_unsupported_kernel_fails_clearly():
    result, writes = run_main(bridge_vlan, {'port': 'vnet1', 'pvid': 10, 'untagged': [10]},
                              fail=(('bridge', 'vlan', 'add'), 'RTNETLINK answers: Operation not supported\n'))
    assert writes == [['bridge', 'vlan', 'add', 'dev', 'vnet1', 'vid', '10', 'pvid', 'untagged']]
    assert result['failed'] is True
    assert 'no bridge VLAN filtering support' in result['msg']
    assert 'nothing was changed' in result['msg']


def test_net_sysctl_writes_proc_and_persist_file(tmp_path, monkeypatch):
    proc = tmp_path / 'ip_forward'
    proc.write_text('0\n')
    persist = tmp_path / 'vmnet.conf'
    monkeypatch.setattr(net_sysctl.fixer, 'proc_path', lambda name, iface: str(proc))
    args = {'name': 'ip_forward', 'value': 1, 'persist': True, 'persist_file': str(persist)}
    result, _w = run_main(net_sysctl, dict(args, _ansible_check_mode=True))
    assert result['changed'] is True and proc.read_text() == '0\n' and not persist.exists()
    result, _w = run_main(net_sysctl, args)
    assert result['changed'] is True and result['runtime_only'] is False
    assert proc.read_text() == '1\n'
    assert persist.read_text().endswith('net.ipv4.ip_forward = 1\n')
    result, _w = run_main(net_sysctl, args)
    assert result['changed'] is False


def test_runner_json_reports_bad_output():
    module = mock.Mock()
    module.get_bin_path.return_value = '/usr/sbin/ip'
    module.run_command.return_value = (0, 'not json', '')
    with pytest.raises(common.DoctorError) as e:
        common.Runner(module).json(['ip', '-j', 'link', 'show'])
    assert 'printed no valid JSON' in str(e.value)
    module.get_bin_path.return_value = None
    with pytest.raises(common.DoctorError) as e:
        common.Runner(module).json(['bridge', '-j', 'link', 'show'])
    assert "required tool 'bridge' was not found" in str(e.value)
