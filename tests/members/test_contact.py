"""A member's optional postal address and phone number (for paper and phone surveys): set by
staff or by import, checked, encrypted at rest, in the member's own data export, and erased
when the member leaves."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from civicpanel.audit.models import AuditEvent
from civicpanel.members.contact import clean_phone, clean_postal_address
from civicpanel.members.erasure import member_data, member_erase
from civicpanel.members.imports import import_check
from civicpanel.members.models import Member
from tests.factories import MemberFactory
from tests.members.test_staff_members import member_with_profile

pytestmark = pytest.mark.django_db


def test_staff_add_an_address_and_a_number_and_see_them_on_the_member_page(council, staff_client):
    member = member_with_profile(council, name="Anna")
    client = staff_client("manager")
    response = client.post(f"/staff/members/{member.pk}/edit/", {
        "name": "Anna", "language": "da", "district": member.district.profile_option.code,
        "postal_address": "  Valby Langgade 1, 2. th\r\n\r\n2500   Valby ",
        "phone": "+45 12 34 56 78"})
    assert response.status_code == 302, response.context["form"].errors
    member.refresh_from_db()
    assert member.postal_address == "Valby Langgade 1, 2. th\n2500 Valby" and member.phone == "+45 12 34 56 78"
    event = AuditEvent.objects.get(action="member.update")
    assert set(event.detail["fields"]) >= {"postal_address", "phone"} and "Valby" not in str(event.detail)
    page = client.get(f"/staff/members/{member.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Valby Langgade 1, 2. th<br>2500 Valby" in page and "+45 12 34 56 78" in page
    edit = client.get(f"/staff/members/{member.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'type="tel"' in edit and "Postal address (optional)" in edit


def test_a_wrong_number_or_an_address_too_long_for_the_window_is_refused(council, staff_client):
    member = member_with_profile(council, name="Anna")
    response = staff_client("manager").post(f"/staff/members/{member.pk}/edit/", {
        "name": "Anna", "language": "da", "district": member.district.profile_option.code, "phone": "ring mig", "postal_address": "\n".join("abcdef")},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Write the phone number with digits only" in text and "at most 5 lines" in text
    member.refresh_from_db()
    assert member.phone == "" and member.postal_address == ""


@pytest.mark.parametrize(("raw", "kept"), [("12345678", "12345678"), ("+47 22 33 44 55", "+47 22 33 44 55"),
                                           ("(+45) 12-34.56 78", "(+45) 12-34.56 78"), ("", "")])
def test_phone_numbers_people_write_are_kept_as_written(raw, kept):
    assert clean_phone(raw) == kept


@pytest.mark.parametrize("raw", ["1234567", "1" * 16, "12 34 56 78 ext", "=1+2345678", "12+345678"])
def test_phone_numbers_that_cannot_be_dialled_are_refused(raw):
    with pytest.raises(ValidationError):
        clean_phone(raw)


def test_an_address_line_longer_than_the_window_is_refused():
    assert clean_postal_address("a" * 60) == "a" * 60
    with pytest.raises(ValidationError):
        clean_postal_address("a" * 61)


def test_encrypted_at_rest_exported_to_the_member_and_erased_on_leaving(council):
    member = MemberFactory(council=council, name="Bo", postal_address="Toftegårds Allé 3\n2500 Valby",
                           phone="+45 87 65 43 21")
    with connection.cursor() as cursor:
        cursor.execute("SELECT postal_address, phone FROM members_member WHERE id = %s", [member.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("ev1:") for value in stored)
    assert "Toftegård" not in "".join(stored) and "87 65" not in "".join(stored)
    exported = member_data(member)["member"]
    assert exported["postal_address"] == "Toftegårds Allé 3\n2500 Valby" and exported["phone"] == "+45 87 65 43 21"
    member_erase(member=member)
    husk = Member.objects.get(pk=member.pk)
    assert husk.postal_address == "" and husk.phone == ""


def test_import_reads_address_and_phone_and_reports_bad_numbers(council):
    data = (b"email;name;postal_address;phone\n"
            b'a@example.org;A;"Vej 1\n2500 Valby";+45 11 22 33 44\n'
            b"b@example.org;B;;nope\n")
    with translation.override("en"):
        report = import_check(council=council, data=data, filename="members.csv")
    first, second = report.lines
    assert first.ok and first.postal_address == "Vej 1\n2500 Valby" and first.phone == "+45 11 22 33 44"
    assert not second.ok and any("phone number" in error for error in second.errors)


def test_members_see_and_change_their_own_address_and_number(resident_client, council):
    from tests.members.test_selfservice import YEAR, log_in, make_member

    member = make_member(council, phone="+45 11 22 33 44")
    log_in(resident_client, member)
    page = resident_client.get("/me/profile/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["form"].initial["phone"] == "+45 11 22 33 44"
    assert "Used only if e-mails to you cannot be delivered" in page.content.decode()
    data = {"name": "Bo Berg", "gender": "man", "birth_year": str(YEAR - 50), "district": "gammel-valby",
            "postal_code": "2450", "education": "vocational", "employment": "employed", "housing": "cooperative",
            "postal_address": "Valby Langgade 2\n2500 Valby", "phone": ""}
    assert resident_client.post("/me/profile/", data).status_code == 302
    member.refresh_from_db()
    assert member.postal_address == "Valby Langgade 2\n2500 Valby" and member.phone == ""
    wrong = resident_client.post("/me/profile/", {**data, "phone": "call me"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 200 and "Write the phone number with digits only" in wrong.content.decode()
