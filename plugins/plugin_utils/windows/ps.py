# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PowerShell the Windows/Hyper-V action plugins send, and how values are quoted into it.

Every script the collection runs on a Windows host is built here, from reviewed string
constants: one read script (``collect_script``) and one small command per change (the planners
in ``windows/plans.py`` call ``cmd()``). User values only ever enter a script as
single-quoted PowerShell literals (``quote``) or as validated integers, never by string
interpolation of raw input. The scripts are run through the connection's PowerShell shell
(``_encode_script``), which adds ``Set-StrictMode -Version Latest``: they are written for it.
No I/O here.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError

# PowerShell treats the typographic single quotes as quote characters too; doubling each
# one inside a single-quoted literal makes it a literal character (about_Quoting_Rules).
_SINGLE_QUOTES = u"'\u2018\u2019\u201a\u201b"
_BAREWORD = re.compile(r'^[A-Za-z][A-Za-z0-9]*$')


def quote(value):
    """A single-quoted PowerShell string literal holding exactly ``value``."""
    if value is None:
        raise DoctorError('cannot quote a null value for PowerShell')
    text = u'%s' % (value,)
    if u'\x00' in text:
        raise DoctorError('NUL character in a value sent to PowerShell: %r' % (value,))
    out = []
    for char in text:
        out.append(char + char if char in _SINGLE_QUOTES else char)
    return u"'%s'" % u''.join(out)


def quote_list(values):
    """A PowerShell array literal of single-quoted strings: @('a','b')."""
    return u'@(%s)' % u','.join(quote(v) for v in values)


class Raw(str):
    """A PowerShell expression written by this module (a variable such as ``$a[0]``), sent as is."""


def arg(value):
    """One argument value: quoted string, validated int, $true/$false, or an array of them."""
    if isinstance(value, Raw):
        if not re.match(r'^\$[A-Za-z]+(\[[0-9]+\])?$', value):
            raise DoctorError('not a variable reference: %r' % value)
        return u'%s' % value
    if isinstance(value, bool):
        return u'$true' if value else u'$false'
    if isinstance(value, int):
        return u'%d' % value
    if isinstance(value, (list, tuple)):
        return u','.join(arg(v) for v in value)
    return quote(value)


def cmd(name, *switches, **params):
    """``Verb-Noun -Param 'value' -Switch`` with every value quoted by ``arg``.

    ``params`` keep the order given (Python 3.7+ keeps keyword order); ``switches`` are bare
    switch names appended at the end. Names are checked to be barewords.
    """
    if not re.match(r'^[A-Za-z]+-[A-Za-z]+$', name):
        raise DoctorError('not a cmdlet name: %r' % name)
    parts = [name]
    for key, value in params.items():
        if not _BAREWORD.match(key):
            raise DoctorError('not a parameter name: %r' % key)
        if value is None:
            continue
        parts.append(u'-%s %s' % (key, arg(value)))
    for switch in switches:
        if not re.match(r'^[A-Za-z]+(:\$(true|false))?$', switch):
            raise DoctorError('not a switch: %r' % switch)
        parts.append(u'-%s' % switch)
    return u' '.join(parts)


# ----------------------------------------------------------------------------- the read script

# Sections the read script can gather; each is one cmdlet (or one documented pair).
SECTIONS = ('NetAdapter', 'NetIPInterface', 'NetIPAddress', 'NetRoute', 'NetNeighbor', 'NetConnectionProfile',
            'NetFirewallProfile', 'NetFirewallProfileGpo', 'NetFirewallPortFilter', 'NetFirewallRule', 'NetFirewallAddressFilter',
            'NetFirewallApplicationFilter', 'NetFirewallServiceFilter', 'RouteLookup', 'VMSwitch',
            'VMNetworkAdapter', 'VMNetworkAdapterVlan', 'NetNat', 'NetNatStaticMapping')

