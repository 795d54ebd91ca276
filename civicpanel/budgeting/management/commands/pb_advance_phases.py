"""The scheduled budgeting work (cron, e.g. every 10 minutes or once a night just after
midnight): rounds move to the phase their dates say, with the vote's rules freeze and the count
as on the staff page (budgeting.schedule)."""

from django.core.management.base import BaseCommand
from django.utils import translation

from civicpanel.budgeting.schedule import rounds_advance_due


class Command(BaseCommand):
    help = ("Move participatory-budgeting rounds to the phase whose start date has come (opening the vote "
            "freezes its projects and rules; the result phase counts the vote). Safe to run as often as you like.")

    def handle(self, *args, **options):
        with translation.override("en"):
            report = rounds_advance_due()
            for rnd, stage in report.moved:
                self.stdout.write(f"{rnd.council.slug}: round {rnd.pk} is now in the {stage} phase.")
            for rnd, stage, reason in report.blocked:
                self.stdout.write(f"{rnd.council.slug}: round {rnd.pk} could not move to the {stage} phase: {reason}")
        self.stdout.write(f"{len(report.moved)} round(s) moved; {len(report.blocked)} waiting for staff.")
