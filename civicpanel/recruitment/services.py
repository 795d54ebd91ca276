"""Writes for recruitment: extracts, letter batches, sign-up with a letter code, campaign cost,
the council's settings, and deleting extracts after their campaign."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from civicpanel.audit.services import audit_record
from civicpanel.common.security import new_salt
from civicpanel.members.models import Member
from civicpanel.members.services import MEMBER_ACTOR, SYSTEM_ACTOR, member_signup
from civicpanel.panel.models import Campaign, ConsentVersion, ProfileQuestion
from civicpanel.recruitment import codes, selectors
from civicpanel.recruitment.extracts import ExtractReport, extract_check, group_counts
from civicpanel.recruitment.letter_files import letter_files_purge
from civicpanel.recruitment.models import (
    Addressee,
    AddressExtract,
    CampaignPlan,
    Letter,
    LetterBatch,
    RecruitmentSettings,
)
from civicpanel.recruitment.sampling import (
    Person,
    allocate,
    cell_weights,
    conversion_rates,
    draw,
    draw_planned,
    group_keys,
)

LETTER_SOURCE = "letter"


class ExtractRefused(Exception):
    def __init__(self, report: ExtractReport):
        super().__init__(report.file_error or "the extract has lines with errors")
        self.report = report


class BatchRefused(Exception):
    """A letter batch that cannot be made (the extract is deleted or has nobody left)."""


class LetterCodeUnusable(Exception):
    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


# --- Campaigns ----------------------------------------------------------------------------------

def letter_campaign_create(*, council, actor, name: str, ends_on: datetime.date | None, request=None) -> Campaign:
    """A new campaign of the letter channel, with a code made from its name."""
    base = slugify(name)[:32] or "letters"
    code, n = base, 1
    while Campaign.objects.filter(council=council, code=code).exists():
        n += 1
        code = f"{base}-{n}"
    with transaction.atomic():
        campaign = Campaign.objects.create(council=council, code=code, name=name.strip()[:200],
                                           channel=Campaign.Channel.LETTER)
        CampaignPlan.objects.create(council=council, campaign=campaign, ends_on=ends_on)
        audit_record(council=council, actor=actor, action="campaign.add", target=campaign,
                     detail={"code": code, "channel": campaign.channel}, request=request)
    return campaign


def campaign_plan_save(*, council, actor, campaign: Campaign, ends_on: datetime.date | None,
                       cost: Decimal | None, request=None) -> CampaignPlan:
    with transaction.atomic():
        plan, _created = CampaignPlan.objects.get_or_create(council=council, campaign=campaign)
        plan.ends_on = ends_on
        plan.cost = cost
        plan.save(update_fields=["ends_on", "cost"])
        audit_record(council=council, actor=actor, action="campaign.plan", target=campaign,
                     detail={"ends_on": ends_on.isoformat() if ends_on else None,
                             "cost": str(cost) if cost is not None else None}, request=request)
    return plan


def recruitment_settings_save(*, council, actor, extract_keep_days: int, warning_percent: int,
                              return_address: str = "", request=None) -> RecruitmentSettings:
    with transaction.atomic():
        found, _created = RecruitmentSettings.objects.get_or_create(council=council)
        found.extract_keep_days = extract_keep_days
        found.warning_percent = warning_percent
        found.return_address = (return_address or "").strip()[:200]
        found.save(update_fields=["extract_keep_days", "warning_percent", "return_address"])
        audit_record(council=council, actor=actor, action="recruitment.settings", target=found,
                     detail={"extract_keep_days": extract_keep_days, "warning_percent": warning_percent},
                     request=request)
    return found


# --- Address extracts ---------------------------------------------------------------------------

def extract_upload(*, council, actor, campaign: Campaign, data: bytes, filename: str,
                   request=None) -> AddressExtract:
    """Store the extract if every line is right; otherwise store nothing and raise
    ExtractRefused with the line-by-line report."""
    report = extract_check(council=council, data=data, filename=filename)
    if not report.ok:
        raise ExtractRefused(report)
    with transaction.atomic():
        extract = AddressExtract.objects.create(council=council, campaign=campaign, uploaded_by=actor,
                                                row_count=len(report.lines),
                                                group_counts=group_counts(report.lines))
        Addressee.objects.bulk_create([
            Addressee(council=council, extract=extract, line_number=line.number, name=line.name,
                      address=line.address, postal_code=line.postal_code, town=line.town,
                      birth_year=str(line.birth_year), gender=line.gender, reference=line.reference,
                      age_option_id=line.age_option_id, gender_option_id=line.gender_option_id,
                      district_option_id=line.district_option_id)
            for line in report.lines
        ], batch_size=1000)
        audit_record(council=council, actor=actor, action="recruitment.extract_upload", target=extract,
                     detail={"campaign": campaign.code, "addressees": len(report.lines)}, request=request)
    return extract


def extract_purge(*, extract: AddressExtract, actor, now: datetime.datetime | None = None) -> int:
    """Delete the extract's addresses, keep its counts (and the letters' groups). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        extract = AddressExtract.objects.select_for_update().get(pk=extract.pk)
        if extract.purged_at is not None:
            return 0
        deleted, _per_model = Addressee.objects.filter(extract=extract).delete()
        files = letter_files_purge(council=extract.council, extract=extract)
        extract.purged_at = now
        extract.save(update_fields=["purged_at"])
        audit_record(council=extract.council, actor=actor, action="recruitment.extract_purge", target=extract,
                     detail={"addressees": deleted, "letter_files": files, "kept": extract.group_counts})
    return deleted


