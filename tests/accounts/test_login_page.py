"""The staff login page invites nobody to sign up: staff accounts are made by an administrator."""

from django.test import Client
from django.urls import reverse


def test_login_page_says_who_makes_accounts_and_offers_no_sign_up(council):
    page = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="da").get(reverse("account_login"))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("account_signup") not in html
    assert "Personalekonti oprettes af udvalgets administrator" in html
