"""Residents who are not panel members take part in a round by confirming an e-mail address and
giving their postal code and birth year (eligibility checked as at sign-up: a postal code of the
council, old enough for the round).

The confirmation link is a token derived from the secret key, the row id and a salt
(`common.security.derived_token`); the database keeps its hash, the task rebuilds it at send time.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicpanel.audit.services import audit_record
from civicpanel.budgeting.models import Resident, Round
from civicpanel.common.mail import absolute_url, deliver
from civicpanel.common.security import derived_token, new_salt, token_hash
from civicpanel.members.models import Member

PURPOSE = "pb-resident"
LINK_HOURS = 24
# A link that opens a resident's own data (to download or erase it) is a login link: 15 minutes.
ACCESS_MINUTES = 15


def _district_for(council, rnd: Round, postal_code: str, district):
    districts = [d for d in council.districts.all() if postal_code in (d.postal_codes or [])]
    if not districts:
        raise ValidationError({"postal_code": _("This postal code is not in %(council)s. The round is for its "
                                                "residents.") % {"council": council.name}})
    if district is not None:
        if district not in districts:
            raise ValidationError({"district": _("This district does not match your postal code.")})
        return district
    return districts[0] if len(districts) == 1 else None


def resident_request(*, council, round: Round, email: str, postal_code: str, birth_year: int, district=None,
                     language: str = "da", wants_updates: bool = False) -> Resident:
    """Check eligibility and send a confirmation link. A panel member is asked to log in instead
    (one person, one vote)."""
    if not round.allow_residents or not round.published:
        raise ValidationError(_("This round does not take part by e-mail."))
    email = email.strip().lower()
    postal_code = postal_code.strip()
    today = timezone.localdate()
    if not 1900 <= birth_year <= today.year:
        raise ValidationError({"birth_year": _("Give your year of birth, for example 1985.")})
    if today.year - birth_year < round.min_age:
        raise ValidationError({"birth_year": _("You must be at least %(age)s years old to take part in this round.")
                               % {"age": round.min_age}})
    district = _district_for(council, round, postal_code, district)
    if Member.objects.by_email(email, council=council).filter(status__in=["active", "paused"]).exists():
        raise ValidationError({"email": _("This address belongs to a member of the citizen panel: log in as a "
                                          "member to take part.")})
    with transaction.atomic():
        resident = Resident.objects.by_email(email, council=council).select_for_update().first()
        if resident is None:
            resident = Resident.objects.create(council=council, email=email)
        # A row found by the index may have been erased (only the index kept): the address comes back.
        resident.email = email
        resident.postal_code, resident.birth_year, resident.language = postal_code, birth_year, language
        resident.district = district
        resident.wants_updates = wants_updates
        resident.token_salt = new_salt()
        resident.token_hash = token_hash(derived_token(PURPOSE, resident.pk, resident.token_salt))
        resident.token_expires_at = timezone.now() + datetime.timedelta(hours=LINK_HOURS)
        resident.save()
        audit_record(council=council, actor=None, action="pb.resident.request", target=resident)
        transaction.on_commit(lambda: resident_link_send.enqueue(resident.pk, round.pk))
    return resident


def resident_confirm(*, council, hashed: str) -> Resident | None:
    """The resident a live link (given by its hash) belongs to, now confirmed (the link is used
    up); None otherwise."""
    if not hashed:
        return None
    with transaction.atomic():
        resident = Resident.objects.select_for_update().filter(council=council, token_hash=hashed).first()
        if resident is None or not resident.token_expires_at or resident.token_expires_at < timezone.now():
            return None
        resident.returning = resident.confirmed_at is not None  # an access link, not a first confirmation
        resident.confirmed_at = resident.confirmed_at or timezone.now()
        resident.token_hash, resident.token_salt, resident.token_expires_at = "", "", None
        resident.save()
        audit_record(council=council, actor=None, action="pb.resident.confirm", target=resident)
    return resident


def resident_link_find(*, council, token: str) -> Resident | None:
    """The resident whose link this is (live or expired); None for a token nobody was sent."""
    if not token or len(token) > 100:
        return None
    return Resident.objects.filter(council=council, token_hash=token_hash(token)).first()


def resident_link_usable(*, council, hashed: str) -> bool:
    if not hashed:
        return False
    resident = Resident.objects.filter(council=council, token_hash=hashed).first()
    return bool(resident and resident.token_expires_at and resident.token_expires_at >= timezone.now())


def resident_updates_set(*, resident: Resident, wants_updates: bool) -> None:
    Resident.objects.filter(pk=resident.pk).update(wants_updates=wants_updates)
    audit_record(council=resident.council, actor=None, action="pb.resident.updates", target=resident,
                 detail={"wants_updates": wants_updates})


def resident_for_session(*, council, resident_id) -> Resident | None:
    try:
        resident_id = int(resident_id)
    except (TypeError, ValueError):
        return None
    return (Resident.objects.select_related("council", "district")
            .filter(council=council, pk=resident_id, confirmed_at__isnull=False).first())


def resident_access_request(*, council, round: Round, email: str) -> None:
    """A resident who took part asks for a link to their own data (to download it, erase it, or
    stop the status e-mails). A confirmed address gets a link that works once, for 15 minutes;
    any other address gets nothing, and the caller cannot tell the difference."""
    with transaction.atomic():
        resident = (Resident.objects.by_email(email, council=council).select_for_update()
                    .filter(confirmed_at__isnull=False).first())
        if resident is None or not resident.email:
            return
        resident.token_salt = new_salt()
        resident.token_hash = token_hash(derived_token(PURPOSE, resident.pk, resident.token_salt))
        resident.token_expires_at = timezone.now() + datetime.timedelta(minutes=ACCESS_MINUTES)
        resident.save(update_fields=["token_salt", "token_hash", "token_expires_at"])
        audit_record(council=council, actor=None, action="pb.resident.access_request", target=resident)
        transaction.on_commit(lambda: resident_link_send.enqueue(resident.pk, round.pk, "access"))


@task(queue_name="mail")
def resident_link_send(resident_id: int, round_id: int, kind: str = "confirm") -> None:
    """The confirmation e-mail, or ("access") the link to one's own data."""
    if kind not in ("confirm", "access"):
        raise ValueError(f"unknown resident mail kind {kind!r}")
    resident = Resident.objects.select_related("council").filter(pk=resident_id).first()
    rnd = Round.objects.filter(pk=round_id).first()
    if resident is None or rnd is None or not resident.token_salt or not resident.email:
        return
    council = resident.council
    token = derived_token(PURPOSE, resident.pk, resident.token_salt)
    link = absolute_url(council, reverse("budgeting:resident_confirm", args=[rnd.pk, token]))
    language = resident.language if resident.language in council.language_codes else council.default_language
    with translation.override(language):
        context = {"council": council, "round": rnd, "link": link, "hours": LINK_HOURS, "minutes": ACCESS_MINUTES}
        subject = " ".join(render_to_string(f"budgeting/email/{kind}_subject.txt", context).split())
        body = render_to_string(f"budgeting/email/{kind}.txt", context)
    deliver(council=council, to=resident.email, subject=subject, body=body)
