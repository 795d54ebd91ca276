"""A council's events and budgeting rounds leave with it: `council_export` (and so
`council_remove`) writes them in the staff export formats."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from civicpanel.events import services
from tests.events.factories import (
    called_volunteers,
    close_volunteering,
    make_event,
    panel_with_population,
)

pytestmark = pytest.mark.django_db


def test_the_council_export_holds_its_events_and_rounds(council, tmp_path):
    from tests.budgeting.factories import build_round

    panel_with_population(council, size=24)
    event = make_event(council, capacities=(6,), reserve_size=4)
    called_volunteers(council, event, count=16)
    close_volunteering(event)
    services.draw_run(council=council, actor=None, event=event, feature_keys=["gender"], tolerance=1)
    rnd = build_round(council)  # voting: its list of projects is final
    call_command("council_export", council.slug, out=str(tmp_path), no_zip=True, stdout=io.StringIO())
    folder = next(tmp_path.iterdir())

    draw = list(csv.reader(io.StringIO((folder / "events" / f"event-{event.pk}-draw.csv").read_text())))
    assert draw[0][:3] == ["session", "pseudonym", "name"] and len(draw) == 1 + 16
    assert sum(1 for row in draw[1:] if row[4] == "selected") == 6
    volunteers = list(csv.reader(io.StringIO((folder / "events" / f"event-{event.pk}-volunteers.csv").read_text())))
    assert len(volunteers) == 1 + event.participants.count()
    assert sum(1 for row in volunteers[1:] if row[4]) == 16  # volunteered_at
    assert (folder / "events" / f"event-{event.pk}-sessions.csv").exists()
    pb = (folder / "budgeting" / f"round-{rnd.pk}-city.pb").read_text()
    assert pb.startswith("META") and "PROJECTS" in pb
