# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare vmnet.doctor.vmware_network_facts with community.vmware's vmware_vswitch_info +
vmware_portgroup_info, in one run, against the same simulator (tests/vcsim).

For 50 and 500 ESXi hosts (one cluster; one VM per host, which only our module reads), on
loopback and behind a 20 ms round-trip delay (this kernel has no netem: a small asyncio TCP
relay on 127.0.0.1 holds every chunk 10 ms in each direction, and one round trip per new
connection for the TCP handshake), it runs each side as a real `ansible-playbook` and prints
the median wall time and the SOAP round trips the simulator counted (GET /vcsim/stats).

community.vmware is not a dependency of this collection: it is taken from PyPI's `ansible`
wheel (pip download, cached in .cache/bench/) and unpacked into a temporary collections path
that only this benchmark uses.

    .venv/bin/python bench/vmware_facts_bench.py [--hosts 50 500] [--reps 3] [--slow-reps 1]
"""
import argparse
import asyncio
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration', 'vmware'))
import vcsim_helpers  # noqa: E402

CACHE = os.path.join(ROOT, '.cache', 'bench')
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')


# --- a delaying TCP relay (no netem here) -----------------------------------------------------

class DelayRelay(object):
    """127.0.0.1:<port> -> 127.0.0.1:<target>, each chunk held ``one_way`` seconds per direction."""

    def __init__(self, target_port, one_way=0.010):
        self.target_port = target_port
        self.one_way = one_way
        self.connections = 0
        self.loop = asyncio.new_event_loop()
        self.port = None
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._handle, '127.0.0.1', 0))
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _pipe(self, reader, writer):
        queue = asyncio.Queue()

        async def send():
            while True:
                due, data = await queue.get()
                if data is None:
                    break
                wait = due - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = self.loop.create_task(send())
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                queue.put_nowait((self.loop.time() + self.one_way, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((self.loop.time() + self.one_way, None))
        try:
            await sender
        except (ConnectionError, OSError):
            pass

    async def _handle(self, reader, writer):
        self.connections += 1
        try:
            await asyncio.sleep(2 * self.one_way)  # the TCP handshake's round trip
            try:
                up_reader, up_writer = await asyncio.open_connection('127.0.0.1', self.target_port)
            except OSError:
                writer.close()
                return
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except asyncio.CancelledError:  # relay closing
            writer.close()

    def close(self):
        async def stop():
            self.server.close()
            tasks = [t for t in asyncio.all_tasks(self.loop) if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.loop.stop()
        asyncio.run_coroutine_threadsafe(stop(), self.loop)
        self.thread.join(5)
        self.loop.close()


# --- community.vmware, for this benchmark only ----------------------------------------------

def community_vmware(dest):
    wheels = sorted(glob.glob(os.path.join(CACHE, 'ansible-*.whl')))
    if not wheels:
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run([os.path.join(VENV_BIN, 'pip'), 'download', 'ansible>=12,<13', '--no-deps',
                        '-q', '-d', CACHE], check=True)
        wheels = sorted(glob.glob(os.path.join(CACHE, 'ansible-*.whl')))
    prefix = 'ansible_collections/community/vmware/'
    with zipfile.ZipFile(wheels[-1]) as z:
        members = [n for n in z.namelist() if n.startswith(prefix)]
        z.extractall(dest, members)
        manifest = json.loads(z.read(prefix + 'MANIFEST.json').decode())
    return manifest['collection_info']['version']


# --- runs -----------------------------------------------------------------------------------

OURS = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - vmnet.doctor.vmware_network_facts:
        hostname: 127.0.0.1
        port: "{{ port }}"
        username: "{{ user }}"
        password: "{{ password }}"
        validate_certs: false
        cluster: DC0_C0
    - assert:
        that: vmnet_doctor_vmware.vmkernel_nics | length == hosts | int
'''

THEIRS = '''
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/community.vmware.vmware:
      hostname: 127.0.0.1
      port: "{{ port }}"
      username: "{{ user }}"
      password: "{{ password }}"
      validate_certs: false
  tasks:
    - community.vmware.vmware_vswitch_info:
        cluster_name: DC0_C0
      register: vswitches
    - community.vmware.vmware_portgroup_info:
        cluster_name: DC0_C0
      register: portgroups
    - assert:
        that:
          - vswitches.hosts_vswitch_info | length == hosts | int
          - portgroups.hosts_portgroup_info | length == hosts | int
'''


def run_playbook(path, env, port, sim, hosts):
    sim.stats(reset=True)
    extra = json.dumps({'port': port, 'user': sim.username, 'password': sim.password, 'hosts': hosts})
    start = time.monotonic()
    proc = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                           path, '-e', extra], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit('%s failed:\n%s\n%s' % (os.path.basename(path), proc.stdout[-3000:], proc.stderr[-2000:]))
    return wall, sim.stats()['soap']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--hosts', type=int, nargs='+', default=[50, 500])
    parser.add_argument('--reps', type=int, default=3, help='runs per measurement (median reported)')
    parser.add_argument('--slow-reps', type=int, default=1,
                        help='runs of community.vmware at the largest size behind the delay')
    parser.add_argument('--delay-ms', type=float, default=20.0, help='round-trip delay of the relay')
    args = parser.parse_args()

    vcsim_helpers.build()
    tmp = tempfile.mkdtemp(prefix='vmnet-bench-')
    try:
        bench(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench(args, tmp):
    cv_version = community_vmware(tmp)
    env = dict(os.environ)
    env.update({'ANSIBLE_COLLECTIONS_PATH': '%s:%s' % (tmp, os.path.join(ROOT, '.collections')),
                'ANSIBLE_CONFIG': os.path.join(ROOT, 'ansible.cfg'),
                'ANSIBLE_PYTHON_INTERPRETER': os.path.join(VENV_BIN, 'python'),
                'ANSIBLE_LOCALHOST_WARNING': '0', 'ANSIBLE_DEPRECATION_WARNINGS': '0'})
    ours_pb = os.path.join(tmp, 'ours.yml')
    theirs_pb = os.path.join(tmp, 'theirs.yml')
    with open(ours_pb, 'w') as f:
        f.write(OURS)
    with open(theirs_pb, 'w') as f:
        f.write(THEIRS)

    print('community.vmware %s (from the ansible wheel, temporary path %s)' % (cv_version, tmp))
    print('machine is shared and noisy: medians of %d runs; ratios are what matters\n' % args.reps)
    header = '%-6s %-10s %-44s %9s %6s %9s' % ('hosts', 'path', 'tool', 'wall s', 'runs', 'SOAP RTs')
    print(header)
    print('-' * len(header))
    rows = []
    for hosts in args.hosts:
        started = time.monotonic()
        sim = vcsim_helpers.Simulator(clusters=1, hosts=hosts, standalone_hosts=0, vms=hosts).start()
        relay = DelayRelay(sim.port, one_way=args.delay_ms / 2000.0)
        print('(simulator with %d hosts and %d VMs ready in %.1f s)' % (hosts, hosts, time.monotonic() - started))
        try:
            for path, port in (('loopback', sim.port), ('+%gms RTT' % args.delay_ms, relay.port)):
                result = {}
                for name, pb in (('vmnet.doctor.vmware_network_facts', ours_pb),
                                 ('community.vmware vswitch_info+portgroup_info', theirs_pb)):
                    reps = args.reps
                    if pb is theirs_pb and path != 'loopback' and hosts == max(args.hosts):
                        reps = args.slow_reps
                    walls, soaps = [], []
                    for _rep in range(reps):
                        wall, soap = run_playbook(pb, env, port, sim, hosts)
                        walls.append(wall)
                        soaps.append(soap)
                    result[name] = (statistics.median(walls), soaps[-1])
                    print('%-6d %-10s %-44s %9.2f %6d %9d' % (hosts, path, name, statistics.median(walls), reps, soaps[-1]))
                    sys.stdout.flush()
                (ow, osoap), (tw, tsoap) = list(result.values())
                rows.append((hosts, path, ow, osoap, tw, tsoap))
        finally:
            relay.close()
            sim.stop()

    print('\nsummary: speed-up = community pair wall / vmware_network_facts wall')
    for hosts, path, ow, osoap, tw, tsoap in rows:
        print('  %4d hosts, %-10s: %6.1fx faster; SOAP round trips %d vs %d' % (hosts, path, tw / ow, osoap, tsoap))
    ours_rts = sorted(set(r[3] for r in rows))
    print('  vmware_network_facts SOAP round trips across sizes and paths: %s (constant: %s)'
          % (ours_rts, 'yes' if len(ours_rts) == 1 else 'NO'))


if __name__ == '__main__':
    main()
