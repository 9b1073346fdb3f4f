# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""checks_ovs.check_ovs on the ovs facts of the lab's switch (tests/unit/fixtures/ovs, captured), changed per case."""
import copy
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import ovs
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_witness as cw
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.checks_ovs import check_ovs
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.facts import HostView
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.model import PathContext

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'ovs')
SRC, DST = '10.240.10.1', '10.240.10.11'


def _read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def _switch():
    bridges = ovs.build_bridges(*(ovs.parse_table(_read('list_%s.json' % t)) for t in ('Bridge', 'Port', 'Interface')))
    for br in bridges:
        br['flows'] = [{'table': 0, 'priority': 0, 'cookie': '0x0', 'match': '', 'actions': 'NORMAL', 'n_packets': 0,
                        'n_bytes': 0, 'drops': False}]
    dp = ovs.parse_dpif(_read('dpif_show.txt'))
    ok = ovs.parse_trace(_read('trace_ok.txt'), dp)
    traces = [dict(ok, bridge='br-ex', in_port='uplink0', packet='echo-request', src=SRC, dst=DST, error=None),
              dict(ok, bridge='br-int', in_port='vnet-vm1', packet='echo-reply', src=DST, dst=SRC, error=None,
                   outputs=['uplink0'])]
    return {'present': True, 'rundir': '/run/lab-ovs', 'db': 'unix:/run/lab-ovs/db.sock', 'note': None, 'errors': [],
            'bridges': bridges, 'traces': traces}


def _port(sw, name):
    return [p for b in sw['bridges'] for p in b['ports'] if p['name'] == name][0]


def _ctx(sw):
    ctx = PathContext('p', {'switch': HostView('switch', 'hv', {'ovs': sw})}, DST)
    ctx.topology = {'vm_port': {'name': 'vnet-vm1'}, 'src_port': {'name': 'uplink0'}, 'source_ip': SRC, 'unknown': {}}
    return ctx


def _lose_request(sw, trace_file=None):
    dp = ovs.parse_dpif(_read('dpif_show.txt'))
    lost = ovs.parse_trace(_read(trace_file), dp) if trace_file else {'outputs': ['br-ex'], 'deciding_rule': None}
    sw['traces'][0].update(lost)


def _tag(sw):
    _port(sw, 'vnet-vm1')['tag'] = 20
    _lose_request(sw)


def _trunk(sw):
    _port(sw, 'patch-ex')['trunks'] = [20]
    _lose_request(sw)


def _flow(sw):
    br = [b for b in sw['bridges'] if b['name'] == 'br-int'][0]
    br['flows'].insert(0, {'table': 0, 'priority': 100, 'cookie': '0xbad1ab', 'match': 'icmp,nw_dst=%s' % DST,
                           'actions': 'drop', 'n_packets': 3, 'n_bytes': 0, 'drops': True})
    _lose_request(sw, 'trace_drop_flow.txt')


def _secure(sw):
    br = [b for b in sw['bridges'] if b['name'] == 'br-int'][0]
    br['fail_mode'], br['flows'] = 'secure', []
    _lose_request(sw, 'trace_secure.txt')


def _wrong_bridge(sw):
    bint = [b for b in sw['bridges'] if b['name'] == 'br-int'][0]
    spare = [b for b in sw['bridges'] if b['name'] == 'br-spare'][0]
    port = _port(sw, 'vnet-vm1')
    bint['ports'].remove(port)
    spare['ports'].append(port)
    _lose_request(sw)


def _unexplained(sw):
    _lose_request(sw)


def _iface(sw, name):
    return _port(sw, name)['interfaces'][0]


def _patch_peer(sw):
    """The lab's ovs_patch_peer: patch-ex names patch-nope; OVS's error columns as captured."""
    errors = dict((row['name'], ovs.ovsdb_value(row['error']))
                  for row in ovs.parse_table(_read('list_Interface_patch_peer.json')))
    _iface(sw, 'patch-ex')['options'] = {'peer': 'patch-nope'}
    for name in ('patch-ex', 'patch-int'):
        _iface(sw, name)['error'] = errors[name]
    _lose_request(sw)


def _patch_ambiguous(sw):
    _patch_peer(sw)
    _iface(sw, 'patch-int')['options'] = {'peer': 'patch-gone'}     # no patch names patch-ex any more


def _device_gone(sw):
    _iface(sw, 'vnet-vm1')['error'] = 'could not open network device vnet-vm1 (No such device)'
    _lose_request(sw)


def _no_forward(sw):
    desc = ovs.parse_ports_desc(_read('ports_desc_no_fwd.txt'))
    _iface(sw, 'vnet-vm1')['of_config'] = desc['vnet-vm1']['config']
    _iface(sw, 'hv0')['of_config'] = desc['hv0']['config']      # NO_FLOOD on a port off the path: not reported
    _lose_request(sw)


