"""Backup and restore, tried: the procedure of docs/operations.md ("Backup" and "Restore")
run against PostgreSQL with the commands the cron jobs run. `backup_make` (pg_dump and its
manifest), erasures after the dump, `restore_check` (pg_restore into a fresh database, every
table's rows and checksum against the manifest, `check` and `migrate --check` against the
restored install; non-zero on any difference), and the erasure ledger applied again so that the
restore forgets what it must have forgotten."""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from civicpanel.common.backup import latest_dump, manifest_path
from civicpanel.members.consent import consent_record_add
from civicpanel.members.models import Member
from civicpanel.members.services import member_leave, members_lifecycle_run
from civicpanel.panel.models import ConsentVersion
from tests.factories import MemberFactory, council_with_profile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _pg_args(db: dict) -> list[str]:
    return ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]


def _pg_env(db: dict) -> dict:
    return {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}


def _dsn(db: dict, name: str) -> str:
    return (f"postgresql://{db.get('USER') or 'postgres'}:{db.get('PASSWORD') or ''}@"
            f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}")


def table_counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


def civicpanel(*args: str, dsn: str, ledger: str) -> subprocess.CompletedProcess:
    """The `civicpanel` command against the restored database, as an operator runs it."""
    env = {**os.environ, "DATABASE_URL": dsn, "DJANGO_SETTINGS_MODULE": "civicpanel.config.test_settings",
           "CIVICPANEL_ERASURE_LEDGER": ledger}
    return subprocess.run([sys.executable, "-m", "civicpanel.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_backup_restores_and_forgets_what_was_erased_after_it(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL")
    db = connection.settings_dict
    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    consent = ConsentVersion.objects.get(council=council)
    people = [MemberFactory(council=council, email=f"person{i}@example.dk", name=f"Person {i}",
                            status=Member.Status.ACTIVE, consent_version=consent) for i in range(12)]
    for person in people:
        consent_record_add(member=person, version=consent, channel="web", language="da")
    stays, leaves = people[0], people[1]
    pending = MemberFactory(council=council, status=Member.Status.PENDING, email="never@example.dk")
    erased_before = people[2]
    member_leave(member=erased_before)  # in the ledger, and already in the backup

    # 1. The backup, as the nightly cron job makes it (docs/operations.md, "Backup").
    dumped_at = timezone.now()
    counts_at_dump = table_counts(_dsn(db, db["NAME"]))
    started = time.perf_counter()
    call_command("backup_make", "--out", str(tmp_path), stdout=io.StringIO())
    dump_seconds = time.perf_counter() - started
    dump = latest_dump(tmp_path)
    manifest = json.loads(manifest_path(dump).read_text())["tables"]
    assert {table: figures["rows"] for table, figures in manifest.items()} == counts_at_dump

    # 2. After the backup: a member leaves, a never-confirmed sign-up is deleted.
    member_leave(member=leaves)
    Member.objects.filter(pk=pending.pk).update(joined_at=timezone.now() - datetime.timedelta(days=60))
    assert members_lifecycle_run(councils=[council]).pending_deleted == {"valby": 1}

    # 3. The restore into a fresh database, by the weekly check's own command: every table's rows
    #    and checksum against the manifest, then `check` (settings, keys, every encrypted value
    #    readable) and `migrate --check` against the restored install. --keep: the restore goes on.
    restored = f"{db['NAME']}_restored"
    try:
        started = time.perf_counter()
        out = io.StringIO()
        call_command("restore_check", "--dir", str(tmp_path), "--scratch", restored, "--keep", stdout=out)
        restore_seconds = time.perf_counter() - started
        assert f"{len(counts_at_dump)} tables and {sum(counts_at_dump.values())} rows match" in out.getvalue()
        dsn = _dsn(db, restored)
        assert table_counts(dsn) == counts_at_dump  # every table, every row
        ledger = settings.CIVICPANEL_ERASURE_LEDGER

        # Before the ledger: the backup still has the member who left after it, in full.
        with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT email, status FROM members_member WHERE id = %s", [leaves.pk])
            email, status = cursor.fetchone()
            assert email.startswith("ev1:") and status == "active"

        # 5. The erasure ledger, applied from the time of the backup.
        reapply = civicpanel("erasures_reapply", "--since", dumped_at.isoformat(), dsn=dsn, ledger=ledger)
        assert reapply.returncode == 0, reapply.stdout + reapply.stderr
        assert "1 members erased again, 1 sign-ups deleted again" in reapply.stdout
        with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT email, name, status, email_hash FROM members_member WHERE id = %s", [leaves.pk])
            assert cursor.fetchone() == (None, "", "left", None)
            cursor.execute("SELECT count(*) FROM members_member WHERE id = %s", [pending.pk])
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT status FROM members_member WHERE id = %s", [stays.pk])
            assert cursor.fetchone()[0] == "active"
            cursor.execute("SELECT count(*) FROM members_consentrecord WHERE member_id = %s", [leaves.pk])
            assert cursor.fetchone()[0] == 1  # the consent log keeps its row, now anonymous
        # Applying it twice changes nothing more.
        again = civicpanel("erasures_reapply", dsn=dsn, ledger=ledger)
        assert "0 members erased again, 0 sign-ups deleted again" in again.stdout, again.stdout + again.stderr
        print(f"pg_dump {dump_seconds:.2f} s, pg_restore {restore_seconds:.2f} s, "
              f"{sum(counts_at_dump.values())} rows, dump {dump.stat().st_size} bytes")
    finally:
        subprocess.run(["dropdb", "--if-exists", *_pg_args(db), restored], env=_pg_env(db), timeout=60)



def _tampered(dump, change) -> None:
    path = manifest_path(dump)
    manifest = json.loads(path.read_text())
    change(manifest["tables"])
    path.write_text(json.dumps(manifest))


def test_the_weekly_restore_check_exits_non_zero_on_any_difference(tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL")
    db = connection.settings_dict
    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    for i in range(3):
        MemberFactory(council=council, email=f"person{i}@example.dk")
    dsn, ledger = _dsn(db, db["NAME"]), settings.CIVICPANEL_ERASURE_LEDGER
    scratch = f"{db['NAME']}_check"
    # As cron runs them: the `civicpanel` command, its exit status and its output.
    made = civicpanel("backup_make", "--out", str(tmp_path), dsn=dsn, ledger=ledger)
    assert made.returncode == 0, made.stdout + made.stderr
    dump = latest_dump(tmp_path)
    good = civicpanel("restore_check", "--dir", str(tmp_path), "--scratch", scratch, dsn=dsn, ledger=ledger)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "match the manifest" in good.stdout

    # A table short of a row, and one whose contents differ: both named, exit status 1.
    _tampered(dump, lambda tables: tables["members_member"].update(rows=tables["members_member"]["rows"] + 1))
    short = civicpanel("restore_check", "--dump", str(dump), "--scratch", scratch, dsn=dsn, ledger=ledger)
    assert short.returncode != 0
    assert "members_member: 3 rows restored, 4 backed up" in short.stderr
    _tampered(dump, lambda tables: tables["members_member"].update(rows=3, md5="0" * 32))
    changed = civicpanel("restore_check", "--dump", str(dump), "--scratch", scratch, dsn=dsn, ledger=ledger)
    assert changed.returncode != 0 and "members_member: same row count, different contents" in changed.stderr
    # A dump that does not restore at all.
    dump.write_bytes(dump.read_bytes()[: len(dump.read_bytes()) // 2])
    broken = civicpanel("restore_check", "--dump", str(dump), "--scratch", scratch, dsn=dsn, ledger=ledger)
    assert broken.returncode != 0 and "pg_restore failed" in broken.stderr
    # The scratch database is gone afterwards, and the install's own database can never be the scratch one.
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch])
        assert cursor.fetchone()[0] == 0
    own = civicpanel("restore_check", "--dir", str(tmp_path), "--scratch", db["NAME"], dsn=dsn, ledger=ledger)
    assert own.returncode != 0 and "must not be the install's own database" in own.stderr


def test_the_backup_tools_connect_with_the_installs_tls_and_other_connection_options():
    """An install that reaches PostgreSQL with sslmode=verify-full (and its CA) must have its
    dumps, restores and the check of the restored copy connect the same way, not in clear."""
    import environ

    from civicpanel.common.backup import _database_url, dsn, pg_env

    db = {"NAME": "civicpanel", "USER": "panel", "PASSWORD": "p@ss/word", "HOST": "db.example", "PORT": 5433,
          "OPTIONS": {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/db-ca.pem", "connect_timeout": 10,
                      "server_side_binding": True}}
    env = pg_env(db)
    assert (env["PGSSLMODE"], env["PGSSLROOTCERT"], env["PGCONNECT_TIMEOUT"]) == ("verify-full", "/etc/ssl/db-ca.pem",
                                                                                 "10")
    assert env["PGPASSWORD"] == "p@ss/word"
    conninfo = psycopg.conninfo.conninfo_to_dict(dsn(db, "scratch"))
    assert conninfo["sslmode"] == "verify-full" and conninfo["sslrootcert"] == "/etc/ssl/db-ca.pem"
    assert "server_side_binding" not in conninfo  # Django's own option, not libpq's
    # The restored copy's `check` runs with a DATABASE_URL that the settings read back the same way.
    restored = environ.Env.db_url_config(_database_url(db, "scratch"))
    assert restored["NAME"] == "scratch" and restored["PASSWORD"] == "p@ss/word" and restored["PORT"] == 5433
    assert restored["OPTIONS"]["sslmode"] == "verify-full"
    assert restored["OPTIONS"]["sslrootcert"] == "/etc/ssl/db-ca.pem"
