#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: doctor_html
short_description: Draw a vmnet.doctor report as a self-contained HTML page
version_added: 0.1.0
description:
  - Action plugin. Renders the JSON report as one HTML file with inline CSS and SVG and no external
    asset, script or link, and writes it atomically on the controller.
  - Each path is drawn as host, switch, VM with the broken hop marked; its findings (code, layer,
    host, message, proposed fix), the fixes applied with their status and the scheduled-run decision
    are listed beside it. Every value is HTML-escaped.
  - When the packet witness ran on a path, the hop or link where the echo (or its ARP/ND) stopped is
    marked, also on a path no finding explains, and a table lists per hop and interface the echo
    requests/replies and ARP/ND packets seen in and out, the kernel's drop records and the traced
    nftables rule.
author:
  - vmnet.doctor contributors (@vmnet-doctor)
options:
  report:
    description: The JSON report as a dictionary. Exactly one of I(report) and I(report_file).
    type: dict
  report_file:
    description: Path of the JSON report on the controller.
    type: path
  dest:
    description: HTML file to write.
    type: path
    required: true
  title:
    description: Title of the page.
    type: str
    default: vmnet.doctor report
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    description: The file is written in check mode too; no managed host is touched.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Runs on the controller only, whatever host the task targets.
seealso:
  - module: vmnet.doctor.doctor_report
'''

EXAMPLES = r'''
- name: Write the page to forward
  vmnet.doctor.doctor_html:
    report_file: "{{ doctor_report.files.json }}"
    dest: "{{ doctor_report.files.json | regex_replace('\\.json$', '.html') }}"
'''

RETURN = r'''
dest:
  description: The file written.
  returned: success
  type: str
  sample: reports/vmnet-doctor-20260127T153000Z.html
paths:
  description: Number of paths drawn.
  returned: success
  type: int
  sample: 2
'''