def _patch_no_receive(sw):
    _iface(sw, 'patch-int')['of_config'] = ['NO_RECV', 'NO_FLOOD']
    _lose_request(sw)


@pytest.mark.parametrize('change,code,obj,fix', [
    (_tag, 'VLAN_MISMATCH', {'type': 'ovs_port', 'name': 'vnet-vm1', 'bridge': 'br-int'},
     ('ovs_port_vlan', {'bridge': 'br-int', 'port': 'vnet-vm1', 'tag': 10, 'rundir': '/run/lab-ovs'})),
    (_trunk, 'VLAN_MISMATCH', {'type': 'ovs_port', 'name': 'patch-ex', 'bridge': 'br-int'},
     ('ovs_port_vlan', {'bridge': 'br-int', 'port': 'patch-ex', 'trunks': [10, 20], 'rundir': '/run/lab-ovs'})),
    (_flow, 'OVS_FLOW_DROP', {'type': 'openflow_flow', 'bridge': 'br-int', 'table': 0, 'priority': 100,
                              'cookie': '0xbad1ab', 'match': 'icmp,nw_dst=%s' % DST},
     ('ovs_flow', {'bridge': 'br-int', 'table': 0, 'priority': 100, 'cookie': '0xbad1ab',
                   'match': 'icmp,nw_dst=%s' % DST, 'state': 'absent', 'rundir': '/run/lab-ovs'})),
    (_secure, 'OVS_SECURE_NO_FLOWS', {'type': 'ovs_bridge', 'name': 'br-int'}, None),
    (_wrong_bridge, 'OVS_WRONG_BRIDGE', {'type': 'ovs_port', 'name': 'vnet-vm1', 'bridge': 'br-spare'}, None),
    (_unexplained, 'OVS_PATH_DROP', {'type': 'ovs_port', 'name': 'vnet-vm1', 'bridge': 'br-int'}, None),
    (_patch_peer, 'OVS_INTERFACE_ERROR', {'type': 'ovs_interface', 'name': 'patch-ex', 'bridge': 'br-int'},
     ('ovs_interface', {'interface': 'patch-ex', 'peer': 'patch-int', 'rundir': '/run/lab-ovs'})),
    (_patch_ambiguous, 'OVS_INTERFACE_ERROR', {'type': 'ovs_interface', 'name': 'patch-int', 'bridge': 'br-ex'},
     None),
    (_device_gone, 'OVS_INTERFACE_ERROR', {'type': 'ovs_interface', 'name': 'vnet-vm1', 'bridge': 'br-int'}, None),
    (_no_forward, 'OVS_PORT_CONFIG', {'type': 'ovs_port', 'name': 'vnet-vm1', 'bridge': 'br-int',
                                      'config': ['NO_FWD']},
     ('ovs_port_config', {'bridge': 'br-int', 'port': 'vnet-vm1', 'forward': True, 'rundir': '/run/lab-ovs'})),
    (_patch_no_receive, 'OVS_PORT_CONFIG', {'type': 'ovs_port', 'name': 'patch-int', 'bridge': 'br-ex',
                                            'config': ['NO_RECV', 'NO_FLOOD']},
     ('ovs_port_config', {'bridge': 'br-ex', 'port': 'patch-int', 'receive': True, 'flood': True,
                          'rundir': '/run/lab-ovs'})),
])
def test_each_ovs_cause_is_named(change, code, obj, fix):
    sw = copy.deepcopy(_switch())
    change(sw)
    ctx = _ctx(sw)
    check_ovs(ctx)
    assert [(f['code'], f['object']) for f in ctx.findings] == [(code, obj)]
    got = ctx.findings[0]['fix']
    if fix is None:
        assert got['manual']
    else:
        assert (got['module'], got['args']) == ('vmnet.doctor.' + fix[0], fix[1])


def test_healthy_switch_passes_and_a_down_port_is_left_to_the_port_checks():
    ctx = _ctx(_switch())
    check_ovs(ctx)
    assert ctx.findings == [] and ctx.checks[-1]['status'] == 'pass'
    sw = _switch()
    _port(sw, 'vnet-vm1')['interfaces'][0]['admin_state'] = 'down'
    _lose_request(sw)
    ctx = _ctx(sw)
    check_ovs(ctx)
    assert ctx.findings == [] and ctx.checks[-1]['status'] == 'fail'


def test_without_ovs_skipped_with_the_note():
    ctx = PathContext('p', {'switch': HostView('switch', 'hv', {'ovs': ovs.empty()})}, DST)
    check_ovs(ctx)
    assert ctx.checks[-1]['status'] == 'skipped'


