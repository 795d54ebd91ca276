"""Backup and restore, tried: the procedure of docs/operations.md ("Backup" and "Restore")
run against PostgreSQL. pg_dump, erasures after the dump, pg_restore into a fresh database,
row counts compared, `check` and `migrate --check` against the restored install, and the
erasure ledger applied again so that the restore forgets what it must have forgotten."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

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

    # 1. The backup (docs/operations.md: pg_dump --format=custom).
    dumped_at = timezone.now()
    counts_at_dump = table_counts(_dsn(db, db["NAME"]))
    dump = tmp_path / "civicpanel.dump"
    started = time.perf_counter()
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *_pg_args(db), db["NAME"]],
                   env=_pg_env(db), check=True, capture_output=True, timeout=300)
    dump_seconds = time.perf_counter() - started

    # 2. After the backup: a member leaves, a never-confirmed sign-up is deleted.
    member_leave(member=leaves)
    Member.objects.filter(pk=pending.pk).update(joined_at=timezone.now() - datetime.timedelta(days=60))
    assert members_lifecycle_run(councils=[council]).pending_deleted == {"valby": 1}

    # 3. The restore, into a fresh database.
    restored = f"{db['NAME']}_restored"
    subprocess.run(["dropdb", "--if-exists", *_pg_args(db), restored], env=_pg_env(db), check=True, timeout=60)
    subprocess.run(["createdb", *_pg_args(db), restored], env=_pg_env(db), check=True, timeout=60)
    try:
        started = time.perf_counter()
        result = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored,
                                 *_pg_args(db), str(dump)], env=_pg_env(db), capture_output=True, text=True,
                                timeout=300)
        restore_seconds = time.perf_counter() - started
        assert result.returncode == 0, result.stderr
        dsn = _dsn(db, restored)
        assert table_counts(dsn) == counts_at_dump  # every table, every row

        # 4. The restored install checks out: settings, keys, every encrypted value readable,
        #    no migration missing.
        ledger = settings.CIVICPANEL_ERASURE_LEDGER
        check = civicpanel("check", "--database", "default", dsn=dsn, ledger=ledger)
        assert check.returncode == 0 and "no issues" in check.stdout, check.stdout + check.stderr
        migrations = civicpanel("migrate", "--check", dsn=dsn, ledger=ledger)
        assert migrations.returncode == 0, migrations.stdout + migrations.stderr

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

