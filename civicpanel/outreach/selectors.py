"""Reads of the outreach app. Every function takes the council."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from civicpanel.common.security import token_hash
from civicpanel.common.sorting import ListSort, sort_queryset
from civicpanel.outreach.models import Delivery, Mailing, MessageTemplate
from civicpanel.outreach.registry import LANGUAGES, MessageType, message_types
from civicpanel.outreach.sending import unsubscribe_token

STATES = [state for state, _label in Delivery.State.choices]
REASONS = [reason for reason, _label in Delivery.SkipReason.choices]


@dataclass
class MailingStatus:
    """How far a wave has got: the number of deliveries in each state."""

    total: int = 0
    queued: int = 0
    sending: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.queued + self.sending

    @property
    def done(self) -> bool:
        return self.total > 0 and self.open == 0

    def rows(self) -> list[tuple[str, str, int]]:
        """(state, label, count) in the order the page shows them."""
        return [(state, label, getattr(self, state)) for state, label in Delivery.State.choices]

    def reason_rows(self) -> list[tuple[str, int]]:
        labels = dict(Delivery.SkipReason.choices)
        return [(labels[reason], count) for reason, count in self.skipped_by_reason.items() if count]


def _state_counts() -> dict:
    counts = {f"n_{state}": Count("deliveries", filter=Q(deliveries__state=state)) for state in STATES}
    counts.update({f"r_{reason}": Count("deliveries", filter=Q(deliveries__skip_reason=reason))
                   for reason in REASONS})
    return counts


def _status_from(row) -> MailingStatus:
    status = MailingStatus(**{state: getattr(row, f"n_{state}") for state in STATES})
    status.total = sum(getattr(row, f"n_{state}") for state in STATES)
    status.skipped_by_reason = {reason: getattr(row, f"r_{reason}") for reason in REASONS}
    return status


def mailings_with_status(*, council, reference: str | None = None, limit: int | None = None,
                         ids: list[int] | None = None) -> list[Mailing]:
    """The council's waves (with this reference, or these ids, if given), newest first, each with
    `.status` (a MailingStatus), in one query."""
    mailings = (Mailing.objects.filter(council=council).select_related("created_by").annotate(**_state_counts())
                .order_by("-created_at", "-id"))
    if reference is not None:
        mailings = mailings.filter(reference=reference)
    if ids is not None:
        mailings = mailings.filter(pk__in=ids)
    result = list(mailings[:limit] if limit else mailings)
    for mailing in result:
        mailing.status = _status_from(mailing)
    return result


# The mailing list's sortable columns (common.sorting): indexed fields, not the per-row counts.
MAILING_SORTS = {"created": ("created_at",), "kind": ("message_type", "created_at")}


def mailings_page(*, council, page_number, per_page: int = 50, sorting: ListSort | None = None) -> Page:
    """One page of the council's waves, newest first (or as sorted), each with `.status`: the
    page's rows only are counted, in one query."""
    # Explicitly ordered: a query with aggregates leaves the model's ordering out.
    mailings = (Mailing.objects.filter(council=council).select_related("created_by").annotate(**_state_counts())
                .order_by("-created_at", "-id"))
    if sorting is not None:
        mailings = sort_queryset(mailings, sorting, MAILING_SORTS)
    page = Paginator(mailings, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    for mailing in page.object_list:
        mailing.status = _status_from(mailing)
    return page


def mailing_get(*, council, mailing_id: int) -> Mailing:
    """One wave of the council with `.status`; Mailing.DoesNotExist for another council's."""
    mailing = (Mailing.objects.filter(council=council, pk=mailing_id).select_related("created_by")
               .annotate(**_state_counts()).get())
    mailing.status = _status_from(mailing)
    return mailing


def mailing_status(*, council, mailing: Mailing) -> MailingStatus:
    """Counts per state for one wave (for a status box on another app's page)."""
    return mailing_get(council=council, mailing_id=mailing.pk).status


def mailing_status_by_language(*, council, mailing: Mailing) -> list[tuple[str, MailingStatus]]:
    """Counts per state for each language group of one wave, in the council's language order,
    in one query. A delivery made before the language was kept counts in its member's group."""
    from civicpanel.outreach.texts import message_language

    rows = (Delivery.objects.filter(mailing=mailing, mailing__council=council)
            .values("language", "state", "skip_reason", "member__language").annotate(n=Count("id")).order_by())
    groups: dict[str, MailingStatus] = {}
    for row in rows:
        language = row["language"] or message_language(council, row["member__language"])
        status = groups.setdefault(language, MailingStatus(skipped_by_reason=dict.fromkeys(REASONS, 0)))
        setattr(status, row["state"], getattr(status, row["state"]) + row["n"])
        status.total += row["n"]
        if row["skip_reason"]:
            status.skipped_by_reason[row["skip_reason"]] += row["n"]
    order = council_message_languages(council)
    return sorted(groups.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]))


def deliveries_for(*, council, reference: str | None = None, mailing: Mailing | None = None) -> QuerySet[Delivery]:
    """The deliveries of the council's waves with this reference (or of one wave)."""
    deliveries = Delivery.objects.filter(mailing__council=council)
    if reference is not None:
        deliveries = deliveries.filter(mailing__reference=reference)
    if mailing is not None:
        deliveries = deliveries.filter(mailing=mailing)
    return deliveries


def delivery_for_unsubscribe(*, council, token: str) -> Delivery | None:
    """The delivery an unsubscribe link belongs to, or None for a wrong or foreign link."""
    if not token or len(token) > 100:
        return None
    delivery = (Delivery.objects.filter(unsubscribe_hash=token_hash(token), mailing__council=council)
                .select_related("mailing", "member").first())
    if delivery is None or not hmac.compare_digest(unsubscribe_token(delivery.pk, delivery.unsubscribe_salt), token):
        return None
    return delivery


def delivery_in_session(*, council, delivery_id) -> Delivery | None:
    """The delivery whose unsubscribe link was opened earlier in this browser, in this council."""
    if not isinstance(delivery_id, int):
        return None
    return (Delivery.objects.filter(pk=delivery_id, mailing__council=council)
            .select_related("mailing", "member").first())


@dataclass
class MessageTypeRow:
    message_type: MessageType
    customised: list[str]  # languages with the council's own text


def message_type_rows(*, council) -> list[MessageTypeRow]:
    own: dict[str, list[str]] = {}
    for key, language in MessageTemplate.objects.filter(council=council).values_list("key", "language"):
        own.setdefault(key, []).append(language)
    return [MessageTypeRow(message_type=t, customised=sorted(own.get(t.key, []))) for t in message_types() if t.editable]


def council_message_languages(council) -> list[str]:
    return [code for code in council.language_codes if code in LANGUAGES] or [council.default_language]


def message_template_get(*, council, key: str, language: str) -> MessageTemplate | None:
    return MessageTemplate.objects.filter(council=council, key=key, language=language).first()
