"""Staff accounts across councils: adding a person who is already staff elsewhere must not
hand this council's admin a way into the person's account (and so into the other council)."""

from __future__ import annotations

import pytest

from civicpanel.accounts.models import StaffMembership, User
from civicpanel.accounts.services import staff_add

pytestmark = pytest.mark.django_db


def _add(client, email: str):
    return client.post("/staff/staff/add/", {"email": email, "full_name": "Someone", "role": "analyst"})


def test_new_person_gets_a_password_link(staff_client):
    response = _add(staff_client("admin"), "new.person@example.org")
    assert response.status_code == 200
    assert "/accounts/password/reset/key/" in response.content.decode()


def test_no_password_link_for_a_person_who_is_staff_of_another_council(staff_client, council, other_council):
    # Invited by the other council, has not chosen a password yet (unusable password).
    staff_add(council=other_council, actor=None, email="invited@example.org", full_name="Invited", role="admin")
    user = User.objects.get(email="invited@example.org")
    assert not user.has_usable_password()

    response = _add(staff_client("admin", council=council), "invited@example.org")

    assert response.status_code == 200
    assert StaffMembership.objects.filter(user=user, council=council).exists()
    # The link would let this council's admin set the password of an admin of the other council.
    assert "/accounts/password/reset/key/" not in response.content.decode()
