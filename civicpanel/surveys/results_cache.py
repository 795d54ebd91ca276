"""The results page's figures, kept in the cache until something they are computed from changes.

Weighting 50,000 responses takes seconds; the page is opened far more often than answers
arrive in a busy hour, and never needs to show anything older than the last answer. The key
therefore holds a fingerprint of everything the figures are read from:

- the survey's responses: their number and the last time any of them changed (every page a
  respondent sends updates it), so an answer arriving makes a new key at once;
- the survey itself (updated_at) and its sendings (number, last one, cancellations): the
  audience the weights stand for and the design weights;
- the council's population figures and joint tables (number and last change);
- the council's profile stamp (members.categories.profiles_stamp), set anew whenever a member's
  profile answers, birth year or district change or a member is erased: respondents' categories;
- the language, the breakdown and weights on or off.

Changes outside these (a profile question's wording, a survey question's text edited while
open) show when the entry expires, after TIMEOUT at the latest. Old entries are never read again
and expire the same way.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils.translation import get_language

from civicpanel.members.categories import profiles_stamp
from civicpanel.panel.models import PopulationFigure, PopulationTable, ProfileQuestion
from civicpanel.surveys import results
from civicpanel.surveys.models import Survey
from civicpanel.surveys.weighting import survey_weighting, weighted_items

TIMEOUT = 15 * 60


def results_fingerprint(*, council, survey: Survey) -> str:
    """What the results depend on, in a few aggregate queries (indexes on the survey and council)."""
    responses = survey.responses.aggregate(n=Count("id"), last=Max("updated_at"))
    waves = survey.waves.aggregate(n=Count("id"), last=Max("id"),
                                   cancelled=Count("id", filter=Q(cancelled_at__isnull=False)))
    figures = PopulationFigure.objects.filter(council=council).aggregate(n=Count("id"), last=Max("updated_at"))
    tables = PopulationTable.objects.filter(council=council).aggregate(n=Count("id"), last=Max("updated_at"))
    # Plain values: the same survey read afresh or kept in memory (a status enum, a tzinfo object
    # differ in their repr) gives the same key.
    parts = [survey.pk, survey.updated_at.timestamp() if survey.updated_at else None, str(survey.status), responses, waves, figures, tables,
             profiles_stamp(council_id=council.pk)]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _breakdown_key(breakdown) -> str:
    if breakdown is None:
        return "0"
    # A profile question, or another breakdown (by mode of answering) named by its kind.
    return str(breakdown.pk) if isinstance(breakdown, ProfileQuestion) else type(breakdown).__name__


def survey_results(*, council, survey: Survey, breakdown, weights_on: bool) -> dict:
    """The results page's figures: items (per question), hidden groups, the weighting and whether
    the items are weighted. Computed once per fingerprint, language and view."""
    key = (f"surveys.results:{survey.pk}:{results_fingerprint(council=council, survey=survey)}:"
           f"{get_language()}:{_breakdown_key(breakdown)}:{int(weights_on)}")
    found = cache.get(key)
    if found is not None:
        return found
    answers = results.completed_answers(council=council, survey=survey)
    items, hidden = results.question_results(council=council, survey=survey, breakdown=breakdown, answers=answers)
    weighting = survey_weighting(council=council, survey=survey)
    weighted = weighting.available and weights_on
    if weighted:
        weighted_items(weighting=weighting, survey=survey, items=items, breakdown=breakdown, answers=answers)
    data = {"items": items, "hidden": hidden, "weighting": weighting, "weighted": weighted}
    cache.set(key, data, TIMEOUT)
    return data
