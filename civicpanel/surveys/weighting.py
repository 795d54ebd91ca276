"""Weighted results: completed respondents raked to the population margins of the profile
questions with figures (`methods.weighting.rake`), starting from the design weights (1 / the
inclusion probability) when members were invited as a sample; then weighted shares and means
with 95 % confidence intervals (`methods.estimation`), and breakdowns with the < 5 suppression
(`methods.disclosure`, applied by the estimation functions).

A feature that cannot be raked is not silently dropped: a page shows which and why, in the
weighting method's own words. An age band (ordered) without respondents is merged with its
neighbour; any other category without respondents puts its question out of the weighting.

Anonymous surveys, once closed, keep no link from answers to members and surveys keeps no
profile categories with the answers, so they cannot be weighted (the page says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from civicpanel.common.formatting import percent
from civicpanel.members.categories import STRATIFY_KINDS, Feature, population_features
from civicpanel.members.models import ProfileQuestion
from civicpanel.methods.estimation import (
    calibration_from_weights,
    estimate_mean,
    estimate_multiple,
    estimate_shares,
)
from civicpanel.methods.weighting import (
    EmptyCategoryError,
    Margin,
    NotConvergedError,
    WeightingError,
    WeightingResult,
    rake,
)
from civicpanel.surveys.charts import bar_chart
from civicpanel.surveys.models import Answer, Question, Response, Survey
from civicpanel.surveys.results import MIN_GROUP, respondent_categories
from civicpanel.surveys.sampling import method_names

CONFIDENCE = 0.95


@dataclass
class Margined:
    """One feature as raked: categories (after merging), their population counts, and each
    respondent's category index."""

    feature: Feature
    name: str
    labels: list[str]
    counts: list[float]
    codes: np.ndarray

    def margin(self) -> Margin:
        total = sum(self.counts)
        return Margin(feature=self.name, categories=tuple(self.labels), targets=tuple(c / total for c in self.counts))


@dataclass
class Weighting:
    """The weights of a survey's completed respondents, or why there are none."""

    response_ids: list[int] = field(default_factory=list)
    features: list[Margined] = field(default_factory=list)
    has_figures: bool = False
    design_weights: np.ndarray | None = None
    result: WeightingResult | None = None
    notes: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.result is not None

    @property
    def feature_names(self) -> list[str]:
        return [m.name for m in self.features]

    @property
    def sampled(self) -> bool:
        return self.design_weights is not None

    def by_response(self) -> dict[int, tuple[float, float]]:
        """Response id -> (design weight, weight); empty when unweighted."""
        if self.result is None:
            return {}
        design = self.design_weights if self.design_weights is not None else np.ones(len(self.response_ids))
        return {r: (float(d), float(w)) for r, d, w in zip(self.response_ids, design, self.result.weights, strict=True)}


def _design_weights(survey: Survey, response_ids: list[int]) -> np.ndarray | None:
    probabilities = dict(Response.objects.filter(pk__in=response_ids, survey=survey)
                         .values_list("pk", "invitation__inclusion_probability"))
    if not any(probabilities.values()):
        return None
    # Invited with certainty (a whole-panel or filter sending beside the sample): weight 1.
    return np.array([1.0 / probabilities[r] if probabilities.get(r) else 1.0 for r in response_ids])


def _margined(feature: Feature, name: str, labels: dict[int, str], response_ids: list[int],
              categories: dict[int, set[int]]) -> Margined:
    index = {o.pk: i for i, o in enumerate(feature.options)}
    codes = np.array([index[min(categories[r], key=lambda o: index[o])] for r in response_ids], dtype=np.int64)
    return Margined(feature=feature, name=name, labels=[labels[o.pk] for o in feature.options],
                    counts=[float(feature.figures[o.pk] or 0) for o in feature.options], codes=codes)


