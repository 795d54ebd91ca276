"""The resident-facing pages: sign-up, confirmation, login links and self-service ("me").

A member's session holds only the member's id and the council's id; there is no password.
Links from e-mails (confirm, log in) first show a page with a button and act only on POST,
because mail scanners open links: a GET must never use up a login link or confirm a sign-up
the owner of the address did not ask for. Opening such a link keeps only the token's hash in the
session and sends the browser on to an address without the token (/join/confirm/,
/me/login/continue/), where the button is: the token does not stay in the address bar, the
history or a Referer.
"""

from __future__ import annotations

import json
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civicpanel.common.csvio import csv_response
from civicpanel.common.security import client_ip, token_hash
from civicpanel.common.tokenurls import token_miss, token_url
from civicpanel.members import services
from civicpanel.members.erasure import member_data_rows
from civicpanel.members.forms import (
    ConsentForm,
    EmailForm,
    LeaveForm,
    PreferencesForm,
    ProfileForm,
    SignupForm,
)
from civicpanel.members.models import Member, MemberToken
from civicpanel.members.page_sections import member_page_sections
from civicpanel.members.profile import member_profile_get
from civicpanel.members.tokens import token_find, token_is_usable

SESSION_MEMBER = "members.member_id"
SESSION_COUNCIL = "members.council_id"
# The hash of a confirmation or login link opened in this browser (never the token itself).
SESSION_CONFIRM_LINK = "members.confirm_link"
SESSION_LOGIN_LINK = "members.login_link"


def _council_or_404(request):
    # request.council is a lazy object, so "is None" would never be true: test its truth.
    if not request.council:
        raise Http404
    return request.council


def _client_ip(request) -> str:
    return client_ip(request) or "unknown"


def _too_many(request, *, per_address: bool = False):
    response = render(request, "members/rate_limited.html", {"per_address": per_address}, status=429)
    response["Retry-After"] = str(services.RATE_WINDOW)
    return response


def _rate_limited(request, *, scope: str, limit: int, email: str = ""):
    """The same clear page (HTTP 429) for every form that is over its per-IP limit, or over the
    number of link e-mails one address may be sent in an hour. The second is counted for every
    address asked about, known or not, so the page says the same for both."""
    if services.rate_limit_hit(scope=scope, key=f"{request.council.pk}:{_client_ip(request)}", limit=limit):
        return _too_many(request)
    if email and not services.link_request_allowed(council=request.council, email=email):
        return _too_many(request, per_address=True)
    return None


def _with_language_cookie(response, language: str):
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


def _session_start(request, member: Member) -> None:
    request.session.cycle_key()  # a new session id on login (no session fixation)
    request.session[SESSION_MEMBER] = member.pk
    request.session[SESSION_COUNCIL] = member.council_id


def _session_end(request) -> None:
    request.session.pop(SESSION_MEMBER, None)
    request.session.pop(SESSION_COUNCIL, None)
    request.session.cycle_key()


def member_view(view):
    """Only for a member logged in on this council's site; others go to the login page."""

    @wraps(view)
    @never_cache
    def wrapper(request, *args, **kwargs):
        council = _council_or_404(request)
        member = None
        if request.session.get(SESSION_COUNCIL) == council.pk:
            member = services.member_for_session(council=council, member_id=request.session.get(SESSION_MEMBER))
        if member is None:
            if SESSION_MEMBER in request.session:
                _session_end(request)
            return redirect(_with_next(reverse("members:login"), _safe_next(request, request.get_full_path())))
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper


def _with_next(url: str, next_path: str) -> str:
    """A login page's address with the /me/ page the login link should lead to (none for the
    member's home page, where it leads anyway)."""
    if next_path and next_path != reverse("members:home"):
        url += f"?next={quote(next_path, safe='/')}"
    return url


def _member_context(request, **extra) -> dict:
    member = request.member
    consent = services.consent_current(council=request.council)
    agreed_news = member.consent_version is not None and member.consent_version.covers_news
    return {
        "member": member,
        "consent_current": consent,
        "consent_outdated": consent is not None and member.consent_version_id != consent.pk,
        # News e-mail waits for the member's consent to a version that asks for it.
        "news_needs_consent": member.wants_news and not agreed_news,
        "consent_adds_news": consent is not None and consent.covers_news and not agreed_news,
        "member_menu": _member_menu(request),
        **extra,
    }


