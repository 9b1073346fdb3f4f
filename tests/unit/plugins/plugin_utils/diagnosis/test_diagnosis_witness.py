# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine with packet witness results (recorded in the lab: tests/unit/plugins/module_utils/linux/
fixtures/witness/README.md) as evidence: located, confirmed, contradicted, unexplained."""
import copy
import json
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import checks_witness as cw
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import report

import diagnosis_builders as b

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'module_utils', 'linux', 'fixtures', 'witness')


def witness_lines(finding):
    """The witness lines of a finding's evidence (a list of lines, or a dict with a ``witness`` key)."""
    evidence = finding.get('evidence') or []
    if isinstance(evidence, dict):
        return ['witness: %s' % evidence['witness']] if 'witness' in evidence else []
    return [e for e in evidence if str(e).startswith('witness: ')]


def recorded():
    out = {}
    for role, node in (('source', 'host'), ('switch', 'hv'), ('target', 'vm1')):
        with open(os.path.join(FIX, 'result_%s_vm_icmp_nft_drop.json' % node)) as handle:
            out[role] = json.load(handle)
    return out


def run(p):
    return engine.diagnose([p])['paths'][0]


def test_unexplained_path_gets_a_located_firewall_finding_with_the_traced_rule():
    p = b.path(b.routed())
    assert run(p)['status'] == 'unexplained'
    p['witness'] = recorded()
    res = run(p)
    assert res['status'] == 'broken'
    f = res['findings'][0]
    assert (f['code'], f['host'], f['direction']) == ('PACKET_DROPPED_FIREWALL', 'lab-vm1', 'forward')
    assert f['object'] == {'type': 'nft_rule', 'family': 'inet', 'table': 'filter', 'chain': 'input', 'handle': 2,
                           'interface': 'eth0'}
    assert f['fix']['module'] == 'vmnet.doctor.icmp_rule' and f['fix']['args']['hook'] == 'input'
    assert f['fix']['alternatives'][0]['args']['remove_rule']['handle'] == 2
    assert f['witness']['reason'] == 'NETFILTER_DROP' and f['witness']['location'] == 'nft_do_chain'
    # The recorded packet's addresses (lab) are not the hand-built world's: net_facts has no entry for it.
    assert 'net_facts: no firewall evaluation of the echo request input hook on lab-vm1' in f['evidence']
    assert 'lab-vm1' in res['witness']['located'] and 'NETFILTER_DROP' in res['witness']['located']
    line = report.summary_line(res)
    assert 'witness: echo_request dropped on lab-vm1 eth0 (NETFILTER_DROP at nft_do_chain)' in line


def test_model_finding_on_the_same_hop_is_confirmed_not_duplicated():
    p = b.path(b.routed())
    b.set_icmp(p['target_facts'], 'input', 'echo-request', 'drop')
    p['witness'] = recorded()
    res = run(p)
    assert [(f['code'], f.get('witness')) for f in res['findings']] == [('ICMP_BLOCKED', 'confirmed')]
    assert witness_lines(res['findings'][0])[0].startswith('witness: confirmed')


def test_model_finding_elsewhere_is_flagged_as_contradicted_and_the_drop_located():
    p = b.path(b.routed())
    b.set_icmp(p['source_facts'], 'output', 'echo-request', 'drop')
    p['witness'] = recorded()
    res = run(p)
    by_code = dict((f['code'], f) for f in res['findings'])
    assert by_code['ICMP_BLOCKED']['witness'] == 'contradicted'
    assert by_code['PACKET_DROPPED_FIREWALL']['host'] == 'lab-vm1'


def test_gap_without_drop_record_is_located_between_two_points():
    w = recorded()
    w['target']['drops'] = []
    w['target']['nft_verdicts'] = []
    w['target']['interfaces'] = {}          # vm1 never saw the request
    p = b.path(b.routed())
    p['witness'] = w
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['object']['name']) == ('PACKET_VANISHED', 'lab-hv', 'vnet-vm1')
    assert 'never reached lab-vm1' in f['message']


def test_request_in_and_no_reply_out_is_not_answered():
    w = recorded()
    w['target']['drops'] = []
    w['target']['nft_verdicts'] = []
    p = b.path(b.routed())
    p['witness'] = w
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['direction']) == ('PACKET_NOT_ANSWERED', 'lab-vm1', 'return')


def test_unexplained_stays_where_the_witness_could_not_run():
    w = recorded()
    w['target'] = {'available': False, 'why': 'the packet witness needs root'}
    p = b.path(b.routed())
    p['witness'] = w
    res = run(p)
    assert res['status'] == 'unexplained' and res['findings'] == []
    assert res['witness']['why'] and 'could not run' in res['witness']['why']
    skipped = [c for c in res['checks'] if c['id'] == 'witness.target']
    assert skipped and 'needs root' in skipped[0]['detail']