@dataclass
class PurgeReport:
    extracts: dict[str, int] = field(default_factory=dict)
    addressees: dict[str, int] = field(default_factory=dict)


def extracts_purge_due(*, now: datetime.datetime | None = None, councils=None) -> PurgeReport:
    """Delete every extract whose campaign ended more than the council's keep days ago."""
    from civicpanel.tenancy.models import Council

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    report = PurgeReport()
    for council in councils if councils is not None else Council.objects.all():
        letter_files_purge(council=council, now=now)
        keep = selectors.recruitment_settings(council=council).extract_keep_days
        for extract in AddressExtract.objects.filter(council=council, purged_at__isnull=True):
            if selectors.extract_delete_on(extract, keep_days=keep) < today:
                deleted = extract_purge(extract=extract, actor=SYSTEM_ACTOR, now=now)
                report.extracts[council.slug] = report.extracts.get(council.slug, 0) + 1
                report.addressees[council.slug] = report.addressees.get(council.slug, 0) + deleted
    return report


# --- Letter batches -----------------------------------------------------------------------------

def _people(extract: AddressExtract) -> list[Person]:
    rows = selectors.available_addressees(extract=extract).values_list(
        "pk", "age_option_id", "gender_option_id", "district_option_id")
    return [Person(id=pk, cell=(age, gender, district)) for pk, age, gender, district in rows]


def _summary(people: list[Person], chosen_keys: dict[int, list[str]]) -> list[dict]:
    """Per group: addressees available, letters, and the realised over-sampling factor (the
    group's share of the letters over its share of the addressees; 1: no over-sampling)."""
    available: dict[str, int] = {}
    for person in people:
        for key in group_keys(person.cell):
            available[key] = available.get(key, 0) + 1
    letters: dict[str, int] = {}
    for keys in chosen_keys.values():
        for key in keys:
            letters[key] = letters.get(key, 0) + 1
    sent = len(chosen_keys)
    return [{"key": key, "available": available[key], "letters": letters.get(key, 0),
             "factor": round((letters.get(key, 0) / sent) / (available[key] / len(people)), 3) if sent else 0.0}
            for key in sorted(available)]


