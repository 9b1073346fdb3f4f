# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan logic of the icmp_rule fixer on REAL rulesets (tests/unit/fixtures/fixers/, captured
from namespaces by capture.sh; a few scenarios reuse tests/unit/fixtures/firewall/captured/)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.firewalld import (
    parse_firewalld_policies, parse_firewalld_zones)
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import icmp, icmp_rules, icmp_zones

HERE = os.path.dirname(__file__)
FX = os.path.join(HERE, '..', '..', '..', '..', 'fixtures', 'fixers')
FW = os.path.join(HERE, '..', '..', '..', '..', 'fixtures', 'firewall')


def fx(name):
    with open(os.path.join(FX, name)) as f:
        return f.read()


def fw(name):
    with open(os.path.join(FW, name)) as f:
        return f.read()


def want(**params):
    return icmp.want_from_params(params)


def argvs(changes):
    return [' '.join(c['argv']) for c in changes if 'argv' in c]


def nft_have(name='nft_drop.json'):
    return icmp.have_from_outputs(fx(name), {})


def ipt_have(variant, state, nft_json=None):
    return icmp.have_from_outputs(nft_json, {('ipv4', variant): fx('iptables_%s_%s.txt' % (variant, state)),
                                             ('ipv6', variant): fx('ip6tables_%s_%s.txt' % (variant, state))})


ACCEPT = 'icmp type echo-request counter accept comment "vmnet.doctor"'


# ------------------------------------------------------------------------------ input validation

@pytest.mark.parametrize('params, message', [
    ({'source': '192.0.2.300/24'}, 'not a valid IPv4 or IPv6'),
    ({'source': '192.0.2.1/24'}, 'host bits set (did you mean 192.0.2.0/24?)'),
    ({'destination': 'example'}, 'destination'),
    ({'source': '2001:db8::/64'}, 'ip_version is ipv4'),
    ({'source': '192.0.2.0/24', 'ip_version': 'both'}, 'ip_version is both'),
    ({'icmp_types': ['echo-request', 'timestamp']}, "'timestamp' is not one of"),
    ({'comment': 'has "quotes"'}, 'comment'),
    ({'state': 'absent', 'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'filter',
                                         'chain': 'input', 'handle': 5}}, 'state: absent'),
    ({'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'input',
                      'rule_number': 2}}, 'needs handle'),
    ({'remove_rule': {'backend': 'iptables', 'family': 'inet', 'table': 'filter', 'chain': 'INPUT',
                      'rule_number': 2}}, 'ipv4 or ipv6'),
    ({'remove_rule': {'backend': 'nftables', 'family': 'inet', 'table': 'a b', 'chain': 'input',
                      'handle': 2}}, 'remove_rule.table'),
])
def test_bad_input(params, message):
    with pytest.raises(DoctorError) as e:
        icmp.want_from_params(params)
    assert message in str(e.value)


def test_want_defaults_leave_as_is():
    w = want()
    assert w['source'] is None and w['destination'] is None
    assert w['families'] == ['ipv4'] and w['icmp_types'] == ['echo-request'] and w['hook'] == 'input'
    assert w['persist'] is False and w['comment'] == 'vmnet.doctor'
    assert icmp.packets(want(source='192.0.2.0/24'))[0]['src'] == '192.0.2.1'
    assert icmp.packets(want(source='192.0.2.7'))[0]['src'] == '192.0.2.7'


# ------------------------------------------------------------------------------ nftables

def test_nft_new_inserts_before_drop_and_appends_to_policy_chain():
    changes = icmp.plan(want(source='192.0.2.0/24'), nft_have())
    assert argvs(changes) == [
        'nft insert rule inet filter input position 5 ip saddr 192.0.2.0/24 ' + ACCEPT,
        'nft add rule ip strict input ip saddr 192.0.2.0/24 ' + ACCEPT,
    ]


