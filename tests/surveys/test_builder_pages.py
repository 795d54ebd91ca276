"""The builder's staff pages: create, add and edit questions, reorder, copy, preview, roles, tenants."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicpanel.surveys.models import Page, Question, Survey
from civicpanel.surveys.selectors import survey_structure
from tests.surveys.factories import build_survey

pytestmark = pytest.mark.django_db


def test_staff_builds_a_survey_through_the_pages(council, staff_client):
    client = staff_client("manager")
    response = client.post(reverse("staff:survey_create"), {
        "title_da": "Parker", "title_nb": "Parker", "title_en": "Parks", "intro_en": "Five minutes.",
        "thanks_en": "Results in May.", "reminder_count": 1, "reminder_interval_days": 4,
    })
    survey = Survey.objects.get(council=council)
    assert response.status_code == 302 and response["Location"] == reverse("staff:survey_detail", args=[survey.pk])
    page = Page.objects.get(survey=survey)
    url = reverse("staff:survey_question_create", args=[survey.pk, page.pk])
    assert client.get(url, {"kind": "single"}).status_code == 200
    response = client.post(url, {"kind": "single", "text_da": "Hvor ofte?", "text_en": "How often?",
                                 "options_da": "Dagligt\nUgentligt", "options_en": "Daily\nWeekly", "required": "on",
                                 "condition_op": "equals"})
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(survey=survey)
    assert question.options == [{"code": "1", "label": {"da": "Dagligt", "en": "Daily"}},
                                {"code": "2", "label": {"da": "Ugentligt", "en": "Weekly"}}]
    # Mismatched option counts per language: a message on that field, nothing saved.
    response = client.post(url, {"kind": "multi", "text_da": "Hvad?", "options_da": "A\nB\nC", "options_en": "A\nB",
                                 "condition_op": "equals"})
    assert response.status_code == 200
    assert "same number of lines" in response.content.decode()
    assert Question.objects.filter(survey=survey).count() == 1
    page_html = client.get(reverse("staff:survey_detail", args=[survey.pk])).content.decode()
    assert "How often?" in page_html or "Hvor ofte?" in page_html
    assert "Move up" not in page_html and "Move down" not in page_html  # the only question cannot move


def test_condition_refused_in_the_form_with_a_message(council, staff_client):
    survey = build_survey(council, open_it=False)
    client = staff_client("manager")
    page2 = survey_structure(survey).pages[1]
    url = reverse("staff:survey_question_create", args=[survey.pk, page2.pk])
    response = client.post(url, {"kind": "short_text", "text_da": "Hvor?", "condition_question": survey.q["transport"].uid,
                                 "condition_op": "equals", "condition_value": "7"})
    assert response.status_code == 200
    assert "is not an option code" in response.content.decode()


def test_reorder_by_buttons(council, staff_client):
    survey = build_survey(council, open_it=False)
    client = staff_client("manager")
    url = reverse("staff:survey_question_action", args=[survey.pk, survey.q["safety"].pk, "up"])
    assert client.post(url).status_code == 302
    assert [q.uid for q in survey_structure(survey).questions][:2] == [survey.q["safety"].uid, survey.q["transport"].uid]
    # A move that would break a condition is refused with a message, nothing changes.
    url = reverse("staff:survey_page_action", args=[survey.pk, survey_structure(survey).pages[1].pk, "up"])
    response = client.post(url, follow=True)
    assert "earlier page" in response.content.decode()


def test_copy_and_template_buttons(council, staff_client):
    survey = build_survey(council)
    client = staff_client("manager")
    response = client.post(reverse("staff:survey_action", args=[survey.pk, "copy"]))
    copy = Survey.objects.exclude(pk=survey.pk).get()
    assert response["Location"] == reverse("staff:survey_detail", args=[copy.pk])
    response = client.post(reverse("staff:survey_from_template", args=["traffic_green"]))
    assert Survey.objects.filter(council=council).count() == 3


def test_preview_shows_the_resident_page_and_follows_conditions(council, staff_client):
    survey = build_survey(council)
    client = staff_client("manager")
    url = reverse("staff:survey_preview", args=[survey.pk])
    html = client.get(url + "?restart=1").content.decode()
    assert "<legend class=\"form-label\">" in html and "Preview" in html
    first = survey_structure(survey).pages[0]
    response = client.post(url, {"page": first.pk, f"q_{survey.q['transport'].uid}": "2",
                                 f"q_{survey.q['safety'].uid}": "1"})
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "Why do you feel unsafe?" in html
    assert not survey.responses.exists()


def test_role_matrix(council, staff_client):
    survey = build_survey(council)
    analyst = staff_client("analyst")
    manager = staff_client("manager")
    builder_urls = [
        reverse("staff:survey_create"), reverse("staff:survey_detail", args=[survey.pk]),
        reverse("staff:survey_edit", args=[survey.pk]), reverse("staff:survey_preview", args=[survey.pk]),
        reverse("staff:survey_send", args=[survey.pk]),
        reverse("staff:survey_question_edit", args=[survey.pk, survey.q["transport"].pk]),
    ]
    for url in builder_urls:
        assert analyst.get(url).status_code == 403, url
        assert manager.get(url).status_code == 200, url
    assert analyst.post(reverse("staff:survey_action", args=[survey.pk, "copy"])).status_code == 403
    for url in [reverse("staff:surveys"), reverse("staff:survey_progress", args=[survey.pk]),
                reverse("staff:survey_results", args=[survey.pk])]:
        assert analyst.get(url).status_code == 200, url
    html = analyst.get(reverse("staff:surveys")).content.decode()
    assert f'href="{reverse("staff:survey_detail", args=[survey.pk])}"' not in html
    assert reverse("staff:survey_create") not in html


def test_tenant_isolation(council, other_council, staff_client):
    survey = build_survey(council)
    other = staff_client("admin", council=other_council)
    for url in [reverse("staff:survey_detail", args=[survey.pk]), reverse("staff:survey_results", args=[survey.pk]),
                reverse("staff:survey_progress", args=[survey.pk]), reverse("staff:survey_export", args=[survey.pk, "csv"]),
                reverse("staff:survey_question_edit", args=[survey.pk, survey.q["transport"].pk])]:
        assert other.get(url).status_code == 404, url
    assert other.post(reverse("staff:survey_action", args=[survey.pk, "close"])).status_code == 404
    html = other.get(reverse("staff:surveys")).content.decode()
    assert reverse("staff:survey_results", args=[survey.pk]) not in html


def test_survey_list_query_count(council, staff_client, django_assert_max_num_queries):
    for _ in range(5):
        build_survey(council)
    client = staff_client("manager")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff:surveys"))
    # Each survey's row links its results (the footer's link to the public results is not one).
    assert response.content.decode().count("/staff/surveys/") >= 5
    assert all(reverse("staff:survey_results", args=[s.pk]) in response.content.decode()
               for s in Survey.objects.filter(council=council))


def test_drag_and_drop_places_a_question(council, staff_client):
    survey = build_survey(council, open_it=False)
    client = staff_client("manager")
    pages = survey_structure(survey).pages
    url = reverse("staff:survey_question_action", args=[survey.pk, survey.q["car"].pk, "place"])
    assert client.post(url, {"page": pages[1].pk, "index": 1}).status_code == 302
    assert [q.uid for q in survey_structure(survey).pages[1].survey_questions][:2] == [survey.q["why"].uid, survey.q["car"].uid]
    # Dropping "safety" after the question that depends on it is refused and changes nothing.
    url = reverse("staff:survey_question_action", args=[survey.pk, survey.q["safety"].pk, "place"])
    response = client.post(url, {"page": pages[1].pk, "index": 3}, follow=True)
    assert "earlier page" in response.content.decode()
    assert survey_structure(survey).pages[0].survey_questions[1].uid == survey.q["safety"].uid
    assert "builder-drag.js" in client.get(reverse("staff:survey_detail", args=[survey.pk])).content.decode()
