"""Reads for recruitment: the groups the panel lacks, letter conversion, letters by code."""

from __future__ import annotations

import datetime
from collections import Counter

from django.utils import timezone

from civicpanel.analysis.representativeness import representativeness
from civicpanel.panel.models import Campaign, ProfileOption, ProfileQuestion
from civicpanel.recruitment import codes
from civicpanel.recruitment.models import AddressExtract, CampaignPlan, Letter, RecruitmentSettings
from civicpanel.recruitment.sampling import Conversion

DEFAULT_CAMPAIGN_DAYS = 60


def group_prefix(question: ProfileQuestion) -> str | None:
    """The sampling dimension a profile question stands for, if the extract knows it."""
    if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
        return "age"
    if question.kind == ProfileQuestion.Kind.DISTRICT:
        return "district"
    if question.key == "gender":
        return "gender"
    return None


def recruitment_settings(*, council) -> RecruitmentSettings:
    found = RecruitmentSettings.objects.filter(council=council).first()
    return found or RecruitmentSettings(council=council)


def campaign_plan(*, council, campaign: Campaign) -> CampaignPlan:
    found = CampaignPlan.objects.filter(council=council, campaign=campaign).first()
    return found or CampaignPlan(council=council, campaign=campaign)


def group_lack(*, council) -> dict[str, float]:
    """Group key -> residents' share over the active panel's share (for the groups the extract
    knows: age bands, gender, districts). A group with no member gets infinity."""
    lack: dict[str, float] = {}
    for composition in representativeness(council=council).questions:
        prefix = group_prefix(composition.question)
        if prefix is None:
            continue
        for row in composition.rows:
            if row.population_share is None:
                continue
            key = f"{prefix}:{row.option.pk}"
            lack[key] = row.population_share / row.panel_share if row.panel_share else float("inf")
    return lack


def letter_conversion(*, council, batch=None) -> Conversion:
    """Letters and the members they brought (sign-ups with a code that were confirmed), per
    group key, over every batch of the council (or one)."""
    letters = Letter.objects.filter(council=council)
    if batch is not None:
        letters = letters.filter(batch=batch)
    sent: Counter[str] = Counter()
    joined: Counter[str] = Counter()
    total_sent = total_joined = 0
    for age, gender, district, confirmed in letters.values_list(
            "age_option_id", "gender_option_id", "district_option_id", "member__confirmed_at"):
        keys = [f"{p}:{o}" for p, o in (("age", age), ("gender", gender), ("district", district)) if o]
        total_sent += 1
        sent.update(keys)
        if confirmed is not None:
            total_joined += 1
            joined.update(keys)
    return Conversion(letters=dict(sent), members=dict(joined), total_letters=total_sent, total_members=total_joined)


def group_labels(*, council) -> dict[str, str]:
    """Group key -> the group's name ("Ages 15–24", "Woman", "Vigerslev")."""
    labels = {}
    options = ProfileOption.objects.filter(question__council=council).select_related("question")
    for option in options:
        prefix = group_prefix(option.question)
        if prefix == "age":
            from civicpanel.analysis.representativeness import group_label

            labels[f"age:{option.pk}"] = group_label(option.question, option)
        elif prefix:
            labels[f"{prefix}:{option.pk}"] = option.text
    return labels


def letter_by_code(*, council, typed: str = "", hashed: str = "") -> Letter | None:
    hashed = hashed or (codes.code_hash(typed) if codes.normalized(typed) else "")
    if not hashed:
        return None
    return (Letter.objects.filter(council=council, code_hash=hashed)
            .select_related("batch", "batch__campaign", "addressee").first())


def letter_status(letter: Letter, *, today: datetime.date | None = None) -> str:
    """usable, used or expired (valid to the end of the day staff set, in local time)."""
    if letter.used_at is not None:
        return "used"
    if (today or timezone.localdate()) > letter.batch.codes_expire_on:
        return "expired"
    return "usable"


def extract_delete_on(extract: AddressExtract, *, keep_days: int) -> datetime.date:
    """The day the extract's addresses are deleted: the campaign's end plus the days the council
    keeps extracts; a campaign without an end date counts as ending DEFAULT_CAMPAIGN_DAYS after
    the upload."""
    try:  # read through the relation, so that a list with select_related("campaign__plan") asks once
        plan = extract.campaign.plan
    except CampaignPlan.DoesNotExist:
        plan = None
    ends = plan.ends_on if plan and plan.ends_on else (
        timezone.localtime(extract.uploaded_at).date() + datetime.timedelta(days=DEFAULT_CAMPAIGN_DAYS))
    return ends + datetime.timedelta(days=keep_days)


def available_addressees(*, extract: AddressExtract):
    """The extract's addressees who have not had a letter yet."""
    return extract.addressees.filter(letters__isnull=True)


def latest_extract(*, council) -> AddressExtract | None:
    return AddressExtract.objects.filter(council=council, purged_at__isnull=True).select_related("campaign").first()
