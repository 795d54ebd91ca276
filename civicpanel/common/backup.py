"""Backups that are known to restore (SECURITY-REQUIREMENTS H1).

`backup_make` writes a `pg_dump --format=custom` file and, beside it, a manifest: the row count
and a checksum of every table, read in the very snapshot the dump is taken from (pg_dump
--snapshot), so the two describe the same moment even while the site is in use.

`restore_check` is the weekly proof: it restores the latest dump into a scratch database,
reads the same figures there and compares them with the manifest, then runs `check` (settings,
keys, every encrypted value readable) and `migrate --check` against the restored install. Any
difference or failure makes it exit non-zero, for cron's mail or the monitoring to report.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connections

DUMP_PREFIX = "civicpanel-"
# Row text depends on these session settings; both sides read with the same ones.
STABLE_TEXT = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'",
               "SET extra_float_digits = 3", "SET bytea_output = 'hex'")


def _settings_dict(using: str = "default") -> dict:
    db = connections[using].settings_dict
    if connections[using].vendor != "postgresql":
        raise ValueError("backups are made and restored with PostgreSQL's own tools")
    return db


# The connection options of DATABASES' OPTIONS that libpq takes (TLS, timeouts...), with the
# environment variable through which PostgreSQL's own tools take each. Django's other OPTIONS
# (a pool, server-side binding) are not libpq's and stay out.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL", "sslnegotiation": "PGSSLNEGOTIATION", "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE", "connect_timeout": "PGCONNECT_TIMEOUT", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS", "application_name": "PGAPPNAME", "passfile": "PGPASSFILE",
}


def connection_options(db: dict) -> dict[str, str]:
    return {key: str(value) for key, value in (db.get("OPTIONS") or {}).items() if key in LIBPQ_OPTIONS}


def pg_args(db: dict) -> list[str]:
    return ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]


def pg_env(db: dict) -> dict:
    """pg_dump, pg_restore, createdb and dropdb connect as the install does: its password and its
    connection options (sslmode and the like) through libpq's environment variables."""
    options = {LIBPQ_OPTIONS[key]: value for key, value in connection_options(db).items()}
    return {**os.environ, **options, "PGPASSWORD": db.get("PASSWORD") or ""}


def dsn(db: dict, name: str) -> str:
    return psycopg.conninfo.make_conninfo(host=db.get("HOST") or "127.0.0.1", port=str(db.get("PORT") or 5432),
                                          user=db.get("USER") or "postgres", password=db.get("PASSWORD") or None,
                                          dbname=name, **connection_options(db))


def table_fingerprints(cursor) -> dict[str, dict]:
    """{table: {"rows": n, "md5": checksum of its rows}} for every table of the public schema."""
    for statement in STABLE_TEXT:
        cursor.execute(statement)
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    figures = {}
    for (table,) in cursor.fetchall():
        # Ordered by the row's own text: the order on disk differs after a restore.
        query = (f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), \'\')) '  # noqa: S608
                 f'FROM "{table}" AS t')  # a table name from pg_tables
        cursor.execute(query)
        rows, checksum = cursor.fetchone()
        figures[table] = {"rows": rows, "md5": checksum}
    return figures


def backup_make(out_dir: Path, *, using: str = "default", now: datetime.datetime | None = None) -> Path:
    """Dump the database into out_dir and write its manifest; returns the dump's path."""
    db = _settings_dict(using)
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    out_dir.mkdir(parents=True, exist_ok=True)
    dump = out_dir / f"{DUMP_PREFIX}{stamp}.dump"
    with psycopg.connect(dsn(db, db["NAME"])) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            figures = table_fingerprints(cursor)
            # The exporting transaction stays open until pg_dump has taken the snapshot over.
            partial = dump.with_suffix(".partial")
            result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                                     "--file", str(partial), *pg_args(db), db["NAME"]],
                                    env=pg_env(db), capture_output=True, text=True)
            if result.returncode != 0:
                partial.unlink(missing_ok=True)
                raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    partial.rename(dump)
    manifest_path(dump).write_text(json.dumps({"database": db["NAME"], "made_at": stamp, "tables": figures},
                                              indent=1, sort_keys=True))
    return dump


def manifest_path(dump: Path) -> Path:
    return dump.with_suffix(".json")


def latest_dump(directory: Path) -> Path:
    dumps = sorted(directory.glob(f"{DUMP_PREFIX}*.dump"))  # the UTC stamp sorts by time
    if not dumps:
        raise FileNotFoundError(f"no {DUMP_PREFIX}*.dump in {directory}")
    return dumps[-1]


@dataclass
class RestoreReport:
    dump: Path
    tables: int = 0
    rows: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _civicpanel(*args: str, database_url: str) -> subprocess.CompletedProcess:
    """The install's own command against the restored database, as an operator would run it."""
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "civicpanel.cli", *args], env=env, capture_output=True, text=True)


def restore_check(dump: Path, *, scratch: str, keep: bool = False, using: str = "default") -> RestoreReport:
    """Restore `dump` into the database `scratch` (made afresh) and compare it with its manifest."""
    db = _settings_dict(using)
    if scratch == db["NAME"]:
        raise ValueError("the scratch database must not be the install's own database")
    report = RestoreReport(dump=dump)
    expected = json.loads(manifest_path(dump).read_text())["tables"]
    subprocess.run(["dropdb", "--if-exists", *pg_args(db), scratch], env=pg_env(db), check=True, capture_output=True)
    subprocess.run(["createdb", *pg_args(db), scratch], env=pg_env(db), check=True, capture_output=True)
    try:
        result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", scratch, *pg_args(db),
                                 str(dump)], env=pg_env(db), capture_output=True, text=True)
        if result.returncode != 0:
            report.differences.append(f"pg_restore failed: {result.stderr.strip()}")
            return report
        with psycopg.connect(dsn(db, scratch)) as conn, conn.cursor() as cursor:
            found = table_fingerprints(cursor)
        report.tables, report.rows = len(found), sum(f["rows"] for f in found.values())
        for table in sorted(set(expected) | set(found)):
            want, got = expected.get(table), found.get(table)
            if want is None or got is None:
                report.differences.append(f"{table}: {'not in the backup' if want is None else 'missing after restore'}")
            elif want["rows"] != got["rows"]:
                report.differences.append(f"{table}: {got['rows']} rows restored, {want['rows']} backed up")
            elif want["md5"] != got["md5"]:
                report.differences.append(f"{table}: same row count, different contents")
        for command in (("check", "--database", "default"), ("migrate", "--check")):
            outcome = _civicpanel(*command, database_url=_database_url(db, scratch))
            if outcome.returncode != 0:
                report.differences.append(f"`{' '.join(command)}` failed: {(outcome.stdout + outcome.stderr).strip()}")
        return report
    finally:
        if not keep:
            subprocess.run(["dropdb", "--if-exists", *pg_args(db), scratch], env=pg_env(db), capture_output=True)


def _database_url(db: dict, name: str) -> str:
    """The DATABASE_URL of the scratch copy, with the install's connection options in its query
    (read back into OPTIONS the same way the install's own URL is)."""
    from urllib.parse import quote, urlencode

    password = db.get("PASSWORD") or ""
    credentials = quote(db.get("USER") or "postgres", safe="") + (f":{quote(password, safe='')}" if password else "")
    query = urlencode(connection_options(db))
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}" + \
        (f"?{query}" if query else "")