def test_arp_exchange_located_when_the_echo_never_left():
    w = recorded()
    for hop in w.values():
        hop['drops'], hop['nft_verdicts'], hop['interfaces'] = [], [], {}
    zero = dict((k, 0) for k in cw.ND_KINDS)
    w['source']['interfaces'] = {'eth0': {'out': dict(zero, arp_request=3), 'in': dict(zero)}}
    w['switch']['interfaces'] = {'uplink0': {'in': dict(zero, arp_request=3), 'out': dict(zero)},
                                 'vnet-vm1': {'out': dict(zero, arp_request=3), 'in': dict(zero)}}
    w['target']['interfaces'] = {'eth0': {'in': dict(zero, arp_request=3), 'out': dict(zero)}}
    p = b.path(b.bridged())
    p['witness'] = w
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['witness']['exchange']) == ('PACKET_NOT_ANSWERED', 'lab-vm1', 'neighbor')


def _gave_up(role, kind):
    return {'reason': 'NEIGH_FAILED', 'location': 'neigh_invalidate', 'interface': 'eth0', 'netns': 1,
            'packet': {'kind': kind, 'src': '10.0.0.1', 'dst': '10.0.0.11'}, 'role': role}


def test_echo_freed_by_a_source_whose_neighbour_never_answered_is_located_in_the_arp_exchange():
    """The source queued the echo until its ARP failed (NEIGH_FAILED): the cause is the VM that never answered."""
    w = recorded()
    for hop in w.values():
        hop['drops'], hop['nft_verdicts'], hop['interfaces'] = [], [], {}
    zero = dict((k, 0) for k in cw.ND_KINDS)
    w['source']['interfaces'] = {'eth0': {'out': dict(zero, arp_request=3, echo_request=1), 'in': dict(zero)}}
    w['source']['drops'] = [_gave_up('source', 'echo_request')]
    w['switch']['interfaces'] = {'uplink0': {'in': dict(zero, arp_request=3), 'out': dict(zero)},
                                 'vnet-vm1': {'out': dict(zero, arp_request=3), 'in': dict(zero)}}
    w['target']['interfaces'] = {'eth0': {'in': dict(zero, arp_request=3), 'out': dict(zero)}}
    p = b.path(b.bridged())
    p['witness'] = w
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['witness']['exchange']) == ('PACKET_NOT_ANSWERED', 'lab-vm1', 'neighbor')
    # The VM that gives up resolving its own (wrong) next hop for the reply: the reply's drop there is the verdict.
    w['source']['drops'] = []
    w['source']['interfaces']['eth0']['out'] = dict(zero, echo_request=3)
    w['switch']['interfaces'] = {'uplink0': {'in': dict(zero, echo_request=3), 'out': dict(zero)},
                                 'vnet-vm1': {'out': dict(zero, echo_request=3), 'in': dict(zero)}}
    w['target']['interfaces'] = {'eth0': {'in': dict(zero, echo_request=3), 'out': dict(zero)}}
    w['target']['drops'] = [_gave_up('target', 'echo_reply')]
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['witness']['reason']) == ('PACKET_DROPPED_NEIGHBOR', 'lab-vm1', 'NEIGH_FAILED')
    # The VM gave up because the switch dropped its ARP request (a MAC filter): the ARP drop is the cause.
    arp_drop = dict(_gave_up('switch', 'arp_request'), reason='NETFILTER_DROP', location='nft_do_chain',
                    interface='vnet-vm1')
    w['switch']['drops'] = [arp_drop]
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['witness']['reason']) == ('PACKET_DROPPED_FIREWALL', 'lab-hv', 'NETFILTER_DROP')


def test_reachable_path_keeps_the_witness_but_adds_nothing():
    p = b.path(b.routed(), reachable=True)
    p['witness'] = recorded()
    res = run(p)
    assert res['status'] == 'ok' and res['witness']['located'] is None


def test_every_reason_code_is_in_the_catalog():
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis.catalog import CATALOG
    assert set(cw.CODES) <= set(CATALOG)
    assert cw.reason_code('NETFILTER_DROP') == 'PACKET_DROPPED_FIREWALL'
    assert cw.reason_code('SOMETHING_NEW') == 'PACKET_DROPPED'


def test_bad_witness_input_is_refused():
    p = b.path(b.routed())
    p['witness'] = {'nowhere': {}}
    try:
        engine.diagnose([copy.deepcopy(p)])
    except Exception as e:      # DoctorError
        assert 'witness must be a dict' in str(e)
    else:
        raise AssertionError('accepted a bad witness')


def test_tracefs_drops_name_the_reason_of_a_gap_on_that_hop():
    w = recorded()
    w['target']['drops'] = [{'netns': None, 'protocol': 2048, 'reason': 'NETFILTER_DROP', 'location': 'nft_do_chain',
                             'packet': None, 'interface': None}] * 3
    w['target']['drop_source'] = 'tracefs'
    w['target']['nft_verdicts'] = []
    p = b.path(b.routed())
    p['witness'] = w
    f = run(p)['findings'][0]
    assert (f['code'], f['host'], f['confidence']) == ('PACKET_DROPPED_FIREWALL', 'lab-vm1', 'medium')
    assert 'tracefs' in f['message'] and 'NETFILTER_DROP' in f['message']


