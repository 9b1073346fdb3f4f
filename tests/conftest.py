"""Make ``ansible_collections.vmnet.doctor`` importable from the source tree.

Unit tests import the collection by its real name. A symlink tree under
``.cache/src`` points at this checkout, so the tests always exercise the
source files (never a stale installed copy).
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SRC = os.path.join(ROOT, ".cache", "src")
_LINK = os.path.join(_SRC, "ansible_collections", "vmnet", "doctor")

if not os.path.islink(_LINK):
    os.makedirs(os.path.dirname(_LINK), exist_ok=True)
    os.symlink(ROOT, _LINK)
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)