def test_nft_accept_below_drop_does_not_count():
    have = nft_have()
    below = [r for r in have['nft']['chains']['inet filter input']['rules'] if r.get('comment')]
    assert below and below[0]['handle'] == 7            # the fixture has the accept below the drop
    before, after = icmp.states(want(source='192.0.2.0/24'), have, [])
    assert before['verdicts'][0]['verdict'] == 'drop'
    assert before['verdicts'][0]['deciding_rule']['handle'] == 5
    assert after['verdicts'][0]['verdict'] == 'accept' and after['verdicts'][0]['certain'] is True
    assert after['verdicts'][0]['deciding_rule']['new'] is True
    assert before['rules'] == [] and len(after['rules']) == 2


def test_nft_already_right():
    w = want(source='192.0.2.0/24')
    have = nft_have('nft_fixed.json')
    assert icmp.plan(w, have) == []
    assert icmp.warnings(w, have) == []
    before, after = icmp.states(w, have, [])
    assert before == after


def test_nft_ipv6_and_any_source():
    changes = icmp.plan(want(ip_version='ipv6'), nft_have('nft_fixed.json'))
    assert argvs(changes) == ['nft insert rule inet filter input position 6 icmpv6 type echo-request '
                              'counter accept comment "vmnet.doctor"']


def test_nft_absent_removes_only_ours():
    w = want(source='192.0.2.0/24', state='absent')
    assert argvs(icmp.plan(w, nft_have('nft_fixed.json'))) == [
        'nft delete rule inet filter input handle 8', 'nft delete rule ip strict input handle 4']
    assert icmp.plan(w, nft_have('nft_drop.json')) == []             # the "below" rule is not ours
    assert icmp.plan(want(source='192.0.2.0/25', state='absent'), nft_have('nft_fixed.json')) == []
    _b, after = icmp.states(w, nft_have('nft_fixed.json'), [])
    assert after['verdicts'][0]['verdict'] == 'drop' and after['rules'] == []


def test_nft_output_hook_reject():
    have = icmp.have_from_outputs(fw('captured/nft_reject_output.nft.json'), {})
    ev = icmp._evaluate(icmp._new_sim(have), icmp.packets(want(hook='output'))[0])
    changes = icmp.plan(want(hook='output', icmp_types=['echo-request', 'echo-reply']), have)
    assert ev['verdict'] in ('drop', 'reject') and changes
    assert all(c['argv'][:3] == ['nft', 'insert', 'rule'] or c['argv'][:3] == ['nft', 'add', 'rule']
               for c in changes)
    _b, after = icmp.states(want(hook='output', icmp_types=['echo-request', 'echo-reply']), have, changes)
    assert [v['verdict'] for v in after['verdicts']] == ['accept', 'accept']


# ------------------------------------------------------------------------------ iptables

@pytest.mark.parametrize('variant', ['legacy', 'nft'])
def test_iptables_new(variant):
    nft_json = fx('nft_with_iptables_nft.json') if variant == 'nft' else None
    changes = icmp.plan(want(ip_version='both'), ipt_have(variant, 'drop', nft_json))
    # the xt tables iptables-nft keeps in nftables are not touched with nft
    assert argvs(changes) == [
        'iptables-%s -w -t filter -I INPUT 2 -p icmp --icmp-type echo-request -m comment --comment vmnet.doctor -j ACCEPT' % variant,
        'ip6tables-%s -w -t filter -I INPUT 1 -p ipv6-icmp --icmpv6-type echo-request -m comment --comment vmnet.doctor -j ACCEPT' % variant,
    ]


