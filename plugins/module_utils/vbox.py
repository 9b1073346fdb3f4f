# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VirtualBox: the network mode of each NIC from ``VBoxManage showvminfo <vm> --machinereadable``.

Pure parsing (no I/O). VirtualBox does not run on the project's test machines: the parser is tested on
recorded/documented output shapes (tests/unit/fixtures/vbox/README.md names the sources).

A NIC in ``nat`` mode sits behind a per-VM NAT engine (guest 10.0.2.15 by default): unlike libvirt,
VMware or Hyper-V NAT, not even the host can reach the guest's address; only the NAT port forwards
(``Forwarding(N)``, TCP/UDP, never ICMP) reach it.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import switches

_LINE = re.compile(r'^(?P<key>[^=]+)=(?P<value>.*)$')
_NIC = re.compile(r'^nic(\d+)$')
_FWD = re.compile(r'^Forwarding\((\d+)\)$')


def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_machinereadable(text):
    """{key: value} of the machine-readable lines (quotes removed)."""
    out = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            out[_unquote(match.group('key'))] = _unquote(match.group('value'))
    return out


def _mac(raw):
    raw = (raw or '').lower()
    return ':'.join(raw[i:i + 2] for i in range(0, 12, 2)) if re.match(r'^[0-9a-f]{12}$', raw) else None


def nics(text):
    """The VM's NICs: [{slot, mode, attachment, mac, cable_connected, port_forwards}], slots in use only.

    ``mode`` is VirtualBox's (``nat``, ``natnetwork``, ``bridged``, ``hostonly``, ``intnet``, ``generic``,
    ``null``); ``attachment`` the host adapter, host-only adapter, internal or NAT network it names.
    Port forwards of a ``nat`` NIC are listed without a slot number by VirtualBox; they are given to
    the first ``nat`` NIC."""
    data = parse_machinereadable(text)
    out = []
    for key in sorted(data, key=lambda k: int(_NIC.match(k).group(1)) if _NIC.match(k) else 0):
        match = _NIC.match(key)
        if not match or data[key] == 'none':
            continue
        slot, mode = int(match.group(1)), data[key]
        attachment = {'bridged': data.get('bridgeadapter%d' % slot), 'hostonly': data.get('hostonlyadapter%d' % slot),
                      'intnet': data.get('intnet%d' % slot), 'natnetwork': data.get('nat-network%d' % slot)}.get(mode)
        out.append({'slot': slot, 'mode': mode, 'attachment': attachment,
                    'mac': _mac(data.get('macaddress%d' % slot)),
                    'cable_connected': data.get('cableconnected%d' % slot) != 'off', 'port_forwards': []})
    forwards = []
    for key, value in sorted(data.items()):
        if _FWD.match(key):
            name, proto, host_ip, host_port, guest_ip, guest_port = (value.split(',') + [''] * 6)[:6]
            forwards.append({'name': name, 'protocol': proto, 'host_ip': host_ip or None,
                             'host_port': int(host_port) if host_port.isdigit() else None,
                             'guest_ip': guest_ip or None, 'guest_port': int(guest_port) if guest_port.isdigit() else None})
    nat = [n for n in out if n['mode'] == 'nat']
    if nat:
        nat[0]['port_forwards'] = forwards
    return out


def host_cut_off(nic):
    """Why the host cannot ping the guest through this NIC, or None."""
    if nic['mode'] == 'nat':
        return ("NIC %d is in VirtualBox NAT mode: a per-VM NAT engine hides the guest from everyone, the host "
                "included; only its port forwards (TCP/UDP, never ICMP) reach it. Use a host-only or bridged adapter "
                "to ping it" % nic['slot'])
    if not nic['cable_connected']:
        return 'NIC %d has its virtual cable disconnected (cableconnected%d="off")' % (nic['slot'], nic['slot'])
    if nic['mode'] in ('intnet', 'null'):
        return 'NIC %d is on %s, which the host is not part of' % (
            nic['slot'], 'internal network %s' % nic['attachment'] if nic['mode'] == 'intnet' else 'no network')
    return None


# --------------------------------------------------------------------------- facts (I/O through the runner)
MISSING_NOTE = switches.VBOX_MISSING_NOTE
_LIST = re.compile(r'^"(?P<name>.*)" \{(?P<uuid>[0-9a-fA-F-]+)\}$')


empty_section = switches.vbox_empty


def parse_list_vms(text):
    """[(name, uuid)] from ``VBoxManage list vms`` (``"name" {uuid}`` lines)."""
    out = []
    for line in text.splitlines():
        match = _LIST.match(line.strip())
        if match:
            out.append((match.group('name'), match.group('uuid')))
    return out


def collect(runner, errors=None):
    """``facts['virtualbox']``: the VMs of the user the facts run as (VirtualBox registers VMs per user),
    each with its state and NICs (``nics()``). Without VBoxManage: ``available: false`` and a note."""
    absent = switches.vbox_absent(runner)
    if absent is not None:
        return absent
    errors = errors if errors is not None else []
    rc, out, err = runner.run(['VBoxManage', 'list', 'vms'])
    if rc != 0:
        return empty_section('VBoxManage list vms failed: %s' % (err or out).strip())
    section = {'available': True, 'note': None, 'vms': []}
    for name, uuid in parse_list_vms(out):
        rc, info, err = runner.run(['VBoxManage', 'showvminfo', uuid, '--machinereadable'])
        if rc != 0:
            errors.append({'source': 'virtualbox', 'message': 'VBoxManage showvminfo %s: %s' % (name, err.strip())})
            continue
        data = parse_machinereadable(info)
        section['vms'].append({'name': name, 'uuid': uuid, 'state': data.get('VMState'), 'nics': nics(info)})
    return section
