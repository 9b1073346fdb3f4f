# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data flow of a diagnosis run around the engine: pure functions, no I/O, inputs never mutated.

The diagnose role runs in three steps, and each step's data shaping is here:

1. ``normalise_paths(raw, known_hosts)`` validates the role input once (clear errors: empty list,
   missing key, invalid IP, unknown host) and gives every path all its keys and a name; the vCenter
   passwords are dropped from the paths and kept apart by ``vmware_credentials``.
   ``collection_plan`` says which host probes what; ``vmware_scopes`` which vSphere facts to read.
2. On every host, after the forward probes: ``host_plan`` (peers, forwarded flows, reverse targets).
3. On the controller: ``result(paths, collected, vmware, diagnose)`` turns what the hosts
   registered into the engine's input, skips the paths whose source could not be read or probed,
   calls the engine and merges its result back into one result per input path - the role's public
   ``diagnose_result``.

``collected`` is ``{facts, forward, forward_large, reverse}``, each ``{host: registered result}``
(what a task registered on that host: ``{results: [...]}`` for the probes, ``{ansible_facts:
{vmnet_doctor: ...}}`` for the facts, or a failed/unreachable/skipped result).
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import ipaddress

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

SECRET_KEYS = ('password', 'pass', 'pwd')
HOST_KEYS = ('source', 'target_host', 'hypervisor')
PROBE_CLASSES = ('forward', 'forward_large', 'reverse')
DEFAULT_VMWARE_PORT = 443


# ----------------------------------------------------------------------------- input