@pytest.mark.parametrize('variant', ['legacy', 'nft'])
def test_iptables_already_right_and_absent(variant):
    nft_json = fx('nft_with_iptables_nft_fixed.json') if variant == 'nft' else None
    have = ipt_have(variant, 'fixed', nft_json)
    assert icmp.plan(want(source='192.0.2.0/24'), have) == []
    assert argvs(icmp.plan(want(source='192.0.2.0/24', state='absent'), have)) == [
        'iptables-%s -w -t filter -D INPUT -s 192.0.2.0/24 -p icmp -m icmp --icmp-type 8 -m comment '
        '--comment vmnet.doctor -j ACCEPT' % variant]
    # a different source is not "ours"
    assert icmp.plan(want(source='192.0.2.5', state='absent'), have) == []


def test_iptables_changed_source_needs_its_own_accept():
    have = ipt_have('legacy', 'fixed')
    # 192.0.2.0/24 is accepted by our rule; 198.51.100.7 is not dropped at all -> nothing
    assert icmp.plan(want(source='198.51.100.7'), have) == []
    # a narrower source inside the prefix is already accepted by the wider accept
    assert icmp.plan(want(source='192.0.2.128/25'), have) == []


def test_iptables_policy_drop_appends():
    have = icmp.have_from_outputs(None, {('ipv4', 'legacy'): fx('iptables_legacy_policy_drop.txt')})
    assert argvs(icmp.plan(want(source='192.0.2.9'), have)) == [
        'iptables-legacy -w -t filter -A INPUT -s 192.0.2.9 -p icmp --icmp-type echo-request -m comment '
        '--comment vmnet.doctor -j ACCEPT']


def test_nft_accept_does_not_end_iptables_legacy_drop():
    """nftables accepts in its own base chain; the iptables-legacy hook still drops."""
    have = icmp.have_from_outputs(fw('captured/mixed_nft_accept_ipt_drop.nft.json'),
                                  {('ipv4', 'legacy'): fw('captured/mixed_nft_accept_ipt_drop.iptables-legacy-save.txt')})
    assert argvs(icmp.plan(want(), have)) == [
        'iptables-legacy -w -t filter -I INPUT 1 -p icmp --icmp-type echo-request -m comment --comment '
        'vmnet.doctor -j ACCEPT']


def test_ufw_layout_policy_drop_and_accepting_rule():
    """ufw's chain layout (iptables-nft): its own accept in ufw-before-input counts; other
    sources fall through to the INPUT policy drop, so the accept is appended to INPUT."""
    have = icmp.have_from_outputs(fw('captured/ufw_like.nft.json'),
                                  {('ipv4', 'nft'): fw('captured/ufw_like.iptables-nft-save.txt')})
    w_ok = want(source='10.99.5.7', destination='10.99.2.1')
    assert icmp.plan(w_ok, have) == []
    assert icmp.states(w_ok, have, [])[0]['verdicts'][0]['deciding_rule']['chain'] == 'ufw-before-input'
    w = want(source='192.0.2.9', destination='10.99.2.1')
    changes = icmp.plan(w, have)
    assert argvs(changes) == ['iptables-nft -w -t filter -A INPUT -s 192.0.2.9 -d 10.99.2.1 -p icmp --icmp-type '
                              'echo-request -m comment --comment vmnet.doctor -j ACCEPT']
    before, after = icmp.states(w, have, changes)
    assert before['verdicts'][0]['deciding_rule']['text'] == '-P INPUT DROP'
    assert after['verdicts'][0]['verdict'] == 'accept' and after['verdicts'][0]['certain']


def test_ufw_active_puts_the_accept_first_in_ufw_before_input():
    have = icmp.have_from_outputs(fw('captured/ufw_like.nft.json'),
                                  {('ipv4', 'nft'): fw('captured/ufw_like.iptables-nft-save.txt')}, ufw_active=True)
    w = want(source='192.0.2.9', destination='10.99.2.1')
    changes = icmp.plan(w, have)
    assert argvs(changes) == ['iptables-nft -w -t filter -I ufw-before-input 1 -s 192.0.2.9 -d 10.99.2.1 -p icmp '
                              '--icmp-type echo-request -m comment --comment vmnet.doctor -j ACCEPT']
    assert icmp.states(w, have, changes)[1]['verdicts'][0]['verdict'] == 'accept'


