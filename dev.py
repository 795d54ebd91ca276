#!/usr/bin/env python3
"""The two commands of the quick start, and nothing else a newcomer must learn.

    python3 dev.py demo     install what is needed, then run the demo on http://127.0.0.1:8000
    python3 dev.py test     install what is needed, then run the whole test suite

Only the standard library is used here, so this file runs on a machine that has
nothing but Python >= 3.12. It keeps a virtual environment in `.venv` that matches
the committed lock file and reinstalls only when the lock file changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "dev.lock"
STAMP = VENV / ".lock-sha256"
MIN_PYTHON = (3, 12)
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


def find_python() -> str:
    """This interpreter if it is new enough, else a newer one from PATH."""
    if sys.version_info >= MIN_PYTHON:
        return sys.executable
    for name in ("python3.14", "python3.13", "python3.12"):
        path = shutil.which(name)
        if path and subprocess.run([path, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"],
                                   capture_output=True).returncode == 0:
            return path
    sys.exit("civicpanel needs Python 3.12 or newer; none was found on PATH.")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    py = venv_python()
    if py.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return py
    if not py.exists():
        print("Creating .venv ...", flush=True)
        subprocess.run([find_python(), "-m", "venv", str(VENV)], check=True)
    print("Installing the locked dependencies ...", flush=True)
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    # The compiled counting and sample code, made once here and cached on disk, instead of in the
    # first budgeting count or send preview (and in every test process).
    print("Compiling the counting and sample code ...", flush=True)
    cli = py.parent / ("civicpanel.exe" if os.name == "nt" else "civicpanel")
    for method in ("pb", "select"):
        subprocess.run([str(cli), method, "prepare"], check=True)
    STAMP.write_text(wanted)
    return py


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def parallel_args(args: list[str]) -> list[str]:
    """Spread the tests over the machine's cores (pytest-xdist) unless the caller chose otherwise."""
    if any(a == "-n" or a.startswith(("-n=", "--numprocesses")) or a == "no:xdist" for a in args):
        return args
    workers = min(os.cpu_count() or 1, 4)
    return ["-n", str(workers), "--dist", "loadgroup", *args] if workers > 1 else args


def run_tests(py: Path, args: list[str]) -> int:
    args = parallel_args(args)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicpanel.config.test_settings"}
    env.pop("DATABASE_URL", None)
    print("== Test suite on SQLite", flush=True)
    code = subprocess.run([str(py), "-m", "pytest", *args], cwd=ROOT, env=env).returncode
    if code not in (0, 5):
        return code
    pg_url = os.environ.get("CIVICPANEL_TEST_POSTGRES_URL", POSTGRES_URL)
    if not postgres_reachable() and "CIVICPANEL_TEST_POSTGRES_URL" not in os.environ:
        print("== PostgreSQL is not reachable on 127.0.0.1:5432: database tests ran on SQLite only.")
        return code
    print("== Database tests on PostgreSQL", flush=True)
    env["DATABASE_URL"] = pg_url
    env["CIVICPANEL_DB_TESTS_ONLY"] = "1"
    return subprocess.run([str(py), "-m", "pytest", *args], cwd=ROOT, env=env).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "setup"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    py = ensure_venv()
    if command == "setup":
        return 0
    if command == "test":
        return run_tests(py, rest)
    cli = VENV / ("Scripts/civicpanel.exe" if os.name == "nt" else "bin/civicpanel")
    return subprocess.run([str(cli), "demo", *rest], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
