"""A member's data leaving the system: the export to its owner, and erasure on leaving.

Higher layers (surveys, events, budgeting, outreach) hold data about members too. They
take part without members importing them, by registering two functions once, in their
AppConfig.ready():

    from civicpanel.members.erasure import register_member_data_provider, register_eraser

    def survey_data(member) -> dict[str, list[dict]]:
        # section name -> rows of plain JSON values, e.g. {"survey_answers": [{...}, ...]}
        ...

    def survey_erase(member) -> None:
        # remove or anonymise everything that identifies the member; answers may stay
        # as anonymous rows (no member link, no free text that names them)
        ...

    register_member_data_provider(survey_data)
    register_eraser(survey_erase)

An eraser runs inside the erasure's transaction, before the member's own fields are
cleared, so it can still read them; if it raises, nothing is erased.

What erasure keeps: the Member row as an anonymous husk (council, status "left", language,
campaign, the join/confirm/leave dates), and its ConsentRecord rows (purpose, text version
and the SHA-256 of the text, language, time and channel: they record that processing had a
lawful basis while they were a member; the consent log is append-only, and without the
e-mail and name nobody can tell whose they were). Each erasure is also appended to the
erasure ledger (ids and time only), so that it can be applied again after a restore. Everything else that identifies the
person is cleared: e-mail, name, birth year, postal code, district, profile answers, the
free-text recruitment source, and all link tokens.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from civicpanel.common.ledger import MEMBER_ERASED, ledger_record
from civicpanel.members.categories import profiles_changed
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer
from civicpanel.panel.models import ProfileQuestion

DataProvider = Callable[[Member], dict]
Eraser = Callable[[Member], None]

_providers: list[DataProvider] = []
_erasers: list[Eraser] = []


def register_member_data_provider(func: DataProvider) -> DataProvider:
    """Add a function member -> {section: rows} to every member's data export (idempotent)."""
    if func not in _providers:
        _providers.append(func)
    return func


def register_eraser(func: Eraser) -> Eraser:
    """Add a function member -> None that erases the member's data in another app (idempotent)."""
    if func not in _erasers:
        _erasers.append(func)
    return func


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def member_data(member: Member) -> dict:
    """Everything the panel holds about the member, as plain JSON values."""
    council = member.council
    profile = []
    questions = ProfileQuestion.objects.filter(council=council).prefetch_related("options")
    answers: dict[int, list] = {}
    for answer in MemberAnswer.objects.filter(member=member).select_related("option"):
        answers.setdefault(answer.question_id, []).append(answer.option)
    for question in questions:
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            value = member.birth_year
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            value = member.district.name if member.district_id else None
        else:
            options = answers.get(question.pk, [])
            value = [o.text for o in options] if question.kind == ProfileQuestion.Kind.MULTI else (
                options[0].text if options else None)
        if value in (None, []) and not question.active:
            continue
        profile.append({"question": question.text, "key": question.key, "answer": value})
    if member.postal_code:
        profile.append({"question": "postal_code", "key": "postal_code", "answer": member.postal_code})
    consents = [
        {"version": record.text_version, "given_at": _iso(record.given_at), "purpose": record.purpose,
         "channel": record.channel, "language": record.language, "text_sha256": record.text_sha256,
         "text": record.version.text.get(record.language, "")}
        for record in ConsentRecord.objects.filter(member=member).select_related("version").order_by("given_at")
    ]
    data = {
        "council": council.name,
        "exported_at": _iso(timezone.now()),
        "member": {
            "id": member.pk,
            "email": member.email,
            "name": member.name,
            "postal_address": member.postal_address,
            "phone": member.phone,
            "language": member.language,
            "status": member.status,
            "joined_at": _iso(member.joined_at),
            "confirmed_at": _iso(member.confirmed_at),
            "last_active_at": _iso(member.last_active_at),
            "consent_given_at": _iso(member.consent_given_at),
            "recruited_by": member.campaign.name if member.campaign_id else (member.source or None),
            "wants_surveys": member.wants_surveys,
            "wants_events": member.wants_events,
            "wants_news": member.wants_news,
        },
        "profile": profile,
        "consents": consents,
    }
    for provider in _providers:
        for section, rows in (provider(member) or {}).items():
            data.setdefault(section, rows)
    return data


def member_data_rows(data: dict) -> list[tuple[str, str, str, object]]:
    """The export flattened for a CSV: (section, item, field, value) rows."""
    rows: list[tuple[str, str, str, object]] = []

    def flat(value: object) -> object:
        if isinstance(value, dict):
            return "; ".join(f"{k}: {v}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return "; ".join(str(v) for v in value)
        return value

    for section, content in data.items():
        if isinstance(content, dict):
            for field, value in content.items():
                rows.append((section, "", field, flat(value)))
        elif isinstance(content, list):
            for number, item in enumerate(content, start=1):
                if isinstance(item, dict):
                    for field, value in item.items():
                        rows.append((section, str(number), field, flat(value)))
                else:
                    rows.append((section, str(number), "", flat(item)))
        else:
            rows.append((section, "", "", content))
    return rows


def member_erase(*, member: Member, status: str = Member.Status.LEFT, now: datetime.datetime | None = None,
                 ledger: bool = True) -> Member:
    """Erase the member's personal data and leave an anonymous husk (see the module doc).

    Safe to call twice. Runs the registered erasers of the other apps in the same transaction,
    and appends the erasure to the erasure ledger when it commits (`ledger=False` when applying
    the ledger itself after a restore).
    """
    now = now or timezone.now()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        email = member.email
        for eraser in _erasers:
            eraser(member)
        MemberAnswer.objects.filter(member=member).delete()
        member.tokens.all().delete()
        member.email = None
        member.name = ""
        member.postal_address = ""
        member.phone = ""
        member.birth_year = None
        member.postal_code = ""
        member.district = None
        member.source = ""
        member.email_bounced = False
        member.wants_surveys = member.wants_events = member.wants_news = False
        member.status = status
        member.left_at = member.left_at or now
        member.renewal_reminded_at = None
        member.save(update_fields=[
            "email", "name", "postal_address", "phone", "birth_year", "postal_code", "district", "source", "email_bounced",
            "wants_surveys", "wants_events", "wants_news", "status", "left_at", "renewal_reminded_at",
        ])
        if email:
            _scrub_task_results(email)
        council_id = member.council_id
        transaction.on_commit(lambda: profiles_changed(council_id=council_id))
        if ledger:
            ledger_record(MEMBER_ERASED, council_id=member.council_id, member_ids=[member.pk], at=now)
    return member


def _scrub_task_results(email: str) -> None:
    """A failed mail task can keep the address in its stored traceback (an SMTP error
    message): delete such results so that leaving leaves no trace of the address."""
    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(traceback__icontains=email).delete()