@pytest.mark.parametrize('nft_json, saves, expected', [
    ('captured/fwd_nft_forward_drop.nft.json', {},
     ['nft insert rule inet fwfwd forward position 3 ip saddr 10.99.1.1 ip daddr 10.99.2.1 ' + ACCEPT]),
    ('captured/fwd_ipt_forward.nft.json',
     {('ipv4', 'legacy'): 'captured/fwd_ipt_forward.iptables-legacy-save.txt'},
     # policy DROP; the accept it has needs -i ra -o r+ (interfaces unknown: "maybe") -> append
     ['iptables-legacy -w -t filter -A FORWARD -s 10.99.1.1 -d 10.99.2.1 -p icmp --icmp-type echo-request '
      '-m comment --comment vmnet.doctor -j ACCEPT']),
])
def test_forward_hook(nft_json, saves, expected):
    have = icmp.have_from_outputs(fw(nft_json), dict((k, fw(v)) for k, v in saves.items()))
    w = want(source='10.99.1.1', destination='10.99.2.1', hook='forward')
    changes = icmp.plan(w, have)
    assert argvs(changes) == expected
    assert icmp.states(w, have, changes)[1]['verdicts'][0]['verdict'] == 'accept'
    assert icmp.plan(want(source='10.99.1.1', destination='10.99.2.1', hook='input'), have) == []


# ------------------------------------------------------------------------------ backend choice

def test_backend_named_but_dropped_elsewhere_fails():
    with pytest.raises(DoctorError) as e:
        icmp.plan(want(backend='iptables'), icmp.have_from_outputs(
            fx('nft_drop.json'), {('ipv4', 'legacy'): ''}))
    assert 'backend iptables was requested' in str(e.value) and 'nothing was changed' in str(e.value)


@pytest.mark.parametrize('backend, message', [
    ('nftables', 'nft is not installed'), ('firewalld', 'firewalld is not running'),
    ('ufw', 'ufw is not installed or not active'), ('iptables', 'no iptables binary')])
def test_backend_absent_fails(backend, message):
    have = icmp.have_from_outputs(None, {}, tools={'nftables': False})
    with pytest.raises(DoctorError) as e:
        icmp.plan(want(backend=backend), have)
    assert message in str(e.value)


# ------------------------------------------------------------------------------ remove_rule

def rr(**kw):
    base = {'backend': 'nftables', 'family': 'inet', 'table': 'filter', 'chain': 'input'}
    base.update(kw)
    return base


def test_remove_named_nft_drop():
    w = want(source='192.0.2.10', remove_rule=rr(handle=5, text='ip saddr 192.0.2.0/24 icmp type echo-request drop'))
    have = icmp.have_from_outputs(fx('nft_drop.json'), {})
    assert argvs(icmp.plan(w, have)) == ['nft delete rule inet filter input handle 5']
    # the ip strict policy still drops afterwards: said, not hidden
    assert any('still be drop' in x for x in icmp.warnings(w, have))


@pytest.mark.parametrize('kw, message', [
    ({'handle': 99}, 'no rule with handle 99'),
    ({'handle': 4}, 'not a drop/reject'),
    ({'handle': 6}, 'not on the path'),                 # icmpv6 drop, ipv4 asked
    ({'handle': 5, 'text': 'ip saddr 10.0.0.0/8 drop'}, 'ruleset changed since the diagnosis'),
    ({'handle': 5, 'chain': 'nope'}, 'no nftables chain'),
])
def test_remove_named_refused(kw, message):
    with pytest.raises(DoctorError) as e:
        icmp.plan(want(source='192.0.2.10', remove_rule=rr(**kw)), nft_have())
    assert message in str(e.value) and 'nothing was changed' in str(e.value)


