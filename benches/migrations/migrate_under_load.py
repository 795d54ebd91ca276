"""Zero-downtime migrations (H2): `civicpanel migrate` with `lock_timeout=5s` while locust
respondents answer a survey, and the requests that failed meanwhile.

    .venv/bin/python benches/migrations/migrate_under_load.py                  # 100 respondents, 120 s
    .venv/bin/python benches/migrations/migrate_under_load.py --users 200 --duration 180 --at 40

The load benchmark's set-up (benches/load: a council, a three-page survey, its invitation wave,
gunicorn with several processes, two mail workers, locust on 127.0.0.1) runs on a database of
its own (`wt_bench_migrate`, or BENCH_DB). Before the load starts, the indexes of the
migrations that only build indexes on the busy tables (members.0008: the member list's indexes,
on the tables every answer and sign-up writes) are taken away with the statements of the
migration's reverse (`sqlmigrate --backwards`), so the code serving the load works on either
schema; `--at` seconds into the run the migration's own statements (`sqlmigrate`) are run again
in one transaction, as `migrate` runs them in an upgrade, with PostgreSQL's `lock_timeout` at
5 s (PGOPTIONS): the migration gives up rather than queue behind a long transaction while
requests queue behind it. (Its statements, not `migrate` itself: the migrations that came after
it add columns the code needs, so it cannot be unapplied on its own.) It exits 0 only when the
statements succeeded, no request failed and `migrate --check` finds nothing left to apply.
A benchmark, not part of the test suite.
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

# (app, migration): the index-only migrations on the busy tables.
INDEX_MIGRATIONS = [("members", "0008")]
LOCK_TIMEOUT = "5s"


def migration_sql(app: str, name: str, *, backwards: bool = False) -> str:
    """The statements `migrate` runs for one migration (in its transaction), or for its reverse."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sqlmigrate", app, name, backwards=backwards, stdout=out)
    return out.getvalue()


def run_sql(database_url: str, sql: str, *, lock_timeout: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGOPTIONS": f"-c lock_timeout={lock_timeout}"} if lock_timeout else None
    return subprocess.run(["psql", database_url, "-q", "-v", "ON_ERROR_STOP=1"], input=sql, env=env,
                          capture_output=True, text=True)


def migrate_forward(database_url: str, statements: str, delay: float, report: dict) -> None:
    time.sleep(delay)
    report["load_at_start"] = load()
    started = time.perf_counter()
    result = run_sql(database_url, statements, lock_timeout=LOCK_TIMEOUT)
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
    url = os.environ["DATABASE_URL"]
    forward = ""
    for app, name in INDEX_MIGRATIONS:
        taken_away = run_sql(url, migration_sql(app, name, backwards=True))
        if taken_away.returncode:
            print(taken_away.stderr)
            return 1
        forward += migration_sql(app, name)
        print(f"  took away the indexes of {app}.{name}", flush=True)
    connection.close()
    report: dict = {}
    outcome = load_run.run_load(database_url=url, users=args.users, duration=args.duration,
                                web_workers=args.web_workers, mail_workers=args.mail_workers, workdir=workdir,
                                during=lambda: migrate_forward(url, forward, args.at, report), **ids)
    total = outcome["stats"].get("Aggregated", {})
    requests, failed = int(total.get("Request Count", 0)), int(total.get("Failure Count", 0))
    try:
        call_command("migrate", check_unapplied=True, verbosity=0)
        nothing_left = True
    except SystemExit:
        nothing_left = False
    migrated = report.get("exit") == 0 and nothing_left
    print(f"\nmigrate under load: {args.users:,} respondents for {args.duration} s, {members:,} members; "
          f"migrate started at {report.get('at')} s (load {report.get('load_at_start')}), "
          f"took {report.get('seconds', float('nan')):.1f} s, exit {report.get('exit')} "
          f"(lock_timeout {LOCK_TIMEOUT}); migrations left to apply afterwards: {'none' if nothing_left else 'some'}; "
          f"load at the end {outcome['load_at_end']}")
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
