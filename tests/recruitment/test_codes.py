"""Signing up with the code from a letter: the campaign is recorded, birth year and district
are filled in to confirm, a code works once and until the day staff set, and a wrong code
never gives a server error and is throttled like every personal link."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from civicpanel.common.tokenurls import WRONG_LIMIT
from civicpanel.members.models import Member
from civicpanel.recruitment import codes
from civicpanel.recruitment.models import Letter, LetterBatch
from tests.recruitment.helpers import YEAR, batch, extract, residents

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def letters(council):
    made = batch(council, extract(council, residents(3, age=20)))
    return {letter.pk: codes.letter_code(letter.pk, letter.salt) for letter in Letter.objects.filter(batch=made)}


def _client(council) -> Client:
    return Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")


def _signup_data(client, email: str) -> dict:
    page = client.get("/join/letter/continue/")
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    for name in form.profile_keys:  # answer what the letter could not fill in
        field = form.fields[name]
        if name not in data and getattr(field, "choices", None) and field.required:
            data[name] = [c for c, _label in field.choices if c][0]
    data.update({"email": email, "name": "", "language": "da", "consent": "on",
                 "consent_version": form.fields["consent_version"].initial})
    return data


def test_the_qr_link_fills_in_what_the_extract_knows_and_records_the_campaign(council, letters):
    letter_id, code = next(iter(letters.items()))
    client = _client(council)
    response = client.get(f"/join/letter/{code}/")
    assert response.status_code == 302 and response["Location"] == "/join/letter/continue/"
    page = client.get("/join/letter/continue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert code not in html
    assert f'value="{YEAR - 20}"' in html  # the birth year, to be confirmed
    assert re.search(r'value="gammel-valby"[^>]*selected', html)  # the district, likewise
    response = client.post("/join/letter/continue/", _signup_data(client, "ung@example.net"))
    assert response.status_code == 302 and response["Location"] == "/join/check-your-email/"
    member = Member.objects.by_email("ung@example.net", council=council).get()
    letter = Letter.objects.get(pk=letter_id)
    assert member.campaign == letter.batch.campaign and member.source == "letter"
    assert member.birth_year == YEAR - 20 and member.district.name == "Gammel Valby"
    assert letter.used_at is not None and letter.member == member


def test_a_code_works_once(council, letters):
    _letter_id, code = next(iter(letters.items()))
    first = _client(council)
    first.get(f"/join/letter/{code}/")
    first.post("/join/letter/continue/", _signup_data(first, "a@example.net"))
    second = _client(council)
    response = second.get(f"/join/letter/{code}/")
    assert response.status_code == 410 and "This code has been used" in response.content.decode()
    response = second.post("/join/letter/", {"code": code})
    assert response.status_code == 410
    assert Member.objects.filter(council=council).count() == 1


def test_two_browsers_with_the_same_code_sign_up_once(council, letters):
    _letter_id, code = next(iter(letters.items()))
    one, two = _client(council), _client(council)
    one.get(f"/join/letter/{code}/")
    two.get(f"/join/letter/{code}/")
    data_one, data_two = _signup_data(one, "one@example.net"), _signup_data(two, "two@example.net")
    assert one.post("/join/letter/continue/", data_one).status_code == 302
    response = two.post("/join/letter/continue/", data_two)
    assert response.status_code == 410
    assert not Member.objects.by_email("two@example.net", council=council).exists()


def test_a_code_expires_after_the_day_staff_set(council, letters):
    _letter_id, code = next(iter(letters.items()))
    LetterBatch.objects.update(codes_expire_on=timezone.localdate())
    assert _client(council).get(f"/join/letter/{code}/").status_code == 302  # valid all of its last day
    LetterBatch.objects.update(codes_expire_on=timezone.localdate() - datetime.timedelta(days=1))
    response = _client(council).get(f"/join/letter/{code}/")
    assert response.status_code == 410 and "This code has expired" in response.content.decode()


def test_a_typed_code_may_have_spaces_dashes_and_small_letters(council, letters):
    _letter_id, code = next(iter(letters.items()))
    typed = " " + codes.shown(code).lower().replace("-", " - ") + " "
    response = _client(council).post("/join/letter/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == "/join/letter/continue/"


def test_another_councils_code_does_not_work(council, other_council, letters):
    _letter_id, code = next(iter(letters.items()))
    assert _client(other_council).get(f"/join/letter/{code}/").status_code == 404


@pytest.mark.parametrize("typed", ["", "x", "A" * 40, "<script>", "ÆØÅ-1234", "\x00abc", "ABCD-EFGH-JKMN"])
def test_a_wrong_code_is_a_clear_answer_never_a_server_error(council, typed):
    response = _client(council).post("/join/letter/", {"code": typed})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_wrong_codes_are_throttled_like_other_links(council, letters):
    client = _client(council)
    for i in range(WRONG_LIMIT + 1):
        client.get(f"/join/letter/WRONGCODE{i:03d}/")
    _letter_id, code = next(iter(letters.items()))
    assert client.get(f"/join/letter/{code}/").status_code == 429
    assert client.post("/join/letter/", {"code": code}).status_code == 429


def test_the_continue_page_without_a_code_goes_to_the_code_form(council):
    response = _client(council).get("/join/letter/continue/")
    assert response.status_code == 302 and response["Location"] == "/join/letter/"


def test_only_a_hash_of_each_code_is_stored(council, letters):
    stored = set(Letter.objects.values_list("code_hash", flat=True))
    for code in letters.values():
        assert code not in stored and codes.code_hash(code) in stored


def test_the_members_own_data_export_names_the_letter(council, letters):
    from civicpanel.members.erasure import member_data

    letter_id, code = next(iter(letters.items()))
    client = _client(council)
    client.get(f"/join/letter/{code}/")
    client.post("/join/letter/continue/", _signup_data(client, "data@example.net"))
    member = Member.objects.by_email("data@example.net", council=council).get()
    rows = member_data(member)["recruitment_letters"]
    assert rows == [{"campaign": "Breve til unge", "letter_sent": Letter.objects.get(pk=letter_id).batch.created_at.date().isoformat(),
                     "code_used_at": Letter.objects.get(pk=letter_id).used_at.isoformat()}]