def _merge(m: Margined, empty: int) -> str:
    """Merge an empty age band with its neighbour (the younger one if any), in the margins and
    the respondents' codes alike; returns the neighbour's label."""
    other = empty - 1 if empty > 0 else empty + 1
    low, high = sorted((empty, other))
    neighbour = m.labels[other]
    m.labels[low:high + 1] = [f"{m.labels[low]} + {m.labels[high]}"]
    m.counts[low:high + 1] = [m.counts[low] + m.counts[high]]
    m.codes = np.where(m.codes > low, m.codes - 1, m.codes)
    return neighbour


def _checked(m: Margined, notes: list[str]) -> Margined | None:
    """The feature ready to rake (empty age bands merged), or None with the reason in `notes`."""
    ordered = m.feature.question.kind == ProfileQuestion.Kind.BIRTH_YEAR
    while True:
        try:
            rake({m.name: m.codes}, [m.margin()])
            return m
        except EmptyCategoryError as error:
            present = np.bincount(m.codes, minlength=len(m.labels))
            empty = next(k for k, c in enumerate(m.counts) if c > 0 and present[k] == 0)
            if ordered and len(m.labels) > 2:
                empty_label = m.labels[empty]
                neighbour = _merge(m, empty)
                notes.append(_("%(question)s: no respondent in “%(category)s”, so it is merged with “%(other)s”. "
                               "(%(message)s)") % {"question": m.name, "category": empty_label,
                                                    "other": neighbour, "message": error})
                continue
            notes.append(_("%(question)s is not weighted on: %(message)s") % {"question": m.name, "message": error})
            return None
        except WeightingError as error:
            notes.append(_("%(question)s is not weighted on: %(message)s") % {"question": m.name, "message": error})
            return None


def survey_weighting(*, council, survey: Survey) -> Weighting:
    """Rake the survey's completed respondents to the population margins."""
    weighting = Weighting()
    features = population_features(council=council)
    weighting.has_figures = any(f.usable for f in features)
    if not weighting.has_figures:
        weighting.reason = _("No profile question has complete population figures, so the results are unweighted.")
        return weighting
    for feature in features:
        if not feature.usable:
            weighting.notes.append(_("%(question)s is not weighted on: %(problem)s.")
                                   % {"question": feature.question.text, "problem": feature.problem})
    if survey.anonymised_at:
        weighting.reason = _("This survey was anonymous and has closed: its answers are no longer linked to "
                             "members, and no profile categories were kept with them, so the results are unweighted.")
        return weighting
    weighting.response_ids = list(Response.objects.filter(survey=survey, survey__council=council,
                                                          completed_at__isnull=False).order_by("pk")
                                  .values_list("pk", flat=True))
    n = len(weighting.response_ids)
    if n == 0:
        weighting.reason = _("No completed responses yet.")
        return weighting
    usable = [f for f in features if f.usable]
    names, labels = method_names(usable)
    candidates = []
    for feature in usable:
        categories = respondent_categories(survey=survey, question=feature.question)
        missing = sum(1 for r in weighting.response_ids if not categories.get(r))
        if missing:
            weighting.notes.append(_("%(question)s is not weighted on: %(n)s of the %(total)s respondents have no "
                                     "answer to it.") % {"question": names[feature.key], "n": missing, "total": n})
            continue
        checked = _checked(_margined(feature, names[feature.key], labels, weighting.response_ids, categories),
                           weighting.notes)
        if checked is not None:
            candidates.append(checked)
    weighting.design_weights = _design_weights(survey, weighting.response_ids)
    while candidates:
        try:
            weighting.result = rake({m.name: m.codes for m in candidates}, [m.margin() for m in candidates],
                                    design_weights=weighting.design_weights)
            weighting.features = candidates
            break
        except NotConvergedError as error:
            dropped = candidates.pop()
            weighting.notes.append(_("%(question)s is not weighted on: %(message)s")
                                   % {"question": dropped.name, "message": error})
    if weighting.result is None:
        weighting.reason = _("No profile question could be weighted on (see the notes), so the results are unweighted.")
    return weighting


# --- Estimates -------------------------------------------------------------------------------

def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _points(estimate) -> dict | None:
    """Estimate, interval and margin of error; no interval where it cannot be computed (one answer)."""
    if _finite(estimate.estimate) is None:
        return None
    moe = _finite(estimate.moe)
    return {"estimate": estimate.estimate, "moe": moe,
            "low": _finite(estimate.ci_low) if moe is not None else None,
            "high": _finite(estimate.ci_high) if moe is not None else None}


