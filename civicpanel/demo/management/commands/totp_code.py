"""Print a staff account's current TOTP code, so the demo can be tried without a phone."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current TOTP code of a staff account (for the demo and for testing)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        authenticator = Authenticator.objects.filter(user__email__iexact=email, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError(f"No staff account with TOTP for {email}.")
        secret = decrypt(authenticator.data["secret"])
        counter, remaining = divmod(int(time.time()), 30)
        self.stdout.write(f"{hotp_value(secret, counter):06d}  (valid for {30 - remaining} more seconds)")
