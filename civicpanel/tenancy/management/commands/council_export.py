"""Export one council's data to a folder and a zip: `civicpanel council_export valby --out DIR`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicpanel.tenancy.models import Council
from civicpanel.tenancy.removal import council_export


class Command(BaseCommand):
    help = "Export one council's data (staff export formats, settings, every table as JSON) with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The council's short name.")
        parser.add_argument("--out", required=True, help="Directory to write the export folder and zip into.")
        parser.add_argument("--no-zip", action="store_true", help="Write the folder only.")

    def handle(self, *args, slug: str, out: str, no_zip: bool, **options):
        council = Council.objects.filter(slug=slug).first()
        if council is None:
            raise CommandError(f"No council with the short name {slug!r}.")
        result = council_export(council=council, out_dir=out, archive=not no_zip)
        self.stdout.write(f"{len(result.files)} files in {result.folder}")
        if result.archive:
            self.stdout.write(f"archive: {result.archive}")
