"""Published breakdowns: a survey's public shares split by up to MAX_BREAKDOWNS profile
questions the staff choose when publishing (age band, district, another single-choice question).

What is published per question and breakdown: each group's share of each answer, not weighted
(the people in one group answered so), beside the weighted line of the whole. Before anything
is shown, methods.disclosure.suppress_linked takes the line and all its breakdown tables
together, as a reader would, and hides:

- every figure of fewer than MIN_GROUP people (but not a 0 %), every figure of a group of fewer
  than MIN_GROUP people, and everything of the people in no group (never shown);
- whatever else would let a reader work out a hidden figure by subtraction: from the group's
  size, from the line of the whole, or across the two breakdowns of the same answers. This may
  hide a figure of the line of the whole too (it is then hidden on the page everywhere). A table
  that no further hidden figure can protect is not shown.

The reader is assumed to know every group's size and the counts behind the shares (the safe
assumption: shares and a size give counts). Free text, numbers, grids and rankings are not broken
down. A profile question with several answers per person (interests) cannot be a breakdown:
its groups overlap and would not add up to the whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from civicpanel.members.categories import STRATIFY_KINDS
from civicpanel.methods.disclosure import suppress_linked
from civicpanel.panel.models import ProfileQuestion
from civicpanel.surveys.models import Answer, Question, Survey
from civicpanel.surveys.results import MIN_GROUP, respondent_categories

MAX_BREAKDOWNS = 2
LINE_KINDS = (Question.Kind.SINGLE, Question.Kind.YESNO, Question.Kind.SCALE)


@dataclass
class BreakdownRow:
    label: str
    shares: list[float | None]  # per answer; None: hidden


@dataclass
class PublicBreakdown:
    title: str  # the profile question
    answers: list[str]
    rows: list[BreakdownRow] = field(default_factory=list)
    withdrawn: bool = False


def breakdown_choices(*, council) -> list[ProfileQuestion]:
    """The profile questions a survey's public results may be broken down by."""
    return list(ProfileQuestion.objects.filter(council=council, active=True, kind__in=STRATIFY_KINDS)
                .prefetch_related("options").order_by("order", "id"))


def chosen_breakdowns(*, council, keys: list[str]) -> list[ProfileQuestion]:
    by_key = {question.key: question for question in breakdown_choices(council=council)}
    return [by_key[key] for key in keys[:MAX_BREAKDOWNS] if key in by_key]


def _groups(survey: Survey, question: ProfileQuestion) -> tuple[list, dict[int, int]]:
    """The groups (options with anyone in them, in order) and each response's group index; a
    response in no option is in the last, never shown group."""
    options = list(question.options.all())
    categories = respondent_categories(survey=survey, question=question)
    index = {option.pk: i for i, option in enumerate(options)}
    member_of = {response: min(index[o] for o in opts) for response, opts in categories.items() if opts}
    present = sorted(set(member_of.values()))
    compact = {old: new for new, old in enumerate(present)}
    return [options[i] for i in present], {r: compact[g] for r, g in member_of.items()}


def add_breakdowns(*, survey: Survey, questions: list, items: list[dict], breakdowns: list[ProfileQuestion]) -> None:
    """Attach the protected breakdown tables to the public questions (in place), hiding in each
    question's own line what the tables would otherwise reveal."""
    if not breakdowns:
        return
    grouped = [_groups(survey, breakdown) for breakdown in breakdowns]
    values: dict[int, dict[int, object]] = defaultdict(dict)
    for question_id, response_id, value in Answer.objects.filter(
            response__survey=survey, response__completed_at__isnull=False,
            question__kind__in=[*LINE_KINDS, Question.Kind.MULTI]).values_list("question_id", "response_id", "value"):
        values[question_id][response_id] = value
    for public, item in zip(questions, items, strict=True):
        if public.too_few or not public.rows or "table" not in item:
            continue
        answers = values.get(item["question"].pk, {})
        codes = [str(row["code"]) for row in item["table"]]
        if item["question"].kind == Question.Kind.MULTI:
            _multi(public, item, answers, codes, breakdowns, grouped)
        else:
            _line(public, item, answers, codes, breakdowns, grouped)


