"""The public header and footer are drawn once and kept (common/templatetags/kept.py): a page
served from them must be the very page drawn afresh, for every council, language and address,
and each visitor's forms must carry their own CSRF token."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from civicpanel.common.templatetags import kept
from civicpanel.tenancy.models import Council
from civicpanel.tenancy.resolution import forget_councils

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def page(council, path: str, language: str | None = None, client: Client | None = None) -> str:
    client = client or Client(HTTP_HOST=f"{council.slug}.localhost")
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    return TOKEN.sub('name="csrfmiddlewaretoken" value="-"', html)


def test_a_page_from_kept_fragments_is_the_page_drawn_afresh(council, other_council, monkeypatch):
    kept.forget_kept()
    visits = [(council, "/privacy/", "da"), (council, "/privacy/", "en"), (other_council, "/privacy/", "nb"),
              (council, "/join/", "da"), (council, "/privacy/?from=mail", "da")]
    for visit in visits:  # fill the kept fragments, each visit after another council, language or address
        page(*visit)
    assert len(kept._kept) == 2 * len(visits) - 2  # one footer for the two addresses of each council and language
    served = [page(*visit) for visit in visits]
    monkeypatch.setattr(kept, "KEPT_MOST", 0)  # nothing kept: every page drawn afresh
    fresh = [page(*visit) for visit in visits]
    for visit, one, other in zip(visits, served, fresh, strict=True):
        assert without_tokens(one) == without_tokens(other), visit
    assert "Valby Lokaludvalg" in served[0] and "Årstad bydel" in served[2]
    assert 'value="/privacy/?from=mail"' in served[4]  # the language form comes back to the same address


def test_a_council_renamed_shows_its_new_name_on_the_next_page(council):
    kept.forget_kept()
    assert "Valby Lokaludvalg" in page(council, "/privacy/")
    Council.objects.filter(pk=council.pk).update(name="Valby Lokaludvalg 2027")
    forget_councils()  # the host's council is kept for 10 s; after that the new name shows
    html = page(council, "/privacy/")
    assert html.count("Valby Lokaludvalg 2027") >= 2  # header and footer


def test_each_visitor_changes_language_with_their_own_token(council):
    kept.forget_kept()
    for _visitor in range(2):
        client = Client(HTTP_HOST=f"{council.slug}.localhost", enforce_csrf_checks=True)
        html = page(council, "/privacy/", client=client)
        tokens = set(TOKEN.findall(html))
        assert tokens and kept.STAND_IN_TOKEN not in html
        changed = client.post("/i18n/setlang/", {"language": "en", "next": "/privacy/",
                                                 "csrfmiddlewaretoken": tokens.pop()})
        assert changed.status_code == 302 and changed.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_kept_fragments_are_bounded(council, monkeypatch):
    kept.forget_kept()
    monkeypatch.setattr(kept, "KEPT_MOST", 3)
    for n in range(6):
        page(council, f"/privacy/?n={n}")
    assert len(kept._kept) == 3
