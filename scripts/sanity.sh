#!/usr/bin/env bash
# Run `ansible-test sanity` on this checkout without internet access.
#
# ansible-test needs the collection at .../ansible_collections/vmnet/doctor and
# reads the file list from git, so the tracked and new (not ignored) files are
# copied into .cache/sanity and indexed there.  Its per-test virtual
# environments are bootstrapped with tests/tools/get_pip.py instead of the
# script it would download.  HOME points into .cache so nothing is written to
# the user's home directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
WORK="$ROOT/.cache/sanity"
DEST="$WORK/ansible_collections/vmnet/doctor"
PYVER="$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
PIPVER="$("$VENV/bin/python" - <<'PY'
from ansible_test._internal.python_requirements import get_venv_packages
class P:  # only .version is read
    version = None
print(get_venv_packages(P())['pip'].replace('.', '_'))
PY
)"

rm -rf "$WORK/ansible_collections"
mkdir -p "$DEST"
cd "$ROOT"
git ls-files -co --exclude-standard -z \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | xargs -0 cp -P --parents -t "$DEST"
cd "$DEST"
git init -q
git add -A

export HOME="$ROOT/.cache/home"
mkdir -p "$HOME/.ansible/test/cache"
cp "$ROOT/tests/tools/get_pip.py" "$HOME/.ansible/test/cache/get_pip_${PIPVER}.py"

exec "$VENV/bin/ansible-test" sanity --venv --python "$PYVER" --color no "$@"
