# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VMware Workstation/Player: the network mode of a VM's NICs from its ``.vmx`` file, the virtual
networks from ``netmap.conf`` and the NAT device from ``vmnetnat.conf`` (Windows) / ``vmnet8/nat/nat.conf``
(Linux, same format).

The parsers are pure; ``collect()`` (Linux hosts, through the runner) reads the running VMs from
``vmrun list`` and the files under /etc/vmware. Workstation does not run on the project's test machines:
everything is tested on recorded/documented shapes (tests/unit/fixtures/vmws/README.md names the sources).

A NIC on the NAT vmnet (``connectionType = "nat"``, or ``custom`` on the vmnet the NAT device serves,
vmnet8 by default) is reachable from the Workstation host itself, never from other machines, except
through the NAT device's incoming TCP/UDP port forwards (never ICMP).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import switches
from ansible_collections.vmnet.doctor.plugins.module_utils.vbox import _unquote

_PAIR = re.compile(r'^\s*(?P<key>[^=#;\s][^=]*?)\s*=\s*(?P<value>.*?)\s*$')
_ETH = re.compile(r'^ethernet(\d+)\.(.+)$')
_NETMAP = re.compile(r'^network(\d+)\.(name|device)$')
_SECTION = re.compile(r'^\s*\[(?P<name>[^\]]+)\]\s*$')
_VNET = re.compile(r'vmnet(\d+)$', re.I)
# The vmnet a connection type uses when the .vmx names none (Workstation's standard networks).
STANDARD_VNETS = {'bridged': 'vmnet0', 'hostonly': 'vmnet1', 'nat': 'vmnet8'}
NAT_VNET = 'vmnet8'


def parse_pairs(text):
    """{key (lower case): value} of ``key = "value"`` lines; ``.vmx`` keys are case-insensitive."""
    out = {}
    for line in text.splitlines():
        match = _PAIR.match(line)
        if match and not line.lstrip().startswith(('#', ';', '[')):
            out[match.group('key').lower()] = _unquote(match.group('value'))
    return out


def vnet_name(raw):
    """``vmnetN`` from ``/dev/vmnet2``, ``VMnet2`` or ``vmnet2``; None otherwise."""
    match = _VNET.search((raw or '').strip())
    return 'vmnet%d' % int(match.group(1)) if match else None


