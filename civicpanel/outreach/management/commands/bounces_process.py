"""`civicpanel bounces_process PATH`: read bounce reports and stop mail to hard-bounced addresses."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from civicpanel.outreach.bounces import hard_bounce, read_reports
from civicpanel.outreach.services import bounces_record


class Command(BaseCommand):
    help = ("Read delivery status notifications (RFC 3464) from a Maildir directory or an mbox file and "
            "mark the members whose e-mail hard-bounced, so no further mail goes to them.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="+", help="Maildir directory or mbox file")

    def handle(self, *, path: list[str], **options) -> None:
        reports = hard = 0
        message_ids = []
        for location in path:
            try:
                for report in read_reports(location):
                    reports += 1
                    bounce = hard_bounce(report)
                    if bounce is not None:
                        hard += 1
                        message_ids.append(bounce.message_id)
            except FileNotFoundError as error:
                raise CommandError(str(error)) from error
        marked = bounces_record(message_ids=message_ids, source="dsn")
        self.stdout.write(f"{reports} messages read, {hard} hard bounces, {marked} members newly marked as bounced")
