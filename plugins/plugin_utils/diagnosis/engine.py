# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diagnosis engine: validate the input, walk each path hop by hop, decide the status.

Pure: takes facts and probe results (dicts), returns findings (dicts). No I/O.

The walk follows an ICMP echo: forward (source host -> switch/hypervisor -> VM) then the
reply (VM -> switch/hypervisor -> source host). When a reverse probe (VM pings the host) is
given, the checks specific to that direction are added. Every check is recorded as pass,
fail or skipped (with the reason), so a path nothing explains says what was looked at.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import (
    HostView, SECTIONS_DICT, SECTIONS_LIST, family_of, ip_obj)
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext, path_order_key, public
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.topology import resolve
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_firewall as fw
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_l2 as l2
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_ovs as ovs
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_l3 as l3
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_libvirt as lv
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_vbox as vbox
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_vmws as vmws
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_windows as win
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_hyperv_nat as hvnat
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_vmware as vmw
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_witness as wit

PATH_KEYS = ('name', 'source', 'target_ip', 'target_host', 'hypervisor', 'source_facts', 'target_facts',
             'hypervisor_facts', 'vmware_facts', 'vmware', 'probes', 'witness')
PROBE_KEYS = ('forward', 'reverse', 'forward_large', 'reverse_large')
# Faults that come and go: a passing probe does not contradict them.
INTERMITTENT = ('IP_CONFLICT', 'DUPLICATE_MAC')


# ----------------------------------------------------------------------------- validation

def _facts(value, where):
    """Validated facts dict (unwrapping {'vmnet_doctor': {...}}); DoctorError when malformed."""
    if isinstance(value, dict) and list(value.keys()) == ['vmnet_doctor']:
        value = value['vmnet_doctor']
    if not isinstance(value, dict):
        raise DoctorError('%s must be a dict of facts (docs/facts_schema.md), got %s' % (where, type(value).__name__))
    version = value.get('schema_version')
    if version is not None and version != 1:
        raise DoctorError('%s.schema_version is %r; this engine reads schema version 1' % (where, version))
    if 'interfaces' not in value:
        raise DoctorError('%s has no interfaces section: not a vmnet_doctor facts dict' % where)
    for name in SECTIONS_LIST:
        if value.get(name) is not None and not isinstance(value.get(name), list):
            raise DoctorError('%s.%s must be a list' % (where, name))
    for name in SECTIONS_DICT:
        if value.get(name) is not None and not isinstance(value.get(name), dict):
            raise DoctorError('%s.%s must be a dict' % (where, name))
    for index, iface in enumerate(value.get('interfaces') or []):
        if not isinstance(iface, dict) or not iface.get('name'):
            raise DoctorError('%s.interfaces[%d] must be a dict with a name' % (where, index))
        if iface.get('addresses') is not None and not isinstance(iface.get('addresses'), list):
            raise DoctorError('%s.interfaces[%d].addresses must be a list' % (where, index))
    return value


def _probe(value, where, required):
    if value is None:
        if required:
            raise DoctorError('%s is required (an icmp_probe result)' % where)
        return None
    if not isinstance(value, dict):
        raise DoctorError('%s must be a dict (an icmp_probe result)' % where)
    if not isinstance(value.get('reachable'), bool):
        raise DoctorError('%s.reachable must be true or false' % where)
    return value


