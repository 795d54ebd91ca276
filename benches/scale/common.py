"""Shared by the scale and load benchmarks: Django set up against a PostgreSQL database of the
benchmark's own, the machine's load beside every figure, and percentiles."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def database_url(name: str) -> str:
    return f"{os.environ.get('BENCH_PG', DEFAULT_SERVER).rstrip('/')}/{name}"


def recreate_database(name: str) -> None:
    """Drop and create the benchmark's database (never the app's own: the name is the bench's)."""
    server = os.environ.get("BENCH_PG", DEFAULT_SERVER).rstrip("/")
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{server}/postgres", "-q", "-c", sql], check=True)


def django_setup(name: str) -> None:
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpanel.config.settings")
    # Timings of a production-like process: no SQL log kept in memory, no debug pages.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("CIVICPANEL_DATA_DIR", str(ROOT / "var" / "bench"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), linear between order statistics (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 95)
