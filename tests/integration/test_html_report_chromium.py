# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML report rendered by a real browser (Debian's chromium, headless, installed by
`make test`'s bootstrap; missing chromium is a failure, not a skip).

The page is written by the vmnet.doctor.doctor_html action (a real ansible run) from the JSON
report of a scheduled run recorded on the lab (tests/unit/fixtures/ops/scheduled-report.json: vm1
held back, vm2 fixed) and from a report with hostile strings. Chromium's --dump-dom gives the DOM
after parsing (and after any script would have run), --screenshot the pixels: the broken hop is
drawn in red, the fixed path's badge in green, the injected markup stays text.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'ops')
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  # Belt and braces: the page needs no network; make any lookup fail.
                  '--host-resolver-rules=MAP * ~NOTFOUND']
RED = (0xc6, 0x28, 0x28)
GREEN = (0x2e, 0x7d, 0x32)
HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><script>document.title=\'pwned\'</script>'


@pytest.fixture(scope='module')
def chromium():
    path = shutil.which('chromium') or shutil.which('chromium-browser')
    assert path, 'chromium missing: install the Debian package "chromium" (scripts/bootstrap.sh --test does)'
    return path


@pytest.fixture
def local_inventory(tmp_path):
    inv = tmp_path / 'local.yml'
    inv.write_text('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n')
    return str(inv)


def render(ansible_run, inventory, dest, **args):
    result = ansible_run(inventory, 'localhost', 'vmnet.doctor.doctor_html', dict(args, dest=str(dest)))
    assert not result.get('failed'), result
    return result


