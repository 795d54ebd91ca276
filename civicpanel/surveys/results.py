"""Following a survey and its first results: response rates (overall, per wave and reminder,
per profile category) and per-question counts, shares, averages, free text and breakdowns.

Only aggregates leave this module (the analyst role reads them): no member id, name or
e-mail, and a breakdown group with fewer than MIN_GROUP respondents is hidden.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from civicpanel.common.formatting import number, percent
from civicpanel.common.models import translated
from civicpanel.members.models import MemberAnswer
from civicpanel.outreach.selectors import mailings_with_status
from civicpanel.panel.models import ProfileQuestion
from civicpanel.panel.population_tables import audience_figures
from civicpanel.surveys.audience import audience_filters, category_q, profile_questions
from civicpanel.surveys.charts import bar_chart
from civicpanel.surveys.models import Answer, Invitation, Question, Response, Survey, Wave
from civicpanel.surveys.questions import TEXT_KINDS, option_codes, option_label, rows, scale_points
from civicpanel.surveys.selectors import survey_structure

MIN_GROUP = 5


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def response_rates(*, council, survey: Survey) -> dict:
    invitations = Invitation.objects.filter(survey=survey, survey__council=council)
    totals = invitations.aggregate(
        invited=Count("id"), completed=Count("id", filter=Q(completed_at__isnull=False)),
    )
    started = Response.objects.filter(survey=survey, completed_at__isnull=True).count()
    totals["started"] = started
    totals["rate"] = _rate(totals["completed"], totals["invited"])

    by_wave = {row["wave_id"]: row for row in invitations.values("wave_id").annotate(
        invited=Count("id"), completed=Count("id", filter=Q(completed_at__isnull=False))).order_by()}
    waves = list(Wave.objects.filter(survey=survey).order_by("send_at", "id"))
    mail_status = {m.pk: m.status for m in mailings_with_status(council=council, reference=f"survey:{survey.pk}")}
    completions = list(invitations.filter(completed_at__isnull=False).values_list("completed_at", flat=True))
    timeline = []
    for i, wave in enumerate(waves):
        until = waves[i + 1].send_at if i + 1 < len(waves) else None
        after = sum(1 for c in completions if c >= wave.send_at and (until is None or c < until))
        row = {"wave": wave, "recipients": wave.recipient_count, "answered_after": after, "until": until,
               "mail": mail_status.get(wave.mailing_id)}
        if wave.kind == Wave.Kind.INVITATION:
            counts = by_wave.get(wave.pk, {"invited": 0, "completed": 0})
            row.update(invited=counts["invited"], completed=counts["completed"],
                       rate=_rate(counts["completed"], counts["invited"]))
        timeline.append(row)

    # Population shares of the residents the survey was sent to (one district: that district's).
    questions = profile_questions(council=council)
    audience = audience_figures(council=council, filters=audience_filters(survey), questions=questions)
    figures = {o.pk: c for m in audience.margins.values() for o, c in zip(m.options, m.counts, strict=True)}
    categories = []
    for question in questions:
        options = list(question.options.all())
        if not options:
            continue
        aggregates = invitations.aggregate(**{
            key: value for o in options for key, value in (
                (f"i{o.pk}", Count("id", filter=category_q(question, o, member="member__"))),
                (f"c{o.pk}", Count("id", filter=category_q(question, o, member="member__") & Q(completed_at__isnull=False))),
            )
        })
        population_total = sum(figures.get(o.pk, 0) for o in options)
        table = []
        for o in options:
            invited, completed = aggregates[f"i{o.pk}"], aggregates[f"c{o.pk}"]
            pop = figures.get(o.pk)
            table.append({
                "option": o, "invited": invited, "completed": completed, "rate": _rate(completed, invited),
                "missing": invited - completed,
                "respondent_share": _rate(completed, totals["completed"]),
                "population_share": (pop / population_total) if pop is not None and population_total else None,
            })
        categories.append({"question": question, "rows": table, "has_population": population_total > 0})
    return {"totals": totals, "timeline": timeline, "categories": categories}


def respondent_categories(*, survey: Survey, question: ProfileQuestion) -> dict[int, set[int]]:
    """Completed response id -> the option ids of one profile question its member falls in.
    Empty for an anonymous survey once closed (the link is gone, by design)."""
    return respondents_categories(survey=survey, questions=[question])[question.pk]


def respondents_categories(*, survey: Survey, questions) -> dict[int, dict[int, set[int]]]:
    """respondent_categories for several profile questions at once: question id -> (completed
    response id -> option ids). Two queries however many questions (the respondents with their
    members' birth year and district; the chosen options of the other questions), so that
    weighting and exports of a big survey do not read the respondents once per question."""
    people = list(
        Response.objects.filter(survey=survey, completed_at__isnull=False, invitation__isnull=False)
        .values_list("pk", "invitation__member_id", "invitation__member__birth_year", "invitation__member__district_id")
    )
    result: dict[int, dict[int, set[int]]] = {q.pk: defaultdict(set) for q in questions}
    chosen = [q for q in questions if q.kind not in (ProfileQuestion.Kind.BIRTH_YEAR, ProfileQuestion.Kind.DISTRICT)]
    if chosen and people:
        member_to_response = {member: response_id for response_id, member, _b, _d in people}
        respondents = Response.objects.filter(survey=survey, completed_at__isnull=False,
                                              invitation__isnull=False).values("invitation__member_id")
        for question_id, member, option in MemberAnswer.objects.filter(
            question__in=chosen, member_id__in=respondents
        ).values_list("question_id", "member_id", "option_id"):
            if member in member_to_response:
                result[question_id][member_to_response[member]].add(option)
    year = timezone.localdate().year
    for question in questions:
        options = list(question.options.all())
        into = result[question.pk]
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            # Each age once, not each respondent: the bands an age falls in.
            bands: dict[int, list[int]] = {}
            for response_id, _member, birth_year, _district in people:
                if birth_year is None:
                    continue
                age = year - birth_year
                if age not in bands:
                    bands[age] = [o.pk for o in options if (o.min_age is None or age >= o.min_age)
                                  and (o.max_age is None or age <= o.max_age)]
                if bands[age]:
                    into[response_id].update(bands[age])
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            by_district = {o.district_id: o.pk for o in options}
            for response_id, _member, _birth_year, district in people:
                if district in by_district:
                    into[response_id].add(by_district[district])
    return result


@dataclass(frozen=True)
class ModeGroup:
    """One mode (web, paper, phone) as a breakdown group, shaped like a profile option."""

    pk: str
    text: str
    order: int

    def __str__(self) -> str:
        return self.text


class ModeBreakdown:
    """Results split by how the answers came in, offered beside the profile questions. Its
    `kind` is no profile kind, so no weighted breakdown is made for it (weights stand on the
    profile); the unweighted split keeps the same < MIN_GROUP suppression."""

    key = "mode"
    kind = "mode"

    def __init__(self):
        self.text = _("Mode (online, paper, phone)")
        self.groups = [ModeGroup(pk=value, text=str(label), order=i)
                       for i, (value, label) in enumerate(Response.Mode.choices)]

    @property
    def options(self):
        return self

    def all(self) -> list[ModeGroup]:
        return self.groups

    def categories(self, survey: Survey) -> dict[int, set[str]]:
        return {pk: {mode} for pk, mode in Response.objects.filter(survey=survey, completed_at__isnull=False)
                .values_list("pk", "mode")}


def mode_breakdown() -> ModeBreakdown:
    return ModeBreakdown()


def modes_answered(*, council, survey: Survey) -> list[tuple[str, int]]:
    """Completed responses per mode, for the response-rate page (every mode, zeros too)."""
    counts = dict(Response.objects.filter(survey=survey, survey__council=council, completed_at__isnull=False)
                  .values_list("mode").annotate(n=Count("id")).order_by())
    return [(str(label), counts.get(value, 0)) for value, label in Response.Mode.choices]


def _share_rows(question: Question, values: list) -> list[dict]:
    """Counts and shares per option (a multiple-choice share is of those who answered)."""
    n = len(values)
    counter: Counter = Counter()
    for value in values:
        for code in value if isinstance(value, list) else [value]:
            counter[str(code)] += 1
    if question.kind == Question.Kind.YESNO:
        codes = [("yes", _("Yes")), ("no", _("No"))]
    elif question.kind == Question.Kind.SCALE:
        codes = [(str(p), str(p)) for p in scale_points(question)]
    else:
        codes = [(c, option_label(question, c)) for c in option_codes(question)]
    return [{"code": c, "label": label, "count": counter[c], "share": _rate(counter[c], n)} for c, label in codes]


def _chart(question: Question, table: list[dict]) -> str:
    return bar_chart([(r["label"], r["share"] or 0, percent(r["share"] or 0)) for r in table],
                     title=question.label, maximum=1.0)


def _protect_by_subtraction(rows: list[dict], *, total: int) -> list[dict]:
    """Secondary suppression for a breakdown: the overall table minus the groups shown gives
    the answers of everyone not shown, so that remainder must itself be at least MIN_GROUP
    people (or none). Hide the smallest groups shown until it is."""
    rows = sorted(rows, key=lambda row: row["n"])
    while rows and 0 < total - sum(row["n"] for row in rows) < MIN_GROUP:
        rows.pop(0)
    return sorted(rows, key=lambda row: row["group"].order)


def completed_answers(*, council, survey: Survey) -> dict[int, list[tuple[int, object, str]]]:
    """Question id -> (response id, value, "other" text) of every completed response, in
    response order: read once for a page and shared by the unweighted and weighted figures.

    The values are read as JSON text and each distinct text decoded once: a survey's answers
    repeat a few values (option codes, scale points) tens of thousands of times."""
    answers: dict[int, list[tuple[int, object, str]]] = defaultdict(list)
    decoded: dict[str, object] = {}
    for question_id, response_id, text, other in Answer.objects.filter(
        response__survey=survey, response__survey__council=council, response__completed_at__isnull=False,
    ).annotate(text=Cast("value", TextField())).values_list(
        "question_id", "response_id", "text", "other_text").order_by("response_id"):
        if text is None:
            value = None
        elif text in decoded:
            value = decoded[text]
        else:
            value = decoded[text] = json.loads(text)
        answers[question_id].append((response_id, value, other))
    return answers


def question_results(*, council, survey: Survey, breakdown: ProfileQuestion | ModeBreakdown | None = None,
                     answers: dict[int, list[tuple[int, object, str]]] | None = None) -> tuple[list[dict], int]:
    """Per question (in survey order): n, a table of counts and shares with a chart, averages
    where they fit, free text; and, if asked, the same split by one profile question.
    `answers`: completed_answers, when the caller has read them already."""
    structure = survey_structure(survey)
    if answers is None:
        answers = completed_answers(council=council, survey=survey)
    groups = None
    hidden_groups = 0
    if breakdown is not None:
        if isinstance(breakdown, ModeBreakdown):
            categories = breakdown.categories(survey)
        else:
            categories = respondent_categories(survey=survey, question=breakdown)
        groups = []
        for option in breakdown.options.all():
            members = {rid for rid, opts in categories.items() if option.pk in opts}
            if len(members) < MIN_GROUP:
                hidden_groups += 1
                continue
            groups.append((option, members))
    results = []
    for question in structure.questions:
        if not question.answerable:
            continue
        given = answers.get(question.pk, [])
        values = [v for _r, v, _o in given]
        item = {"question": question, "number": structure.number_of(question), "n": len(values)}
        kind = question.kind
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTI, Question.Kind.YESNO, Question.Kind.SCALE):
            item["table"] = _share_rows(question, values)
            item["chart"] = _chart(question, item["table"])
            if kind == Question.Kind.SCALE and values:
                item["mean"] = statistics.fmean(values)
            if kind == Question.Kind.SINGLE:
                item["others"] = [o for _r, _v, o in given if o]
            if groups is not None:
                rows_shown = []
                for option, members in groups:
                    subset = [v for r, v, _o in given if r in members]
                    row = {"group": option, "n": len(subset), "cells": _share_rows(question, subset)}
                    if kind == Question.Kind.SCALE and subset:
                        row["mean"] = statistics.fmean(subset)
                    if len(subset) >= MIN_GROUP:
                        rows_shown.append(row)
                item["breakdown"] = _protect_by_subtraction(rows_shown, total=len(values))
        elif kind == Question.Kind.NUMBER:
            numbers = [float(v) for v in values]
            if numbers:
                item["stats"] = {"mean": statistics.fmean(numbers), "median": statistics.median(numbers),
                                 "min": min(numbers), "max": max(numbers)}
        elif kind == Question.Kind.MATRIX:
            table = []
            for row in rows(question):
                points = [v.get(str(row["code"])) for v in values if isinstance(v, dict) and v.get(str(row["code"])) is not None]
                table.append({"code": str(row["code"]), "label": translated(row["label"]), "n": len(points),
                              "mean": statistics.fmean(points) if points else None,
                              "counts": [sum(1 for p in points if p == s) for s in scale_points(question)]})
            item["matrix"] = table
            item["points"] = scale_points(question)
            top = max(scale_points(question))
            item["chart"] = bar_chart([(r["label"], r["mean"] or 0, number(r["mean"], 1))
                                       for r in table], title=question.label, maximum=top)
        elif kind == Question.Kind.RANKING:
            table = []
            for code in option_codes(question):
                places = [v.index(code) + 1 for v in values if isinstance(v, list) and code in v]
                table.append({"label": option_label(question, code), "first": sum(1 for p in places if p == 1),
                              "mean": statistics.fmean(places) if places else None})
            table.sort(key=lambda r: (r["mean"] is None, r["mean"] or 0))
            item["ranking"] = table
            item["chart"] = bar_chart([(r["label"], r["first"], number(r["first"])) for r in table],
                                      title=question.label)
        elif kind in TEXT_KINDS:
            item["texts"] = [str(v) for v in values if v]
        results.append(item)
    return results, hidden_groups
