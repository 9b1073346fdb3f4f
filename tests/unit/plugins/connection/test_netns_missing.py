# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The missing-namespace error of the netns connection names only similar namespaces (issue 11)."""
from ansible_collections.vmnet.doctor.plugins.connection.netns import Connection

MACHINE = ['tenant-a-router', 'tenant-b-secret', 'lab-host', 'lab-hv', 'lab-vm1', 'qrouter-1234']


def test_lists_only_the_lab_siblings():
    msg = Connection._missing_message('lab-vm9', MACHINE)
    assert msg == "network namespace 'lab-vm9' does not exist (similar names: lab-host, lab-hv, lab-vm1)"


def test_lists_nothing_when_nothing_is_similar():
    msg = Connection._missing_message('nope', MACHINE)
    assert msg == "network namespace 'nope' does not exist (no namespace with a similar name; see ip netns list)"
    assert 'tenant' not in msg


def test_close_spelling_and_cap():
    assert 'qrouter-1234' in Connection._missing_message('qrouter-1243', MACHINE)
    many = ['lab-vm%d' % i for i in range(20)]
    assert Connection._missing_message('lab-x', many).endswith('lab-vm0, lab-vm1, lab-vm2, lab-vm3, lab-vm4, ...)')
