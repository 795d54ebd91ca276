"""An event in the browser: staff call the panel (seeing the e-mail and the count first), a member
volunteers on a phone, staff draw the seats, one drawn member declines on the phone and a reserve
is invited in their place, another accepts and shows the ticket, staff check people in on a phone,
the event page shows who came, and a follow-up survey goes to those who attended. axe, the page structure and reflow at 320 px are checked on
every page on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from civicpanel.events import services
from civicpanel.events.links import participant_path
from civicpanel.events.models import Participant, Placement
from tests.browser.test_accessibility import axe_problems, reflow_problems, structure_problems
from tests.browser.world import new_council, staff_session
from tests.events.factories import close_volunteering, make_event, volunteer
from tests.surveys.factories import build_survey
from tests.surveys.sample_panel import build_panel, set_population

pytestmark = pytest.mark.django_db(transaction=True)


def _clean(page) -> None:
    problems = structure_problems(page) + axe_problems(page) + reflow_problems(page)
    assert not problems, page.url + ":\n  " + "\n  ".join(problems)


def _go(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def _phone(browser):
    context = browser.new_context(locale="da-DK", viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_call_volunteer_draw_answer_replace_and_check_in(live_server, browser):
    council = new_council()
    set_population(council)
    build_panel(council, size=30, seed=5)
    event = make_event(council, capacities=(8,), reserve_size=10)
    base = live_server.url

    # 1. Staff call the panel: the e-mail and the number first, then send.
    desk = browser.new_context(locale="en-GB")
    staff_session(desk, live_server, council, "manager")
    staff = desk.new_page()
    staff.set_default_timeout(15_000)
    staff.goto(f"{base}/staff/events/")
    _clean(staff)
    staff.goto(f"{base}/staff/events/{event.pk}/")
    _clean(staff)
    staff.goto(f"{base}/staff/events/{event.pk}/call/")
    _clean(staff)
    expect(staff.get_by_text("Would you like to take part? User test of My page")).to_be_visible()
    _go(staff, staff.get_by_role("button", name="Send the call to 30 members"))
    assert Participant.objects.filter(event=event).count() == 30

    # 2. A member volunteers on a phone, in Danish, by the personal link.
    participants = list(Participant.objects.filter(event=event).order_by("pk"))
    me = participants[0]
    context, phone = _phone(browser)
    phone.goto(base + participant_path(me))
    _clean(phone)
    _go(phone, phone.get_by_role("button", name="Meld mig"))
    assert phone.get_by_role("alert").is_visible()  # no session ticked: said, and nothing saved
    _clean(phone)
    sessions = phone.get_by_role("group", name="Hvilke tidspunkter passer dig?")
    sessions.locator("label").first.click()  # the design system draws the box on the label
    assert sessions.get_by_role("checkbox").first.is_checked()
    _go(phone, phone.get_by_role("button", name="Meld mig"))
    expect(phone.get_by_text("Tak! Du har meldt dig.")).to_be_visible()
    _clean(phone)
    context.close()
    for participant in participants[1:]:
        assert volunteer(participant) == {}
    close_volunteering(event)

    # 3. Staff see the quotas beside the volunteers and draw.
    staff.goto(f"{base}/staff/events/{event.pk}/draw/")
    staff.get_by_label("Tolerance (seats either side of the population share)").fill("2")
    for name in ("Year of birth",):
        box = staff.get_by_role("group", name="Balance on").get_by_label(name)
        if box.count():
            box.uncheck()
    _go(staff, staff.get_by_role("button", name="Show the quotas"))
    expect(staff.get_by_text("The quotas can be met.")).to_be_visible()
    _clean(staff)
    _go(staff, staff.get_by_role("button", name="Draw the seats now"))
    event.refresh_from_db()
    assert event.drawn_at
    expect(staff.get_by_role("heading", name="The draw")).to_be_visible()
    # 4. One drawn member declines on the phone; a reserve who keeps the quotas is invited.
    invited = list(Placement.objects.filter(session__event=event, state="invited").select_related("participant"))
    leaving, coming = invited[0], invited[1]
    context, phone = _phone(browser)
    phone.goto(base + participant_path(leaving.participant))
    _clean(phone)
    _go(phone, phone.get_by_role("button", name="Nej, jeg kan ikke"))
    leaving.refresh_from_db()
    assert leaving.state == "declined"
    replacement = Placement.objects.get(replaces=leaving)
    assert replacement.state == "invited" and replacement.outcome == "reserve"
    context.close()

    # 5. Another accepts (a double tap changes nothing) and opens the ticket with its QR code.
    context, phone = _phone(browser)
    phone.goto(base + participant_path(coming.participant))
    button = phone.get_by_role("button", name="Ja, jeg kommer")
    _go(phone, button)
    coming.refresh_from_db()
    assert coming.state == "confirmed"
    _clean(phone)
    _go(phone, phone.get_by_role("link", name="Din billet"))
    expect(phone.get_by_role("img", name="QR-kode til indtjekning. Vis den ved døren; personalet scanner den.")).to_be_visible()
    _clean(phone)
    context.close()

    # 6. Staff check in at the door, on a phone.
    door = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    staff_session(door, live_server, council, "manager")
    page = door.new_page()
    page.set_default_timeout(15_000)
    session = event.sessions.get()
    page.goto(f"{base}/staff/events/{event.pk}/sessions/{session.pk}/checkin/")
    _clean(page)
    _go(page, page.get_by_role("button", name=f"Check in {coming.participant.member.name}"))
    coming.refresh_from_db()
    assert coming.state == "attended"
    _clean(page)
    door.close()

    # 7. Who came, beside the population; and a follow-up survey to those who came, in one step.
    survey = build_survey(council)
    staff.goto(f"{base}/staff/events/{event.pk}/")
    expect(staff.get_by_role("heading", name="Who came")).to_be_visible()
    _clean(staff)
    _go(staff, staff.get_by_role("link", name="Send a follow-up survey to the 1 who attended"))
    _clean(staff)
    _go(staff, staff.get_by_role("link", name=survey.name))
    assert staff.get_by_label("User test of My page").is_checked()
    expect(staff.get_by_role("heading", name="1 member will be invited")).to_be_visible()
    _clean(staff)
    staff.goto(f"{base}/events/{event.pk}/")
    expect(staff.get_by_text(str(event.seed)).first).to_be_visible()
    _clean(staff)
    desk.close()
    assert services.seats_taken(session) == 1
