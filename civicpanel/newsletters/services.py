"""Writes of the newsletters app: drafts, the test e-mail, sending (now or later) and cancelling."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.newsletters import tasks
from civicpanel.newsletters.audience import newsletter_audience
from civicpanel.newsletters.compose import MESSAGE_TYPE
from civicpanel.newsletters.models import Newsletter
from civicpanel.newsletters.selectors import (
    confirmation_fingerprint,
    newsletter_languages,
    newsletter_problems,
)
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.services import mailing_cancel, mailing_create

# A scheduled time this far ahead is almost certainly a typing mistake (a wrong year).
LONGEST_DELAY = datetime.timedelta(days=366)


def _reference(newsletter: Newsletter) -> str:
    return f"newsletter:{newsletter.pk}"


def _locked_draft(*, council, newsletter: Newsletter) -> Newsletter:
    newsletter = Newsletter.objects.select_for_update().get(pk=newsletter.pk, council=council)
    if newsletter.mailing_id is not None:
        raise ValidationError(_("This newsletter has been sent or is scheduled; it can no longer be changed."))
    return newsletter


def newsletter_save(*, council, actor, subject: dict[str, str], body: dict[str, str], segment=None,
                    filters: dict | None = None, newsletter: Newsletter | None = None) -> Newsletter:
    """Create a draft, or change one that has not been sent. A chosen segment's filter is copied,
    so the audience shown and sent is the segment as it is now."""
    languages = newsletter_languages(council=council)
    subject = {code: " ".join(subject.get(code, "").split()) for code in languages if subject.get(code, "").strip()}
    body = {code: body[code].strip() for code in languages if body.get(code, "").strip()}
    if segment is not None and segment.council_id != council.pk:
        raise ValidationError(_("Unknown segment."))
    filters = dict(segment.filters) if segment is not None else dict(filters or {})
    with transaction.atomic():
        if newsletter is None:
            newsletter = Newsletter.objects.create(council=council, subject=subject, body=body, segment=segment,
                                                   filters=filters, created_by=actor if getattr(actor, "pk", None) else None)
            action = "newsletter.create"
        else:
            newsletter = _locked_draft(council=council, newsletter=newsletter)
            newsletter.subject, newsletter.body, newsletter.segment, newsletter.filters = subject, body, segment, filters
            newsletter.save(update_fields=["subject", "body", "segment", "filters", "updated_at"])
            action = "newsletter.update"
        audit_record(council=council, actor=actor, action=action, target=newsletter,
                     detail={"languages": sorted(subject), "filters": filters,
                             "segment": segment.pk if segment is not None else None})
    return newsletter


def newsletter_delete(*, council, actor, newsletter: Newsletter) -> None:
    """Throw away a draft (a sent newsletter stays, with its delivery figures)."""
    with transaction.atomic():
        newsletter = _locked_draft(council=council, newsletter=newsletter)
        audit_record(council=council, actor=actor, action="newsletter.delete", target=newsletter,
                     detail={"subject": newsletter.subject})
        newsletter.delete()


def newsletter_test_send(*, council, actor, newsletter: Newsletter, request=None) -> list[str]:
    """E-mail every language version to the staff member themself, marked as a test. Returns
    the languages queued; nothing goes to members."""
    if not getattr(actor, "email", ""):
        raise ValidationError(_("Your staff account has no e-mail address to send the test to."))
    languages = [code for code in newsletter_languages(council=council)
                 if newsletter.subject.get(code) and newsletter.body.get(code)]
    if not languages:
        raise ValidationError(_("Write a subject and a text first."))
    with transaction.atomic():
        audit_record(council=council, actor=actor, action="newsletter.test", target=newsletter,
                     detail={"languages": languages}, request=request)
        for language in languages:
            transaction.on_commit(lambda language=language: tasks.newsletter_test_deliver.enqueue(
                newsletter.pk, actor.pk, language))
    return languages


def newsletter_send(*, council, actor, newsletter: Newsletter, send_at: datetime.datetime | None,
                    confirmation: str, fingerprint: str, request=None) -> Newsletter:
    """Send what the confirmation page showed, now or at `send_at`, through the outreach worker.

    Refused if the texts, the audience or the time changed after the page was opened
    (`fingerprint`), if anything is missing, or if nobody would get it. The same confirmation
    key never sends twice: a second click finds the newsletter already on its way.
    """
    now = timezone.now()
    requested = send_at
    if send_at is not None and send_at <= now:
        send_at = None  # a time that has passed while the page was open: send now, as "now" would
    if send_at is not None and send_at > now + LONGEST_DELAY:
        raise ValidationError(_("Choose a time within the next year."))
    with transaction.atomic():
        locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk, council=council)
        if confirmation and locked.confirmation == confirmation:
            return locked  # the same confirmation again: it was sent (or cancelled) already
        if locked.mailing_id is not None:
            raise ValidationError(_("This newsletter has been sent or is scheduled already."))
        if confirmation_fingerprint(newsletter=locked, send_at=requested) != fingerprint:
            raise ValidationError(_("The newsletter or its audience changed after you opened the confirmation "
                                    "page. Check it again before sending."))
        problems = newsletter_problems(council=council, newsletter=locked)
        if problems:
            raise ValidationError(problems)
        audience = newsletter_audience(council=council, filters=locked.filters)
        if not audience.member_ids:
            raise ValidationError(_("Nobody would get this newsletter: everyone in the audience is left out."))
        languages = newsletter_languages(council=council)
        mailing = mailing_create(
            council=council, actor=actor, message_type=MESSAGE_TYPE, member_ids=audience.member_ids,
            reference=_reference(locked), send_at=send_at,
            # The texts as confirmed: the worker composes each e-mail from this copy.
            extra_context={"newsletter": locked.pk,
                           "subject": {code: locked.subject[code] for code in languages},
                           "body": {code: locked.body[code] for code in languages}},
        )
        locked.mailing, locked.send_at, locked.confirmed_at = mailing, send_at or now, now
        locked.confirmed_by = actor if getattr(actor, "pk", None) else None
        locked.recipient_count, locked.left_out, locked.confirmation = audience.count, audience.left_out, confirmation
        locked.save(update_fields=["mailing", "send_at", "confirmed_at", "confirmed_by", "recipient_count",
                                   "left_out", "confirmation"])
        audit_record(council=council, actor=actor, action="newsletter.send", target=locked,
                     detail={"mailing": mailing.pk, "recipients": audience.count, "left_out": audience.left_out,
                             "send_at": send_at.isoformat() if send_at else None, "by_language": audience.by_language},
                     request=request)
    return locked


def newsletter_cancel(*, council, actor, newsletter: Newsletter, request=None) -> Newsletter:
    """Cancel a scheduled newsletter before it starts: no e-mail goes out and it is a draft again.

    Should the worker have begun in the same moment, what it sent stays sent, the rest is
    stopped, and the newsletter stays listed as stopped with its figures.
    """
    with transaction.atomic():
        # Locked on its own: PostgreSQL cannot lock the nullable side of the join to the mailing.
        locked = Newsletter.objects.select_for_update().get(pk=newsletter.pk, council=council)
        if locked.mailing is None:
            return locked
        if locked.mailing.cancelled_at is None and (locked.send_at is None or locked.send_at <= timezone.now()):
            raise ValidationError(_("The sending has started; stop it on the mailing's page if you must."))
        mailing = mailing_cancel(council=council, actor=actor, mailing=locked.mailing)
        started = Delivery.objects.filter(mailing=mailing).exclude(state=Delivery.State.CANCELLED).exists()
        if not started:
            locked.mailing, locked.send_at, locked.confirmed_at, locked.confirmed_by = None, None, None, None
            locked.recipient_count, locked.left_out = 0, {}
            locked.save(update_fields=["mailing", "send_at", "confirmed_at", "confirmed_by", "recipient_count",
                                       "left_out"])
        audit_record(council=council, actor=actor, action="newsletter.cancel", target=locked,
                     detail={"mailing": mailing.pk, "back_to_draft": not started}, request=request)
    return locked
