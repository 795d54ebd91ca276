"""The public results pages and the staff's publish and feedback pages, checked with axe (WCAG 2.1
A/AA), for one <h1>, a skip link, reflow at 320 px, and on a phone in Danish without a sideways
scroll: one walk through the feature, from publishing to the feedback sent."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicpanel.surveys import services as survey_services
from tests.browser.test_accessibility import check_page
from tests.browser.world import build_world, staff_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_publish_and_feedback_pages_are_accessible(live_server, page, phone):
    world = build_world("survey")
    survey = survey_services.survey_close(council=world.council, actor=None, survey=world.survey)
    staff_session(page.context, live_server, world.council, "manager")
    publish = live_server.url + reverse("staff:survey_publish", args=[survey.pk])
    check_page(page, publish, world=world)  # what will be public, before publishing
    page.get_by_role("button", name="Yes, publish the results").click()
    page.get_by_text("The results are public now.").wait_for()
    check_page(page, publish, world=world)

    for url in (reverse("publishing:site"), reverse("publishing:survey", args=[survey.pk])):
        check_page(page, live_server.url + url, world=world)
        check_page(phone, live_server.url + url, world=world, skip_link=False)
        assert phone.locator("html").get_attribute("lang") == "da"
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
            f"{url}: the page scrolls sideways on a phone"
    assert phone.locator(".bar-chart").count() >= 1  # the survey page shows its charts

    feedback = live_server.url + reverse("staff:survey_feedback", args=[survey.pk])
    check_page(page, feedback + "?holdback=1", world=world)
    page.get_by_role("button", name="Yes, send to").click()
    page.get_by_role("heading", name="The effect of listening").wait_for()
    check_page(page, feedback, world=world)
