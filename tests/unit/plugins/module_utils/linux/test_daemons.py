# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The firewall front-ends' "off", read from the host (a /proc tree and ufw.conf built here)."""
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import daemons


def _proc(tmp_path, processes, mine='net:[4026531840]'):
    proc = tmp_path / 'proc'
    (proc / 'self' / 'ns').mkdir(parents=True)
    os.symlink(mine, str(proc / 'self' / 'ns' / 'net'))
    for pid, (argv, netns) in processes.items():
        (proc / pid / 'ns').mkdir(parents=True)
        (proc / pid / 'cmdline').write_bytes(b'\0'.join(argv) + b'\0')
        os.symlink(netns, str(proc / pid / 'ns' / 'net'))
    return str(proc)


@pytest.mark.parametrize('processes, off', [
    ({}, True),
    ({'10': ([b'/usr/sbin/sshd', b'-D'], 'net:[4026531840]')}, True),
    # started through its shebang: python3 /usr/sbin/firewalld
    ({'10': ([b'/usr/bin/python3', b'/usr/sbin/firewalld', b'--nofork'], 'net:[4026531840]')}, False),
    ({'10': ([b'firewalld', b'--nofork', b'--nopid'], 'net:[4026531840]')}, False),
    # a firewalld of another network namespace (a container, a lab) does not filter this one
    ({'10': ([b'/usr/bin/python3', b'/usr/sbin/firewalld'], 'net:[4026532999]')}, True),
])
def test_firewalld_is_off_only_without_a_firewalld_in_this_namespace(tmp_path, processes, off):
    assert daemons.firewalld_off(_proc(tmp_path, processes)) is off


def test_firewalld_cannot_tell_without_proc(tmp_path):
    assert daemons.firewalld_off(str(tmp_path / 'nothing')) is None


@pytest.mark.parametrize('text, off', [
    ('# /etc/ufw/ufw.conf\nENABLED=no\nLOGLEVEL=low\n', True),
    ('ENABLED=yes\n', None),
    ('ENABLED="no"\n', True),
    ('LOGLEVEL=low\n', None),
])
def test_ufw_off_only_when_its_configuration_says_so(tmp_path, text, off):
    conf = tmp_path / 'ufw.conf'
    conf.write_text(text)
    assert daemons.ufw_off(str(conf)) is off


def test_ufw_without_configuration_cannot_tell(tmp_path):
    assert daemons.ufw_off(str(tmp_path / 'missing.conf')) is None


@pytest.mark.parametrize('target,variant', [
    ('xtables-nft-multi', 'nft'), ('xtables-legacy-multi', 'legacy'), ('iptables-nft', 'nft'),
    ('iptables-legacy', 'legacy'), ('xtables-multi', None), ('iptables', None)])
def test_iptables_variant_from_the_binary_it_resolves_to(tmp_path, target, variant):
    real = tmp_path / target
    real.write_text('')
    link = tmp_path / 'sbin-iptables'
    os.symlink(str(real), str(link))
    assert daemons.iptables_variant(str(link)) == variant
    assert daemons.iptables_variant(None) is None
