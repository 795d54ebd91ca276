"""Following a survey and its first results: response rates (overall, per wave and reminder,
per profile category) and per-question counts, shares, averages, free text and breakdowns.

Only aggregates leave this module (the analyst role reads them): no member id, name or
e-mail, and a breakdown group with fewer than MIN_GROUP respondents is hidden.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connections
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from civicpanel.common.formatting import number, percent
from civicpanel.common.models import translated
from civicpanel.outreach.selectors import mailings_with_status
from civicpanel.panel.models import ProfileQuestion
from civicpanel.panel.population_tables import audience_figures
from civicpanel.surveys.audience import audience_filters, category_q, profile_questions
from civicpanel.surveys.charts import bar_chart
from civicpanel.surveys.models import Answer, Invitation, Question, Response, Survey, Wave
from civicpanel.surveys.questions import TEXT_KINDS, option_codes, option_label, rows, scale_points
from civicpanel.surveys.respondent_rows import category_matrix, respondent_rows
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
    response id -> option ids), read as arrays once (surveys.respondent_rows) for any number
    of questions."""
    profiles = respondent_rows(survey=survey)
    ids = profiles.response_ids
    result: dict[int, dict[int, set[int]]] = {}
    for question in questions:
        options = list(question.options.all())
        into: dict[int, set[int]] = defaultdict(set)
        at, column = np.nonzero(category_matrix(profiles, question, ids, options))
        pks = [o.pk for o in options]
        for response_id, k in zip(ids[at].tolist(), column.tolist(), strict=True):
            into[response_id].add(pks[k])
        result[question.pk] = into
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


def _share_rows(question: Question, counted: list[tuple[object, int]]) -> list[dict]:
    """Counts and shares per option (a multiple-choice share is of those who answered), from
    each distinct value given and how often."""
    n = sum(count for _value, count in counted)
    counter: Counter = Counter()
    for value, count in counted:
        for code in value if isinstance(value, list) else [value]:
            counter[str(code)] += count
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


class QuestionAnswers(Sequence):
    """One question's answers in completed responses, in response order, as (response id,
    value, "other" text) tuples; and `groups`: each distinct value once, with the ids of the
    responses that gave it, for figures computed over arrays (weighted estimates)."""

    def __init__(self, groups: list[tuple[object, np.ndarray]], others: dict[int, str]):
        self.groups = groups
        self.others = others
        self._rows: list[tuple[int, object, str]] | None = None

    def rows(self) -> list[tuple[int, object, str]]:
        if self._rows is None:
            if not self.groups:
                self._rows = []
            else:
                ids = np.concatenate([ids for _value, ids in self.groups])
                which = np.repeat(np.arange(len(self.groups)), [len(ids) for _value, ids in self.groups])
                order = np.argsort(ids, kind="stable")
                values = [value for value, _ids in self.groups]
                others = self.others
                self._rows = [(r, values[g], others.get(r, "")) for r, g in
                              zip(ids[order].tolist(), which[order].tolist(), strict=True)]
        return self._rows

    def __len__(self) -> int:
        return sum(len(ids) for _value, ids in self.groups)

    def counted(self, among: np.ndarray | None = None) -> list[tuple[object, int]]:
        """Each distinct value given and how often; only by the responses `among` (sorted ids)
        when given."""
        if among is None:
            return [(value, len(ids)) for value, ids in self.groups]
        return [(value, int(np.isin(ids, among, assume_unique=True).sum())) for value, ids in self.groups]

    def __getitem__(self, index):
        return self.rows()[index]

    def __iter__(self):
        return iter(self.rows())


def _each(counted: list[tuple[object, int]]) -> list:
    """The values, each as often as it was given (not in response order: for sums, which fsum
    makes exact whatever the order, and medians)."""
    out: list = []
    for value, count in counted:
        out += [value] * count
    return out


def _grouped_answers(council, survey: Survey) -> tuple[list[tuple[int, str | None, np.ndarray]], list[tuple]]:
    """(question id, value as JSON text, response ids) per distinct answer, and the (question
    id, response id, text) of every "other" text. On PostgreSQL the database groups the rows
    and joins each group's response ids into one text: 200,000 answers arrive as a few hundred
    rows; elsewhere the rows are grouped here."""
    answers = Answer.objects.filter(response__survey=survey, response__survey__council=council,
                                    response__completed_at__isnull=False)
    others = list(answers.exclude(other_text="").values_list("question_id", "response_id", "other_text"))
    texts = answers.annotate(text=Cast("value", TextField())).order_by()
    connection = connections[texts.db]
    if connection.vendor != "postgresql":
        grouped: dict[tuple[int, str | None], list[int]] = defaultdict(list)
        for question_id, response_id, text in texts.values_list("question_id", "response_id", "text"):
            grouped[question_id, text].append(response_id)
        return [(q, t, np.array(ids, dtype=np.int64)) for (q, t), ids in grouped.items()], others
    sql, params = texts.values_list("question_id", "response_id", "text").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT q, t, string_agg(r::text, ' ') FROM ({sql}) AS a (q, r, t) GROUP BY q, t",  # noqa: S608 - the queryset's own SQL
                       params)
        return [(q, t, np.fromstring(ids, dtype=np.int64, sep=" ")) for q, t, ids in cursor.fetchall()], others