def batch_create(*, council, actor, extract: AddressExtract, method: str, size: int | None, language: str,
                 layout: str, codes_expire_on: datetime.date, plan: list[tuple[str, int]] | None = None,
                 seed: int | None = None, request=None) -> LetterBatch:
    """Choose the addressees (all, a proportional or an over-sampled random sample, or the
    refresh plan's groups) among those without a letter yet, and give each a letter with a code."""
    if extract.purged_at is not None:
        raise BatchRefused("deleted")
    seed = seed if seed is not None else secrets.randbelow(2**62)
    people = _people(extract)
    if not people:
        raise BatchRefused("empty")
    if method == LetterBatch.Method.PLANNED:
        pairs, _drawn = draw_planned(people, plan or [], seed=seed)
        chosen = [(person, key) for person, key in pairs]
    else:
        if method == LetterBatch.Method.ALL:
            picked = people
        else:
            sizes: dict = {}
            for person in people:
                sizes[person.cell] = sizes.get(person.cell, 0) + 1
            if method == LetterBatch.Method.OVERSAMPLED:
                lack = selectors.group_lack(council=council)
                conversion = selectors.letter_conversion(council=council)
                rates = conversion_rates(conversion)
                weights = cell_weights(sizes, lack=lack, rates=rates, overall=conversion.overall)
            else:
                weights = {cell: 1.0 for cell in sizes}
            picked = draw(people, allocate(sizes, weights, size or 0), seed=seed)
        chosen = [(person, "") for person in picked]
    if not chosen:
        raise BatchRefused("empty")
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            council=council, campaign=extract.campaign, extract=extract, created_by=actor, language=language,
            layout=layout, method=method, codes_expire_on=codes_expire_on, seed=seed)
        letters = Letter.objects.bulk_create([
            Letter(council=council, batch=batch, addressee_id=person.id, group_key=key, age_option_id=person.cell[0],
                   gender_option_id=person.cell[1], district_option_id=person.cell[2], salt=new_salt())
            for person, key in chosen
        ], batch_size=1000)
        if not all(letter.pk for letter in letters):  # a backend without RETURNING: read them back
            letters = list(Letter.objects.filter(batch=batch))
        for letter in letters:
            letter.code_hash = codes.code_hash(codes.letter_code(letter.pk, letter.salt))
        Letter.objects.bulk_update(letters, ["code_hash"], batch_size=1000)
        batch.allocation = _summary(people, {p.id: group_keys(p.cell) for p, _key in chosen})
        batch.save(update_fields=["allocation"])
        audit_record(council=council, actor=actor, action="recruitment.batch_create", target=batch,
                     detail={"extract": extract.pk, "method": method, "letters": len(letters), "seed": seed},
                     request=request)
    return batch


# --- Sign-up with a letter code -----------------------------------------------------------------

def letter_prefill(*, council, letter: Letter) -> dict:
    """What the extract knows, as initial values of the sign-up form: birth year and district
    (gender is left to the resident: the register's entry need not be how they describe themselves)."""
    addressee = letter.addressee
    if addressee is None:
        return {}
    values: dict = {}
    for question in ProfileQuestion.objects.filter(council=council, active=True).prefetch_related("options"):
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR and addressee.birth_year.isdigit():
            values[question.key] = int(addressee.birth_year)
        elif question.kind == ProfileQuestion.Kind.DISTRICT and addressee.district_option_id:
            option = next((o for o in question.options.all() if o.pk == addressee.district_option_id), None)
            if option is not None:
                values[question.key] = option.code
    return values


def letter_signup(*, council, hashed: str, email: str, name: str, language: str, profile_values: dict,
                  consent_version: ConsentVersion) -> Member:
    """Sign up with a letter's code: the member comes from the letter's campaign, and the code
    is used up. Raises LetterCodeUnusable (used, expired, unknown), changing nothing.

    For an address already in the panel, members.services answers as for any sign-up (an
    e-mail to its owner); the code is still used up, so the page says the same either way, but
    the letter does not count as bringing that member."""
    with transaction.atomic():
        letter = (Letter.objects.select_for_update().filter(council=council, code_hash=hashed)
                  .select_related("batch", "batch__campaign").first()) if hashed else None
        if letter is None:
            raise LetterCodeUnusable("invalid")
        status = selectors.letter_status(letter)
        if status != "usable":
            raise LetterCodeUnusable(status)
        existed = Member.objects.by_email(email, council=council).exists()
        member = member_signup(council=council, email=email, name=name, language=language,
                               profile_values=profile_values, consent_version=consent_version,
                               campaign=letter.batch.campaign, source=LETTER_SOURCE)
        letter.used_at = timezone.now()
        letter.member = None if existed else member
        letter.save(update_fields=["used_at", "member"])
        audit_record(council=council, actor=MEMBER_ACTOR, action="recruitment.letter_code_used", target=letter,
                     member_ids=[] if existed else [member.pk], detail={"batch": letter.batch_id})
    return member
