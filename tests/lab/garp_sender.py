# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep claiming an IPv4 address the way a real conflicting host does (stdlib only).

Run inside the impostor's namespace (``ip netns exec NS python3 garp_sender.py ...``) by the
lab's ``duplicate_ip`` fault. Every ``--interval`` seconds it sends to the victim (``--to-mac``,
``--to-ip``, unicast, so the other machines on the segment and the real owner never see it):

1. an ARP request "who has <to-ip>? tell <claim-ip> at <mac>": Linux always overrides its
   neighbour entry for the sender from a request addressed to it (neigh_event_ns, no locktime),
   so the entry is created if missing and points at ``--mac`` again after the real owner
   re-resolved it;
2. an unsolicited ARP reply "<claim-ip> is at <mac>" to the victim's MAC (PACKET_HOST), which
   confirms that entry as REACHABLE, as a fresh resolution does.

It daemonizes (double fork, new session), writes its PID to ``--pidfile`` and runs until
SIGTERM. Both parents exit only once the pidfile exists, so the caller can read it at once.
"""

import argparse
import os
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(':'))


def arp_frame(op, src_mac, claim_ip, dst_mac, dst_ip):
    """Ethernet + ARP frame (op 1 request, 2 reply) from src_mac/claim_ip to dst_mac/dst_ip."""
    tha = b'\x00' * 6 if op == 1 else dst_mac
    return (dst_mac + src_mac + struct.pack('!H', ETH_P_ARP)
            + struct.pack('!HHBBH', 1, 0x0800, 6, 4, op)
            + src_mac + socket.inet_aton(claim_ip) + tha + socket.inet_aton(dst_ip))


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iface', required=True)
    parser.add_argument('--mac', required=True, help='the impostor MAC (source of the frames)')
    parser.add_argument('--claim-ip', required=True, help='the address claimed')
    parser.add_argument('--to-mac', required=True, help='the victim MAC')
    parser.add_argument('--to-ip', required=True, help='the victim address')
    parser.add_argument('--interval', type=float, default=0.5)
    parser.add_argument('--pidfile', required=True)
    return parser.parse_args(argv)


def send_loop(args):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((args.iface, 0))
    src, dst = mac_bytes(args.mac), mac_bytes(args.to_mac)
    frames = [arp_frame(1, src, args.claim_ip, dst, args.to_ip),
              arp_frame(2, src, args.claim_ip, dst, args.to_ip)]
    while True:
        for frame in frames:
            try:
                sock.send(frame)
            except OSError:  # interface briefly down: keep trying, like a real host
                pass
        time.sleep(args.interval)


def daemonize(pidfile):
    """Double fork; returns in the daemon only, after writing the pidfile."""
    read_end, write_end = os.pipe()
    if os.fork():
        os.close(write_end)
        os.read(read_end, 1)   # EOF or a byte: the daemon wrote the pidfile (or died)
        os._exit(0 if os.path.exists(pidfile) else 1)
    os.close(read_end)
    os.setsid()
    if os.fork():
        os._exit(0)
    tmp = pidfile + '.tmp'
    with open(tmp, 'w') as handle:
        handle.write('%d\n' % os.getpid())
    os.rename(tmp, pidfile)
    os.write(write_end, b'1')
    os.close(write_end)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.chdir('/')


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    # Fail in the foreground (the caller sees the error) if the socket cannot be opened.
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP)).close()
    daemonize(args.pidfile)
    send_loop(args)


if __name__ == '__main__':
    main()
