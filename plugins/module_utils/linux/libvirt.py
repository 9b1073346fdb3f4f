# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt facts: virtual networks and guest interfaces, read through ``virsh`` XML.

``collect(runner, uri)`` is the only I/O (read-only virsh commands through the runner);
``parse_network_xml``/``parse_domain_xml``/``parse_info`` are pure and unit-tested on
outputs captured from a real libvirtd 9.0 (tests/unit/fixtures/libvirt/).

The section is ``facts['libvirt']`` (docs/facts_schema.md). A host without virsh or without
a libvirt daemon gets ``available: false`` and a ``note``; this never fails the facts.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import xml.etree.ElementTree as ET

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import switches

DEFAULT_URI = switches.LIBVIRT_URI
MISSING_NOTE = switches.LIBVIRT_MISSING_NOTE
# forward modes that put the guests behind the hypervisor's NAT, or route/bridge them
NAT_MODES = ('nat',)


daemon_sockets = switches.libvirt_sockets
empty_section = switches.libvirt_empty


def _prefixlen(ip_el):
    if ip_el.get('prefix'):
        return int(ip_el.get('prefix'))
    if ip_el.get('netmask'):
        return ipaddress.ip_network(u'0.0.0.0/%s' % ip_el.get('netmask')).prefixlen
    return 64 if ip_el.get('family') == 'ipv6' else 24


def parse_network_xml(text):
    """One network from ``virsh net-dumpxml`` (active/autostart come from parse_info)."""
    root = ET.fromstring(text)
    forward = root.find('forward')
    if forward is None:
        mode = 'isolated'
    else:
        mode = forward.get('mode') or 'nat'     # libvirt's default forward mode
    bridge = root.find('bridge')
    addresses = []
    for ip_el in root.findall('ip'):
        dhcp = ip_el.find('dhcp')
        entry = {'address': ip_el.get('address'), 'prefixlen': _prefixlen(ip_el),
                 'family': ip_el.get('family') or 'ipv4', 'dhcp': None}
        if dhcp is not None:
            entry['dhcp'] = {
                'ranges': [{'start': r.get('start'), 'end': r.get('end')} for r in dhcp.findall('range')],
                'hosts': [{'mac': h.get('mac'), 'ip': h.get('ip'), 'name': h.get('name')} for h in dhcp.findall('host')],
            }
        addresses.append(entry)
    nat = forward.find('nat') if forward is not None else None
    return {
        'name': root.findtext('name'),
        'uuid': root.findtext('uuid'),
        'forward_mode': mode,
        'forward_dev': forward.get('dev') if forward is not None else None,
        'nat_ports': ({'start': int(nat.find('port').get('start')), 'end': int(nat.find('port').get('end'))}
                      if nat is not None and nat.find('port') is not None else None),
        'bridge': bridge.get('name') if bridge is not None else None,
        'addresses': addresses,
        'active': None,
        'autostart': None,
        'persistent': None,
    }


def parse_info(text):
    """``virsh net-info``/``dominfo`` ``Key:   value`` lines as a dict with lower-case keys."""
    out = {}
    for line in to_text(text).splitlines():
        key, sep, value = line.partition(':')
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _yes(value):
    return None if value is None else value == 'yes'


def parse_domain_xml(text, state=None):
    """The guest and its interfaces from ``virsh dumpxml``."""
    root = ET.fromstring(text)
    interfaces = []
    for iface in root.findall('devices/interface'):
        source = iface.find('source')
        target, model, link = iface.find('target'), iface.find('model'), iface.find('link')
        mac, filterref = iface.find('mac'), iface.find('filterref')
        vlan_tags = [int(tag.get('id')) for tag in iface.findall('vlan/tag') if tag.get('id') is not None]
        interfaces.append({
            'type': iface.get('type'),
            'source_network': source.get('network') if source is not None else None,
            'source_bridge': source.get('bridge') if source is not None else None,
            'source_dev': source.get('dev') if source is not None else None,
            'mac': (mac.get('address') or '').lower() or None if mac is not None else None,
            'target': target.get('dev') if target is not None else None,
            'model': model.get('type') if model is not None else None,
            'link_state': link.get('state') if link is not None else 'up',
            'vlan': vlan_tags,
            'filterref': filterref.get('filter') if filterref is not None else None,
        })
    return {'name': root.findtext('name'), 'uuid': root.findtext('uuid'), 'driver': root.get('type'),
            'state': state, 'interfaces': interfaces}


def _virsh(runner, uri, *args):
    rc, out, err = runner.run(['virsh', '-q', '-c', uri] + list(args))
    return rc, to_text(out), to_text(err or out).strip()


def _names(runner, uri, *args):
    rc, out, err = _virsh(runner, uri, *args)
    if rc != 0:
        return None, err
    return [line.strip() for line in out.splitlines() if line.strip()], None


def guest_uris(uri):
    """The URIs whose guests are read: ``uri`` and, for qemu:// on the same daemon, its lxc:// twin."""
    uris = [uri]
    if uri.startswith('qemu:'):
        uris.append('lxc:' + uri[len('qemu:'):])
    return uris


def collect(runner, uri=None, errors=None):
    """``facts['libvirt']``. ``errors`` (a list) receives {'source', 'message'} for read failures of a
    daemon that answered; a missing virsh or daemon is a ``note``, never an error."""
    uri = uri or DEFAULT_URI
    absent = switches.libvirt_absent(runner, uri)
    if absent is not None:
        return absent
    names, err = _names(runner, uri, 'net-list', '--all', '--name')
    if names is None:
        return empty_section(uri, 'no libvirt daemon answered on %s: %s' % (uri, err))
    section = empty_section(uri)
    section['available'] = True
    errors = errors if errors is not None else []
    for name in names:
        rc, out, err = _virsh(runner, uri, 'net-dumpxml', name)
        if rc != 0:
            errors.append({'source': 'libvirt', 'message': 'virsh net-dumpxml %s: %s' % (name, err)})
            continue
        try:
            net = parse_network_xml(out)
        except (ET.ParseError, ValueError) as exc:
            errors.append({'source': 'libvirt', 'message': 'virsh net-dumpxml %s: %s' % (name, exc)})
            continue
        rc, out, _err = _virsh(runner, uri, 'net-info', name)
        info = parse_info(out) if rc == 0 else {}
        net.update(active=_yes(info.get('active')), autostart=_yes(info.get('autostart')),
                   persistent=_yes(info.get('persistent')))
        section['networks'].append(net)
    for guest_uri in guest_uris(uri):
        domains, err = _names(runner, guest_uri, 'list', '--all', '--name')
        if domains is None:
            if guest_uri == uri:
                errors.append({'source': 'libvirt', 'message': 'virsh list on %s: %s' % (uri, err)})
            continue
        for name in domains:
            rc, out, err = _virsh(runner, guest_uri, 'dumpxml', name)
            if rc != 0:
                errors.append({'source': 'libvirt', 'message': 'virsh dumpxml %s: %s' % (name, err)})
                continue
            _rc, info, _err = _virsh(runner, guest_uri, 'domstate', name)
            try:
                guest = parse_domain_xml(out, info.strip() or None)
            except ET.ParseError as exc:
                errors.append({'source': 'libvirt', 'message': 'virsh dumpxml %s: %s' % (name, exc)})
                continue
            guest['uri'] = guest_uri
            section['guests'].append(guest)
    return section
