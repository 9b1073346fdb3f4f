# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Regenerate docs/catalog.md from plugins/plugin_utils/diagnosis/catalog.py and the lab faults
(tests/lab/vmnetlab.py FAULTS: each names the code it reproduces).

    .venv/bin/python tests/unit/plugins/plugin_utils/diagnosis/gen_catalog_doc.py

test_diagnosis_catalog.py fails when the committed document is not what this writes.
"""
import os
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..'))
DOC = os.path.join(REPO, 'docs', 'catalog.md')


def _catalog():
    sys.path.insert(0, os.path.join(REPO, 'plugins', 'plugin_utils', 'diagnosis'))
    try:
        import catalog  # the module has no collection imports: load it by path
    finally:
        sys.path.pop(0)
    return catalog


def lab_faults():
    """{code: [lab fault names]} from the faults' own expectations (tests/lab/vmnetlab.py FAULTS)."""
    sys.path.insert(0, os.path.join(REPO, 'tests', 'lab'))
    try:
        import vmnetlab  # stdlib only: load it by path
    finally:
        sys.path.pop(0)
    out = {}
    for name in vmnetlab.model_faults():   # the witness-only faults have no model code
        out.setdefault(vmnetlab.FAULTS[name]['expect']['code'], []).append(name)
    return out


def render():
    return _catalog().render_markdown(lab_faults())


def main():
    text = render()
    with open(DOC, 'w') as handle:
        handle.write(text)
    print('wrote %s' % DOC)


if __name__ == '__main__':
    main()
