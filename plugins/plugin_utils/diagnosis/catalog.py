# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The finding catalog: the one place where every diagnosis code is defined.

``docs/catalog.md`` is generated from this module (``render_markdown()``, see
``tests/unit/plugins/plugin_utils/diagnosis/gen_catalog_doc.py``) and a unit test
keeps the two identical. Add a code here (naming the checks that raise it), regenerate the
document, done.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type


# Ordered from the wire up. Findings are ordered by path position, not by layer;
# the layer says *what kind* of thing is broken.
LAYERS = (
    ('link', 'The interface itself: administrative state, carrier, MTU.'),
    ('switch', 'The virtual switch between host and VM: bridge ports, STP, VLAN membership, MAC filters.'),
    ('addressing', 'IP addresses and prefixes configured on the interfaces, and their uniqueness.'),
    ('routing', 'Routes, default gateways, IP forwarding and reverse-path filtering on the hosts of the path.'),
    ('neighbor', 'ARP / NDP resolution of the next hop.'),
    ('firewall', 'Packet filter verdicts for the ICMP echo request and reply (nftables, iptables, ...).'),
    ('stack', 'Kernel settings that make the IP stack ignore ICMP echo requests.'),
)

LAYER_NAMES = tuple(name for name, _desc in LAYERS)

CONFIDENCE_LEVELS = ('high', 'medium', 'low')