def validate_path(path, index=0):
    """Normalised copy of one path; DoctorError naming the bad key otherwise."""
    where = 'paths[%d]' % index
    if not isinstance(path, dict):
        raise DoctorError('%s must be a dict' % where)
    unknown = sorted(set(path) - set(PATH_KEYS))
    if unknown:
        raise DoctorError('%s: unknown key(s) %s (expected %s)' % (where, ', '.join(unknown), ', '.join(PATH_KEYS)))
    for key in ('source', 'target_ip', 'source_facts', 'probes'):
        if path.get(key) in (None, ''):
            raise DoctorError('%s.%s is required' % (where, key))
    if ip_obj(path['target_ip']) is None:
        raise DoctorError('%s.target_ip %r is not an IP address' % (where, path['target_ip']))
    out = dict(path)
    out['target_ip'] = str(ip_obj(path['target_ip']))
    out['source_facts'] = _facts(path['source_facts'], '%s.source_facts' % where)
    for key, host_key in (('target_facts', 'target_host'), ('hypervisor_facts', 'hypervisor')):
        if path.get(key) is not None:
            out[key] = _facts(path[key], '%s.%s' % (where, key))
            if not path.get(host_key):
                raise DoctorError('%s.%s is required with %s (the inventory host a fix would run on)'
                                  % (where, host_key, key))
    if path.get('vmware_facts') is not None and not isinstance(path['vmware_facts'], dict):
        raise DoctorError('%s.vmware_facts must be a dict' % where)
    if path.get('vmware') is not None and not isinstance(path['vmware'], dict):
        raise DoctorError('%s.vmware must be a dict of VMware identifiers' % where)
    out['vmware'] = vmw.clean_identifiers(path.get('vmware'))
    if path.get('witness') is not None:
        if not isinstance(path['witness'], dict) or set(path['witness']) - set(wit.ROLES):
            raise DoctorError('%s.witness must be a dict of packet_witness results by role (%s)'
                              % (where, ', '.join(wit.ROLES)))
    probes = path['probes']
    if not isinstance(probes, dict):
        raise DoctorError('%s.probes must be a dict with at least forward' % where)
    unknown = sorted(set(probes) - set(PROBE_KEYS))
    if unknown:
        raise DoctorError('%s.probes: unknown key(s) %s (expected %s)' % (where, ', '.join(unknown), ', '.join(PROBE_KEYS)))
    out['probes'] = dict((k, _probe(probes.get(k), '%s.probes.%s' % (where, k), k == 'forward'))
                         for k in PROBE_KEYS)
    for key in ('name', 'source', 'target_host', 'hypervisor'):
        if path.get(key) is not None and not isinstance(path.get(key), str):
            raise DoctorError('%s.%s must be a string' % (where, key))
    out['name'] = path.get('name') or '%s -> %s' % (path['source'], out['target_ip'])
    _check_target_owner(out, where)
    return out


def _check_target_owner(path, where):
    """DoctorError when target_ip names no VM of the path: the source's own address, an address of
    another host of the path, or (the VM having addresses of that family) none of the VM's.

    Such a path tests nothing the user asked about; diagnosing it would blame an IP conflict or a
    duplicate MAC with high confidence. A VM with no address of the family at all keeps its finding
    (ADDRESS_MISSING): that is a fault, not a typo."""
    target_ip = path['target_ip']
    family = family_of(target_ip)
    roles = (('source', 'source', 'source_facts'), ('hypervisor', 'hypervisor', 'hypervisor_facts'),
             ('target_host', 'target_host', 'target_facts'))
    views = [(role, HostView(role, path.get(host_key), path.get(key))) for role, host_key, key in roles]
    owners = dict((role, view.iface_by_address(target_ip)[0]) for role, view in views if view.present)
    target = dict(views)['target_host']
    if owners.get('target_host') is not None:
        return
    for role in ('source', 'hypervisor'):
        iface = owners.get(role)
        if iface is not None:
            raise DoctorError(
                '%s: target_ip %s is an address of the %s %s itself (interface %s), not of a VM: a host that '
                'pings its own address tests no path. Give the VM\'s address as target_ip%s.' % (
                    where, target_ip, role, path.get(role), iface.get('name'),
                    '' if role == 'source' else ' (or leave hypervisor out)'), obj=target_ip)
    if not target.present:
        return
    held = ['%s/%s' % (a.get('address'), a.get('prefixlen')) for i, a in target.addresses(family)
            if i.get('kind') != 'loopback' and i.get('name') != 'lo' and a.get('scope') not in ('host', 'link')]
    if held:
        raise DoctorError(
            '%s: target_ip %s is not an address of target_host %s (it holds %s). Give one of its addresses as '
            'target_ip, or as target_host the VM that holds %s; if %s should hold it, configure it there.' % (
                where, target_ip, path.get('target_host'), ', '.join(held), target_ip, path.get('target_host')),
            obj=target_ip)


