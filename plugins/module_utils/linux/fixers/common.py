# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers for the Linux fixers: a small command runner, input validators and the
collect -> plan -> apply driver used by every fixer module's main()."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json
import os
import re

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import C_LOCALE, checked
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import safe_write

C_ENV = C_LOCALE
_MAC_RE = re.compile(r'^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$')
_IFNAME_RE = re.compile(r'^[^/\s:]{1,15}$')


def argv_text(argv):
    """A readable one-line form of an argv list (for messages and results only)."""
    return ' '.join(to_text(a) for a in argv)


class Runner(object):
    """Runs argv lists through an AnsibleModule with LANG=C; records what it changed."""

    def __init__(self, module):
        self.module = module
        self.executed = []
        self._bins = {}

    def _resolve(self, argv):
        tool = argv[0]
        if os.path.isabs(tool):
            return list(argv)
        if tool not in self._bins:
            path = self.module.get_bin_path(tool, required=False)
            if not path:
                raise DoctorError("required tool '%s' was not found on the target" % tool)
            self._bins[tool] = path
        return [self._bins[tool]] + [to_text(a) for a in argv[1:]]

    def run(self, argv):
        """Run a command; return (rc, stdout, stderr) without judging the result."""
        return self.module.run_command(self._resolve(argv), environ_update=C_ENV)

    def check(self, argv):
        """Run a command that must succeed; raise DoctorError naming it otherwise."""
        return checked(self.run, argv)

    def module_bin(self, tool):
        """Path of ``tool`` on the target, or None."""
        return self.module.get_bin_path(tool, required=False)

    def filter(self, argv, data):
        """stdout of a command that reads ``data`` on stdin and changes nothing (``nmcli --offline``)."""
        rc, out, err = self.module.run_command(self._resolve(argv), data=data, binary_data=True,
                                               environ_update=C_ENV)
        if rc != 0:
            raise DoctorError('`%s` failed (rc=%s): %s' % (argv_text(argv), rc, (err or out).strip()))
        return out

    def json(self, argv):
        out = self.check(argv)
        if not out.strip():
            return []
        try:
            return json.loads(out)
        except ValueError as e:
            raise DoctorError("`%s` printed no valid JSON: %s" % (argv_text(argv), e))

    def read(self, path):
        """Content of a file, or None when it does not exist."""
        try:
            with open(path) as f:
                return f.read()
        except (IOError, OSError):
            return None

    def read_file(self, path, what='persist file'):
        """Content of a persist file, None when missing; anything but a regular file is refused
        (safe_write.read_regular)."""
        return safe_write.read_regular(path, what)

    def check_writable(self, path, what='persist file'):
        """DoctorError unless ``path`` is a regular file or missing in an existing directory."""
        safe_write.check_target(path, what)

    def write(self, path, content):
        """Replace a regular file atomically, keeping its mode and owner (safe_write.write_atomic):
        a symlink, device node or directory at ``path`` is refused."""
        safe_write.write_atomic(path, content)

    def remove(self, path, what='persist file'):
        """Delete a regular file (a persist file vmnet.doctor wrote); refuses anything else."""
        if safe_write.check_target(path, what) is None:
            return
        try:
            os.unlink(path)
        except OSError as e:
            raise DoctorError("cannot remove %s %s: %s" % (what, path, e.strerror))

    def write_proc(self, path, value):
        """Write a /proc/sys value in place (no temp file: procfs does not allow it)."""
        try:
            with open(path, 'w') as f:
                f.write(value)
        except (IOError, OSError) as e:
            raise DoctorError("cannot write %s: %s" % (path, e))


def apply(runner, changes):
    """The only write path: run each change in order; stop at the first failure.

    The DoctorError raised on failure says which earlier changes were already applied, so
    the user never has to guess what state the host was left in.
    """
    done = []
    for change in changes:
        try:
            if 'argv' in change:
                runner.check(change['argv'])
            elif 'proc' in change:
                runner.write_proc(change['proc'], change['content'])
            elif 'remove' in change:
                runner.remove(change['remove'])
            else:
                runner.write(change['write'], change['content'])
        except DoctorError as e:
            raise partial_failure(e, done)
        done.append(change)


def partial_failure(error, done):
    """The DoctorError for a failure after the changes ``done``: its message says what stays
    applied, and ``detail['applied']`` lists it (run_fixer then reports changed=true)."""
    if not done:
        return DoctorError('%s (nothing was changed)' % error, obj=error.obj, detail=error.detail)
    applied = [describe(c) for c in done]
    return DoctorError('%s (already applied before the failure, and left in place: %s)' % (error, '; '.join(applied)),
                       obj=error.obj, detail={'applied': applied})


def describe(change):
    if 'argv' in change:
        return argv_text(change['argv'])
    if 'proc' in change:
        return 'write %s to %s' % (change['content'].strip(), change['proc'])
    if 'remove' in change:
        return 'remove %s' % change['remove']
    return 'write %s' % change['write']


