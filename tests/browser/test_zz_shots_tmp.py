import pytest
from django.urls import reverse


@pytest.mark.django_db(transaction=True)
def test_shots(live_server, browser, council, staff_client, monkeypatch):
    from civicpanel.surveys import waves
    from civicpanel.surveys.models import Wave, WavePlan
    from tests.surveys.factories import build_survey
    from tests.surveys.sample_panel import build_panel, set_population
    from civicpanel.surveys import services

    set_population(council)
    build_panel(council, size=150)
    survey = build_survey(council)
    monkeypatch.setattr(waves, "PREPARED_BY_WORKER_FROM", 20)
    monkeypatch.setattr(waves.transaction, "on_commit", lambda f: None)  # the worker has not run yet
    services.wave_send(council=council, actor=None, survey=survey, filters={})
    client = staff_client("manager", language="da")
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK")
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.goto(live_server.url + reverse("staff:survey_progress", args=[survey.pk]))
        page.screenshot(path=f"/tmp/shots/progress-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(live_server.url + reverse("staff:survey_send", args=[survey.pk]))
        page.screenshot(path=f"/tmp/shots/send-{width}.png", full_page=False)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Check and send again: refused with the reason.
        page.get_by_role("button", name="Kontrollér og send").first.click()
        page.wait_for_load_state()
        page.screenshot(path=f"/tmp/shots/confirm-{width}.png", full_page=False)
        btn = page.get_by_role("button", name="Ja, send")
        if btn.count():
            with page.expect_navigation():
                btn.first.click()
            page.screenshot(path=f"/tmp/shots/refused-{width}.png", full_page=False)
        context.close()
