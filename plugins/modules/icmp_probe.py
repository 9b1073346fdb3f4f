#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: icmp_probe
short_description: Send real ICMP echo requests from the managed host and report what came back
version_added: 0.1.0
description:
  - Runs iputils C(ping) (as an argument list, never through a shell, with C(LANG=C)) on the host
    where the task runs, so it works over SSH and inside network namespaces with the
    C(vmnet.doctor.netns) connection.
  - Returns, per target, packets sent and received, loss percent, round-trip times, the ICMP errors
    seen (for example C(Destination Host Unreachable) or C(Frag needed and DF set (mtu = 1400))) and,
    when I(path_mtu=true), the path MTU found by a binary search with don't-fragment set.
  - An unreachable target is data, not a task failure. So is a send the host's own stack refuses
    (a blackhole, prohibit or unreachable route, an OUTPUT firewall drop), and the result then says
    C(reachable=false) with the error in RV(results[].local_error) and the host's route lookup in
    RV(results[].route_lookup).
  - The task fails, before any packet is sent, on bad input (a target that is not a strict IP address
    or a valid host name, a link-local IPv6 address without its interface, options out of their bounds)
    and when C(ping) itself cannot run as asked.
  - Never changes anything on the host.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  targets:
    description:
      - IP addresses or host names to probe; names are resolved on the managed host.
      - An IPv4 address is four decimal numbers 0-255. Short, hex and octal forms (C(10.1), C(0x7f.1),
        C(010.0.0.1)) and out-of-range numbers (C(999.1.1.1)) are refused, never looked up in DNS.
      - A link-local IPv6 address needs its interface, C(fe80::1%eth0) (or an interface in O(source)).
      - Unspecified, broadcast and multicast addresses are refused.
    type: list
    elements: str
    required: true
  count:
    description:
      - Echo requests sent to each target (C(ping -c)). Between 1 and 1000.
      - O(count) * O(interval) + O(timeout) must stay within 600 seconds.
    type: int
    default: 3
  interval:
    description:
      - Seconds between echo requests (C(ping -i)). Between 0.2 (iputils' minimum without root; less is
        a flood, not a probe) and 60.
    type: float
    default: 0.2
  timeout:
    description:
      - Seconds to wait for each reply (C(ping -W)). Between 0.01 and 60 (iputils reads C(-W 0) as
        "wait for ever").
    type: float
    default: 1.0
  size:
    description:
      - ICMP payload bytes (C(ping -s)); the IP packet is 28 (IPv4) or 48 (IPv6) bytes larger.
      - Between 0 and 65507 (65487 for IPv6 targets).
    type: int
    default: 56
  dont_fragment:
    description:
      - Set don't-fragment (C(ping -M do)) so oversized packets fail instead of being fragmented.
    type: bool
    default: false
  source:
    description:
      - Source address (strict form, as for O(targets)) or interface name (C(ping -I)). Omit to let the
        kernel choose.
    type: str
  ip_version:
    description:
      - Address family used to resolve host names. C(auto) prefers IPv4 when a name has both.
    type: str
    choices: [auto, ipv4, ipv6]
    default: auto
  mtu_sized:
    description:
      - Size each probe to the MTU of the host's route to the target (the largest packet it sends
        without fragmenting), overriding O(size) for targets whose route MTU is known. With
        O(dont_fragment=true) this is the "large probe" that finds a smaller MTU further on the path.
    type: bool
    default: false
  path_mtu:
    description:
      - Also find the path MTU to each reachable target by a binary search with don't-fragment set
        (one echo request per step, short timeout). Reported as the largest IP packet that got through.
    type: bool
    default: false
  until_reply:
    description:
      - End each target's probe at its first reply (ping is interrupted and prints its statistics), so a
        reachable target costs one round trip instead of O(count) intervals; a target that does not answer
        is still sent O(count) requests and waited for O(timeout).
      - C(sent) then counts the requests sent until that reply.
    type: bool
    default: false
  onlink_timeout:
    description:
      - Seconds to wait for a reply from a target on this host's own link (the kernel's route to it has no gateway,
        C(ip route get)) instead of O(timeout). Such a neighbour answers within milliseconds, so a request it
        dropped need not be waited for as long as one that crosses routers.
      - Only ever shortens the wait; omit it (or give O(timeout) or more) to wait O(timeout) for every target.
      - The first request of O(count) still has (O(count) - 1) * O(interval) more to be answered.
      - Linux only; on Windows hosts every target is waited for O(timeout).
    type: float
  expected_rtt:
    description:
      - Round-trip times in milliseconds already measured between this host and some of O(targets) (keys as written
        in O(targets)), for example by the probe of the other direction between the same two hosts (its echo crossed
        the same two one-way paths). A request to such a target is then given up after ten times that time, never less
        than 0.3 s, instead of O(timeout) (or O(onlink_timeout)); the result's C(timeout) is the wait that applied.
      - Only ever shortens the wait. The large probe of O(large) is always waited for this way, from the round trip
        its small probe just measured.
      - Linux only; on Windows hosts every target is waited for O(timeout).
    type: dict
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
  path_mtu_max:
    description:
      - Largest IP packet size (bytes, headers included) the path MTU search tries.
      - For IPv6 targets the search never goes below 1280, the IPv6 minimum MTU.
    type: int
    default: 1500
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: [linux, windows]
    details:
      - On a host whose connection speaks PowerShell (winrm, psrp) the task runs M(vmnet.doctor.win_icmp_probe)
        with the same options and result shape (O(source) is not supported there).
