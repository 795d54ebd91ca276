"""Weighted results: completed respondents weighted to the residents the survey's audience
stands for (the whole population, or the district, age band or segment it was sent to, from the
joint population tables), starting from the design weights (1 / the inclusion probability)
when members were invited as a sample; then weighted shares and means with 95 % confidence
intervals (`methods.estimation`), and breakdowns with the < 5 suppression (`methods.disclosure`).

Post-stratification on the joint cells of a population table where every cell has enough
respondents, raking on each question's figures otherwise. Nothing is dropped silently: a
category with fewer than MIN_RESPONDENTS respondents is merged with its neighbour by the rule
of `methods.weighting.collapse` (docs/methods/weighting.md) and the page says which; a question
leaves the weighting only when merging cannot save it, and the page says why. When the figures
cannot describe the audience (a filter on a question without figures) the results stay
unweighted and the page says so.

Anonymous surveys, once closed, keep no link from answers to members and surveys keeps no
profile categories with the answers, so they cannot be weighted (the page says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import product

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.common.formatting import percent
from civicpanel.common.method_errors import method_error_text
from civicpanel.members.categories import STRATIFY_KINDS, population_features
from civicpanel.methods.estimation import (
    calibration_from_weights,
    estimate_mean,
    estimate_multiple,
    estimate_shares,
)
from civicpanel.methods.weighting import (
    MIN_RESPONDENTS,
    Collapse,
    Margin,
    NotConvergedError,
    WeightingError,
    WeightingResult,
    collapse_categories,
    rake,
)
from civicpanel.panel.models import ProfileQuestion
from civicpanel.panel.population_tables import (
    AudienceFigures,
    audience_figures,
    describe_population,
    stored_tables,
)
from civicpanel.surveys.audience import audience_filters, profile_questions
from civicpanel.surveys.charts import bar_chart
from civicpanel.surveys.models import Question, Response, Survey
from civicpanel.surveys.respondent_rows import (
    RespondentRows,
    category_matrix,
    first_category,
    respondent_rows,
)
from civicpanel.surveys.results import MIN_GROUP, completed_answers

CONFIDENCE = 0.95


@dataclass
class Margined:
    """One weighting feature as raked: categories (after merging), their population counts, and
    each respondent's category index. A joint feature (post-stratification cells) has one
    category per combination of its questions' categories."""

    name: str
    labels: list[str]
    counts: list[float]
    codes: np.ndarray
    question: ProfileQuestion | None = None
    collapse: Collapse | None = None
    original_codes: np.ndarray | None = None
    joint: tuple[str, ...] = ()

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
    merges: list[str] = field(default_factory=list)
    reason: str = ""
    # The residents the weights stand for, in the page's language.
    population: str = ""
    restricted: bool = False
    # The respondents' profile rows the weights were made from (breakdowns use them too).
    profiles: RespondentRows | None = None

    @property
    def available(self) -> bool:
        return self.result is not None

    @property
    def feature_names(self) -> list[str]:
        names: list[str] = []
        for m in self.features:
            names += list(m.joint) if m.joint else [m.name]
        return names

    @property
    def joint_names(self) -> list[str]:
        return next((list(m.joint) for m in self.features if m.joint), [])

    @property
    def raked_names(self) -> list[str]:
        return [m.name for m in self.features if not m.joint]

    @property
    def sampled(self) -> bool:
        return self.design_weights is not None

    def for_display(self) -> Weighting:
        """The same weighting without its per-respondent arrays (response ids, categories,
        weights): what a page shows of it, small enough to keep in the cache (50,000 respondents'
        arrays are megabytes to write and read again). Not for estimates."""
        light = replace(self, response_ids=[], notes=list(self.notes), merges=list(self.merges), profiles=None,
                        design_weights=None if self.design_weights is None else np.ones(0),
                        features=[replace(m, codes=np.zeros(0, dtype=np.int64), original_codes=None)
                                  for m in self.features])
        if self.result is not None:
            light.result = replace(self.result, weights=np.zeros(0), calibration=None)
        return light

    def by_response(self) -> dict[int, tuple[float, float]]:
        """Response id -> (design weight, weight); empty when unweighted."""
        if self.result is None:
            return {}
        design = self.design_weights if self.design_weights is not None else np.ones(len(self.response_ids))
        return {r: (float(d), float(w)) for r, d, w in zip(self.response_ids, design, self.result.weights, strict=True)}