def _mac(raw):
    raw = (raw or '').strip().lower().replace('-', ':')
    return raw if re.match(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$', raw) else None


def vmx_nics(text):
    """The present NICs of a ``.vmx``: [{slot, connection_type, vnet, mac, start_connected}].

    A NIC without ``connectionType`` is bridged (Workstation omits the key for bridged NICs).
    ``vnet`` is the vmnet the NIC sits on: ``ethernetN.vnet`` for ``custom``, else the standard
    vmnet of its type (``pvn``, a LAN segment, has none)."""
    data = parse_pairs(text)
    slots = {}
    for key, value in data.items():
        match = _ETH.match(key)
        if match:
            slots.setdefault(int(match.group(1)), {})[match.group(2)] = value
    out = []
    for slot in sorted(slots):
        nic = slots[slot]
        if nic.get('present', '').upper() != 'TRUE':
            continue
        ctype = (nic.get('connectiontype') or 'bridged').lower()
        vnet = vnet_name(nic.get('vnet')) if ctype == 'custom' else STANDARD_VNETS.get(ctype)
        mac = _mac(nic.get('address')) if (nic.get('addresstype') or '').lower() == 'static' else None
        out.append({'slot': slot, 'connection_type': ctype, 'vnet': vnet,
                    'mac': mac or _mac(nic.get('generatedaddress')) or _mac(nic.get('address')),
                    'start_connected': nic.get('startconnected', 'TRUE').upper() != 'FALSE'})
    return out


def parse_netmap(text):
    """[{name, vnet}] of ``netmap.conf`` (``networkN.name`` / ``networkN.device`` pairs)."""
    nets = {}
    for key, value in parse_pairs(text).items():
        match = _NETMAP.match(key)
        if match:
            nets.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [{'name': n.get('name'), 'vnet': vnet_name(n.get('device'))} for _i, n in sorted(nets.items())]


def _mask_bits(netmask):
    try:
        parts = [int(p) for p in netmask.split('.')]
    except (AttributeError, ValueError):
        return None
    if len(parts) != 4 or any(p < 0 or p > 255 for p in parts):
        return None
    bits = ''.join('{0:08b}'.format(p) for p in parts)
    return bits.count('1') if '01' not in bits else None


def _forward(host_port, target):
    guest_ip, _sep, guest_port = target.rpartition(':')
    return {'host_port': int(host_port) if host_port.isdigit() else None, 'guest_ip': guest_ip or None,
            'guest_port': int(guest_port) if guest_port.isdigit() else None}


def parse_nat_conf(text, vnet=NAT_VNET):
    """The NAT device of ``vmnetnat.conf`` / ``nat.conf``: {vnet, gateway, prefixlen, port_forwards[]}.

    ``[host] ip`` (optionally ``/bits``), ``netmask`` and ``device``; ``[incomingtcp]`` and
    ``[incomingudp]`` lines ``<host port> = <guest ip>:<guest port>``. ``vnet`` when ``device`` is absent."""
    section, host, forwards = None, {}, []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(('#', ';')):
            continue
        match = _SECTION.match(stripped)
        if match:
            section = match.group('name').strip().lower()
            continue
        pair = _PAIR.match(stripped)
        if not pair:
            continue
        key, value = pair.group('key').strip(), _unquote(pair.group('value'))
        if section == 'host':
            host[key.lower()] = value
        elif section in ('incomingtcp', 'incomingudp'):
            entry = _forward(key, value)
            entry['protocol'] = section[len('incoming'):]
            forwards.append(entry)
    ip, _sep, bits = (host.get('ip') or '').partition('/')
    prefixlen = int(bits) if bits.isdigit() else _mask_bits(host.get('netmask'))
    return {'vnet': vnet_name(host.get('device')) or vnet, 'gateway': ip or None, 'prefixlen': prefixlen,
            'port_forwards': forwards}


def section(vmx=None, netmap=None, nat_confs=None, note=None):
    """``facts['vmware_workstation']`` from file texts: ``vmx`` {VM name: .vmx text}, ``netmap`` the
    netmap.conf text, ``nat_confs`` [vmnetnat.conf / nat.conf texts, or (vnet, text) pairs]. Without a
    NAT file, vmnet8 is the NAT vmnet (Workstation's default)."""
    nats = [parse_nat_conf(t[1], t[0]) if isinstance(t, tuple) else parse_nat_conf(t) for t in nat_confs or []]
    names = dict((n['vnet'], n['name']) for n in parse_netmap(netmap or '') if n['vnet'])
    nat_vnets = set(n['vnet'] for n in nats) or set([NAT_VNET])
    vnets = sorted(set(names) | nat_vnets, key=lambda v: int(v[len('vmnet'):]))
    networks = []
    for vnet in vnets:
        nat = [n for n in nats if n['vnet'] == vnet]
        networks.append({'vnet': vnet, 'name': names.get(vnet), 'nat': vnet in nat_vnets,
                         'gateway': nat[0]['gateway'] if nat else None,
                         'prefixlen': nat[0]['prefixlen'] if nat else None,
                         'port_forwards': nat[0]['port_forwards'] if nat else []})
    vms = []
    for name in sorted(vmx or {}):
        nics = vmx_nics(vmx[name])
        for nic in nics:
            nic['nat'] = nic['connection_type'] == 'nat' or nic['vnet'] in nat_vnets
        vms.append({'name': name, 'nics': nics})
    return {'available': True, 'note': note, 'source': 'files', 'networks': networks, 'vms': vms}


# --------------------------------------------------------------------------- facts (I/O through the runner)
MISSING_NOTE = switches.VMWS_MISSING_NOTE
CONFIG_DIR = '/etc/vmware'      # Workstation/Player on Linux: netmap.conf, vmnetN/nat/nat.conf


empty_section = switches.vmws_empty


def parse_vmrun_list(text):
    """The .vmx paths of ``vmrun list`` (a ``Total running VMs: N`` line, then one path per line)."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith('Total running VMs') and line.strip().lower().endswith('.vmx')]


def _read(runner, path, errors, required=False):
    """Text of ``path``; None (recorded in ``errors`` when ``required`` or unreadable) otherwise."""
    try:
        text = runner.read(path)
    except (IOError, OSError) as exc:
        errors.append({'source': 'vmware_workstation', 'message': 'cannot read %s: %s' % (path, exc)})
        return None
    if text is None and required:
        errors.append({'source': 'vmware_workstation', 'message': '%s (from vmrun list) does not exist' % path})
    return text


def collect(runner, errors=None, config_dir=CONFIG_DIR):
    """``facts['vmware_workstation']`` of a Linux Workstation/Player host: the running VMs of the user the
    facts run as (``vmrun list``: VMs run per user), their .vmx, and ``netmap.conf`` and each
    ``vmnetN/nat/nat.conf`` under ``config_dir``. Without vmrun: ``available: false`` and a note."""
    absent = switches.vmws_absent(runner)
    if absent is not None:
        return absent
    errors = errors if errors is not None else []
    rc, out, err = runner.run(['vmrun', 'list'])
    if rc != 0:
        return empty_section('vmrun list failed: %s' % (err or out).strip())
    vmx = {}
    for path in parse_vmrun_list(out):
        text = _read(runner, path, errors, required=True)
        if text is None:
            continue
        name = parse_pairs(text).get('displayname') or path.replace('\\', '/').rsplit('/', 1)[-1][:-len('.vmx')]
        vmx[name] = text
    nat_confs = []
    for entry in runner.listdir(config_dir):
        if vnet_name(entry) == entry:
            text = _read(runner, '%s/%s/nat/nat.conf' % (config_dir, entry), errors)
            if text:
                nat_confs.append((entry, text))
    out = section(vmx, _read(runner, '%s/netmap.conf' % config_dir, errors), nat_confs)
    out['source'] = 'vmrun list'
    return out
