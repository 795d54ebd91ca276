"""Seats after the draw: invitations and the kind e-mails, accepting and declining (idempotent),
replacement from the reserve list keeping the quotas, reply deadlines, reminders, changes,
check-in and no-shows."""

from __future__ import annotations

import threading
import time
from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections
from django.test import Client
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.events import services
from civicpanel.events.links import participant_path
from civicpanel.events.models import Event, Placement, Session
from civicpanel.members.models import MemberAnswer
from civicpanel.outreach.models import Mailing
from tests.events.factories import (
    called_volunteers,
    close_volunteering,
    make_event,
    open_link,
    panel_with_population,
)
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def drawn_event(council, *, size=39, capacities=(10, 10), reserve_size=15, seed=20270112) -> Event:
    """An event whose draw is done. Its seed is fixed (with the commitment to it), so that the
    tests below meet the same draw every time: with a secret seed, a draw now and then leaves no
    reserve whose swap keeps every quota for the seat a test declines."""
    panel_with_population(council, size=size)
    event = make_event(council, capacities=capacities, reserve_size=reserve_size)
    Event.objects.filter(pk=event.pk).update(seed=seed, seed_commitment=services.seed_commitment(seed))
    called_volunteers(council, event)
    close_volunteering(event)
    services.draw_run(council=council, actor=None, event=event, feature_keys=["gender", "district"], tolerance=1)
    event.refresh_from_db()
    return event


def gender(placement: Placement) -> str:
    return MemberAnswer.objects.get(member_id=placement.participant.member_id, question__key="gender").option.code


def test_the_draw_invites_the_drawn_and_tells_everyone_else_kindly(council):
    event = drawn_event(council)
    invited = Placement.objects.filter(session__event=event, state=Placement.State.INVITED)
    assert invited.count() == 20
    assert all(p.reply_by == p.invited_at + timedelta(days=event.reply_days) for p in invited)
    mailings = {m.message_type: m for m in Mailing.objects.filter(reference=f"event:{event.pk}")}
    counts = {key: m.deliveries.count() for key, m in mailings.items() if key != "event_call"}
    invitations = Mailing.objects.filter(reference=f"event:{event.pk}", message_type="event_invitation")
    assert sorted(m.deliveries.count() for m in invitations) == [10, 10]
    # 39 volunteers: 20 drawn, the rest told they are on a reserve list or not drawn, each once.
    assert counts["event_reserve"] + counts["event_not_drawn"] == 19
    assert counts["event_reserve"] >= 5


def test_accepting_twice_changes_nothing_and_declining_calls_a_reserve_who_keeps_the_quotas(council):
    event = drawn_event(council)
    session = event.sessions.first()
    # A seat with a reserve whose swap keeps the quotas (the waiting list's case has its own test).
    seat = next(p for p in Placement.objects.filter(session=session, state=Placement.State.INVITED)
                if services.replacement_candidate(session=session, dropped=p) is not None)
    services.seat_accept(placement=seat)
    services.seat_accept(placement=seat)
    seat.refresh_from_db()
    assert seat.state == Placement.State.CONFIRMED
    assert AuditEvent.objects.filter(action="event.seat_accept").count() == 1
    services.seat_decline(placement=seat)
    services.seat_decline(placement=seat)
    seat.refresh_from_db()
    assert seat.state == Placement.State.WITHDRAWN
    replacement = Placement.objects.get(replaces=seat)
    assert replacement.state == Placement.State.INVITED and replacement.outcome == Placement.Outcome.RESERVE
    holders = Placement.objects.filter(session=session, state__in=services.HOLDING_STATES)
    assert holders.count() == 10
    women = sum(gender(p) == "woman" for p in holders)
    assert 4 <= women <= 6
    assert Placement.objects.filter(replaces__isnull=False).count() == 1  # the second decline did nothing
    mail = Mailing.objects.filter(message_type="event_invitation", deliveries__member=replacement.participant.member)
    assert mail.exists()


