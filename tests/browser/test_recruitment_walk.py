"""Recruitment in the browser: staff upload an address extract and make a letter batch aimed at
the groups the panel lacks, and the worker makes the PDF to print; a resident signs up on a phone with the code from the letter; the
campaign page shows the sign-up and the health page forecasts the panel. axe, the page structure
and reflow at 320 px are checked on every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicpanel.members.models import Member
from civicpanel.recruitment import codes
from civicpanel.recruitment.models import AddressExtract, Letter
from tests.browser.test_accessibility import axe_problems, reflow_problems, structure_problems
from tests.browser.world import new_council, population_figures, seed_members, staff_session
from tests.recruitment.helpers import csv_bytes, residents

pytestmark = pytest.mark.django_db(transaction=True)


def _clean(page) -> None:
    problems = structure_problems(page) + axe_problems(page) + reflow_problems(page)
    assert not problems, page.url + ":\n  " + "\n  ".join(problems)


def _go(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def test_letters_sign_up_by_code_and_panel_health(live_server, browser):
    council = new_council()
    population_figures(council)
    seed_members(council, 40)
    base = live_server.url

    desk = browser.new_context(locale="en-GB")
    staff_session(desk, live_server, council, "manager")
    staff = desk.new_page()
    staff.set_default_timeout(20_000)
    staff.goto(f"{base}/staff/recruitment/")
    _clean(staff)
    _go(staff, staff.get_by_role("link", name="Upload an address extract").first)
    _clean(staff)
    staff.get_by_label("Name of the new campaign").fill("Letters to young residents")
    staff.get_by_label("The campaign ends").fill("2099-12-31")
    lines = residents(30, age=19) + residents(30, age=60, gender="M", start=100)
    staff.get_by_label("Address extract (CSV)").set_input_files(
        files=[{"name": "extract.csv", "mimeType": "text/csv", "buffer": csv_bytes(lines)}])
    _go(staff, staff.get_by_role("button", name="Check and store the extract"))
    expect(staff.get_by_text("The extract is stored: 60 addresses.")).to_be_visible()
    _clean(staff)
    staff.get_by_label("Number of letters").fill("20")
    _go(staff, staff.get_by_role("button", name="Make the letters"))
    expect(staff.get_by_role("heading", name="Letter batch")).to_be_visible()
    _clean(staff)
    # The worker lays the letters out (at once with the test's task backend); the page offers them.
    _go(staff, staff.get_by_role("button", name="Make the PDF for printing"))
    expect(staff.get_by_text("The letters are being made.")).to_be_visible()
    _clean(staff)
    with staff.expect_download() as download:
        staff.get_by_role("link", name="Download For printing (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    letters = Letter.objects.filter(batch__extract=AddressExtract.objects.get())
    young = letters.filter(age_option__code="15-24").count()
    assert letters.count() == 20 and young
    letter = letters.filter(age_option__code="15-24").first()

    # A resident signs up on a phone with the QR code's address.
    phone_context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844},
                                        device_scale_factor=2, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.set_default_timeout(20_000)
    phone.goto(f"{base}/join/letter/{codes.letter_code(letter.pk, letter.salt)}/")
    assert phone.url == f"{base}/join/letter/continue/"
    _clean(phone)
    expect(phone.get_by_label("Year of birth")).to_have_value(str(letter.addressee.birth_year))
    groups = phone.locator("fieldset").filter(has=phone.locator("input[type=radio]"))
    for index in range(groups.count()):
        groups.nth(index).locator("label").first.click()
    phone.get_by_label("E-mail address").fill("young.resident@example.net")
    phone.locator("label[for=id_consent]").click()
    _go(phone, phone.get_by_role("button", name="Sign up"))
    assert phone.url == f"{base}/join/check-your-email/"
    phone_context.close()
    member = Member.objects.by_email("young.resident@example.net", council=council).get()
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ACTIVE, confirmed_at=member.joined_at)

    staff.goto(f"{base}/staff/recruitment/campaigns/{member.campaign_id}/")
    _clean(staff)
    expect(staff.get_by_role("row", name="Ages 15–24").first).to_be_visible()
    staff.goto(f"{base}/staff/recruitment/health/")
    _clean(staff)
    expect(staff.get_by_role("heading", name="The panel in 6 and 12 months if nothing is done")).to_be_visible()
    expect(staff.get_by_role("heading", name="Refresh planner")).to_be_visible()
    desk.close()
