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


@pytest.mark.django_db
def test_the_export_button_groups_the_thousands_in_danish(council, staff_client):
    Member.objects.bulk_create([Member(council=council, email=f"m{i}@example.org", status="active",
                                       confirmed_at=timezone.now()) for i in range(1084)])
    client = staff_client("admin")
    page = client.get("/staff/members/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "Eksportér disse 1.084 medlemmer som CSV" in page
    page = client.get("/staff/members/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Export these 1,084 members as CSV" in page