def validate(paths):
    if not isinstance(paths, list) or not paths:
        raise DoctorError('paths must be a non-empty list of path dicts')
    return [validate_path(p, i) for i, p in enumerate(paths)]


# ----------------------------------------------------------------------------- the walk

def _walk(ctx, probes):
    topo = ctx.topology
    src_ip, dst_ip = topo.get('source_ip'), ctx.target_ip
    hv_in, hv_out = topo.get('hv_in') or {}, topo.get('hv_out') or {}
    t_iface = topo.get('target_iface') or {}
    fwd_only, rev_only = ('forward',), ('reverse',)

    # forward: source host
    l3.check_source_route(ctx)
    l2.check_source_link(ctx)
    l3.check_source_address(ctx)
    l3.check_neighbor(ctx, 'source', topo.get('source_next_hop'), (topo.get('source_iface') or {}).get('name'),
                      'forward', 'source.neighbor')
    fw.check_icmp(ctx, 'source', 'output', 'echo-request', src_ip, dst_ip, 'forward',
                  'source.firewall.output.echo-request', fwd_only)
    # forward: switch / hypervisor
    l2.check_hv_port(ctx, 'src')
    l2.check_hv_port(ctx, 'vm')
    l2.check_vlan(ctx)
    ovs.check_ovs(ctx)
    lv.check_libvirt(ctx)
    vbox.check_virtualbox(ctx)
    vmws.check_vmware_workstation(ctx)
    win.check_hyperv(ctx)
    hvnat.check_hyperv_nat(ctx)
    l2.check_mac_filters(ctx)
    l3.check_forwarding(ctx)
    if topo.get('routed'):
        l3.check_rp_filter(ctx, 'switch', hv_in.get('name'), src_ip, 'forward', 'switch.rp_filter.forward')
    l3.check_hv_route(ctx, dst_ip, 'forward', 'switch.route_to_target')
    fw.check_icmp(ctx, 'switch', 'forward', 'echo-request', src_ip, dst_ip, 'forward',
                  'switch.firewall.forward.echo-request', fwd_only)
    if topo.get('routed'):
        l3.check_neighbor(ctx, 'switch', dst_ip, hv_out.get('name'), 'forward', 'switch.neighbor')
    # forward: VM
    l3.check_target_address(ctx)
    l2.check_target_link(ctx)
    l3.check_subnet(ctx)
    l3.check_ip_conflict(ctx)
    l2.check_duplicate_mac(ctx, [HostView('vmware', 'vmware', ctx.vmware_facts)] if ctx.vmware_facts else [])
    vmw.check_vmware(ctx)
    l3.check_rp_filter(ctx, 'target', t_iface.get('name'), src_ip, 'forward', 'target.rp_filter')
    fw.check_icmp(ctx, 'target', 'input', 'echo-request', src_ip, dst_ip, 'forward',
                  'target.firewall.input.echo-request', fwd_only)
    fw.check_icmp_ignored(ctx, 'target', 'forward', 'target.icmp_echo_ignore_all', fwd_only)
    large = probes.get('forward_large')
    l2.check_mtu(ctx, None if (large or {}).get('mtu_evidence') is False else large)
    # return: VM
    l3.check_target_route_back(ctx)
    t_route = topo.get('target_route') or {}
    if t_route.get('ok'):
        l3.check_neighbor(ctx, 'target', t_route.get('gateway') or src_ip, t_route.get('dev'), 'return',
                          'target.neighbor')
    fw.check_icmp(ctx, 'target', 'output', 'echo-reply', dst_ip, src_ip, 'return',
                  'target.firewall.output.echo-reply', fwd_only)
    # return: switch / hypervisor
    l3.check_hv_route(ctx, src_ip, 'return', 'switch.route_to_source')
    if topo.get('routed'):
        l3.check_rp_filter(ctx, 'switch', hv_out.get('name'), dst_ip, 'return', 'switch.rp_filter.return')
    fw.check_icmp(ctx, 'switch', 'forward', 'echo-reply', dst_ip, src_ip, 'return',
                  'switch.firewall.forward.echo-reply', fwd_only)
    # return: source host
    l3.check_rp_filter(ctx, 'source', _reply_iface(ctx), dst_ip, 'return', 'source.rp_filter')
    fw.check_icmp(ctx, 'source', 'input', 'echo-reply', dst_ip, src_ip, 'return',
                  'source.firewall.input.echo-reply', fwd_only)

    if probes.get('reverse') is not None:
        # The VM pings the host: its request travels the return path, its reply the forward path.
        fw.check_icmp(ctx, 'target', 'output', 'echo-request', dst_ip, src_ip, 'return',
                      'reverse.target.firewall.output.echo-request', rev_only)
        fw.check_icmp(ctx, 'switch', 'forward', 'echo-request', dst_ip, src_ip, 'return',
                      'reverse.switch.firewall.forward.echo-request', rev_only)
        fw.check_icmp(ctx, 'source', 'input', 'echo-request', dst_ip, src_ip, 'return',
                      'reverse.source.firewall.input.echo-request', rev_only)
        fw.check_icmp_ignored(ctx, 'source', 'return', 'reverse.source.icmp_echo_ignore_all', rev_only)
        fw.check_icmp(ctx, 'source', 'output', 'echo-reply', src_ip, dst_ip, 'forward',
                      'reverse.source.firewall.output.echo-reply', rev_only)
        fw.check_icmp(ctx, 'switch', 'forward', 'echo-reply', src_ip, dst_ip, 'forward',
                      'reverse.switch.firewall.forward.echo-reply', rev_only)
        fw.check_icmp(ctx, 'target', 'input', 'echo-reply', src_ip, dst_ip, 'forward',
                      'reverse.target.firewall.input.echo-reply', rev_only)