def _design_weights(rows: RespondentRows, response_ids: np.ndarray) -> np.ndarray | None:
    """1 / the inclusion probability of each response's invitation; None when nobody was
    invited as a sample. Invited with certainty (a whole-panel or filter sending beside the
    sample) or not linked to an invitation: weight 1."""
    probability = np.zeros(len(response_ids))
    if len(response_ids):
        at = np.minimum(np.searchsorted(response_ids, rows.response_ids), len(response_ids) - 1)
        found = response_ids[at] == rows.response_ids
        probability[at[found]] = rows.people[found, 3]
    if not (probability > 0).any():
        return None
    return np.where(probability > 0, 1.0 / np.where(probability > 0, probability, 1.0), 1.0)


def _merge_notes(m: Margined, labels: list[str]) -> list[str]:
    notes = []
    assert m.collapse is not None
    for step in m.collapse.merges:
        category = " + ".join(labels[k] for k in step.category)
        other = " + ".join(labels[k] for k in step.into)
        if step.reason == "no_population":
            notes.append(ngettext(
                "%(question)s: %(n)d respondent is in “%(category)s”, which has no residents in the population "
                "figures, so it is merged with “%(other)s”.",
                "%(question)s: %(n)d respondents are in “%(category)s”, which has no residents in the population "
                "figures, so it is merged with “%(other)s”.", step.respondents)
                % {"question": m.name, "n": step.respondents, "category": category, "other": other})
        else:
            notes.append(ngettext(
                "%(question)s: “%(category)s” has %(n)d respondent, fewer than %(min)d, so it is merged with "
                "“%(other)s”.",
                "%(question)s: “%(category)s” has %(n)d respondents, fewer than %(min)d, so it is merged with "
                "“%(other)s”.", step.respondents)
                % {"question": m.name, "n": step.respondents, "category": category, "other": other,
                   "min": m.collapse.min_respondents})
    return notes


def _collapsed(question: ProfileQuestion, name: str, labels: list[str], counts: list[float], codes: np.ndarray,
               weighting: Weighting) -> Margined | None:
    """The question's categories merged by the documented rule (methods.weighting.collapse), or
    None with the reason in the notes when merging cannot save it."""
    present = np.bincount(codes, minlength=len(labels))
    collapse = collapse_categories(present, counts, ordered=question.kind == ProfileQuestion.Kind.BIRTH_YEAR)
    m = Margined(name=name, labels=[" + ".join(labels[k] for k in g) for g in collapse.groups],
                 counts=collapse.merged_population(counts), codes=collapse.recode(codes), question=question,
                 collapse=collapse, original_codes=codes)
    if collapse.dropped:
        weighting.notes.append(_(
            "%(question)s is left out of the weighting: even with categories merged, its respondents do not make up "
            "two categories of at least %(min)d respondents each, so it cannot tell the weights anything.")
            % {"question": name, "min": collapse.min_respondents})
        return None
    weighting.merges += _merge_notes(m, labels)
    return m


