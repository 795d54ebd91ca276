from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Pages a signed-in staff member may reach before the second factor is in place.
OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")
# Pages that need the second factor: the staff pages, and allauth's e-mail page, where a
# password-only session could attach an address it does not own (addresses are not verified,
# and a council admin who adds that address as staff would give the role to this account).
PROTECTED_PREFIXES = ("/staff/", "/accounts/email/")


def second_factor_done(request) -> bool:
    """True when this session's login included a second factor (TOTP, recovery code, passkey)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffSecondFactorMiddleware:
    """No staff page answers before the second factor.

    A staff member who has no authenticator yet is sent to set up TOTP; one who has one
    but whose session did not use it (which allauth's login does not allow, but a session
    created another way might) is logged out and sent to log in again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.path.startswith(PROTECTED_PREFIXES) and request.user.is_authenticated
                and not second_factor_done(request)):
            if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
                from django.contrib.auth import logout

                logout(request)
                return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
            return redirect("mfa_activate_totp")
        return self.get_response(request)
