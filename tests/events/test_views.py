"""Events pages: staff (roles, create, call with confirmation, draw) and residents (volunteer
form, outcome, the draw's files), and the public rerun of the draw with `civicpanel select`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from civicpanel.events import services
from civicpanel.events.models import Event, Participant, Placement
from civicpanel.outreach.models import Mailing
from tests.events.factories import (
    called_volunteers,
    close_volunteering,
    make_event,
    open_link,
    panel_with_population,
)

pytestmark = pytest.mark.django_db


def resident_client(council) -> Client:
    return Client(HTTP_HOST=f"{council.slug}.localhost")


def test_managers_run_events_and_analysts_see_only_aggregates(council, staff_client):
    panel_with_population(council, size=12)
    event = make_event(council)
    called_volunteers(council, event)
    manager, analyst = staff_client("manager"), staff_client("analyst")
    page = manager.get(f"/staff/events/{event.pk}/")
    assert page.status_code == 200
    assert "Call for volunteers" in page.content.decode() and "Panel member 0" in page.content.decode()
    page = analyst.get(f"/staff/events/{event.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Panel member" not in body and "Call for volunteers" not in body
    assert analyst.get("/staff/events/").status_code == 200
    for url in ("/staff/events/new/", f"/staff/events/{event.pk}/call/", f"/staff/events/{event.pk}/draw/",
                f"/staff/events/{event.pk}/draw.csv"):
        assert analyst.get(url).status_code == 403


def test_staff_create_an_event_and_its_sessions(council, staff_client):
    client = staff_client("manager")
    response = client.post("/staff/events/new/", {
        "title_da": "Brugertest af Min side", "title_en": "User test of My page", "description_da": "",
        "kind": "user_test", "volunteer_deadline": "2031-01-05T12:00", "reply_days": 5, "reserve_size": 5,
        "reminder_hours": 48,
    })
    event = Event.objects.get(council=council)
    assert response.status_code == 302 and response["Location"] == f"/staff/events/{event.pk}/"
    assert event.kind == "user_test" and event.title["en"] == "User test of My page"
    response = client.post(f"/staff/events/{event.pk}/sessions/new/", {
        "starts_at": "2031-01-12T17:00", "duration_minutes": 90, "capacity": 10, "place": "", "online_link": ""})
    assert response.status_code == 200 and "Give a place or an online link" in response.content.decode()
    response = client.post(f"/staff/events/{event.pk}/sessions/new/", {
        "starts_at": "2031-01-12T17:00", "duration_minutes": 90, "capacity": 10, "place": "Rådhuset",
        "online_link": "", "accessibility_da": "Trinfri adgang"})
    assert response.status_code == 302
    assert event.sessions.get().accessibility == {"da": "Trinfri adgang"}


def test_the_call_shows_the_e_mail_and_the_count_before_sending(council, staff_client):
    panel_with_population(council, size=8)
    event = make_event(council)
    client = staff_client("manager")
    page = client.get(f"/staff/events/{event.pk}/call/")
    body = page.content.decode()
    assert "8 members will be called" in body
    assert "Would you like to take part? User test of My page" in body  # the subject, in the staff's language
    assert "Send the call to 8 members" in body
    assert not Mailing.objects.exists()
    response = client.post(f"/staff/events/{event.pk}/call/", {"action": "send"})
    assert response.status_code == 302
    assert Participant.objects.filter(event=event).count() == 8
    # A filter narrows the call.
    second = make_event(council)
    page = client.get(f"/staff/events/{second.pk}/call/", {"f_gender": ["man"]})
    assert "3 members will be called" in page.content.decode()


def test_a_member_volunteers_from_the_personal_link(council):
    panel_with_population(council, size=2)
    event = make_event(council, capacities=(10, 10))
    participant = called_volunteers(council, event, count=0)[0]
    client = resident_client(council)
    url = open_link(client, participant)
    assert url == f"/events/mine/{event.pk}/"  # the token does not stay in the address bar
    page = client.get(url)
    # In the member's own language (Danish here).
    assert page.status_code == 200 and "Hvilke tidspunkter passer dig?" in page.content.decode()
    page = client.post(url, {})
    assert "Sæt kryds ved mindst én session, der passer dig." in page.content.decode()
    second = event.sessions.all()[1]
    response = client.post(url, {"sessions": [str(second.pk)]})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.is_volunteer and list(participant.sessions.all()) == [second]
    assert "Du har meldt dig" in client.get(response["Location"]).content.decode()
    assert client.get("/events/p/not-a-real-link/").status_code == 404
    # Without the link opened in this browser, the page says to open the link again.
    assert "personal link" in resident_client(council).get(url).content.decode().lower()
    assert resident_client(council).get(url).status_code == 404


def test_the_public_page_shows_the_commitment_then_the_seed(council, staff_client):
    panel_with_population(council, size=30)
    event = make_event(council, capacities=(10,))
    called_volunteers(council, event)
    client = resident_client(council)
    body = client.get(f"/events/{event.pk}/").content.decode()
    assert event.seed_commitment in body and str(event.seed) not in body
    close_volunteering(event)
    manager = staff_client("manager")
    page = manager.get(f"/staff/events/{event.pk}/draw/", {"features": ["gender", "district"], "tolerance": "1"})
    assert "The quotas can be met." in page.content.decode()
    response = manager.post(f"/staff/events/{event.pk}/draw/", {"features": ["gender", "district"], "tolerance": "1"})
    assert response.status_code == 302
    body = client.get(f"/events/{event.pk}/").content.decode()
    assert str(event.seed) in body and event.seed_commitment in body
    export = manager.get(f"/staff/events/{event.pk}/draw.csv")
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("session,pseudonym,name,email,outcome,reserve_rank,probability")
    assert len(lines) == 31


def test_a_volunteer_reruns_the_draw_with_civicpanel_select(council, staff_client, tmp_path):
    panel_with_population(council, size=39)
    event = make_event(council, capacities=(10, 10), reserve_size=3)
    participants = called_volunteers(council, event)
    close_volunteering(event)
    services.draw_run(council=council, actor=None, event=event, feature_keys=["gender", "birth_year", "district"],
                      tolerance=2)
    event.refresh_from_db()
    me = participants[5]
    client = resident_client(council)
    base = open_link(client, me)
    page = client.get(base).content.decode()
    assert me.pseudonym in page and str(event.seed) in page
    executable = Path(sys.executable).with_name("civicpanel")
    for number, session in enumerate(event.sessions.all(), start=1):
        files = {}
        for name in ("pool", "quotas", "selected"):
            response = client.get(f"{base}files/{number}/{name}.csv")
            assert response.status_code == 200
            files[name] = tmp_path / f"{number}-{name}.csv"
            files[name].write_bytes(response.content)
        pool = files["pool"].read_text().splitlines()
        assert pool[0] == "id,gender,birth_year,district"  # pseudonym and the balanced categories, nothing else
        result = subprocess.run(
            [str(executable), "select", "--people", str(files["pool"]), "--features", str(files["quotas"]),
             "--size", "10", "--seed", str(event.seed), "--reserve", "3", "--format", "json"],
            capture_output=True, text=True, check=True, timeout=300)
        rerun = json.loads(result.stdout)
        drawn = Placement.objects.filter(session=session, outcome=Placement.Outcome.SELECTED)
        assert sorted(rerun["selected"]) == sorted(p.participant.pseudonym for p in drawn)
        reserve = Placement.objects.filter(session=session, outcome=Placement.Outcome.RESERVE).order_by("reserve_rank")
        assert rerun["reserve"] == [p.participant.pseudonym for p in reserve]
        selected_file = files["selected"].read_text().splitlines()[1:]
        assert sorted(line.split(",")[0] for line in selected_file if ",selected," in line) == sorted(rerun["selected"])
        for placement in Placement.objects.filter(session=session).select_related("participant"):
            assert rerun["probabilities"][placement.participant.pseudonym] == pytest.approx(placement.probability)


def test_the_draw_files_are_for_the_events_volunteers_only(council):
    panel_with_population(council, size=15)
    event = make_event(council, capacities=(5,))
    participants = called_volunteers(council, event, count=12)
    close_volunteering(event)
    services.draw_run(council=council, actor=None, event=event, feature_keys=["gender"], tolerance=1)
    client = resident_client(council)
    not_volunteer = participants[13]
    assert client.get(f"{open_link(client, not_volunteer)}files/1/pool.csv").status_code == 404
    assert resident_client(council).get(f"/events/mine/{event.pk}/files/1/pool.csv").status_code == 404
    base = open_link(client, participants[0])
    assert client.get(f"{base}files/9/pool.csv").status_code == 404
    assert client.get(f"{base}files/1/pool.csv").status_code == 200


def test_nothing_of_another_councils_event_is_reachable(council, other_council, staff_client):
    event = make_event(other_council)
    client = staff_client("admin")
    assert client.get(f"/staff/events/{event.pk}/").status_code == 404
    assert resident_client(council).get(f"/events/{event.pk}/").status_code == 404