def test_remove_named_is_idempotent_once_accepted():
    # after the drop is gone the packet is accepted: the (now missing) handle is not an error
    assert icmp.plan(want(source='192.0.2.10', remove_rule=rr(handle=5)), nft_have('nft_fixed.json')) == []


def test_remove_named_iptables_rule_number():
    w = want(source='192.0.2.10', remove_rule={'backend': 'iptables', 'family': 'ipv4', 'table': 'filter',
                                               'chain': 'INPUT', 'rule_number': 2})
    assert argvs(icmp.plan(w, ipt_have('legacy', 'drop'))) == ['iptables-legacy -w -t filter -D INPUT 2']
    w1 = want(source='192.0.2.10', remove_rule={'backend': 'iptables', 'family': 'ipv4', 'table': 'filter',
                                                'chain': 'INPUT', 'rule_number': 1})
    with pytest.raises(DoctorError) as e:
        icmp.plan(w1, ipt_have('legacy', 'drop'))
    assert 'not a drop/reject' in str(e.value)


# ------------------------------------------------------------------------------ persistence

def test_persist_nft_plans_dump_without_iptables_nft_tables():
    w = want(source='192.0.2.0/24', persist=True, persist_paths={'nftables': '/tmp/x.nft'})
    have = icmp.have_from_outputs(fx('nft_drop.json'), {('ipv4', 'nft'): ''})
    changes = icmp.plan(w, have)
    writes = [c for c in changes if 'write' in c]
    assert len(writes) == 1 and writes[0]['write'] == '/tmp/x.nft'
    assert writes[0]['dump_cmds'] == [['nft', '-s', 'list', 'table', 'inet', 'filter'],
                                      ['nft', '-s', 'list', 'table', 'ip', 'strict']]
    assert icmp.runtime_only(w) is False and icmp.runtime_only(want()) is True
    # iptables-nft's xt tables are left out of the nftables file
    have2 = ipt_have('nft', 'fixed', fx('nft_with_iptables_nft_fixed.json'))
    assert icmp.dump_argv('nftables', have2) == []


def test_persist_idempotent_when_file_matches():
    w = want(source='192.0.2.0/24', persist=True, persist_paths={'nftables': '/tmp/x.nft'})
    dump = icmp.NFT_HEADER + fx('nft_fixed_stateless.nft')
    have = icmp.have_from_outputs(fx('nft_fixed.json'), {}, files={'/tmp/x.nft': dump},
                                  dumps={'nftables': dump})
    assert icmp.plan(w, have) == []
    have['files']['/tmp/x.nft'] = None           # runtime right, file missing -> write it
    assert [c['write'] for c in icmp.plan(w, have)] == ['/tmp/x.nft']


def test_persist_iptables_normalised():
    text = fx('iptables_legacy_fixed.txt')
    norm = icmp_rules.normalise_iptables_save(text)
    assert '# Generated' not in norm and ':INPUT ACCEPT [0:0]' in norm
    assert icmp_rules.normalise_iptables_save(text.replace('[0:0]', '[5:420]')) == norm
    w = want(source='192.0.2.0/24', persist=True, persist_paths={'iptables': '/tmp/rules.v4'})
    have = ipt_have('legacy', 'drop')
    writes = [c for c in icmp.plan(w, have) if 'write' in c]
    assert [(c['write'], c['dump_cmds']) for c in writes] == [('/tmp/rules.v4', [['iptables-legacy-save']])]


class FakeRunner(object):
    """The I/O edge of apply: records commands and writes, answers dumps."""

    def __init__(self, outputs):
        self.outputs, self.ran, self.written = outputs, [], {}

    def check(self, argv):
        self.ran.append(list(argv))
        return ''

    def run(self, argv):
        self.ran.append(list(argv))
        return 0, self.outputs.get(tuple(argv), ''), ''

    def write(self, path, content):
        self.written[path] = content


