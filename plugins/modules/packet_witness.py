#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: packet_witness
short_description: Watch one Linux hop for a bounded window and report where an ICMP echo died
version_added: 0.2.0
author: vmnet.doctor contributors (@vmnet-doctor)
description:
  - Runs on one Linux hop of a path (the source host, the hypervisor or router, the VM) for
    O(duration) seconds while probes cross the path. Returns, per interface and direction, the
    ICMP echo requests and replies and the ARP / IPv6 ND requests and replies that belong to the
    path (its O(addresses) and, for echoes, the probe's O(identifiers)).
  - Also returns the kernel's drop records for those packets (drop reason name, kernel location,
    interface, network namespace inode). Source, best first - eBPF on the C(skb:kfree_skb)
    tracepoint through C(bpftrace) with BTF, attributed to this hop's network namespace (hosts that
    share a kernel, such as network namespaces or containers, are told apart); a private tracefs
    instance (drops of the whole kernel, matched by protocol only); none (C(drop_source=none) and
    C(drop_why)). Reason names are read from the tracepoint's format file at run time.
  - When the kernel says C(NETFILTER_DROP), the deciding nftables or iptables-nft rule is named
    (family, table, chain, handle) from an nftables trace - C(meta nftrace set 1) in temporary
    tables C(vmnet_witness) that carry C(flags owner), so the kernel deletes them when the helper
    C(nft) process ends, also when the run is killed.
  - Packets are captured with an C(AF_PACKET) socket and a classic BPF filter (no tcpdump), bounded by
    O(duration) and O(max_packets).
  - With O(send), this hop also sends the probe (O(send.count) ICMP echo requests with the first of
    O(identifiers)) O(send_after) seconds into the window, so that witnesses started at the same time
    on the other hops are ready. A send that the local stack refuses is reported in C(sent[].error).
  - Read-only. Leaves no nftables table, BPF program, enabled trace event or socket behind, also when
    interrupted; helper processes are bounded in time and die with their pipes.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  addresses:
    description: The path's IP addresses (at least the source's and the target's). Only packets to or from them count.
    type: list
    elements: str
    required: true
  identifiers:
    description: ICMP echo identifiers of the probe. Empty counts every echo between O(addresses).
    type: list
    elements: int
    default: []
  duration:
    description:
      - Length of the window, in seconds (0.5 to 60), counted from the moment every drop source is attached
        (C(ready_after)). The capture socket is open from the start, so packets that arrive earlier still count.
      - With O(send) the window is stretched to cover the echo requests and one more second for the replies.
    type: float
    default: 4.0
  attach_timeout:
    description: Seconds to wait for bpftrace to attach its probe before the window starts without it.
    type: float
    default: 15.0
  max_packets:
    description: Stop counting after this many matching packets.
    type: int
    default: 2000
  drop_source:
    description: Where drop records come from. C(auto) tries bpftrace, then tracefs.
    type: str
    choices: [auto, bpftrace, tracefs, none]
    default: auto
  nft_trace:
    description: Name the deciding nftables rule with a temporary trace table (needs C(nft), Linux 5.12 or later).
    type: bool
    default: true
  send:
    description: Send the probe from this hop.
    type: dict
    suboptions:
      targets:
        description: Addresses to send ICMP echo requests to.
        type: list
        elements: str
        required: true
      count:
        description: Echo requests per target.
        type: int
        default: 3
      interval:
        description: Seconds between echo requests.
        type: float
        default: 0.2
  send_after:
    description:
      - Seconds into the window at which this hop sends (with O(send)). Witnesses started at the same time on the
        other hops attach at about the same moment (within about 1.5 s on a loaded machine); this margin
        covers the difference. When this hop's own drop probe took longer to attach, it waits half that
        attach time instead (the other hops are as loaded). With O(rendezvous), seconds after the go signal
        (the other hops are known to watch; a small margin covers when they see it).
    type: float
    default: 2.0
  rendezvous:
    description:
      - Path prefix of a rendezvous on this host, so that no hop sends before every hop watches. Once its capture
        socket and drop sources are attached, the module writes C(<rendezvous>.ready) and starts its window
        (and sends, with O(send)) only when C(<rendezvous>.go) appears; packets that pass in between are
        counted too. The caller waits for C(.ready) on every hop, then creates C(.go) on every hop (the
        C(vmnet.doctor.diagnose) role does this). Both files are removed when the run ends after a go; without
        one, C(.ready) stays for a late waiter (a run that fails before it watches writes it too, with the error)
        and a later run removes such files after an hour.
      - With a rendezvous O(send_after) counts from the go signal.
    type: path
  rendezvous_timeout:
    description: Seconds to wait for C(<rendezvous>.go) after ready; then the window starts alone and C(errors) says so.
    type: float
    default: 30.0
