"""Reads of the newsletters app. Every function takes the council."""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _

from civicpanel.members.selectors import members_filter_describe
from civicpanel.newsletters.models import Newsletter
from civicpanel.outreach.selectors import (
    council_message_languages,
    mailing_status,
    mailings_with_status,
)

# The newsletter list's sortable columns (common.sorting).
NEWSLETTER_SORTS = {
    "subject": lambda n: n.name, "sent": lambda n: n.send_at,
    "recipients": lambda n: n.mailing_status.total if n.mailing_status else None,
}


def newsletter_list(*, council) -> list[Newsletter]:
    """Every newsletter of the council, newest first, each with `.mailing_status` (outreach's
    counts per delivery state, None for a draft) and `.current_status`; three queries."""
    newsletters = list(Newsletter.objects.filter(council=council).select_related("mailing", "segment"))
    mailing_ids = [n.mailing_id for n in newsletters if n.mailing_id]
    statuses = {}
    if mailing_ids:
        statuses = {m.pk: m.status for m in mailings_with_status(council=council, ids=mailing_ids)}
    for newsletter in newsletters:
        newsletter.mailing_status = statuses.get(newsletter.mailing_id)
        newsletter.current_status = newsletter.status(newsletter.mailing_status)
    return newsletters


def newsletter_get(*, council, newsletter_id: int) -> Newsletter:
    """One newsletter of the council (Newsletter.DoesNotExist for another council's), with
    `.mailing_status` and `.current_status`."""
    newsletter = Newsletter.objects.select_related("mailing", "segment", "created_by").get(
        council=council, pk=newsletter_id)
    newsletter.mailing_status = None
    if newsletter.mailing_id:
        newsletter.mailing_status = mailing_status(council=council, mailing=newsletter.mailing)
    newsletter.current_status = newsletter.status(newsletter.mailing_status)
    return newsletter


def newsletter_languages(*, council) -> list[str]:
    """The languages a newsletter is written in: every language the council uses for e-mail."""
    return council_message_languages(council)


def newsletter_problems(*, council, newsletter: Newsletter) -> list[str]:
    """What must be done before the newsletter can be sent, as sentences staff can act on."""
    from civicpanel.newsletters.markup import markup_problems
    from civicpanel.tenancy.models import LANGUAGE_CHOICES

    names = dict(LANGUAGE_CHOICES)
    problems = []
    for code in newsletter_languages(council=council):
        if not (newsletter.subject.get(code) or "").strip():
            problems.append(_("%(language)s: write the subject.") % {"language": names.get(code, code)})
        if not (newsletter.body.get(code) or "").strip():
            problems.append(_("%(language)s: write the text.") % {"language": names.get(code, code)})
        problems += markup_problems(newsletter.body.get(code) or "")
    return list(dict.fromkeys(problems))


def audience_description(*, council, newsletter: Newsletter) -> list[str]:
    """The audience in words: the segment's name and the filter, or the whole panel."""
    lines = []
    if newsletter.segment is not None:
        lines.append(_("Segment: %(name)s") % {"name": newsletter.segment.name})
    lines += members_filter_describe(council=council, filters=newsletter.filters)
    return lines or [_("The whole panel")]


def confirmation_fingerprint(*, newsletter: Newsletter, send_at) -> str:
    """A digest of everything the confirmation page shows (texts, audience, time): sending is
    refused if any of it changed after the page was opened."""
    payload = json.dumps({"subject": newsletter.subject, "body": newsletter.body, "filters": newsletter.filters,
                          "segment": newsletter.segment_id, "send_at": send_at.isoformat() if send_at else None},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()