def test_apply_runs_commands_then_writes_dump():
    w = want(source='192.0.2.0/24', persist=True, persist_paths={'nftables': '/tmp/x.nft'})
    changes = icmp.plan(w, nft_have())
    runner = FakeRunner({('nft', '-s', 'list', 'table', 'inet', 'filter'): 'table inet filter {}\n',
                         ('nft', '-s', 'list', 'table', 'ip', 'strict'): 'table ip strict {}\n'})
    icmp.apply_changes(runner, changes)
    assert [r[:3] for r in runner.ran[:2]] == [['nft', 'insert', 'rule'], ['nft', 'add', 'rule']]
    assert runner.written == {'/tmp/x.nft': icmp.NFT_HEADER + 'table inet filter {}\ntable ip strict {}\n'}


def test_runtime_only_warning():
    assert any('runtime' in x for x in icmp.warnings(want(source='192.0.2.0/24'), nft_have()))
    assert not any('runtime' in x for x in icmp.warnings(want(source='192.0.2.0/24', persist=True), nft_have()))


# ------------------------------------------------------------------------------ firewalld (plan only)

def fwd_have(**zone_changes):
    zones = parse_firewalld_zones(fw('recorded/firewalld-list-all-zones.txt'))
    for key, value in zone_changes.items():
        zones['public'][key] = value
    return icmp.have_from_outputs(None, {}, firewalld={'running': True, 'default_zone': 'public',
                                                       'zones': zones})


def test_firewalld_icmp_block_any_source_removes_block():
    have = fwd_have(icmp_blocks=['echo-request'])
    assert argvs(icmp.plan(want(persist=True), have)) == [
        'firewall-cmd --zone=public --remove-icmp-block=echo-request',
        'firewall-cmd --permanent --zone=public --remove-icmp-block=echo-request']


def test_firewalld_source_gets_rich_rule_then_idempotent():
    have = fwd_have(icmp_blocks=['echo-request'])
    rule = 'rule priority="-100" family="ipv4" source address="203.0.113.0/24" icmp-type name="echo-request" accept'
    assert argvs(icmp.plan(want(source='203.0.113.0/24'), have)) == [
        'firewall-cmd --zone=public --add-rich-rule=%s' % rule]
    have2 = fwd_have(icmp_blocks=['echo-request'], rich_rules=[rule])
    assert icmp.plan(want(source='203.0.113.0/24'), have2) == []
    assert argvs(icmp.plan(want(source='203.0.113.0/24', state='absent'), have2)) == [
        'firewall-cmd --zone=public --remove-rich-rule=%s' % rule]


def test_firewalld_source_zone_and_inversion():
    have = fwd_have()
    # 192.0.2.200 is bound to zone dmz (inversion on, echo-request listed = allowed): nothing to do
    assert icmp.plan(want(source='192.0.2.200'), have) == []
    # 198.51.100.0/24 is bound to zone drop (target DROP): a rich accept
    assert argvs(icmp.plan(want(source='198.51.100.0/24'), have)) == [
        'firewall-cmd --zone=drop --add-rich-rule=rule priority="-100" family="ipv4" source '
        'address="198.51.100.0/24" icmp-type name="echo-request" accept']


def test_firewalld_refuses_output_hook():
    with pytest.raises(DoctorError):
        icmp.plan(want(hook='output'), fwd_have())


# ------------------------------------------------------------------------------ ufw before.rules (plan only)

def test_ufw_before_rules_edit():
    content = fx('ufw_before.rules')
    w = want(source='192.0.2.0/24')
    line = icmp_zones.ufw_line(w, 'ipv4', 'echo-request')
    assert line == ('-A ufw-before-input -s 192.0.2.0/24 -p icmp --icmp-type echo-request -m comment '
                    '--comment "vmnet.doctor" -j ACCEPT')
    new = icmp_zones.edit_ufw_rules(content, [line])
    lines = new.splitlines()
    first_input = [i for i, x in enumerate(lines) if x.startswith('-A ufw-before-input')][0]
    assert lines[first_input] == line                        # before every other ufw-before-input rule
    assert icmp_zones.edit_ufw_rules(new, [line]) == new           # idempotent
    assert icmp_zones.edit_ufw_rules(new, [line], remove=True).count(line) == 0
    assert icmp_zones.edit_ufw_rules(content, [line], remove=True) == content


