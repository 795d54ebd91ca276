"""Staff pages: newsletters past and draft, writing one, its preview per language, the test
e-mail, the confirmation page and the scheduled sending's cancel button."""

from __future__ import annotations

import re
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from civicpanel.accounts.decorators import staff_view
from civicpanel.accounts.permissions import Capability
from civicpanel.common.formatting import number
from civicpanel.common.sorting import list_sort, sort_rows
from civicpanel.members.segments import segment_list
from civicpanel.newsletters import selectors, services
from civicpanel.newsletters.audience import newsletter_audience
from civicpanel.newsletters.compose import compose_example, content_html
from civicpanel.newsletters.forms import NewsletterForm, WhenForm
from civicpanel.newsletters.models import Newsletter
from civicpanel.outreach.selectors import mailing_status_by_language
from civicpanel.surveys.audience import profile_questions
from civicpanel.tenancy.models import LANGUAGE_CHOICES

CONFIRMATION_RE = re.compile(r"[0-9a-f]{32}")
FINGERPRINT_RE = re.compile(r"[0-9a-f]{64}")

newsletters_view = staff_view(Capability.MAILINGS)


def _newsletter(request, newsletter_id: int) -> Newsletter:
    try:
        return selectors.newsletter_get(council=request.council, newsletter_id=newsletter_id)
    except Newsletter.DoesNotExist:
        raise Http404 from None


def _form(request, newsletter=None) -> NewsletterForm:
    return NewsletterForm(request.POST or None, languages=selectors.newsletter_languages(council=request.council),
                          questions=profile_questions(council=request.council),
                          segments=list(segment_list(council=request.council)), council=request.council,
                          newsletter=newsletter)


def _previews(council, newsletter: Newsletter, audience=None) -> list[dict]:
    """Each language group's e-mail: subject, the HTML content as on the page, the plain text."""
    names = dict(LANGUAGE_CHOICES)
    previews = []
    for code in selectors.newsletter_languages(council=council):
        subject, body = newsletter.subject.get(code, ""), newsletter.body.get(code, "")
        if not subject and not body:
            previews.append({"language": code, "name": names.get(code, code), "missing": True,
                             "recipients": audience.by_language.get(code, 0) if audience else None})
            continue
        composed = compose_example(council=council, language=code, subject=subject, body=body)
        previews.append({"language": code, "name": names.get(code, code), "subject": composed.subject,
                         "html": content_html(body, heading_level=4), "text": composed.text,
                         "recipients": audience.by_language.get(code, 0) if audience else None})
    return previews


@newsletters_view
def newsletter_list_view(request):
    sorting = list_sort(request.GET, selectors.NEWSLETTER_SORTS)
    newsletters = sort_rows(selectors.newsletter_list(council=request.council), sorting, selectors.NEWSLETTER_SORTS)
    return render(request, "newsletters/staff/list.html", {"newsletters": newsletters, "sorting": sorting})