def completed_answers(*, council, survey: Survey) -> dict[int, QuestionAnswers]:
    """Question id -> its answers in every completed response (QuestionAnswers): read once for a
    page and shared by the unweighted and weighted figures.

    A survey's answers repeat a few values (option codes, scale points) tens of thousands of
    times: each distinct value is read and decoded once."""
    groups, other_rows = _grouped_answers(council, survey)
    others: dict[int, dict[int, str]] = defaultdict(dict)
    for question_id, response_id, text in other_rows:
        others[question_id][response_id] = text
    by_question: dict[int, list[tuple[object, np.ndarray]]] = defaultdict(list)
    for question_id, text, ids in groups:
        by_question[question_id].append((None if text is None else json.loads(text), ids))
    answers: dict[int, QuestionAnswers] = defaultdict(lambda: QuestionAnswers([], {}))
    for question_id, given in by_question.items():
        answers[question_id] = QuestionAnswers(given, others.get(question_id, {}))
    return answers


def question_results(*, council, survey: Survey, breakdown: ProfileQuestion | ModeBreakdown | None = None,
                     answers: dict[int, QuestionAnswers] | None = None, profiles=None) -> tuple[list[dict], int]:
    """Per question (in survey order): n, a table of counts and shares with a chart, averages
    where they fit, free text; and, if asked, the same split by one profile question.
    `answers`: completed_answers, `profiles`: respondent_rows, when the caller has read them already."""
    structure = survey_structure(survey)
    if answers is None:
        answers = completed_answers(council=council, survey=survey)
    groups = None
    hidden_groups = 0
    if breakdown is not None:
        options = list(breakdown.options.all())
        if isinstance(breakdown, ModeBreakdown):
            categories = breakdown.categories(survey)
            groups_of = [np.array(sorted(rid for rid, opts in categories.items() if option.pk in opts), dtype=np.int64)
                         for option in options]
        else:
            profiles = profiles if profiles is not None else respondent_rows(survey=survey)
            matrix = category_matrix(profiles, breakdown, profiles.response_ids, options)
            groups_of = [profiles.response_ids[matrix[:, k]] for k in range(len(options))]
        groups = []
        for option, members in zip(options, groups_of, strict=True):
            if len(members) < MIN_GROUP:
                hidden_groups += 1
                continue
            groups.append((option, members))
    results = []
    for question in structure.questions:
        if not question.answerable:
            continue
        given = answers.get(question.pk) or QuestionAnswers([], {})
        counted = given.counted()
        n = sum(count for _value, count in counted)
        item = {"question": question, "number": structure.number_of(question), "n": n}
        kind = question.kind
        if kind in (Question.Kind.SINGLE, Question.Kind.MULTI, Question.Kind.YESNO, Question.Kind.SCALE):
            item["table"] = _share_rows(question, counted)
            item["chart"] = _chart(question, item["table"])
            if kind == Question.Kind.SCALE and n:
                item["mean"] = statistics.fmean(_each(counted))
            if kind == Question.Kind.SINGLE:
                item["others"] = [given.others[r] for r in sorted(given.others) if given.others[r]]
            if groups is not None:
                rows_shown = []
                for option, members in groups:
                    subset = given.counted(members)
                    size = sum(count for _value, count in subset)
                    row = {"group": option, "n": size, "cells": _share_rows(question, subset)}
                    if kind == Question.Kind.SCALE and size:
                        row["mean"] = statistics.fmean(_each(subset))
                    if size >= MIN_GROUP:
                        rows_shown.append(row)
                item["breakdown"] = _protect_by_subtraction(rows_shown, total=n)
        elif kind == Question.Kind.NUMBER:
            numbers = _each([(float(v), count) for v, count in counted])
            if numbers:
                item["stats"] = {"mean": statistics.fmean(numbers), "median": statistics.median(numbers),
                                 "min": min(numbers), "max": max(numbers)}
        elif kind == Question.Kind.MATRIX:
            table = []
            for row in rows(question):
                code = str(row["code"])
                points = [(v.get(code), count) for v, count in counted if isinstance(v, dict) and v.get(code) is not None]
                table.append({"code": code, "label": translated(row["label"]), "n": sum(c for _p, c in points),
                              "mean": statistics.fmean(_each(points)) if points else None,
                              "counts": [sum(c for p, c in points if p == s) for s in scale_points(question)]})
            item["matrix"] = table
            item["points"] = scale_points(question)
            top = max(scale_points(question))
            item["chart"] = bar_chart([(r["label"], r["mean"] or 0, number(r["mean"], 1))
                                       for r in table], title=question.label, maximum=top)
        elif kind == Question.Kind.RANKING:
            table = []
            for code in option_codes(question):
                places = [(v.index(code) + 1, count) for v, count in counted if isinstance(v, list) and code in v]
                table.append({"label": option_label(question, code), "first": sum(c for p, c in places if p == 1),
                              "mean": statistics.fmean(_each(places)) if places else None})
            table.sort(key=lambda r: (r["mean"] is None, r["mean"] or 0))
            item["ranking"] = table
            item["chart"] = bar_chart([(r["label"], r["first"], number(r["first"])) for r in table],
                                      title=question.label)
        elif kind in TEXT_KINDS:
            item["texts"] = [str(v) for _r, v, _o in given if v]
        results.append(item)
    return results, hidden_groups
