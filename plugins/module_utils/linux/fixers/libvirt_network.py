# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: a libvirt virtual network's state (started), autostart and forward mode (or its whole XML,
for a rollback), and the running guests' vnet ports plugged into its bridge.

libvirt does not plug the ports of running guests back into a network's bridge when the network is
(re)started; this fixer does, for every running guest whose NIC names the network, so a restarted
network carries its guests again. A forward-mode change is a redefinition (``net-define`` of the
edited XML, then ``net-destroy``/``net-start`` when the network runs); ``before`` keeps the XML it
replaced, and the registry's inverse defines it again.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import tempfile
import xml.etree.ElementTree as ET

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import libvirt
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.state import KernelState

RUNTIME_ONLY = False      # libvirt keeps the definition and the autostart flag
MODES = ('nat', 'route', 'open', 'isolated')
_NAME_RE = re.compile(r'^[A-Za-z0-9_.+-]{1,64}$')


def want_from_params(params):
    name = params.get('name') or ''
    if not _NAME_RE.match(name):
        raise DoctorError("name '%s' is not a libvirt network name" % name)
    mode = params.get('forward_mode')
    if mode is not None and mode not in MODES:
        raise DoctorError('forward_mode must be one of %s' % ', '.join(MODES))
    xml = params.get('xml')
    if xml is not None:
        if mode is not None:
            raise DoctorError('give forward_mode or xml, not both')
        try:
            root = ET.fromstring(xml)
        except ET.ParseError as exc:
            raise DoctorError('xml is not valid XML: %s' % exc)
        if root.tag != 'network' or root.findtext('name') != name:
            raise DoctorError("xml must be a <network> named '%s'" % name)
    return {'name': name, 'state': params.get('state'), 'autostart': params.get('autostart'),
            'forward_mode': mode, 'xml': xml, 'uri': params.get('uri') or libvirt.DEFAULT_URI}


def _virsh(want, *args):
    return ['virsh', '-q', '-c', want['uri']] + list(args)


def _guests(runner, want, bridge):
    """[(guest, target dev)] of the running guests whose NIC names the network."""
    out = []
    for uri in libvirt.guest_uris(want['uri']):
        rc, names, _err = runner.run(['virsh', '-q', '-c', uri, 'list', '--name'])
        if rc != 0:
            continue
        for name in [n.strip() for n in names.splitlines() if n.strip()]:
            rc, text, _err = runner.run(['virsh', '-q', '-c', uri, 'dumpxml', name])
            if rc != 0:
                continue
            for nic in libvirt.parse_domain_xml(text)['interfaces']:
                if nic['source_network'] == want['name'] and nic['target']:
                    out.append((name, nic['target']))
    return out


def collect(runner, want):
    rc, _out, err = runner.run(_virsh(want, 'net-info', want['name']))
    if rc != 0:
        raise DoctorError("libvirt network '%s' not found on %s: %s" % (want['name'], want['uri'], err.strip()))
    info = libvirt.parse_info(runner.check(_virsh(want, 'net-info', want['name'])))
    xml = runner.check(_virsh(want, 'net-dumpxml', '--inactive', want['name']))
    net = libvirt.parse_network_xml(xml)
    have = {'active': info.get('active') == 'yes', 'autostart': info.get('autostart') == 'yes',
            'xml': xml, 'forward_mode': net['forward_mode'], 'bridge': net['bridge'], 'links': {}, 'guests': []}
    if net['bridge']:    # also when stopped: a (re)start must plug the running guests back
        have['links'] = KernelState(runner).interfaces()   # schema interfaces: master is the bridge
        have['guests'] = _guests(runner, want, net['bridge'])
    return have


def _canonical(xml):
    root = ET.fromstring(xml)
    for elem in root.iter():
        elem.tail = None
        if elem.text is not None and not elem.text.strip():
            elem.text = None
    return ET.tostring(root)


def new_xml(xml, mode):
    """The network XML with forward mode ``mode`` (``isolated``: no <forward>)."""
    root = ET.fromstring(xml)
    forward = root.find('forward')
    if forward is not None:
        root.remove(forward)
    if mode != 'isolated':
        forward = ET.Element('forward', {'mode': mode})
        root.insert(2 if root.find('uuid') is not None else 1, forward)
    return ET.tostring(root).decode('utf-8') + '\n'


def _xml_path(name):
    return os.path.join(tempfile.gettempdir(), 'vmnet-doctor-libvirt-%s.xml' % name)


def plan(want, have):
    name, changes = want['name'], []
    target_xml = None
    if want['xml'] is not None and _canonical(want['xml']) != _canonical(have['xml']):
        target_xml = want['xml']
    elif want['forward_mode'] is not None and want['forward_mode'] != have['forward_mode']:
        target_xml = new_xml(have['xml'], want['forward_mode'])
    active = have['active']
    if target_xml is not None:
        path = _xml_path(name)
        changes.append({'action': 'write_xml', 'write': path, 'content': target_xml})
        changes.append({'action': 'net_define', 'argv': _virsh(want, 'net-define', path)})
        changes.append({'action': 'remove_xml', 'argv': ['rm', '-f', path]})   # libvirt keeps its own copy
        if active:
            changes.append({'action': 'net_destroy', 'argv': _virsh(want, 'net-destroy', name)})
            active = False
    wanted_active = want['state'] == 'active' or (want['state'] is None and have['active'])
    if want['state'] == 'inactive' and active:
        changes.append({'action': 'net_destroy', 'argv': _virsh(want, 'net-destroy', name)})
    elif wanted_active and not active:
        changes.append({'action': 'net_start', 'argv': _virsh(want, 'net-start', name)})
    if want['autostart'] is not None and want['autostart'] != have['autostart']:
        changes.append({'action': 'net_autostart', 'argv': _virsh(want, 'net-autostart', name) +
                        ([] if want['autostart'] else ['--disable'])})
    if wanted_active and have['bridge']:
        restarted = any(c['action'] in ('net_start', 'net_destroy') for c in changes)
        for guest, port in have['guests']:
            link = have['links'].get(port)
            if link is not None and (restarted or link.get('master') != have['bridge']):
                changes.append({'action': 'plug_port', 'guest': guest, 'port': port,
                                'argv': ['ip', 'link', 'set', 'dev', port, 'master', have['bridge']]})
    return changes


def _view(have, active=None, autostart=None, mode=None, xml=None):
    return {'active': have['active'] if active is None else active,
            'autostart': have['autostart'] if autostart is None else autostart,
            'forward_mode': mode or have['forward_mode'], 'xml': xml or have['xml']}


def states(want, have, changes):
    before = _view(have)
    after = dict(before)
    for c in changes:
        if c['action'] == 'write_xml':
            after['xml'] = c['content']
            after['forward_mode'] = libvirt.parse_network_xml(c['content'])['forward_mode']
        elif c['action'] == 'net_start':
            after['active'] = True
        elif c['action'] == 'net_destroy':
            after['active'] = False
        elif c['action'] == 'net_autostart':
            after['autostart'] = bool(want['autostart'])
    if any(c['action'] == 'net_start' for c in changes):
        after['active'] = True
    return before, after


def warnings(want, have):
    if want['forward_mode'] in ('route', 'open') and have['forward_mode'] != want['forward_mode']:
        return ['forward mode %s exposes the guests of %s to other machines; those machines need a route to its '
                'subnet via this host' % (want['forward_mode'], want['name'])]
    return []
