from __future__ import annotations

import time

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


SESSION_STARTED = "civicpanel.staff_session_started"
SESSION_SEEN = "civicpanel.staff_session_seen"
# The last-seen time is written at most this often, so a page with many requests does not write
# the session on each; the idle limit is kept to within this many seconds.
SEEN_RESOLUTION = 30


def staff_session_begin(sender, request, user, **kwargs):
    """The clock of a staff session starts at login (saved with the login's own session write)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = time.time()


class StaffSessionTimeoutMiddleware:
    """A staff session ends after STAFF_SESSION_IDLE_SECONDS without a request and, in any case,
    STAFF_SESSION_MAX_SECONDS after it began: a forgotten logged-in browser on a council's shared
    computer does not keep access to personal data. The person is sent to log in again, with a
    message, and comes back to the page they asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
            if started is None or seen is None:
                session[SESSION_STARTED] = session[SESSION_SEEN] = now
            elif (now - seen > settings.STAFF_SESSION_IDLE_SECONDS
                  or now - started > settings.STAFF_SESSION_MAX_SECONDS):
                return self._expired(request)
            elif now - seen >= SEEN_RESOLUTION:
                session[SESSION_SEEN] = now
        return self.get_response(request)

    def _expired(self, request):
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.utils.translation import gettext as _

        logout(request)  # flushes the session: a new key, nothing of the old one kept
        messages.info(request, _("Your session has ended because it was idle for a while or open for a "
                                 "long time. Please log in again."))
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