# Properties selected per cmdlet (Microsoft Learn names). Enums are written as their names
# (never localised) by Out-Obj; the Python parser also accepts the numbers plain
# ConvertTo-Json writes for them.
PROPERTIES = {
    'NetAdapter': ('Name', 'InterfaceDescription', 'ifIndex', 'Status', 'MacAddress', 'LinkSpeed', 'MtuSize',
                   'MediaConnectionState', 'AdminStatus', 'HardwareInterface', 'Virtual', 'FullDuplex'),
    'NetIPInterface': ('InterfaceAlias', 'InterfaceIndex', 'AddressFamily', 'NlMtu', 'ConnectionState',
                       'Forwarding', 'Dhcp', 'InterfaceMetric'),
    'NetIPAddress': ('InterfaceAlias', 'InterfaceIndex', 'IPAddress', 'AddressFamily', 'PrefixLength',
                     'PrefixOrigin', 'AddressState', 'SkipAsSource'),
    'NetRoute': ('DestinationPrefix', 'NextHop', 'InterfaceAlias', 'InterfaceIndex', 'AddressFamily',
                 'RouteMetric', 'InterfaceMetric', 'Protocol', 'Store'),
    'NetNeighbor': ('InterfaceAlias', 'InterfaceIndex', 'IPAddress', 'LinkLayerAddress', 'State', 'AddressFamily',
                    'Store'),
    'NetConnectionProfile': ('Name', 'InterfaceAlias', 'InterfaceIndex', 'NetworkCategory'),
    'NetFirewallProfile': ('Name', 'Enabled', 'DefaultInboundAction', 'DefaultOutboundAction',
                           'AllowInboundRules', 'AllowLocalFirewallRules', 'DisabledInterfaceAliases'),
    'NetFirewallProfileGpo': ('Name', 'Enabled', 'DefaultInboundAction', 'DefaultOutboundAction',
                              'AllowInboundRules', 'AllowLocalFirewallRules', 'DisabledInterfaceAliases'),
    'NetFirewallRule': ('Name', 'DisplayName', 'Group', 'Enabled', 'Profile', 'Direction', 'Action',
                        'PolicyStoreSourceType', 'InstanceID'),
    'NetFirewallPortFilter': ('InstanceID', 'Protocol', 'IcmpType'),
    'NetFirewallAddressFilter': ('InstanceID', 'RemoteAddress', 'LocalAddress'),
    'NetFirewallApplicationFilter': ('InstanceID', 'Program'),
    'NetFirewallServiceFilter': ('InstanceID', 'Service'),
    'VMSwitch': ('Name', 'Id', 'SwitchType', 'NetAdapterInterfaceDescription', 'NetAdapterInterfaceDescriptions',
                 'EmbeddedTeamingEnabled', 'AllowManagementOS'),
    'VMNetworkAdapter': ('Name', 'VMName', 'SwitchName', 'MacAddress', 'DynamicMacAddressEnabled',
                         'MacAddressSpoofing', 'Connected', 'Status', 'IPAddresses', 'IsManagementOs'),
    'VMNetworkAdapterVlan': ('OperationMode', 'AccessVlanId', 'NativeVlanId', 'AllowedVlanIdList',
                             'AllowedVlanIdListString'),
    'NetNat': ('Name', 'InternalIPInterfaceAddressPrefix', 'ExternalIPInterfaceAddressPrefix', 'Active'),
    'NetNatStaticMapping': ('NatName', 'Protocol', 'ExternalIPAddress', 'ExternalPort', 'InternalIPAddress',
                            'InternalPort', 'Active'),
}

# The console writes UTF-8 (as ansible-core's PowerShell shell plugin sets it for its own
# commands): localised interface, switch and VM names ('以太网', 'vEthernet (Standardswitch)')
# arrive intact instead of in the OEM code page. PSRP has no console, hence the try.
CONSOLE_UTF8 = u"try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding } catch {}"

