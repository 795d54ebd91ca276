"""The survey results, response rate, sending and representativeness pages on a laptop
(1280 px) and a phone (390 px), in Danish, Norwegian and English: nothing is cut off (no
element wider than the screen, no table that must be scrolled sideways), the numbers are
written the page's way, and axe finds nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_problems
from tests.browser.world import build_world, staff_session
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"laptop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
LOCALES = {"da": "da-DK", "nb": "nb-NO", "en": "en-GB"}

# Every element's right edge inside the screen, unless it sits in a scroller that itself fits
# (then it is not cut off but scrolled, which the second check forbids for tables).
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('main *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || box.right <= width + 1) continue;
    let parent = el.parentElement, scrolled = false;
    while (parent) {
      if (getComputedStyle(parent).overflowX !== 'visible' && parent.getBoundingClientRect().right <= width + 1) { scrolled = true; break; }
      parent = parent.parentElement;
    }
    if (!scrolled) out.push(el.tagName + ' ' + (el.textContent || '').trim().slice(0, 40));
  }
  const wide = [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => 'table scrolls: ' + ((w.querySelector('caption') || w).textContent || '').trim().slice(0, 50));
  return out.concat(wide);
}"""


@pytest.fixture
def results_world():
    from civicpanel.surveys.models import Invitation
    from tests.surveys.factories import invite
    from tests.surveys.test_results import answer

    world = build_world("survey")
    council, survey = world.council, world.survey
    invited = set(Invitation.objects.filter(survey=survey).values_list("member_id", flat=True))
    for i in range(40):
        member = MemberFactory(council=council, district=council.districts.order_by("order")[i % 2])
        if member.pk in invited:
            continue
        invitation, _token = invite(survey, member)
        answer(survey, invitation, transport=str(1 + i % 3), safety=str(1 + i % 5), wishes=["1", "2"], days=str(i % 9))
    return world


def test_results_pages_fit_a_laptop_and_a_phone_in_every_language(live_server, browser, results_world):
    council, survey = results_world.council, results_world.survey
    pages = [
        reverse("staff:survey_results", args=[survey.pk]),
        reverse("staff:survey_results", args=[survey.pk]) + "?by=district",
        reverse("staff:survey_results", args=[survey.pk]) + "?by=gender&weights=off",
        reverse("staff:survey_progress", args=[survey.pk]),
        reverse("staff:survey_send", args=[survey.pk]) + "?audience=sample&sample_size=10",
        reverse("staff:representativeness"),
    ]
    problems = []
    for language, locale in LOCALES.items():
        for device, viewport in VIEWPORTS.items():
            context = browser.new_context(locale=locale, viewport=viewport, base_url=live_server.url)
            staff_session(context, live_server, council, "manager")
            page = context.new_page()
            page.set_default_timeout(20_000)
            for path in pages:
                page.goto(path)
                assert page.locator("html").get_attribute("lang") == language
                page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
                where = f"{path} [{language}, {device}]"
                problems += [f"{where}: cut off: {item}" for item in page.evaluate(CUT_OFF)]
                problems += [f"{where}: {item}" for item in axe_problems(page)]
            context.close()
    assert problems == []


def test_results_page_numbers_and_charts_in_danish(live_server, browser, results_world):
    council, survey = results_world.council, results_world.survey
    context = browser.new_context(locale="da-DK", viewport=VIEWPORTS["phone"], base_url=live_server.url)
    staff_session(context, live_server, council, "analyst")
    page = context.new_page()
    page.goto(reverse("staff:survey_results", args=[survey.pk]))
    main = page.locator("main")
    # The charts' figures are text in the SVG, written like the tables': "25 %", decimals with a comma.
    chart_text = page.eval_on_selector_all("svg.bar-chart text", "nodes => nodes.map(n => n.textContent)")
    assert any(text.endswith("\xa0%") for text in chart_text)
    assert not any("." in text and "%" in text for text in chart_text)
    average = page.locator("section", has_text="Days in a park?").get_by_role("definition").first.inner_text()
    assert "," in average or average.isdigit()
    assert "answers" not in main.inner_text()  # "svar", not English
    context.close()


def test_send_confirmation_and_a_double_click_sends_once(live_server, browser, results_world):
    import re

    from civicpanel.surveys.models import Invitation, Wave

    council, survey = results_world.council, results_world.survey
    context = browser.new_context(locale="en-GB", viewport=VIEWPORTS["phone"], base_url=live_server.url)
    staff_session(context, live_server, council, "manager")
    page = context.new_page()
    page.goto(reverse("staff:survey_send", args=[survey.pk]) + "?audience=sample&sample_size=5")
    seed = page.get_by_label("Seed").input_value()
    page.goto(reverse("staff:surveys"))
    page.goto(reverse("staff:survey_send", args=[survey.pk]))
    assert page.get_by_label("Seed").input_value() == seed  # the same sample after coming back
    page.goto(reverse("staff:survey_send", args=[survey.pk]) + "?fresh=1")
    invited_before = Invitation.objects.filter(survey=survey).count()
    page.get_by_role("button", name=re.compile(r"^Check and send to \d+ members$")).click()
    heading = page.get_by_role("heading", name=re.compile(r"^Send the invitation to \d+ members\?$"))
    expect(heading).to_be_visible()
    recipients = int(re.search(r"\d+", heading.inner_text()).group())
    assert Invitation.objects.filter(survey=survey).count() == invited_before  # nothing sent yet
    assert axe_problems(page) == []
    page.get_by_role("button", name=f"Yes, send to {recipients} members").dblclick()
    page.wait_for_url(f"**{reverse('staff:survey_progress', args=[survey.pk])}")
    assert Wave.objects.filter(survey=survey, confirmation__gt="").count() == 1
    assert Invitation.objects.filter(survey=survey).count() == invited_before + recipients
    context.close()