attributes:
  check_mode:
    support: full
    details: The module only observes (and sends the probe with O(send)); it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Linux, root; drop records per network namespace need bpftrace and BTF (see notes).
notes:
  - Needs root. Drop reasons need Linux 5.17 or later; on older kernels C(drop_source) is C(none) and the
    witness still counts packets per interface.
  - Drop records per network namespace need C(bpftrace) (Debian/Ubuntu package C(bpftrace)) and a kernel
    with BTF (C(/sys/kernel/btf/vmlinux)). When tracefs is not mounted, the module mounts it in a private
    mount namespace that ends with the run.
seealso:
  - module: vmnet.doctor.icmp_probe
  - module: vmnet.doctor.net_facts
'''

EXAMPLES = r'''
- name: Watch the hypervisor for 4 seconds while the host pings the VM
  vmnet.doctor.packet_witness:
    addresses: [192.0.2.10, 192.0.2.20]
    identifiers: [4242]
    duration: 4

- name: Watch the source host and send the probe from it
  vmnet.doctor.packet_witness:
    addresses: [192.0.2.10, 192.0.2.20]
    identifiers: [4242]
    duration: 4
    send:
      targets: [192.0.2.20]
      count: 3
'''

RETURN = r'''
witness:
  description: What this hop saw.
  returned: success
  type: dict
  contains:
    available:
      description: True when the capture ran.
      type: bool
      sample: true
    netns_inode:
      description: Inode of this hop's network namespace (drop records are filtered to it).
      type: int
      sample: 4026532507
    interfaces:
      description: Per interface, per direction (C(in), C(out)), counts of echo_request, echo_reply,
        arp_request, arp_reply, nd_solicit, nd_advert.
      type: dict
      sample: {"eth0": {"in": {"echo_request": 3, "echo_reply": 0}, "out": {"echo_request": 0}}}
    drops:
      description: Kernel drop records of the path's packets.
      type: list
      elements: dict
      sample: [{"reason": "NETFILTER_DROP", "location": "nft_do_chain", "interface": "eth0", "netns": 4026532507,
                "protocol": 2048, "packet": {"kind": "echo_request", "src": "192.0.2.10", "dst": "192.0.2.20",
                "id": 4242, "seq": 1}}]
    drop_source:
      description: C(bpftrace), C(tracefs) or C(none).
      type: str
      sample: bpftrace
    drop_why:
      description: Why drop records are missing or limited, or null.
      type: str
      sample: null
    nft_verdicts:
      description: nftables rules and policies that dropped or rejected the path's packets.
      type: list
      elements: dict
      sample: [{"family": "inet", "table": "filter", "chain": "input", "handle": 2, "verdict": "drop",
                "policy": false, "rule": "icmp type echo-request counter drop",
                "packet": {"iif": "eth0", "src": "192.0.2.10", "dst": "192.0.2.20", "icmp_type": "echo-request"}}]
    sent:
      description: With O(send), per target, echo requests sent and the local error, if any.
      type: list
      elements: dict
      sample: [{"target": "192.0.2.20", "identifier": 4242, "sent": 3, "error": null}]
    ready_after:
      description: Seconds from the start until every source was attached.
      type: float
      sample: 1.3
    rendezvous:
      description: With O(rendezvous), seconds from ready until the go signal (C(go_after)) and whether it never came
        (C(missed)); null without one.
      type: dict
      sample: {"go_after": 2.4, "missed": false}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.witness import run


def main():
    module = AnsibleModule(
        argument_spec=dict(
            addresses=dict(type='list', elements='str', required=True),
            identifiers=dict(type='list', elements='int', default=[]),
            duration=dict(type='float', default=4.0),
            max_packets=dict(type='int', default=2000),
            drop_source=dict(type='str', choices=['auto', 'bpftrace', 'tracefs', 'none'], default='auto'),
            nft_trace=dict(type='bool', default=True),
            send=dict(type='dict', options=dict(
                targets=dict(type='list', elements='str', required=True),
                count=dict(type='int', default=3),
                interval=dict(type='float', default=0.2),
            )),
            send_after=dict(type='float', default=2.0),
            attach_timeout=dict(type='float', default=15.0),
            rendezvous=dict(type='path'),
            rendezvous_timeout=dict(type='float', default=30.0),
        ),
        supports_check_mode=True,
    )
    try:
        witness = run(dict(module.params))
    except DoctorError as e:
        module.fail_json(**e.to_result())
    module.exit_json(changed=False, witness=witness)


if __name__ == '__main__':
    main()
