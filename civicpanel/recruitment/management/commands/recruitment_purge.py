"""Daily, for cron beside members_lifecycle: `civicpanel recruitment_purge`.

Deletes the names and addresses of every address extract whose campaign ended more than the
council's keep days ago (audited), keeping the counts. Safe to run any number of times a day.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicpanel.recruitment.services import extracts_purge_due
from civicpanel.tenancy.models import Council


class Command(BaseCommand):
    help = "Delete address extracts whose campaign ended more than the council's keep days ago."

    def add_arguments(self, parser):
        parser.add_argument("--council", help="Only this council (its short name).")

    def handle(self, *args, council=None, **options):
        councils = Council.objects.all()
        if council:
            councils = councils.filter(slug=council)
            if not councils.exists():
                raise CommandError(f"No council with the short name {council!r}.")
        report = extracts_purge_due(councils=councils)
        for slug, count in sorted(report.extracts.items()):
            self.stdout.write(f"{slug}: {count} address extracts deleted ({report.addressees[slug]} addresses)")
        if not report.extracts:
            self.stdout.write("Nothing to do.")