MEMBER_MENU = [
    ("members:home", gettext_lazy("My membership")),
    ("members:profile", gettext_lazy("Profile")),
    ("members:preferences", gettext_lazy("E-mails")),
    ("members:data", gettext_lazy("My data")),
    ("members:leave", gettext_lazy("Leave")),
]


def _member_menu(request) -> list[dict]:
    return [{"url": url, "label": label, "current": request.path == url}
            for url, label in ((reverse(name), label) for name, label in MEMBER_MENU)]


# --- Sign-up ----------------------------------------------------------------------------------

@never_cache
def signup(request):
    council = _council_or_404(request)
    consent = services.consent_current(council=council)
    if consent is None:
        return render(request, "members/signup_closed.html")
    if request.method == "POST":
        form = SignupForm(request.POST, council=council, consent_version=consent)
        if form.is_valid():
            limited = _rate_limited(request, scope="signup", limit=services.SIGNUP_LIMIT_PER_IP,
                                    email=form.cleaned_data["email"])
            if limited:
                return limited
            data = form.cleaned_data
            try:
                services.member_signup(
                    council=council, email=data["email"], name=data["name"], language=data["language"],
                    profile_values=form.profile_values, consent_version=consent,
                    campaign=services.campaign_for_code(council=council, code=data["campaign"]),
                    source=data["source"],
                )
            except services.ConsentChanged:
                # Changed between showing the form and saving: show the new text.
                consent = services.consent_current(council=council)
                form = SignupForm(request.POST, council=council, consent_version=consent)
                form.is_valid()
            else:
                return redirect("members:signup_sent")
    else:
        form = SignupForm(council=council, consent_version=consent, initial={
            "campaign": request.GET.get("c", "")[:40], "source": request.GET.get("source", "")[:100],
        })
    return render(request, "members/signup.html", {"form": form, "consent": consent})


def signup_sent(request):
    _council_or_404(request)
    return render(request, "members/signup_sent.html")


@never_cache
@token_url
def confirm(request, token: str):
    """The link from the e-mail: keep its hash in the session, go on to /join/confirm/. A POST
    straight to the link (a page opened before this exchange existed) still confirms."""
    council = _council_or_404(request)
    found = token_find(council=council, purpose=MemberToken.Purpose.CONFIRM, plaintext=token)
    if found is None:
        token_miss(request)
        return render(request, "members/link_invalid.html", {"expired": False}, status=404)
    if request.method == "POST":
        return _confirm(request, council, hashed=token_hash(token))
    if found.member.status != Member.Status.PENDING or not token_is_usable(found):
        return _confirm(request, council, hashed=token_hash(token))  # nothing to do: say why, here
    request.session[SESSION_CONFIRM_LINK] = token_hash(token)
    return redirect("members:confirm_continue")


@never_cache
def confirm_continue(request):
    council = _council_or_404(request)
    return _confirm(request, council, hashed=request.session.get(SESSION_CONFIRM_LINK, ""))


def _confirm(request, council, *, hashed: str):
    consent = services.consent_current(council=council)
    form = None
    if request.method == "POST":
        form = ConsentForm(request.POST)
        agreed = consent if (form.is_valid() and consent is not None
                             and form.cleaned_data["consent_version"] == consent.pk) else None
        outcome = services.member_confirm(council=council, hashed=hashed, consent_version=agreed)
        if outcome.status == "confirmed":
            _session_start(request, outcome.member)
            request.session.pop(SESSION_CONFIRM_LINK, None)
            messages.success(request, _("Welcome to the panel! Your membership is confirmed."))
            return _with_language_cookie(redirect("members:home"), outcome.member.language)
        status = outcome.status
    else:
        found = token_find(council=council, purpose=MemberToken.Purpose.CONFIRM, hashed=hashed) if hashed else None
        if found is None:
            status = "invalid"
        elif found.member.status in services.ACTIVE_STATUSES:
            status = "already"
        elif found.member.status != Member.Status.PENDING:
            status = "invalid"
        elif not token_is_usable(found):
            status = "expired"
        else:
            status = "needs_consent" if services.member_needs_consent(found.member) else "ready"
    if status in ("ready", "needs_consent"):
        if status == "needs_consent" and consent is None:
            return render(request, "members/signup_closed.html")
        if status == "needs_consent" and (form is None or not form.errors):
            changed = form is not None  # agreed, but to a text that has been replaced since
            form = ConsentForm(initial={"consent_version": consent.pk})
            form.changed = changed
        return render(request, "members/confirm.html", {
            "consent": consent if status == "needs_consent" else None,
            "form": form if status == "needs_consent" else None,
        })
    if status == "already":
        return render(request, "members/confirm_already.html")
    return render(request, "members/link_invalid.html", {"expired": status == "expired"},
                  status=410 if status == "expired" else 404)


