"""Send the reminders that are due (run from cron, e.g. every hour)."""

from django.core.management.base import BaseCommand

from civicpanel.surveys.services import reminders_send_due


class Command(BaseCommand):
    help = "Remind invited members who have not answered, as each open survey's reminder settings say."

    def handle(self, *args, **options):
        waves = reminders_send_due()
        total = sum(w.recipient_count for w in waves)
        self.stdout.write(f"{len(waves)} reminder wave(s), {total} recipient(s).")
