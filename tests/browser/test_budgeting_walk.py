"""A participatory-budgeting round in the browser: a resident proposes an idea with a picture,
staff screen and assess it and open the vote, a resident votes on a phone (by keyboard, with
the running total), another ballot comes in on paper, staff count, the result explains every
project, and a status update appears on "what was built". axe checks every page on the way."""

from __future__ import annotations

import pytest
from PIL import Image
from playwright.sync_api import expect

from civicpanel.budgeting.models import Ballot, Idea, Project, Round
from tests.browser.test_accessibility import axe_problems, reflow_problems, structure_problems
from tests.browser.world import member_session, new_council, staff_session
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _clean(page) -> None:
    problems = structure_problems(page) + axe_problems(page) + reflow_problems(page)
    assert not problems, page.url + ":\n  " + "\n  ".join(problems)


def _go(page, locator) -> None:
    """Press a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        locator.click()


def _png(tmp_path) -> str:
    path = tmp_path / "bench.png"
    Image.new("RGB", (120, 80), (20, 120, 40)).save(path)
    return str(path)


def test_idea_to_vote_on_a_phone_to_result_and_building(live_server, browser, tmp_path):
    from civicpanel.budgeting import services
    from tests.budgeting.factories import build_round

    council = new_council()
    vigerslev = council.districts.get(name="Vigerslev")
    rnd = build_round(council, stage=Round.Stage.IDEAS, costs=(), allow_codes=True)
    resident = MemberFactory(council=council, district=vigerslev, birth_year=1990, language="da")
    base = live_server.url

    # 1. A resident proposes an idea with a picture.
    desk = browser.new_context(locale="en-GB")
    member_session(desk, live_server, resident)
    page = desk.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/pb/{rnd.pk}/")
    _clean(page)
    page.goto(f"{base}/pb/{rnd.pk}/ideas/new/")
    _clean(page)
    page.fill("[name=title]", "Benches by the lake")
    page.fill("[name=description]", "Three benches where the path meets the lake.")
    page.select_option("[name=district]", str(vigerslev.pk))
    page.fill("[name=place]", "Vigerslevparken")
    page.fill("[name=cost_estimate]", "30000")
    page.set_input_files("[name=image_1]", _png(tmp_path))
    _go(page, page.locator("main form button[type=submit]"))
    idea = Idea.objects.get()
    assert idea.images.count() == 1

    # 2. Staff screen it, make it a project with a public reason, and open the vote.
    staff = browser.new_context(locale="en-GB")
    admin = staff_session(staff, live_server, council, "admin")
    spage = staff.new_page()
    spage.set_default_timeout(15_000)
    spage.goto(f"{base}/staff/pb/{rnd.pk}/ideas/")
    _clean(spage)
    spage.locator(f"#a-{idea.pk}-publish").check()
    _go(spage, spage.locator(f"form[action$='/ideas/{idea.pk}/screen/'] button[type=submit]"))
    assert Idea.objects.get().status == Idea.Status.PUBLIC
    spage.goto(f"{base}/staff/pb/{rnd.pk}/projects/new/?idea={idea.pk}")
    _clean(spage)
    spage.fill("[name=title_en]", "Benches by the lake")
    spage.select_option("[name=district]", "")  # the round's money is city-wide
    spage.fill("[name=cost]", "35000")
    spage.select_option("[name=legality]", "legal")
    spage.select_option("[name=decision]", "to_vote")
    spage.fill("[name=decision_reason_da]", "Lovligt og kan bygges i år.")
    spage.fill("[name=decision_reason_en]", "Legal and can be built this year.")
    _go(spage, spage.get_by_role("button", name="Save assessment"))
    project = Project.objects.get(round=rnd)
    assert project.decision == Project.Decision.TO_VOTE and project.ideas.get() == idea
    for n, cost in ((2, 60_000), (3, 20_000)):
        services.project_create(council=council, actor=admin, round=rnd, title={"da": f"Projekt {n}",
                                "en": f"Project {n}"}, cost=cost, legality=Project.Legality.LEGAL,
                                decision=Project.Decision.TO_VOTE, decision_reason={"da": "Ja", "en": "Yes"})
    spage.goto(f"{base}/staff/pb/{rnd.pk}/")
    _clean(spage)
    spage.select_option("#stage", "voting")
    _go(spage, spage.locator("form[action$='/stage/'] button"))
    assert Round.objects.get().stage == Round.Stage.VOTING

    # 3. The resident votes on a phone, by keyboard, watching the running total (Danish page).
    phone = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    member_session(phone, live_server, resident)
    mpage = phone.new_page()
    mpage.set_default_timeout(15_000)
    mpage.goto(f"{base}/pb/{rnd.pk}/vote/city/")
    assert mpage.locator("html").get_attribute("lang") == "da"
    _clean(mpage)
    total = mpage.locator("#pb-total")
    mpage.locator("#p-1").focus()
    mpage.keyboard.press("Space")
    mpage.locator("#p-3").focus()
    mpage.keyboard.press("Space")
    assert "55.000" in total.inner_text() and "100.000" in total.inner_text()
    assert total.get_attribute("aria-live") == "polite"
    mpage.locator("main form.pb-ballot button[type=submit]").focus()
    with mpage.expect_navigation():
        mpage.keyboard.press("Enter")
    assert Ballot.objects.filter(round=rnd).count() == 1, mpage.locator("main").inner_text()[:1500]
    assert Ballot.objects.get(round=rnd).choices == [1, 3]
    _clean(mpage)  # "my ballot"

    # 4. A paper ballot: typed in by one staff member, confirmed by another.
    from civicpanel.budgeting import voting

    code = voting.codes_create(council=council, actor=admin, round=rnd, count=1)[0]
    spage.goto(f"{base}/staff/pb/{rnd.pk}/paper/")
    spage.fill("[name=code]", code)
    spage.select_option("[name=pot]", "city")
    spage.fill("[name=choices]", "2, 3")
    _go(spage, spage.get_by_role("button", name="Save for confirmation"))
    _clean(spage)
    second = browser.new_context(locale="en-GB")
    staff_session(second, live_server, council, "manager")
    page2 = second.new_page()
    page2.goto(f"{base}/staff/pb/{rnd.pk}/paper/")
    _go(page2, page2.locator("form[action$='/confirm/'] button"))
    assert Ballot.objects.filter(round=rnd, paper=True).count() == 1

    # 5. Staff close the vote and count; the result explains every project.
    spage.goto(f"{base}/staff/pb/{rnd.pk}/")
    _go(spage, spage.locator("form[action$='/count/'] button"))
    assert spage.url.endswith(f"/pb/{rnd.pk}/results/")
    _clean(spage)
    mpage.goto(f"{base}/pb/{rnd.pk}/results/")
    _clean(mpage)
    rows = mpage.locator("table.pb-result tbody tr")
    assert rows.count() == 3
    for i in range(3):
        assert mpage.locator("table.pb-result tbody tr").nth(i).locator("td").nth(3).inner_text().strip()
    mpage.goto(f"{base}/pb/{rnd.pk}/mine/")
    _clean(mpage)

    # 6. A status update on a funded project, with a photo, public on "what was built".
    funded = Project.objects.filter(round=rnd, funded=True).order_by("number").first()
    spage.goto(f"{base}/staff/pb/{rnd.pk}/projects/{funded.pk}/")
    _clean(spage)
    spage.select_option("[name=status]", "building")
    spage.fill("[name=date]", "2027-05-01")
    spage.fill("[name=text_da]", "Vi bygger nu.")
    spage.fill("[name=text_en]", "Building now.")
    spage.set_input_files("[name=image_1]", _png(tmp_path))
    _go(spage, spage.locator("form[action$='/update/'] button"))
    page.goto(f"{base}/pb/built/")
    _clean(page)
    expect(page.get_by_text("Building now.")).to_be_visible()
    assert page.locator("main img.pb-image").count() == 1
    for context in (desk, staff, phone, second):
        context.close()