def _count_tables(answers: dict, codes: list[str], grouped, chosen) -> list[np.ndarray]:
    """Per breakdown, answers x (groups + the people in no group) counts; `chosen(value, code)`."""
    tables = []
    for groups, member_of in grouped:
        table = np.zeros((len(codes), len(groups) + 1), dtype=np.int64)
        for response, value in answers.items():
            column = member_of.get(response, len(groups))
            for k, code in enumerate(codes):
                if chosen(value, code):
                    table[k, column] += 1
        tables.append(table)
    return tables


def _never_shown(tables: list[np.ndarray]) -> list[np.ndarray]:
    masks = []
    for table in tables:
        mask = np.zeros(table.shape, dtype=bool)
        mask[:, -1] = True
        masks.append(mask)
    return masks


def _line(public, item, answers, codes, breakdowns, grouped) -> None:
    tables = _count_tables(answers, codes, grouped, lambda value, code: str(value) == code)
    line = np.array([row["count"] for row in item["table"]], dtype=np.int64)
    if any(not np.array_equal(table.sum(axis=1), line) for table in tables):
        return  # answers outside the listed options: nothing is broken down rather than a guess
    result = suppress_linked(line, tables, line_hidden=np.array([row.hidden for row in public.rows]),
                             always_hidden=_never_shown(tables), min_count=MIN_GROUP)
    _hide_in_line(public, result.line)
    labels = [row.label for row in public.rows]
    for breakdown, (groups, _member_of), table, mask, withdrawn in zip(
            breakdowns, grouped, tables, result.tables, result.withdrawn, strict=True):
        shown = PublicBreakdown(title=breakdown.text, answers=labels, withdrawn=withdrawn)
        if not withdrawn:
            for g, group in enumerate(groups):
                size = table[:, g].sum()
                shown.rows.append(BreakdownRow(label=group.text, shares=[
                    None if mask[k, g] else float(table[k, g] / size) for k in range(len(codes))]))
        public.breakdowns.append(shown)


def _multi(public, item, answers, codes, breakdowns, grouped) -> None:
    """Each option is its own yes/no line (chosen, not chosen) with its own tables."""
    labels = [row.label for row in public.rows]
    shown = [PublicBreakdown(title=b.text, answers=labels) for b in breakdowns]
    cells: list[list[list[float | None]]] = [[[] for _g in groups] for groups, _m in grouped]
    line_hidden = np.zeros(len(codes), dtype=bool)
    for k, code in enumerate(codes):
        def picked(value, wanted, code=code):
            chosen = code in [str(v) for v in value] if isinstance(value, list) else str(value) == code
            return chosen == (wanted == "yes")
        tables = _count_tables(answers, ["yes", "no"], grouped, picked)
        line = tables[0].sum(axis=1)
        hidden_now = public.rows[k].hidden
        result = suppress_linked(line, tables, line_hidden=np.array([hidden_now, hidden_now]),
                                 always_hidden=_never_shown(tables), min_count=MIN_GROUP)
        line_hidden[k] = bool(result.line.any())
        for t, ((groups, _member_of), table, mask, withdrawn) in enumerate(
                zip(grouped, tables, result.tables, result.withdrawn, strict=True)):
            shown[t].withdrawn |= withdrawn
            for g in range(len(groups)):
                size = table[:, g].sum()
                cells[t][g].append(None if withdrawn or mask[:, g].any() else float(table[0, g] / size))
    _hide_in_line(public, line_hidden)
    for t, (groups, _member_of) in enumerate(grouped):
        if not shown[t].withdrawn:
            shown[t].rows = [BreakdownRow(label=group.text, shares=cells[t][g]) for g, group in enumerate(groups)]
        public.breakdowns.append(shown[t])


def _hide_in_line(public, mask: np.ndarray) -> None:
    for row, hide in zip(public.rows, mask, strict=True):
        if hide and not row.hidden:
            row.share = row.low = row.high = None