def test_a_freed_seat_no_reserve_can_take_goes_to_the_waiting_list_in_order(council, staff_client):
    event = drawn_event(council, reserve_size=0)
    session = event.sessions.first()
    invited = list(Placement.objects.filter(session=session, state=Placement.State.INVITED).order_by("pk"))
    Session.objects.filter(pk=session.pk).update(capacity=8)  # staff made the room smaller
    for seat in invited:
        services.seat_accept(placement=seat)
    states = [Placement.objects.get(pk=s.pk).state for s in invited]
    assert states.count(Placement.State.CONFIRMED) == 8 and states[8:] == [Placement.State.WAITING] * 2
    first_waiting, second_waiting = invited[8], invited[9]

    # A member phones in: staff record the decline on their behalf; the seat is offered to the
    # first on the waiting list (no reserve list here), by e-mail.
    manager = staff_client("manager")
    page = manager.get(f"/staff/events/{event.pk}/").content.decode()
    assert f"/staff/events/{event.pk}/seats/{invited[0].pk}/decline/" in page
    response = manager.post(f"/staff/events/{event.pk}/seats/{invited[0].pk}/decline/")
    assert response.status_code == 302
    assert Placement.objects.get(pk=invited[0].pk).state == Placement.State.WITHDRAWN
    audit = AuditEvent.objects.get(action="event.seat_decline")
    assert audit.actor_id is not None and audit.detail["on_behalf"] is True
    first_waiting.refresh_from_db()
    assert first_waiting.state == Placement.State.INVITED and first_waiting.replaces_id == invited[0].pk
    assert Placement.objects.get(pk=second_waiting.pk).state == Placement.State.WAITING
    offers = Mailing.objects.filter(message_type="event_seat_offer")
    assert [d.member_id for m in offers for d in m.deliveries.all()] == [first_waiting.participant.member_id]
    assert AuditEvent.objects.filter(action="event.seat_offer_waiting").count() == 1

    # No answer in time: the offer passes to the next on the waiting list, who takes the seat.
    Placement.objects.filter(pk=first_waiting.pk).update(reply_by=timezone.now() - timedelta(minutes=1))
    assert services.seats_expire_due() == 1
    second_waiting.refresh_from_db()
    assert second_waiting.state == Placement.State.INVITED
    services.seat_accept(placement=second_waiting)
    assert Placement.objects.get(pk=second_waiting.pk).state == Placement.State.CONFIRMED
    assert services.seats_taken(session) == 8

    # The waiting list is empty now: a further freed seat stays free, and that is recorded.
    services.seat_decline(placement=invited[1])
    assert AuditEvent.objects.filter(action="event.seat_unfilled").count() == 1


def test_an_invitation_declined_while_the_room_is_full_offers_nothing_to_the_waiting_list(council):
    event = drawn_event(council, reserve_size=0)
    session = event.sessions.first()
    invited = list(Placement.objects.filter(session=session, state=Placement.State.INVITED).order_by("pk"))
    Session.objects.filter(pk=session.pk).update(capacity=8)
    for seat in invited[:9]:
        services.seat_accept(placement=seat)
    services.seat_decline(placement=invited[9])  # had not answered: no confirmed seat is freed
    assert Placement.objects.get(pk=invited[8].pk).state == Placement.State.WAITING
    assert not Mailing.objects.filter(message_type="event_seat_offer").exists()


def test_no_answer_by_the_deadline_passes_the_seat_on(council):
    event = drawn_event(council)
    seat = Placement.objects.filter(session__event=event, state=Placement.State.INVITED).first()
    Placement.objects.filter(pk=seat.pk).update(reply_by=timezone.now() - timedelta(minutes=1))
    assert services.seats_expire_due() == 1
    seat.refresh_from_db()
    assert seat.state == Placement.State.EXPIRED
    assert Placement.objects.get(replaces=seat).state == Placement.State.INVITED
    assert services.seats_expire_due() == 0
    with pytest.raises(services.SeatNotOpen):
        services.seat_accept(placement=seat)


