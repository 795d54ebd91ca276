"""The audit log outlives erasure, so it must never keep a resident's e-mail or name."""

import pytest

from civicpanel.audit.models import AuditEvent
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_search_for_an_email_is_logged_without_the_text(council, staff_client):
    MemberFactory(council=council, email="hidden.person@example.net", name="Hidden Person")
    client = staff_client("manager")
    assert client.get("/staff/members/", {"q": "hidden.person@example.net"}).status_code == 200
    client.get("/staff/members/export.csv", {"q": "Hidden Person"})
    logged = " ".join(str(event.detail) for event in AuditEvent.objects.all())
    assert "hidden.person" not in logged and "Hidden Person" not in logged
    assert AuditEvent.objects.filter(action="member.search").exists()


def test_reserved_keys_cannot_be_profile_question_keys(council, staff_client):
    client = staff_client("admin")
    response = client.post("/staff/settings/profile/add/", {"key": "status", "kind": "single", "label_da": "Status",
                                                             "label_nb": "Status", "label_en": "Status"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
