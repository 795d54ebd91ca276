"""Filters, sorts, pagination and search take only what they know (A4; V15.3.3).

Every page of the URL table is opened as the one who may see it (staff as an admin, a
member's pages as a member, public pages anonymously). The query parameters each page offers
are read from the page itself: the fields of its GET forms (filters, search) and the query
strings of its own links (sorts, pagination). Then:

- a parameter the page does not know (including `council`, `tenant`, `is_staff`, `role`) leaves
  the page exactly as it was;
- every known parameter, with odd values, and Hypothesis's mixtures of known and unknown
  parameters with odd values, never answer 5xx;
- every POST form of those pages, sent back as shown plus `council`/`tenant`/`is_staff`/`role`
  fields it does not have, changes none of those columns anywhere (no mass assignment).

No ModelForm takes every field: tests/security/test_requirements.py::test_no_model_form_takes_every_field."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicpanel.accounts.models import StaffMembership, User
from tests.conftest import login_with_second_factor
from tests.factories import council_with_profile, staff_user
from tests.phase import examples
from tests.security.route_matrix import MATRIX
from tests.security.world import build_world, concrete, url_table

pytestmark = pytest.mark.django_db

# Never opened in these walks: they end the session the rest of the walk needs.
SKIP = {"members:logout", "account_logout"}
ODD_VALUES = ["", "-1", "0", "999999999999999999999", "nan", "1e999", "\x00", "a\x01b", "'\"<x>", "%", "..",
              "desc; DROP TABLE x", "\U0001f600", " " * 3, "-name", "__class__", "1,2", "2026-13-45"]
odd_value = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=30),
                      st.integers(min_value=-(2**70), max_value=2**70).map(str))
INJECTED_NAMES = ["council", "council_id", "tenant", "tenant_id", "is_staff", "is_superuser", "role"]


class _Parts(HTMLParser):
    """The GET forms' field names and the page's own links, and each POST form's fields."""

    def __init__(self):
        super().__init__()
        self.get_fields: dict[str, set[str]] = {}
        self.links: list[str] = []
        self.post_forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "data": []}
            if self._form["method"] == "post":
                self.post_forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            name = a["name"]
            kind = (a.get("type") or "text").lower()
            if self._form["method"] == "get":
                self.get_fields.setdefault(name, set()).add(a.get("value") or "")
            if tag == "select":
                self._select = name
            elif tag == "textarea":
                self._textarea = name
                self._form["data"].append([name, ""])
            elif tag == "input" and kind not in ("submit", "button", "image", "reset", "file") and (
                    kind not in ("checkbox", "radio") or "checked" in a):
                self._form["data"].append([name, a.get("value") or ("on" if kind == "checkbox" else "")])
        elif tag == "option" and self._form is not None and self._select:
            if self._form["method"] == "get":
                self.get_fields.setdefault(self._select, set()).add(a.get("value") or "")
            if "selected" in a:
                self._form["data"].append([self._select, a.get("value") or ""])

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["data"][-1][1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _parse(html: str) -> _Parts:
    parts = _Parts()
    parts.feed(html)
    return parts


def _known_parameters(url: str, parts: _Parts) -> dict[str, set[str]]:
    """What the page itself offers: its GET form fields and the parameters of links to itself."""
    path = urlsplit(url).path
    known = {name: set(values) for name, values in parts.get_fields.items() if name != "csrfmiddlewaretoken"}
    for href in parts.links:
        link = urlsplit(href)
        if link.query and link.path in ("", path):
            for name, value in parse_qsl(link.query, keep_blank_values=True):
                known.setdefault(name, set()).add(value)
    return known


def _visible(response, echoed: str = "") -> bytes:
    """The page without what differs between two identical requests (CSRF token, CSP nonce),
    and without the query string itself where the page repeats its own address (the language
    switch returns to the same address; an export link keeps the list's filters)."""
    body = response.content
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    body = re.sub(rb'name="confirmation" value="[0-9a-f]+"', b"", body)  # a one-time key per view
    for query in (echoed, echoed.replace("&", "&amp;")) if echoed else ():
        for before, after in ((f"?{query}&amp;", "?"), (f"?{query}&", "?"), (f"?{query}", ""),
                              (f"&amp;{query}", ""), (f"&{query}", "")):
            body = body.replace(before.encode(), after.encode())
    return body


def _clients(council, world) -> dict[str, Client]:
    admin = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
    login_with_second_factor(admin, staff_user(council, "admin"))
    return {"staff": admin, "member": world.member_client(HTTP_ACCEPT_LANGUAGE="en"),
            "public": world.anonymous(HTTP_ACCEPT_LANGUAGE="en")}


def _pages(council) -> tuple[list[tuple[str, str, str, dict[str, set[str]], _Parts]], dict[str, Client]]:
    """(name, url, who, known parameters, parsed page) of every page that answers 200 with HTML."""
    world = build_world(council)
    clients = _clients(council, world)
    pages = []
    for route, name, _callback in url_table():
        url = concrete(route, name, world)
        who = MATRIX.get(name)
        if url is None or name in SKIP or who == "allauth" or name.startswith("api_v1:"):
            continue
        who = who if who in ("public", "member") else "staff"
        response = clients[who].get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parts = _parse(response.content.decode())
        pages.append((name, url, who, _known_parameters(url, parts), parts))
    return pages, clients


def _with(url: str, params: list[tuple[str, str]]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


def test_every_page_ignores_unknown_parameters_and_survives_odd_ones(council):
    """One walk (the world is built once): unknown parameters change nothing; each known one with
    odd values, then Hypothesis's mixtures, never answer 5xx."""
    other = council_with_profile(slug="bergen", name="Årstad bydel", country="NO", default_language="nb")
    pages, clients = _pages(council)
    assert len(pages) > 80
    _unknown_parameters_change_nothing(pages, clients, other)
    _odd_values_in_known_parameters(pages, clients)
    _hypothesis_mixtures(pages, clients)


def _unknown_parameters_change_nothing(pages, clients, other) -> None:
    unknown = [("zz_unknown", "'\"<x>\x00"), ("council", str(other.pk)), ("tenant", str(other.pk)),
               ("is_staff", "1"), ("role", "admin"), ("utm_source", "newsletter")]
    different, compared = [], 0
    for name, url, who, _known, _parts in pages:
        client = clients[who]
        plain = client.get(url)
        if _visible(plain) != _visible(client.get(url)):
            continue  # a page that changes by itself (a clock, a fresh sample)
        extra = client.get(_with(url, unknown))
        compared += 1
        if (extra.status_code, _visible(extra, urlencode(unknown))) != (plain.status_code, _visible(plain)):
            different.append(name)
    assert different == [] and compared > 80


def _odd_values_in_known_parameters(pages, clients) -> None:
    tried, broken = 0, []
    for name, url, who, known, _parts in pages:
        for parameter in known:
            for value in ODD_VALUES[1:5] + ODD_VALUES[6:9]:
                status = clients[who].get(_with(url, [(parameter, value)])).status_code
                tried += 1
                if status >= 500:
                    broken.append((name, parameter, value, status))
    assert broken == [] and tried > 100


def _hypothesis_mixtures(pages, clients) -> None:
    with_parameters = [page for page in pages if page[3]]

    # Each example is a whole page: 200 of them, over the pages that take parameters.
    @settings(max_examples=examples(200), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def check(data):
        name, url, who, known, _parts = data.draw(st.sampled_from(with_parameters))
        any_name = st.one_of(st.sampled_from(sorted(known)), st.sampled_from(INJECTED_NAMES),
                             st.text(min_size=1, max_size=12))
        values = st.one_of(odd_value, st.sampled_from(sorted({v for vs in known.values() for v in vs})))
        params = data.draw(st.lists(st.tuples(any_name, values), min_size=1, max_size=6))
        response = clients[who].get(_with(url, params))
        assert response.status_code < 500, (name, params, response.status_code)

    check()


# --- No mass assignment --------------------------------------------------------------------------------

def _protected_columns(council_models) -> dict:
    """Every row's council, every account's staff flags, every staff role."""
    state = {model._meta.label: dict(model.objects.values_list("pk", "council_id")) for model in council_models}
    state["users"] = {pk: (staff, superuser) for pk, staff, superuser
                      in User.objects.values_list("pk", "is_staff", "is_superuser")}
    state["roles"] = dict(StaffMembership.objects.values_list("pk", "role"))
    return state


def _changed(before: dict, after: dict, *, other_council: int) -> list[str]:
    changes = []
    for table, rows in before.items():
        for pk, value in rows.items():
            if pk in after[table] and after[table][pk] != value:
                changes.append(f"{table} {pk}: {value} -> {after[table][pk]}")
        for pk in set(after[table]) - set(rows):
            if table not in ("users", "roles") and after[table][pk] == other_council:
                changes.append(f"{table} {pk}: created in the other council")
            if table == "users" and any(after[table][pk]):
                changes.append(f"{table} {pk}: created with staff flags {after[table][pk]}")
    return changes


def test_forms_sent_back_with_council_staff_and_role_fields_change_none_of_them(council):
    other = council_with_profile(slug="bergen", name="Årstad bydel", country="NO", default_language="nb")
    council_models = [model for model in apps.get_models()
                      if any(f.name == "council" and f.is_relation for f in model._meta.fields)]
    pages, clients = _pages(council)
    injected = {"council": str(other.pk), "council_id": str(other.pk), "tenant": str(other.pk),
                "tenant_id": str(other.pk), "is_staff": "on", "is_superuser": "on", "role": "admin"}
    posted = 0
    for name, url, who, _known, parts in pages:
        for form in parts.post_forms:
            action = form["action"] or url
            if any(word in action for word in ("logout", "/leave/")):
                continue
            names = {field for field, _value in form["data"]}
            data = [(field, value) for field, value in form["data"]]
            data += [(field, value) for field, value in injected.items() if field not in names]
            before = _protected_columns(council_models)
            response = clients[who].post(action, dict(_group(data)))
            assert response.status_code < 500, (name, action, response.status_code)
            after = _protected_columns(council_models)
            assert _changed(before, after, other_council=other.pk) == [], (name, action)
            posted += 1
    assert posted > 40


def _group(pairs):
    grouped: dict[str, list[str]] = {}
    for field, value in pairs:
        grouped.setdefault(field, []).append(value)
    return grouped.items()