def _summary(table) -> dict:
    """n, effective n and design effect of the question (group All), and its largest margin of error."""
    overall = [e for e in table.estimates if e.group == "All" and e.estimate is not None]
    first = overall[0] if overall else None
    moes = [e.moe for e in overall if e.moe is not None and math.isfinite(e.moe)]
    moe = max(moes) if moes else None
    return {"effective_n": _finite(first.effective_n) if first else None,
            "design_effect": _finite(first.design_effect) if first else None,
            "moe": moe, "moe_points": moe * 100 if moe is not None and table.kind != "mean" else None}


def _chart(question: Question, table: list[dict]) -> str:
    """The bar chart of the weighted shares (the table beside it has both)."""
    shares = [(r["label"], (r.get("weighted") or {}).get("estimate") or 0.0) for r in table]
    return bar_chart([(label, share, percent(share)) for label, share in shares],
                     title=_("%(question)s (weighted)") % {"question": question.label}, maximum=1.0)


def _group_codes(weighting: Weighting, breakdown: ProfileQuestion | None, survey: Survey):
    """Each respondent's group index on the breakdown question (-1 for none), with the group
    labels; None where a weighted breakdown does not apply (multiple-choice profile question)."""
    if breakdown is None or breakdown.kind not in STRATIFY_KINDS:
        return None
    options = list(breakdown.options.all())
    index = {o.pk: i for i, o in enumerate(options)}
    categories = respondent_categories(survey=survey, question=breakdown)
    codes = np.array([index[min(categories[r], key=lambda o: index[o])] if categories.get(r) else -1
                      for r in weighting.response_ids], dtype=np.int64)
    # Groups nobody is in are left out of the estimates: an empty group reveals nothing, and in
    # the suppression it would only force a second, needless hidden figure (the row stays, hidden).
    present = sorted({int(c) for c in codes if c >= 0})
    if not present:
        return None
    compact = np.array([present.index(int(c)) if c >= 0 else -1 for c in codes], dtype=np.int64)
    return compact, [options[i].text for i in present], [o.text for o in options]


def _breakdown_rows(table, labels: list[str], options: list[str], chosen: list[str]) -> list[dict]:
    """Rows of a weighted breakdown; a hidden figure (fewer than MIN_GROUP behind it, or one that
    would reveal such a figure) is None, and so is the n of a hidden group. Options outside
    `chosen` (nobody chose them) are 0."""
    out = []
    for label in labels:
        if label not in table.groups:
            out.append({"group": label, "n": None, "cells": [None] * len(options), "mean": None})
            continue
        cells = {o: table.get(o, label) for o in chosen}
        first = next(iter(cells.values()), None)
        out.append({"group": label, "n": first.group_n if first else None,
                    "cells": [cells[o].estimate if o in cells else 0.0 for o in options]})
    return out


