"""A newsletter as an e-mail: subject, plain text and HTML of the same content, in one language.

The worker (through the message type's composer), the staff preview and the test e-mail all
call `compose`, so what staff see and test is what members get. No images and no link is
rewritten: a newsletter carries no tracking pixel and no tracked link, only the addresses staff
wrote, the member's own unsubscribe link and the page where they choose their e-mails.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import override

from civicpanel.common.mail import absolute_url
from civicpanel.common.models import translated
from civicpanel.newsletters import markup
from civicpanel.outreach.registry import Composed

MESSAGE_TYPE = "newsletter"
# Stands for the member's own unsubscribe link in previews and test e-mails: it is made per
# member when the e-mail is sent.
EXAMPLE_UNSUBSCRIBE = "/o/unsubscribe/…/"


def preferences_url(council) -> str:
    return absolute_url(council, reverse("members:preferences"))


def content_html(body: str, *, heading_level: int = 2) -> str:
    return mark_safe(markup.to_html(markup.parse(body), heading_level=heading_level))  # noqa: S308 (escaped by markup)


def compose(*, council, language: str, subject: str, body: str, unsubscribe_url: str) -> Composed:
    blocks = markup.parse(body)
    with override(language):
        context = {"council": council, "language": language, "subject": " ".join(subject.split()),
                   "body_html": mark_safe(markup.to_html(blocks)),  # noqa: S308 (escaped by markup)
                   "body_text": markup.to_text(blocks), "unsubscribe_url": unsubscribe_url,
                   "preferences_url": preferences_url(council)}
        text = render_to_string("newsletters/email/newsletter.txt", context).strip() + "\n"
        html = render_to_string("newsletters/email/newsletter.html", context)
    return Composed(subject=context["subject"], text=text, html=html)


def compose_example(*, council, language: str, subject: str, body: str) -> Composed:
    """The e-mail as the preview and the test send show it: exactly what members get, except that
    the unsubscribe link reads "…" where each member's own link (made at sending) will stand."""
    return compose(council=council, language=language, subject=subject, body=body,
                   unsubscribe_url=absolute_url(council, EXAMPLE_UNSUBSCRIBE))


def compose_delivery(delivery, language: str, context: dict) -> Composed:
    """The message type's composer, run by the outreach worker for each member: the text copied
    into the mailing when staff confirmed, in the member's language."""
    extra = delivery.mailing.extra_context
    return compose(council=delivery.mailing.council, language=language,
                   subject=extra.get("subject", {}).get(language) or translated(extra.get("subject"), language),
                   body=extra.get("body", {}).get(language) or translated(extra.get("body"), language),
                   unsubscribe_url=context.get("unsubscribe_url", ""))
