"""Representativeness of one survey: for each profile question, the residents the survey stands
for (population figures of its audience), the members invited, the respondents before and after
weighting, and the response rate per category; and the R-indicator of the wave
(`methods.representativity.r_indicator`, Schouten, Cobben and Bethlehem 2009) from the invited
members' response propensities, a logistic model on the profile questions.

A member without an answer to a profile question is put in a category of their own ("no
answer") for the model, so that nobody invited is left out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from civicpanel.common.method_errors import method_error_text
from civicpanel.methods.representativity import RepresentativityError, r_indicator
from civicpanel.panel.models import ProfileQuestion
from civicpanel.panel.population_tables import audience_figures
from civicpanel.surveys.audience import audience_filters, profile_questions
from civicpanel.surveys.models import Invitation, Survey
from civicpanel.surveys.results import respondent_categories
from civicpanel.surveys.sampling import (
    STRATIFY_KINDS,
    Feature,
    member_categories,
    population_features,
)
from civicpanel.surveys.weighting import survey_weighting


@dataclass
class CategoryRow:
    label: str
    population_share: float | None
    invited: int
    invited_share: float | None
    respondents: int
    respondent_share: float | None
    weighted_share: float | None
    response_rate: float | None


@dataclass
class QuestionRows:
    question: ProfileQuestion
    rows: list[CategoryRow]
    has_population: bool
    no_answer: int = 0  # invited members without an answer to the question


@dataclass
class Representativeness:
    invited: int = 0
    respondents: int = 0
    response_rate: float | None = None
    questions: list[QuestionRows] = field(default_factory=list)
    r: float | None = None
    sd: float | None = None
    mean_propensity: float | None = None
    model_questions: list[str] = field(default_factory=list)
    r_problem: str = ""
    population: str = ""
    weighted: bool = False
    anonymised: bool = False


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def survey_representativeness(*, council, survey: Survey) -> Representativeness:
    """Everything the representativeness page shows (see the module docstring)."""
    report = Representativeness(anonymised=bool(survey.anonymised_at))
    invitations = list(Invitation.objects.filter(survey=survey, survey__council=council, wave__cancelled_at__isnull=True)
                       .values_list("member_id", "completed_at", "inclusion_probability"))
    report.invited = len(invitations)
    report.respondents = sum(1 for _m, done, _p in invitations if done)
    report.response_rate = _share(report.respondents, report.invited)
    if not invitations:
        return report
    questions = [q for q in profile_questions(council=council) if q.kind in STRATIFY_KINDS]
    features = {f.key: f for f in population_features(council=council) if f.usable}
    one_way = {o.pk: f.figures[o.pk] for f in features.values() for o in f.options}
    figures = audience_figures(council=council, filters=audience_filters(survey), questions=questions,
                               one_way=one_way)
    weighting = survey_weighting(council=council, survey=survey)
    report.weighted = weighting.available
    report.population = weighting.population
    weights = weighting.by_response()
    member_ids = [m for m, _done, _p in invitations]
    answered = np.array([done is not None for _m, done, _p in invitations])
    codes: dict[str, np.ndarray] = {}
    sizes: dict[str, int] = {}
    for question in questions:
        options = list(question.options.all())
        if not options:
            continue
        feature = Feature(question=question, options=options, figures={})
        categories = member_categories(council=council, feature=feature)
        index = {o.pk: i for i, o in enumerate(options)}
        member_codes = np.array([index.get(categories.get(m, -1), len(options)) for m in member_ids], dtype=np.int64)
        invited = np.bincount(member_codes, minlength=len(options) + 1)
        completed = np.bincount(member_codes[answered], minlength=len(options) + 1)
        margin = figures.margins.get(question.key) if figures.describable else None
        population_total = sum(margin.counts) if margin else 0
        weighted = np.zeros(len(options))
        if weights and not survey.anonymised_at:
            for response_id, options_of in respondent_categories(survey=survey, question=question).items():
                if response_id in weights and options_of:
                    weighted[min(index[o] for o in options_of)] += weights[response_id][1]
        rows = []
        for i, option in enumerate(options):
            rows.append(CategoryRow(
                label=option.text,
                population_share=_share(margin.counts[i], population_total) if margin else None,
                invited=int(invited[i]), invited_share=_share(invited[i], report.invited),
                respondents=int(completed[i]), respondent_share=_share(completed[i], report.respondents),
                weighted_share=_share(weighted[i], weighted.sum()) if weighted.sum() else None,
                response_rate=_share(completed[i], invited[i]),
            ))
        report.questions.append(QuestionRows(question=question, rows=rows, has_population=margin is not None,
                                             no_answer=int(invited[-1])))
        # The model uses a question where the invited members differ on it (one category says nothing).
        if np.count_nonzero(invited) > 1:
            codes[question.text] = member_codes
            sizes[question.text] = len(options) + 1
    design = np.array([1.0 / p if p else 1.0 for _m, _done, p in invitations])
    if not report.respondents:
        # Nobody has answered yet: every chance is 0 and R would read 1, which says nothing.
        report.r_problem = _("Nobody has answered yet, so there is no response to compare.")
        return report
    if not codes:
        report.r_problem = _("The members invited do not differ on any profile question, so there is nothing to "
                             "compare their response with.")
        return report
    try:
        result = r_indicator(codes, sizes, answered, design_weights=design)
    except RepresentativityError as error:
        report.r_problem = method_error_text(error)
        return report
    report.r, report.sd, report.mean_propensity = result.r, result.sd, result.mean_propensity
    report.model_questions = list(codes)
    return report
