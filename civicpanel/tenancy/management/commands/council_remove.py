"""Export one council's data, then delete all of it: the end of a contract.

    civicpanel council_remove valby --out /srv/exports --confirm valby

Nothing is deleted unless the export was written completely first. See docs/operations.md,
"Removing a council".
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicpanel.tenancy.models import Council
from civicpanel.tenancy.removal import council_export, council_purge


class Command(BaseCommand):
    help = "Export one council's data to a folder and zip, then delete every row of that council."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The council's short name.")
        parser.add_argument("--out", required=True, help="Directory to write the export folder and zip into.")
        parser.add_argument("--confirm", required=True, help="The short name again: deleting cannot be undone.")

    def handle(self, *args, slug: str, out: str, confirm: str, **options):
        if confirm != slug:
            raise CommandError("--confirm must repeat the council's short name exactly.")
        council = Council.objects.filter(slug=slug).first()
        if council is None:
            raise CommandError(f"No council with the short name {slug!r}.")
        result = council_export(council=council, out_dir=out, archive=True)
        self.stdout.write(f"exported: {len(result.files)} files in {result.folder} (archive {result.archive})")
        deleted = council_purge(council=council)
        for label, count in sorted(deleted.items()):
            if count:
                self.stdout.write(f"deleted {count} {label}")
        self.stdout.write(self.style.SUCCESS(f"Council {slug!r} removed. Its export is in {result.archive}."))