# ------------------------------------------------------------------ the packet witness on an OVS hop
def test_witness_leaves_out_the_kernels_copy_of_frames_on_ovs_ports_and_reads_the_switch():
    """The userspace datapath reads uplink0 with a packet socket; the kernel then frees its own copy
    (OTHERHOST): the witness keeps that apart (ovs_rx) and takes the switch's verdict from ofproto/trace."""
    sw = _switch()
    _lose_request(sw)
    other = {'reason': 'OTHERHOST', 'location': 'ip_rcv_core', 'interface': 'uplink0',
             'packet': {'kind': 'echo_request', 'src': SRC, 'dst': DST}}
    real = dict(other, interface='eth9', reason='NETFILTER_DROP')
    views = {'switch': HostView('switch', 'hv', {'ovs': sw})}
    hops = cw._hops({'switch': {'available': True, 'drops': [other, real]}}, ['switch'], views)
    assert hops['switch']['drops'] == [real] and hops['switch']['ovs_rx'] == [other]
    verdict = cw.ovs_verdict(views['switch'], SRC, DST)
    request = [t for t in verdict if t['packet'] == 'echo-request'][0]
    assert request['outputs'] == ['br-ex'] and request['in_port'] == 'uplink0'
    assert cw.ovs_verdict(HostView('switch', 'hv', {}), SRC, DST) is None
    assert cw._hops({'switch': {'available': True, 'drops': [other]}}, ['switch'], {})['switch']['drops'] == [other]
    assert [t['packet'] for t in cw.ovs_verdict(views['switch'], SRC, DST, 'uplink0', 'vnet-vm1')] == \
        ['echo-request', 'echo-reply']
    assert cw.ovs_verdict(views['switch'], SRC, DST, 'hv0', 'hv0') is None


def test_interface_error_is_quoted_and_names_the_other_broken_end():
    sw = copy.deepcopy(_switch())
    _patch_peer(sw)
    ctx = _ctx(sw)
    check_ovs(ctx)
    finding = ctx.findings[0]
    assert "No usable peer 'patch-nope' exists in 'netdev' datapath." in finding['message']
    assert finding['evidence']['error'] == "No usable peer 'patch-nope' exists in 'netdev' datapath."
    assert list(finding['evidence']['other_errors']) == ['patch-int']


def test_a_patch_pair_broken_from_the_vm_side_is_still_one_path():
    """The link between two bridges is there when either end names the other: a broken end is reported as
    the interface error, not as the VM being on an unjoined bridge (the source here is on br-int)."""
    sw = copy.deepcopy(_switch())
    _iface(sw, 'patch-int')['options'] = {'peer': 'patch-nope'}
    _iface(sw, 'patch-int')['error'] = "No usable peer 'patch-nope' exists in 'netdev' datapath."
    ctx = _ctx(sw)
    ctx.topology['vm_port'], ctx.topology['src_port'] = {'name': 'uplink0'}, {'name': 'vnet-vm1'}
    check_ovs(ctx)
    assert [(f['code'], f['object']['name'], f['fix'].get('args')) for f in ctx.findings] == [
        ('OVS_INTERFACE_ERROR', 'patch-int', {'interface': 'patch-int', 'peer': 'patch-ex', 'rundir': '/run/lab-ovs'})]


def test_witness_names_the_datapath_drop_counter_that_grew():
    """The switch's witness read coverage/show before and after its window: the counter that grew is named in
    ``located`` and in the evidence of the switch's findings (a dict or a list of lines)."""
    sw = copy.deepcopy(_switch())
    _flow(sw)
    ctx = _ctx(sw)
    check_ovs(ctx)
    ctx.findings.append(dict(ctx.findings[0], evidence=['a line'], _symptom=False))
    summary = {'located': 'echo last seen: echo request entering hv uplink0'}
    hop = {'ovs_drops': {'counters': {'drop_action_of_pipeline': 2}, 'daemons': [], 'errors': []}}
    cw._ovs_drop_counters(ctx, summary, hop)
    assert summary['ovs_drops'] == {'drop_action_of_pipeline': 2}
    assert summary['located'].endswith('increased during the witness window: drop_action_of_pipeline +2')
    assert 'drop_action_of_pipeline +2' in ctx.findings[0]['evidence']['witness_ovs_drops']
    assert ctx.findings[1]['evidence'][-1].startswith('witness_ovs_drops: Open vSwitch datapath drop counters')
    quiet = {'located': 'x'}
    cw._ovs_drop_counters(ctx, quiet, {'ovs_drops': {'counters': {}, 'daemons': [], 'errors': []}})
    cw._ovs_drop_counters(ctx, quiet, None)
    assert quiet == {'located': 'x'}
