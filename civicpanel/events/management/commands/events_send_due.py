"""The scheduled event work (cron, e.g. every 10 minutes): invitations not answered by their
reply deadline pass the seat to the reserve list, and reminders go out before sessions."""

from django.core.management.base import BaseCommand

from civicpanel.events.services import reminders_send_due, seats_expire_due


class Command(BaseCommand):
    help = ("Give seats whose invitation was not answered in time to the next on the reserve list (keeping the "
            "quotas), then send the reminders due before sessions. Safe to run as often as you like.")

    def handle(self, *args, **options):
        expired = seats_expire_due()
        reminded = reminders_send_due()
        self.stdout.write(f"{expired} seat(s) passed on; {reminded} session(s) reminded.")
