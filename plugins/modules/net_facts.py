#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: net_facts
short_description: Gather the normalised network facts of a Linux host for vmnet.doctor
version_added: 0.1.0
author: vmnet.doctor contributors (@vmnet-doctor)
description:
  - Reads, in one call, everything the C(vmnet.doctor) diagnosis needs to explain why a host
    cannot ping a virtual machine, and publishes it as C(ansible_facts.vmnet_doctor) in the
    shape documented in C(docs/facts_schema.md) (C(platform=linux)).
  - Interfaces (kind, admin state, carrier, MTU and maximum MTU, MAC, master, addresses),
    routes of every table and policy rules of both families, the effective route to each
    address in O(peers) and O(flows) (C(ip -j route get)), neighbours with their NUD state,
    Linux bridges with port and STP state, VLAN filtering (PVID/VIDs per port) and MAC
    filters, the reachability sysctls, and the firewall verdict for the ICMP echo packets
    implied by O(peers) and O(flows).
  - Reads with C(ip -j), C(bridge -j), C(nft -j), C(iptables-save) and the like, with
    C(LANG=C) and argument lists. Tools that are not installed are reported as absent in
    C(tools), not as errors; commands that fail are listed in C(errors) and their section is
    left empty rather than guessed.
  - Read-only. Works over SSH and over the C(vmnet.doctor.netns) connection (it then
    describes the network namespace).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