def browse(chromium, tmp_path, page, *extra):
    profile = tmp_path / 'profile'
    profile.mkdir(exist_ok=True)
    proc = subprocess.run([chromium] + CHROMIUM_FLAGS + ['--user-data-dir=%s' % profile] + list(extra)
                          + ['file://%s' % page], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA non-interlaced PNG (what chromium writes)."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, header = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    width, height, depth, color, _c, _f, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0, header
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _y in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xff
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xff
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xff
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def count_color(rows, rgb, box=None, tolerance=12):
    x0, y0, x1, y1 = box or (0, 0, len(rows[0]), len(rows))
    return sum(1 for y in range(y0, y1) for x in range(x0, x1)
               if all(abs(rows[y][x][k] - rgb[k]) <= tolerance for k in range(3)))


def test_recorded_scheduled_run_in_chromium(chromium, ansible_run, local_inventory, tmp_path):
    page = tmp_path / 'report.html'
    render(ansible_run, local_inventory, page, report_file=os.path.join(FIXTURES, 'scheduled-report.json'),
           title='vmnet.doctor scheduled run')
    dom = browse(chromium, tmp_path, page, '--dump-dom')
    with open(os.path.join(FIXTURES, 'scheduled-report.json')) as f:
        report = json.load(f)
    # One section per path, the broken hop marked on the VM of each path (ICMP_IGNORED is on the VM).
    sections = re.findall(r'<section class="path (\w+)" data-path="([^"]+)"', dom)
    assert sections == [('broken', p['name']) for p in report['paths']]
    assert dom.count('data-hop="vm" data-state="broken"') == 2
    assert dom.count('data-hop="host" data-state="ok"') == 2
    for path in report['paths']:
        for finding in path['findings']:
            assert finding['code'] in dom
    # vm2 was fixed in that run: its fix is listed with its status and the path badge says so.
    assert 'class="status-verified">verified<' in dom
    assert '<span class="state ok after">fixed</span>' in dom
    assert 'Scheduled run: <b>cooldown</b>' in dom
    shot = tmp_path / 'report.png'
    browse(chromium, tmp_path, page, '--screenshot=%s' % shot, '--window-size=1280,900', '--hide-scrollbars')
    width, height, rows = png_pixels(str(shot))
    assert (width, height) == (1280, 900)
    drawing = (0, 130, 520, 700)  # left column: the path drawings
    assert count_color(rows, RED, drawing) > 400, 'no red broken hop drawn'
    assert count_color(rows, GREEN, drawing) > 400, 'no green OK hops drawn'


def test_hostile_strings_stay_text_in_chromium(chromium, ansible_run, local_inventory, tmp_path):
    report = {
        'generated_at': '2026-11-27T15:00:00+00:00',
        'paths': [
            {'name': HOSTILE, 'source': 'host', 'hypervisor': 'hv', 'target_host': 'vm1', 'target_ip': '10.0.0.11',
             'findings': [{'code': 'ICMP_BLOCKED', 'layer': 'firewall', 'host': 'hv', 'message': HOSTILE,
                           'fix': {'module': 'vmnet.doctor.icmp_rule', 'host': 'hv', 'args': {'comment': HOSTILE}}}]},
            {'name': 'ok', 'source': 'host', 'target_ip': '10.0.0.12', 'status': 'ok', 'reachable': True},
            {'name': 'nobody knows', 'source': 'host', 'target_ip': '10.0.0.13', 'status': 'unexplained',
             'reachable': False},
        ],
    }
    page = tmp_path / 'hostile.html'
    render(ansible_run, local_inventory, page, report=report, title=HOSTILE)
    dom = browse(chromium, tmp_path, page, '--dump-dom')
    title = re.search(r'<title>(.*?)</title>', dom, re.S).group(1)
    assert title.strip() != 'pwned' and title.startswith('&lt;img src=x'), title
    assert '<script' not in dom.split('</head>', 1)[1]
    assert '<img' not in dom
    assert dom.count('&lt;script&gt;document.title=') >= 3
    assert 'data-hop="switch" data-state="broken"' in dom
    assert re.search(r'class="link state-broken"', dom), 'the unexplained path has no broken link drawn'
    assert '<section class="path ok"' in dom


ORANGE = (0xef, 0x6c, 0x00)


def test_recorded_witness_in_chromium(chromium, ansible_run, local_inventory, tmp_path):
    """Four diagnose runs recorded with the packet witness (tests/unit/fixtures/ops/README.md): the hop or
    link where the echo stopped is marked, and the per-hop counters and drop records are listed."""
    page = tmp_path / 'witness.html'
    render(ansible_run, local_inventory, page, report_file=os.path.join(FIXTURES, 'witness-report.json'),
           title='vmnet.doctor witness')
    dom = browse(chromium, tmp_path, page, '--dump-dom')
    sections = dict(re.findall(r'<section class="path \w+" data-path="(\w+)"[^>]*>(.*?)</section>', dom, re.S))
    assert sorted(sections) == ['duplicate_ip', 'hv_policy_blackhole', 'vm_icmp_ignore', 'vm_icmp_nft_drop']
    # A kernel drop record: "dropped"; a packet that went in and never came out without one: "lost".
    where = {'vm_icmp_nft_drop': ('hop-vm', 'echo dropped here'), 'vm_icmp_ignore': ('hop-vm', 'echo lost here'),
             'hv_policy_blackhole': ('hop-switch', 'echo lost here')}
    for name, (hop, label) in where.items():
        group = re.search(r'<g class="hop %s[^>]*>(.*?)</g>' % hop, sections[name], re.S).group(1)
        assert 'class="witness-stop"' in group and label in group, name
    links = re.findall(r'<g class="link[^>]*>(.*?)</g>', sections['duplicate_ip'], re.S)
    assert 'echo lost here' in links[1] and 'echo lost here' not in links[0]
    drop = sections['vm_icmp_nft_drop']
    assert re.search(r'<tr class="witness-hop stop" data-role="target" data-interface="eth0">', drop)
    assert 'NETFILTER_DROP at nft_do_chain' in drop and 'Where it stopped:' in drop
    shot = tmp_path / 'witness.png'
    browse(chromium, tmp_path, page, '--screenshot=%s' % shot, '--window-size=1280,900', '--hide-scrollbars')
    _width, _height, rows = png_pixels(str(shot))
    assert count_color(rows, ORANGE, (0, 100, 520, 900)) > 150, 'no witness marker drawn'
