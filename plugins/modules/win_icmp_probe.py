#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: win_icmp_probe
short_description: Send real ICMP echo requests from a Windows host and report what came back
version_added: 0.1.0
description:
  - The Windows counterpart of M(vmnet.doctor.icmp_probe), with the same options (except C(source)) and
    the same result shape (C(docs/facts_schema.md), "Probe results").
  - Action plugin. It sends one read-only PowerShell script (reviewed, in
    C(plugins/plugin_utils/windows/ps.py)) over the host's own connection (C(winrm) or C(psrp)). The script
    resolves every target on the host (C([System.Net.Dns]::GetHostAddresses)), looks up the source address
    and the interface MTU of the route (C(Find-NetRoute), C(NlMtu)), and sends the echoes with the C(Send)
    method of C(System.Net.NetworkInformation.Ping) (address, timeout, a buffer of O(size) bytes, and
    C(PingOptions) with TTL 128 and O(dont_fragment)), which behaves the same in Windows PowerShell 5.1 and
    PowerShell 7. The path MTU binary search runs in
    the same script. The results are assembled on the controller from the C(PingReply) records
    (C(Status), C(RoundtripTime), C(Address)).
  - An unreachable target is data, not a task failure. The task fails only on bad input, on a target the
    host cannot resolve (then no echo is sent), or when PowerShell cannot run.
  - Never changes anything on the host.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  targets:
    description:
      - IP addresses or host names to probe, resolved on the Windows host. Targets are probed one after the other.
      - Literal addresses follow the strict rules of M(vmnet.doctor.icmp_probe) (no short, hex or octal IPv4 forms;
        a link-local IPv6 address needs its C(%scope)).
    type: list
    elements: str
    required: true
  count:
    description:
      - Echo requests sent to each target, between 1 and 1000 (O(count) * O(interval) + O(timeout) within 600 s).
    type: int
    default: 3
  interval:
    description:
      - Seconds between echo requests (rounded to milliseconds), between 0.2 and 60, as for
        M(vmnet.doctor.icmp_probe).
    type: float
    default: 0.2
  timeout:
    description:
      - Seconds to wait for each reply (rounded to milliseconds), between 0.01 and 60.
    type: float
    default: 1.0
  size:
    description:
      - ICMP payload bytes; the IP packet is 28 (IPv4) or 48 (IPv6) bytes larger.
      - Between 0 and 65500 (the limit of C(System.Net.NetworkInformation.Ping)).
    type: int
    default: 56
  dont_fragment:
    description:
      - Set don't-fragment (C(PingOptions.DontFragment)) so oversized packets fail instead of being fragmented.
    type: bool
    default: false
  ip_version:
    description:
      - Address family used to resolve host names. C(auto) prefers IPv4 when a name has both.
    type: str
    choices: [auto, ipv4, ipv6]
    default: auto
  mtu_sized:
    description:
      - Size each probe to the MTU of the interface of the route to the target (the largest packet the
        host sends without fragmenting), overriding O(size) for targets whose route is known.
    type: bool
    default: false
  path_mtu:
    description:
      - Also find the path MTU to each reachable target by a binary search with don't-fragment set
        (one echo request per step, at most 0.5 s each). Reported as the largest IP packet that got through.
    type: bool
    default: false
  path_mtu_max:
    description:
      - Largest IP packet size (bytes, headers included) the path MTU search tries; the search never tries
        above the route's interface MTU.
      - For IPv6 targets the search never goes below 1280, the IPv6 minimum MTU.
    type: int
    default: 1500
  until_reply:
    description:
      - End each target's echoes at its first reply, so a reachable target costs one round trip instead of
        O(count) intervals; a target that does not answer still gets O(count) echoes. C(sent) then counts the
        echoes sent until that reply.
    type: bool
    default: false
  large:
    description:
      - Also send each of these targets that answered one probe with don't-fragment set right after its small probe,
        in the same call (the "large probe" that finds a smaller MTU further on the path; a target that did not answer
        the small probe says nothing more to a large one). Its results are in RV(large).
    type: dict
    suboptions:
      targets:
        description: The targets (as written in O(targets)) to send it to; omit for every target.
        type: list
        elements: str
      size:
        description: Its payload; C(0) sizes it to the host's route MTU towards the target.
        type: int
        default: 0
  onlink_timeout:
    description:
      - Accepted so that one task serves both platforms; Windows waits O(timeout) for every target (the shorter
        wait for a target on the host's own link is M(vmnet.doctor.icmp_probe)'s, on Linux).
    type: float
  expected_rtt:
    description:
      - Accepted so that one task serves both platforms; Windows waits O(timeout) for every target (the wait bounded
        by a round trip already measured is M(vmnet.doctor.icmp_probe)'s, on Linux).
    type: dict
attributes:
  check_mode:
    support: full
    details: Read-only; runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - Verified only against hand-written outputs in the documented shapes of C(PingReply) (no Windows host was
    available to the authors); see C(docs/windows.md).
  - C(PingReply) carries no MTU, so RV(results[].reported_mtu) is always null. C(PacketTooBig) for a packet
    larger than the route's interface MTU is reported as the local error C(message too long); otherwise it
    counts as a router's fragmentation-needed (RV(results[].frag_needed)).
  - Round-trip times are whole milliseconds (C(0) below one millisecond).
  - A source address or interface cannot be chosen (C(Ping) has no such option); Windows picks it by route.
seealso:
  - module: vmnet.doctor.icmp_probe
  - module: vmnet.doctor.win_net_facts
'''

EXAMPLES = r'''
- name: Ping the VM three times from the Windows host
  vmnet.doctor.win_icmp_probe:
    targets: [192.0.2.20]
  register: probe

- name: Find the path MTU to the VM with don't-fragment probes
  vmnet.doctor.win_icmp_probe:
    targets: [192.0.2.20]
    count: 1
    path_mtu: true
    path_mtu_max: 9000

- name: Large probe, as big as the route MTU allows, with don't-fragment
  vmnet.doctor.win_icmp_probe:
    targets: [192.0.2.20]
    count: 1
    dont_fragment: true
    mtu_sized: true
'''

RETURN = r'''
results:
  description: One entry per target, in the order given.
  returned: success
  type: list
  elements: dict
  contains:
    target:
      description: The target as given.
      type: str
      sample: vm1.example.org
    address:
      description: The address probed (the target resolved on the Windows host, without an IPv6 scope).
      type: str
      sample: 192.0.2.20
    family:
      description: Address family of I(address).
      type: str
      sample: ipv4
    sent:
      description: Echo requests sent (a C(Ping.Send) that raised an exception sent nothing).
      type: int
      sample: 3
    received:
      description: Echo replies received (C(PingReply.Status) C(Success)).
      type: int
      sample: 3
    loss_percent:
      description: Packet loss in percent (100 when nothing could be sent).
      type: float
      sample: 0.0
    rtt:
      description: Round-trip times in milliseconds (min, avg, max, mdev); null values when no reply came.
      type: dict
      sample: {min: 0.0, avg: 0.667, max: 1.0, mdev: 0.471}
    reachable:
      description: True when at least one reply came back.
      type: bool
      sample: true
    size:
      description: ICMP payload bytes of the probe (the route MTU minus headers with O(mtu_sized=true)).
      type: int
      sample: 56
    dont_fragment:
      description: Whether don't-fragment was set on the probe. Always false for IPv6 (C(PingOptions.DontFragment)
        applies to IPv4 only).
      type: bool
      sample: false
    mtu_evidence:
      description: Present and false only for an IPv6 probe asked for don't-fragment or a path MTU; Windows may
        fragment such an echo itself, so its size and path MTU say nothing about the path MTU.
      type: bool
      returned: IPv6 targets with O(dont_fragment) or O(path_mtu)
      sample: false
    mtu_note:
      description: Why I(mtu_evidence) is false.
      type: str
      returned: when I(mtu_evidence) is false
      sample: "Windows Ping sets don't-fragment for IPv4 only: ..."
    errors:
      description: Distinct failures seen, in iputils' words where there is one (a timeout is not an error).
      type: list
      elements: str
      sample: ["Destination Host Unreachable", "local error: message too long, mtu=1500"]
    frag_needed:
      description: True when an echo ended in C(PacketTooBig) although it fitted the route's interface MTU
        (a router on the path asked for fragmentation).
      type: bool
      sample: false
    reported_mtu:
      description: Always null on Windows (C(PingReply) does not carry the MTU a router names).
      type: int
      sample: null
    path_mtu:
      description: Largest IP packet (headers included) that got through with don't-fragment set;
        null when not asked, when the target did not answer, and for IPv6 targets.
      type: int
      sample: 1400
    source_address:
      description: Source address Windows picks for this target (C(Find-NetRoute), no packet sent); null when
        there is no route.
      type: str
      sample: 192.0.2.10
    route_mtu:
      description: C(NlMtu) of the interface of that route; null when there is no route. The path MTU search
        never tries above it.
      type: int
      sample: 1500
    local_error:
      description: The exception with which the host refused to send, when no echo was answered; null otherwise.
      type: str
      sample: "An exception occurred during a Ping request."
    route_lookup:
      description: Always null on Windows (the key keeps the shape of M(vmnet.doctor.icmp_probe)).
      type: dict
      sample: null
    timeout:
      description: Seconds each reply was waited for (O(timeout)).
      type: float
      sample: 1.0
    on_link:
      description: Always null on Windows (M(vmnet.doctor.icmp_probe) says there whether a shorter wait applied).
      type: bool
      sample: null
large:
  description:
    - With O(large), the large probes' results (the targets of O(large) that answered the small probe), in the shape
      of RV(results), and whether they all answered.
  returned: when O(large) is given
  type: dict
  sample: {results: [], reachable_all: true}
reachable_all:
  description: True when every target answered.
  returned: success
  type: bool
  sample: false
'''
