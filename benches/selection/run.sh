#!/bin/sh
# Benchmark civicpanel's selection against sortition-algorithms (GPL-3.0), which is
# installed only into this benchmark's own virtualenv, never into civicpanel's.
# Usage: benches/selection/run.sh [--maximin-timeout 120] [--legacy-draws 200] [--cases 500/50,2000/50]
set -e
cd "$(dirname "$0")/../.."
VENV=benches/.venv-selection
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r benches/selection/requirements.txt
    "$VENV/bin/pip" install -q -e . --no-deps
fi
exec "$VENV/bin/python" benches/selection/bench.py "$@"