def test_net_facts_verdict_is_cross_checked():
    w = recorded()
    p = b.path(b.routed())
    src, dst = p['source_facts']['interfaces'][1]['addresses'][0]['address'], p['target_ip']
    for drop in w['target']['drops']:
        drop['packet'].update({'src': src, 'dst': dst})
    p['witness'] = w
    f = run(p)['findings'][0]
    assert any(e.startswith('net_facts: firewall evaluation of the input hook on lab-vm1 says accept: disagrees')
               for e in f['evidence']), f['evidence']


@pytest.mark.parametrize('code', sorted(cw.DOWNSTREAM_CODES))
def test_wrong_mac_findings_are_not_contradicted_by_a_loss_downstream(code):
    # a stale/conflicting neighbour entry sends the echo to the wrong MAC: it dies on another hop
    # (an OTHERHOST drop, a frame for a MAC that is not the hop's, confirms a wrong-MAC finding: see below)
    where = {'drops': [{'role': 'target', 'reason': 'OTHERHOST'}], 'missing': None, 'last': None, 'steps': []}
    assert cw._agrees({'code': code, '_role': 'source', 'direction': 'forward'}, where) == (
        None if code == 'IP_CONFLICT' else 'confirmed')
    where = {'drops': [{'role': 'target', 'reason': 'NETFILTER_DROP'}], 'missing': None, 'last': None, 'steps': []}
    assert cw._agrees({'code': code, '_role': 'source', 'direction': 'forward'}, where) is None
    gap = {'drops': [], 'missing': {'role': 'target', 'kind': 'echo_request'}, 'last': {'role': 'switch'},
           'steps': [{'role': 'source', 'direction': 'forward', 'seen': 1}]}
    assert cw._agrees({'code': code, '_role': 'source', 'direction': 'forward'}, gap) is None
    assert cw._agrees({'code': 'ICMP_BLOCKED', '_role': 'source', 'direction': 'forward'},
                      where) == 'contradicted'


# Agreement rules seen in the lab (tests/integration/test_witness.py::test_model_fault_is_confirmed): a cause on
# one hop whose packet dies on another. Before, LINK_DOWN on the VM was "contradicted" by hv's NO_TX_TARGET drop.
def _drop_where(role, reason):
    return {'exchange': 'echo', 'steps': [], 'missing': None, 'last': None,
            'drops': [{'role': role, 'reason': reason, 'packet': {'kind': 'echo_request'}}]}


@pytest.mark.parametrize('code,role,where,verdict', [
    ('LINK_DOWN', 'target', _drop_where('switch', 'NO_TX_TARGET'), 'confirmed'),
    ('BRIDGE_PORT_DOWN', 'switch', _drop_where('target', 'DEV_READY'), 'confirmed'),
    ('LINK_DOWN', 'source', _drop_where('target', 'NO_TX_TARGET'), 'contradicted'),     # not next door
    ('LINK_DOWN', 'target', _drop_where('switch', 'NETFILTER_DROP'), 'contradicted'),   # not a dead-peer drop
    ('ARP_STALE', 'source', _drop_where('target', 'OTHERHOST'), 'confirmed'),
    ('ARP_STALE', 'source', _drop_where('target', 'NETFILTER_DROP'), None),
    ('LINK_DOWN', 'target', {'exchange': 'neighbor', 'drops': [], 'steps': [],
                             'last': {'role': 'switch', 'dir': 'in', 'direction': 'forward'},
                             'missing': {'role': 'switch', 'dir': 'out', 'direction': 'forward'}}, 'confirmed'),
    ('LINK_DOWN', 'source', {'exchange': 'neighbor', 'drops': [], 'steps': [],
                             'last': {'role': 'switch', 'dir': 'in', 'direction': 'forward'},
                             'missing': {'role': 'target', 'dir': 'in', 'direction': 'forward'}}, None),
    ('IP_CONFLICT', 'source', {'exchange': 'echo', 'drops': [], 'steps': [],
                               'last': {'role': 'switch', 'dir': 'out', 'direction': 'forward'},
                               'missing': {'role': 'target', 'dir': 'in', 'direction': 'forward'}}, 'confirmed'),
])
def test_causes_next_door_agree(code, role, where, verdict):
    assert cw._agrees({'code': code, '_role': role, 'direction': 'forward'}, where) == verdict


def test_witness_verdict_keeps_a_dict_evidence_whole():
    """A model finding whose evidence is a dict (the sysctl that ignores echoes) keeps its values when the witness
    adds its verdict (before, the dict became the list of its keys)."""
    world = b.routed()
    world['vm']['sysctls']['ipv4']['icmp_echo_ignore_all'] = 1
    p = b.path(world)
    before = copy.deepcopy(run(p)['findings'][0]['evidence'])
    assert isinstance(before, dict) and before
    w = recorded()
    w['target']['drops'], w['target']['nft_verdicts'] = [], []     # vm1 takes the request in, answers nothing
    p['witness'] = w
    f = run(p)['findings'][0]
    assert f['code'] == 'ICMP_IGNORED' and f['witness'] == 'confirmed'
    assert f['evidence'] == dict(before, witness=f['evidence']['witness'])
    assert witness_lines(f)[0].startswith('witness: confirmed (')