# Remove-TypeData System.Array: Windows PowerShell 5.1 otherwise writes some arrays as
# {"value": [...], "Count": n} (the parser unwraps that shape too).
# Out-Obj copies the named properties (absent ones as $null: StrictMode forbids reading a
# missing property) and writes enums by name. Add-Section runs one reader and records an
# error instead of failing the whole read.
_PRELUDE = CONSOLE_UTF8 + u"""
$ErrorActionPreference = 'Stop'
Remove-TypeData System.Array -ErrorAction SilentlyContinue
$out = [ordered]@{ Errors = @() }
$ids = @{}
function Out-Obj($o, [string[]]$names) {
$h = [ordered]@{}
foreach ($n in $names) {
$p = $o.PSObject.Properties[$n]
$v = if ($null -eq $p) { $null } else { $p.Value }
if ($v -is [enum]) { $v = [string]$v }
elseif ($v -is [array]) { $v = @($v | ForEach-Object { if ($_ -is [enum]) { [string]$_ } else { $_ } }) }
$h[$n] = $v
}
[pscustomobject]$h
}
function Add-Section([string]$name, [scriptblock]$reader) {
try { $out[$name] = @(& $reader) }
catch { $out.Errors += [pscustomobject]@{ source = $name; message = $_.Exception.Message } }
}
"""

# One reader per section. $P holds the properties (PROPERTIES[name]) as a PowerShell array.
_READERS = {
    'NetAdapter': u"Get-NetAdapter | ForEach-Object { Out-Obj $_ $P }",
    'NetIPInterface': u"Get-NetIPInterface | ForEach-Object { Out-Obj $_ $P }",
    'NetIPAddress': u"Get-NetIPAddress | ForEach-Object { Out-Obj $_ $P }",
    # Without -PolicyStore, Get-NetRoute returns the ActiveStore (the routes in use) only.
    'NetRoute': u"Get-NetRoute | ForEach-Object { Out-Obj $_ $P }",
    'NetNeighbor': u"Get-NetNeighbor | Where-Object { [string]$_.State -ne 'Unreachable' -or "
                   u"$_.AddressFamily -eq 'IPv4' } | ForEach-Object { Out-Obj $_ $P }",
    'NetConnectionProfile': u"Get-NetConnectionProfile | ForEach-Object { Out-Obj $_ $P }",
    'NetFirewallProfile': u"Get-NetFirewallProfile -PolicyStore ActiveStore | ForEach-Object { Out-Obj $_ $P }",
    # What Group Policy enforces (resultant set of policy): values other than NotConfigured win.
    'NetFirewallProfileGpo': u"Get-NetFirewallProfile -PolicyStore RSOP | ForEach-Object { Out-Obj $_ $P }",
    # Only ICMP and any-protocol rules can decide an echo: select them by their port filter.
    'NetFirewallPortFilter': u"Get-NetFirewallPortFilter -All -PolicyStore ActiveStore | Where-Object { "
                             u"@('ICMPv4', 'ICMPv6', 'Any', '1', '58') -contains [string]$_.Protocol } | "
                             u"ForEach-Object { Out-Obj $_ $P }",
    'NetFirewallRule': u"Get-NetFirewallRule -All -PolicyStore ActiveStore | Where-Object { "
                       u"$ids.ContainsKey($_.InstanceID) } | ForEach-Object { Out-Obj $_ $P }",
    'NetFirewallAddressFilter': u"Get-NetFirewallAddressFilter -All -PolicyStore ActiveStore | Where-Object { "
                                u"$ids.ContainsKey($_.InstanceID) } | ForEach-Object { Out-Obj $_ $P }",
    'NetFirewallApplicationFilter': u"Get-NetFirewallApplicationFilter -All -PolicyStore ActiveStore | "
                                    u"Where-Object { $ids.ContainsKey($_.InstanceID) } | "
                                    u"ForEach-Object { Out-Obj $_ $P }",
    'NetFirewallServiceFilter': u"Get-NetFirewallServiceFilter -All -PolicyStore ActiveStore | Where-Object { "
                                u"$ids.ContainsKey($_.InstanceID) } | ForEach-Object { Out-Obj $_ $P }",
    # Find-NetRoute returns the source NetIPAddress and the chosen NetRoute for each peer.
    'RouteLookup': u"foreach ($a in $peers) { try { $r = @(Find-NetRoute -RemoteIPAddress $a); "
                   u"$ip = @($r | Where-Object { $null -ne $_.PSObject.Properties['IPAddress'] })[0]; "
                   u"$rt = @($r | Where-Object { $null -ne $_.PSObject.Properties['DestinationPrefix'] })[0]; "
                   u"[pscustomobject]@{ Address = $a; IPAddress = $ip.IPAddress; InterfaceAlias = $rt.InterfaceAlias; "
                   u"InterfaceIndex = $rt.InterfaceIndex; DestinationPrefix = $rt.DestinationPrefix; "
                   u"NextHop = $rt.NextHop; Error = $null } } catch { [pscustomobject]@{ Address = $a; "
                   u"Error = $_.Exception.Message } } }",
    'VMSwitch': u"Get-VMSwitch | ForEach-Object { Out-Obj $_ $P }",
    'VMNetworkAdapter': u"Get-VMNetworkAdapter -All | ForEach-Object { Out-Obj $_ $P }",
    # Flattened: which adapter (ParentAdapter) each VLAN setting belongs to.
    'VMNetworkAdapterVlan': u"Get-VMNetworkAdapter -All | ForEach-Object { $a = $_; $v = Out-Obj "
                            u"(Get-VMNetworkAdapterVlan -VMNetworkAdapter $a) $P; "
                            u"$v | Add-Member -NotePropertyName VMName -NotePropertyValue $a.VMName; "
                            u"$v | Add-Member -NotePropertyName AdapterName -NotePropertyValue $a.Name; "
                            u"$v | Add-Member -NotePropertyName MacAddress -NotePropertyValue $a.MacAddress; "
                            u"$v | Add-Member -NotePropertyName IsManagementOs -NotePropertyValue $a.IsManagementOs; $v }",
    'NetNat': u"Get-NetNat | ForEach-Object { Out-Obj $_ $P }",
    'NetNatStaticMapping': u"Get-NetNatStaticMapping | ForEach-Object { Out-Obj $_ $P }",
}

