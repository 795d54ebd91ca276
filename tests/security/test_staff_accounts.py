"""Staff accounts across councils: adding a person who is already staff elsewhere must not
hand this council's admin a way into the person's account (and so into the other council)."""

from __future__ import annotations

import pytest

from civicpanel.accounts.models import StaffMembership, User
from civicpanel.accounts.services import staff_add

pytestmark = pytest.mark.django_db


def _add(client, email: str):
    return client.post("/staff/staff/add/", {"email": email, "full_name": "Someone", "role": "analyst"})


def test_new_person_gets_a_password_link_by_email_and_the_admin_never_sees_it(
        staff_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _add(staff_client("admin"), "new.person@example.org")
    assert response.status_code == 200
    # Only the mailbox owner gets the link: an admin who adds an address they do not own
    # cannot set its password and so cannot hold an account another council may add later.
    assert "/accounts/password/reset/key/" not in response.content.decode()
    [message] = mailoutbox
    assert message.to == ["new.person@example.org"]
    assert "/accounts/password/reset/key/" in message.body


def test_no_password_link_for_a_person_who_is_staff_of_another_council(staff_client, council, other_council,
                                                                       mailoutbox, django_capture_on_commit_callbacks):
    # Invited by the other council, has not chosen a password yet (unusable password).
    staff_add(council=other_council, actor=None, email="invited@example.org", full_name="Invited", role="admin")
    user = User.objects.get(email="invited@example.org")
    assert not user.has_usable_password()

    with django_capture_on_commit_callbacks(execute=True):
        response = _add(staff_client("admin", council=council), "invited@example.org")

    assert response.status_code == 200
    # The person is told, without a password link (their account already exists).
    assert [m.to for m in mailoutbox] == [["invited@example.org"]]
    assert "/accounts/password/reset/key/" not in mailoutbox[0].body
    assert StaffMembership.objects.filter(user=user, council=council).exists()
    # The link would let this council's admin set the password of an admin of the other council.
    assert "/accounts/password/reset/key/" not in response.content.decode()
