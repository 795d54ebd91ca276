"""A representative sample as a survey audience: the members who may be invited, stratified on
the profile questions that have population figures, drawn by `methods.selection.stratified_sample`.

The pool is the audience after everyone who must be left out (not active, no survey e-mails,
bounced, already invited, over the contact limit) has been removed, so the sample's shares are
shares of people who can really be asked. Members without an answer to a stratified question
cannot be placed in a stratum and are left out of the pool too (and counted).

With "adjust for expected response rates", each member's chance of answering is estimated from
their history and the sample size is in expected completes: more are invited where fewer answer.
The rule (documented in docs/surveys.md):

    rate = (answered + K x panel average) / (invited + K),  K = SHRINK_INVITATIONS

over the member's earlier invitations to the council's other surveys that have had their chance
(the survey has closed, or the invitation is at least HISTORY_DAYS old); the panel average is
the share answered over all such invitations. A member with no history gets the panel average;
one with a long history mostly their own share. Rates are kept at MIN_RATE or more.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.common.method_errors import method_error_text, problem_text
from civicpanel.members.categories import (  # noqa: F401 - also the surveys' names for them
    STRATIFY_KINDS,
    Feature,
    ProfileArrays,
    category_codes,
    member_categories,
    population_features,
)
from civicpanel.methods.errors import Problem
from civicpanel.methods.selection import Features, Pool, Quota, SelectionError, stratified_sample
from civicpanel.surveys.models import Invitation, Survey

SHRINK_INVITATIONS = 5
HISTORY_DAYS = 14
MIN_RATE = 0.02
MAX_SEED = 2**31 - 1
# Staff may stratify on any number of questions (the method switches to balanced sampling by
# the cube method beyond three); the first three with figures are proposed.
DEFAULT_FEATURES = 3


def new_seed() -> int:
    """A fresh random seed, shown to staff and stored with the wave so the draw can be repeated."""
    return secrets.randbelow(MAX_SEED)


def response_propensities(*, council, survey: Survey, member_ids: list[int],
                          now: datetime | None = None) -> tuple[dict[int, float], float | None]:
    """Each member's expected chance of answering (the rule in the module docstring), and the
    panel average; ({}, None) when the panel has no history to learn from."""
    now = now or timezone.now()
    had_chance = Q(survey__status=Survey.Status.CLOSED) | Q(invited_at__lte=now - timedelta(days=HISTORY_DAYS))
    history = (
        Invitation.objects.filter(had_chance, survey__council=council).exclude(survey=survey)
        .values("member_id").annotate(invited=Count("id"), answered=Count("id", filter=Q(completed_at__isnull=False)))
        .order_by()
    )
    per_member = {row["member_id"]: (row["invited"], row["answered"]) for row in history}
    invited = sum(i for i, _a in per_member.values())
    if not invited:
        return {}, None
    average = sum(a for _i, a in per_member.values()) / invited
    rates = {}
    for member_id in member_ids:
        n, answered = per_member.get(member_id, (0, 0))
        rate = (answered + SHRINK_INVITATIONS * average) / (n + SHRINK_INVITATIONS)
        rates[member_id] = min(1.0, max(MIN_RATE, rate))
    return rates, average


@dataclass
class SampleRequest:
    size: int
    seed: int
    adjust_for_response: bool = False
    # Profile question keys to stratify on; None: the first DEFAULT_FEATURES usable ones.
    features: tuple[str, ...] | None = None


class Inclusion(Mapping):
    """Member id -> inclusion probability over the whole pool, kept as two arrays (a pool of a
    million members is not a million dict entries)."""

    def __init__(self, ids: np.ndarray, probabilities: np.ndarray):
        order = np.argsort(ids, kind="stable")
        self._ids, self._p = ids[order], probabilities[order]

    def __getitem__(self, member_id) -> float:
        at = int(np.searchsorted(self._ids, member_id))
        if at >= len(self._ids) or self._ids[at] != member_id:
            raise KeyError(member_id)
        return float(self._p[at])

    def __iter__(self):
        return iter(self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)

    def values(self):
        return self._p.tolist()


@dataclass
class SampleDraw:
    """A drawn sample (or why it cannot be drawn: `errors`, then nothing is selected)."""

    request: SampleRequest
    features: list[Feature] = field(default_factory=list)
    skipped: list[Feature] = field(default_factory=list)
    pool_size: int = 0
    profile_incomplete: int = 0
    selected: list[int] = field(default_factory=list)
    inclusion: Mapping[int, float] = field(default_factory=dict)
    composition: list[dict] = field(default_factory=list)
    expected_completes: float | None = None
    average_rate: float | None = None
    adjusted: bool = False
    panels_mixed: int = 0
    design: str = "lottery"
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def inclusion_sum(self) -> float:
        return float(sum(self.inclusion.values()))

    def fingerprint(self) -> str:
        """A digest of who is invited (and nothing else): the confirmation page carries it, and
        the sending refuses a draw that differs from it (the panel changed in between)."""
        return hashlib.sha256(np.asarray(self.selected, dtype=np.int64).tobytes()).hexdigest()[:32]

    def record(self) -> dict:
        """What is stored with the wave and in the audit log: enough to repeat the draw."""
        return {
            "size": self.request.size, "seed": self.request.seed,
            "features": [f.key for f in self.features],
            "adjust_for_response": self.adjusted,
            "average_response_rate": self.average_rate,
            "pool": self.pool_size, "profile_incomplete": self.profile_incomplete,
            "invited": len(self.selected), "expected_completes": self.expected_completes,
            "method": "stratified", "design": self.design, "panels_mixed": self.panels_mixed,
            "drawn": [{"feature": row["feature"].key, "option": row["option"].code, "target": row["target"],
                       "drawn": row["drawn"]} for row in self.composition],
        }


def method_names(features: list[Feature]) -> tuple[dict[str, str], dict[int, str]]:
    """The names the selection method sees, and so its messages speak: question and category
    labels ("Year of birth 15–24: target ..."), or keys and codes where labels repeat."""
    names = {f.key: f.question.text for f in features}
    if len({n.casefold() for n in names.values()}) < len(names):
        names = {f.key: f.key for f in features}
    values: dict[int, str] = {}
    for f in features:
        labels = {o.pk: o.text for o in f.options}
        if len({v.casefold().strip() for v in labels.values()}) < len(labels):
            labels = {o.pk: o.code for o in f.options}
        values.update(labels)
    return names, values


def _shortfalls(features: list[Feature], codes: np.ndarray, rates: np.ndarray | None, size: int,
                names: dict[str, str], values: dict[int, str]) -> list[str]:
    """The method's own first check (a category's target completes above what its members can
    give), made before the method's lottery is built, so an impossible request is answered at
    once instead of after the whole design is computed. Same sentence as the method's error."""
    problems = []
    for j, feature in enumerate(features):
        total = feature.population_total
        k = len(feature.options)
        people = np.bincount(codes[:, j], minlength=k)
        can = np.bincount(codes[:, j], weights=rates, minlength=k) if rates is not None else people.astype(float)
        for index, option in enumerate(feature.options):
            target = (feature.figures[option.pk] or 0) / total * size
            if can[index] < target - 1e-9:
                problems.append(problem_text(Problem(
                    "", code="selection.shortfall", feature=names[feature.key], value=values[option.pk],
                    target=float(target), can=float(can[index]), people=int(people[index]))))
    return problems