HYPERV_SECTIONS = ('VMSwitch', 'VMNetworkAdapter', 'VMNetworkAdapterVlan')
FIREWALL_SECTIONS = ('NetFirewallPortFilter', 'NetFirewallRule', 'NetFirewallAddressFilter',
                     'NetFirewallApplicationFilter', 'NetFirewallServiceFilter')


def collect_script(sections=SECTIONS, peers=()):
    """The read-only script: one JSON document {section: [objects], Errors, Hostname, HyperV}."""
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise DoctorError('unknown section(s) %s' % ', '.join(unknown))
    lines = [_PRELUDE, u'$peers = %s' % quote_list(peers), u'$out.Hostname = [System.Net.Dns]::GetHostName()',
             u"$out.HyperV = $null -ne (Get-Command Get-VMSwitch -ErrorAction SilentlyContinue)"]
    for name in SECTIONS:      # fixed order: the firewall rule readers need $ids first
        if name not in sections:
            continue
        reader = _READERS[name]
        if name in HYPERV_SECTIONS:
            reader = u'if ($out.HyperV) { %s }' % reader
        lines.append(u'$P = %s' % quote_list(PROPERTIES.get(name, ())))
        lines.append(u"Add-Section %s { %s }" % (quote(name), reader))
        if name == 'NetFirewallPortFilter':
            lines.append(u"$ids = @{}; foreach ($f in @($out['NetFirewallPortFilter'])) "
                         u"{ if ($null -ne $f) { $ids[$f.InstanceID] = $true } }")
    lines.append(u'ConvertTo-Json -InputObject $out -Depth 5 -Compress')
    return u'\n'.join(lines)


