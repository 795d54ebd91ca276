"""The scheduled survey work (cron, e.g. every 10 minutes): close surveys whose closing time
has passed (cutting the member link of anonymous ones), then send the reminders that are due."""

from django.core.management.base import BaseCommand

from civicpanel.surveys.services import reminders_send_due, surveys_close_due


class Command(BaseCommand):
    help = ("Close surveys past their closing time, then remind invited members who have not answered, "
            "as each open survey's reminder settings say. Safe to run as often as you like.")

    def handle(self, *args, **options):
        closed = surveys_close_due()
        waves = reminders_send_due()
        total = sum(w.recipient_count for w in waves)
        self.stdout.write(f"{len(closed)} survey(s) closed; {len(waves)} reminder wave(s), {total} recipient(s).")
