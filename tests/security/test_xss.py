"""Text that staff or residents type is shown as text everywhere: in pages, in the SVG charts
built on the server, and in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from civicpanel.panel.models import PopulationFigure, ProfileOption
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _assert_inert(html: str) -> None:
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html  # it is there, as text


def test_option_labels_in_the_representativeness_chart_are_text(council, staff_client):
    option = ProfileOption.objects.get(question__council=council, question__key="gender", code="woman")
    option.label = {"da": EVIL, "nb": EVIL, "en": EVIL}
    option.save(update_fields=["label"])
    for number, each in enumerate(option.question.options.all()):
        PopulationFigure.objects.create(council=council, option=each, count=100 + number)
    for _ in range(3):
        MemberFactory(council=council, status="active")
    html = staff_client("analyst").get("/staff/representativeness/").content.decode()
    assert "<svg" in html
    _assert_inert(html)


def test_option_labels_on_the_signup_page_are_text(council):
    option = ProfileOption.objects.get(question__council=council, question__key="gender", code="woman")
    option.label = {"da": EVIL, "nb": EVIL, "en": EVIL}
    option.save(update_fields=["label"])
    html = Client(HTTP_HOST=f"{council.slug}.localhost").get("/join/").content.decode()
    _assert_inert(html)


def test_a_residents_name_and_source_are_text_on_staff_pages(council, staff_client):
    member = MemberFactory(council=council, name=EVIL, source=EVIL)
    client = staff_client("admin")
    _assert_inert(client.get("/staff/members/").content.decode())
    _assert_inert(client.get(f"/staff/members/{member.pk}/").content.decode())


def test_a_district_name_in_the_audit_log_is_text(council, staff_client):
    client = staff_client("admin")
    client.post("/staff/settings/districts/", {"name": EVIL, "postal_codes": "2500"})
    _assert_inert(client.get("/staff/audit/").content.decode())
