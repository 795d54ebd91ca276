"""A TOTP code opens one login, once.

django-allauth remembers a used code in the cache for one period (30 s), but with a tolerance of
one step either side a code stays valid for up to 90 s: after the cache entry lapses, a code seen
over a shoulder or caught by a phishing page could be used again. RFC 6238 (section 5.2) asks the
verifier to refuse any code whose time step is not later than the last accepted one; the last
step is kept on the authenticator row itself, so every web process sees it and a lost cache does
not forget it.
"""

from __future__ import annotations

from allauth.core.internal.cryptokit import compare_user_code
from allauth.mfa.adapter import get_adapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal import auth as totp
from allauth.mfa.utils import decrypt
from django.db import transaction

LAST_STEP = "civicpanel_last_step"


def totp_step_of(secret: str, code: str) -> int | None:
    """The time step (within the tolerance around now) whose code this is, or None."""
    for step in totp.yield_hotp_counters_from_time():
        if compare_user_code(actual=code, expected=totp.format_hotp_value(totp.hotp_value(secret, step))):
            return step
    return None


def totp_step_claim(authenticator: Authenticator, code: str) -> bool:
    """Record the step of an accepted code; False when that step, or a later one, was used already."""
    with transaction.atomic():
        # The row lock makes two logins racing with the same code take turns: the second sees the first's step.
        locked = Authenticator.objects.select_for_update().get(pk=authenticator.pk)
        step = totp_step_of(decrypt(locked.data["secret"]), code)
        last = locked.data.get(LAST_STEP)
        if step is None or (last is not None and step <= last):
            return False
        locked.data[LAST_STEP] = step
        locked.save(update_fields=["data"])
        return True


class SingleUseCodeMixin:
    def clean_code(self) -> str:
        code = super().clean_code()
        if self.authenticator.type == Authenticator.Type.TOTP and not totp_step_claim(self.authenticator, code):
            self._emit_authentication_failed(self.authenticator)
            raise get_adapter().validation_error("incorrect_code")
        return code


class SingleUseAuthenticateForm(SingleUseCodeMixin, AuthenticateForm):
    """The second step of the staff login."""


class SingleUseReauthenticateForm(SingleUseCodeMixin, ReauthenticateForm):
    """The code asked again before a sensitive staff action."""