def test_the_seat_links_answer_by_post_only_and_show_a_ticket_with_a_qr_code(council, staff_client):
    event = drawn_event(council)
    seat = Placement.objects.filter(session__event=event, state=Placement.State.INVITED).select_related(
        "participant").first()
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    base = open_link(client, seat.participant)
    assert client.get(f"{base}seats/{seat.pk}/accept/").status_code == 405
    page = client.get(base).content.decode()
    assert "Ja, jeg kommer" in page  # the member's language: Danish
    assert client.post(f"{base}seats/{seat.pk}/accept/").status_code == 302
    assert client.post(f"{base}seats/{seat.pk}/accept/").status_code == 302  # a double click
    seat.refresh_from_db()
    assert seat.state == Placement.State.CONFIRMED
    ticket = client.get(f"{base}seats/{seat.pk}/")
    assert ticket.status_code == 200 and "qr.svg" in ticket.content.decode()
    qr = client.get(f"{base}seats/{seat.pk}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")
    ics = client.get(f"{base}seats/{seat.pk}/calendar.ics").content.decode()
    assert "BEGIN:VEVENT" in ics and "DTSTART:" in ics and "Town hall" in ics
    # Staff scan the code: the page shows who it is; checking in is a POST.
    manager = staff_client("manager")
    url = f"/staff/events/{event.pk}/checkin/{seat.checkin_code}/"
    assert seat.participant.member.name in manager.get(url).content.decode()
    seat.refresh_from_db()
    assert seat.state == Placement.State.CONFIRMED
    manager.post(url)
    seat.refresh_from_db()
    assert seat.state == Placement.State.ATTENDED and seat.checked_in_at
    assert manager.get(f"/staff/events/{event.pk}/checkin/not-a-code/").status_code == 404


def test_the_door_list_records_check_ins_and_no_shows(council, staff_client):
    event = drawn_event(council)
    session = event.sessions.first()
    seats = list(Placement.objects.filter(session=session, state=Placement.State.INVITED)[:3])
    for seat in seats:
        services.seat_accept(placement=seat)
    manager = staff_client("manager")
    page = manager.get(f"/staff/events/{event.pk}/sessions/{session.pk}/checkin/")
    assert page.content.decode().count('value="in"') == 3
    manager.post(f"/staff/events/{event.pk}/sessions/{session.pk}/checkin/{seats[0].pk}/", {"attended": "in"})
    manager.post(f"/staff/events/{event.pk}/sessions/{session.pk}/no-shows/")
    states = {p.pk: p.state for p in Placement.objects.filter(pk__in=[s.pk for s in seats])}
    assert states[seats[0].pk] == Placement.State.ATTENDED
    assert states[seats[1].pk] == states[seats[2].pk] == Placement.State.NO_SHOW
    assert AuditEvent.objects.filter(action__in=("event.attendance", "event.no_shows")).count() == 2


def test_reminders_go_once_to_those_confirmed_and_changes_reach_seat_holders(council):
    event = drawn_event(council)
    session = event.sessions.first()
    # A seat with a reserve whose swap keeps the quotas (the waiting list's case has its own test).
    seat = next(p for p in Placement.objects.filter(session=session, state=Placement.State.INVITED)
                if services.replacement_candidate(session=session, dropped=p) is not None)
    services.seat_accept(placement=seat)
    assert services.reminders_send_due() == 0  # the session is days away
    later = session.starts_at - timedelta(hours=event.reminder_hours - 1)
    assert services.reminders_send_due(now=later) == 1
    assert services.reminders_send_due(now=later) == 0
    reminder = Mailing.objects.get(message_type="event_reminder")
    assert list(reminder.deliveries.values_list("member_id", flat=True)) == [seat.participant.member_id]
    services.session_save(council=council, actor=None, event=event, session=session, place="Library, hall B",
                          online_link="", starts_at=session.starts_at, duration_minutes=90, capacity=10,
                          accessibility={})
    change = Mailing.objects.get(message_type="event_change")
    assert change.deliveries.count() == 10  # nine invited and one confirmed
    services.session_cancel(council=council, actor=None, session=session)
    assert Mailing.objects.get(message_type="event_cancel").deliveries.count() == 10


