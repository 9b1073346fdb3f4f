#!/bin/sh
# Routed test topology for the iproute2 fixer targets, entirely inside network namespaces
# (nothing is added to the root namespace):
#
#   P-host  eth0 192.168.251.10/24 ---- up0 192.168.251.1/24  P-hv  br0 10.251.2.1/24
#           route 10.251.2.0/24 via .1                               |
#                                                               vnet1 (bridge port, STP off)
#                                                                    |
#                                        P-vm1  eth0 10.251.2.10/24, default via 10.251.2.1
#
# usage: fi_topology.sh up|down PREFIX
set -e
action=$1
P=$2
case "$P" in fi-*) ;; *) echo "prefix must start with fi-" >&2; exit 2 ;; esac
H="$P-host"; R="$P-hv"; V="$P-vm1"
down() {
  for n in "$H" "$R" "$V"; do ip netns del "$n" 2>/dev/null || true; done
}
if [ "$action" = down ]; then down; exit 0; fi
down
ip netns add "$H"; ip netns add "$R"; ip netns add "$V"
for n in "$H" "$R" "$V"; do ip -n "$n" link set lo up; done
ip -n "$H" link add eth0 type veth peer name up0 netns "$R"
ip -n "$R" link add br0 type bridge stp_state 0
ip -n "$R" link add vnet1 type veth peer name eth0 netns "$V"
ip -n "$R" link set vnet1 master br0
ip -n "$H" link set eth0 address 52:54:00:fe:00:10 up
ip -n "$R" link set up0 address 52:54:00:fe:00:01 up
ip -n "$R" link set br0 address 52:54:00:fe:02:01 up
ip -n "$R" link set vnet1 up
ip -n "$V" link set eth0 address 52:54:00:fe:02:10 up
ip -n "$H" addr add 192.168.251.10/24 dev eth0
ip -n "$R" addr add 192.168.251.1/24 dev up0
ip -n "$R" addr add 10.251.2.1/24 dev br0
ip -n "$V" addr add 10.251.2.10/24 dev eth0
ip -n "$H" route add 10.251.2.0/24 via 192.168.251.1
ip -n "$V" route add default via 10.251.2.1
ip netns exec "$R" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
# wait (max 5 s) until the path works: bridge port forwarding, ARP resolved
i=0
until ip netns exec "$H" ping -c1 -W1 10.251.2.10 >/dev/null 2>&1; do
  i=$((i+1)); [ "$i" -ge 5 ] && { echo "topology $P: no ping host -> vm1" >&2; exit 1; }
done
echo "topology $P up"
