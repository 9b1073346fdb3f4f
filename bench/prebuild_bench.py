# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time to verified reachability with and without building the module payloads ahead (plugin_utils/ansiballz.py).

One lab, one fault: inject, run playbooks/remediate.yml, heal, ``--runs`` times each way, the two ways
interleaved (off, on, off, on, ...) so that the machine's load falls on both alike. Reported: the median
seconds from starting ansible-playbook to the probe that verified the path, each way, and their ratio.
``VMNET_DOCTOR_PREBUILD=0`` is the way without. Needs root.
Usage: ``.venv/bin/python bench/prebuild_bench.py [--runs 5] [--fault vm_icmp_nft_drop] [--topology bridged]``
"""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import remediate_bench as rb  # noqa: E402  pylint: disable=wrong-import-position
from vmnetlab import Lab, destroy_lab  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--fault', default='vm_icmp_nft_drop')
    parser.add_argument('--topology', default='bridged')
    opts = parser.parse_args()
    lab = Lab('pbbench', opts.topology, vms=1)
    destroy_lab('pbbench')
    lab.up()
    times = {'0': [], '1': []}
    try:
        inv = lab.write_inventory(os.path.join(tempfile.mkdtemp(), 'hosts.yml'))
        extra = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip('vm1'),
                 'doctor_target_host': lab.ns('vm1'), 'doctor_hypervisor': lab.ns('hv')}
        for _run in range(opts.runs):
            for way in ('0', '1'):
                os.environ['VMNET_DOCTOR_PREBUILD'] = way
                lab.inject(opts.fault)
                try:
                    _report, reached, _wall = rb.run(inv, extra, column=way)
                finally:
                    lab.heal('all')
                    rb.reset(lab)
                if reached[0] is None:
                    raise RuntimeError('%s: path not restored' % opts.fault)
                times[way].append(reached[0])
                print('prebuild %-3s reachable after %5.2f s' % ('on' if way == '1' else 'off', reached[0]), flush=True)
    finally:
        os.environ.pop('VMNET_DOCTOR_PREBUILD', None)
        destroy_lab('pbbench')
    off, on = statistics.median(times['0']), statistics.median(times['1'])
    print('%s on %s, %d runs each way, interleaved' % (opts.fault, opts.topology, opts.runs))
    print('  payloads built on first use (VMNET_DOCTOR_PREBUILD=0)  median %5.2f s' % off)
    print('  payloads built ahead (default)                         median %5.2f s' % on)
    print('  ratio ahead / on first use = %.2f' % (on / off))


if __name__ == '__main__':
    main()