@newsletters_view
@require_http_methods(["GET", "POST"])
def newsletter_create_view(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            newsletter = services.newsletter_save(council=request.council, actor=request.user, **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved. Check the preview and the number of recipients below."))
            return redirect("staff:newsletter", newsletter.pk)
    return render(request, "newsletters/staff/form.html", {"form": form, "newsletter": None})


@newsletters_view
@require_http_methods(["GET", "POST"])
def newsletter_edit_view(request, newsletter_id: int):
    newsletter = _newsletter(request, newsletter_id)
    if newsletter.mailing_id is not None:
        messages.info(request, _("This newsletter has been sent or is scheduled; it can no longer be changed."))
        return redirect("staff:newsletter", newsletter.pk)
    form = _form(request, newsletter)
    if request.method == "POST" and form.is_valid():
        try:
            services.newsletter_save(council=request.council, actor=request.user, newsletter=newsletter,
                                     **form.service_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved. Check the preview and the number of recipients below."))
            return redirect("staff:newsletter", newsletter.pk)
    return render(request, "newsletters/staff/form.html", {"form": form, "newsletter": newsletter})


@newsletters_view
def newsletter_detail_view(request, newsletter_id: int):
    newsletter = _newsletter(request, newsletter_id)
    draft = newsletter.mailing_id is None
    audience = newsletter_audience(council=request.council, filters=newsletter.filters) if draft else None
    return render(request, "newsletters/staff/detail.html", {
        "newsletter": newsletter, "draft": draft, "audience": audience,
        "audience_lines": selectors.audience_description(council=request.council, newsletter=newsletter),
        "problems": selectors.newsletter_problems(council=request.council, newsletter=newsletter) if draft else [],
        "previews": _previews(request.council, newsletter, audience),
        "when_form": WhenForm(), "status": newsletter.mailing_status,
        "by_language": [] if draft else _by_language(request.council, newsletter),
    })


def _by_language(council, newsletter: Newsletter) -> list[dict]:
    """The delivery figures of each language group (each group got its own text)."""
    names = dict(LANGUAGE_CHOICES)
    return [{"language": code, "name": names.get(code, code), "status": status}
            for code, status in mailing_status_by_language(council=council, mailing=newsletter.mailing)]


@newsletters_view
@require_POST
def newsletter_test_view(request, newsletter_id: int):
    newsletter = _newsletter(request, newsletter_id)
    try:
        languages = services.newsletter_test_send(council=request.council, actor=request.user, newsletter=newsletter,
                                                  request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        names = dict(LANGUAGE_CHOICES)
        messages.success(request, ngettext(
            "A test e-mail is on its way to %(address)s (%(languages)s).",
            "%(n)s test e-mails, one per language, are on their way to %(address)s (%(languages)s).",
            len(languages)) % {"n": len(languages), "address": request.user.email,
                               "languages": ", ".join(names.get(code, code) for code in languages)})
    return redirect("staff:newsletter", newsletter.pk)


@newsletters_view
@require_http_methods(["GET", "POST"])
def newsletter_confirm_view(request, newsletter_id: int):
    """GET: exactly what goes out, to how many, and when; POST from that page: send, once."""
    newsletter = _newsletter(request, newsletter_id)
    if newsletter.mailing_id is not None:
        return redirect("staff:newsletter", newsletter.pk)
    when = WhenForm(request.POST if request.method == "POST" else request.GET)
    if not when.is_valid():
        for errors in when.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("staff:newsletter", newsletter.pk)
    send_at = when.cleaned_data["send_at"]
    if request.method == "POST":
        confirmation = request.POST.get("confirmation", "")
        fingerprint = request.POST.get("fingerprint", "")
        if CONFIRMATION_RE.fullmatch(confirmation) and FINGERPRINT_RE.fullmatch(fingerprint):
            try:
                sent = services.newsletter_send(council=request.council, actor=request.user, newsletter=newsletter,
                                                send_at=send_at, confirmation=confirmation, fingerprint=fingerprint,
                                                request=request)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return redirect("staff:newsletter", newsletter.pk)
            shown = number(sent.recipient_count)
            if sent.send_at and sent.send_at > sent.confirmed_at:
                messages.success(request, ngettext(
                    "The newsletter is scheduled for %(n)s member.", "The newsletter is scheduled for %(n)s members.",
                    sent.recipient_count) % {"n": shown})
            else:
                messages.success(request, ngettext(
                    "The newsletter is on its way to %(n)s member.", "The newsletter is on its way to %(n)s members.",
                    sent.recipient_count) % {"n": shown})
            return redirect("staff:newsletter", newsletter.pk)
    problems = selectors.newsletter_problems(council=request.council, newsletter=newsletter)
    audience = newsletter_audience(council=request.council, filters=newsletter.filters)
    if problems or not audience.count:
        for message in problems or [_("Nobody would get this newsletter: everyone in the audience is left out.")]:
            messages.error(request, message)
        return redirect("staff:newsletter", newsletter.pk)
    return render(request, "newsletters/staff/confirm.html", {
        "newsletter": newsletter, "audience": audience, "send_at": send_at, "when": when,
        "audience_lines": selectors.audience_description(council=request.council, newsletter=newsletter),
        "previews": _previews(request.council, newsletter, audience),
        "confirmation": secrets.token_hex(16),
        "fingerprint": selectors.confirmation_fingerprint(newsletter=newsletter, send_at=send_at),
    })


@newsletters_view
@require_POST
def newsletter_cancel_view(request, newsletter_id: int):
    newsletter = _newsletter(request, newsletter_id)
    try:
        cancelled = services.newsletter_cancel(council=request.council, actor=request.user, newsletter=newsletter,
                                               request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if cancelled.mailing_id is None:
            messages.success(request, _("The scheduled sending is cancelled; no e-mail went out. The newsletter "
                                        "is a draft again."))
        else:
            messages.warning(request, _("The sending had already begun: what was sent stays sent; the rest is stopped."))
    return redirect("staff:newsletter", newsletter.pk)


@newsletters_view
@require_POST
def newsletter_delete_view(request, newsletter_id: int):
    newsletter = _newsletter(request, newsletter_id)
    try:
        services.newsletter_delete(council=request.council, actor=request.user, newsletter=newsletter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("staff:newsletter", newsletter.pk)
    messages.success(request, _("The draft is deleted."))
    return redirect("staff:newsletters")