def test_ufw_persist_plans_file_edit():
    w = want(source='192.0.2.0/24', persist=True, persist_paths={'ufw_before_rules': '/tmp/before.rules'})
    have = icmp.have_from_outputs(None, {('ipv4', 'legacy'): fx('iptables_legacy_fixed.txt')},
                                  ufw_active=True, files={'/tmp/before.rules': fx('ufw_before.rules')})
    changes = icmp.plan(w, have)
    assert [c['write'] for c in changes] == ['/tmp/before.rules']
    assert icmp_zones.ufw_line(w, 'ipv4', 'echo-request') in changes[0]['content']


# ------------------------------------------------------------------------------ collect (I/O edge faked)

class CollectRunner(object):
    """runner.run / runner.read / runner.module.get_bin_path answered from recorded outputs."""

    def __init__(self, outputs, bins, files=None):
        self.outputs, self.files, self.ran = outputs, files or {}, []
        bins = set(bins)

        class _M(object):
            @staticmethod
            def get_bin_path(name, *a, **k):
                return '/usr/sbin/' + name if name in bins else None
        self.module = _M()

    def run(self, argv):
        self.ran.append(tuple(argv))
        return self.outputs.get(tuple(argv), (127, '', 'not recorded'))

    def read(self, path):
        return self.files.get(path)

    def read_file(self, path, what='persist file'):
        return self.files.get(path)

    def check_writable(self, path, what='persist file'):
        return None


def test_collect_tolerates_an_unreadable_iptables_variant():
    runner = CollectRunner({('nft', '-j', 'list', 'ruleset'): (0, fx('nft_drop.json'), ''),
                            ('iptables-legacy-save',): (1, '', "can't initialize iptables table `filter'"),
                            ('ip6tables-legacy-save',): (0, '', '')},
                           ['nft', 'iptables-legacy', 'iptables-legacy-save', 'ip6tables-legacy-save'])
    w = want(source='192.0.2.0/24')
    have = icmp.collect(runner, w)
    assert ('ipv4', 'legacy') not in have['iptables'] and ('ipv6', 'legacy') in have['iptables']
    assert any("iptables-legacy-save failed (rc=1): can't initialize" in x for x in icmp.warnings(w, have))
    assert len(icmp.plan(w, have)) == 2
    assert all(a[0] in ('nft', 'iptables-legacy-save', 'ip6tables-legacy-save') for a in runner.ran)


def test_collect_persist_reads_files_and_dumps():
    w = want(source='192.0.2.0/24', persist=True, persist_paths={'nftables': '/tmp/x.nft'})
    runner = CollectRunner({('nft', '-j', 'list', 'ruleset'): (0, fx('nft_fixed.json'), ''),
                            ('nft', '-s', 'list', 'table', 'inet', 'filter'): (0, 'table inet filter {}\n', ''),
                            ('nft', '-s', 'list', 'table', 'ip', 'strict'): (0, 'table ip strict {}\n', '')},
                           ['nft'], files={'/tmp/x.nft': icmp.NFT_HEADER + 'table inet filter {}\ntable ip strict {}\n'})
    have = icmp.collect(runner, w)
    assert have['dumps']['nftables'] == have['files']['/tmp/x.nft']
    assert icmp.plan(w, have) == []                  # runtime and file both right
    runner.files['/tmp/x.nft'] = 'stale'
    assert [c['write'] for c in icmp.plan(w, icmp.collect(runner, w))] == ['/tmp/x.nft']


# ------------------------------------------------------------------------------ firewalld: the incoming interface picks the zone

