# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which virtual switches this host runs, told before their readers are imported.

Most hosts run none of Open vSwitch, libvirt, VirtualBox or VMware Workstation, and a module's start-up time is
mostly compiling what it imports. The section each reader returns when its program is not installed or its
daemon does not listen is built here, from a lookup or a stat; ``linux.ovs``, ``linux.libvirt``, ``vbox`` and
``vmws`` start from the same functions and are imported only for a switch that is there.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

OVS_RUNDIR = '/var/run/openvswitch'
OVS_PACKAGE_NOTE = ('Open vSwitch is not installed (ovs-vsctl not found): install the package openvswitch-switch '
                    '(Debian, Ubuntu) or openvswitch (RHEL, Fedora, SUSE) to let vmnet.doctor read OVS bridges')
LIBVIRT_URI = 'qemu:///system'
LIBVIRT_MISSING_NOTE = ('virsh is not installed: libvirt networks and guests were not read (install libvirt-clients on '
                        'Debian/Ubuntu, libvirt-client on Fedora/RHEL/SUSE)')
VBOX_MISSING_NOTE = 'VBoxManage is not installed: no VirtualBox VMs were read'
VMWS_MISSING_NOTE = 'vmrun is not installed: no VMware Workstation/Player VMs were read'


def ovs_paths(rundir=None):
    """Where the Open vSwitch daemons of ``rundir`` (default: the distribution's) listen."""
    rundir = rundir or OVS_RUNDIR
    return {'rundir': rundir, 'db': 'unix:%s' % os.path.join(rundir, 'db.sock'),
            'pidfile': os.path.join(rundir, 'ovs-vswitchd.pid')}


def ovs_empty():
    return {'present': False, 'rundir': None, 'db': None, 'note': None, 'errors': [], 'bridges': [],
            'traces': []}


def ovs_absent(runner, rundir=None):
    """The ``ovs`` section when Open vSwitch is not installed or its database is not running here; None when it
    is (then ``linux.ovs.collect`` reads it)."""
    where = ovs_paths(rundir)
    out = dict(ovs_empty(), rundir=where['rundir'], db=where['db'])
    if not runner.which('ovs-vsctl'):
        out['note'] = OVS_PACKAGE_NOTE
        return out
    if not runner.exists(os.path.join(where['rundir'], 'db.sock')):
        out['note'] = 'no ovsdb-server socket at %s/db.sock (Open vSwitch is not running here)' % where['rundir']
        return out
    return None


def libvirt_sockets(uri):
    """The UNIX sockets a local ``virsh -c uri`` connects to, where libvirt puts them by default (the monolithic
    libvirtd and the modular virtqemud/virtnetworkd/virtlxcd daemons; ``/var/run`` is ``/run``), or the socket
    the URI names (``?socket=``); [] for a URI this cannot tell (remote transports, session URIs)."""
    scheme, sep, rest = (uri or '').partition('://')
    if not sep or '+' in scheme:
        return []
    host_path, _q, query = rest.partition('?')
    params = dict(part.partition('=')[::2] for part in query.split('&') if part)
    if params.get('socket'):
        return [params['socket']]
    if host_path != '/system' or scheme not in ('qemu', 'lxc'):
        return []
    # qemu:///system also reads its lxc:/// twin's guests (guest_uris)
    return ['/run/libvirt/%s-sock' % d for d in ('libvirt', 'virtqemud', 'virtlxcd', 'virtnetworkd')]


def libvirt_empty(uri=None, note=None):
    return {'available': False, 'uri': uri, 'note': note, 'networks': [], 'guests': []}


def libvirt_absent(runner, uri=None):
    """The ``libvirt`` section when virsh is not installed or no daemon socket of ``uri`` exists on this host;
    None when virsh should be asked (then ``linux.libvirt.collect`` reads it)."""
    uri = uri or LIBVIRT_URI
    if not runner.which('virsh'):
        return libvirt_empty(uri, LIBVIRT_MISSING_NOTE)
    sockets = libvirt_sockets(uri)
    if sockets and getattr(runner, 'reads_host', False) and not any(runner.exists(p) for p in sockets):
        # virsh would only say it cannot connect (and costs a process start): no daemon listens here
        return libvirt_empty(uri, 'no libvirt daemon answered on %s: no socket at %s (give libvirt_uri with '
                                  '?socket=PATH for a daemon that listens elsewhere)' % (uri, ', '.join(sockets)))
    return None


def vbox_empty(note=None):
    return {'available': False, 'note': note, 'vms': []}


def vmws_empty(note=None):
    return {'available': False, 'note': note, 'source': None, 'networks': [], 'vms': []}


def vbox_absent(runner):
    """The ``virtualbox`` section when VBoxManage is not installed; None when it is."""
    return None if runner.which('VBoxManage') else vbox_empty(VBOX_MISSING_NOTE)


def vmws_absent(runner):
    """The ``vmware_workstation`` section when vmrun is not installed; None when it is."""
    return None if runner.which('vmrun') else vmws_empty(VMWS_MISSING_NOTE)
