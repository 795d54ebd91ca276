"""Staff password links: a reset link works for 1 hour, the link that lets a new staff member
choose their first password for 72 hours (PASSWORD_RESET_TIMEOUT).

Both are allauth's reset keys (bound to the password hash, the last login and the addresses, so
any use or login spends them); what tells them apart is whether the account has a password yet."""

from __future__ import annotations

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from django.conf import settings
from django.utils.http import base36_to_int


class StaffPasswordTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        if user is None or not user.has_usable_password():
            return True  # a first password: the invitation's 72 hours
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        return self._num_seconds(self._now()) - issued <= settings.STAFF_PASSWORD_RESET_SECONDS
