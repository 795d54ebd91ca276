"""The lowest layer of e-mail: build one message and hand it to the configured mailer (SMTP).

Apps never call Django's mail functions directly; they call `deliver` from a task, so that
every e-mail leaves through the worker and the same headers (Message-ID, List-Unsubscribe)
are set in one place.
"""

from __future__ import annotations

from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives


def sender_for(council) -> str:
    if council is not None and council.from_email:
        return formataddr((council.name, council.from_email))
    return settings.DEFAULT_FROM_EMAIL


def deliver(*, council, to: str, subject: str, body: str, html: str | None = None,
            headers: dict[str, str] | None = None, reply_to: str | None = None) -> str:
    """Send one e-mail now and return its Message-ID. Raises on SMTP failure (the caller's
    task decides whether to retry or mark the recipient as failed)."""
    message_id = make_msgid(domain="civicpanel")
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=sender_for(council), to=[to],
        headers={"Message-ID": message_id, **(headers or {})},
        reply_to=[reply_to or council.contact_email] if (reply_to or getattr(council, "contact_email", "")) else None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return message_id


def absolute_url(council, path: str) -> str:
    """A link for an e-mail: the council's own domain in production, <slug>.localhost in development."""
    scheme = settings.CIVICPANEL_BASE_SCHEME
    host = council.domain or f"{council.slug}.localhost"
    port = settings.CIVICPANEL_BASE_PORT
    if port and not council.domain:
        host = f"{host}:{port}"
    return f"{scheme}://{host}{path}"