RICH = ('rule priority="-100" family="ipv4" source address="203.0.113.7/32" icmp-type name="echo-request" '
        'accept')


def test_firewalld_zone_of_the_incoming_interface_gets_the_rich_rule():
    have = fwd_have()
    have['firewalld']['zones']['drop']['interfaces'] = ['eth0']
    have['iif'] = {'203.0.113.7': 'eth0'}      # ip route get 203.0.113.7 -> dev eth0
    assert argvs(icmp.plan(want(source='203.0.113.7/32'), have)) == [
        'firewall-cmd --zone=drop --add-rich-rule=%s' % RICH]


def test_firewalld_absent_removes_the_rich_rule_from_every_zone():
    have = fwd_have(rich_rules=[RICH])
    have['firewalld']['zones']['drop']['rich_rules'] = [RICH]
    assert argvs(icmp.plan(want(source='203.0.113.7/32', state='absent', persist=True), have)) == [
        'firewall-cmd --zone=drop --remove-rich-rule=%s' % RICH,
        'firewall-cmd --permanent --zone=drop --remove-rich-rule=%s' % RICH,
        'firewall-cmd --zone=public --remove-rich-rule=%s' % RICH,
        'firewall-cmd --permanent --zone=public --remove-rich-rule=%s' % RICH]


def test_ufw_remove_drops_the_marker_comment_too():
    content = fx('ufw_before.rules')
    line = icmp_zones.ufw_line(want(source='192.0.2.0/24'), 'ipv4', 'echo-request')
    added = icmp_zones.edit_ufw_rules(content, [line])
    assert icmp_zones.UFW_MARK in added
    assert icmp_zones.edit_ufw_rules(added, [line], remove=True) == content


# ------------------------------------------------------------------------------ firewalld: policies between zones (forward)
# zones and policies captured on the routed firewalld lab with fault fwd_policy_drop (lab-block: public -> internal, DROP)

POLICY_RICH = ('rule priority="-100" family="ipv4" source address="10.220.0.1/32" destination address="10.220.1.11/32" '
               'icmp-type name="echo-request" accept')


def policy_have(extra_rich=None):
    policies = parse_firewalld_policies(fw('captured/firewalld_policy_drop.list-all-policies.txt'))
    if extra_rich:
        policies['lab-block']['rich_rules'].append(extra_rich)
    have = icmp.have_from_outputs(None, {}, firewalld={
        'running': True, 'default_zone': 'public', 'policies': policies,
        'zones': parse_firewalld_zones(fw('captured/firewalld_policy_drop.list-all-zones.txt'))})
    have['iif'], have['oif'] = {'10.220.0.1': 'eth0'}, {'10.220.1.11': 'br0'}   # ip route get, both ways
    return have


def fwd_want(**params):
    return want(hook='forward', source='10.220.0.1/32', destination='10.220.1.11/32', **params)


def test_firewalld_policy_gets_the_rich_accept_then_idempotent():
    assert argvs(icmp.plan(fwd_want(persist=True), policy_have())) == [
        'firewall-cmd --policy=lab-block --add-rich-rule=%s' % POLICY_RICH,
        'firewall-cmd --permanent --policy=lab-block --add-rich-rule=%s' % POLICY_RICH]
    assert icmp.plan(fwd_want(persist=True), policy_have(POLICY_RICH)) == []
    assert argvs(icmp.plan(fwd_want(state='absent'), policy_have(POLICY_RICH))) == [
        'firewall-cmd --policy=lab-block --remove-rich-rule=%s' % POLICY_RICH]


def test_firewalld_forward_no_policy_decides_is_refused():
    have = policy_have()
    for name in ('lab-block', 'lab-to-vms'):
        del have['firewalld']['policies'][name]
    with pytest.raises(DoctorError) as err:
        icmp.plan(fwd_want(), have)
    assert 'no policy decides the forwarded echo-request 10.220.0.1 -> 10.220.1.11' in str(err.value)