def change_view(change):
    """A planned change as a structured change of the fixer result shape: the change itself
    (``action`` always set, ``argv`` as text) without the content of a file it writes."""
    view = dict((k, v) for k, v in change.items() if k != 'content')
    if 'argv' in change:
        view.setdefault('action', 'run')
        view['argv'] = [to_text(a) for a in change['argv']]
    elif 'proc' in change:
        view.setdefault('action', 'write_proc')
        view['value'] = change['content'].strip()
    elif 'remove' in change:
        view.setdefault('action', 'remove_file')
    else:
        view.setdefault('action', 'write_file')
    return view


def gate(runner, fixer, params, check_mode, apply_hook=None):
    """collect -> plan -> (apply unless check mode, collect again): the one gate of the Linux fixers.

    Returns the one fixer result shape (``changed, changes, commands, before, after, warnings,
    runtime_only``). After a real run the state is collected again: ``after`` is what the host
    reports, and a plan that is still not empty (the change did not take) raises DoctorError. A fixer's
    optional ``warnings_after(want, again, changes)`` adds what the state read back then says."""
    want = fixer.want_from_params(params)
    have = fixer.collect(runner, want)
    changes = fixer.plan(want, have)
    before, after = fixer.states(want, have, changes)
    warnings = fixer.warnings(want, have) if hasattr(fixer, 'warnings') else []
    saved = None
    if params.get('persist') and hasattr(fixer, 'persist_settings'):
        # imported only when asked for: a fixer compiles what it imports at every call
        from ansible_collections.vmnet.doctor.plugins.module_utils.linux import persist
        saved = persist.plan(runner, fixer.persist_settings(want, have))
        warnings = list(warnings) + saved['warnings'] + saved['skipped']
    kernel = changes
    changes = changes + (saved['changes'] if saved else [])
    if changes and not check_mode:
        if kernel:
            (apply_hook or apply)(runner, kernel)
        if saved and saved['changes']:
            try:
                apply(runner, saved['changes'])
            except DoctorError as e:
                raise DoctorError(to_text(e), detail={'applied': [describe(c) for c in kernel]})
        again = fixer.collect(runner, want)
        after = fixer.states(want, again, [])[0]
        if hasattr(fixer, 'warnings_after'):
            warnings = list(warnings) + fixer.warnings_after(want, again, kernel)
        left = fixer.plan(want, again)
        if saved:
            from ansible_collections.vmnet.doctor.plugins.module_utils.linux import persist
            left += persist.plan(runner, fixer.persist_settings(want, again))['changes']
        if left:
            raise DoctorError('the change was applied but the host still differs: %s would still be needed'
                              % '; '.join(describe(c) for c in left),
                              detail={'applied': [describe(c) for c in changes]})
    runtime_only = fixer.runtime_only(want) if callable(getattr(fixer, 'runtime_only', None)) \
        else fixer.RUNTIME_ONLY
    result = dict(changed=bool(changes), changes=[change_view(c) for c in changes],
                  commands=[describe(c) for c in changes], before=before, after=after, warnings=list(warnings),
                  runtime_only=runtime_only)
    if saved is not None:
        result['before'] = dict(before, persisted=saved['before'])
        result['after'] = dict(result['after'], persisted=saved['after'])
        result['persisted'] = saved['persisted']
        result['persist_skipped'] = saved['skipped']
        result['runtime_only'] = bool(saved['skipped']) or not saved['persisted']
    return result


def run_fixer(module, fixer, apply_hook=None):
    """A fixer module's main(): ``gate`` with the module's runner, then exit_json/fail_json."""
    try:
        result = gate(Runner(module), fixer, module.params, module.check_mode, apply_hook)
    except DoctorError as e:
        applied = (e.detail or {}).get('applied') if isinstance(e.detail, dict) else None
        if applied:   # a partial change is a change: say so, and what stays applied
            module.fail_json(msg=to_text(e), changed=True, applied=applied)
        module.fail_json(msg=to_text(e))
    for w in result.pop('warnings'):
        module.warn(w)
    if module._diff:
        result['diff'] = dict(before=result['before'], after=result['after'])
    module.exit_json(**result)


# ---------------------------------------------------------------- input validators (pure)

def parse_ip(value, what='address'):
    """Canonical string and family of an IP address, or DoctorError."""
    try:
        ip = ipaddress.ip_address(to_text(value).strip())
    except ValueError:
        raise DoctorError("%s '%s' is not a valid IPv4 or IPv6 address" % (what, value))
    return str(ip), 'ipv%d' % ip.version


def strict_network(value, what='prefix', kind='prefix'):
    """The ``ipaddress`` network of a prefix without host bits (an address is a /32 or /128), or
    DoctorError: not a ``kind``, or host bits set (saying the prefix meant)."""
    text = to_text(value).strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise DoctorError("%s '%s' is not a valid IPv4 or IPv6 %s" % (what, value, kind))
        raise DoctorError("%s '%s' has host bits set (did you mean %s?)" % (what, value, loose))