def _joint_feature(weighting: Weighting, figures: AudienceFigures, candidates: list[Margined]) -> Margined | None:
    """Post-stratification cells of the audience's table over the questions being weighted on
    (their categories merged as for their own margins), when every cell with residents has at
    least MIN_RESPONDENTS respondents and no respondent is in a cell without residents."""
    if figures.joint is None:
        return None
    questions, cells = figures.joint
    by_question = {m.question.pk: m for m in candidates if m.question is not None}
    axes = [a for a, q in enumerate(questions) if q.pk in by_question]
    if len(axes) < 2:
        return None
    other_axes = tuple(a for a in range(cells.ndim) if a not in axes)
    table = cells.sum(axis=other_axes) if other_axes else cells
    parts = [by_question[questions[a].pk] for a in axes]
    for axis, m in enumerate(parts):
        merged = np.zeros(table.shape[:axis] + (len(m.labels),) + table.shape[axis + 1:])
        np.add.at(merged, (slice(None),) * axis + (m.collapse.mapping,), table)
        table = merged
    sizes = [len(m.labels) for m in parts]
    codes = np.zeros(len(weighting.response_ids), dtype=np.int64)
    for m, k in zip(parts, sizes, strict=True):
        codes = codes * k + m.codes
    present = np.bincount(codes, minlength=int(np.prod(sizes)))
    flat = table.ravel()
    if np.any((flat > 0) & (present < MIN_RESPONDENTS)) or np.any((flat == 0) & (present > 0)):
        weighting.notes.append(_(
            "Some combinations of %(questions)s have fewer than %(min)d respondents, so the weights meet each "
            "question's figures separately (raking) rather than every combination (post-stratification).")
            % {"questions": _join([m.name for m in parts]), "min": MIN_RESPONDENTS})
        return None
    labels = [" × ".join(combo) for combo in product(*(m.labels for m in parts))]
    return Margined(name=" × ".join(m.name for m in parts), labels=labels, counts=[float(v) for v in flat],
                    codes=codes, joint=tuple(m.name for m in parts))


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def survey_weighting(*, council, survey: Survey, profiles: RespondentRows | None = None) -> Weighting:
    """Weight the survey's completed respondents to the residents its audience stands for: the
    whole population, or (for a sending to a district, an age band, a segment) the part of it
    the joint population tables describe. Post-stratification on the table's cells where every
    cell has enough respondents, raking on the questions' own figures otherwise."""
    weighting = Weighting()
    features = population_features(council=council)
    tables = stored_tables(council=council)
    weighting.has_figures = any(f.usable for f in features) or bool(tables)
    if not weighting.has_figures:
        weighting.reason = _("No profile question has complete population figures, so the results are unweighted.")
        return weighting
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
    questions = [q for q in profile_questions(council=council) if q.kind in STRATIFY_KINDS]
    one_way = {o.pk: c for f in features if f.usable for o, c in ((o, f.figures[o.pk]) for o in f.options)}
    figures = audience_figures(council=council, filters=audience_filters(survey), questions=questions,
                               one_way=one_way)
    weighting.restricted = figures.restricted
    if not figures.describable:
        weighting.reason = figures.reason
        return weighting
    if not figures.restricted:
        for feature in features:
            if not feature.usable:
                weighting.notes.append(_("%(question)s is not weighted on: %(problem)s.")
                                       % {"question": feature.question.text, "problem": feature.problem})
    weighting.population = describe_population(council=council, figures=figures, questions=questions)
    for question in figures.missing:
        weighting.notes.append(_("%(question)s is not weighted on: the population figures do not count it for "
                                 "these residents (no table of figures has it together with the questions the "
                                 "survey's audience was chosen by).") % {"question": question.text})
    names = {q.key: q.text for q in questions}
    if len({v.casefold() for v in names.values()}) < len(names):
        names = {q.key: q.key for q in questions}
    candidates: list[Margined] = []
    ids = np.array(weighting.response_ids, dtype=np.int64)
    rows = weighting.profiles = profiles if profiles is not None else respondent_rows(survey=survey)
    for question in questions:
        margin = figures.margins.get(question.key)
        if margin is None:
            continue
        name = names[question.key]
        if len(margin.live) == 1:
            weighting.notes.append(_("%(question)s is the same for everyone the survey was sent to (%(category)s), "
                                     "so it needs no weighting.") % {"question": name,
                                                                      "category": margin.live[0].text})
            continue
        codes = first_category(category_matrix(rows, question, ids, margin.options))
        missing = int((codes < 0).sum())
        if missing:
            weighting.notes.append(_("%(question)s is not weighted on: %(n)s of the %(total)s respondents have no "
                                     "answer to it.") % {"question": name, "n": missing, "total": n})
            continue
        checked = _collapsed(question, name, [o.text for o in margin.options], margin.counts, codes, weighting)
        if checked is not None:
            candidates.append(checked)
    joint = _joint_feature(weighting, figures, candidates)
    if joint is not None:
        candidates = [joint] + [m for m in candidates if m.name not in joint.joint]
    weighting.design_weights = _design_weights(rows, ids)
    while candidates:
        try:
            weighting.result = rake({m.name: m.codes for m in candidates}, [m.margin() for m in candidates],
                                    design_weights=weighting.design_weights)
            weighting.features = candidates
            break
        except NotConvergedError as error:
            dropped = candidates.pop()
            weighting.notes.append(_("%(question)s is not weighted on: %(message)s")
                                   % {"question": dropped.name, "message": method_error_text(error)})
        except WeightingError as error:
            dropped = candidates.pop()
            weighting.notes.append(_("%(question)s is not weighted on: %(message)s")
                                   % {"question": dropped.name, "message": method_error_text(error)})
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
    rows = weighting.profiles if weighting.profiles is not None else respondent_rows(survey=survey)
    codes = first_category(category_matrix(rows, breakdown, np.array(weighting.response_ids, dtype=np.int64), options))
    # Groups nobody is in are left out of the estimates: an empty group reveals nothing, and in
    # the suppression it would only force a second, needless hidden figure (the row stays, hidden).
    present = np.unique(codes[codes >= 0])
    if not len(present):
        return None
    compact = np.where(codes >= 0, np.searchsorted(present, codes), -1).astype(np.int64)
    present = present.tolist()
    return compact, [options[i].text for i in present], [o.text for o in options]


