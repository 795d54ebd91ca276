"""Profile questions as strata: the questions with population figures, and which category each
member falls in. Surveys (samples, weights) and events (quotas of a fair draw) both stand on
this, so it lives here, below them."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.common.db_arrays import int_rows
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




def category_codes(*, council, features: list[Feature], member_ids, today=None) -> np.ndarray:
    """Each member's category on each feature as an index into the feature's options (members
    x features, in the order of `member_ids`; -1 where the member has none), the same category
    `member_categories` gives. Two queries whatever the number of features, read as arrays
    (common.db_arrays): a sample's pool of a hundred thousand members is built without a Python
    object per member."""
    ids = np.asarray(member_ids, dtype=np.int64)
    codes = np.full((len(ids), len(features)), -1, dtype=np.int64)
    if not len(ids) or not features:
        return codes
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]

    def positions(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of `ids` that these member ids are at, and which of them are in `ids` at all."""
        at = np.clip(np.searchsorted(sorted_ids, members), 0, len(ids) - 1)
        found = sorted_ids[at] == members
        return order[at[found]], found

    kinds = {f.question.kind for f in features}
    if kinds & {ProfileQuestion.Kind.BIRTH_YEAR, ProfileQuestion.Kind.DISTRICT}:
        rows = int_rows(Member.objects.filter(council=council).order_by()
                        .values_list("pk", Coalesce("birth_year", -1), Coalesce("district_id", -1)))
        at, found = positions(rows[:, 0])
        birth_year, district = rows[found, 1], rows[found, 2]
        year = (today or timezone.localdate()).year
        for j, feature in enumerate(features):
            column = codes[at, j]
            if feature.question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
                age = year - birth_year
                for k, option in enumerate(feature.options):  # the first band an age falls in
                    inside = (birth_year >= 0) & (column < 0)
                    if option.min_age is not None:
                        inside &= age >= option.min_age
                    if option.max_age is not None:
                        inside &= age <= option.max_age
                    column[inside] = k
            elif feature.question.kind == ProfileQuestion.Kind.DISTRICT:
                for k, option in enumerate(feature.options):
                    if option.district_id:
                        column[district == option.district_id] = k
            else:
                continue
            codes[at, j] = column
    single = {o.pk: (j, k) for j, f in enumerate(features) if f.question.kind == ProfileQuestion.Kind.SINGLE
              for k, o in enumerate(f.options)}
    if single:
        rows = int_rows(MemberAnswer.objects.filter(option_id__in=list(single)).order_by()
                        .values_list("member_id", "option_id"))
        at, found = positions(rows[:, 0])
        options = rows[found, 1]
        lookup_j = np.vectorize(lambda o: single[o][0], otypes=[np.int64])
        lookup_k = np.vectorize(lambda o: single[o][1], otypes=[np.int64])
        if len(options):
            distinct, inverse = np.unique(options, return_inverse=True)
            feature_of, index_of = lookup_j(distinct)[inverse], lookup_k(distinct)[inverse]
            # A member with two answers to a single-choice question: the first option, as
            # member_categories orders them.
            best = np.full(codes.shape, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, (at, feature_of), index_of)
            chosen = best != np.iinfo(np.int64).max
            codes[chosen] = best[chosen]
    return codes