def _reply_iface(ctx):
    """The source interface the echo reply arrives on: the one connected to the last hop."""
    src, hv, topo = ctx.view('source'), ctx.view('switch'), ctx.topology
    if topo.get('routed'):
        back = hv.route_to(topo.get('source_ip')) if topo.get('source_ip') else None
        if back and back.get('ok'):
            if back.get('gateway'):
                iface, _a = src.iface_by_address(back['gateway'])
                if iface is not None:
                    return iface.get('name')
            for addr in (hv.iface(back.get('dev')) or {}).get('addresses') or []:
                iface, _a = src.connected(addr.get('address'))
                if iface is not None:
                    return iface.get('name')
    if topo.get('routed') and topo.get('hv_in'):
        for addr in topo['hv_in'].get('addresses') or []:
            iface, _a = src.connected(addr.get('address'))
            if iface is not None:
                return iface.get('name')
    if topo.get('on_link'):
        iface, _a = src.connected(ctx.target_ip)
        if iface is not None:
            return iface.get('name')
    return (topo.get('source_iface') or {}).get('name')


# ----------------------------------------------------------------------------- status

def _large_inconclusive(probe, ctx):
    """Why a large probe says nothing about the path (it did not fit the source's own MTU), or None."""
    overhead = 48 if ctx.topology.get('family') == 'ipv6' else 28
    packet = (probe.get('size') or 0) + overhead
    local_mtu = probe.get('route_mtu') or (ctx.topology.get('source_iface') or {}).get('mtu')
    if local_mtu and packet > local_mtu:
        return '%d-byte packet exceeds the source MTU %s' % (packet, local_mtu)
    if any('local error' in str(e).lower() for e in probe.get('errors') or []):
        return 'the source refused to send it (%s)' % '; '.join(str(e) for e in probe['errors'])
    return None


