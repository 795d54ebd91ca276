"""Weekly, for cron: `civicpanel restore_check --dir /srv/backup --scratch civicpanel_restore_check`.

Restores the latest dump of `backup_make` (or the one named) into a scratch database made
afresh, compares every table's row count and checksum with the dump's manifest, and runs
`check` and `migrate --check` against the restored install. Exits non-zero on any difference,
so cron's mail or the monitoring reports it. The scratch database is dropped afterwards
unless --keep is given (to inspect it, or to go on with a real restore).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicpanel.common.backup import latest_dump, restore_check


class Command(BaseCommand):
    help = "Restore the latest backup into a scratch database and compare it with its manifest."

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--dir", help="The backup directory: its latest civicpanel-*.dump is tried.")
        where.add_argument("--dump", help="This dump file (its manifest beside it).")
        parser.add_argument("--scratch", default="civicpanel_restore_check",
                            help="The scratch database (dropped and made again; never the install's own).")
        parser.add_argument("--keep", action="store_true", help="Leave the restored scratch database in place.")

    def handle(self, *args, dir: str | None, dump: str | None, scratch: str, keep: bool, **options):  # noqa: A002
        try:
            path = Path(dump) if dump else latest_dump(Path(dir))
            report = restore_check(path, scratch=scratch, keep=keep)
        except (FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error
        if not report.ok:
            raise CommandError(f"restore of {path.name} differs:\n" + "\n".join(report.differences))
        self.stdout.write(f"{path.name}: restored into {scratch}, {report.tables} tables and {report.rows} rows "
                          "match the manifest; check and migrate --check pass.")
