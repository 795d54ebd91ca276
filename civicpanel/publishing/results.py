"""A survey's key results as the public may see them.

The figures are the staff results page's own (surveys.results.question_results, weighted by
surveys.weighting exactly as there); this module only takes away what must not be public:

- a question that fewer than MIN_GROUP people answered shows no figure at all;
- in a question's line of shares, an answer chosen by fewer than MIN_GROUP people (but not by
  nobody: 0 % reveals no one) is hidden,
  and so is the one more answer that would let a reader work it out as 100 % minus the rest
  (methods.disclosure.suppress_line, the same rule the weighted estimates use);
- a multiple-choice answer is a yes/no line of its own: hidden when fewer than MIN_GROUP chose
  it or fewer than MIN_GROUP did not;
- a scale's average is shown only when none of its shares is hidden (with the shown shares it
  would solve the hidden ones);
- counts, free-text answers, "other" texts, lowest and highest numbers are never published
  (a number or a sentence can point to a person);
- breakdowns by profile group only as staff chose them when publishing, protected together
  with the line (publishing.breakdowns).

The feedback e-mail's summary (`summary_lines`) is made from these public figures, so it
can never say more than the public page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicpanel.common.formatting import number, percent
from civicpanel.methods.disclosure import suppress_line
from civicpanel.surveys.charts import bar_chart
from civicpanel.surveys.models import Question, Survey
from civicpanel.surveys.results import MIN_GROUP, response_rates
from civicpanel.surveys.results_cache import TIMEOUT, results_fingerprint, survey_results

SHARE_KINDS = (Question.Kind.SINGLE, Question.Kind.MULTI, Question.Kind.YESNO, Question.Kind.SCALE)


@dataclass
class PublicRow:
    label: str
    share: float | None = None  # None: hidden
    low: float | None = None
    high: float | None = None

    @property
    def hidden(self) -> bool:
        return self.share is None


@dataclass
class PublicQuestion:
    number: int
    label: str
    kind: str
    n: int
    too_few: bool = False
    rows: list[PublicRow] = field(default_factory=list)
    chart: str = ""
    mean: float | None = None  # a scale's, a number's average
    mean_low: float | None = None
    mean_high: float | None = None
    matrix: list[PublicRow] = field(default_factory=list)  # rows with their average as `share`
    texts_withheld: bool = False
    breakdowns: list = field(default_factory=list)  # publishing.breakdowns.PublicBreakdown

    @property
    def hidden_count(self) -> int:
        return sum(1 for row in self.rows + self.matrix if row.hidden)


@dataclass
class PublicResults:
    invited: int
    completed: int
    rate: float | None
    weighted: bool
    population: str
    reason: str
    questions: list[PublicQuestion]
    breakdowns: list[str] = field(default_factory=list)  # the profile questions' names

    @property
    def hidden_count(self) -> int:
        return sum(q.hidden_count for q in self.questions)


def _line_rows(item: dict, weighted: bool) -> list[PublicRow]:
    counts = np.array([row["count"] for row in item["table"]], dtype=np.int64)
    n = item["n"]
    if item["question"].kind == Question.Kind.MULTI:
        # Each option on its own: chosen and not chosen add up to those who answered.
        hidden = [bool(suppress_line(np.array([c, n - c]), min_count=MIN_GROUP).suppressed[:2].any())
                  for c in counts]
    else:
        # An answer nobody chose is 0 %, which reveals nothing; kept out of the line so that its
        # zero does not stand in for the figure a small cell needs hidden beside it (as the
        # weighted breakdowns do, surveys.weighting).
        chosen = np.flatnonzero(counts)
        hidden = [False] * len(counts)
        for index, hide in zip(chosen, suppress_line(counts[chosen], min_count=MIN_GROUP).suppressed[:-1],
                               strict=True):
            hidden[int(index)] = bool(hide)
    rows = []
    for row, hide in zip(item["table"], hidden, strict=True):
        if hide:
            rows.append(PublicRow(label=row["label"]))
            continue
        points = row.get("weighted") if weighted else None
        if points:
            rows.append(PublicRow(label=row["label"], share=points["estimate"], low=points["low"], high=points["high"]))
        else:
            rows.append(PublicRow(label=row["label"], share=row["share"] or 0.0))
    return rows


def _chart(question: Question, rows: list[PublicRow], weighted: bool) -> str:
    shown = [(row.label, row.share, percent(row.share)) for row in rows if not row.hidden]
    if not shown:
        return ""
    title = _("%(question)s (weighted)") % {"question": question.label} if weighted else question.label
    return bar_chart(shown, title=title, maximum=1.0)


def _public_question(item: dict, weighted: bool) -> PublicQuestion:
    question: Question = item["question"]
    public = PublicQuestion(number=item["number"], label=question.label, kind=question.kind, n=item["n"])
    if question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
        public.texts_withheld = True
        return public
    if item["n"] < MIN_GROUP:
        public.too_few = True
        return public
    if "table" in item:
        public.rows = _line_rows(item, weighted)
        public.chart = _chart(question, public.rows, weighted)
        # A scale's average beside a line with a hidden share would be a second equation that
        # solves the hidden ones (the sum of points over the same people): shown only when
        # every share is.
        if question.kind == Question.Kind.SCALE and not any(row.hidden for row in public.rows):
            _set_mean(public, item, weighted, item.get("mean"))
    elif "stats" in item:
        _set_mean(public, item, weighted, item["stats"]["mean"])
    elif "matrix" in item:
        for row in item["matrix"]:
            if row["n"] < MIN_GROUP:
                public.matrix.append(PublicRow(label=row["label"]))
            elif weighted and row.get("weighted"):
                w = row["weighted"]
                public.matrix.append(PublicRow(label=row["label"], share=w["estimate"], low=w["low"], high=w["high"]))
            else:
                public.matrix.append(PublicRow(label=row["label"], share=row["mean"]))
        shown = [(r.label, r.share, number(r.share, 1)) for r in public.matrix if not r.hidden]
        if shown:
            public.chart = bar_chart(shown, title=question.label, maximum=max(item["points"]))
    elif "ranking" in item:
        # The average place only: how many put an option first would be a count per option.
        public.matrix = [PublicRow(label=row["label"], share=row["mean"]) for row in item["ranking"]]
    return public


def _set_mean(public: PublicQuestion, item: dict, weighted: bool, unweighted_mean: float | None) -> None:
    points = (item.get("weighted") or {}).get("mean") if weighted else None
    if points:
        public.mean, public.mean_low, public.mean_high = points["estimate"], points["low"], points["high"]
    else:
        public.mean = unweighted_mean


def public_results(*, council, survey: Survey, breakdown_keys: list[str] | None = None) -> PublicResults:
    """The survey's public figures: weighted where the staff page weights, with suppression.

    Kept in the cache under the fingerprint of everything they are read from
    (surveys.results_cache): the public page, the open data and the feedback read the figures
    of the last answer, weight and population figure, and weigh the answers once per change
    rather than once per reader.

    `breakdown_keys`: the profile questions to break the shares down by (publishing.breakdowns);
    by default those chosen when the results were published."""
    from civicpanel.publishing.breakdowns import add_breakdowns, chosen_breakdowns
    from civicpanel.publishing.models import Publication

    if breakdown_keys is None:
        publication = Publication.objects.filter(council=council, survey=survey).first()
        breakdown_keys = publication.breakdowns if publication is not None else []
    breakdowns = chosen_breakdowns(council=council, keys=breakdown_keys)
    key = (f"publishing.public:{survey.pk}:{results_fingerprint(council=council, survey=survey)}:"
           f"{get_language()}:{','.join(b.key for b in breakdowns)}")
    found = cache.get(key)
    if found is not None:
        return found
    # The staff results page's own figures (and its cache entry: one weighting for both).
    data = survey_results(council=council, survey=survey, breakdown=None, weights_on=True)
    weighting, weighted = data["weighting"], data["weighted"]
    totals = response_rates(council=council, survey=survey)["totals"]
    results = PublicResults(
        invited=totals["invited"], completed=totals["completed"], rate=totals["rate"],
        weighted=weighted, population=weighting.population, reason=weighting.reason,
        questions=[_public_question(item, weighted) for item in data["items"]],
        breakdowns=[b.text for b in breakdowns],
    )
    if breakdowns:
        add_breakdowns(survey=survey, questions=results.questions, items=data["items"], breakdowns=breakdowns)
        # A line figure the breakdowns made hidden leaves the chart, and a scale its average.
        for public, item in zip(results.questions, data["items"], strict=True):
            if public.rows and any(row.hidden for row in public.rows):
                public.chart = _chart(item["question"], public.rows, weighted)
                if public.kind == Question.Kind.SCALE:
                    public.mean = public.mean_low = public.mean_high = None
    cache.set(key, results, TIMEOUT)
    return results


def summary_lines(results: PublicResults, *, limit: int = 5) -> list[str]:
    """A few plain sentences for the feedback e-mail, in the active language: per question the
    most chosen answer that is public (or the average), never a hidden figure."""
    lines = []
    for question in results.questions:
        if len(lines) >= limit:
            break
        shown = [row for row in question.rows if not row.hidden]
        if shown and question.kind != Question.Kind.MULTI:
            top = max(shown, key=lambda row: row.share)
            lines.append(_("%(question)s %(share)s answered “%(answer)s”.")
                         % {"question": question.label, "share": percent(top.share), "answer": top.label})
        elif shown:
            top = max(shown, key=lambda row: row.share)
            lines.append(_("%(question)s %(share)s chose “%(answer)s”.")
                         % {"question": question.label, "share": percent(top.share), "answer": top.label})
        elif question.mean is not None and question.kind == Question.Kind.NUMBER:
            lines.append(_("%(question)s On average %(mean)s.")
                         % {"question": question.label, "mean": number(question.mean, 1)})
    return lines
