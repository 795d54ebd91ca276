"""The council's public panel site: what was asked, what residents answered, what came of it."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from civicpanel.publishing import selectors
from civicpanel.publishing.results import public_results
from civicpanel.surveys.purpose import LABELS, survey_purpose
from civicpanel.surveys.results import MIN_GROUP


def _council(request):
    if request.council is None:
        raise Http404
    return request.council


def site_view(request):
    council = _council(request)
    return render(request, "publishing/site.html", {"council": council,
                                                     "items": selectors.site_items(council=council)})


def survey_view(request, survey_id: int):
    council = _council(request)
    survey, publication = selectors.published_survey_get(council=council, survey_id=survey_id)
    return render(request, "publishing/survey.html", {
        "council": council, "survey": survey, "publication": publication, "purpose": survey_purpose(survey), "labels": LABELS,
        "results": public_results(council=council, survey=survey), "min_group": MIN_GROUP,
    })
