"""A respondent in a real browser: each page sent comes back as the next page at the same
address, and Reload then opens that page again (a visit, not the form sent once more, and no
"send the form again?" question), as it did when a redirect followed each page."""

from __future__ import annotations

import pytest

from civicpanel.surveys.models import Response
from tests.browser.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_reload_after_a_page_sent_is_a_visit_and_saves_nothing_twice(live_server, page):
    world = build_world("survey")
    sent = []
    page.on("request", lambda request: sent.append((request.method, request.url)) if "/s/" in request.url else None)
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message) or dialog.dismiss())
    page.goto(live_server.url + world.paths["survey"])
    address = page.url
    page.get_by_role("group", name="How do you travel?").get_by_label("Bike").check()
    page.get_by_role("group", name="How safe do you feel?").get_by_label("2", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Page 2 of 2").wait_for()
    page.wait_for_load_state()  # its scripts have run, as they have long before a person reloads
    assert page.url == address and sent[-1][0] == "POST"

    page.reload()
    page.get_by_text("Page 2 of 2").wait_for()
    assert sent[-1] == ("GET", address) and not dialogs
    response = Response.objects.get(invitation__member=world.member, survey=world.survey)
    assert response.completed_at is None

    page.get_by_label("Days in a park?").fill("3")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you!").wait_for()
    page.wait_for_load_state()
    page.reload()
    page.get_by_role("heading", name="Thank you!").wait_for()
    assert sent[-1] == ("GET", address) and not dialogs
    response.refresh_from_db()
    assert response.completed_at is not None
    assert Response.objects.filter(invitation__member=world.member, survey=world.survey).count() == 1
