"""Every staff view of a member's personal data is in the audit log, and the log (which
outlives erasure) holds member ids, never a resident's e-mail or name."""

from __future__ import annotations

import pytest

from civicpanel.audit.models import AuditEvent
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_opening_a_members_edit_form_is_audited_as_a_view(council, staff_client):
    member = MemberFactory(council=council, name="Anna Holm", email="anna.holm@example.org")
    response = staff_client("manager").get(f"/staff/members/{member.pk}/edit/")
    assert response.status_code == 200
    assert "Anna Holm" in response.content.decode()
    event = AuditEvent.objects.get(action="member.view")
    assert event.member_ids == [member.pk]
    assert "anna" not in str(event.detail).lower()


def test_no_audit_row_names_a_resident(council, staff_client):
    member = MemberFactory(council=council, name="Anna Holm", email="anna.holm@example.org")
    client = staff_client("manager")
    client.get("/staff/members/", {"q": "anna.holm@example.org"})
    client.get("/staff/members/export.csv", {"q": "Anna Holm"})
    client.get(f"/staff/members/{member.pk}/")
    client.get(f"/staff/members/{member.pk}/edit/")
    rows = list(AuditEvent.objects.filter(council=council).values_list("actor_label", "object_id", "detail"))
    assert len(rows) >= 4
    text = str(rows).lower()
    assert "anna" not in text and "holm" not in text
