#!/usr/bin/env bash
# Create .venv and install the project with what the given extras need. Idempotent and quick
# when nothing changed (pip skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/pip install -q -e "$spec"
