# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixer: a libvirt guest NIC's link state and source network, found by its MAC.

The persistent definition is changed (``virsh domif-setlink ... --config``, ``virsh update-device
... --config`` with the NIC's XML and the new ``<source network=.../>``) so the fix survives a guest
restart. A running guest is changed as well:

* drivers that change a running guest's NIC (QEMU/KVM: ``domif-setlink`` and ``update-device
  --live``) are changed live;
* the others (LXC: "Unable to modify live devices") take the new definition only when the guest
  starts again: with ``restart: true`` the fixer shuts the guest down (``virsh shutdown``; LXC
  through SIGTERM to its init, ``--mode signal``), waits up to ``shutdown_timeout`` seconds, powers
  it off (``virsh destroy``) if it is still running, and starts it; without ``restart`` the plan
  fails and says so, changing nothing.

``collect`` reads ``domstate`` and both XML definitions (live, ``--inactive``); ``plan`` is pure.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import libvirt
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import common

RUNTIME_ONLY = False          # the persistent definition is changed too
LIVE_DRIVERS = ('qemu', 'kvm')   # drivers that change a running guest's NIC (domif-setlink, update-device --live)
LINK_STATES = ('up', 'down')
_NAME_RE = re.compile(r'^[A-Za-z0-9_.+-]{1,64}$')
_DOMAIN_RE = re.compile(r'^[^/\s]{1,200}$')
_RUNTIME_SOURCE_ATTRS = ('portid', 'bridge')    # libvirt adds these to a running NIC's <source>


def want_from_params(params):
    domain = to_text(params.get('domain') or '')
    if not _DOMAIN_RE.match(domain):
        raise DoctorError("domain '%s' is not a libvirt domain name" % domain)
    network, link = params.get('network'), params.get('link_state')
    if network is not None and not _NAME_RE.match(network):
        raise DoctorError("network '%s' is not a libvirt network name" % network)
    if link is not None and link not in LINK_STATES:
        raise DoctorError('link_state must be up or down')
    if network is None and link is None:
        raise DoctorError('give link_state, network or both: there is nothing to change')
    timeout = params.get('shutdown_timeout')
    timeout = 30 if timeout is None else int(timeout)
    if timeout < 0:
        raise DoctorError('shutdown_timeout must not be negative')
    return {'domain': domain, 'mac': common.parse_mac(params.get('mac') or ''), 'link_state': link,
            'network': network, 'restart': bool(params.get('restart')), 'shutdown_timeout': timeout,
            'uri': params.get('uri') or libvirt.DEFAULT_URI}


def _virsh(want, *args):
    return ['virsh', '-q', '-c', want['uri']] + list(args)


def _nic_element(xml, mac):
    for iface in ET.fromstring(xml).findall('devices/interface'):
        mac_el = iface.find('mac')
        if mac_el is not None and (mac_el.get('address') or '').lower() == mac:
            return iface
    return None


def _nic_view(iface):
    if iface is None:
        return None
    source, link, target = iface.find('source'), iface.find('link'), iface.find('target')
    return {'type': iface.get('type'), 'network': source.get('network') if source is not None else None,
            'link_state': link.get('state') if link is not None else 'up',
            'target': target.get('dev') if target is not None else None,
            'xml': ET.tostring(iface).decode('utf-8')}


def collect(runner, want):
    rc, out, err = runner.run(_virsh(want, 'domstate', want['domain']))
    if rc != 0:
        raise DoctorError("libvirt domain '%s' not found on %s: %s" % (
            want['domain'], want['uri'], to_text(err or out).strip()))
    state = to_text(out).strip()
    config_xml = runner.check(_virsh(want, 'dumpxml', '--inactive', want['domain']))
    live_xml = runner.check(_virsh(want, 'dumpxml', want['domain'])) if state == 'running' else None
    info = libvirt.parse_info(runner.check(_virsh(want, 'dominfo', want['domain'])))
    config = _nic_view(_nic_element(config_xml, want['mac']))
    live = _nic_view(_nic_element(live_xml, want['mac'])) if live_xml else None
    if config is None and live is None:
        macs = [n['mac'] for n in libvirt.parse_domain_xml(live_xml or config_xml)['interfaces']]
        raise DoctorError("libvirt domain '%s' has no NIC with MAC %s (its NICs: %s)" % (
            want['domain'], want['mac'], ', '.join(m for m in macs if m) or 'none'))
    if want['network'] is not None:
        rc, out, err = runner.run(_virsh(want, 'net-info', want['network']))
        if rc != 0:
            raise DoctorError("libvirt network '%s' not found on %s: %s" % (
                want['network'], want['uri'], to_text(err or out).strip()))
    return {'domain': want['domain'], 'driver': ET.fromstring(config_xml).get('type'), 'state': state,
            'running': state == 'running', 'persistent': info.get('persistent', 'yes') == 'yes',
            'config': config, 'live': live}


def nic_xml(nic_xml_text, network):
    """The NIC's XML with ``<source network=network/>`` (type network, no runtime attributes)."""
    iface = ET.fromstring(nic_xml_text)
    iface.set('type', 'network')
    source = iface.find('source')
    if source is None:
        source = ET.SubElement(iface, 'source')
    for key in list(source.attrib):
        del source.attrib[key]
    source.set('network', network)
    return ET.tostring(iface).decode('utf-8') + '\n'


