#!/usr/bin/env bash
# Benchmark civicpanel's participatory-budgeting rules against pabutools on the Pabulib files.
#   bash benches/budgeting/run.sh [--timeout 1200] [--files PATTERN] [--rules greedy,mes-add1,...] [--repeat 3] [--jobs 1] [--reuse]
# Creates benches/budgeting/.venv with pabutools the first time. Results: benches/budgeting/results/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# quick when already installed; brings an older virtualenv up to date
"$venv/bin/pip" install -q -r "$here/requirements.txt"
mkdir -p "$here/results"
# civicpanel is imported from the repository root (numpy, scipy and numba are its needs here).
PYTHONPATH="$root" "$venv/bin/python" "$here/bench.py" --data "$root/../shared/data/pabulib" "$@"
