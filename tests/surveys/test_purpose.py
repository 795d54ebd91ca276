"""A survey's purpose (required before sending) and its decision, written on the survey's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.surveys import services
from civicpanel.surveys.models import Survey
from civicpanel.surveys.purpose import purpose_missing, survey_purpose
from tests.factories import MemberFactory
from tests.surveys.factories import t

pytestmark = pytest.mark.django_db


def _open_survey_without_purpose(council) -> Survey:
    survey = services.survey_create(council=council, actor=None, title=t("Parks"), thanks=t("Thanks."))
    page = survey.pages.get()
    services.question_create(council=council, actor=None, page=page, kind="yesno", text=t("Do you use the park?"))
    return services.survey_open(council=council, actor=None, survey=survey)


def test_the_send_page_refuses_until_the_purpose_is_written_and_then_leads_back(council, staff_client):
    MemberFactory(council=council)
    survey = _open_survey_without_purpose(council)
    manager = staff_client("manager")
    send_url = reverse("staff:survey_send", args=[survey.pk])

    html = manager.get(send_url).content.decode()
    assert "purpose before sending it" in html
    assert "How the answers will be used" in html and "For which committee or case" in html
    assert reverse("staff:survey_purpose", args=[survey.pk]) + "?next=send" in html
    assert 'name="audience"' not in html  # no audience to choose yet

    # Only the first language is required; the others may follow.
    response = manager.post(reverse("staff:survey_purpose", args=[survey.pk]) + "?next=send", {
        "purpose_da": "Brugen af parken", "committee_da": "Miljøudvalget", "answers_use_da": "Parkplanen",
    })
    assert response.status_code == 302 and response.url == send_url
    assert 'name="audience"' in manager.get(send_url).content.decode()


def test_the_service_refuses_to_send_without_a_purpose(council):
    MemberFactory(council=council)
    survey = _open_survey_without_purpose(council)
    with pytest.raises(ValidationError, match="how the answers will be used"):
        services.wave_send(council=council, actor=None, survey=survey, filters={})
    services.survey_purpose_update(council=council, actor=None, survey=survey, purpose=t("Why"),
                                   committee=t("Who"), answers_use={})
    assert purpose_missing(Survey.objects.get(pk=survey.pk)) == ["answers_use"]


def test_purpose_and_decision_are_saved_per_language_shown_and_audited(council, staff_client):
    survey = _open_survey_without_purpose(council)
    manager = staff_client("manager")
    yesterday = timezone.localdate() - timedelta(days=1)
    response = manager.post(reverse("staff:survey_purpose", args=[survey.pk]), {
        "purpose_da": "Hvordan bruges parken?", "purpose_en": "How is the park used?",
        "committee_da": "Miljøudvalget", "answers_use_da": "Parkplanen",
        "decision_da": "Nye bænke", "decision_en": "New benches", "decision_date": yesterday.isoformat(),
    })
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.purpose == {"da": "Hvordan bruges parken?", "en": "How is the park used?"}
    assert survey.decision_date == yesterday and survey.outcome == {} and survey.outcome_date is None
    assert survey_purpose(survey, "en").decision == "New benches"
    assert survey_purpose(survey, "nb").purpose == "How is the park used?"  # falls back like other texts
    event = AuditEvent.objects.get(action="survey.purpose")
    assert event.actor == manager.user and event.object_id == str(survey.pk)
    assert set(event.detail["fields"]) == {"purpose", "committee", "answers_use", "decision", "decision_date"}

    html = manager.get(reverse("staff:survey_detail", args=[survey.pk])).content.decode()
    assert "How is the park used?" in html and "New benches" in html


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision_en": "New benches"}, "decision_date", "Give the date as well."),
    ({"outcome_date": "2026-01-05"}, "outcome", "Write what the date is about"),
    ({"decision_en": "Later", "decision_date": "2999-01-01"}, "decision_date", "cannot be in the future"),
])
def test_a_decision_needs_its_date_and_a_date_its_text(council, staff_client, data, field, message):
    survey = _open_survey_without_purpose(council)
    manager = staff_client("manager")
    response = manager.post(reverse("staff:survey_purpose", args=[survey.pk]), {
        "purpose_da": "Hvorfor", "committee_da": "Hvem", "answers_use_da": "Hvordan", **data,
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="survey.purpose").exists()
    assert Survey.objects.get(pk=survey.pk).purpose == {}


def test_a_copy_keeps_the_purpose_but_not_the_decision(council):
    survey = _open_survey_without_purpose(council)
    survey = services.survey_purpose_update(council=council, actor=None, survey=survey, purpose=t("Why"),
                                            committee=t("Who"),
                                   answers_use=t("How"), decision=t("Benches"), decision_date=timezone.localdate())
    copy = services.survey_copy(council=council, actor=None, survey=survey)
    assert (copy.purpose, copy.committee, copy.answers_use) == (t("Why"), t("Who"), t("How"))
    assert copy.decision == {} and copy.decision_date is None


def test_an_analyst_cannot_edit_the_purpose(council, staff_client):
    survey = _open_survey_without_purpose(council)
    assert staff_client("analyst").get(reverse("staff:survey_purpose", args=[survey.pk])).status_code == 403
