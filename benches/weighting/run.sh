#!/usr/bin/env bash
# Weighting benchmark in its own virtualenv (anchors are never civicpanel dependencies).
# R's survey package is used when Rscript is on PATH (Debian: r-base-core r-cran-survey).
#   benches/weighting/run.sh [bench.py options, e.g. --sizes 1000,100000]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/benches/.venv-weighting"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
exec "$venv/bin/python" "$here/bench.py" "$@"
