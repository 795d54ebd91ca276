"""Staff passwords (B2), each rule on its own: at least 12 characters, 64 and more allowed, a
password from the common-password list refused, one that repeats the person's own address
refused, and Argon2 the hasher of every new password. Each rule is tried through the page
staff use to change their password, so the form and the settings are tested together."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    MinimumLengthValidator,
    get_default_password_validators,
    validate_password,
)
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db

OLD = "correct horse battery staple"  # the factories' password


def _change(staff_client, new: str, client=None):
    client = client or staff_client("admin", email="sigrid.holm@example.org")
    response = client.post("/accounts/password/change/", {"oldpassword": OLD, "password1": new, "password2": new},
                           HTTP_ACCEPT_LANGUAGE="en")
    client.user.refresh_from_db()
    response.client = client
    return response, client.user


def test_the_validators_are_the_ones_the_requirement_names():
    kinds = {type(v) for v in get_default_password_validators()}
    assert MinimumLengthValidator in kinds and CommonPasswordValidator in kinds
    length = next(v for v in get_default_password_validators() if isinstance(v, MinimumLengthValidator))
    assert length.min_length == 12


def test_eleven_characters_are_refused_and_twelve_accepted(staff_client):
    response, user = _change(staff_client, "tjørnehæk9x")  # 11 characters
    assert response.status_code == 200 and "at least 12 characters" in response.content.decode()
    assert check_password(OLD, user.password)
    response, user = _change(staff_client, "tjørnehæk9xq", response.client)  # 12 characters
    assert response.status_code == 302
    assert check_password("tjørnehæk9xq", user.password)


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_are_accepted_whole(staff_client, length):
    password = ("Valby lokaludvalg mødes torsdag kl. 19 i medborgerhuset, 2500. " * 3)[:length]
    assert len(password) == length
    response, user = _change(staff_client, password)
    assert response.status_code == 302
    assert check_password(password, user.password)
    assert not check_password(password[:-1], user.password)  # nothing is cut off


def test_a_common_password_is_refused_even_when_long_enough(staff_client):
    assert len("qazwsxedc123") >= 12
    with pytest.raises(ValidationError):
        CommonPasswordValidator().validate("qazwsxedc123")
    response, user = _change(staff_client, "qazwsxedc123")
    assert response.status_code == 200 and "too common" in response.content.decode()
    assert check_password(OLD, user.password)


def test_a_password_like_the_persons_own_address_is_refused(staff_client):
    response, user = _change(staff_client, "sigrid.holm@example.org")
    assert response.status_code == 200 and "too similar" in response.content.decode()
    assert check_password(OLD, user.password)


def test_a_new_password_is_hashed_with_argon2_first(staff_client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    response, user = _change(staff_client, "brostenene ved Toftegårds Plads")
    assert response.status_code == 302
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


def test_validate_password_rejects_each_rule_alone():
    for weak in ("kort-ord-1", "qazwsxedc123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("brostenene ved Toftegårds Plads")
