"""A member answers half a survey on a phone, comes back on another device and finishes."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

from civicpanel.surveys.models import Answer, Response

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed"),
]


def phone_page(browser):
    context = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_answer_half_on_a_phone_then_finish_on_another_device(live_server, browser):
    from tests.factories import MemberFactory, council_with_profile
    from tests.surveys.factories import build_survey, invite

    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    survey = build_survey(council)
    _invitation, token = invite(survey, MemberFactory(council=council, language="en"))
    url = f"{live_server.url}/s/{token}/"

    context, page = phone_page(browser)
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "en"
    # Sending the page empty: the error summary names the problem and links to the question.
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_role("alert").get_by_role("link", name="How do you travel?").click()
    page.get_by_role("group", name="How do you travel?").get_by_label("Bike").check()
    page.get_by_role("group", name="How safe do you feel?").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()

    context, page = phone_page(browser)  # later, on another device
    page.goto(url)
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    page.get_by_label("Why do you feel unsafe?").fill("Fast cars on the main road")
    page.get_by_role("group", name="What do you want?").get_by_label("Trees").check()
    page.get_by_label("Days in a park?").fill("3")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.get_by_text("Results in March.")).to_be_visible()
    context.close()

    response = Response.objects.get()
    assert response.completed_at is not None
    assert Answer.objects.filter(response=response).count() == 5  # the yes/no was left out: optional


def axe_violations(page) -> str:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
    return results.generate_report() if results.violations_count else ""


def test_answer_pages_of_every_kind_pass_axe(live_server, browser):
    from civicpanel.surveys import services
    from civicpanel.surveys.selectors import survey_structure
    from tests.factories import MemberFactory, council_with_profile
    from tests.surveys.factories import invite

    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    context, page = phone_page(browser)
    for key in ("local_satisfaction", "traffic_green", "blank_consultation"):
        survey = services.survey_from_template(council=council, actor=None, key=key)
        survey = services.survey_open(council=council, actor=None, survey=survey)
        _invitation, token = invite(survey, MemberFactory(council=council, language="da"))
        for number, p in enumerate(survey_structure(survey).pages):
            page.goto(f"{live_server.url}/s/{token}/?page={p.pk}")
            if number == 0:  # sent empty: the error state (axe waits for the POST's page)
                with page.expect_navigation():
                    page.get_by_role("button").last.click()
            assert axe_violations(page) == "", key
    page.goto(f"{live_server.url}/s/unknown-token/")
    assert axe_violations(page) == ""
    context.close()


def test_staff_survey_pages_pass_axe(live_server, browser, council, staff_client):
    from django.urls import reverse

    from tests.surveys.factories import build_survey

    survey = build_survey(council)
    client = staff_client("manager")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    for url in [reverse("staff:surveys"), reverse("staff:survey_detail", args=[survey.pk]),
                reverse("staff:survey_edit", args=[survey.pk]),
                reverse("staff:survey_question_edit", args=[survey.pk, survey.q["why"].pk]),
                reverse("staff:survey_send", args=[survey.pk]), reverse("staff:survey_progress", args=[survey.pk]),
                reverse("staff:survey_results", args=[survey.pk]) + "?by=district",
                reverse("staff:survey_representativeness", args=[survey.pk]),
                reverse("staff:survey_preview", args=[survey.pk]) + "?restart=1"]:
        page.goto(live_server.url + url)
        assert axe_violations(page) == "", url
    # Drag "Do you own a car?" onto the first question: it moves there (the script posts the place).
    from civicpanel.surveys.selectors import survey_structure

    page.goto(live_server.url + reverse("staff:survey_detail", args=[survey.pk]))
    with page.expect_navigation():
        page.locator(f"#question-{survey.q['car'].pk}").drag_to(page.locator(f"#question-{survey.q['transport'].pk}"))
    assert survey_structure(survey).questions[0].uid == survey.q["car"].uid
    context.close()