def free_connection_slots() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int"
                       " - current_setting('superuser_reserved_connections')::int"
                       " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hundred_simultaneous_accepts_for_twenty_seats_confirm_exactly_twenty(council):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    event = make_event(council, capacities=(20,))
    session = event.sessions.get()
    # Every accept holds its own connection at the starting line. A server with the default
    # max_connections (100) cannot hold 100 of them beside the suite's own connections, so
    # the race then runs with as many as fit (the CI server allows more and runs all 100).
    racers = min(100, free_connection_slots() - 8)
    assert racers > 40, "too few free PostgreSQL connections for a meaningful race"
    members = [MemberFactory(council=council) for _ in range(racers)]
    call = services.call_send(council=council, actor=None, event=event, filters={})
    participants = list(call.participants.all())
    assert len(participants) == len(members)
    now = timezone.now()
    seats = Placement.objects.bulk_create([
        Placement(session=session, participant=p, outcome=Placement.Outcome.SELECTED, probability=0.2,
                  state=Placement.State.INVITED, invited_at=now, reply_by=now + timedelta(days=3))
        for p in participants])
    barrier = threading.Barrier(len(seats), timeout=120)
    errors = []
    # Each thread needs its own connection: the test's own connection
    # is closed first, and each thread connects before the barrier (waiting while the server is
    # busy with other clients), so the accepts themselves all start together.
    connections.close_all()

    def connect():
        deadline = time.monotonic() + 60
        while True:
            try:
                connection.ensure_connection()
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def accept(seat):
        try:
            connect()
            barrier.wait()
            services.seat_accept(placement=seat)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(seat,)) for seat in seats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    states = Placement.objects.filter(session=session).values_list("state", flat=True)
    assert sum(s == Placement.State.CONFIRMED for s in states) == Session.objects.get(pk=session.pk).capacity == 20
    assert sum(s == Placement.State.WAITING for s in states) == racers - 20


