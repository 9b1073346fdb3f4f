# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""icmp_probe main(): only the I/O edge (run_command / get_bin_path) is patched; it replays
real ping outputs from tests/unit/fixtures/probe."""
import json
import os
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.vmnet.doctor.plugins.modules import icmp_probe

FIX = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'probe'))


class Exit(Exception):
    pass


def run_main(args, fixture_name='success_v4'):
    with open(os.path.join(FIX, fixture_name + '.json')) as f:
        fx = json.load(f)
    calls = []

    def run_command(self, argv, **kw):
        calls.append((argv, kw))
        return fx['rc'], fx['stdout'], fx['stderr']

    def exit_json(self, **kw):
        raise Exit(dict(kw, failed=False))

    def fail_json(self, **kw):
        raise Exit(dict(kw, failed=True))

    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'run_command', run_command), \
            mock.patch.object(basic.AnsibleModule, 'get_bin_path', lambda self, *a, **k: '/usr/bin/ping'), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', fail_json):
        with pytest.raises(Exit) as e:
            icmp_probe.main()
    return e.value.args[0], calls


def test_success_result_shape_and_argv():
    result, calls = run_main({'targets': ['10.231.2.2'], 'size': 100, 'dont_fragment': True, 'source': 'eth0'})
    assert result['failed'] is False and result['changed'] is False
    assert result['reachable_all'] is True
    r = result['results'][0]
    assert set(r) >= {'target', 'address', 'sent', 'received', 'loss_percent', 'rtt', 'reachable', 'size',
                      'dont_fragment', 'errors', 'frag_needed', 'path_mtu'}
    assert (r['sent'], r['received'], r['reachable'], r['size'], r['dont_fragment']) == (3, 3, True, 100, True)
    argv, kw = calls[0]
    assert isinstance(argv, list) and argv[0] == '/usr/bin/ping'
    assert argv[-1] == '10.231.2.2' and ['-M', 'do'] == argv[argv.index('-M'):argv.index('-M') + 2]
    assert argv[argv.index('-I') + 1] == 'eth0'
    assert kw['environ_update'] == {'LANG': 'C', 'LC_ALL': 'C'}


def test_unreachable_target_is_not_a_failure():
    result = run_main({'targets': ['10.231.1.99']}, 'unreachable_v4')[0]
    assert result['failed'] is False
    assert result['reachable_all'] is False
    assert result['results'][0]['errors'] == ['Destination Host Unreachable']


@pytest.mark.parametrize('args,needle', [
    ({'targets': ['10.0.0.1'], 'count': 0}, 'count must be between 1 and 1000'),
    ({'targets': ['10.0.0.1'], 'size': 65508}, 'size must be between 0 and 65507'),
    ({'targets': ['not a host']}, 'not an IP address or resolvable name'),
    ({'targets': ['bad..name']}, 'not an IP address or resolvable name'),
])
def test_bad_input_fails_clearly_without_pinging(args, needle):
    result, calls = run_main(args)
    assert result['failed'] is True
    assert needle in result['msg']
    assert calls == []


def test_check_mode_still_probes():
    result, calls = run_main({'targets': ['10.231.2.2'], '_ansible_check_mode': True})
    assert result['failed'] is False and len(calls) == 1