# --- Login links -------------------------------------------------------------------------------

def _next_path(request) -> str:
    """The /me/ page the login page was opened for ("" for none, or for the member's home)."""
    next_value = request.GET.get("next")
    next_path = _safe_next(request, next_value) if next_value else ""
    return "" if next_path == reverse("members:home") else next_path


@never_cache
def login(request):
    """The login page. Opened to leave the panel (?next= the leave page) it says so, and the
    e-mail's link opens the leave confirmation itself (`_login_with_link`)."""
    council = _council_or_404(request)
    next_path = _next_path(request)
    if request.method == "POST":
        form = EmailForm(request.POST)
        if form.is_valid():
            limited = _rate_limited(request, scope="login", limit=services.LOGIN_LIMIT_PER_IP,
                                    email=form.cleaned_data["email"])
            if limited:
                return limited
            services.login_link_request(council=council, email=form.cleaned_data["email"], next_path=next_path)
            # The same page for every address; it keeps `next` so that it can speak of leaving.
            return redirect(_with_next(reverse("members:login_sent"), next_path))
    else:
        form = EmailForm()
    return render(request, "members/login.html", {"form": form, "leaving": next_path == reverse("members:leave")})


def login_sent(request):
    _council_or_404(request)
    next_path = _next_path(request)
    return render(request, "members/login_sent.html", {
        "leaving": next_path == reverse("members:leave"), "login_url": _with_next(reverse("members:login"), next_path)})


def _safe_next(request, value: str | None) -> str:
    if value and value.startswith("/me/") and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return reverse("members:home")


@never_cache
@token_url
def login_token(request, token: str):
    """The link from the e-mail: keep its hash in the session, go on to /me/login/continue/ (the
    page with the button). A POST straight to the link still logs in."""
    council = _council_or_404(request)
    found = token_find(council=council, purpose=MemberToken.Purpose.LOGIN, plaintext=token)
    if found is None:  # unknown, or erased with the member who left
        token_miss(request)
        return _login_link_invalid(request, leaving=_safe_next(request, request.GET.get("next")) == reverse("members:leave"))
    if request.method == "POST" or not token_is_usable(found):
        return _login_with_link(request, council, hashed=token_hash(token))
    request.session[SESSION_LOGIN_LINK] = token_hash(token)
    next_value = request.GET.get("next")
    target = reverse("members:login_continue")
    return redirect(target + (f"?{urlencode({'next': next_value})}" if next_value else ""))


@never_cache
def login_continue(request):
    council = _council_or_404(request)
    return _login_with_link(request, council, hashed=request.session.get(SESSION_LOGIN_LINK, ""))


