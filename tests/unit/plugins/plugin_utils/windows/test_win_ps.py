# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quoting and the exact PowerShell text the Windows plugins send."""
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import ps


@pytest.mark.parametrize('value, expected', [
    ('web01', "'web01'"),
    ("O'Brien's VM", "'O''Brien''s VM'"),
    (u'smart\u2019quote', u"'smart\u2019\u2019quote'"),
    ('$(Remove-Item C:\\)', "'$(Remove-Item C:\\)'"),       # no expansion inside single quotes
    ('a"b`c', "'a\"b`c'"),
    ('', "''"),
])
def test_quote(value, expected):
    assert ps.quote(value) == expected


def test_quote_rejects_nul_and_none():
    with pytest.raises(DoctorError) as exc:
        ps.quote('a\x00b')
    assert 'NUL' in exc.value.message
    with pytest.raises(DoctorError):
        ps.quote(None)


def test_cmd_quotes_values_keeps_order_and_skips_none():
    text = ps.cmd('Set-NetRoute', 'Confirm:$false', DestinationPrefix='0.0.0.0/0', InterfaceIndex=14,
                  NextHop="1.2.3.4'; Stop-Computer; '", RouteMetric=None)
    assert text == ("Set-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 "
                    "-NextHop '1.2.3.4''; Stop-Computer; ''' -Confirm:$false")


def test_cmd_lists_bools_and_raw_variables():
    assert ps.cmd('New-NetFirewallRule', Profile=['Private', 'Public'], Enabled=True) == \
        "New-NetFirewallRule -Profile 'Private','Public' -Enabled $true"
    assert ps.cmd('Connect-VMNetworkAdapter', VMNetworkAdapter=ps.Raw('$a[0]')) == \
        'Connect-VMNetworkAdapter -VMNetworkAdapter $a[0]'


@pytest.mark.parametrize('call', [
    lambda: ps.cmd('Remove-Item; x', Name='a'),
    lambda: ps.cmd('Get-Item', **{'Na me': 'a'}),
    lambda: ps.cmd('Get-Item', 'Force; Stop-Computer'),
    lambda: ps.cmd('Get-Item', Name=ps.Raw('$(Stop-Computer)')),
])
def test_cmd_refuses_anything_but_names(call):
    with pytest.raises(DoctorError):
        call()


def test_collect_script_reads_port_filters_before_rules_and_quotes_peers():
    script = ps.collect_script(peers=["192.0.2.1", "x'y"])
    assert "$peers = @('192.0.2.1','x''y')" in script
    assert script.index("Add-Section 'NetFirewallPortFilter'") < script.index('$ids = @{}; foreach') < \
        script.index("Add-Section 'NetFirewallRule'")
    assert script.rstrip().endswith('ConvertTo-Json -InputObject $out -Depth 5 -Compress')
    assert "Add-Section 'VMSwitch' { if ($out.HyperV) { Get-VMSwitch" in script
    # read-only: no verb that changes anything on the host (Remove-TypeData only affects this session)
    assert script.count('Remove-TypeData System.Array -ErrorAction SilentlyContinue') == 1
    # New-Object only builds an in-session object (the UTF-8 console encoding).
    host_script = script.replace('Remove-TypeData System.Array', '').replace('New-Object System.Text.UTF8Encoding', '')
    for verb in ('Set-', 'New-', 'Remove-', 'Enable-', 'Disable-', 'Connect-'):
        assert verb not in host_script


def test_collect_script_only_the_sections_asked():
    script = ps.collect_script(['NetRoute'])
    assert "Add-Section 'NetRoute'" in script and 'Get-NetFirewallRule' not in script and 'Get-VMNetworkAdapter' not in script
    with pytest.raises(DoctorError):
        ps.collect_script(['Nope'])


def test_change_script_wraps_commands_and_reports_the_failed_step():
    script = ps.change_script(["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"])
    assert script.splitlines() == [
        ps.CONSOLE_UTF8, 'try {', "$ErrorActionPreference = 'Stop'", '$step = 0', '$step++',
        "Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'", '} catch {',
        '[Console]::Error.WriteLine(("step {0}: {1}" -f $step, $_.Exception.Message))', 'exit 1', '}',
        'ConvertTo-Json -InputObject @{ applied = $step } -Compress']
    with pytest.raises(DoctorError):
        ps.change_script([])


def balanced(script):
    """Brackets balance outside single/double-quoted strings (a cheap syntax check: no pwsh here)."""
    stack, quote, i = [], None, 0
    pairs = {')': '(', '}': '{', ']': '['}
    while i < len(script):
        char = script[i]
        if quote:
            if char == quote:
                if script[i + 1:i + 2] == quote:    # doubled quote inside a string
                    i += 1
                else:
                    quote = None
        elif char in ('"', "'"):
            quote = char
        elif char in '({[':
            stack.append(char)
        elif char in ')}]':
            if not stack or stack.pop() != pairs[char]:
                return False
        i += 1
    return not stack and quote is None


def test_generated_scripts_are_balanced():
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
    from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans as P
    import win_fixtures as W
    facts = F.parse(W.raw_host(), W.PEERS)
    scripts = [ps.collect_script(peers=["a'b", '192.0.2.1'])]
    for plan in (P.plan_icmp_rule({'source': '10.9.9.0/24', 'prefer_builtin': False, 'name': "it's"}, facts),
                 P.plan_default_gateway({'gateway': '192.168.10.1', 'metric': 3}, facts),
                 P.plan_interface_mtu({'interface': 'vEthernet (External)', 'mtu': 1500}, facts),
                 P.plan_vm_nic({'vm': 'db01', 'mac': '00:15:5d:0a:64:12', 'switch': 'NATSwitch', 'vlan_id': 5,
                                'mac_spoofing': True}, facts)):
        assert plan['commands']
        scripts.append(ps.change_script(plan['commands']))
        scripts.extend(plan['commands'])
    for script in scripts:
        assert balanced(script), script
    assert not balanced("Get-Item -Name 'a''")
    assert not balanced('foreach ($a in $b) { (')