def _xml_path(want):
    return os.path.join(tempfile.gettempdir(), 'vmnet-doctor-nic-%s-%s.xml' % (
        re.sub(r'[^A-Za-z0-9_.-]', '_', want['domain']), want['mac'].replace(':', '')))


def _differs(want, nic):
    return nic is not None and ((want['link_state'] is not None and nic['link_state'] != want['link_state']) or
                                (want['network'] is not None and nic['network'] != want['network']))


def _edits(want, nic, scope):
    """Changes that bring one definition (``scope``: config or live) of the NIC to ``want``."""
    out, dom = [], want['domain']
    if want['network'] is not None and nic['network'] != want['network']:
        path = _xml_path(want)
        out.append({'action': 'write_xml', 'write': path, 'content': nic_xml(nic['xml'], want['network']),
                    'scope': scope})
        out.append({'action': 'set_network', 'scope': scope, 'network': want['network'],
                    'argv': _virsh(want, 'update-device', dom, path, '--' + scope)})
        out.append({'action': 'remove_xml', 'argv': ['rm', '-f', path]})
    if want['link_state'] is not None and nic['link_state'] != want['link_state']:
        out.append({'action': 'set_link', 'scope': scope, 'link_state': want['link_state'],
                    'argv': _virsh(want, 'domif-setlink', dom, want['mac'], want['link_state'], '--' + scope)})
    return out


def plan(want, have):
    changes, dom = [], want['domain']
    if have['persistent'] and _differs(want, have['config']):
        changes += _edits(want, have['config'], 'config')
    if not have['running'] or not _differs(want, have['live']):
        return changes
    if have['driver'] in LIVE_DRIVERS:
        return changes + _edits(want, have['live'], 'live')
    if not have['persistent']:
        raise DoctorError("the %s driver does not change the NIC of running guest '%s', and the guest is "
                          "transient (no definition to restart from): change it by hand" % (have['driver'], dom))
    if not want['restart']:
        raise DoctorError("the %s driver does not change the NIC of running guest '%s' (only its definition): "
                          "the change takes effect when the guest restarts; set restart: true to restart it "
                          "(the remediate role does when doctor_allow names the finding code)" % (have['driver'], dom))
    mode = ['--mode', 'signal'] if have['driver'] == 'lxc' else []
    return changes + [
        {'action': 'guest_shutdown', 'argv': _virsh(want, 'shutdown', dom, *mode)},
        {'action': 'destroy_if_running', 'domain': dom, 'timeout': want['shutdown_timeout'],
         'argv': _virsh(want, 'destroy', dom)},
        {'action': 'guest_start', 'argv': _virsh(want, 'start', dom)},
    ]


def _view(have, nic):
    return None if nic is None else {'link_state': nic['link_state'], 'network': nic['network']}


def states(want, have, changes):
    before = {'domain': have['domain'], 'mac': want['mac'], 'driver': have['driver'], 'running': have['running'],
              'config': _view(have, have['config']), 'live': _view(have, have['live'])}
    after = {'domain': have['domain'], 'mac': want['mac'], 'driver': have['driver'], 'running': have['running'],
             'config': dict(before['config'] or {}) or None, 'live': dict(before['live'] or {}) or None}
    for c in changes:
        scope = 'live' if c['action'] == 'guest_start' else c.get('scope')
        if c['action'] == 'guest_start':
            after['live'] = dict(after['config'] or {})
        elif c['action'] == 'set_network':
            after[scope]['network'] = c['network']
        elif c['action'] == 'set_link':
            after[scope]['link_state'] = c['link_state']
    return before, after


def warnings(want, have):
    out = []
    if want['network'] is not None and (have['config'] or have['live'] or {}).get('network') != want['network']:
        out.append("moving guest %s's NIC %s to network %s changes who can reach the guest" % (
            want['domain'], want['mac'], want['network']))
    if have['running'] and have['driver'] not in LIVE_DRIVERS and want['restart'] and _differs(want, have['live']):
        out.append('guest %s is restarted: the %s driver changes no running guest\'s NIC' % (
            want['domain'], have['driver']))
    return out


def _wait_shutoff(runner, change):
    """Poll domstate until the guest is shut off; power it off (virsh destroy) after the timeout."""
    deadline = time.time() + change['timeout']
    argv = change['argv'][:-2] + ['domstate', change['domain']]
    while True:
        rc, out, _err = runner.run(argv)
        if rc == 0 and to_text(out).strip() == 'shut off':
            return
        if time.time() >= deadline:
            runner.check(change['argv'])
            return
        time.sleep(0.2)


def apply(runner, changes):
    """The write path (as common.apply), with the wait for a guest shutdown and its power-off fallback."""
    done = []
    for change in changes:
        try:
            if change['action'] == 'destroy_if_running':
                _wait_shutoff(runner, change)
            elif 'argv' in change:
                runner.check(change['argv'])
            else:
                runner.write(change['write'], change['content'])
        except DoctorError as e:
            raise common.partial_failure(e, done)
        done.append(change)
