"""Writes of the outreach app: waves, cancelling them, message texts, unsubscribes, bounces."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.common.bulk_insert import bulk_insert
from civicpanel.members.models import Member
from civicpanel.outreach import tasks
from civicpanel.outreach.models import Delivery, Mailing, MessageTemplate
from civicpanel.outreach.registry import LANGUAGES, get_message_type
from civicpanel.outreach.texts import message_language, text_problems

CHUNK = 900  # stays under SQLite's limit on query parameters
# A wave gets a second run (for a second worker) from this many recipients on: below it, one
# worker sends the wave in well under a minute.
PARALLEL_FROM = 1000


def _chunks(values: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def mailing_create(*, council, actor, message_type: str, member_ids: Iterable[int], reference: str = "",
                   reference_ids: dict[int, int] | None = None, extra_context: dict | None = None,
                   send_at: datetime.datetime | None = None) -> Mailing:
    """One wave of `message_type` to the given members, sent by the worker now or at `send_at`.

    One Delivery per member (a member listed twice gets one e-mail). reference_ids maps
    member id -> the caller's object id (e.g. its Invitation), which the message type's
    context provider receives as delivery.reference_id. extra_context holds non-personal
    values shared by the whole wave. Every call makes a new wave: callers that must be
    idempotent decide whom to include before calling.
    """
    get_message_type(message_type)  # unknown type: fail now, not in the worker
    ids = list(dict.fromkeys(int(pk) for pk in member_ids))
    owned: dict[int, str] = {}
    for chunk in _chunks(ids):
        owned.update(Member.objects.filter(council=council, pk__in=chunk).values_list("pk", "language"))
    if len(owned) != len(ids):
        raise ValidationError(_("%(count)d of the chosen members do not belong to this council.")
                              % {"count": len(ids) - len(owned)})
    extra = dict(extra_context or {})
    json.dumps(extra)  # must survive the database and the worker unchanged
    refs = {int(key): int(value) for key, value in (reference_ids or {}).items()}
    if send_at is not None and timezone.is_naive(send_at):
        raise ValueError("send_at must be an aware datetime")
    with transaction.atomic():
        mailing = Mailing.objects.create(council=council, message_type=message_type, reference=reference,
                                         extra_context=extra, send_at=send_at,
                                         created_by=actor if getattr(actor, "pk", None) else None)
        bulk_insert([Delivery(mailing=mailing, member_id=pk, reference_id=refs.get(pk),
                              language=message_language(council, owned[pk])) for pk in ids])
        audit_record(council=council, actor=actor, action="mailing.create", target=mailing, member_ids=ids,
                     detail={"message_type": message_type, "reference": reference, "recipients": len(ids),
                             "send_at": send_at.isoformat() if send_at else None})
        mailing_id = mailing.pk
        # A large wave gets several runs, so that every free worker takes a share of it.
        runs = min(settings.CIVICPANEL_MAIL_RUNS_PER_WAVE, -(-len(ids) // PARALLEL_FROM))
        transaction.on_commit(lambda: tasks.enqueue_send(mailing_id, run_after=send_at, runs=runs))
    return mailing


def mailing_cancel(*, council, actor, mailing: Mailing) -> Mailing:
    """Stop a wave: every delivery not yet handed to the mail server becomes cancelled.

    An e-mail already being sent at this moment still goes out; nothing else does.
    """
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk, council=council)
        if mailing.cancelled_at is not None:
            return mailing
        mailing.cancelled_at = timezone.now()
        mailing.save(update_fields=["cancelled_at"])
        # A row left in `sending` by a crashed worker (lease over) is not in flight: cancel it too.
        not_in_flight = Q(state=Delivery.State.QUEUED) | Q(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=mailing.cancelled_at),
            state=Delivery.State.SENDING)
        cancelled = Delivery.objects.filter(not_in_flight, mailing=mailing).update(
            state=Delivery.State.CANCELLED, claimed_until=None, claim_token="")
        audit_record(council=council, actor=actor, action="mailing.cancel", target=mailing,
                     detail={"cancelled": cancelled})
    return mailing


def message_template_save(*, council, actor, key: str, language: str, subject: str,
                          body: str) -> MessageTemplate:
    """Save the council's own text for one message type and language.

    Raises ValidationError (per field) for an unknown variable or a tag that is not allowed.
    """
    message_type = get_message_type(key)
    if language not in LANGUAGES:
        raise ValidationError(_("Unknown language."))
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        problems = text_problems(text, message_type.all_variables)
        if problems:
            errors[field] = problems
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        template, _created = MessageTemplate.objects.update_or_create(
            council=council, key=key, language=language,
            defaults={"subject": subject, "body": body,
                      "updated_by": actor if getattr(actor, "pk", None) else None},
        )
        audit_record(council=council, actor=actor, action="message_template.update", target=template,
                     detail={"key": key, "language": language})
    return template


def message_template_reset(*, council, actor, key: str, language: str) -> None:
    """Go back to the default text for one message type and language."""
    with transaction.atomic():
        deleted, _rows = MessageTemplate.objects.filter(council=council, key=key, language=language).delete()
        if deleted:
            audit_record(council=council, actor=actor, action="message_template.reset",
                         detail={"key": key, "language": language})


def delivery_unsubscribe(*, council, delivery: Delivery) -> Member:
    """The member behind an unsubscribe link no longer wants this kind of e-mail.

    Takes effect at once: the worker re-reads preferences before each batch, so waves
    already under way skip the member from their next batch on.
    """
    preference = get_message_type(delivery.mailing.message_type).preference
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=delivery.member_id, council=council)
        if preference and getattr(member, preference):
            setattr(member, preference, False)
            member.save(update_fields=[preference])
            audit_record(council=council, actor=None, action="member.unsubscribe", target=member,
                         member_ids=[member.pk],
                         detail={"preference": preference, "mailing": delivery.mailing_id})
    return member


def member_mark_bounced(*, council, member_id: int, source: str, detail: dict | None = None) -> bool:
    """Stop all mail to a member whose address is permanently refused. True if newly marked."""
    with transaction.atomic():
        marked = Member.objects.filter(pk=member_id, council=council, email_bounced=False).update(
            email_bounced=True)
        if marked:
            audit_record(council=council, actor=None, action="member.bounced", member_ids=[member_id],
                         detail={"source": source, **(detail or {})})
    return bool(marked)


def bounces_record(*, message_ids: Iterable[str], source: str = "dsn") -> int:
    """Mark as bounced the members whose deliveries had these Message-IDs (from DSN reports).

    Message-IDs are unique across the install, so the council comes from the delivery.
    Returns the number of members newly marked.
    """
    ids = [value.strip() for value in message_ids if value and value.strip()]
    marked = 0
    for delivery in Delivery.objects.filter(message_id__in=ids).select_related("mailing__council"):
        if member_mark_bounced(council=delivery.mailing.council, member_id=delivery.member_id, source=source,
                               detail={"message_id": delivery.message_id}):
            marked += 1
    return marked


def member_outreach_erase(member: Member) -> None:
    """Erasure (registered with members.erasure): drop everything that could tie an e-mail to
    the person. The delivery rows stay as anonymous counts of the waves."""
    Delivery.objects.filter(member=member, state__in=Delivery.OPEN_STATES).update(
        state=Delivery.State.CANCELLED, claimed_until=None, claim_token="")
    Delivery.objects.filter(member=member).update(
        message_id="", last_error="", unsubscribe_salt="", unsubscribe_hash=None)


def member_outreach_data(member: Member) -> dict[str, list[dict]]:
    """For the member's own data export: which e-mails the panel sent them, and when."""
    rows = (Delivery.objects.filter(member=member).select_related("mailing").order_by("mailing__created_at"))
    return {"emails": [
        {"kind": delivery.mailing.message_type, "created_at": delivery.mailing.created_at.isoformat(),
         "state": delivery.state, "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None}
        for delivery in rows
    ]}