def test_the_scheduled_command_passes_on_expired_seats(council):
    from io import StringIO

    from django.core.management import call_command

    event = drawn_event(council)
    Placement.objects.filter(session__event=event, state=Placement.State.INVITED).update(
        reply_by=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("events_send_due", stdout=out)
    assert out.getvalue().startswith("20 seat(s) passed on")
    assert Placement.objects.filter(session__event=event, state=Placement.State.EXPIRED).count() == 20


def test_members_see_their_events_and_tickets_on_their_own_page(council):
    from tests.members.test_selfservice import log_in

    event = drawn_event(council)
    seat = Placement.objects.filter(session__event=event, state=Placement.State.INVITED).select_related(
        "participant__member").first()
    services.seat_accept(placement=seat)
    member = seat.participant.member
    client = log_in(Client(HTTP_HOST=f"{council.slug}.localhost"), member)
    page = client.get("/me/").content.decode()
    assert "User test of My page" in page and "Your events" in page
    ticket = f"{participant_path(seat.participant)}?ticket={seat.pk}"
    assert ticket in page
    response = client.get(ticket)
    assert response["Location"] == f"/events/mine/{event.pk}/seats/{seat.pk}/"


def test_who_came_sets_population_volunteers_drawn_confirmed_and_attended_side_by_side(council, staff_client):
    from civicpanel.events.selectors import who_came

    event = drawn_event(council)
    session = event.sessions.first()
    seats = list(Placement.objects.filter(session=session, state=Placement.State.INVITED)[:4])
    for seat in seats:
        services.seat_accept(placement=seat)
    services.attendance_set(council=council, actor=None, placement=seats[0], attended=True)
    blocks = {b["feature"].key: b for b in who_came(council=council, event=event)}
    gender = blocks["gender"]
    assert gender["totals"] == {"volunteers": 39, "drawn": 20, "confirmed": 4, "attended": 1}
    assert sum(r["volunteers"] for r in gender["rows"]) == 39
    assert sum(r["attended"] for r in gender["rows"]) == 1
    women = next(r for r in gender["rows"] if r["option"].code == "woman")
    assert women["population_share"] == pytest.approx(0.5)
    page = staff_client("analyst").get(f"/staff/events/{event.pk}/").content.decode()
    assert "Who came" in page and "<svg" in page and 'role="img"' in page


def test_analysts_see_who_came_with_counts_below_five_hidden(council, staff_client):
    from civicpanel.events.selectors import who_came

    event = drawn_event(council)
    seats = list(Placement.objects.filter(session=event.sessions.first(), state=Placement.State.INVITED)[:4])
    for seat in seats:
        services.seat_accept(placement=seat)
    services.attendance_set(council=council, actor=None, placement=seats[0], attended=True)
    hidden = {b["feature"].key: b for b in who_came(council=council, event=event, suppress=True)}["gender"]
    for row in hidden["rows"]:
        for key in ("volunteers", "drawn", "confirmed", "attended"):
            assert row[key] is None or row[key] >= 5, (key, row[key])
            assert (row[key] is None) == (row[f"{key}_share"] is None)
        # 4 confirmed and 1 attended in all: every figure of those columns is hidden, even a 0.
        assert row["confirmed"] is None and row["attended"] is None
    assert hidden["totals"]["confirmed"] is None and hidden["totals"]["volunteers"] == 39
    # No column keeps exactly one hidden figure that its total would give away.
    for key in ("volunteers", "drawn"):
        assert [row[key] for row in hidden["rows"]].count(None) != 1
    analyst = staff_client("analyst").get(f"/staff/events/{event.pk}/").content.decode()
    assert "fewer than 5 people" in analyst and 'class="suppressed"' in analyst
    manager = staff_client("manager").get(f"/staff/events/{event.pk}/").content.decode()
    assert "fewer than 5 people" not in manager and 'class="suppressed"' not in manager


def test_a_follow_up_survey_goes_to_those_who_attended(council, staff_client):
    from civicpanel.surveys import services as survey_services
    from civicpanel.surveys.models import Invitation
    from tests.surveys.factories import build_survey

    event = drawn_event(council)
    session = event.sessions.first()
    seats = list(Placement.objects.filter(session=session, state=Placement.State.INVITED)
                 .select_related("participant")[:3])
    for seat in seats:
        services.seat_accept(placement=seat)
    for seat in seats[:2]:
        services.attendance_set(council=council, actor=None, placement=seat, attended=True)
    survey = build_survey(council)
    manager = staff_client("manager")
    page = manager.get(f"/staff/events/{event.pk}/").content.decode()
    link = f"/staff/surveys/for/attended_event/{event.pk}/"
    assert link in page
    listing = manager.get(link).content.decode()
    assert f"/staff/surveys/{survey.pk}/send/?f_attended_event={event.pk}" in listing
    send_page = manager.get(f"/staff/surveys/{survey.pk}/send/", {"f_attended_event": str(event.pk)})
    assert "2 members" in send_page.content.decode()
    wave = survey_services.wave_send(council=council, actor=None, survey=survey,
                                     filters={"attended_event": [str(event.pk)]})
    assert wave.recipient_count == 2
    assert set(Invitation.objects.filter(survey=survey).values_list("member_id", flat=True)) == {
        s.participant.member_id for s in seats[:2]}
    assert manager.get("/staff/surveys/for/attended_event/999999/").status_code == 404


def test_the_reminder_carries_the_session_as_a_calendar_file(council, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    event = drawn_event(council)
    session = event.sessions.first()
    # A seat with a reserve whose swap keeps the quotas (the waiting list's case has its own test).
    seat = next(p for p in Placement.objects.filter(session=session, state=Placement.State.INVITED)
                if services.replacement_candidate(session=session, dropped=p) is not None)
    services.seat_accept(placement=seat)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reminders_send_due(now=session.starts_at - timedelta(hours=event.reminder_hours - 1))
    (message,) = [m.message() for m in mailoutbox]
    (ics,) = list(message.iter_attachments())
    assert ics.get_content_type() == "text/calendar" and ics.get_filename() == f"event-{event.pk}.ics"
    content = ics.get_content()
    assert "BEGIN:VEVENT" in content and f"DTSTART:{session.starts_at.astimezone(UTC):%Y%m%dT%H%M%SZ}" in content
    # The file is synced and shared by calendars: it links to the public page, not the personal link.
    assert participant_path(seat.participant) not in content and f"/events/{event.pk}/" in content
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert participant_path(seat.participant) in body


def test_extra_invitations_beyond_the_seats_fill_the_waiting_list_never_the_room(council, staff_client):
    event = drawn_event(council)
    session = event.sessions.first()
    for seat in Placement.objects.filter(session=session, state=Placement.State.INVITED):
        services.seat_accept(placement=seat)
    assert services.seats_taken(session) == 10
    first_free = services.extra_candidate(session=session)  # the first reserve not seated in the other session
    assert first_free.outcome == Placement.Outcome.RESERVE
    manager = staff_client("manager")
    page = manager.get(f"/staff/events/{event.pk}/").content.decode()
    assert f"/staff/events/{event.pk}/sessions/{session.pk}/invite-extra/" in page
    manager.post(f"/staff/events/{event.pk}/sessions/{session.pk}/invite-extra/")
    extra = Placement.objects.get(pk=first_free.pk)
    assert extra.state == Placement.State.INVITED and extra.extra and extra.replaces_id is None
    mail = Mailing.objects.get(message_type="event_extra_invitation")
    assert list(mail.deliveries.values_list("member_id", flat=True)) == [extra.participant.member_id]
    assert AuditEvent.objects.get(action="event.seat_invite_extra").detail["confirmed"] == 10
    # The session is full: a yes puts them on the waiting list.
    services.seat_accept(placement=extra)
    assert Placement.objects.get(pk=extra.pk).state == Placement.State.WAITING
    assert services.seats_taken(session) == 10
    # A second extra who says no, or does not answer, frees nothing and calls in nobody.
    second = services.seat_invite_extra(council=council, actor=None, session=session)
    third = services.seat_invite_extra(council=council, actor=None, session=session)
    assert extra.reserve_rank < second.reserve_rank < third.reserve_rank  # in the reserve list's order
    services.seat_decline(placement=second)
    Placement.objects.filter(pk=third.pk).update(reply_by=timezone.now() - timedelta(minutes=1))
    assert services.seats_expire_due() == 1
    assert not Placement.objects.filter(replaces__isnull=False).exists()
    assert Placement.objects.filter(session=session, state=Placement.State.INVITED).count() == 0
    # A confirmed participant who gives up the seat: a reserve keeping the quotas, else the
    # waiting list, takes it; the room never holds more than its seats.
    leaving = Placement.objects.filter(session=session, state=Placement.State.CONFIRMED).first()
    services.seat_decline(placement=leaving)
    taker = Placement.objects.get(replaces=leaving)
    assert taker.state == Placement.State.INVITED and not taker.extra
    services.seat_accept(placement=taker)
    assert services.seats_taken(session) == 10


def test_no_extra_invitation_before_the_draw_or_when_the_reserve_list_is_used_up(council):
    event = drawn_event(council, reserve_size=0)
    session = event.sessions.first()
    with pytest.raises(ValidationError, match="Nobody on this session's reserve list"):
        services.seat_invite_extra(council=council, actor=None, session=session)
    undrawn = make_event(council)
    with pytest.raises(ValidationError, match="after the draw"):
        services.seat_invite_extra(council=council, actor=None, session=undrawn.sessions.first())


def test_every_event_email_reads_its_batch_at_once_and_says_the_same_as_read_one_by_one(council):
    """The mail worker's prefetch reads a batch's participants, the event's sessions and the
    seats of the session a wave is about in a fixed number of queries; each e-mail's values
    (link, title, sessions, its session and reply-by date) are those read one e-mail at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from civicpanel.events.messages import message_context, message_prefetch
    from civicpanel.outreach.models import Delivery

    event = drawn_event(council)
    mailings = list(Mailing.objects.filter(reference=f"event:{event.pk}"))
    assert {m.message_type for m in mailings} >= {"event_call", "event_invitation", "event_not_drawn"}
    for mailing in mailings:
        batch = list(Delivery.objects.filter(mailing=mailing).select_related("mailing").order_by("id"))
        with CaptureQueriesContext(connection) as queries:
            found = message_prefetch(batch)
        assert len(queries) <= 4 and set(found) == {d.pk for d in batch}
        for delivery in batch:
            with translation.override("da"):
                one_by_one = message_context(delivery)
                delivery.prefetched = found[delivery.pk]
                with CaptureQueriesContext(connection) as queries:
                    prefetched = message_context(delivery)
            assert prefetched == one_by_one and len(queries) == 0
            if mailing.message_type == "event_invitation":
                assert prefetched["session"] and prefetched["reply_by"]
