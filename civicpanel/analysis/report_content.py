"""What a committee report says, gathered from the same functions as the staff results pages.

The figures come from `surveys.results.question_results` and `surveys.weighting` (the results
page), `surveys.results.response_rates` (the response-rate page) and
`surveys.representativeness` (the representativeness page), called the same way: the report
never computes a figure of its own, it only chooses, words and compares them. The caveats are
those comparisons, written in plain language from the intervals the estimates carry.

Call inside `translation.override(language)`: labels, formatted numbers and the population's
description come out in the active language.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicpanel.common.formatting import number, percent, points
from civicpanel.members.models import ProfileQuestion
from civicpanel.members.selectors import members_filter_describe
from civicpanel.methods.disclosure import MIN_COUNT, suppress_line
from civicpanel.surveys import conditions, results
from civicpanel.surveys.audience import profile_questions
from civicpanel.surveys.models import Survey, Wave
from civicpanel.surveys.purpose import SurveyPurpose, survey_purpose
from civicpanel.surveys.questions import option_codes, option_label, rows, scale_points
from civicpanel.surveys.representativeness import Representativeness, survey_representativeness
from civicpanel.surveys.selectors import survey_structure
from civicpanel.surveys.weighting import CONFIDENCE, Weighting, survey_weighting, weighted_items

Z = 1.959963984540054  # the 95 % interval the estimates carry (weighting.CONFIDENCE)
LOW_RESPONSE = 0.3     # below this response rate the report says so
SMALL_N = 30           # a question answered by fewer people is called uncertain
HIGH_DESIGN_EFFECT = 2.0
# Questions whose answers are alternatives worth ranking (a scale's points are not: its average is).
COMPARED_KINDS = ("single", "yesno")


@dataclass
class Sending:
    """One invitation wave in words."""

    when: datetime
    recipients: int
    audience: list[str]
    sample: dict | None = None
    channel: str = ""  # "Paper" or "Phone"; empty for e-mail


@dataclass
class Breakdown:
    question: ProfileQuestion
    items: list[dict]
    hidden_groups: int


@dataclass
class ReportContent:
    survey: Survey
    title: str
    council: str
    made_at: datetime
    purpose: SurveyPurpose
    sendings: list[Sending]
    rates: dict
    reminders: int
    weighting: Weighting
    weighted: bool
    items: list[dict]
    breakdowns: list[Breakdown]
    composition: Representativeness
    caveats: list[str]
    questionnaire: list[dict]
    min_group: int = results.MIN_GROUP
    confidence: float = CONFIDENCE
    free_text_questions: list[dict] = field(default_factory=list)


def _sendings(*, council, survey: Survey, questions: list[ProfileQuestion]) -> list[Sending]:
    features = {q.key: q.text for q in questions}
    out = []
    for wave in survey.waves.filter(kind=Wave.Kind.INVITATION, cancelled_at__isnull=True).order_by("send_at", "pk"):
        # "Active members" is every sending's rule; the report names only the real choices.
        chosen = {key: value for key, value in (wave.filters or {}).items() if key != "status"}
        audience = members_filter_describe(council=council, filters=chosen, questions=questions)
        sample = None
        if wave.sample:
            design = wave.sample
            sample = {"size": design.get("size"), "seed": design.get("seed"), "pool": design.get("pool"),
                      "features": [features.get(k, k) for k in design.get("features", [])],
                      "adjusted": design.get("adjust_for_response"),
                      "expected": design.get("expected_completes")}
        channel = "" if wave.channel == Wave.Channel.EMAIL else wave.get_channel_display()
        out.append(Sending(when=wave.send_at, recipients=wave.recipient_count, audience=audience, sample=sample,
                           channel=channel))
    return out


def _composition(report: Representativeness) -> Representativeness:
    """Respondent counts per category under MIN_COUNT are hidden, and so is whatever would give
    them away by subtraction from the total (methods.disclosure, one line per question)."""
    # A profile question no respondent has answered tells the committee nothing.
    report.questions = [block for block in report.questions if any(row.respondents for row in block.rows)]
    for block in report.questions:
        # Respondents without an answer to the question are one more, unpublished entry: the
        # total is published, so they are part of the equation. A category nobody is in
        # reveals nothing and stays out of it (as in surveys.weighting's breakdowns).
        shown = [row.respondents for row in block.rows]
        unanswered = max(report.respondents - sum(shown), 0)
        entries = [i for i, n in enumerate(shown) if n > 0]
        counts = np.array([shown[i] for i in entries] + ([unanswered] if unanswered else []))
        hidden = suppress_line(counts, min_count=MIN_COUNT).suppressed if len(counts) else np.array([])
        hide_rows = {entries[k] for k in range(len(entries)) if hidden[k]}
        for index, row in enumerate(block.rows):
            if index in hide_rows:
                row.respondents = None
                row.respondent_share = None
                row.weighted_share = None
    return report


def _questionnaire(survey: Survey) -> list[dict]:
    structure = survey_structure(survey)
    by_uid = structure.by_uid
    pages = []
    for page in structure.pages:
        entries = []
        for q in page.survey_questions:
            choices = [option_label(q, c) for c in option_codes(q)]
            if q.kind == q.Kind.YESNO:
                choices = [_("Yes"), _("No")]
            elif q.kind in (q.Kind.SCALE, q.Kind.MATRIX):
                choices = [str(p) for p in scale_points(q)]
            entries.append({"question": q, "number": structure.number_of(q) if q.answerable else None,
                            "choices": choices, "rows": [r["label"] for r in rows(q)] if q.kind == q.Kind.MATRIX else [],
                            "condition": conditions.describe(q.condition, by_uid)})
        pages.append({"page": page, "condition": conditions.describe(page.condition, by_uid), "entries": entries})
    return pages


def _difference_moe(a: dict, b: dict, effective_n: float | None) -> float | None:
    """95 % margin of error of the difference of two shares of one question (the same people
    answered both, so the shares are tied: var(p1 - p2) = (p1 + p2 - (p1 - p2)^2) / n_eff)."""
    if not effective_n:
        return None
    p1, p2 = a["estimate"], b["estimate"]
    variance = (p1 + p2 - (p1 - p2) ** 2) / effective_n
    return Z * math.sqrt(variance) if variance > 0 else None


def _leader_caveat(item: dict) -> str | None:
    """Whether the most common answer is really ahead of the next one."""
    rows_ = [r for r in item.get("table", []) if r.get("weighted")]
    if item["question"].kind not in COMPARED_KINDS or len(rows_) < 2:
        return None
    first, second = sorted(rows_, key=lambda r: r["weighted"]["estimate"], reverse=True)[:2]
    moe = _difference_moe(first["weighted"], second["weighted"], (item.get("weighted") or {}).get("effective_n"))
    if moe is None:
        return None
    gap = first["weighted"]["estimate"] - second["weighted"]["estimate"]
    values = {"n": item["number"], "a": first["label"], "b": second["label"],
              "pa": percent(first["weighted"]["estimate"]), "pb": percent(second["weighted"]["estimate"]),
              "moe": points(moe * 100)}
    if gap <= moe:
        return _("Question %(n)s: the difference between “%(a)s” (%(pa)s) and “%(b)s” (%(pb)s) is within the "
                 "margin of error (±%(moe)s points), so the survey cannot say which is more common.") % values
    return None


def _group_caveat(item: dict, breakdown: ProfileQuestion) -> str | None:
    """For the most common answer overall: do the groups shown really differ on it?"""
    groups = item.get("weighted_breakdown")
    table = item.get("table") or []
    if not groups or not table or item["question"].kind not in (*COMPARED_KINDS, "multi"):
        return None
    top = max(range(len(table)), key=lambda k: (table[k].get("weighted") or {}).get("estimate") or 0)
    shown = [g for g in groups if g["cells"][top] is not None and g["moes"][top] is not None]
    if len(shown) < 2:
        return None
    high = max(shown, key=lambda g: g["cells"][top])
    low = min(shown, key=lambda g: g["cells"][top])
    moe = math.sqrt(high["moes"][top] ** 2 + low["moes"][top] ** 2)  # independent groups
    values = {"n": item["number"], "answer": table[top]["label"], "by": breakdown.text,
              "high": high["group"], "low": low["group"], "ph": percent(high["cells"][top]),
              "pl": percent(low["cells"][top]), "moe": points(moe * 100)}
    if high["cells"][top] - low["cells"][top] <= moe:
        return _("Question %(n)s by %(by)s: the difference between the two groups “%(high)s” (%(ph)s) and "
                 "“%(low)s” (%(pl)s) answering “%(answer)s” is within the margin of error (±%(moe)s points); "
                 "the groups may not really differ.") % values
    return _("Question %(n)s by %(by)s: “%(high)s” answer “%(answer)s” more often than “%(low)s” (%(ph)s against "
             "%(pl)s), a difference larger than the margin of error (±%(moe)s points).") % values


def _caveats(*, rates: dict, weighting: Weighting, weighted: bool, items: list[dict],
             breakdowns: list[Breakdown], composition: Representativeness) -> list[str]:
    out = []
    totals = rates["totals"]
    if totals["rate"] is not None and totals["rate"] < LOW_RESPONSE:
        out.append(_("Only %(rate)s of those invited answered (%(n)s of %(invited)s). Those who answer may differ "
                     "from those who do not in ways the weighting cannot see.")
                   % {"rate": percent(totals["rate"]), "n": number(totals["completed"]),
                      "invited": number(totals["invited"])})
    if composition.r is not None and composition.r < 0.8:
        out.append(_("Some kinds of members answered much more readily than others (R-indicator %(r)s, below "
                     "0.8): the weighting evens out the differences it knows of, by the profile questions, not "
                     "others.") % {"r": number(composition.r, 2)})
    if not weighted:
        out.append(weighting.reason or _("The figures are unweighted: they describe the respondents, not the "
                                         "residents."))
    for item in items:
        summary = item.get("weighted") or {}
        if 0 < item["n"] < SMALL_N:
            out.append(ngettext(
                "Question %(n)s was answered by %(count)s person only: its figures are uncertain.",
                "Question %(n)s was answered by %(count)s people only: its figures are uncertain.", item["n"])
                % {"n": item["number"], "count": number(item["n"])})
        if (summary.get("design_effect") or 0) > HIGH_DESIGN_EFFECT:
            out.append(_("Question %(n)s: the weights differ a lot between respondents, so its %(count)s answers "
                         "count like %(eff)s in a simple random sample (design effect %(deff)s).")
                       % {"n": item["number"], "count": number(item["n"]), "eff": number(summary.get("effective_n")),
                          "deff": number(summary["design_effect"], 1)})
        if weighted and (text := _leader_caveat(item)):
            out.append(text)
    for breakdown in breakdowns:
        for item in breakdown.items:
            if text := _group_caveat(item, breakdown.question):
                out.append(text)
    return out


def report_content(*, council, survey: Survey, breakdown_keys: list[str],
                   progress: Callable[[int, str], None] = lambda percent_, step: None) -> ReportContent:
    """Everything the report shows. `progress(percent, step)` is told how far it has come."""
    questions = profile_questions(council=council)
    progress(5, "results")
    weighting = survey_weighting(council=council, survey=survey)
    # The answers are read once and shared by every table and breakdown of the report.
    answers = results.completed_answers(council=council, survey=survey)
    items, _hidden = results.question_results(council=council, survey=survey, answers=answers)
    weighted = weighting.available
    if weighted:
        weighted_items(weighting=weighting, survey=survey, items=items, answers=answers)
    by_key = {q.key: q for q in questions}
    chosen = [by_key[k] for k in breakdown_keys if k in by_key]
    breakdowns = []
    for index, question in enumerate(chosen):
        progress(20 + 40 * index // max(len(chosen), 1), "breakdowns")
        split, hidden = results.question_results(council=council, survey=survey, breakdown=question, answers=answers)
        if weighted:
            weighted_items(weighting=weighting, survey=survey, items=split, breakdown=question, answers=answers)
        split = [item for item in split if item.get("weighted_breakdown") or item.get("breakdown")]
        breakdowns.append(Breakdown(question=question, items=split, hidden_groups=hidden))
    progress(60, "composition")
    rates = results.response_rates(council=council, survey=survey)
    composition = _composition(survey_representativeness(council=council, survey=survey))
    return ReportContent(
        survey=survey, title=survey.name, council=council.name, made_at=timezone.now(),
        purpose=survey_purpose(survey), sendings=_sendings(council=council, survey=survey, questions=questions),
        rates=rates, reminders=survey.waves.filter(kind=Wave.Kind.REMINDER).count(),
        weighting=weighting, weighted=weighted, items=items, breakdowns=breakdowns, composition=composition,
        caveats=_caveats(rates=rates, weighting=weighting, weighted=weighted, items=items, breakdowns=breakdowns,
                         composition=composition),
        questionnaire=_questionnaire(survey),
    )
