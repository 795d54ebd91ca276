"""Daily panel housekeeping, for cron: `civicpanel members_lifecycle`.

Sends renewal reminders before a member's panel term ends, erases members whose term ended
without renewal, and deletes sign-ups that were never confirmed. Safe to run any number of
times a day.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicpanel.members.services import members_lifecycle_run
from civicpanel.tenancy.models import Council


class Command(BaseCommand):
    help = "Renewal reminders, erasure at the end of the panel term, removal of unconfirmed sign-ups."

    def add_arguments(self, parser):
        parser.add_argument("--council", help="Only this council (its short name).")

    def handle(self, *args, council=None, **options):
        councils = Council.objects.all()
        if council:
            councils = councils.filter(slug=council)
            if not councils.exists():
                raise CommandError(f"No council with the short name {council!r}.")
        report = members_lifecycle_run(councils=councils)
        for label, counts in (("renewal reminders sent", report.reminded),
                              ("members erased at the end of their term", report.anonymised),
                              ("unconfirmed sign-ups deleted", report.pending_deleted)):
            for slug, count in sorted(counts.items()):
                self.stdout.write(f"{slug}: {count} {label}")
        if not report.total:
            self.stdout.write("Nothing to do.")