def probe_outcome(probes, ctx):
    """(passed, failed) probe kinds among forward, reverse, large; records a check per probe."""
    passed, failed = set(), set()
    for key in ('forward', 'reverse', 'forward_large', 'reverse_large'):
        probe = probes.get(key)
        if probe is None:
            continue
        kind = 'large' if key.endswith('large') else key
        detail = '%s: %s/%s replies, size %s%s' % (
            probe.get('target') or probe.get('address') or ctx.target_ip, probe.get('received'), probe.get('sent'),
            probe.get('size'), ', DF' if probe.get('dont_fragment') else '')
        if probe.get('local_error'):
            detail += '; the source refused to send it: %s%s' % (probe['local_error'], l3.refusing_text(probe))
        why = _large_inconclusive(probe, ctx) if kind == 'large' and not probe.get('reachable') else None
        if kind == 'large' and probe.get('mtu_evidence') is False:
            why = probe.get('mtu_note') or 'the prober says this result is no MTU evidence'     # Windows IPv6
        if why:
            ctx.skipped('probe.%s' % key, 'source' if key.startswith('forward') else 'target',
                        '%s; inconclusive: %s' % (detail, why))
            continue
        if kind == 'large' and probe.get('frag_needed'):
            ctx.passed('probe.%s' % key, 'source', '%s; a router reported a smaller path MTU (%s): PMTU '
                       'discovery works' % (detail, ', '.join(str(e) for e in probe.get('errors') or [])))
            continue
        ok = bool(probe.get('reachable'))
        (passed if ok else failed).add(kind)
        ctx.check('probe.%s' % key, 'source' if key.startswith('forward') else 'target', 'pass' if ok else 'fail',
                  detail)
    if 'large' in passed and 'large' in failed:
        passed.discard('large')
    return passed, failed


def _settle(ctx, passed):
    """Drop explained symptoms, turn probe-contradicted findings into notes, order by path."""
    findings = ctx.findings
    if any(not f['_symptom'] for f in findings):
        for f in [f for f in findings if f['_symptom']]:
            ctx.checks.append({'id': 'symptom.%s' % f['code'].lower(), 'status': 'fail', 'host': f['host'],
                               'detail': '%s (not reported: the other findings explain the path)' % f['message']})
        findings = [f for f in findings if not f['_symptom']]
    real, notes = [], []
    for f in findings:
        contradicted = [p for p in f['_breaks'] if p in passed]
        if contradicted and f['code'] not in INTERMITTENT:
            notes.append(public(f, confidence='low', contradicted_by=contradicted,
                                message='Probe %s succeeded, yet the facts suggest: %s' % (
                                    '/'.join(contradicted), f['message'])))
        else:
            real.append(f)
    real.sort(key=path_order_key)
    return real, notes


def verdict(reachable, findings, failed, blind=None):
    """The status of a path: ``ok`` only when the forward probe answers, every other probe that ran
    answers, no finding stands and nothing the path needs went unread (``blind``); ``broken`` when a
    finding breaks the forward path; ``degraded`` when reachable but something is wrong or unknown;
    ``unexplained`` otherwise. report.path_verdict turns it into the verdict both playbooks print."""
    if not reachable:
        return 'broken' if [f for f in findings if 'forward' in f['_breaks']] else 'unexplained'
    if findings or failed or blind:
        return 'degraded'
    return 'ok'


def _vmware_unread(ctx, path):
    """Why the VMware checks of a path with VMware identifiers could not run (no facts), else None."""
    ids = path.get('vmware') or {}
    if path.get('vmware_facts') is not None or not (ids.get('hostname') or ids.get('vm_name')):
        return None
    why = 'the vSphere facts of %s (VM %s) were not read (vCenter unreadable or the VM not found): the VMware ' \
          'checks did not run' % (ids.get('hostname') or 'the vCenter', ids.get('vm_name') or '?')
    ctx.checks.append({'id': 'vmware.facts', 'status': 'fail', 'host': ids.get('hostname') or 'vmware',
                       'detail': why})
    return why