def weighted_items(*, weighting: Weighting, survey: Survey, items: list[dict],
                   breakdown: ProfileQuestion | None = None) -> None:
    """Add weighted figures to the unweighted result items of `results.question_results`
    (in place): per share row `weighted` (share, interval, margin of error), per item
    `weighted` (effective n, design effect, largest margin of error, weighted mean), and a
    weighted breakdown table with the < 5 suppression."""
    if not weighting.available:
        return
    cal = calibration_from_weights(
        weighting.result.weights, {m.name: m.codes for m in weighting.features},
        {m.name: len(m.labels) for m in weighting.features},
    )
    position = {r: i for i, r in enumerate(weighting.response_ids)}
    n = len(position)
    answers: dict[int, list[tuple[int, object]]] = {}
    for question_id, response_id, value in Answer.objects.filter(
        response__survey=survey, response__completed_at__isnull=False,
    ).values_list("question_id", "response_id", "value"):
        if response_id in position:
            answers.setdefault(question_id, []).append((position[response_id], value))
    groups = _group_codes(weighting, breakdown, survey)
    by = dict(by=groups[0], by_labels=groups[1], by_name=breakdown.text) if groups else {}
    for item in items:
        question: Question = item["question"]
        given = answers.get(question.pk, [])
        if not given:
            continue
        kind = question.kind
        if "table" in item and kind != Question.Kind.MULTI:
            codes = [str(row["code"]) for row in item["table"]]
            index = {c: k for k, c in enumerate(codes)}
            a = np.full(n, -1, dtype=np.int64)
            for i, value in given:
                a[i] = index.get(str(value), -1)
            table = estimate_shares(cal, a, codes, confidence=CONFIDENCE, min_count=0)
            for row in item["table"]:
                row["weighted"] = _points(table.get(str(row["code"])))
            item["weighted"] = _summary(table)
            item["chart"] = _chart(question, item["table"])
            if kind == Question.Kind.SCALE:
                y = np.full(n, np.nan)
                for i, value in given:
                    y[i] = float(value)
                mean = estimate_mean(cal, y, confidence=CONFIDENCE, min_count=0)
                item["weighted"]["mean"] = _points(mean.get("mean"))
            if groups and "breakdown" in item:
                # An option nobody chose is 0 % in every group, which reveals nothing; kept out of
                # the suppression table so that its zeros do not hide the figures beside them.
                chosen = [c for c, row in zip(codes, item["table"], strict=True) if row["count"]]
                remap = np.array([chosen.index(c) if c in chosen else -1 for c in codes] + [-1])
                split = estimate_shares(cal, remap[a], chosen, confidence=CONFIDENCE, min_count=MIN_GROUP, **by)
                item["weighted_breakdown"] = _breakdown_rows(split, groups[2], codes, chosen)
                if kind == Question.Kind.SCALE:
                    # Group means are tied to the overall mean: suppressed as one line (methods.disclosure).
                    means = estimate_mean(cal, y, confidence=CONFIDENCE, min_count=MIN_GROUP, **by)
                    for row in item["weighted_breakdown"]:
                        if row["group"] in means.groups:
                            row["mean"] = _finite(means.get("mean", row["group"]).estimate)
        elif kind == Question.Kind.MULTI and "table" in item:
            codes = [str(row["code"]) for row in item["table"]]
            selected = np.zeros((n, len(codes)), dtype=np.int8)
            answered = np.zeros(n, dtype=bool)
            for i, value in given:
                answered[i] = True
                for code in value if isinstance(value, list) else [value]:
                    if str(code) in codes:
                        selected[i, codes.index(str(code))] = 1
            table = estimate_multiple(cal, selected, codes, answered=answered, confidence=CONFIDENCE, min_count=0)
            for row in item["table"]:
                row["weighted"] = _points(table.get(str(row["code"])))
            item["weighted"] = _summary(table)
            item["chart"] = _chart(question, item["table"])
            if groups and "breakdown" in item:
                chosen = [c for c, row in zip(codes, item["table"], strict=True) if row["count"]]
                columns = [codes.index(c) for c in chosen]
                split = estimate_multiple(cal, selected[:, columns], chosen, answered=answered,
                                          confidence=CONFIDENCE, min_count=MIN_GROUP, **by)
                item["weighted_breakdown"] = _breakdown_rows(split, groups[2], codes, chosen)
        elif kind == Question.Kind.NUMBER and given:
            y = np.full(n, np.nan)
            for i, value in given:
                y[i] = float(value)
            table = estimate_mean(cal, y, confidence=CONFIDENCE, min_count=0)
            item["weighted"] = {**_summary(table), "mean": _points(table.get("mean"))}
        elif kind == Question.Kind.MATRIX and given:
            for row in item["matrix"]:
                code = row["code"]
                y = np.full(n, np.nan)
                for i, value in given:
                    if isinstance(value, dict) and value.get(code) is not None:
                        y[i] = float(value[code])
                if np.isnan(y).all():
                    continue
                table = estimate_mean(cal, y, confidence=CONFIDENCE, min_count=0)
                row["weighted"] = _points(table.get("mean"))
                item.setdefault("weighted", _summary(table))
