"""Zero-downtime migrations (H2): `civicpanel migrate` with `lock_timeout=5s` while locust
respondents answer a survey, and the requests that failed meanwhile.

    .venv/bin/python benches/migrations/migrate_under_load.py                  # 100 respondents, 120 s
    .venv/bin/python benches/migrations/migrate_under_load.py --users 200 --duration 180 --at 40

The load benchmark's set-up (benches/load: a council, a three-page survey, its invitation wave,
gunicorn with several processes, two mail workers, locust on 127.0.0.1) runs on a database of
its own (`wt_bench_migrate`, or BENCH_DB). Before the load starts, the release's migrations that
only build indexes or constraints (members.0008: the member list's indexes, on the tables every
answer and sign-up writes) are rolled back, so the code serving the load is this release's and
works on either schema; `--at` seconds into the run they are applied again, as an upgrade
would, with PostgreSQL's `lock_timeout` at 5 s (PGOPTIONS): the migration gives up rather than
queue behind a long transaction while requests queue behind it. It exits 0 only when the
migration succeeded and no request failed. A benchmark, not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scale"))
sys.path.insert(0, str(HERE.parent / "load"))

from common import ROOT, django_setup, load, recreate_database  # noqa: E402

# (app, the migration to go back to): the release's index-only migrations on the busy tables.
ROLL_BACK = [("members", "0007")]
LOCK_TIMEOUT = "5s"


def migrate_forward(database_url: str, delay: float, report: dict) -> None:
    time.sleep(delay)
    env = {**os.environ, "DATABASE_URL": database_url, "PGOPTIONS": f"-c lock_timeout={LOCK_TIMEOUT}",
           "DJANGO_SETTINGS_MODULE": "civicpanel.config.settings", "PYTHONPATH": str(ROOT)}
    report["load_at_start"] = load()
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "civicpanel.cli", "migrate", "--verbosity", "1"], env=env,
                            cwd=ROOT, capture_output=True, text=True)
    report.update(seconds=time.perf_counter() - started, exit=result.returncode,
                  output=(result.stdout + result.stderr)[-2000:], at=delay)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--at", type=float, default=30, help="seconds into the load when migrate starts")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--mail-workers", type=int, default=2)
    parser.add_argument("--members", type=int, default=0, help="panel size (default: enough links for the run)")
    args = parser.parse_args()
    database = os.environ.get("BENCH_DB", "wt_bench_migrate")
    print(f"machine: {os.cpu_count()} cores, load at start {load()}", flush=True)
    recreate_database(database)
    django_setup(database)
    from django.core.management import call_command
    from django.db import connection

    import run as load_run

    call_command("migrate", verbosity=0)
    members = args.members or int(args.users * (args.duration / (3 * 5) + 1))
    workdir = Path(tempfile.mkdtemp(prefix="civicpanel-migrate-"))
    ids = load_run.prepare(members=members, workdir=workdir)
    for app, target in ROLL_BACK:
        call_command("migrate", app, target, verbosity=0)
        print(f"  rolled back {app} to {target}", flush=True)
    url = os.environ["DATABASE_URL"]
    connection.close()
    report: dict = {}
    outcome = load_run.run_load(database_url=url, users=args.users, duration=args.duration,
                                web_workers=args.web_workers, mail_workers=args.mail_workers, workdir=workdir,
                                during=lambda: migrate_forward(url, args.at, report), **ids)
    total = outcome["stats"].get("Aggregated", {})
    requests, failed = int(total.get("Request Count", 0)), int(total.get("Failure Count", 0))
    migrated = report.get("exit") == 0
    print(f"\nmigrate under load: {args.users:,} respondents for {args.duration} s, {members:,} members; "
          f"migrate started at {report.get('at')} s (load {report.get('load_at_start')}), "
          f"took {report.get('seconds', float('nan')):.1f} s, exit {report.get('exit')} "
          f"(lock_timeout {LOCK_TIMEOUT}); load at the end {outcome['load_at_end']}")
    print(f"  requests: {requests:,}, failed: {failed} (goal 0)")
    if outcome["failures"]:
        print("  failures:", outcome["failures"][:5])
    if not migrated:
        print(report.get("output", ""))
    print(f"  files: {workdir}")
    ok = migrated and failed == 0 and requests > 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