def utc_now():
    """Now, in UTC, as the reports' timings write it (ISO 8601 with microseconds and Z)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def canonical_ip(value):
    """The canonical text of an IP address (a ``%zone`` suffix kept), or None when it is not one."""
    text = str(value if value is not None else '').strip()
    address, sep, zone = text.partition('%')
    try:
        out = str(ipaddress.ip_address(address))
    except ValueError:
        return None
    return out + sep + zone if sep and zone else out


def _text(value):
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def normalise_path(raw, index=0, known_hosts=None, what='diagnose_paths'):
    """One validated path: ``name, source, target_ip, target_host, hypervisor, vmware`` (every key
    present; absent hosts None; ``vmware`` without secrets and None values, ``{}`` when absent)."""
    where = '%s[%d]' % (what, index)
    if not isinstance(raw, dict):
        raise DoctorError('%s must be a dict with source and target_ip, got %r' % (where, raw))
    source = _text(raw.get('source'))
    target = _text(raw.get('target_ip'))
    for key, value in (('source', source), ('target_ip', target)):
        if value is None:
            raise DoctorError('%s: %s is required' % (where, key))
    name = _text(raw.get('name')) or '%s -> %s' % (source, target)
    where = '%s (%s)' % (where, name)
    address = canonical_ip(target)
    if address is None:
        raise DoctorError('%s is invalid: target_ip must be an IPv4 or IPv6 address (got %r)' % (where, target))
    vmware = raw.get('vmware') or {}
    if not isinstance(vmware, dict):
        raise DoctorError('%s is invalid: vmware must be a dict of VMware identifiers' % where)
    path = {'name': name, 'source': source, 'target_ip': address,
            'target_host': _text(raw.get('target_host')), 'hypervisor': _text(raw.get('hypervisor')),
            'vmware': dict((k, v) for k, v in vmware.items() if k not in SECRET_KEYS and v is not None)}
    if known_hosts is not None:
        known = set(known_hosts)
        unknown = ['%s %r' % (k, path[k]) for k in HOST_KEYS if path[k] is not None and path[k] not in known]
        if unknown:
            raise DoctorError('%s is invalid: source, target_host and hypervisor must be inventory hosts; '
                              'not in the inventory: %s' % (where, ', '.join(unknown)))
    return path


def normalise_paths(raw_paths, known_hosts=None, what='diagnose_paths'):
    """Validate and normalise the role input (see ``normalise_path``). DoctorError on the first bad path."""
    if raw_paths is None or (isinstance(raw_paths, list) and not raw_paths):
        raise DoctorError('%s is empty: give at least one path (source, target_ip), '
                          'e.g. -e doctor_source=HOST -e doctor_target_ip=ADDRESS' % what)
    if not isinstance(raw_paths, list):
        raise DoctorError('%s must be a list of paths, got %s' % (what, type(raw_paths).__name__))
    return [normalise_path(p, i, known_hosts, what) for i, p in enumerate(raw_paths)]


def credentials_key(vmware):
    """``hostname|port|username``: the key of a vCenter password (``remediation.vmware_key`` builds
    the same from a fixer's arguments)."""
    vmware = vmware or {}
    return '%s|%s|%s' % (vmware.get('hostname'), int(vmware.get('port') or DEFAULT_VMWARE_PORT),
                         vmware.get('username'))


def vmware_credentials(raw_paths):
    """``{credentials_key: password}`` of the raw paths that give a password (``password``, ``pass``
    or ``pwd``). Only for no_log module arguments: never in paths, facts or reports."""
    out = {}
    for raw in raw_paths or []:
        vmware = (raw or {}).get('vmware') if isinstance(raw, dict) else None
        if not isinstance(vmware, dict):
            continue
        secret = next((vmware[k] for k in SECRET_KEYS if vmware.get(k) is not None), None)
        if secret is not None:
            out[credentials_key(vmware)] = str(secret)
    return out


def _unique(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def hosts_involved(paths):
    """Every inventory host of the paths, in order: the sources, then the VMs, then the hypervisors."""
    return _unique([p['source'] for p in paths] + [p['target_host'] for p in paths if p.get('target_host')]
                   + [p['hypervisor'] for p in paths if p.get('hypervisor')])


def vmware_scopes(paths):
    """The distinct vSphere reads: one per vCenter, port, user, VM name and datacenter (with a
    datacenter the whole datacenter is read, so duplicate MACs among its VMs are found).
    ``[{key, credentials, vmware}]``; ``key`` also keys the facts read, ``credentials`` the password."""
    out = []
    for p in paths:
        vmware = p.get('vmware') or {}
        if vmware.get('vm_name') is None:
            continue
        cred = credentials_key(vmware)
        key = '%s|%s|%s' % (cred, vmware['vm_name'], vmware.get('datacenter') or '')
        if key not in [s['key'] for s in out]:
            out.append({'key': key, 'credentials': cred, 'vmware': vmware})
    return out


# ----------------------------------------------------------------------------- collection

def results_of(registered):
    """The per-target results of a registered probe (``[]`` when it failed, was skipped or is absent)."""
    if not isinstance(registered, dict):
        return []
    return [r for r in registered.get('results') or [] if isinstance(r, dict)]


def _first(results, key, value):
    return next((r for r in results if r.get(key) == value), None)


def source_address(forward, path):
    """The address the source host's kernel chose for the path's forward probe, or None.
    ``forward``: ``{host: registered forward probe}``."""
    probe = _first(results_of((forward or {}).get(path['source'])), 'target', path['target_ip'])
    return (probe or {}).get('source_address') or None


def forward_answered(forward, path):
    """True when the path's forward probe ran and got replies."""
    probe = _first(results_of((forward or {}).get(path['source'])), 'target', path['target_ip'])
    return bool((probe or {}).get('reachable'))


def host_plan(paths, host, forward=None, reverse_always=True):
    """What ``host`` does for the paths it is part of:

    * ``targets``: the VMs it pings (it is their source);
    * ``peers``: the other ends of its paths (net_facts route lookups and ICMP verdicts);
    * ``flows``: the echo requests it forwards as hypervisor (``{src, dst}``);
    * ``reverse_targets``: the source addresses its VM pings back; without ``reverse_always`` only for
      paths whose forward probe got no reply (saves a round trip, but a fault of the return direction
      alone - the VM cannot ping the host back - then goes unseen).

    The source address of a path is the one its forward probe used (``forward``: ``{host:
    registered forward probe}``); before the probes only ``targets`` and the VM peers are known."""
    targets, peers, flows, reverse = [], [], [], []
    for p in paths:
        src_ip = source_address(forward, p)
        if p['source'] == host:
            targets.append(p['target_ip'])
            peers.append(p['target_ip'])
        if p.get('target_host') == host and src_ip:
            peers.append(src_ip)
            if reverse_always or not forward_answered(forward, p):
                reverse.append(src_ip)
        if p.get('hypervisor') == host:
            peers.append(p['target_ip'])
            if src_ip:
                peers.append(src_ip)
                flows.append({'src': src_ip, 'dst': p['target_ip']})
    return {'targets': _unique(targets), 'peers': _unique(peers), 'flows': _unique(flows),
            'reverse_targets': _unique(reverse)}


def collection_plan(paths, forward=None):
    """``{host: host_plan}`` for every host involved."""
    return dict((h, host_plan(paths, h, forward)) for h in hosts_involved(paths))


# ----------------------------------------------------------------------------- results

def _loop_item(item, name):
    var = item.get('ansible_loop_var') or name
    return item.get(var) if isinstance(item.get(var), dict) else None


def vmware_results(registered):
    """``(facts, errors)`` by scope key from the registered loop of ``vmware_network_facts`` over
    ``vmware_scopes`` (loop variable holding the scope): facts of the scopes read, the reason for
    the others."""
    facts, errors = {}, {}
    for item in (registered or {}).get('results') or []:
        scope = _loop_item(item, '__diagnose_scope')
        if not scope or item.get('skipped'):
            continue
        read = (item.get('ansible_facts') or {}).get('vmnet_doctor_vmware')
        if item.get('failed') or item.get('unreachable') or read is None:
            errors[scope['key']] = str(item.get('msg') or 'not read')
        else:
            facts[scope['key']] = read
    return facts, errors


def host_probes(collected, hosts):
    """``{host: {forward, forward_large, reverse}}``: every probe result, by host and class. A host whose
    reverse probe went with its facts (net_facts ``probe``) has it there; a host whose large probe went with
    its forward one (icmp_probe ``large``) has it under the forward probe's ``large``."""
    collected = collected or {}
    out = dict((h, dict((c, results_of((collected.get(c) or {}).get(h))) for c in PROBE_CLASSES)) for h in hosts)
    for h in hosts:
        registered = (collected.get('facts') or {}).get(h)
        if not out[h]['reverse'] and isinstance(registered, dict):
            out[h]['reverse'] = results_of(registered.get('probe'))
        forward = (collected.get('forward') or {}).get(h)
        if not out[h]['forward_large'] and isinstance(forward, dict):
            out[h]['forward_large'] = results_of(forward.get('large'))
    return out


def _facts_of(registered):
    facts = ((registered or {}).get('ansible_facts') or {}).get('vmnet_doctor') if isinstance(registered, dict) else None
    return facts if isinstance(facts, dict) else None


def unmanaged_hosts(collected, hosts):
    """``{host: reason}`` for the hosts whose facts could not be gathered."""
    out = {}
    for h in hosts:
        registered = ((collected or {}).get('facts') or {}).get(h)
        if _facts_of(registered) is None:
            registered = registered if isinstance(registered, dict) else {}
            out[h] = str(registered.get('msg') or ('unreachable' if registered.get('unreachable')
                                                   else 'facts not gathered'))
    return out


def skipped_paths(paths, collected, probes, unmanaged):
    """``{index (str): reason}`` of the paths that cannot be diagnosed: the source host could not
    be read, or its forward probe did not run."""
    out = {}
    for i, p in enumerate(paths):
        forward = _first((probes.get(p['source']) or {}).get('forward') or [], 'target', p['target_ip'])
        if p['source'] in unmanaged:
            out[str(i)] = unmanaged[p['source']]
        elif forward is None:
            registered = ((collected or {}).get('forward') or {}).get(p['source'])
            registered = registered if isinstance(registered, dict) else {}
            out[str(i)] = str(registered.get('msg') or 'the probe did not run')
    return out


def engine_paths(paths, collected, probes, skipped, vmware_facts=None):
    """The engine's input (``engine.diagnose``) for the paths not skipped, in input order."""
    facts = {}
    for h, registered in ((collected or {}).get('facts') or {}).items():
        if _facts_of(registered) is not None:
            facts[h] = _facts_of(registered)
    out = []
    for i, p in enumerate(paths):
        if str(i) in skipped:
            continue
        mine = probes.get(p['source']) or {}
        forward = _first(mine.get('forward') or [], 'target', p['target_ip'])
        e = {'name': p['name'], 'source': p['source'], 'target_ip': p['target_ip'],
             'source_facts': facts[p['source']], 'probes': {'forward': forward}}
        large = _first(mine.get('forward_large') or [], 'target', p['target_ip'])
        if large is not None:
            e['probes']['forward_large'] = large
        if p.get('target_host'):
            e['target_host'] = p['target_host']
            if p['target_host'] in facts:
                e['target_facts'] = facts[p['target_host']]
            reverse = _first((probes.get(p['target_host']) or {}).get('reverse') or [], 'address',
                             forward.get('source_address'))
            if reverse is not None and forward.get('source_address'):
                e['probes']['reverse'] = reverse
        if p.get('hypervisor'):
            e['hypervisor'] = p['hypervisor']
            if p['hypervisor'] in facts:
                e['hypervisor_facts'] = facts[p['hypervisor']]
        if p.get('vmware'):
            e['vmware'] = p['vmware']
            key = '%s|%s|%s' % (credentials_key(p['vmware']), p['vmware'].get('vm_name'),
                                p['vmware'].get('datacenter') or '')
            if key in (vmware_facts or {}):
                e['vmware_facts'] = vmware_facts[key]
        witness = witness_of(p, (collected or {}).get('witness') or {})
        if witness:
            e['witness'] = witness
        out.append(e)
    return out


def witness_of(path, registered):
    """``{role: witness}`` of one path from what each hop registered running ``packet_witness``
    (``{host: result}``): the witness it returned, or ``{'available': False, 'why': ...}`` when it
    failed or could not be reached; roles whose host did not run it are left out."""
    out = {}
    for role, host in (('source', path.get('source')), ('switch', path.get('hypervisor')),
                       ('target', path.get('target_host'))):
        result = registered.get(host) if host else None
        if not isinstance(result, dict):
            continue
        if result.get('witness'):
            out[role] = result['witness']
        elif result.get('failed') or result.get('unreachable'):
            out[role] = {'available': False, 'why': str(result.get('msg') or 'unreachable')}
    return out


def not_diagnosed(path, reason):
    """The result of a path whose source host could not be read or probed."""
    return {'name': path['name'], 'source': path['source'], 'target_ip': path['target_ip'],
            'target_host': path.get('target_host'), 'hypervisor': path.get('hypervisor'),
            'status': 'unexplained', 'reachable': None, 'findings': [], 'notes': [],
            'checks': [{'id': 'source.managed', 'status': 'fail', 'host': path['source'],
                        'detail': 'source host %s could not be read or probed: %s' % (path['source'], reason)}],
            'summary': '%s: not diagnosed: source host %s could not be read or probed (%s)'
                       % (path['name'], path['source'], reason)}


def merge(paths, diagnosed, skipped):
    """One result per input path, in input order: the engine's (``diagnosed``: its results for the
    paths not skipped, in order) with the input's target_host and hypervisor, or ``not_diagnosed``."""
    engine = list(diagnosed or [])
    out = []
    for i, p in enumerate(paths):
        if str(i) in skipped:
            out.append(not_diagnosed(p, skipped[str(i)]))
        else:
            r = dict(engine.pop(0)) if engine else {}
            r.update(target_host=p.get('target_host'), hypervisor=p.get('hypervisor'))
            out.append(r)
    return out


def result(paths, collected, diagnose, vmware=None):
    """The public result of a diagnosis run (the role's ``diagnose_result``).

    ``paths``: normalised paths; ``collected``: what the hosts registered (module docstring);
    ``diagnose``: the engine (``engine.diagnose``); ``vmware``: the registered vSphere reads
    (``vmware_results``). Returns ``paths`` (one result per input path), ``inputs``, ``skipped``,
    ``probes`` by host, ``unmanaged`` hosts (and vCenter scopes not read) with the reason,
    ``findings_total`` and ``broken_paths``."""
    hosts = _unique(hosts_involved(paths) + sorted(h for c in (collected or {}).values() for h in (c or {})))
    probes = host_probes(collected, hosts)
    unmanaged = unmanaged_hosts(collected, hosts)
    skipped = skipped_paths(paths, collected, probes, unmanaged)
    vmware_facts, vmware_errors = vmware_results(vmware)
    scopes = [s['key'] for s in vmware_scopes(paths)]
    vmware_errors = dict((k, v) for k, v in vmware_errors.items() if k in scopes)
    inputs = engine_paths(paths, collected, probes, skipped, vmware_facts)
    diagnosed = diagnose(inputs)['paths'] if inputs else []
    merged = merge(paths, diagnosed, skipped)
    return {
        'paths': merged,
        'inputs': paths,
        'skipped': skipped,
        'probes': probes,
        'unmanaged': dict(unmanaged, **vmware_errors),
        'findings_total': sum(len(r.get('findings') or []) for r in merged),
        'broken_paths': [r['name'] for r in merged if r.get('status') in ('broken', 'unexplained')],
    }
