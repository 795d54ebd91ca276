"""`civicpanel mailings_resume`: queue a send run for every wave with e-mails left to send.

The worker queue forgets a run whose worker was killed; this brings such waves back (once
the killed worker's lease has run out). Run it when workers start and every few minutes.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicpanel.outreach.models import Delivery, Mailing
from civicpanel.outreach.sending import schedule_open


class Command(BaseCommand):
    help = "Queue the sending of every mailing that still has e-mails to send."

    def handle(self, **options) -> None:
        open_mailings = (Mailing.objects.filter(cancelled_at__isnull=True,
                                                deliveries__state__in=Delivery.OPEN_STATES)
                         .distinct().select_related("council"))
        queued = sum(1 for mailing in open_mailings if schedule_open(mailing))
        self.stdout.write(f"{queued} mailings queued for sending")
