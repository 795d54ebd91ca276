"""Queue again the writing of every large survey wave that a stopped worker left unprepared
(surveys/waves.py). Run it when workers start and every few minutes."""

from django.core.management.base import BaseCommand

from civicpanel.surveys.waves import waves_resume


class Command(BaseCommand):
    help = "Queue again every survey wave whose invitations a stopped worker left unwritten."

    def handle(self, *args, **options):
        self.stdout.write(f"{waves_resume()} survey wave(s) queued to be prepared again.")
