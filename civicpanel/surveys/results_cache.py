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
from django.utils import timezone, translation
from django.utils.translation import get_language

from civicpanel.members.categories import profiles_stamp
from civicpanel.panel.models import PopulationFigure, PopulationTable, ProfileQuestion
from civicpanel.surveys import results
from civicpanel.surveys.models import Survey
from civicpanel.surveys.respondent_rows import respondent_rows
from civicpanel.surveys.weighting import survey_weighting, weighted_items

TIMEOUT = 15 * 60
# The last figures computed of each view, shown (with when and from how many answers) while the
# worker computes those with the answers that came since.
LATEST = "surveys.results.latest:{survey_id}:{view}"
LATEST_TIMEOUT = 24 * 60 * 60
REFRESHING = "surveys.results.refreshing:{survey_id}:{view}"
REFRESH_TIMEOUT = 5 * 60


def _fingerprints(*, council, survey: Survey) -> tuple[str, str, int]:
    """The fingerprint of everything the results are read from, that of everything but the
    responses (the basis: sendings, figures, profiles, the survey), and the number of completed
    responses; in a few aggregate queries (indexes on the survey and council)."""
    responses = survey.responses.aggregate(n=Count("id"), last=Max("updated_at"),
                                           completed=Count("id", filter=Q(completed_at__isnull=False)))
    waves = survey.waves.aggregate(n=Count("id"), last=Max("id"),
                                   cancelled=Count("id", filter=Q(cancelled_at__isnull=False)))
    figures = PopulationFigure.objects.filter(council=council).aggregate(n=Count("id"), last=Max("updated_at"))
    tables = PopulationTable.objects.filter(council=council).aggregate(n=Count("id"), last=Max("updated_at"))
    # Plain values: the same survey read afresh or kept in memory (a status enum, a tzinfo object
    # differ in their repr) gives the same key.
    basis = [survey.pk, survey.updated_at.timestamp() if survey.updated_at else None, str(survey.status), waves,
             figures, tables, profiles_stamp(council_id=council.pk), survey.anonymised_at is not None]
    return (hashlib.sha256(repr([*basis, responses]).encode()).hexdigest()[:32],
            hashlib.sha256(repr(basis).encode()).hexdigest()[:32], responses["completed"])


def results_fingerprint(*, council, survey: Survey) -> str:
    """What the results depend on: an answer arriving, a sending, new figures, a profile change
    each make a new one."""
    return _fingerprints(council=council, survey=survey)[0]


def _breakdown_key(breakdown) -> str:
    if breakdown is None:
        return "0"
    # A profile question, or another breakdown (by mode of answering) named by its kind.
    return str(breakdown.pk) if isinstance(breakdown, ProfileQuestion) else type(breakdown).__name__


def _view(breakdown, weights_on: bool) -> str:
    return f"{get_language()}:{_breakdown_key(breakdown)}:{int(weights_on)}"


def survey_results(*, council, survey: Survey, breakdown, weights_on: bool, earlier_allowed: bool = False) -> dict:
    """The results page's figures: items (per question), hidden groups, the weighting and whether
    the items are weighted. Computed once per fingerprint, language and view.

    `earlier_allowed` (the staff page): when only answers have arrived since the figures of this
    view were last computed, those figures come back at once with "earlier" (when they were
    computed, from how many completed responses, and how many there are now), and the task
    worker computes the new ones (one task per survey and view at a time). Anything else that
    changed (a sending, the figures, a profile) means computing them here."""
    full, basis, completed = _fingerprints(council=council, survey=survey)
    view = _view(breakdown, weights_on)
    key = f"surveys.results:{survey.pk}:{full}:{view}"
    found = cache.get(key)
    if found is not None:
        return found
    latest_key = LATEST.format(survey_id=survey.pk, view=view)
    if earlier_allowed:
        latest = cache.get(latest_key)
        if latest is not None and latest["basis"] == basis and latest["completed"] <= completed:
            _refresh_soon(survey=survey, breakdown=breakdown, weights_on=weights_on, view=view)
            found = cache.get(key)  # a worker that runs tasks at once (tests) has them ready
            if found is not None:
                return found
            return {**latest["data"], "earlier": {"at": latest["at"], "completed": latest["completed"],
                                                  "now": completed}}
    started = timezone.now()
    answers = results.completed_answers(council=council, survey=survey)
    # The respondents' profiles read once for the breakdown and the weights (survey.anonymised_at:
    # none are linked any more, and the weighting says why it cannot weigh).
    profiles = respondent_rows(survey=survey)
    items, hidden = results.question_results(council=council, survey=survey, breakdown=breakdown, answers=answers,
                                             profiles=profiles)
    weighting = survey_weighting(council=council, survey=survey, profiles=profiles)
    weighted = weighting.available and weights_on
    if weighted:
        weighted_items(weighting=weighting, survey=survey, items=items, breakdown=breakdown, answers=answers)
    data = {"items": items, "hidden": hidden, "weighting": weighting.for_display(), "weighted": weighted}
    cache.set(key, data, TIMEOUT)
    # The number of completed responses counted before reading them: the figures hold at least these.
    cache.set(latest_key, {"basis": basis, "completed": completed, "at": started, "data": data}, LATEST_TIMEOUT)
    return data


def _refresh_soon(*, survey: Survey, breakdown, weights_on: bool, view: str) -> None:
    """Queue the computation of this view's figures, unless one is queued or running already
    (the flag expires by itself should a worker stop halfway)."""
    from civicpanel.surveys.tasks import survey_results_refresh

    if not cache.add(REFRESHING.format(survey_id=survey.pk, view=view), True, REFRESH_TIMEOUT):
        return
    by = "" if breakdown is None else breakdown.key
    survey_results_refresh.enqueue(survey.pk, get_language(), by, weights_on)


def survey_results_refresh(*, survey_id: int, language: str, by: str, weights_on: bool) -> None:
    """The task: compute a view's figures (in its language) and keep them; then let the next
    answer queue another."""
    from civicpanel.surveys.audience import profile_questions

    survey = Survey.objects.select_related("council").filter(pk=survey_id).first()
    if survey is None:
        return
    with translation.override(language):
        if by == results.ModeBreakdown.key:
            breakdown = results.mode_breakdown()
        else:
            breakdown = next((q for q in profile_questions(council=survey.council) if q.key == by), None)
        view = _view(breakdown, weights_on)
        try:
            survey_results(council=survey.council, survey=survey, breakdown=breakdown, weights_on=weights_on)
        finally:
            cache.delete(REFRESHING.format(survey_id=survey.pk, view=view))