def sample_draw(*, council, survey: Survey, member_ids: list[int], request: SampleRequest,
                now: datetime | None = None, profiles: ProfileArrays | None = None) -> SampleDraw:
    """Draw a stratified sample of `request.size` from `member_ids` (the audience after the
    left-out members are removed). Never raises for an impossible request: `errors` then holds
    the method's explanation and nothing is selected. `profiles`: the members' profiles already
    read (audience.AudiencePlan.profile_arrays), else they are read here.

    The same members, seed and profiles give the same sample: what a preview shows is what the
    sending invites, as long as the audience and their profiles have not changed in between
    (the sending checks that: `fingerprint`)."""
    draw = SampleDraw(request=request)
    all_features = population_features(council=council)
    usable = [f for f in all_features if f.usable]
    if request.features is None:
        draw.features = usable[:DEFAULT_FEATURES]
    else:
        draw.features = [f for f in usable if f.key in request.features]
    draw.skipped = [f for f in all_features if not f.usable]
    for feature in draw.skipped:
        if request.features is None or feature.key in request.features:
            draw.notes.append(_("%(question)s is not used: %(problem)s.") % {"question": feature.question.text,
                                                                             "problem": feature.problem})
    if not draw.features and usable:
        draw.errors.append(_("Choose at least one profile question to stratify on."))
        return draw
    if not draw.features:
        draw.errors.append(_("No profile question has complete population figures, so there is nothing to make "
                             "the sample representative of. An administrator can enter them under Population figures."))
        return draw
    if request.size < 1:
        draw.errors.append(_("The sample size must be at least 1."))
        return draw
    # Every member's category on every chosen question as numbers (members x questions), read
    # as arrays: no Python object per member, however big the panel.
    codes = category_codes(council=council, features=draw.features, member_ids=member_ids, arrays=profiles)
    complete = (codes >= 0).all(axis=1)
    pool, codes = np.asarray(member_ids, dtype=np.int64)[complete], codes[complete]
    draw.profile_incomplete = len(member_ids) - len(pool)
    draw.pool_size = len(pool)
    if draw.profile_incomplete:
        draw.notes.append(_("%(n)s members are left out of the pool because they have not answered every "
                            "profile question the sample is stratified on.") % {"n": draw.profile_incomplete})
    rates = None
    if request.adjust_for_response:
        propensities, average = response_propensities(council=council, survey=survey, member_ids=pool.tolist(),
                                                       now=now)
        if average is None:
            draw.notes.append(_("No earlier invitations to learn response rates from: the sample is drawn "
                                "without adjusting for them."))
        else:
            rates = np.array([propensities[m] for m in pool.tolist()], dtype=float)
            draw.average_rate, draw.adjusted = average, True
    if rates is None and request.size > len(pool):
        draw.errors.append(_("A sample of %(size)s cannot be drawn from a pool of %(pool)s members who can be "
                             "invited. Choose a smaller sample or a wider audience.")
                           % {"size": request.size, "pool": len(pool)})
        return draw
    names, values = method_names(draw.features)
    short = _shortfalls(draw.features, codes, rates, request.size, names, values)
    if short:
        draw.errors.append(_("The sample cannot match the population: the pool is too thin for these categories."))
        draw.errors += short
        return draw
    quotas = tuple(Quota(feature=names[f.key], value=values[o.pk], population=float(f.figures[o.pk] or 0))
                   for f in draw.features for o in f.options)
    try:
        features = Features(quotas)
        method_pool = Pool.from_codes(pool, codes, features, response_rates=rates)
        result = stratified_sample(method_pool, features, request.size, request.seed)
    except SelectionError as error:
        draw.errors.append(method_error_text(error))
        return draw
    if result.shortfalls:
        draw.errors.append(_("The sample cannot match the population: the pool is too thin for these categories."))
        draw.errors += [problem_text(p) for p in result.shortfalls]
        return draw
    by_name = {names[f.key]: f.key for f in draw.features}
    code_of = {(names[f.key], values[o.pk]): o.code for f in draw.features for o in f.options}
    draw.selected = sorted(int(i) for i in result.selected)
    draw.inclusion = Inclusion(np.asarray(result.ids, dtype=np.int64), np.asarray(result.inclusion, dtype=float))
    draw.expected_completes = float(result.expected_completes)
    draw.panels_mixed = int(result.panels_mixed)
    draw.design = result.design
    targets = {(by_name[f], code_of[f, v]): t for f, v, t in result.target}
    expected = {(by_name[f], code_of[f, v]): e for f, v, e in result.expected}
    drawn = {(by_name[f], code_of[f, v]): d for f, v, d in result.drawn}
    total = len(draw.selected)
    for j, feature in enumerate(draw.features):
        pool_counts = np.bincount(codes[:, j], minlength=len(feature.options))
        for index, option in enumerate(feature.options):
            key = (feature.key, option.code)
            in_pool = int(pool_counts[index])
            draw.composition.append({
                "feature": feature, "option": option,
                "population_share": feature.population_share(option),
                "pool": in_pool, "pool_share": in_pool / len(pool) if len(pool) else None,
                "target": round(targets[key], 2), "drawn": drawn[key],
                "drawn_share": drawn[key] / total if total else None,
                "expected": round(expected[key], 2),
            })
    return draw
