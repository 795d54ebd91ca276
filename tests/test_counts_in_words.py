"""Counts inside translated sentences ("Export these 1.084 members") are written in the page's
language, with its thousands separator, like every other number on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from civicpanel.members.models import Member

TEMPLATES = Path(__file__).resolve().parents[1] / "civicpanel" / "templates"
BLOCK = re.compile(r"\{% blocktranslate ([^%]*?)%\}(.*?)\{% endblocktranslate %\}", re.S)
COUNT = re.compile(r"\bcount (\w+)=(\S+)")


def test_every_count_shown_in_a_translated_sentence_is_formatted():
    """A `count` variable feeds the plural choice only; the number shown goes through |num."""
    raw = []
    for path in TEMPLATES.rglob("*.html"):
        for block in BLOCK.finditer(path.read_text()):
            options, body = block.groups()
            counter = COUNT.search(options)
            if counter and "{{ " + counter.group(1) + " }}" in body:
                raw.append(f"{path.relative_to(TEMPLATES)}: {counter.group(0)}")
    assert raw == []


# A figure in a table's number column, shown as it comes: "41000" instead of "41.000".
RAW_FIGURE = re.compile(r'<td class="num">\{\{ ([\w.]+) \}\}<')
# Numbers that name something (an idea's number, a file's line) are not counts, and a chart's
# table cells come formatted.
NAMES_NOT_COUNTS = {"idea.pk", "line.number", "cell"}


def test_every_figure_in_a_number_column_is_formatted():
    raw = [f"{path.relative_to(TEMPLATES)}: {name}" for path in TEMPLATES.rglob("*.html")
           for name in RAW_FIGURE.findall(path.read_text()) if name not in NAMES_NOT_COUNTS]
    assert raw == []


@pytest.mark.django_db
def test_the_survey_list_groups_the_thousands_in_danish(council, staff_client):
    from tests.surveys.factories import build_survey

    survey = build_survey(council)
    wave_members = Member.objects.bulk_create([Member(council=council, email=f"s{i}@example.org", status="active",
                                                      confirmed_at=timezone.now()) for i in range(1203)])
    from civicpanel.surveys.models import Invitation, Wave

    wave = Wave.objects.create(survey=survey, kind=Wave.Kind.INVITATION, channel=Wave.Channel.EMAIL,
                               send_at=timezone.now())
    Invitation.objects.bulk_create([Invitation(survey=survey, member=m, wave=wave, token_salt="s",
                                               invited_at=timezone.now()) for m in wave_members])
    page = staff_client("admin").get("/staff/surveys/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert '<td class="num">1.203</td>' in page


@pytest.mark.django_db
def test_the_export_button_groups_the_thousands_in_danish(council, staff_client):
    Member.objects.bulk_create([Member(council=council, email=f"m{i}@example.org", status="active",
                                       confirmed_at=timezone.now()) for i in range(1084)])
    client = staff_client("admin")
    page = client.get("/staff/members/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Eksportér disse 1.084 medlemmer som CSV" in page
    page = client.get("/staff/members/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Export these 1,084 members as CSV" in page
