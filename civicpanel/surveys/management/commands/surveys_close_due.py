"""Close surveys whose closing time has passed (cutting the member link of anonymous ones)."""

from django.core.management.base import BaseCommand

from civicpanel.surveys.services import surveys_close_due


class Command(BaseCommand):
    help = "Close every open survey whose closing time has passed; anonymous surveys are unlinked from members."

    def handle(self, *args, **options):
        closed = surveys_close_due()
        self.stdout.write(f"{len(closed)} survey(s) closed.")
