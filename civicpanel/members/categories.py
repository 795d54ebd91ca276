"""Profile questions as strata: the questions with population figures, and which category each
member falls in. Surveys (samples, weights) and events (quotas of a fair draw) both stand on
this, so it lives here, below them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion

# Categories of these kinds exclude each other, so population shares add up to 100 %.
STRATIFY_KINDS = (ProfileQuestion.Kind.SINGLE, ProfileQuestion.Kind.BIRTH_YEAR, ProfileQuestion.Kind.DISTRICT)


PROFILES_STAMP = "members.profiles:{council_id}"


def profiles_changed(*, council_id: int) -> None:
    """Say that members' categories changed (answers, birth year, district, an erasure): what is
    computed from them and cached (weighted results) is computed afresh."""
    cache.set(PROFILES_STAMP.format(council_id=council_id), time.time_ns(), None)


def profiles_stamp(*, council_id: int) -> int:
    """A value that changes whenever members' categories change in this council."""
    key = PROFILES_STAMP.format(council_id=council_id)
    # A stamp the cache lost starts afresh: what was cached under an earlier one is not found again.
    cache.add(key, time.time_ns(), None)
    return cache.get(key, 0)


def active_profile_questions(*, council) -> list[ProfileQuestion]:
    return list(
        ProfileQuestion.objects.filter(council=council, active=True).prefetch_related("options").order_by("order", "id")
    )


@dataclass
class Feature:
    """A profile question with population figures: a stratum for samples and a margin for
    weights. `problem` says why it cannot be used (empty when it can)."""

    question: ProfileQuestion
    options: list[ProfileOption]
    figures: dict[int, int | None]
    problem: str = ""

    @property
    def key(self) -> str:
        return self.question.key

    @property
    def usable(self) -> bool:
        return not self.problem

    @property
    def population_total(self) -> int:
        return sum(v or 0 for v in self.figures.values())

    def population_share(self, option: ProfileOption) -> float | None:
        total = self.population_total
        count = self.figures.get(option.pk)
        return (count / total) if total and count is not None else None


def population_features(*, council) -> list[Feature]:
    """Profile questions (single choice, age band, district) with population figures, in the
    profile's order. A question with figures for some categories but not all, or figures adding
    up to 0, is returned with its problem, so pages can say why it is not used."""
    figures = dict(PopulationFigure.objects.filter(council=council).values_list("option_id", "count"))
    features = []
    for question in active_profile_questions(council=council):
        if question.kind not in STRATIFY_KINDS:
            continue
        options = list(question.options.all())
        if not any(o.pk in figures for o in options):
            continue
        feature = Feature(question=question, options=options, figures={o.pk: figures.get(o.pk) for o in options})
        missing = [o.text for o in options if o.pk not in figures]
        if missing:
            feature.problem = _("no population figure for %(options)s") % {"options": ", ".join(missing)}
        elif feature.population_total <= 0:
            feature.problem = _("the population figures add up to 0")
        features.append(feature)
    return features


def member_categories(*, council, feature: Feature, today=None) -> dict[int, int]:
    """Member id -> the option id they fall in on one feature (members without one are absent).
    One query, over the council's members."""
    question = feature.question
    result: dict[int, int] = {}
    if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
        year = (today or timezone.localdate()).year
        bands = [(o.min_age, o.max_age, o.pk) for o in feature.options]
        for member_id, birth_year in Member.objects.filter(council=council, birth_year__isnull=False).values_list(
            "pk", "birth_year"
        ):
            age = year - birth_year
            for low, high, option_id in bands:
                if (low is None or age >= low) and (high is None or age <= high):
                    result[member_id] = option_id
                    break
    elif question.kind == ProfileQuestion.Kind.DISTRICT:
        by_district = {o.district_id: o.pk for o in feature.options if o.district_id}
        for member_id, district_id in Member.objects.filter(council=council, district__isnull=False).values_list(
            "pk", "district_id"
        ):
            if district_id in by_district:
                result[member_id] = by_district[district_id]
    else:
        for member_id, option_id in MemberAnswer.objects.filter(
            question=question, member__council=council
        ).order_by("option__order", "option_id").values_list("member_id", "option_id"):
            result.setdefault(member_id, option_id)
    return result


