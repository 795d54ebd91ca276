"""Profile questions as strata: the questions with population figures, and which category each
member falls in. Surveys (samples, weights) and events (quotas of a fair draw) both stand on
this, so it lives here, below them."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import connections
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.common.db_arrays import int_rows
from civicpanel.members.filter_rows import profiles_version
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




def _narrow(values: np.ndarray) -> np.ndarray:
    """int32 when every value fits (ids, rows), else as they are."""
    if not len(values) or (values.min() >= -(2**31) and values.max() < 2**31):
        return values.astype(np.int32)
    return values


@dataclass
class ProfileArrays:
    """The profile data of a set of members as arrays, read once (common.db_arrays) for a page
    that looks at it more than once (the send page: the audience's composition, then a sample's
    pool): member ids in ascending order, each one's birth year and district (-1: none), and
    every answer to an active profile question as (row of its member, option id). Nothing per
    member is a Python object."""

    ids: np.ndarray
    birth_year: np.ndarray
    district: np.ndarray
    answer_rows: np.ndarray
    answer_options: np.ndarray
    _codes: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, *, council, member_ids=None, members: np.ndarray | None = None) -> ProfileArrays:
        """The arrays of `member_ids` (None: the whole council), or of `members`, rows of (id,
        birth year, district) already read with the audience. Two queries at most."""
        if members is None:
            members = int_rows(Member.objects.filter(council=council).order_by()
                               .values_list("pk", Coalesce("birth_year", -1), Coalesce("district_id", -1)))
            if member_ids is not None:
                members = members[np.isin(members[:, 0], np.asarray(member_ids, dtype=np.int64))]
        members = members[np.argsort(members[:, 0], kind="stable")]
        # Narrow types where the values allow (what a council's arrays take in memory is
        # about halved): birth years, and rows and option and district ids below 2**31.
        arrays = cls(ids=members[:, 0], birth_year=members[:, 1].astype(np.int16), district=_narrow(members[:, 2]),
                     answer_rows=np.zeros(0, dtype=np.int64), answer_options=np.zeros(0, dtype=np.int64))
        options = list(ProfileOption.objects.filter(question__council=council, question__active=True)
                       .values_list("pk", flat=True))
        if options and len(arrays.ids):
            answers = int_rows(MemberAnswer.objects.filter(option_id__in=options).order_by()
                               .values_list("member_id", "option_id"))
            rows, found = arrays.rows_of(answers[:, 0])
            arrays.answer_rows, arrays.answer_options = _narrow(rows), _narrow(answers[found, 1])
        return arrays

    def rows_of(self, member_ids) -> tuple[np.ndarray, np.ndarray]:
        """The rows of these member ids, and which of them are here at all (a mask over them)."""
        members = np.asarray(member_ids, dtype=np.int64)
        if not len(self.ids):
            return np.zeros(0, dtype=np.int64), np.zeros(len(members), dtype=bool)
        at = np.clip(np.searchsorted(self.ids, members), 0, len(self.ids) - 1)
        found = self.ids[at] == members
        return at[found], found

    def has_all(self, member_ids) -> bool:
        return bool(self.rows_of(member_ids)[1].all())

    def codes(self, features: list[Feature], today=None) -> np.ndarray:
        """category_codes for every member here, in the order of `ids`. Worked out once per
        set of features and year (the arrays do not change once read; staff draw again and
        again on the same questions)."""
        year = (today or timezone.localdate()).year
        key = (year, tuple((f.question.pk, f.question.kind, tuple((o.pk, o.min_age, o.max_age, o.district_id)
                                                                  for o in f.options)) for f in features))
        if key not in self._codes:
            if len(self._codes) >= 4:
                self._codes.clear()
            codes = self._codes_of(features, year)
            # Indexes into a question's options (-1: none) fit in 16 bits.
            self._codes[key] = codes.astype(np.int16) if len(codes) and codes.max() < 2**15 else codes
        return self._codes[key]

    def _codes_of(self, features: list[Feature], year: int) -> np.ndarray:
        codes = np.full((len(self.ids), len(features)), -1, dtype=np.int64)
        for j, feature in enumerate(features):
            column = codes[:, j]
            if feature.question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
                age = year - self.birth_year
                for k, option in enumerate(feature.options):  # the first band an age falls in
                    inside = (self.birth_year >= 0) & (column < 0)
                    if option.min_age is not None:
                        inside &= age >= option.min_age
                    if option.max_age is not None:
                        inside &= age <= option.max_age
                    column[inside] = k
            elif feature.question.kind == ProfileQuestion.Kind.DISTRICT:
                for k, option in enumerate(feature.options):
                    if option.district_id:
                        column[self.district == option.district_id] = k
        single = {o.pk: (j, k) for j, f in enumerate(features) if f.question.kind == ProfileQuestion.Kind.SINGLE
                  for k, o in enumerate(f.options)}
        if single and len(self.answer_options):
            # Option ids are few and small: a table from option id to (feature, index) is read
            # once per answer, with no sort of the answers.
            size = max(int(self.answer_options.max()), max(single)) + 1
            feature_of = np.full(size, -1, dtype=np.int64)
            index_of = np.zeros(size, dtype=np.int64)
            for option_id, (j, k) in single.items():
                feature_of[option_id], index_of[option_id] = j, k
            wanted = feature_of[self.answer_options]
            chosen = wanted >= 0
            rows, columns, indices = self.answer_rows[chosen], wanted[chosen], index_of[self.answer_options[chosen]]
            # A member with two answers to a single-choice question: the first option, as
            # member_categories orders them (the smallest index; on the flattened matrix, which
            # numpy's minimum.at goes through fastest).
            best = np.full(codes.size, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, rows.astype(np.int64) * len(features) + columns, indices)
            found = best != np.iinfo(np.int64).max
            codes.reshape(-1)[found] = best[found]
        return codes

    def counts(self, member_ids=None) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
        """The members here (or those of `member_ids`) counted per option answered, per district
        and per birth year."""
        members = answers = slice(None)
        if member_ids is not None:
            inside = np.zeros(len(self.ids), dtype=bool)
            inside[self.rows_of(member_ids)[0]] = True
            members, answers = inside, inside[self.answer_rows]

        def counted(values: np.ndarray) -> dict[int, int]:
            values = values[values >= 0]
            if not len(values):
                return {}
            n = np.bincount(values)
            found = np.flatnonzero(n)
            return dict(zip(found.tolist(), n[found].tolist(), strict=True))

        return (counted(self.answer_options[answers]), counted(self.district[members]),
                counted(self.birth_year[members]))


# The whole council's profile arrays, kept in this process for the send page: at a million
# members reading them (five million answers) takes seconds, and staff preview a sample again
# and again while choosing. Kept under a key that changes whenever what they hold can have
# changed: the profile stamp (every profile change and erasure renews it), the council's
# profile version (members.filter_rows: the database gives a new one to every member added and
# every change of a birth year, district or profile option, whatever wrote it) and the active
# options; and for KEEP_SECONDS at most. 57 MB for a million members with 5.3
# million answers; the last KEEP_COUNCILS councils are kept.
KEEP_SECONDS = 600
KEEP_COUNCILS = 2
_kept: OrderedDict[int, tuple[tuple, float, ProfileArrays]] = OrderedDict()
_kept_lock = threading.Lock()


def council_profiles(*, council) -> ProfileArrays:
    """Every member of the council as ProfileArrays, from this process's memory when nothing
    they are read from has changed since; else read (two queries) and kept."""
    if connections[Member.objects.db].vendor != "postgresql":
        # Elsewhere (SQLite in tests and development) ids are used again after a rollback, so
        # the key below would not tell two panels apart: read afresh each time.
        return ProfileArrays.read(council=council)
    options = tuple(ProfileOption.objects.filter(question__council=council, question__active=True)
                    .order_by("pk").values_list("pk", flat=True))
    # Read before the arrays: a change committed in between gives the next view a new key.
    key = (profiles_stamp(council_id=council.pk), options, profiles_version(council_id=council.pk))
    with _kept_lock:
        kept = _kept.get(council.pk)
    if kept is not None and kept[0] == key and time.monotonic() - kept[1] < KEEP_SECONDS:
        return kept[2]
    arrays = ProfileArrays.read(council=council)
    with _kept_lock:
        _kept[council.pk] = (key, time.monotonic(), arrays)
        _kept.move_to_end(council.pk)
        while len(_kept) > KEEP_COUNCILS:
            _kept.popitem(last=False)
    return arrays


def category_codes(*, council, features: list[Feature], member_ids, today=None,
                   arrays: ProfileArrays | None = None) -> np.ndarray:
    """Each member's category on each feature as an index into the feature's options (members
    x features, in the order of `member_ids`; -1 where the member has none), the same category
    `member_categories` gives. Read as arrays (ProfileArrays, two queries whatever the number of
    features), or taken from `arrays` already read for these members: a sample's pool of a
    million members is built without a Python object per member."""
    ids = np.asarray(member_ids, dtype=np.int64)
    codes = np.full((len(ids), len(features)), -1, dtype=np.int64)
    if not len(ids) or not features:
        return codes
    if arrays is None:
        arrays = ProfileArrays.read(council=council, member_ids=ids)
    rows, found = arrays.rows_of(ids)
    codes[found] = arrays.codes(features, today=today)[rows]
    return codes
