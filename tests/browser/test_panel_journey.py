"""The panel from end to end in a real browser, driven the way a person (or a screen reader) finds
things: by role and label.

A resident signs up on the council's page, confirms from the e-mail, logs in with a link, changes
their profile, downloads their data and leaves; a manager logs in with password and TOTP and finds
members with a filter; an analyst reads the representativeness dashboard, whose numbers equal a
count made directly on the database.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
from allauth.mfa.totp.internal.auth import hotp_value
from django.core import mail
from playwright.sync_api import expect

from civicpanel.members.models import Member, MemberAnswer
from civicpanel.panel.models import ProfileOption, ProfileQuestion
from tests.browser.world import YEAR, link_path, new_council, population_figures, seed_members
from tests.factories import staff_user, totp_secret

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "karen.jensen@example.net"


def staff_login(page, base_url: str, user) -> None:
    """Password, then the code from the authenticator app."""
    page.goto(f"{base_url}/staff/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign In").click()
    code = hotp_value(totp_secret(user), int(time.time()) // 30)
    page.get_by_label("Code").fill(f"{code:06d}")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base_url}/staff/")


def last_mail_to(address: str):
    found = [message for message in mail.outbox if address in message.to]
    assert found, f"no e-mail to {address}"
    return found[-1]


def download_text(page, link_name: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    with open(download.path(), encoding="utf-8-sig") as file:
        return download.suggested_filename, file.read()


@pytest.fixture
def panel():
    council = new_council()
    population_figures(council)
    seed_members(council, 100)
    return council


def test_resident_joins_changes_profile_takes_data_and_leaves(live_server, page, panel):
    base = live_server.url
    mail.outbox.clear()

    # Sign up on the council's public page.
    page.goto(f"{base}/")
    page.get_by_role("main").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1, name="Join the citizen panel")).to_be_visible()
    page.get_by_role("group", name="Gender").get_by_label("Woman").check()
    page.get_by_label("Year of birth").fill(str(YEAR - 38))
    page.get_by_role("combobox", name="District").select_option(label="Vigerslev")
    page.get_by_label("Postal code").fill("2500")
    page.get_by_role("group", name="Highest completed education").get_by_label("Master or higher").check()
    page.get_by_role("group", name="Employment").get_by_label("Employed", exact=True).check()
    page.get_by_role("group", name="Housing").get_by_label("Private rental").check()
    page.get_by_role("group", name="What interests you in your area?").get_by_label("Parks and nature").check()
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Name (optional)").fill("Karen Jensen")
    page.get_by_label("Language for e-mails").select_option(label="English")
    page.get_by_label("I agree to the text above.").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base}/join/check-your-email/")
    member = Member.objects.by_email(EMAIL, council=panel).get()
    assert member.status == Member.Status.PENDING

    # Confirm through the link in the e-mail.
    page.goto(base + link_path(last_mail_to(EMAIL).body, "/join/confirm/"))
    page.get_by_role("button", name="Yes, confirm my membership").click()
    page.wait_for_url(f"{base}/me/")
    expect(page.get_by_role("status").get_by_text("Your membership is confirmed")).to_be_visible()
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.district.name == "Vigerslev"

    # Log out, then back in with a login link.
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    page.goto(f"{base}/me/login/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_role("button", name="Send me a login link").click()
    page.wait_for_url(f"{base}/me/login/check-your-email/")
    page.goto(base + link_path(last_mail_to(EMAIL).body, "/me/login/"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/me/")
    expect(page.get_by_role("heading", level=1, name="Hello, Karen Jensen")).to_be_visible()
    # Change the profile.
    page.get_by_role("link", name="Change my profile").click()
    page.get_by_role("group", name="Employment").get_by_label("Student").check()
    page.get_by_role("group", name="Housing").get_by_label("Housing cooperative").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/me/")
    expect(page.get_by_role("status").get_by_text("Your profile is saved.")).to_be_visible()
    profile = page.locator('dl[aria-label="Your answers to the background questions"]')
    employment = profile.locator("div").filter(has=page.locator("dt", has_text="Employment"))
    assert employment.locator("dd").inner_text() == "Student"
    answers = {a.question.key: a.option.code for a in MemberAnswer.objects.filter(member=member)
               .select_related("question", "option")}
    assert answers["employment"] == "student" and answers["housing"] == "cooperative"

    # Download the data, as JSON and as CSV.
    page.get_by_role("navigation", name="Your membership").get_by_role("link", name="My data").click()
    name, text = download_text(page, "Download as JSON")
    assert name.endswith(".json") and EMAIL in text
    assert EMAIL in json.dumps(json.loads(text))
    name, text = download_text(page, "Download as CSV (for spreadsheets)")
    assert name.endswith(".csv") and EMAIL in text
    assert any(EMAIL in row for row in csv.reader(io.StringIO(text)))

    # Leave: the row no longer holds the address.
    page.get_by_role("navigation", name="Your membership").get_by_role("link", name="Leave").click()
    page.get_by_label("Yes, erase my data and take me out of the panel.").check()
    page.get_by_role("button", name="Leave the panel and erase my data").click()
    page.wait_for_url(f"{base}/left/")
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT and member.email is None
    assert not Member.objects.by_email(EMAIL, council=panel).exists()


def test_manager_finds_members_with_a_filter(live_server, page, panel):
    base = live_server.url
    manager = staff_user(panel, "manager")
    staff_login(page, base, manager)
    page.get_by_role("navigation", name="Staff menu").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", level=1, name="Members")).to_be_visible()
    page.get_by_role("group", name="Status").get_by_label("Active").check()
    page.get_by_text("Filter by profile").click()  # the disclosure with the profile questions
    page.get_by_role("group", name="District").get_by_label("Vigerslev").check()
    page.get_by_role("button", name="Show members").click()

    vigerslev = panel.districts.get(name="Vigerslev")
    expected = Member.objects.filter(council=panel, status=Member.Status.ACTIVE, district=vigerslev).count()
    assert 0 < expected < Member.objects.filter(council=panel).count()
    expect(page.get_by_role("heading", level=2, name=f"{expected} members match")).to_be_visible()
    table = page.get_by_role("table", name=re.compile(r"^Members, page 1 of"))
    rows = table.get_by_role("row")
    assert rows.count() == min(expected, 50) + 1  # with the header row
    first = rows.nth(1)
    number = first.get_by_role("cell").first.inner_text()
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(f"^Member {number}"))).to_be_visible()
    member = Member.objects.get(pk=int(number.lstrip("#")))
    assert member.district_id == vigerslev.pk and member.status == Member.Status.ACTIVE
    assert page.get_by_role("row", name="E-mail").get_by_role("cell").inner_text() == member.email


def direct_counts(council, key: str) -> dict[str, int]:
    """Active members per answer of one profile question, counted straight from the tables."""
    active = Member.objects.filter(council=council, status=Member.Status.ACTIVE)
    question = ProfileQuestion.objects.get(council=council, key=key)
    counts = {}
    for option in ProfileOption.objects.filter(question=question).select_related("district"):
        label = option.label["en"]
        if question.kind == ProfileQuestion.Kind.BIRTH_YEAR:
            counts[label] = active.filter(birth_year__lte=YEAR - option.min_age,
                                          birth_year__gte=YEAR - option.max_age).count()
        elif question.kind == ProfileQuestion.Kind.DISTRICT:
            counts[label] = active.filter(district=option.district).count()
        else:
            counts[label] = MemberAnswer.objects.filter(member__in=active, option=option).count()
    return counts


def test_analyst_dashboard_agrees_with_the_database(live_server, page, panel):
    base = live_server.url
    analyst = staff_user(panel, "analyst")
    staff_login(page, base, analyst)
    menu = page.get_by_role("navigation", name="Staff menu")
    assert menu.get_by_role("link", name="Members").count() == 0  # analysts never see identities
    menu.get_by_role("link", name="Representativeness").click()
    expect(page.get_by_role("heading", level=1, name="Representativeness of the panel")).to_be_visible()
    active = Member.objects.filter(council=panel, status=Member.Status.ACTIVE).count()
    expect(page.get_by_text(f"The {active} active members compared with the council's residents.")).to_be_visible()
    for key, title in [("gender", "Gender"), ("birth_year", "Age"), ("district", "District"),
                       ("education", "Highest completed education")]:
        table = page.get_by_role("table", name=f"{title}: panel and residents")
        assert table.is_visible(), title
        shown, shares = {}, {}
        for row in table.locator("tbody tr").all():
            group = row.get_by_role("rowheader").inner_text()
            cells = row.get_by_role("cell")
            shown[group] = int(cells.nth(0).inner_text().replace(",", ""))
            shares[group] = cells.nth(1).inner_text().replace("\u00a0", " ")  # no-break space before %
        direct = direct_counts(panel, key)
        assert shown == direct, key
        answered = sum(direct.values())
        assert answered > 0
        assert shares == {group: f"{count / answered * 100:.0f} %" for group, count in direct.items()}, key