options:
  peers:
    description:
      - IP addresses (IPv4 or IPv6) this host should be able to ping and be pinged from.
      - For each one the module looks up the effective route (C(route_lookups)) and asks the
        firewall collector for the verdict of echo-request and echo-reply in both directions
        between the peer and the local address the route would use as source.
      - Host names and prefixes are refused.
    type: list
    elements: str
    default: []
  flows:
    description:
      - Packets this host forwards (a router or hypervisor between two addresses). For each
        flow the module looks up the routes to both ends and asks for the forward-path verdict
        of echo-request O(flows[].src) to O(flows[].dst) and echo-reply back.
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: Source IP address of the echo request.
        type: str
        required: true
      dst:
        description: Destination IP address of the echo request (same family as O(flows[].src)).
        type: str
        required: true
  include_local_routes:
    description:
      - Also return the routes of the kernel C(local) table (local and broadcast addresses).
    type: bool
    default: false
  gather_rulesets:
    description:
      - Also return the backend-specific firewall rule dumps in C(firewall.rulesets) (can be large).
    type: bool
    default: false
  ovs_rundir:
    description:
      - The run directory of Open vSwitch (C(db.sock), C(ovs-vswitchd.pid), C(ovs-vswitchd.<pid>.ctl),
        C(<bridge>.mgmt)) when it is not the distribution default C(/var/run/openvswitch).
      - Without Open vSwitch (no C(ovs-vsctl), or no C(db.sock) there) C(ovs.present) is false and
        C(ovs.note) says why; nothing fails.
    type: path
  libvirt_uri:
    description:
      - The libvirt connection whose virtual networks and guest interfaces are read into C(libvirt)
        (C(virsh net-dumpxml), C(net-info), C(dumpxml), C(domstate); guests of the C(lxc://) twin of a
        C(qemu://) URI are read too).
      - Default C(qemu:///system), the system daemon at its default socket. Give another URI for a
        daemon with its own socket, for example C(qemu:///system?socket=/path/libvirt-sock).
      - Without virsh or without an answering daemon the section says so in C(libvirt.note); the
        task does not fail.
      - VirtualBox VMs of the user the task runs as are read into C(virtualbox) when C(VBoxManage) is
        installed (C(list vms), C(showvminfo --machinereadable)); without it C(virtualbox.note) says so.
      - Running VMware Workstation/Player VMs of the user the task runs as are read into
        C(vmware_workstation) when C(vmrun) is installed (C(vmrun list), each VM's C(.vmx),
        C(/etc/vmware/netmap.conf) and C(/etc/vmware/vmnetN/nat/nat.conf)); without it
        C(vmware_workstation.note) says so.
    type: str
  probe:
    description:
      - Also ping these targets from this host while the facts are read (one task instead of two, the
        probe's waiting overlaps the reads), as M(vmnet.doctor.icmp_probe) would; the result is in RV(probe).
      - The diagnose role uses it for the VM's reverse probe.
    type: dict
    suboptions:
      targets:
        description: IP addresses to ping.
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
      timeout:
        description: Seconds to wait for each reply.
        type: float
        default: 1.0
      until_reply:
        description: End each target's probe at its first reply.
        type: bool
        default: false
      onlink_timeout:
        description: Seconds to wait for a reply from a target on this host's own link instead of O(probe.timeout),
          as M(vmnet.doctor.icmp_probe)'s O(vmnet.doctor.icmp_probe#module:onlink_timeout).
        type: float
  management:
    description:
      - Also find the interface that carries the Ansible connection to this host and the interfaces whose change
        would cut it too, as M(vmnet.doctor.mgmt_guard) with O(vmnet.doctor.mgmt_guard#module:state=status)
        reports them (one call instead of two); the result is in RV(management).
      - From the client address of C(SSH_CONNECTION) (C(ip -j route get)); without SSH the interface is null.
      - The remediate role uses it to decide which fixes need the management guard.
    type: bool
    default: false
  lock:
    description:
      - Before reading, take this host's remediation lock as M(vmnet.doctor.host_lock) with O(vmnet.doctor.host_lock#module:state=acquired)
        and O(vmnet.doctor.host_lock#module:wait=0) would (one call instead of two); the result is in RV(lock).
      - The facts are read whether the lock was taken or not; the task does not fail for a lock held by another run.
      - A holder whose controller process is known to be gone is broken at once, as M(vmnet.doctor.host_lock) does.
      - The remediate role uses it. On Windows hosts the lock is M(vmnet.doctor.host_lock)'s own call.
    type: dict
    suboptions:
      run_id:
        description: The run taking the lock.
        type: str
        required: true
      owner:
        description: Who runs it (default the controller's C(user@host)).
        type: str
      lease:
        description: Seconds the lock is held unless renewed.
        type: int
        default: 300
      lock_dir:
        description: Where the lock file is.
        type: path
        default: /run/vmnet-doctor
      controller:
        description: Set by the action plugin (the run's controller process); not for playbooks.
        type: dict
attributes:
  check_mode:
    support: full
    details: The module only reads; check mode changes nothing.
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: [posix, windows]
    details:
      - Linux with iproute2 (C(ip -j) needs iproute2 4.14 or later).
      - On a host whose connection speaks PowerShell (winrm, psrp) the task runs M(vmnet.doctor.win_net_facts)
        with O(peers) (the same schema, C(platform=windows)); O(flows), O(include_local_routes) and
        O(gather_rulesets) do not apply there and are not passed (Windows Firewall does not filter forwarded traffic).
notes:
  - Run as root to see the firewall rules (C(nft list ruleset) and C(iptables-save) need it).
  - The C(local) routing table is left out unless O(include_local_routes=true).
seealso:
  - name: Normalised facts schema
    description: docs/facts_schema.md in the collection, the contract of every key returned.
    link: https://example.invalid/vmnet/doctor/docs/facts_schema.md
'''

EXAMPLES = r'''
- name: Gather the network facts of the host
  vmnet.doctor.net_facts:

- name: Gather facts and the verdicts for pinging a VM and being pinged by it
  vmnet.doctor.net_facts:
    peers:
      - 192.0.2.20
      - 2001:db8::20

- name: On the hypervisor, check the path a ping takes between the host and the VM
  vmnet.doctor.net_facts:
    flows:
      - src: 198.51.100.10
        dst: 192.0.2.20
    gather_rulesets: true

- name: Show the interfaces that are down
  ansible.builtin.debug:
    msg: "{{ ansible_facts.vmnet_doctor.interfaces | rejectattr('admin_up') | map(attribute='name') }}"
'''

RETURN = r'''
management:
  description:
    - With O(management), the management connection as M(vmnet.doctor.mgmt_guard) reports it.
  returned: when O(management) is true
  type: dict
  contains:
    interface:
      description: The interface carrying the connection; null without SSH.
      type: str
    client:
      description: The SSH client address; null without SSH.
      type: str
    related:
      description: Interfaces whose link or MTU change cuts the management interface too (bridge ports, master).
      type: list
      elements: str
  sample: {interface: eth0, client: 192.0.2.5, related: []}
lock:
  description:
    - With O(lock), what M(vmnet.doctor.host_lock) returns for it (C(acquired), C(lock), C(path), C(msg), ...), or
      C(acquired=false) and C(msg) when it could not be taken.
  returned: when O(lock) is given
  type: dict
  sample: {acquired: true, msg: lock acquired, path: /run/vmnet-doctor/netns-4026531840-1.lock}
probe:
  description:
    - With O(probe), the probe's result as M(vmnet.doctor.icmp_probe) returns it (C(results),
      C(reachable_all)), or C(failed) and C(msg) when it could not run (the facts are returned all the same).
  returned: when O(probe) is given
  type: dict
  sample: {results: [{target: 10.0.0.1, reachable: true, sent: 1, received: 1}], reachable_all: true}
ansible_facts:
  description: Facts added to the host.
  returned: always
  type: dict
  contains:
    vmnet_doctor:
      description:
        - The normalised network facts, schema version 1 (see C(docs/facts_schema.md)).
        - Every section is present, empty when there is nothing or the tool is missing.
          Unknown values are null. MACs are lower case; addresses are canonical strings.
      returned: always
      type: dict
      contains:
        schema_version:
          description: Version of the facts schema.
          returned: always
          type: int
          sample: 1
        platform:
          description: C(linux) (C(windows) when the task ran M(vmnet.doctor.win_net_facts) on a Windows host).
          returned: always
          type: str
          sample: linux
        hostname:
          description: Host name as the host reports it.
          returned: always
          type: str
          sample: hv1
        tools:
          description: Which readers are installed (C(ip), C(bridge), C(nft), C(iptables),
            C(iptables_legacy), C(firewall_cmd), C(ufw)).
          returned: always
          type: dict
          sample: {ip: true, bridge: true, nft: true, iptables: true, iptables_legacy: false,
                   firewall_cmd: false, ufw: false}
        errors:
          description: What could not be read, and why (C(source), C(message)).
          returned: always
          type: list
          elements: dict
          sample: [{source: nft, message: "nft -j list ruleset: Operation not permitted"}]
        interfaces:
          description:
            - Network interfaces with kind, state, MTU, MAC, master and addresses.
            - C(peer_ifindex) is a veth's peer ifindex (C(ip -j link) C(link_index)), counted in the
              peer's own namespace when C(link_netnsid) is set (the id of that namespace as seen
              from this host), else in this namespace. Both are null when unknown or not a veth.
          returned: always
          type: list
          elements: dict
          sample:
            - name: eth0
              ifindex: 2
              kind: veth
              admin_up: true
              carrier: true
              oper_state: UP
              mtu: 1500
              max_mtu: 65535
              mac: "52:54:00:aa:bb:01"
              master: null
              link: null
              vlan_id: null
              peer_ifindex: 3
              link_netnsid: 0
              addresses:
                - {address: 192.0.2.10, prefixlen: 24, family: ipv4, network: 192.0.2.0/24,
                   scope: global, secondary: false, dad_failed: false}
        routes:
          description: Routes of every table of both families (the C(local) table only with
            O(include_local_routes)). Multipath next hops are in C(nexthops).
          returned: always
          type: list
          elements: dict
          sample:
            - {family: ipv4, table: main, dst: default, gateway: 192.0.2.1, dev: eth0,
               metric: 100, type: unicast, protocol: static, scope: global, prefsrc: null,
               onlink: false, nexthops: []}
        policy_rules:
          description: Policy routing rules (C(ip rule)) of both families.
          returned: always
          type: list
          elements: dict
          sample:
            - {family: ipv4, priority: 1000, src: 198.51.100.0/24, dst: null, iif: null,
               oif: null, fwmark: null, table: "100", action: lookup, invert: false}
        route_lookups:
          description: The effective route to each address of O(peers) and O(flows);
            C(ok=false) with C(error) when the kernel has no route.
          returned: always
          type: list
          elements: dict
          sample:
            - {address: 192.0.2.20, ok: true, error: null, type: unicast, dev: eth0,
               gateway: null, prefsrc: 192.0.2.10, table: main}
            - {address: 203.0.113.9, ok: false, error: Network is unreachable, type: null,
               dev: null, gateway: null, prefsrc: null, table: null}
        neighbors:
          description: ARP and NDP entries with their kernel NUD states.
          returned: always
          type: list
          elements: dict
          sample:
            - {address: 192.0.2.20, family: ipv4, mac: "52:54:00:aa:bb:02", dev: eth0,
               state: [REACHABLE], router: false}
            - {address: 192.0.2.77, family: ipv4, mac: null, dev: eth0, state: [FAILED],
               router: false}
        bridges:
          description:
            - Linux bridges, their ports (STP state, VLANs), MAC filters and forwarding database.
            - C(fdb) comes from one C(bridge -j fdb show) for all bridges and holds the entries of the
              bridge's ports (the bridge device's own entries are left out); C(state) is C(dynamic)
              (learned), C(static), C(permanent) (C(local=true), a MAC of the host itself) or
              C(stale). C(fdb) is null when it could not be read.
          returned: always
          type: list
          elements: dict
          sample:
            - name: br0
              stp_enabled: false
              vlan_filtering: true
              default_pvid: 1
              mtu: 1500
              pvid: 1
              vids: [1]
              untagged: [1]
              ports:
                - {name: vnet0, state: forwarding, admin_up: true, carrier: true, mtu: 1500,
                   pvid: 10, vids: [10], untagged: [10]}
              mac_filters:
                - {mac: "52:54:00:aa:bb:02", direction: source, port: vnet0, verdict: drop,
                   rule: {backend: nftables, family: bridge, table: filter, chain: forward,
                          handle: 7, text: "ether saddr 52:54:00:aa:bb:02 drop"}}
              fdb:
                - {mac: "52:54:00:aa:bb:02", port: vnet0, vlan: null, local: false, state: dynamic,
                   flags: [master]}
                - {mac: "fe:54:00:aa:bb:02", port: vnet0, vlan: null, local: true, state: permanent,
                   flags: [master, permanent]}
        sysctls:
          description: The reachability sysctls (C(ipv4), C(ipv6), per-interface C(conf)
            for C(all), C(default) and every interface). Keys that do not exist are absent.
          returned: always
          type: dict
          sample:
            ipv4: {ip_forward: 1, icmp_echo_ignore_all: 0, icmp_echo_ignore_broadcasts: 1}
            ipv6: {forwarding: 0, icmp_echo_ignore_all: 0}
            conf:
              all: {rp_filter: 0, arp_ignore: 0, arp_announce: 0, forwarding: 1, accept_local: 0}
              eth0: {rp_filter: 1, arp_ignore: 0, arp_announce: 0, forwarding: 1, accept_local: 0}
        firewall:
          description:
            - Firewall backends (present/active), one ICMP verdict per packet implied by
              O(peers) and O(flows) with the deciding rule and the trace, and the raw
              rulesets when O(gather_rulesets=true).
          returned: always
          type: dict
          sample:
            backends:
              nftables: {present: true, active: true}
              iptables_nft: {present: true, active: false}
            icmp:
              - family: ipv4
                hook: input
                icmp_type: echo-request
                src: 192.0.2.20
                dst: 192.0.2.10
                iif: eth0
                oif: null
                verdict: drop
                certain: true
                deciding_rule: {backend: nftables, family: inet, table: filter, chain: input,
                                handle: 5, rule_number: null, variant: null, policy: false,
                                text: "icmp type echo-request drop", comment: null}
                trace: []
            rulesets: {}
        ovs:
          description:
            - Open vSwitch, read with C(ovs-vsctl), C(ovs-ofctl dump-flows), C(ovs-appctl fdb/show) and
              C(ovs-appctl ofproto/trace) of the echo request and reply of every O(flows) item from each
              non-patch port (the switch's own verdict, with the deciding rule). See C(docs/facts_schema.md).
          returned: always
          type: dict
          sample:
            present: true
            rundir: /var/run/openvswitch
            db: unix:/var/run/openvswitch/db.sock
            note: null
            errors: []
            bridges:
              - name: br-int
                datapath_type: system
                fail_mode: null
                controllers: []
                ports:
                  - {name: vnet0, tag: 10, trunks: [], vlan_mode: null,
                     interfaces: [{name: vnet0, type: system, ofport: 2, admin_state: up, link_state: up,
                                   mtu: 1500, mtu_request: null, mac_in_use: "fe:54:00:aa:bb:02",
                                   external_ids: {attached-mac: "52:54:00:aa:bb:02"}, options: {}, error: null}]}
                flows:
                  - {table: 0, priority: 100, cookie: "0xbad", match: "icmp,nw_dst=192.0.2.20", actions: drop,
                     n_packets: 3, n_bytes: 294, drops: true}
                fdb:
                  - {port: vnet0, ofport: 2, vlan: 10, mac: "52:54:00:aa:bb:02", age: 3}
            traces:
              - {bridge: br-ex, in_port: uplink0, packet: echo-request, src: 192.0.2.10, dst: 192.0.2.20,
                 dropped: true, outputs: [], datapath_actions: drop, error: null,
                 rules: [], deciding_rule: {bridge: br-int, table: 0, priority: 100, cookie: "0xbad",
                                            match: "icmp,nw_dst=192.0.2.20", actions: [drop], miss: false}}
        virtual_switches:
          description: Hypervisor virtual switches; always empty on Linux (see C(bridges)).
          returned: always
          type: list
          elements: dict
          sample: []
        vm_nics:
          description: Hypervisor VM NICs; always empty on Linux.
          returned: always
          type: list
          elements: dict
          sample: []
        vmkernel_nics:
          description: VMkernel NICs; always empty on Linux.
          returned: always
          type: list
          elements: dict
          sample: []
        physical_nics:
          description: Hypervisor physical NICs; always empty on Linux (see C(interfaces)).
          returned: always
          type: list
          elements: dict
          sample: []
        duplicate_macs:
          description: MACs on more than one VM NIC; always empty on Linux.
          returned: always
          type: list
          elements: dict
          sample: []
'''

import os
import threading
import traceback

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.facts import collect, validate_options
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import C_LOCALE, CommandRunner, run_until


class _Probe(threading.Thread):
    """The echo probe of option ``probe``, sent while the facts are read."""

    def __init__(self, module, options, run_probe):
        super(_Probe, self).__init__()
        self.daemon = True
        self.module = module
        self.run_probe = run_probe
        self.params = dict(options, size=56, dont_fragment=False, source=None, ip_version='auto', mtu_sized=False,
                           path_mtu=False, path_mtu_max=1500, ping=module.get_bin_path('ping'), ip=module.get_bin_path('ip'))
        self.result = None

    def run(self):
        try:
            if not self.params['ping']:
                raise DoctorError('ping is not installed (package iputils-ping or iputils)', obj='ping')
            self.result = self.run_probe(lambda argv: self.module.run_command(argv, environ_update=C_LOCALE),
                                         self.params, until=run_until)
        except DoctorError as exc:
            self.result = dict(exc.to_result(), failed=True)
        except Exception as exc:  # pylint: disable=broad-except
            self.result = {'failed': True, 'msg': 'probe: %s' % exc}


def _management(module):
    """Option ``management``: what vmnet.doctor.mgmt_guard state=status says of the management connection."""
    from ansible_collections.vmnet.doctor.plugins.module_utils.linux import guard

    def runner(argv):
        return module.run_command([module.get_bin_path(argv[0]) or argv[0]] + list(argv[1:]), environ_update=C_LOCALE)
    try:
        iface, client = guard.management_interface(runner, os.environ)
        return {'interface': iface, 'client': client, 'related': guard.related_interfaces(runner, iface) if iface else []}
    except DoctorError as exc:
        return dict(exc.to_result(), failed=True, interface=None, client=None, related=[])


def _take_lock(module, options):
    """Option ``lock``: this host's remediation lock, as vmnet.doctor.host_lock takes it without waiting."""
    from ansible_collections.vmnet.doctor.plugins.module_utils.linux import lock as host_lock
    try:
        return host_lock.acquire(options['lock_dir'], options['run_id'], options['owner'], options['lease'], 0,
                                 check_mode=module.check_mode, controller=options['controller'])
    except DoctorError as exc:
        return dict(exc.to_result(), acquired=False)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            peers=dict(type='list', elements='str', default=[]),
            flows=dict(type='list', elements='dict', default=[], options=dict(
                src=dict(type='str', required=True),
                dst=dict(type='str', required=True),
            )),
            include_local_routes=dict(type='bool', default=False),
            gather_rulesets=dict(type='bool', default=False),
            ovs_rundir=dict(type='path'),
            libvirt_uri=dict(type='str'),
            management=dict(type='bool', default=False),
            lock=dict(type='dict', options=dict(
                run_id=dict(type='str', required=True),
                owner=dict(type='str'),
                lease=dict(type='int', default=300),
                lock_dir=dict(type='path', default='/run/vmnet-doctor'),
                controller=dict(type='dict'),
            )),
            probe=dict(type='dict', options=dict(
                targets=dict(type='list', elements='str', required=True),
                count=dict(type='int', default=3),
                interval=dict(type='float', default=0.2),
                timeout=dict(type='float', default=1.0),
                until_reply=dict(type='bool', default=False),
                onlink_timeout=dict(type='float'),
            )),
        ),
        supports_check_mode=True,
    )
    extra = {}
    if module.params['lock']:
        extra['lock'] = _take_lock(module, module.params['lock'])
    if module.params['management']:
        extra['management'] = _management(module)
    probe = None
    if module.params['probe'] and module.params['probe']['targets']:
        # Imported here, in this thread, before the probe's thread starts: only a call with a probe pays for it,
        # and two threads importing at once can see a module half initialised (ImportError).
        from ansible_collections.vmnet.doctor.plugins.module_utils.linux.probe import run as run_probe
        probe = _Probe(module, module.params['probe'], run_probe)
        probe.start()
    try:
        peers, flows = validate_options(module.params['peers'], module.params['flows'])
        facts = collect(CommandRunner(module), peers, flows,
                        include_local_routes=module.params['include_local_routes'],
                        gather_rulesets=module.params['gather_rulesets'],
                        ovs_rundir=module.params['ovs_rundir'],
                        libvirt_uri=module.params['libvirt_uri'])
    except DoctorError as exc:
        if probe is not None:
            probe.join()
        module.fail_json(**dict(exc.to_result(), **extra))
    except Exception as exc:  # pylint: disable=broad-except
        # A read this module did not foresee: the failure still says whether this host's lock was taken, so that
        # the run releases it (a lock taken and not reported would stay until its lease ends).
        if not extra:
            raise
        module.fail_json(msg='net_facts: %s' % exc, exception=traceback.format_exc(), **extra)
    if probe is not None:
        probe.join()
        extra['probe'] = probe.result
    module.exit_json(changed=False, ansible_facts={'vmnet_doctor': facts}, **extra)


if __name__ == '__main__':
    main()