# Each entry: layer, title, meaning, detection, fix (prose), auto_fix (a fixer module exists
# and the engine proposes it), module (the fixer proposed, or None when the fix is manual),
# platform_modules (optional: the fixers of the same code on other switches and hypervisors),
# checks (the engine checks that raise it, ``checks_<module>.<function>``; a unit test reads the
# checks' source and keeps this list true). The lab faults that reproduce a code are declared by
# the faults themselves (tests/lab/vmnetlab.py FAULTS ``expect``) and joined in docs/catalog.md.
CATALOG = {
    'LINK_DOWN': {
        'layer': 'link',
        'title': 'Interface is down',
        'meaning': 'An interface on the path is administratively down or has no carrier, so no frame leaves or arrives.',
        'detection': 'The interface on the path (the source host egress interface from its route lookup, '
                     'the hypervisor interface the source reaches on a routed path, the VM interface holding the '
                     'target address) has `admin_up: false`, or `carrier: false` '
                     'while its far end is not itself reported down. When the VM cannot be managed, '
                     'a hypervisor port without carrier whose own admin state is up points at the VM interface (medium confidence).',
        'fix': '`vmnet.doctor.link_state` with `interface` and `state: up` on the host owning the interface. '
               'A missing carrier on an interface that is administratively up has no safe automatic fix '
               '(cable, peer or virtual NIC connection): manual.',
        'auto_fix': True,
        'module': 'vmnet.doctor.link_state',
        'checks': ('checks_l2.check_hv_port', 'checks_l2.check_source_link', 'checks_l2.check_target_link'),
    },
    'BRIDGE_PORT_DOWN': {
        'layer': 'switch',
        'title': 'Bridge port is down',
        'meaning': "The hypervisor bridge port of the VM (or of the host uplink) is down or disabled, so the bridge does not forward to it.",
        'detection': 'The port (found through the bridge forwarding database, the veth peer index, the libvirt tap MAC '
                     'or, last, its name) has `admin_up: false` or bridge state `disabled` while its peer is up.',
        'fix': '`vmnet.doctor.link_state` with `interface: <port>` and `state: up` on the hypervisor.',
        'auto_fix': True,
        'module': 'vmnet.doctor.link_state',
        'checks': ('checks_l2.check_hv_port',),
    },
    'STP_BLOCKING': {
        'layer': 'switch',
        'title': 'Bridge port not forwarding (STP)',
        'meaning': 'The bridge port is up but in the `blocking`, `listening` or `learning` state, so it does not forward frames.',
        'detection': 'The port of the VM or of the host uplink is administratively up with carrier and its bridge state is not `forwarding`.',
        'fix': 'When STP is off on the bridge the state was forced by hand: `vmnet.doctor.link_state` with '
               '`interface: <port>`, `state: up`, `release_stp: true`. When STP is on, the protocol chose to block the '
               'port to break a loop: manual (fix the topology, never force a port STP blocks).',
        'auto_fix': True,
        'module': 'vmnet.doctor.link_state',
        'checks': ('checks_l2.check_hv_port',),
    },
    'ADDRESS_MISSING': {
        'layer': 'addressing',
        'title': 'Address not configured',
        'meaning': 'The target address is on no interface of the VM, or the source egress interface has no address of the family.',
        'detection': 'No interface in the VM facts carries the target address; or the egress interface of the source host '
                     'has no address of the target family.',
        'fix': 'Manual: which address, prefix and interface to configure is a person\'s decision '
               '(the finding names the address and the segment prefix when known).',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_l3.check_source_address', 'checks_l3.check_target_address'),
    },
    'SUBNET_MISMATCH': {
        'layer': 'addressing',
        'title': 'Prefix length differs from the segment',
        'meaning': 'The VM address has a different prefix (netmask) from the other addresses on its segment, '
                   'so the VM treats the source (or its gateway) as off-link.',
        'detection': 'The VM address network differs from the network of the peer on the same segment '
                     '(the source address on a bridged path, the hypervisor address on the VM side of a routed path).',
        'fix': 'Manual: changing an address is a person\'s decision (it may be managed by DHCP, cloud-init or '
               'a network manager). The finding gives the exact `ip address replace` command.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_l3.check_subnet',),
    },
    'NO_ROUTE': {
        'layer': 'routing',
        'title': 'No route to the destination',
        'meaning': 'A host on the path has no usable route to the next address (unreachable, blackhole or prohibit route, or none at all).',
        'detection': 'The route lookup (`ip route get`) recorded in the facts failed or returned a blackhole/unreachable/'
                     'prohibit route; without a lookup, a longest-prefix match over the main table finds nothing (medium confidence).',
        'fix': '`vmnet.doctor.static_route` with `prefix` (the VM subnet when known, else the /32) and `gateway` '
               '(the hypervisor address on the source subnet when known); manual when no gateway is known.',
        'auto_fix': True,
        'module': 'vmnet.doctor.static_route',
        'checks': ('checks_l3.check_hv_route', 'checks_l3.check_source_route', 'checks_l3.check_target_route_back'),
    },
    'SEND_REFUSED': {
        'layer': 'routing',
        'title': 'The source refuses to send the echo',
        'meaning': 'The source host\'s own stack refused the echo request before it left (a blackhole, prohibit or '
                   'unreachable route, or a local firewall rule): the path is broken on the source itself.',
        'detection': 'The forward probe (`icmp_probe`) reports `local_error` (`connect:`/`sendmsg:` errors such as '
                     '`Invalid argument`, `Permission denied`, `No route to host`, `Operation not permitted`) with the '
                     'source\'s route lookup. Reported only when no other finding explains the path (a symptom, '
                     'like `ARP_INCOMPLETE`).',
        'fix': 'Manual, with the evidence: the refusing route and the command that removes it when the route lookup '
               'names one, else the error.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_l3.check_send_refused',),
    },
    'GATEWAY_MISSING': {
        'layer': 'routing',
        'title': 'No default gateway',
        'meaning': 'The VM has no route back to an off-link source and no default route, so replies are never sent.',
        'detection': 'On a routed path, the VM route lookup to the source address fails and the VM has no default route.',
        'fix': '`vmnet.doctor.default_gateway` with `gateway`: the hypervisor address on the VM subnet when the '
               'hypervisor facts are known; manual otherwise.',
        'auto_fix': True,
        'module': 'vmnet.doctor.default_gateway',
        'checks': ('checks_l3.check_target_route_back',),
    },
    'GATEWAY_WRONG': {
        'layer': 'routing',
        'title': 'Default gateway is wrong',
        'meaning': 'The VM sends its replies to a gateway that is not the router of its segment.',
        'detection': 'On a routed path, the VM route to the source uses a gateway that is not an address of the hypervisor '
                     'on the VM subnet (high), or that does not answer ARP when the hypervisor facts are unknown (medium).',
        'fix': '`vmnet.doctor.default_gateway` with `gateway`: the hypervisor address on the VM subnet. Manual when '
               'that address is not known.',
        'auto_fix': True,
        'module': 'vmnet.doctor.default_gateway',
        'checks': ('checks_l3.check_target_route_back',),
    },
    'FORWARDING_DISABLED': {
        'layer': 'routing',
        'title': 'IP forwarding disabled on the router',
        'meaning': 'The hypervisor routes between the host and the VM subnets but does not forward IP packets.',
        'detection': 'The hypervisor is the next hop (its address is the source gateway or the VM gateway) and '
                     '`net.ipv4.ip_forward` (or `net.ipv6.conf.all.forwarding`) is 0.',
        'fix': '`vmnet.doctor.net_sysctl` with `name: ip_forward` (or `ipv6_forwarding`) and `value: 1` on the hypervisor.',
        'auto_fix': True,
        'module': 'vmnet.doctor.net_sysctl',
        'checks': ('checks_l3.check_forwarding',),
    },
    'RP_FILTER_DROP': {
        'layer': 'routing',
        'title': 'Strict reverse-path filter drops the packet',
        'meaning': 'The packet arrives on an interface that is not the one the receiving host would use to reach its '
                   'source, and strict reverse-path filtering (`rp_filter=1`) drops it.',
        'detection': 'The effective rp_filter (the maximum of `conf.all` and `conf.<interface>`) on the receiving '
                     'interface is 1 and the host route back to the sender leaves through another interface.',
        'fix': '`vmnet.doctor.net_sysctl` with `name: rp_filter`, `value: 2` (loose) and `interface: <receiving interface>`.',
        'auto_fix': True,
        'module': 'vmnet.doctor.net_sysctl',
        'checks': ('checks_l3.check_rp_filter',),
    },
    'ARP_STALE': {
        'layer': 'neighbor',
        'title': 'Wrong neighbor entry',
        'meaning': 'The neighbor cache maps the next hop to a MAC address that is not the next hop\'s (usually a '
                   'leftover permanent entry), so frames go to the wrong machine.',
        'detection': 'The neighbor entry for the next hop is PERMANENT/NOARP (high) or STALE (low) with a MAC different '
                     'from the MAC of the interface that owns the address in the VM or hypervisor facts. Without the '
                     'VM facts, the MAC the hypervisor learnt for the VM is used instead (one level lower).',
        'fix': '`vmnet.doctor.neighbor` with `address`, `device` and `state: absent` (flush the wrong entry; the kernel re-learns it).',
        'auto_fix': True,
        'module': 'vmnet.doctor.neighbor',
        'checks': ('checks_l3.check_neighbor',),
    },
    'ARP_INCOMPLETE': {
        'layer': 'neighbor',
        'title': 'Next hop does not answer ARP/NDP',
        'meaning': 'The next hop MAC address could not be resolved. This is a symptom: it is reported only when no '
                   'other finding explains the path (otherwise it is listed among the failed checks).',
        'detection': 'The neighbor entry for the next hop is INCOMPLETE or FAILED.',
        'fix': 'Manual: the cause lies beyond the host (cabling, the switch, the VM); collect the hypervisor and VM facts.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_l3.check_neighbor',),
    },
    'IP_CONFLICT': {
        'layer': 'addressing',
        'title': 'Address used by two machines',
        'meaning': 'Another machine answers for the target (or source) address.',
        'detection': 'The address is configured on more than one known host; the kernel flagged duplicate address '
                     'detection; or the source learnt the target address with a MAC that is not the VM\'s (medium).',
        'fix': 'Manual: which machine keeps the address is a person\'s decision.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_l3.check_ip_conflict', 'checks_l3.check_neighbor'),
    },
    'DUPLICATE_MAC': {
        'layer': 'addressing',
        'title': 'MAC address used twice',
        'meaning': 'Two interfaces on the path\'s segment carry the same MAC address, so the switch delivers frames to one of them only.',
        'detection': 'The VM interface MAC (or the source MAC) is also the MAC of an interface of another known host, '
                     'or appears in a collector\'s `duplicate_macs` list. VMware (object `vmware_vm_nic`): the MAC '
                     'of the path\'s VM NIC is in the `duplicate_macs` of the VMware facts (two VM NICs in the '
                     'collected scope).',
        'fix': 'Manual: changing a MAC address may break licences or DHCP reservations; a person decides which NIC changes.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_l2.check_duplicate_mac', 'checks_vmware.check_vmware'),
    },
    'ICMP_BLOCKED': {
        'layer': 'firewall',
        'title': 'Firewall drops the ICMP echo',
        'meaning': 'A packet filter on the path drops or rejects the echo request or the echo reply.',
        'detection': 'The facts carry a firewall evaluation (`firewall.icmp`) for this hook, ICMP type and address pair '
                     'whose verdict is drop or reject; high confidence when the verdict is certain, medium when a rule '
                     'that may match was on the way. On Windows the evaluation follows Windows Firewall: the profile '
                     'of the interface, block rules before allow rules, then the profile default action; the object '
                     'is the `windows_firewall_rule` (Name, display name, profile) or the `firewall_profile`.',
        'fix': '`vmnet.doctor.icmp_rule` with `state: present` inserting an accept for the exact source/destination, hook '
               'and ICMP type before the dropping rule. When a specific (non-policy) rule decided, the finding also '
               'offers, as an alternative, the same module with `remove_rule` naming that rule. Windows: '
               '`vmnet.doctor.win_icmp_rule` with `source` and `profiles` (enables the built-in echo rule or creates '
               'one named rule); when a block rule decided, with `disable_blocking_rules: true` (block rules '
               'override allow rules).',
        'auto_fix': True,
        'module': 'vmnet.doctor.icmp_rule',
        'checks': ('checks_firewall.check_icmp',),
    },
    'ICMP_IGNORED': {
        'layer': 'stack',
        'title': 'Kernel ignores echo requests',
        'meaning': 'The kernel of the host that receives the echo request (the VM; the source host for the reverse '
                   'ping) is told to ignore every ICMP echo request (`icmp_echo_ignore_all=1`).',
        'detection': '`sysctls.ipv4.icmp_echo_ignore_all` (or `sysctls.ipv6.icmp_echo_ignore_all` for IPv6) is 1 on the '
                     'target (on the source when the reverse probe fails).',
        'fix': '`vmnet.doctor.net_sysctl` with `name: icmp_echo_ignore_all` (IPv4) or `name: icmpv6_echo_ignore_all` '
               '(IPv6, `net.ipv6.icmp.echo_ignore_all`) and `value: 0` on the host that ignores them.',
        'auto_fix': True,
        'module': 'vmnet.doctor.net_sysctl',
        'checks': ('checks_firewall.check_icmp_ignored',),
    },
    'MTU_MISMATCH': {
        'layer': 'link',
        'title': 'MTU differs along a segment',
        'meaning': 'Interfaces on the same layer-2 segment have different MTUs: small packets pass, large ones are dropped.',
        'detection': 'The MTUs of the source egress interface, the bridge and its ports and the VM interface on one segment '
                     'differ. Reported when the large probe with DF failed, or no large probe was run; a passing large probe '
                     'turns it into a note. VMware (object `vmware_vswitch` / `vmware_dvs`): the MTU of the VM '
                     'NIC\'s virtual switch differs from the VMkernel NICs on that switch, the guest interface '
                     'holding the target address and `vmware.host_mtu`. Open vSwitch (object `ovs_interface`): the '
                     'odd one out is an OVS interface with an `mtu_request`, which OVS applies again over any kernel '
                     'change (proven on the OVS lab).',
        'fix': '`vmnet.doctor.interface_mtu` on the odd one out: a bridge lower than both ends is raised with its ports '
               '(`bridge_ports: true`); an end that differs from the others is set to the segment MTU; with only two '
               'ends known, the larger one is lowered. VMware: when every other member agrees, '
               '`vmnet.doctor.vmware_vswitch_policy` with the switch (`esxi_hostname` and `switch`, or '
               '`switch_type: distributed`) and `mtu` set to theirs; otherwise manual. Open vSwitch `mtu_request`: '
               '`vmnet.doctor.ovs_interface` with `mtu_request` set to the segment MTU.',
        'auto_fix': True,
        'module': 'vmnet.doctor.interface_mtu',
        'platform_modules': ('vmnet.doctor.ovs_interface',),
        'checks': ('checks_l2.check_mtu', 'checks_vmware.check_vmware'),
    },
    'VLAN_MISMATCH': {
        'layer': 'switch',
        'title': 'VM port in the wrong VLAN',
        'meaning': 'The VM port and the host uplink port are not in the same VLAN (broadcast domain).',
        'detection': 'VLAN-aware bridge: the VLAN the source traffic enters with (the uplink PVID or the source VLAN '
                     'device id) is not allowed/untagged on the VM port. Per-VLAN bridges: the source expects the VM '
                     'on-link but the VM port is enslaved to a different bridge than the host uplink. Hyper-V (object '
                     '`hyperv_vm_adapter`): the VM adapter access VLAN (0 = untagged) differs from the VLAN of the host '
                     'adapter on the same switch. VMware (object `vmware_portgroup`): the VLAN of the VM NIC\'s '
                     'portgroup differs from the host side: `vmware.host_vlan_id`, the VLAN of '
                     '`vmware.host_portgroup`, or of the portgroup of a VMkernel NIC on the VM subnet '
                     '(trunks, 4095 and ranges are not compared). Open vSwitch (object `ovs_port`, proven on the '
                     'real OVS lab): the access tag of the source port is not carried by the VM port (tag, '
                     '`vlan_mode`) or by a patch/trunk port between their bridges (`trunks`), usually confirmed by '
                     '`ofproto/trace` of the echo not reaching the VM port.',
        'fix': 'VLAN-aware bridge: `vmnet.doctor.bridge_vlan` with `port`, `pvid`, `vids` and `untagged`. '
               'Per-VLAN bridges: manual, with the exact `ip link set dev <port> master <bridge>` command. '
               'Hyper-V: `vmnet.doctor.hyperv_vm_nic` with `vm`, `mac` and `vlan_id`. VMware: '
               '`vmnet.doctor.vmware_vswitch_policy` with the portgroup and `vlan_id` of the host side (the '
               'fix notes the other VMs on that portgroup, whose VLAN changes too). Open vSwitch: '
               '`vmnet.doctor.ovs_port_vlan` with `port` and only the fields that must change (`tag`, `trunks`, '
               '`vlan_mode`).',
        'auto_fix': True,
        'module': 'vmnet.doctor.bridge_vlan',
        'platform_modules': ('vmnet.doctor.ovs_port_vlan', 'vmnet.doctor.vmware_vswitch_policy',
                             'vmnet.doctor.hyperv_vm_nic'),
        'checks': ('checks_l2.check_vlan', 'checks_ovs.check_ovs', 'checks_vmware.check_vmware',
                   'checks_windows.check_hyperv'),
    },
    'OVS_FLOW_DROP': {
        'layer': 'switch',
        'title': 'OpenFlow flow drops the echo (Open vSwitch)',
        'meaning': 'An OpenFlow flow on an Open vSwitch bridge of the path matches the echo request or reply and '
                   'drops it (actions=drop or no action), above the flows that would forward it.',
        'detection': 'The switch\'s own verdict: `ovs-appctl ofproto/trace` of the echo request from the port facing '
                     'the source (or of the reply from the VM port) does not reach the other port, and the last rule '
                     'it met drops; the flow is named by bridge, table, priority, cookie and match, with its packet '
                     'counter from `ovs-ofctl dump-flows`.',
        'fix': '`vmnet.doctor.ovs_flow` with `state: absent` and the exact bridge, table, priority, cookie and match '
               '(strict delete of that one flow; its inverse re-adds it with its actions). Adding a higher-priority '
               'allow for exactly the path (`state: present`, `actions: NORMAL`) is the alternative when the flow '
               'belongs to a controller that would put it back.',
        'auto_fix': True,
        'module': 'vmnet.doctor.ovs_flow',
        'checks': ('checks_ovs.check_ovs',),
    },
    'OVS_WRONG_BRIDGE': {
        'layer': 'switch',
        'title': 'VM port on the wrong Open vSwitch bridge',
        'meaning': 'The VM port is on an OVS bridge that no patch port joins to the bridge the source reaches: '
                   'the two can never exchange a frame.',
        'detection': 'The bridge of the VM port is not reachable from the bridge of the port facing the source '
                     'through patch ports (`interfaces[].options.peer`).',
        'fix': 'Manual: which bridge a VM belongs on is its definition\'s decision (libvirt `<source bridge>`, '
               'OpenStack `br-int`); the finding gives the exact `ovs-vsctl del-port ... -- add-port ...` command.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_ovs.check_ovs',),
    },
    'OVS_SECURE_NO_FLOWS': {
        'layer': 'switch',
        'title': 'Open vSwitch bridge in fail_mode secure without flows',
        'meaning': 'A bridge in `fail_mode: secure` forwards only what its OpenFlow controller programs; with no flow '
                   'at all it drops every frame.',
        'detection': 'A bridge of the path (the source port\'s, the VM port\'s or one between them) has '
                     '`fail_mode: secure` and an empty `flows` list.',
        'fix': 'Manual: start or reconnect the controller that programs the bridge (Neutron agent, OVN); without a '
               'controller, `ovs-vsctl del-fail-mode <bridge>` makes it a learning switch again.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_ovs.check_ovs',),
    },
    'OVS_PATH_DROP': {
        'layer': 'switch',
        'title': 'Open vSwitch does not deliver the echo',
        'meaning': 'Open vSwitch\'s own trace of the echo request or reply does not reach the port of the other end, '
                   'for a reason no other OVS check names.',
        'detection': '`ovs-appctl ofproto/trace` from the port facing the source (or the VM port) lists outputs '
                     'without the other port, and neither the bridges, VLANs, fail mode nor a dropping flow explain it.',
        'fix': 'Manual: the trace in the evidence names every rule the packet met.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_ovs.check_ovs',),
    },
    'OVS_INTERFACE_ERROR': {
        'layer': 'switch',
        'title': 'Open vSwitch reports an error on an interface of the path',
        'meaning': 'Open vSwitch could not set up an interface the path crosses and says why in the interface\'s '
                   '`error` column: a patch port without a usable peer (the two bridges are no longer joined), a '
                   'device it cannot open (the VM\'s tap is gone, a stale port), a bad option.',
        'detection': 'OVS\'s own verdict: the `error` column (`ovs-vsctl list Interface`) of the source port, the VM '
                     'port or a patch port between their bridges is set; the finding quotes it. Of two broken patch '
                     'ends, the one whose peer is missing or does not name it back, and that another patch names, '
                     'is reported.',
        'fix': '`vmnet.doctor.ovs_interface` with `peer` for a patch interface when its right peer is unambiguous '
               '(exactly one other patch interface names it; the inverse sets the old peer back). Otherwise manual: '
               'the finding gives the command (start the VM again or `ovs-vsctl del-port` a stale port).',
        'auto_fix': True,
        'module': 'vmnet.doctor.ovs_interface',
        'checks': ('checks_ovs.check_ovs',),
    },
    'OVS_PORT_CONFIG': {
        'layer': 'switch',
        'title': 'OpenFlow port config stops the frames (no-receive, no-forward, no-flood)',
        'meaning': 'A port of the path has an OpenFlow port config flag that stops the path\'s frames: NO_RECV '
                   '(every frame received on it is dropped), NO_FWD (nothing goes out of it) or NO_FLOOD (flooded '
                   'ARP requests and unknown unicast do not go out of it). Set with `ovs-ofctl mod-port`, by hand or '
                   'by a controller; it is not in the OVSDB, so `ovs-vsctl` shows nothing.',
        'detection': '`ovs-ofctl dump-ports-desc <bridge>` lists the flag in the `config` of the source port, the VM '
                     'port or a patch port between their bridges (facts: `interfaces[].of_config`).',
        'fix': '`vmnet.doctor.ovs_port_config` with `receive`, `forward` or `flood: true` for the flags found (one '
               '`ovs-ofctl mod-port` each; the inverse sets them back). Runtime only, like the flag itself.',
        'auto_fix': True,
        'module': 'vmnet.doctor.ovs_port_config',
        'checks': ('checks_ovs.check_ovs',),
    },
    'MAC_FILTERED': {
        'layer': 'switch',
        'title': 'Bridge filter drops a MAC address',
        'meaning': 'A bridge-family nftables or ebtables rule drops frames from or to the VM (or the host).',
        'detection': 'A `bridges[].mac_filters` entry with verdict drop names the VM or source MAC, on the VM port, the uplink '
                     'port or any port.',
        'fix': '`vmnet.doctor.mac_allow` with `mac` and `port` (or `bridge`) on the hypervisor.',
        'auto_fix': True,
        'module': 'vmnet.doctor.mac_allow',
        'checks': ('checks_l2.check_mac_filters',),
    },
    # Windows / Hyper-V (checks_windows.py; facts from vmnet.doctor.win_net_facts)
    'FIREWALL_PROFILE_BLOCKS_ALL': {
        'layer': 'firewall',
        'title': 'Windows Firewall profile blocks all inbound',
        'meaning': 'The Windows Firewall profile of the receiving interface is set to "Block all incoming '
                   'connections, including those in the list of allowed apps" (`AllowInboundRules` False), so no '
                   'allow rule, built-in or custom, lets the echo request in.',
        'detection': 'The Windows facts evaluation (`firewall.icmp`) of the inbound echo request ends on the profile '
                     'of the interface (its network category; unidentified networks are Public) with '
                     '`AllowInboundRules` False (`deciding_rule.profile_blocks_all`).',
        'fix': '`vmnet.doctor.win_icmp_rule` with `source`, `profiles: [<profile>]` and `allow_inbound_rules: true` '
               '(turns the setting off for that profile, then allows the echo). A setting pushed by group policy '
               'must be changed in the policy.',
        'auto_fix': True,
        'module': 'vmnet.doctor.win_icmp_rule',
        'checks': ('checks_firewall.check_icmp',),
    },
    'VNIC_DISCONNECTED': {
        'layer': 'link',
        'title': 'Virtual NIC not connected',
        'meaning': 'The VM network adapter is not connected to any virtual switch (Hyper-V: no switch; VMware: '
                   'the virtual NIC is disconnected), so the guest has no link at all.',
        'detection': 'The `vm_nics` entry of the VM (found by its guest IPs, the VM MAC or the VM name) has '
                     '`connected: false` or no `switch`. Object type `hyperv_vm_adapter` (Hyper-V) or the VMware '
                     'collector\'s own type `vmware_vm_nic` (VMware: only for powered-on VMs): one code for the '
                     'same cause on both hypervisors.',
        'fix': 'Hyper-V: `vmnet.doctor.hyperv_vm_nic` with `vm`, `mac` and `switch`: the switch of the host '
               'adapter on the VM segment. Manual when that switch is not known from the facts. VMware: '
               '`vmnet.doctor.vmware_vm_nic` with `vm`, `mac` and `connected: true` (and '
               '`start_connected: true` when it was off too), run on the controller.',
        'auto_fix': True,
        'module': 'vmnet.doctor.hyperv_vm_nic',
        'checks': ('checks_vmware.check_vmware', 'checks_windows.check_hyperv'),
    },
    'WRONG_VSWITCH': {
        'layer': 'switch',
        'title': 'VM connected to another virtual switch',
        'meaning': 'The VM adapter is connected to a different Hyper-V virtual switch than the host adapter on '
                   'the VM subnet, so host and VM are on separate layer-2 segments.',
        'detection': 'The host side is the management-OS adapter (`host_vnics`) that is the source egress '
                     'interface, or that holds an address on the VM subnet; its `switch` differs from the VM '
                     'adapter `switch`.',
        'fix': '`vmnet.doctor.hyperv_vm_nic` with `vm`, `mac` and `switch: <the host adapter switch>`.',
        'auto_fix': True,
        'module': 'vmnet.doctor.hyperv_vm_nic',
        'checks': ('checks_windows.check_hyperv',),
    },
    'MAC_SPOOFING_DISABLED': {
        'layer': 'switch',
        'title': 'Hyper-V drops the guest MAC (spoofing off)',
        'meaning': 'The guest sends from a MAC address that is not the adapter MAC (a bridge, a team, a nested '
                   'hypervisor or a changed MAC in the guest), and MAC address spoofing is off on the adapter, '
                   'so the Hyper-V switch drops those frames.',
        'detection': 'The interface holding the target address in the VM facts (high), or the Hyper-V host '
                     'neighbor entry for the target (medium), has a MAC different from the `vm_nics` MAC and '
                     '`mac_spoofing` is false.',
        'fix': '`vmnet.doctor.hyperv_vm_nic` with `vm`, `mac` (the adapter MAC) and `mac_spoofing: true`.',
        'auto_fix': True,
        'module': 'vmnet.doctor.hyperv_vm_nic',
        'checks': ('checks_windows.check_hyperv',),
    },
    # VMware (checks_vmware.py; facts from vmnet.doctor.vmware_network_facts, run on the controller)
    'VSWITCH_SECURITY_REJECT': {
        'layer': 'switch',
        'title': 'VMware switch rejects the guest MAC',
        'meaning': 'The guest sends from (or answers to) a MAC address that is not its vNIC MAC (a bridge, a '
                   'team, a nested hypervisor or a MAC changed in the guest), and the effective security '
                   'policy of its portgroup rejects forged transmits or MAC address changes, so the virtual '
                   'switch drops those frames.',
        'detection': 'The interface holding the target address in the VM facts (high), or the MACs VMware '
                     'Tools reports for the NIC (`guest_macs`, medium), differ from the `vm_nics` MAC, and the '
                     'portgroup\'s effective `security` has `forged_transmits` or `mac_changes` false. The '
                     'evidence says whether the portgroup sets it or inherits it from its switch.',
        'fix': '`vmnet.doctor.vmware_vswitch_policy` on that portgroup (narrowest scope; standard: '
               '`esxi_hostname`, `switch`, `portgroup`; distributed: `switch_type: distributed`) with only the '
               'rejected fields set to true (`forged_transmits`, `mac_changes`).',
        'auto_fix': True,
        'module': 'vmnet.doctor.vmware_vswitch_policy',
        'checks': ('checks_vmware.check_vmware',),
    },
    'WRONG_PORTGROUP': {
        'layer': 'switch',
        'title': 'VM NIC on the wrong portgroup',
        'meaning': 'The VMware VM NIC is attached to another portgroup (network) than the one the path expects, '
                   'so host and VM are on separate layer-2 segments.',
        'detection': 'The path names the expected portgroup (`vmware.expected_portgroup`) and the `vm_nics` '
                     'entry of the VM NIC has another `portgroup`.',
        'fix': '`vmnet.doctor.vmware_vm_nic` with `vm`, `mac` and `portgroup: <expected>`, run on the '
               'controller. Manual when the expected portgroup is not available on the VM\'s ESXi host.',
        'auto_fix': True,
        'module': 'vmnet.doctor.vmware_vm_nic',
        'checks': ('checks_vmware.check_vmware',),
    },
    # The packet witness (checks_witness.py; vmnet.doctor.packet_witness on every Linux hop of a failed path).
    # These locate a loss that no model check explains; see docs/witness.md for what the witness needs.
    'LIBVIRT_NAT': {
        'layer': 'switch',
        'title': 'VM behind libvirt NAT, source outside the hypervisor',
        'meaning': "The VM's NIC is on a libvirt network in forward mode `nat`. The hypervisor itself reaches its "
                   "guests, other machines cannot by design: libvirt's LIBVIRT_FWI chain rejects every new inbound "
                   "connection to the guest subnet, and nothing forwards ICMP through the NAT.",
        'detection': "The hypervisor's `libvirt` facts: the guest NIC with the VM's MAC (or the network holding the "
                     "target address) is on a network with `forward_mode: nat`, and the source is another host. The "
                     "ICMP_BLOCKED finding naming a LIBVIRT_* chain is folded into this one.",
        'fix': "A choice that changes who can reach the VM, proposed and applied only when doctor_allow names "
               "LIBVIRT_NAT: `vmnet.doctor.libvirt_network` with `forward_mode: route` (the source then needs a "
               "route to the subnet via the hypervisor; rollback defines the old XML again). The other choices are "
               "manual: attach the NIC to a host bridge, or add a port forward for TCP/UDP services (never ICMP).",
        'auto_fix': True,
        'module': 'vmnet.doctor.libvirt_network',
        'checks': ('checks_libvirt.check_libvirt',),
    },
    'LIBVIRT_NET_ISOLATED': {
        'layer': 'switch',
        'title': 'libvirt network is isolated',
        'meaning': "The VM's libvirt network has no `<forward>`: only the hypervisor and the network's other guests "
                   "reach it; libvirt rejects traffic between its bridge and any other interface.",
        'detection': "The network of the VM's NIC has `forward_mode: isolated` and the source is another host.",
        'fix': "Exposure-changing, applied only when doctor_allow names LIBVIRT_NET_ISOLATED: "
               "`vmnet.doctor.libvirt_network` with `forward_mode: route`; or move the NIC to another network or "
               "bridge (manual).",
        'auto_fix': True,
        'module': 'vmnet.doctor.libvirt_network',
        'checks': ('checks_libvirt.check_libvirt',),
    },
    'LIBVIRT_NET_INACTIVE': {
        'layer': 'switch',
        'title': 'libvirt network not started',
        'meaning': "The VM's libvirt network is defined but not active: its bridge, dnsmasq and rules are gone, "
                   "so the guest's vnet port is attached to nothing.",
        'detection': "The network of the VM's NIC (or holding the target address) has `active: false`. The "
                     "hypervisor's missing route and bridge findings are folded into this one.",
        'fix': "`vmnet.doctor.libvirt_network` with `state: active`: net-start, then it plugs the running guests' "
               "vnet ports back into the bridge (libvirt does not).",
        'auto_fix': True,
        'module': 'vmnet.doctor.libvirt_network',
        'checks': ('checks_libvirt.check_libvirt',),
    },
    'LIBVIRT_GUEST_LINK_DOWN': {
        'layer': 'link',
        'title': 'libvirt holds the guest link down',
        'meaning': "The guest NIC has `<link state='down'/>` (virsh domif-setlink): the guest sees no carrier.",
        'detection': "The guest interface with the VM's MAC in the hypervisor's `libvirt` facts has `link_state: down`.",
        'fix': "`vmnet.doctor.libvirt_interface` with `domain`, `mac` and `link_state: up`: the guest's definition "
               "(`domif-setlink --config`) and, on QEMU/KVM, the running guest. The LXC driver changes no running "
               "guest's NIC: there the fix restarts the guest (`restart: true`) and runs only when doctor_allow "
               "names LIBVIRT_GUEST_LINK_DOWN.",
        'auto_fix': True,
        'module': 'vmnet.doctor.libvirt_interface',
        'checks': ('checks_libvirt.check_libvirt',),
    },
    'LIBVIRT_WRONG_NETWORK': {
        'layer': 'switch',
        'title': 'Guest NIC on the wrong libvirt network',
        'meaning': "The VM's NIC is attached to a libvirt network whose subnet does not hold the VM's address, while "
                   "another network of the hypervisor does.",
        'detection': "The guest interface with the VM's MAC names `source_network` A, the target address lies in "
                     "network B's subnet.",
        'fix': "Exposure-changing, applied only when doctor_allow names LIBVIRT_WRONG_NETWORK: "
               "`vmnet.doctor.libvirt_interface` with `network: B` (`update-device --config`, and `--live` on "
               "QEMU/KVM; an LXC guest is restarted). Or readdress the VM.",
        'auto_fix': True,
        'module': 'vmnet.doctor.libvirt_interface',
        'checks': ('checks_libvirt.check_libvirt',),
    },
    'VBOX_NAT': {
        'layer': 'switch',
        'title': 'VM behind VirtualBox NAT (cut off even from its host)',
        'meaning': "The VM's NIC is in VirtualBox NAT mode: each VM has its own NAT engine (guest 10.0.2.15 by "
                   "default), which no other machine reaches, the VirtualBox host included. Only NAT port forwards "
                   "reach the guest, and they carry TCP and UDP, never ICMP. Read from recorded `VBoxManage "
                   "showvminfo --machinereadable` output only: VirtualBox is not run in the project's lab.",
        'detection': "The hypervisor's `virtualbox` facts (net_facts): the NIC with the VM's MAC (or the only NAT NIC "
                     "of the VM named like the target host, or of the only running VM when the target is in "
                     "10.0.2.0/24) has mode `nat`.",
        'fix': "Manual, because every choice changes who reaches the VM: a host-only adapter (the host reaches it) "
               "or a bridged adapter (the LAN reaches it) with `VBoxManage modifyvm`, or a port forward "
               "(`VBoxManage controlvm <vm> natpf<N>`) for one TCP/UDP service.",
        'auto_fix': False,
        'module': None,
        'checks': ('checks_vbox.check_virtualbox',),
    },
    'VMWS_NAT': {
        'layer': 'switch',
        'title': 'VM behind VMware Workstation/Player NAT, source on another machine',
        'meaning': "The VM's NIC is on the Workstation NAT network (`connectionType = \"nat\"`, or `custom` on the "
                   "vmnet the NAT device serves, vmnet8 by default): the Workstation host reaches the guest, other "
                   "machines reach it only through the NAT device's incoming TCP/UDP port forwards, never with "
                   "ICMP. Read from recorded `.vmx`, `netmap.conf` and `vmnetnat.conf` files only: Workstation is "
                   "not run in the project's lab and no collector reads these files yet.",
        'detection': "The hypervisor's optional `vmware_workstation` facts section: the NIC with the VM's MAC (or the "
                     "only NAT NIC of the VM named like the target host, or of the only VM with a NAT NIC when the "
                     "target is in the NAT subnet of vmnetnat.conf) is on NAT, and the source is not the "
                     "Workstation host.",
        'fix': "Manual, because every choice changes who reaches the VM: a bridged network adapter (the LAN reaches "
               "it) or host-only (the host reaches it), or an `[incomingtcp]`/`[incomingudp]` port forward in "
               "vmnetnat.conf (nat.conf on Linux) for one TCP/UDP service.",
        'auto_fix': False,
        'module': None,
        'checks': ('checks_vmws.check_vmware_workstation',),
    },
    'HYPERV_NAT': {
        'layer': 'switch',
        'title': 'VM behind Hyper-V NAT (Default Switch or WinNAT), source on another machine',
        'meaning': "The VM's adapter is on the Hyper-V Default Switch (fixed Id c08cb7b8-9b3c-408e-8e30-5e16a3aeb444: "
                   "NAT through Internet Connection Sharing, no Get-NetNat object, a subnet that changes when the "
                   "host restarts) or on an Internal switch behind a WinNAT network (New-NetNat). The Hyper-V host "
                   "reaches the guest; other machines reach it only through NetNat static mappings, which carry TCP "
                   "and UDP, never ICMP. Tested on recorded cmdlet output shapes: Hyper-V is not run in the lab.",
        'detection': "The Hyper-V host's win_net_facts: the VM adapter (by guest IP, MAC or VM name) is on the switch "
                     "with the Default Switch Id, or on an Internal switch whose host adapter or the target address "
                     "lies in a `nat_networks` internal prefix (Get-NetNat), and the source is not the Hyper-V host.",
        'fix': "Manual, because every choice changes who reaches the VM: connect the adapter to an External switch "
               "(`Connect-VMNetworkAdapter`), or add a NetNat static mapping (`Add-NetNatStaticMapping`) for one "
               "TCP/UDP service; the Default Switch takes no static mappings.",
        'auto_fix': False,
        'module': None,
        'checks': ('checks_hyperv_nat.check_hyperv_nat',),
    },
    'PACKET_DROPPED_FIREWALL': {
        'layer': 'firewall',
        'title': 'The kernel dropped the echo in a packet filter',
        'meaning': 'The echo request/reply (or the ARP/ND exchange before it) reached a hop and the kernel freed it '
                   'with drop reason NETFILTER_DROP (also BPF_CGROUP_EGRESS, SECURITY_HOOK, XFRM_POLICY): a '
                   'netfilter rule of any hook or family - inet, bridge, netdev ingress, arp, raw, iptables-nft - '
                   'or another policy hook stopped it.',
        'detection': 'A drop record of the witness (eBPF on skb:kfree_skb, attributed to the hop\'s network '
                     'namespace) for a packet of the path, with that reason; the nftables trace of the same run '
                     '(`meta nftrace set 1` in a temporary owner table) names family, table, chain and handle of the '
                     'deciding rule or policy, which becomes the object. Reported when no model check explains the path.',
        'fix': '`vmnet.doctor.icmp_rule` (accept for exactly this echo, hook from where the packet was dropped; '
               '`remove_rule` with the traced handle as the alternative) when an inet/ip/ip6 rule dropped an echo; '
               'manual for bridge, netdev and arp families and for ARP/ND, with the `nft delete rule` command.',
        'auto_fix': True,
        'module': 'vmnet.doctor.icmp_rule',
        'checks': ('checks_witness.apply',),
    },
    'PACKET_DROPPED_RP_FILTER': {
        'layer': 'routing',
        'title': 'The kernel dropped the echo in the reverse-path filter',
        'meaning': 'A hop dropped the packet with reason IP_RPFILTER: the route back to its source does not leave '
                   'through the interface it came in on (strict rp_filter), or there is no route back at all.',
        'detection': 'A witness drop record with reason IP_RPFILTER on the hop and interface named in the object.',
        'fix': 'Manual: make the return route use the receiving interface, or set rp_filter to 2 (loose) on it '
               '(`vmnet.doctor.net_sysctl`), after checking why the route back differs.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
    'PACKET_DROPPED_ROUTING': {
        'layer': 'routing',
        'title': 'The kernel dropped the echo for want of a usable route',
        'meaning': 'A hop dropped the packet with a routing reason: IP_INNOROUTES / IP_OUTNOROUTES (no route, an '
                   '`unreachable`, `prohibit` or `blackhole` route or policy rule), IP_INADDRERRORS, '
                   'IP_INVALID_SOURCE / IP_INVALID_DEST, IP_LOCAL_SOURCE, IP_LOCALNET, IPV6DISABLED.',
        'detection': 'A witness drop record with one of these reasons on the hop and interface named in the object.',
        'fix': 'Manual: read `ip route get` and `ip rule` on that host for the packet\'s addresses and remove the '
               'route or rule that sends it nowhere.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
    'PACKET_DROPPED_NEIGHBOR': {
        'layer': 'neighbor',
        'title': 'The kernel dropped the echo waiting for ARP/ND',
        'meaning': 'A hop dropped the packet because the next hop\'s link-layer address never resolved: '
                   'NEIGH_FAILED, NEIGH_QUEUEFULL, NEIGH_DEAD, NEIGH_CREATEFAIL, or an ND message it rejects '
                   '(IPV6_NDISC_*), or ARP to an isolated port (ARP_PVLAN_DISABLE).',
        'detection': 'A witness drop record with one of these reasons; the ARP/ND counters of the same run show '
                     'which hop saw the request and which one never answered.',
        'fix': 'Manual: find why the neighbour does not answer ARP/ND (arp_ignore/arp_filter, an ARP filter, a '
               'missing address) on the hop that never sent the reply.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
    'PACKET_DROPPED_LINK': {
        'layer': 'link',
        'title': 'The kernel dropped the echo at the device',
        'meaning': 'A hop dropped the frame at the link: PKT_TOO_BIG (MTU), DEV_READY / DEV_HDR (device down or '
                   'not ready), OTHERHOST (frame for another MAC), MAC_INVALID_SOURCE, LOCAL_MAC, '
                   'BRIDGE_INGRESS_STP_STATE, tc or qdisc drops (TC_INGRESS, TC_EGRESS, QDISC_DROP), XDP, '
                   'TAP_FILTER.',
        'detection': 'A witness drop record with one of these reasons on the hop and interface named in the object.',
        'fix': 'Manual: the reason and the interface say what to change (MTU, link state, MAC, tc filter).',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
    'PACKET_DROPPED': {
        'layer': 'stack',
        'title': 'The kernel dropped the echo (other reason)',
        'meaning': 'A hop dropped the path\'s packet with a drop reason that has no more specific code.',
        'detection': 'A witness drop record whose reason is not mapped to a PACKET_DROPPED_* code (the reason name '
                     'and the kernel function are in the evidence).',
        'fix': 'Manual: the evidence names the reason, the kernel function and the interface.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
    'PACKET_VANISHED': {
        'layer': 'stack',
        'title': 'The echo vanished between two points without a drop record',
        'meaning': 'The witness saw the packet at one point of the path (e.g. leaving the hypervisor port) and not '
                   'at the next (entering the VM, or leaving the hop it entered), and the kernel recorded no drop '
                   'for it: lost on the link, consumed by the stack (a silently ignored echo, ARP not answered), '
                   'or diverted where nothing of the path looks.',
        'detection': 'Per-interface counts of the witness on every hop: the last point seen and the first point '
                     'missing; medium confidence.',
        'fix': 'Manual: look at the named host between the two points.',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
    'PACKET_NOT_ANSWERED': {
        'layer': 'stack',
        'title': 'The echo (or ARP) arrived and was not answered',
        'meaning': 'The witness saw the request enter the VM (or the hop asked) and no reply leave it on any '
                   'interface, and the kernel recorded no drop: the stack consumed the request without answering.',
        'detection': 'Per-interface counts: request in, reply out zero on the same hop, no drop record there.',
        'fix': 'Manual: look at the stack settings of that host that silence replies (icmp_echo_ignore_*, '
               'arp_ignore, arp_filter, a socket filter).',
        'auto_fix': False,
        'module': None,
        'checks': ('checks_witness.apply',),
    },
}


def layer_index(layer):
    """Position of a layer in LAYERS (unknown layers sort last)."""
    try:
        return LAYER_NAMES.index(layer)
    except ValueError:
        return len(LAYER_NAMES)


def render_markdown(lab_faults=None):
    """The user documentation of the catalog (docs/catalog.md), generated from CATALOG.

    ``lab_faults`` maps a code to the names of the lab faults (tests/lab/vmnetlab.py) that reproduce it.
    """
    lab_faults = lab_faults or {}
    out = [
        '# Diagnosis finding catalog',
        '',
        '<!-- Generated from plugins/plugin_utils/diagnosis/catalog.py by',
        '     tests/unit/plugins/plugin_utils/diagnosis/gen_catalog_doc.py; do not edit by hand. -->',
        '',
        '`vmnet.doctor.diagnose` reports every problem it finds on the path from a host to a VM as a',
        '*finding* with a stable code from this catalog. Each finding names the host, the exact object',
        '(interface, route, firewall rule handle, bridge port, VLAN id...), the evidence (the subset of',
        'facts that proves it), a confidence and a proposed fix: a `vmnet.doctor` module with its',
        'arguments, or `manual` with the reason no safe automatic fix exists.',
        '',
        '## Layers',
        '',
        'Every code belongs to one layer (ordered from the wire up):',
        '',
        '| Layer | What it covers |',
        '| --- | --- |',
    ]
    for name, desc in LAYERS:
        out.append('| `%s` | %s |' % (name, desc))
    out += [
        '',
        '## Confidence',
        '',
        '* `high`: the facts of the host that owns the object prove it (a certain firewall verdict, an interface state).',
        '* `medium`: the verdict is uncertain (a rule that *may* match was on the way) or the fact comes from',
        '  a neighbor (the hypervisor port tells about the VM, the source ARP cache tells about the VM).',
        '* `low`: inferred from partial facts, or contradicted by a successful probe (then it is a *note*, not a finding).',
        '',
        '## Path order and status',
        '',
        'Findings are ordered along the path: forward (source host, switch/hypervisor, VM) then return',
        '(VM, switch/hypervisor, source host). A path is `ok` (probe passed, no finding), `degraded`',
        '(small probe passed but a large probe or the reverse direction fails, or a finding that does',
        'not break the small probe remains: MTU, address or MAC conflict), `broken` (probe failed',
        'and findings explain it) or `unexplained` (probe failed and no check explains it; the result',
        'lists every check that ran, passed or was skipped, and never invents a cause).',
        '',
        '## What the engine needs',
        '',
        '* Facts of the source host (required); of the hypervisor/switch and of the VM when they can be',
        '  managed. Checks that need missing facts are listed as `skipped` with the reason.',
        '* Firewall verdicts come from the collectors: run `vmnet.doctor.net_facts` with `peers` (the source',
        '  naming the VM, the VM naming the source, the hypervisor naming both) and, on a routing',
        '  hypervisor, `flows: [{src: <source>, dst: <VM>}]`.',
        '* The VM port on the hypervisor is found, most reliable first, through the bridge forwarding',
        '  database (`bridges[].fdb`) or veth peer indexes (`interfaces[].peer_ifindex`) when a collector',
        '  fills these optional schema fields, the libvirt tap MAC',
        '  (`fe:54:00:..` for a VM `52:54:00:..`), or a port name containing the VM inventory name; the',
        '  first three give `high` confidence to switch findings, the name `medium`.',
        '',
        '## Choices behind the fixes',
        '',
        '* `ICMP_BLOCKED`: the proposed fix inserts an accept for exactly the blocked source, destination,',
        '  hook and ICMP type (`icmp_rule`, `state: present`). Removing the user\'s rule could also remove',
        '  protection they wanted, so `remove_rule` naming that rule is only offered in `fix.alternatives`.',
        '* `SUBNET_MISMATCH`, `ADDRESS_MISSING`, `IP_CONFLICT`, `DUPLICATE_MAC` are manual: addresses and',
        '  MACs are owned by people, DHCP or provisioning; the finding gives the exact command.',
        '* `MTU_MISMATCH` fixes the odd one out of the segment: a bridge lower than both ends is raised with',
        '  its ports; otherwise the member that differs from the majority is aligned with it.',
        '* `ARP_INCOMPLETE` is a symptom: when another finding explains the path it is not reported as a',
        '  finding (it stays in the checks as a failed check).',
        '* `IP_CONFLICT` and `DUPLICATE_MAC` come and go: a passing probe does not turn them into notes.',
        '* Windows hosts (facts from `vmnet.doctor.win_net_facts`): a fix that runs on a Windows host names the',
        '  Windows action plugin (`win_icmp_rule`, `win_default_gateway`, `win_interface_mtu`, `hyperv_vm_nic`);',
        '  a Linux-only fixer becomes `manual` there. Hyper-V reuses `VLAN_MISMATCH` and `VNIC_DISCONNECTED`',
        '  (object type `hyperv_vm_adapter`): same cause, same code, whatever the hypervisor.',
        '* VMware (facts from `vmnet.doctor.vmware_network_facts`, identifiers in the path\'s `vmware`):',
        '  `VLAN_MISMATCH`, `MTU_MISMATCH`, `VNIC_DISCONNECTED` and `DUPLICATE_MAC` are reused with VMware',
        '  objects; the fixes (`vmware_vswitch_policy`, `vmware_vm_nic`) run on the controller (`localhost`)',
        '  with the path\'s vCenter connection options, never its password (the remediate role adds it).',
        '  A VLAN fix changes the portgroup, so it also moves the other VMs on it (named in the fix note).',
        '',
        '## Codes',
        '',
        'Each code names the engine checks that raise it (`checks_<module>.<function>` in',
        '`plugins/plugin_utils/diagnosis/`) and the faults of the namespace lab (`tests/lab`,',
        '`python tests/lab/lab.py fault <name>`) that reproduce it.',
        '',
        '| Code | Layer | Title | Automatic fix |',
        '| --- | --- | --- | --- |',
    ]
    for code in sorted(CATALOG):
        entry = CATALOG[code]
        out.append('| [`%s`](#%s) | `%s` | %s | %s |' % (
            code, code.lower(), entry['layer'], entry['title'],
            '`%s`' % entry['module'] if entry['auto_fix'] else 'manual'))
    for code in sorted(CATALOG):
        entry = CATALOG[code]
        out += [
            '',
            '### %s' % code,
            '',
            '**%s** (layer `%s`)' % (entry['title'], entry['layer']),
            '',
            '* Meaning: %s' % entry['meaning'],
            '* Detection: %s' % entry['detection'],
            '* Fix: %s' % entry['fix'],
            '* Raised by: %s' % ', '.join('`%s`' % name for name in entry['checks']),
            '* Lab faults: %s' % (', '.join('`%s`' % name for name in sorted(lab_faults.get(code, ())))
                                  or 'none (no lab fault reproduces it)'),
        ]
    out.append('')
    return '\n'.join(out)
