# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line for the vmnet.doctor namespace lab (see README.md).

    python tests/lab/lab.py up --topology bridged [--prefix P] [--vms N] [--inventory PATH]
    python tests/lab/lab.py fault vm_icmp_nft_drop [--prefix P]
    python tests/lab/lab.py heal NAME|all [--prefix P]
    python tests/lab/lab.py status [--prefix P]
    python tests/lab/lab.py down [--prefix P]
    python tests/lab/lab.py faults
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fwdaemons import DAEMON_FAULTS, FIREWALLS  # noqa: E402  pylint: disable=wrong-import-position
from vmnetlab import FAULTS, TOPOLOGIES, Lab, LabError, destroy_lab  # noqa: E402  pylint: disable=wrong-import-position

DEFAULT_PREFIX = 'lab'


def print_catalog(out):
    for name in sorted(FAULTS) + sorted(DAEMON_FAULTS):
        fault = FAULTS.get(name) or DAEMON_FAULTS[name]
        out.write('%s%s\n' % (name, ' (lab.py up --firewall %s)' % fault['firewall'] if 'firewall' in fault else ''))
        out.write('  topologies: %s (node %s, layer %s)\n' % (', '.join(fault['topologies']), fault['node'],
                                                              fault['layer']))
        out.write('  what:       %s\n' % fault['summary'])
        out.write('  breaks:     %s\n' % describe(fault['breaks']))
        out.write('  still ok:   %s\n' % describe(fault['intact']))
        out.write('  evidence:   %s\n' % fault['evidence'])
        out.write('  heal:       %s\n' % fault['heal'])
        out.write('  diagnosis:  %s\n\n' % expected_diagnosis(name))


def expected_diagnosis(name):
    """'ICMP_BLOCKED on vm1, fix vmnet.doctor.icmp_rule': what the fault declares vmnet.doctor reports."""
    fault = FAULTS.get(name) or DAEMON_FAULTS[name]
    if 'expect' not in fault:
        return 'located by the packet witness (%s)' % fault['witness']
    expect = fault['expect']
    return '%s on %s, fix %s' % (expect['code'], expect['host'],
                                 'vmnet.doctor.%s' % expect['fixer'] if expect['fixer'] else 'manual')


def describe(checks):
    words = []
    for check in checks:
        if 'ping' in check:
            text = 'ping %s -> %s' % tuple(check['ping'])
            if check.get('size'):
                text += ' (%d-byte payload)' % check['size']
        else:
            text = "%s's ARP entry for %s resolves to its MAC" % tuple(check['neigh'])
        words.append(text)
    return '; '.join(words)


def build_parser():
    parser = argparse.ArgumentParser(description='vmnet.doctor network-namespace lab')
    sub = parser.add_subparsers(dest='command')
    sub.required = True
    up = sub.add_parser('up', help='build a lab (harmless when it is already up)')
    up.add_argument('--topology', choices=TOPOLOGIES, required=True)
    up.add_argument('--vms', type=int, default=1)
    up.add_argument('--masquerade', action='store_true', help='routed: masquerade the VM subnet on hv')
    up.add_argument('--firewall', choices=FIREWALLS, help='run this firewall daemon on vm1 (tests/lab/fwdaemons.py)')
    up.add_argument('--inventory', help='write an Ansible YAML inventory to this path')
    for name in ('down', 'status'):
        sub.add_parser(name)
    fault = sub.add_parser('fault', help='inject a fault')
    fault.add_argument('name', choices=sorted(FAULTS) + sorted(DAEMON_FAULTS))
    heal = sub.add_parser('heal', help='undo a fault (or all)')
    heal.add_argument('name', choices=sorted(FAULTS) + sorted(DAEMON_FAULTS) + ['all'])
    sub.add_parser('faults', help='print the fault catalogue')
    for child in sub.choices.values():
        child.add_argument('--prefix', default=DEFAULT_PREFIX, help='lab prefix (default %(default)s)')
    return parser


def up(args):
    """Build the lab and write its inventory (its directory is created). When anything fails
    after this call built the lab, the lab is removed again: a failed `up` leaves nothing behind."""
    lab = Lab(args.prefix, args.topology, vms=args.vms, masquerade=args.masquerade, firewall=args.firewall)
    built = False
    try:
        built = lab.up()
        if args.inventory:
            directory = os.path.dirname(os.path.abspath(args.inventory))
            os.makedirs(directory, exist_ok=True)
            lab.write_inventory(args.inventory)
    except (LabError, OSError) as exc:
        if built:
            destroy_lab(args.prefix)
        sys.stderr.write('lab.py: %s%s\n' % (exc, ' (the lab was removed again)' if built else ''))
        return 1
    where = ', inventory %s' % args.inventory if args.inventory else ''
    print('%s lab %s (%s)%s' % ('built' if built else 'already up:', args.prefix, args.topology, where))
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        if args.command == 'faults':
            print_catalog(sys.stdout)
        elif args.command == 'up':
            return up(args)
        elif args.command == 'down':
            destroy_lab(args.prefix)
            print('lab %s removed' % args.prefix)
        elif args.command == 'status':
            try:
                print(json.dumps(Lab(args.prefix).status(), indent=2, sort_keys=True))
            except LabError:
                print(json.dumps({'prefix': args.prefix, 'status': 'down'}))
        elif args.command == 'fault':
            changed = Lab(args.prefix).inject(args.name)
            print('%s %s (expected diagnosis: %s)' % ('injected' if changed else 'already injected:', args.name,
                                                      expected_diagnosis(args.name)))
        elif args.command == 'heal':
            healed = Lab(args.prefix).heal(args.name)
            print('healed: %s' % (', '.join(healed) or 'nothing to heal'))
    except LabError as exc:
        sys.stderr.write('lab.py: %s\n' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