def change_script(commands):
    """Run the change commands in order, stop at the first error and say which one failed."""
    if not commands:
        raise DoctorError('no change commands to send')
    body = [u"$ErrorActionPreference = 'Stop'", u'$step = 0']
    prefix = [CONSOLE_UTF8]
    for command in commands:
        body.append(u'$step++')
        body.append(command)
    return u'\n'.join(prefix + [u'try {'] + body + [
        u'} catch {',
        u'[Console]::Error.WriteLine(("step {0}: {1}" -f $step, $_.Exception.Message))',
        u'exit 1',
        u'}',
        u"ConvertTo-Json -InputObject @{ applied = $step } -Compress",
    ])


# ----------------------------------------------------------------------------- the probe script

# ICMP echo requests with System.Net.NetworkInformation.Ping (same on Windows PowerShell 5.1 and
# PowerShell 7): Send(IPAddress, timeout ms, buffer, PingOptions(ttl, dontFragment)) gives one
# PingReply (Status, RoundtripTime, Address) per echo. The script resolves every target first
# (no packet is sent when one fails), looks up the source address and the interface MTU of the
# route (Find-NetRoute, NlMtu), sends the echoes and, when asked, runs the path MTU binary search
# (one don't-fragment echo per step; invariant: $lo got through, $hi did not). It only reports:
# the results are assembled in Python (windows/probe.py).
_PROBE = CONSOLE_UTF8 + u"""
$ErrorActionPreference = 'Stop'
Remove-TypeData System.Array -ErrorAction SilentlyContinue
$out = [ordered]@{ Resolved = @(); Probes = @() }
function Send-Echo($ip, [int]$total, [int]$bytes, [int]$wait, [bool]$frag) {
$ping = New-Object System.Net.NetworkInformation.Ping
try {
$r = $ping.Send($ip, $wait, (New-Object byte[] $bytes), (New-Object System.Net.NetworkInformation.PingOptions 128, $frag))
[pscustomobject]@{ Total = $total; Status = [string]$r.Status; RoundtripTime = $r.RoundtripTime; Address = [string]$r.Address; Error = $null }
} catch {
$e = $_.Exception; while ($null -ne $e.InnerException) { $e = $e.InnerException }
[pscustomobject]@{ Total = $total; Status = $null; RoundtripTime = $null; Address = $null; Error = $e.Message }
} finally { $ping.Dispose() }
}
foreach ($t in $targets) {
try {
$all = @([System.Net.Dns]::GetHostAddresses($t))
$v4 = @($all | Where-Object { [string]$_.AddressFamily -eq 'InterNetwork' })
$v6 = @($all | Where-Object { [string]$_.AddressFamily -eq 'InterNetworkV6' })
$pick = @(if ($family -eq 'ipv4') { $v4 } elseif ($family -eq 'ipv6') { $v6 } else { $v4 + $v6 })
if ($pick.Count -eq 0) { throw ('no {0} address' -f $family) }
$out.Resolved += [pscustomobject]@{ Target = $t; Address = [string]$pick[0]; Error = $null }
} catch { $out.Resolved += [pscustomobject]@{ Target = $t; Address = $null; Error = $_.Exception.Message } }
}
if (@($out.Resolved | Where-Object { $null -ne $_.Error }).Count -eq 0) {
foreach ($res in $out.Resolved) {
$ip = [System.Net.IPAddress]::Parse($res.Address)
$isV6 = [string]$ip.AddressFamily -eq 'InterNetworkV6'
$hdr = if ($isV6) { 48 } else { 28 }
$min = if ($isV6) { 1280 } else { 68 }
$af = if ($isV6) { 'IPv6' } else { 'IPv4' }
$src = $null; $mtu = $null; $routeError = $null
try {
$r = @(Find-NetRoute -RemoteIPAddress $res.Address)
$a = @($r | Where-Object { $null -ne $_.PSObject.Properties['IPAddress'] })
$rt = @($r | Where-Object { $null -ne $_.PSObject.Properties['DestinationPrefix'] })
if ($a.Count -gt 0) { $src = [string]$a[0].IPAddress }
if ($rt.Count -gt 0) { $mtu = [int]@(Get-NetIPInterface -InterfaceIndex $rt[0].InterfaceIndex -AddressFamily $af)[0].NlMtu }
} catch { $routeError = $_.Exception.Message }
$bytes = $size
if ($mtuSized -and $null -ne $mtu) { $bytes = [math]::Min([math]::Max($mtu - $hdr, 0), $maxPayload) }
$echoes = @()
for ($i = 0; $i -lt $count; $i++) {
if ($i -gt 0) { Start-Sleep -Milliseconds $intervalMs }
$echo = Send-Echo $ip ($bytes + $hdr) $bytes $timeoutMs $dontFragment
$echoes += $echo
if ($untilReply -and $echo.Status -eq 'Success') { break }
}
$steps = @()
if ($pathMtu -and @($echoes | Where-Object { $_.Status -eq 'Success' }).Count -gt 0) {
$hi = [math]::Max($pathMtuMax, $min)
if ($null -ne $mtu -and $mtu -ge $min -and $mtu -lt $hi) { $hi = $mtu }
$lo = $min
$s = Send-Echo $ip $hi ($hi - $hdr) $stepTimeoutMs $true; $steps += $s
if ($s.Status -ne 'Success') {
$s = Send-Echo $ip $lo ($lo - $hdr) $stepTimeoutMs $true; $steps += $s
if ($s.Status -eq 'Success') {
while ($hi - $lo -gt 1) {
$mid = [int][math]::Floor(($lo + $hi) / 2)
$s = Send-Echo $ip $mid ($mid - $hdr) $stepTimeoutMs $true; $steps += $s
if ($s.Status -eq 'Success') { $lo = $mid } else { $hi = $mid }
}
}
}
}
$out.Probes += [pscustomobject]@{ Target = $res.Target; Address = $res.Address; Size = $bytes; SourceAddress = $src;
RouteMtu = $mtu; RouteError = $routeError; Echoes = $echoes; PathMtuSteps = $steps }
}
}
ConvertTo-Json -InputObject $out -Depth 4 -Compress"""


def probe_script(targets, count, interval_ms, timeout_ms, size, dont_fragment, family='auto', mtu_sized=False,
                 path_mtu=False, path_mtu_max=1500, step_timeout_ms=500, max_payload=65500, until_reply=False):
    """The read-only probe script: one JSON document {Resolved: [...], Probes: [...]}.

    Values enter only as quoted strings or validated integers/booleans (``arg``)."""
    if family not in ('auto', 'ipv4', 'ipv6'):
        raise DoctorError('unknown address family %r' % (family,))
    values = [('targets', quote_list(targets)), ('family', quote(family))]
    for name, value in (('count', count), ('intervalMs', interval_ms), ('timeoutMs', timeout_ms), ('size', size),
                        ('pathMtuMax', path_mtu_max), ('stepTimeoutMs', step_timeout_ms),
                        ('maxPayload', max_payload)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DoctorError('%s must be a non-negative integer, got %r' % (name, value))
        values.append((name, arg(value)))
    for name, value in (('dontFragment', dont_fragment), ('mtuSized', mtu_sized), ('pathMtu', path_mtu),
                        ('untilReply', until_reply)):
        values.append((name, arg(bool(value))))
    return u'\n'.join([u'$%s = %s' % item for item in values] + [_PROBE])