notes:
  - Requires iputils C(ping) on the managed host, and C(ip) (iproute2) for the route lookup reported
    with a refused send.
  - Path MTU search leaves what the kernel learnt (a cached PMTU from an ICMP "fragmentation
    needed") as any ping would.
seealso:
  - module: vmnet.doctor.net_facts
'''

EXAMPLES = r'''
- name: Ping the VM three times from the physical host
  vmnet.doctor.icmp_probe:
    targets: [192.0.2.20]
  register: probe

- name: Find the path MTU to the VM with don't-fragment probes
  vmnet.doctor.icmp_probe:
    targets: [192.0.2.20]
    count: 1
    path_mtu: true
    path_mtu_max: 9000

- name: Large probe, as big as the route MTU allows, with don't-fragment
  vmnet.doctor.icmp_probe:
    targets: [192.0.2.20]
    count: 1
    dont_fragment: true
    mtu_sized: true

- name: Large probe with don't-fragment from a given interface
  vmnet.doctor.icmp_probe:
    targets: [vm1.example.org]
    size: 1472
    dont_fragment: true
    source: eth0
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
      description: The address probed (the target resolved on the managed host).
      type: str
      sample: 192.0.2.20
    family:
      description: Address family of I(address).
      type: str
      sample: ipv4
    sent:
      description: Echo requests sent.
      type: int
      sample: 3
    received:
      description: Echo replies received.
      type: int
      sample: 3
    loss_percent:
      description: Packet loss as ping reports it (100 when nothing could be sent).
      type: float
      sample: 0.0
    rtt:
      description: Round-trip times in milliseconds (min, avg, max, mdev); null values when no reply came.
      type: dict
      sample: {min: 0.054, avg: 0.107, max: 0.213, mdev: 0.074}
    reachable:
      description: True when at least one reply came back.
      type: bool
      sample: true
    size:
      description: ICMP payload bytes of the probe (the route MTU minus headers with O(mtu_sized=true)).
      type: int
      sample: 56
    dont_fragment:
      description: Whether don't-fragment was set on the probe.
      type: bool
      sample: false
    errors:
      description: Distinct ICMP or local errors ping printed.
      type: list
      elements: str
      sample: ["Frag needed and DF set (mtu = 1400)", "local error: message too long, mtu=1400"]
    frag_needed:
      description: True when an ICMP fragmentation-needed (IPv4) or packet-too-big (IPv6) came back.
      type: bool
      sample: false
    reported_mtu:
      description: Smallest MTU named by a fragmentation-needed, packet-too-big or message-too-long error.
      type: int
      sample: 1400
    path_mtu:
      description: Largest IP packet (headers included) that got through with don't-fragment set;
        null when not asked or the target did not answer.
      type: int
      sample: 1400
    source_address:
      description: Source address the kernel picks for this target (route lookup through a connected
        UDP socket, no packet sent); null when there is no route.
      type: str
      sample: 192.0.2.10
    route_mtu:
      description: MTU the kernel knows for the route to the target (interface MTU or a cached path MTU);
        null when there is no route. The path MTU search never tries above it.
      type: int
      sample: 1500
    local_error:
      description: >-
        The error with which the host's own stack refused to send (for example
        C(connect: Invalid argument) for a blackhole route, C(connect: Permission denied) for a prohibit
        route, C(sendmsg: Operation not permitted) for an OUTPUT drop); null when the echo left the host
        or got a reply.
      type: str
      sample: "connect: Invalid argument"
    route_lookup:
      description: >-
        With a refused send, the host's C(ip -j route get) for the target (C(route), or
        C(error) when the lookup itself fails, as it does on blackhole, prohibit and unreachable routes)
        and C(refusing_route), the longest blackhole/prohibit/unreachable/throw route covering the
        target in any table; null otherwise.
      type: dict
      sample: {argv: [ip, -j, route, get, 10.98.1.1], route: null, error: "RTNETLINK answers: Invalid argument",
               refusing_route: {type: blackhole, dst: 10.98.1.0/24, table: main}}
    timeout:
      description: Seconds ping waited for a reply after its last request (O(timeout), O(onlink_timeout) for a
        target on the host's own link, or the wait from O(expected_rtt)).
      type: float
      sample: 0.3
    on_link:
      description: With O(onlink_timeout) below O(timeout), whether the kernel's route to the target has no gateway
        (null when not asked or not known).
      type: bool
      sample: true
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import C_LOCALE, run_until
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.probe import run


def main():
    module = AnsibleModule(
        argument_spec=dict(
            targets=dict(type='list', elements='str', required=True),
            count=dict(type='int', default=3),
            interval=dict(type='float', default=0.2),
            timeout=dict(type='float', default=1.0),
            size=dict(type='int', default=56),
            dont_fragment=dict(type='bool', default=False),
            source=dict(type='str'),
            ip_version=dict(type='str', choices=['auto', 'ipv4', 'ipv6'], default='auto'),
            mtu_sized=dict(type='bool', default=False),
            path_mtu=dict(type='bool', default=False),
            path_mtu_max=dict(type='int', default=1500),
            until_reply=dict(type='bool', default=False),
            onlink_timeout=dict(type='float'),
            expected_rtt=dict(type='dict'),
            large=dict(type='dict', options=dict(
                targets=dict(type='list', elements='str'),
                size=dict(type='int', default=0),
            )),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params, ping=module.get_bin_path('ping', required=True), ip=module.get_bin_path('ip'))

    def runner(argv):
        return module.run_command(argv, environ_update=C_LOCALE)

    try:
        result = run(runner, params, until=run_until)
    except DoctorError as e:
        module.fail_json(**e.to_result())
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
