# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""icmp_rule / mac_allow main(): only the I/O edge (run_command / get_bin_path) is patched; it
replays the real outputs in tests/unit/fixtures/fixers and records every command."""
import os
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.vmnet.doctor.plugins.modules import icmp_rule, mac_allow

FX = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'fixers'))


def fx(name):
    with open(os.path.join(FX, name)) as f:
        return f.read()


class Exit(Exception):
    pass


def run_main(module, args, outputs, bins=('nft', 'ip'), after=None):
    """``after``: the outputs once a rule was written (the ruleset after the fix)."""
    calls = []
    wrote = []

    def run_command(self, argv, **kw):
        calls.append(list(argv))
        key = tuple(os.path.basename(argv[0]) if i == 0 else a for i, a in enumerate(argv))
        if key[:3] in (('nft', 'insert', 'rule'), ('nft', 'add', 'rule'), ('nft', 'delete', 'rule')):
            wrote.append(key)
            return 0, '', ''
        if wrote and key in (after or {}):
            return 0, after[key], ''
        if key not in outputs:
            raise AssertionError('unexpected command %r' % (argv,))
        return 0, outputs[key], ''

    def get_bin_path(self, name, *a, **k):
        return '/usr/sbin/%s' % name if name in bins else None

    def exit_json(self, **kw):
        raise Exit(dict(kw, failed=False))

    def fail_json(self, **kw):
        raise Exit(dict(kw, failed=True))

    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'run_command', run_command), \
            mock.patch.object(basic.AnsibleModule, 'get_bin_path', get_bin_path), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json):
        with pytest.raises(Exit) as e:
            module.main()
    return e.value.args[0], calls


@pytest.mark.parametrize('check_mode', [True, False])
def test_icmp_rule_check_mode_and_real_run(check_mode):
    args = {'source': '192.0.2.0/24', '_ansible_check_mode': check_mode, '_ansible_diff': True}
    result, calls = run_main(icmp_rule, args, {('nft', '-j', 'list', 'ruleset'): fx('nft_drop.json')},
                             after={('nft', '-j', 'list', 'ruleset'): fx('nft_fixed.json')})
    assert result['failed'] is False and result['changed'] is True
    assert result['diff']['before']['verdicts'][0]['verdict'] == 'drop'
    assert result['diff']['after']['verdicts'][0]['verdict'] == 'accept'
    assert result['runtime_only'] is True
    writes = [c for c in calls if c[1] in ('insert', 'add', 'delete')]
    assert len(writes) == (0 if check_mode else 2)
    if not check_mode:
        assert writes[0][:8] == ['/usr/sbin/nft', 'insert', 'rule', 'inet', 'filter', 'input', 'position', '5']


def test_icmp_rule_idempotent_and_bad_input():
    result, calls = run_main(icmp_rule, {'source': '192.0.2.0/24'},
                             {('nft', '-j', 'list', 'ruleset'): fx('nft_fixed.json')})
    assert result['changed'] is False and result['changes'] == []
    assert all(c[1] == '-j' for c in calls)              # read only
    result, calls = run_main(icmp_rule, {'source': 'not-an-ip'}, {})
    assert result['failed'] is True and "source 'not-an-ip'" in result['msg'] and calls == []


def test_mac_allow_main():
    outputs = {('nft', '-j', 'list', 'ruleset'): fx('nft_bridge_drop.json'),
               ('ip', '-j', '-d', 'link', 'show'): fx('links_bridge.json')}
    result, calls = run_main(mac_allow, {'mac': '52:54:00:aa:bb:02', 'bridge': 'br0'}, outputs,
                             after={('nft', '-j', 'list', 'ruleset'): fx('nft_bridge_fixed.json')})
    assert result['changed'] is True, result
    writes = [c for c in calls if c[1] == 'insert']
    assert writes[-1][:8] == ['/usr/sbin/nft', 'insert', 'rule', 'bridge', 'filter', 'forward', 'position', '3']
    assert calls[-1] == ['/usr/sbin/nft', '-j', 'list', 'ruleset']      # read back after the write
    result, _calls = run_main(mac_allow, {'mac': '52:54:00:aa:bb:02', 'bridge': 'br7'}, outputs)
    assert result['failed'] is True and "bridge 'br7' does not exist" in result['msg']