def _breakdown_rows(table, labels: list[str], options: list[str], chosen: list[str]) -> list[dict]:
    """Rows of a weighted breakdown; a hidden figure (fewer than MIN_GROUP behind it, or one that
    would reveal such a figure) is None, and so is the n of a hidden group. Options outside
    `chosen` (nobody chose them) are 0."""
    out = []
    for label in labels:
        if label not in table.groups:
            out.append({"group": label, "n": None, "cells": [None] * len(options), "moes": [None] * len(options),
                        "mean": None})
            continue
        cells = {o: table.get(o, label) for o in chosen}
        first = next(iter(cells.values()), None)
        # The margins of error go with the figures (the report compares groups with them).
        out.append({"group": label, "n": first.group_n if first else None,
                    "cells": [cells[o].estimate if o in cells else 0.0 for o in options],
                    "moes": [_finite(cells[o].moe) if o in cells and cells[o].estimate is not None else None
                             for o in options]})
    return out


def _positions(response_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The positions in `response_ids` (sorted) of those of `ids` that are in it."""
    if not len(response_ids):
        return np.zeros(0, dtype=np.int64)
    at = np.minimum(np.searchsorted(response_ids, ids), len(response_ids) - 1)
    return at[response_ids[at] == ids]


def weighted_items(*, weighting: Weighting, survey: Survey, items: list[dict],
                   breakdown: ProfileQuestion | None = None, answers: dict | None = None) -> None:
    """Add weighted figures to the unweighted result items of `results.question_results`
    (in place): per share row `weighted` (share, interval, margin of error), per item
    `weighted` (effective n, design effect, largest margin of error, weighted mean), and a
    weighted breakdown table with the < 5 suppression. `answers`: results.completed_answers,
    when the caller has read them already."""
    if not weighting.available:
        return
    cal = calibration_from_weights(
        weighting.result.weights, {m.name: m.codes for m in weighting.features},
        {m.name: len(m.labels) for m in weighting.features},
    )
    response_ids = np.array(weighting.response_ids, dtype=np.int64)
    n = len(response_ids)
    if answers is None:
        answers = completed_answers(council=survey.council, survey=survey)
    # Per question: each distinct value with the positions (among the weighted respondents) of
    # the responses that gave it; arrays are filled one value at a time, not one answer at a time.
    answers = {question_id: [(value, at) for value, ids in given.groups if len(at := _positions(response_ids, ids))]
               for question_id, given in answers.items()}
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
            for value, at in given:
                a[at] = index.get(str(value), -1)
            table = estimate_shares(cal, a, codes, confidence=CONFIDENCE, min_count=0)
            for row in item["table"]:
                row["weighted"] = _points(table.get(str(row["code"])))
            item["weighted"] = _summary(table)
            item["chart"] = _chart(question, item["table"])
            if kind == Question.Kind.SCALE:
                y = np.full(n, np.nan)
                for value, at in given:
                    y[at] = float(value)
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
            for value, at in given:
                answered[at] = True
                for code in value if isinstance(value, list) else [value]:
                    if str(code) in codes:
                        selected[at, codes.index(str(code))] = 1
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
            for value, at in given:
                y[at] = float(value)
            table = estimate_mean(cal, y, confidence=CONFIDENCE, min_count=0)
            item["weighted"] = {**_summary(table), "mean": _points(table.get("mean"))}
        elif kind == Question.Kind.MATRIX and given:
            for row in item["matrix"]:
                code = row["code"]
                y = np.full(n, np.nan)
                for value, at in given:
                    if isinstance(value, dict) and value.get(code) is not None:
                        y[at] = float(value[code])
                if np.isnan(y).all():
                    continue
                table = estimate_mean(cal, y, confidence=CONFIDENCE, min_count=0)
                row["weighted"] = _points(table.get("mean"))
                item.setdefault("weighted", _summary(table))
