"""Nightly, for cron: `civicpanel backup_make --out /srv/backup`.

Writes civicpanel-<UTC time>.dump (pg_dump --format=custom) and civicpanel-<UTC time>.json, the
row count and checksum of every table in the same snapshot, which `restore_check` compares with.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicpanel.common.backup import backup_make, manifest_path


class Command(BaseCommand):
    help = "Dump the database (pg_dump --format=custom) with a manifest of its row counts and checksums."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The directory the dump and its manifest go into.")

    def handle(self, *args, out: str, **options):
        try:
            dump = backup_make(Path(out))
        except (RuntimeError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{dump}\n{manifest_path(dump)}")