def _summary(name, status, findings, checks, failed, blind=None):
    counts = dict((s, len([c for c in checks if c['status'] == s])) for s in ('pass', 'fail', 'skipped'))
    ran = '%d checks (%d passed, %d skipped)' % (len(checks), counts['pass'], counts['skipped'])
    labels = []
    for f in findings:
        label = '%s on %s (%s)' % (f['code'], f['host'], _obj_label(f['object']))
        if label not in labels:
            labels.append(label)
    causes = '; '.join(labels)
    if status == 'ok':
        return '%s: reachable; %s' % (name, ran)
    if status == 'broken':
        return '%s: unreachable: %s' % (name, causes)
    if status == 'degraded':
        if findings:
            return '%s: reachable, but %s%s' % (name, causes, '; %s' % blind if blind else '')
        if blind and not failed - set(['forward']):
            return '%s: reachable, but %s; %s' % (name, blind, ran)
        return '%s: reachable, but the %s probe failed and no check explains it; %s' % (
            name, '/'.join(sorted(failed - set(['forward']))), ran)
    tail = '; findings that do not explain it: %s' % causes if findings else ''
    if blind:
        return '%s: unreachable and no check explains it; %s; %s%s' % (name, blind, ran, tail)
    return '%s: unreachable and no check explains it; %s%s' % (name, ran, tail)


def _obj_label(obj):
    obj = obj or {}
    for key in ('name', 'handle', 'rule_number', 'address', 'mac', 'vid', 'destination', 'dst'):
        if obj.get(key) is not None:
            return '%s %s' % (obj.get('type'), obj.get(key))
    return obj.get('type') or 'object'


def diagnose_path(path):
    """Diagnose one validated path (see validate_path). Returns the path result dict."""
    views = {
        'source': HostView('source', path['source'], path['source_facts']),
        'switch': HostView('switch', path.get('hypervisor'), path.get('hypervisor_facts')),
        'target': HostView('target', path.get('target_host'), path.get('target_facts')),
    }
    if path.get('vmware_facts') is not None:
        views['vmware'] = HostView('vmware', (path.get('vmware') or {}).get('hostname') or 'vmware',
                                   path['vmware_facts'])
    ctx = PathContext(path['name'], views, path['target_ip'])
    ctx.vmware_facts = path.get('vmware_facts')
    ctx.vmware = path.get('vmware') or {}
    probes = path['probes']
    resolve(ctx)
    passed, failed = probe_outcome(probes, ctx)
    _walk(ctx, probes)
    lv.settle(ctx)
    l3.check_send_refused(ctx, probes.get('forward'))
    win.adapt_fixes(ctx)
    blind = _vmware_unread(ctx, path)
    witness = wit.apply(ctx, path.get('witness'), 'forward' in passed)
    findings, notes = _settle(ctx, passed)
    reachable = 'forward' in passed
    status = verdict(reachable, findings, failed, blind)
    out_findings = [public(f) for f in findings]
    result = {
        'name': path['name'],
        'source': path['source'],
        'target_ip': path['target_ip'],
        'source_ip': ctx.topology.get('source_ip'),
        'family': family_of(path['target_ip']),
        'topology': 'routed' if ctx.topology.get('routed') else (
            'bridged' if views['switch'].present else 'unknown'),
        'status': status,
        'reachable': reachable,
        'findings': out_findings,
        'notes': notes,
        'checks': ctx.checks,
        'summary': _summary(path['name'], status, out_findings, ctx.checks, failed, blind),
    }
    if witness is not None:
        result['witness'] = witness
    return result


def diagnose(paths):
    """Validate and diagnose a list of paths. Returns the action plugin result (minus changed)."""
    results = [diagnose_path(p) for p in validate(paths)]
    return {
        'paths': results,
        'findings_total': sum(len(r['findings']) for r in results),
        'broken_paths': [r['name'] for r in results if r['status'] in ('broken', 'unexplained')],
    }
