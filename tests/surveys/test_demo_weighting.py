"""The demo's Vigerslev traffic survey is weighted to Vigerslev's residents (issue 10's "done when")."""

from __future__ import annotations

import pytest
from django.utils import translation

from civicpanel.surveys.models import Survey
from civicpanel.surveys.weighting import survey_weighting

pytestmark = pytest.mark.django_db


def test_the_vigerslev_survey_stands_for_vigerslevs_residents():
    from civicpanel.demo.seed import seed_demo

    seed_demo()
    survey = Survey.objects.filter(council__slug="valby", responses__completed_at__isnull=False).distinct().get()
    with translation.override("da"):
        weighting = survey_weighting(council=survey.council, survey=survey)
    assert weighting.available and weighting.restricted
    assert weighting.population == "borgere i Vigerslev på 15 år og derover, 1. januar 2026"
    # Gender and age from Vigerslev's own figures (the joint table), not Valby's.
    assert {"Køn", "Fødselsår"} <= set(weighting.feature_names)
    assert "Bydel" not in weighting.feature_names
    by_name = {m.name: m for m in weighting.features}
    age = by_name.get("Fødselsår") or next(m for m in weighting.features if "Fødselsår" in m.joint)
    # Vigerslev's residents in the demo's table: 12,600 in all.
    assert sum(age.counts) == pytest.approx(12600)
    # Nothing dropped without a word: every note is Danish.
    for note in weighting.notes + weighting.merges:
        assert " is " not in note and " the " not in note, note
