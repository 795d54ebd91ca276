"""Sign-up with the personal code from a recruitment letter.

The code arrives typed (/join/letter/) or in the QR code's address (/join/letter/<code>/).
Either way only its hash is kept in the session and the browser goes on to
/join/letter/continue/, so the code does not stay in the address bar, the history or a
Referer. Wrong codes count towards the wrong-token throttle like every personal link.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from civicpanel.common.security import client_ip
from civicpanel.common.tokenurls import token_miss, token_url
from civicpanel.members import services as member_services
from civicpanel.members.forms import SignupForm
from civicpanel.recruitment import selectors, services
from civicpanel.recruitment.forms import LetterCodeForm

SESSION_LETTER = "recruitment.letter"


def _council_or_404(request):
    if not request.council:
        raise Http404
    return request.council


def _unusable(request, status: str):
    return render(request, "recruitment/code_unusable.html", {"status": status},
                  status=410 if status in ("used", "expired") else 404)


def _remember(request, letter):
    request.session[SESSION_LETTER] = letter.code_hash
    return redirect("recruitment:letter_signup")


@never_cache
@token_url
def code_entry(request):
    council = _council_or_404(request)
    form = LetterCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        letter = selectors.letter_by_code(council=council, typed=form.cleaned_data["code"])
        if letter is None:
            token_miss(request)
            form.add_error("code", _("We do not know this code. Check it against your letter: twelve letters "
                                     "and digits."))
        else:
            status = selectors.letter_status(letter)
            if status != "usable":
                return _unusable(request, status)
            return _remember(request, letter)
    return render(request, "recruitment/code_entry.html", {"form": form})


@never_cache
@token_url
def code_link(request, token: str):
    council = _council_or_404(request)
    letter = selectors.letter_by_code(council=council, typed=token)
    if letter is None:
        token_miss(request)
        return _unusable(request, "invalid")
    status = selectors.letter_status(letter)
    if status != "usable":
        return _unusable(request, status)
    return _remember(request, letter)


@never_cache
def letter_signup(request):
    council = _council_or_404(request)
    hashed = request.session.get(SESSION_LETTER, "")
    letter = selectors.letter_by_code(council=council, hashed=hashed) if isinstance(hashed, str) and hashed else None
    if letter is None:
        return redirect("recruitment:code_entry")
    status = selectors.letter_status(letter)
    if status != "usable":
        return _unusable(request, status)
    consent = member_services.consent_current(council=council)
    if consent is None:
        return render(request, "members/signup_closed.html")
    prefill = services.letter_prefill(council=council, letter=letter)
    if request.method == "POST":
        form = SignupForm(request.POST, council=council, consent_version=consent)
        if form.is_valid():
            data = form.cleaned_data
            ip = client_ip(request) or "unknown"
            if member_services.rate_limit_hit(scope="signup", key=f"{council.pk}:{ip}",
                                              limit=member_services.SIGNUP_LIMIT_PER_IP) or \
                    not member_services.link_request_allowed(council=council, email=data["email"]):
                response = render(request, "members/rate_limited.html", {"per_address": False}, status=429)
                response["Retry-After"] = str(member_services.RATE_WINDOW)
                return response
            try:
                services.letter_signup(council=council, hashed=hashed, email=data["email"], name=data["name"],
                                       language=data["language"], profile_values=form.profile_values,
                                       consent_version=consent)
            except services.LetterCodeUnusable as exc:
                return _unusable(request, exc.status)
            except member_services.ConsentChanged:
                consent = member_services.consent_current(council=council)
                form = SignupForm(request.POST, council=council, consent_version=consent)
                form.is_valid()
            else:
                request.session.pop(SESSION_LETTER, None)
                return redirect("members:signup_sent")
    else:
        form = SignupForm(council=council, consent_version=consent, initial=prefill)
    return render(request, "recruitment/letter_signup.html", {
        "form": form, "consent": consent, "prefilled": bool(prefill), "expires": letter.batch.codes_expire_on})