def parse_prefix(value, what='prefix'):
    """Canonical network string ('10.0.0.0/24', host routes '/32') and family."""
    net = strict_network(value, what)
    return str(net), 'ipv%d' % net.version


def route_dst(dst, family):
    """Normalise a `dst` of `ip -j route` ('default', '10.0.0.5', '10.0.0.0/24')."""
    if dst == 'default':
        return '0.0.0.0/0' if family == 'ipv4' else '::/0'
    if '/' not in dst:
        dst += '/32' if family == 'ipv4' else '/128'
    return str(ipaddress.ip_network(dst, strict=False))


def parse_mac(value):
    text = to_text(value).strip().lower()
    if not _MAC_RE.match(text):
        raise DoctorError("mac '%s' is not a valid MAC address (expected 52:54:00:12:34:56)" % value)
    mac = text.replace('-', ':')
    if int(mac.split(':')[0], 16) & 1:
        raise DoctorError("mac '%s' is a multicast/broadcast address, not a host's" % value)
    return mac


def check_ifname(value, what='interface'):
    text = to_text(value)
    if not _IFNAME_RE.match(text):
        raise DoctorError("%s '%s' is not a valid Linux interface name" % (what, value))
    return text


def family_flag(family):
    return '-4' if family == 'ipv4' else '-6'


def require_link(links, name, what='interface'):
    """The interface ``name`` of ``links`` ({name: schema interface}, KernelState.interfaces)."""
    if name not in links:
        raise DoctorError("%s '%s' does not exist on this host (known: %s)"
                          % (what, name, ', '.join(sorted(links)) or 'none'))
    return links[name]


def connected_networks(links, family, device=None):
    """[(ifname, ip_interface)] of the addresses in a family of the schema interfaces ``links``
    ({name: interface}, read with their addresses)."""
    out = []
    for name, iface in links.items():
        if device is not None and name != device:
            continue
        for a in iface.get('addresses') or []:
            if a['family'] != family or a['prefixlen'] is None:
                continue
            out.append((name, ipaddress.ip_interface(u'%s/%s' % (a['address'], a['prefixlen']))))
    return out


def not_a_host(ip):
    """True for addresses no neighbour or next hop can have: unspecified, loopback, multicast,
    the IPv4 limited broadcast."""
    return ip.is_unspecified or ip.is_loopback or ip.is_multicast or ip == ipaddress.ip_address(u'255.255.255.255')


def subnet_reserved(ip, net):
    """'network' or 'broadcast' when ``ip`` is that address of the subnet ``net`` (IPv4 /0-/30;
    IPv6: the subnet-router anycast address of /0-/126), else None."""
    if ip.version != net.version or ip not in net or net.prefixlen == 0 or net.prefixlen >= net.max_prefixlen - 1:
        return None
    if ip == net.network_address:
        return 'network'
    if net.version == 4 and ip == net.broadcast_address:
        return 'broadcast'
    return None


def check_gateway_connected(gateway, family, links, device=None, link_routes=None):
    """Refuse a gateway that is not on a connected subnet (or is one of our own addresses).

    Connected = the subnet of an address of the host, or a device route (a route without a
    next hop, e.g. `ip route add 10.0.0.0/24 dev eth0`) of the main table in `link_routes`
    ([(dst prefix, dev)]). Returns the interfaces whose subnet holds the gateway. IPv6
    link-local gateways need a device and are connected on any interface."""
    ip = ipaddress.ip_address(gateway)
    if not_a_host(ip):
        raise DoctorError("gateway %s is an unspecified, loopback, multicast or broadcast address, not a "
                          "next hop" % gateway)
    nets = connected_networks(links, family, device)
    for ifname, iface in nets:
        if iface.ip == ip:
            raise DoctorError("gateway %s is an address of this host (%s), not a next hop" % (gateway, ifname))
    for dst, dev in [(str(iface.network), n) for n, iface in nets] + list(link_routes or []):
        reserved = subnet_reserved(ip, ipaddress.ip_network(dst))
        if reserved:
            raise DoctorError("gateway %s is the %s address of the connected subnet %s (%s), not a host: "
                              "a route through it is dead" % (gateway, reserved, dst, dev))
    if family == 'ipv6' and ip.is_link_local:
        if device is None:
            raise DoctorError("gateway %s is an IPv6 link-local address: device is required" % gateway)
        return [device]
    on = set(ifname for ifname, iface in nets
             if ip in iface.network and iface.network.prefixlen < iface.max_prefixlen)
    for dst, dev in link_routes or []:
        net = ipaddress.ip_network(dst)
        if net.prefixlen and ip in net and (device is None or dev == device):
            on.add(dev)
    if not on:
        where = ("device %s" % device) if device else "any interface"
        subnets = ', '.join(sorted(set('%s (%s)' % (iface.network, n) for n, iface in nets))) or 'none'
        raise DoctorError("gateway %s is not on a connected subnet of %s (connected %s subnets: %s)"
                          % (gateway, where, family, subnets))
    return sorted(on)
