"""The resident's side: /s/<token>/. No login: the personal link is the key.

The link is exchanged for a signed cookie on first use and the browser is sent on to
/s/answer/<survey id>/, so the token is not left in the address bar, the history, a bookmark or
a Referer. Opening the link again (later, on another device) simply sets the cookie again.

The cookie, not the session: a resident's pages then neither read nor write a session row, and
in a survey's busiest hour those are most of the requests the site serves (docs/operations.md,
"Load"). It names the invitation only (no token, no answer), it is signed, so it cannot be
altered or made up, and it lasts as a session does."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicpanel.common.models import translated
from civicpanel.common.tokenurls import token_miss, token_url
from civicpanel.surveys import services
from civicpanel.surveys.invitations import invitation_by_token, invitation_opened
from civicpanel.surveys.models import Survey
from civicpanel.surveys.questions import question_view
from civicpanel.surveys.selectors import survey_structure_for_answering

# The signed cookie: survey id (str) -> invitation id, for the links opened in this browser.
LINKS_SALT = "civicpanel.surveys.links"
# The most recent links kept: a browser shared by a household opens a few, never hundreds.
LINKS_KEPT = 20


def opened_links(request) -> dict[str, int]:
    """The links opened in this browser (an altered, expired or unreadable cookie counts as none)."""
    value = request.get_signed_cookie(settings.SURVEY_LINKS_COOKIE_NAME, default=None, salt=LINKS_SALT,
                                      max_age=settings.SESSION_COOKIE_AGE)
    try:
        links = json.loads(value) if value else {}
    except ValueError:
        return {}
    return links if isinstance(links, dict) else {}


def remember_link(request, response, invitation) -> None:
    """Add the invitation to the response's cookie of links opened (one per survey, the latest kept)."""
    links = {key: pk for key, pk in opened_links(request).items() if key != str(invitation.survey_id)}
    links[str(invitation.survey_id)] = invitation.pk
    kept = dict(list(links.items())[-LINKS_KEPT:])
    response.set_signed_cookie(settings.SURVEY_LINKS_COOKIE_NAME, json.dumps(kept, separators=(",", ":")),
                               salt=LINKS_SALT, max_age=settings.SESSION_COOKIE_AGE, path="/",
                               secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")


def _language_for(request, member_language: str | None) -> str:
    """The member's own language, unless they chose another with the language switcher; for
    an unknown link the browser's; else the council's default."""
    council = request.council
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    # Without a member (an unknown link) the browser's language is the best guess.
    browser = getattr(request, "LANGUAGE_CODE", None) if member_language is None else None
    for candidate in (chosen, member_language, browser, council.default_language):
        if candidate and candidate in council.language_codes:
            return candidate
    return council.default_language


def _message(request, *, kind: str, survey: Survey | None = None, status: int = 200, preview: bool = False):
    headings = {
        "unknown": _("This link does not work"),
        "closed": _("The survey has closed"),
        "not_open": _("The survey has not opened yet"),
        "thanks": _("Thank you!"),
        "reopen": _("Open your personal link again"),
    }
    lines = {
        "unknown": [_("The link may be incomplete: copy the whole link from the e-mail, or ask us for a new one.")],
        "closed": [_("It is no longer possible to answer. Thank you for your interest.")],
        "not_open": [_("Please come back when the survey opens.")],
        "thanks": [],
        "reopen": [_("The survey opens from the personal link in your e-mail. Open that link again to go on: "
                     "the answers you have given are saved.")],
    }[kind]
    if kind == "not_open" and survey and survey.opens_at:
        lines = [_("You can answer from %(date)s.") % {"date": timezone.localtime(survey.opens_at).strftime("%d.%m.%Y %H:%M")}]
    return render(request, "surveys/answer_message.html",
                  {"heading": headings[kind], "lines": lines, "survey": survey, "kind": kind, "preview": preview},
                  status=status)


def page_context(*, survey: Survey, flow, page, values: dict, others: dict, errors: dict, structure) -> dict:
    """What answer_page.html needs for one page (shared with the staff preview)."""
    order = [p.pk for p, _qs in flow]
    index = order.index(page.pk)
    questions = dict(flow).get(page, [])
    views = []
    # A page with nothing answered on it yet (the page every respondent opens first) looks the
    # same to everyone in one language who sees the same questions on it (a follow-up question
    # shows or not by earlier answers): drawn once per structure and kept with it.
    unanswered = not errors and all(values.get(q.uid) is None and not others.get(q.uid) for q in questions)
    key = (page.pk, translation.get_language(), tuple(q.pk for q in questions))
    markup = structure.unanswered_markup.get(key) if unanswered else None
    if markup is None:
        views = [question_view(q, number=structure.number_of(q) if q.answerable else None, value=values.get(q.uid),
                               other_text=others.get(q.uid, ""), error=errors.get(q.uid, "")) for q in questions]
        markup = render_to_string("surveys/_answer_questions.html", {"views": views})
        if unanswered:
            structure.unanswered_markup[key] = markup
    return {
        "survey": survey, "page": page, "views": views, "questions_markup": markup, "errors": errors,
        "page_index": index + 1, "page_total": len(order), "is_last": index == len(order) - 1,
        "previous_page": order[index - 1] if index > 0 else None,
        # The step indicator: earlier pages link back (the view allows going back, not ahead).
        "steps": [{"label": translated(p.title) if p.title else _("Page %(n)s") % {"n": i + 1},
                   "url": f"?page={p.pk}" if i < index else ""} for i, (p, _qs) in enumerate(flow)],
    }


def _session_path(invitation) -> str:
    return reverse("surveys:answer_session", kwargs={"survey_id": invitation.survey_id})


@never_cache
@token_url
@require_http_methods(["GET", "POST"])
def answer_view(request, token: str):
    """The link from the e-mail: remember the invitation in the cookie and go on without the
    token. A POST (a page sent from before this exchange existed) is answered at once."""
    if request.council is None:
        raise Http404
    invitation = invitation_by_token(council=request.council, token=token)
    if invitation is None:
        token_miss(request)
        with translation.override(_language_for(request, None)):
            return _message(request, kind="unknown", status=404)
    if request.method == "POST":
        response = _answer(request, invitation)
    else:
        query = request.META.get("QUERY_STRING", "")
        response = redirect(_session_path(invitation) + (f"?{query}" if query else ""))
    remember_link(request, response, invitation)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def answer_session_view(request, survey_id: int):
    """The survey of a link opened earlier in this browser."""
    if request.council is None:
        raise Http404
    invitation_id = opened_links(request).get(str(survey_id))
    invitation = invitation_opened(council=request.council, survey_id=survey_id, invitation_id=invitation_id)
    if invitation is None:
        with translation.override(_language_for(request, None)):
            return _message(request, kind="reopen", status=404)
    return _answer(request, invitation)


def _answer(request, invitation):
    survey = invitation.survey
    language = _language_for(request, invitation.member.language)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    errors: dict = {}
    page_id = None
    state = None
    if request.method == "POST" and survey.is_accepting_answers():
        # Straight to the saving, which reads the response and its answers itself under the
        # invitation's lock and hands them back as they are after the save.
        try:
            page_id = int(request.POST.get("page", "0"))
        except ValueError:
            page_id = 0
        try:
            result = services.response_submit_page(invitation=invitation, page_id=page_id, data=request.POST,
                                                   language=language)
        except services.SurveyNotOpen:
            return _message(request, kind="closed", survey=survey)
        if result.done:  # the last page (or a resent one): the thanks
            return _message(request, kind="thanks", survey=survey)
        errors = result.errors
        state = (result.response, *result.stored)
    # After a page sent, the next page is drawn in this same response, not after a redirect: one
    # request for each page instead of two (docs/operations.md, "Load"). A reload does not send
    # the page again (reload-as-get.js); if it does (no script), the page is saved once more,
    # which changes nothing. A page opened: the response came with the invitation.
    response, values, others = state or services.response_state(invitation=invitation)
    if response is not None and response.completed_at:
        return _message(request, kind="thanks", survey=survey)
    if not survey.is_accepting_answers():
        if survey.status == Survey.Status.OPEN and survey.opens_at and timezone.now() < survey.opens_at:
            return _message(request, kind="not_open", survey=survey)
        return _message(request, kind="closed", survey=survey, status=410 if survey.status == Survey.Status.CLOSED else 200)
    if errors:
        values = {**values, **result.values}
        others = {**others, **result.others}
    structure = survey_structure_for_answering(survey)
    flow = services.visible_flow(structure, values)
    if not flow:
        return _message(request, kind="closed", survey=survey)
    order = [p.pk for p, _qs in flow]
    current_id = response.current_page if response and response.current_page in order else order[0]
    if request.method == "GET" and request.GET.get("page"):
        # Going back is allowed to any page up to the one reached so far.
        try:
            wanted = int(request.GET["page"])
        except ValueError:
            wanted = current_id
        if wanted in order and order.index(wanted) <= order.index(current_id):
            current_id = wanted
    if errors and page_id in order:
        current_id = page_id
    page = next(p for p, _qs in flow if p.pk == current_id)
    context = page_context(survey=survey, flow=flow, page=page, values=values, others=others, errors=errors,
                           structure=structure)
    return render(request, "surveys/answer_page.html", context)