def _login_with_link(request, council, *, hashed: str):
    """The page with the button, and its POST. A link asked for to leave the panel (next is the
    leave page) opens the leave confirmation instead: ticking the box and sending it uses the
    link and leaves in one step, without logging in first (SECURITY-REQUIREMENTS G1)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    leaving = next_url == reverse("members:leave")
    form = None
    if request.method == "POST" and leaving:
        form = LeaveForm(request.POST)
        if form.is_valid():
            if hashed and services.member_leave_with_link(council=council, hashed=hashed) is not None:
                request.session.pop(SESSION_LOGIN_LINK, None)
                _session_end(request)
                return redirect("members:left")
            return _login_link_invalid(request, leaving=True)
        # Not ticked: the page again with the error, and the link still unused.
    elif request.method == "POST":
        member = services.member_login(council=council, hashed=hashed) if hashed else None
        if member is not None:
            _session_start(request, member)
            request.session.pop(SESSION_LOGIN_LINK, None)
            if services.member_consent_outdated(member) and next_url == reverse("members:home"):
                # A new consent text: the member is asked first thing after logging in.
                next_url = reverse("members:consent")
            return _with_language_cookie(redirect(next_url), member.language)
        return _login_link_invalid(request)
    found = token_find(council=council, purpose=MemberToken.Purpose.LOGIN, hashed=hashed) if hashed else None
    if found is None or not token_is_usable(found) or found.member.status not in services.ACTIVE_STATUSES:
        return _login_link_invalid(request, leaving=leaving)
    if leaving:
        return render(request, "members/leave_confirm.html", {
            "form": form or LeaveForm(), "next": next_url, "data_next": reverse("members:data")})
    return render(request, "members/login_confirm.html", {"next": next_url})


def _login_link_invalid(request, *, leaving: bool = False):
    # A leave link's page asks for a new leave link, not a login link.
    return render(request, "members/link_invalid.html", {
        "login": True, "retry_url": _with_next(reverse("members:login"), reverse("members:leave") if leaving else ""),
    }, status=410)


@require_POST
def logout(request):
    _council_or_404(request)
    _session_end(request)
    messages.success(request, _("You are logged out."))
    return redirect("home")


# --- Self-service --------------------------------------------------------------------------------

@member_view
def home(request):
    member = request.member
    profile_form = ProfileForm(council=request.council)
    answers = member_profile_get(member, questions=profile_form.questions)
    summary = []
    for key in profile_form.profile_keys:
        field = profile_form.fields[key]
        value = answers.get(key)
        choices = dict(getattr(field, "choices", []) or [])
        if isinstance(value, list):
            shown = ", ".join(str(choices.get(v, v)) for v in value)
        elif value in (None, ""):
            shown = ""
        else:
            shown = str(choices.get(value, value))
        summary.append((field.label, shown))
    return render(request, "members/me/home.html", _member_context(request, summary=summary,
                                                                   sections=member_page_sections(member)))


@member_view
def profile_edit(request):
    member = request.member
    if request.method == "POST":
        form = ProfileForm(request.POST, council=request.council)
        if form.is_valid():
            try:
                services.member_profile_update(member=member, name=form.cleaned_data["name"],
                                               values=form.profile_values,
                                               postal_address=form.cleaned_data["postal_address"],
                                               phone=form.cleaned_data["phone"])
            except ValidationError as error:
                for key, errors in error.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("members:home")
    else:
        form = ProfileForm(council=request.council)
        form.initial = {"name": member.name, "postal_address": member.postal_address, "phone": member.phone,
                        **member_profile_get(member, questions=form.questions)}
    return render(request, "members/me/profile.html", _member_context(request, form=form))


@member_view
def preferences(request):
    member = request.member
    if request.method == "POST":
        form = PreferencesForm(request.POST, council=request.council)
        if form.is_valid():
            services.member_preferences_update(member=member, **form.cleaned_data)
            translation.activate(member.language)
            messages.success(request, _("Your choices are saved."))
            return _with_language_cookie(redirect("members:home"), member.language)
    else:
        form = PreferencesForm(council=request.council, initial={
            "wants_surveys": member.wants_surveys, "wants_events": member.wants_events,
            "wants_news": member.wants_news, "language": member.language,
        })
    return render(request, "members/me/preferences.html", _member_context(request, form=form))


@member_view
def data(request):
    return render(request, "members/me/data.html", _member_context(request))


@member_view
def data_json(request):
    content = services.member_data_export(member=request.member, file_format="json")
    response = HttpResponse(json.dumps(content, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-panel-data.json"'
    return response


@member_view
def data_csv(request):
    content = services.member_data_export(member=request.member, file_format="csv")
    return csv_response("my-panel-data.csv", ["section", "item", "field", "value"], member_data_rows(content))


@member_view
def consent(request):
    member = request.member
    current = services.consent_current(council=request.council)
    if current is None:
        raise Http404
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["consent_version"] != current.pk:
                form = ConsentForm(initial={"consent_version": current.pk})
                form.changed = True
            else:
                try:
                    services.member_consent_give(member=member, consent_version=current)
                except services.ConsentChanged:
                    current = services.consent_current(council=request.council)
                    form = ConsentForm(initial={"consent_version": current.pk})
                    form.changed = True
                else:
                    messages.success(request, _("Thank you. Your consent is recorded."))
                    return redirect("members:home")
    else:
        form = ConsentForm(initial={"consent_version": current.pk})
    return render(request, "members/me/consent.html", _member_context(
        request, form=form, consent=current, already=member.consent_version_id == current.pk))


@member_view
def leave(request):
    if request.method == "POST":
        form = LeaveForm(request.POST)
        if form.is_valid():
            services.member_leave(member=request.member)
            _session_end(request)
            return redirect("members:left")
    else:
        form = LeaveForm()
    return render(request, "members/me/leave.html", _member_context(request, form=form))


def left(request):
    _council_or_404(request)
    return render(request, "members/left.html")
