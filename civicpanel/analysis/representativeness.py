"""How well the active panel mirrors the council's population, category by category.

Aggregates only: the dashboard is open to analysts, so nothing here names or lists a person.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicpanel.analysis.charts import Chart, ChartTable, share_comparison_chart
from civicpanel.common.formatting import number, percent
from civicpanel.members.categories import profiles_stamp
from civicpanel.members.models import Member
from civicpanel.members.selectors import member_counts_by_option, profile_questions
from civicpanel.panel.models import PopulationFigure, ProfileOption, ProfileQuestion

# Counting a panel of a million members' answers takes seconds, and the composition moves slowly:
# the dashboard is counted afresh when answers or population figures change, else at most this old.
COUNT_TTL = 10 * 60


def representativeness_counted(*, council) -> Representativeness:
    """`representativeness`, kept in the cache for COUNT_TTL seconds and computed afresh at once
    when members' profile answers or the population figures change (its `counted_at` says when)."""
    figures = PopulationFigure.objects.filter(council=council).aggregate(n=Count("id"), last=Max("updated_at"))
    key = (f"analysis.representativeness:{council.pk}:{profiles_stamp(council_id=council.pk)}:"
           f"{figures['n']}:{figures['last'].timestamp() if figures['last'] else 0}:{get_language()}")
    report = cache.get(key)
    if report is None:
        report = representativeness(council=council)
        report.counted_at = timezone.now()
        cache.set(key, report, COUNT_TTL)
    return report

# Questions whose categories exclude each other, so that shares add up to 100 % on both
# sides. A multiple-choice question has no such population margin.
COMPARABLE_KINDS = (ProfileQuestion.Kind.SINGLE, ProfileQuestion.Kind.BIRTH_YEAR, ProfileQuestion.Kind.DISTRICT)
# A group is named in the summary only if it is at least this far below its share.
HEADLINE_MIN_GAP_POINTS = 2.0
HEADLINE_GROUPS = 3


@dataclass
class GroupRow:
    question: ProfileQuestion
    option: ProfileOption
    label: str  # the group named on its own, e.g. "Ages 15–24"
    panel_count: int
    panel_share: float | None
    population_count: int | None
    population_share: float | None

    @property
    def gap_points(self) -> float | None:
        """Panel share minus population share, in percentage points (negative: too few)."""
        if self.panel_share is None or self.population_share is None:
            return None
        return (self.panel_share - self.population_share) * 100


@dataclass
class QuestionComposition:
    question: ProfileQuestion
    rows: list[GroupRow]
    answered: int       # active members placed in one of the categories
    unknown: int        # active members with no (or no matching) answer
    population_total: int
    chart: Chart | None = None

    @property
    def title(self) -> str:
        if self.question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            return _("Age")
        return self.question.text


@dataclass
class Representativeness:
    active_members: int
    counted_at: datetime.datetime | None = None
    questions: list[QuestionComposition] = field(default_factory=list)
    furthest_below: list[GroupRow] = field(default_factory=list)
    questions_without_figures: list[ProfileQuestion] = field(default_factory=list)


def group_label(question: ProfileQuestion, option: ProfileOption) -> str:
    if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
        return _("Ages %(band)s") % {"band": option.text}
    if question.kind == ProfileQuestion.Kind.DISTRICT:
        return option.text
    return _("%(question)s: %(answer)s") % {"question": question.text, "answer": option.text}


def _percent(share: float | None) -> str:
    return percent(share)


def _gap_text(points: float | None) -> str:
    if points is None:
        return "–"
    if round(points) < 0:
        return _("%(points)s below") % {"points": number(abs(points))}
    if round(points) > 0:
        return _("%(points)s above") % {"points": number(points)}
    return _("even")


def representativeness(*, council) -> Representativeness:
    """The active panel's composition beside the population for every profile question that
    has population figures, and the groups furthest below their population share.

    Shares of the panel are among the active members placed in a category of that question
    (members without an answer are counted apart as unknown); shares of the population are
    among the population figures of that question. A fixed number of queries.
    """
    questions = [q for q in profile_questions(council=council) if q.kind in COMPARABLE_KINDS]
    figures = dict(
        PopulationFigure.objects.filter(council=council, option__question__council=council)
        .values_list("option_id", "count")
    )
    active = Member.objects.filter(council=council, status=Member.Status.ACTIVE)
    active_total = active.count()
    report = Representativeness(active_members=active_total)
    with_figures = [q for q in questions if any(o.pk in figures for o in q.options.all())]
    report.questions_without_figures = [q for q in questions if q not in with_figures]
    counts = member_counts_by_option(council=council, queryset=active, questions=with_figures) if with_figures else {}

    for question in with_figures:
        options = list(question.options.all())
        answered = sum(counts[question.key].values())
        population_total = sum(figures.get(o.pk, 0) for o in options)
        rows = []
        for option in options:
            panel_count = counts[question.key][option.code]
            population = figures.get(option.pk)
            rows.append(GroupRow(
                question=question, option=option, label=group_label(question, option),
                panel_count=panel_count,
                panel_share=panel_count / answered if answered else None,
                population_count=population,
                population_share=population / population_total if population is not None and population_total else None,
            ))
        composition = QuestionComposition(question=question, rows=rows, answered=answered,
                                          unknown=active_total - answered, population_total=population_total)
        composition.chart = _chart(composition)
        report.questions.append(composition)

    below = [row for c in report.questions for row in c.rows
             if row.gap_points is not None and row.gap_points <= -HEADLINE_MIN_GAP_POINTS]
    report.furthest_below = sorted(below, key=lambda row: row.gap_points)[:HEADLINE_GROUPS]
    return report


def _chart(composition: QuestionComposition) -> Chart:
    question = composition.question
    below = [row for row in composition.rows if row.gap_points is not None and round(row.gap_points) < 0]
    if below:
        worst = min(below, key=lambda row: row.gap_points)
        description = _("Share of the active panel beside the share of residents for each answer. "
                        "Furthest below: %(group)s, %(panel)s of the panel and %(population)s of residents.") % {
            "group": worst.option.text, "panel": _percent(worst.panel_share),
            "population": _percent(worst.population_share)}
    else:
        description = _("Share of the active panel beside the share of residents for each answer. "
                        "No group is below its share of residents.")
    table = ChartTable(
        caption=_("%(question)s: panel and residents") % {"question": composition.title},
        columns=[_("Group"), _("Active members"), _("Share of panel"), _("Residents"), _("Share of residents"),
                 _("Difference (percentage points)")],
        rows=[[row.option.text, number(row.panel_count), _percent(row.panel_share),
               number(row.population_count),
               _percent(row.population_share), _gap_text(row.gap_points)] for row in composition.rows],
    )
    return share_comparison_chart(
        chart_id=f"representativeness-{question.key}",
        title=_("%(question)s: share of panel and of residents") % {"question": composition.title},
        description=description,
        labels=[row.option.text for row in composition.rows],
        panel_shares=[row.panel_share for row in composition.rows],
        population_shares=[row.population_share for row in composition.rows],
        panel_label=_("Active panel"), population_label=_("Residents"),
        table=table,
    )
