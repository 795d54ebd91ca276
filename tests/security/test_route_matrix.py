"""Every route against the declared matrix (tests/security/route_matrix.py), for GET and POST and
every role; CSRF on every POST; no GET that writes; no query of a council's table that leaves the
council out; nothing that identifies a member on an analyst's pages and exports; and the
member's own export with the log of staff who looked at their record."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from civicpanel.audit.models import AuditEvent
from tests.conftest import login_with_second_factor
from tests.factories import MemberFactory, staff_user
from tests.security.route_matrix import MATRIX
from tests.security.world import build_world, concrete, url_table

pytestmark = pytest.mark.django_db

ROLES = {"A": "admin", "M": "manager", "N": "analyst"}
# Routes that take a POST without a CSRF token: the one-click unsubscribe of mail programs
# (RFC 8058), which cannot carry one; it changes nothing but that e-mail preference.
CSRF_EXEMPT = {"outreach:unsubscribe"}
# The read API takes no POST at all (405) and no cookies: a bearer token in a header, which another
# site cannot make a browser send, so there is nothing for a forged request to ride on.
API_PREFIX = "api_v1:"
# Rows a GET may add by design: the audit log records every view of personal data, the
# session and cache tables hold sessions and rate-limit counters, and allauth's e-mail page
# records the account's own address the first time it is shown.
GET_MAY_WRITE = {"audit_auditevent", "django_session", "civicpanel_cache", "account_emailaddress"}
# Pages that look a row up by another unique key and then compare its council in Python before
# answering (404 otherwise). Keep this list short: scoping in the query is the rule.
COUNCIL_CHECKED_AFTER_LOOKUP = {"budgeting:image"}


def _routes(world):
    for route, name, _callback in url_table():
        url = concrete(route, name, world)
        if url is not None:
            yield name, url


def _staff(council, role: str) -> Client:
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    client.user = staff_user(council, role)
    return login_with_second_factor(client, client.user)


def test_every_route_is_declared():
    names = [name for _route, name, _callback in url_table()]
    missing = sorted(set(names) - set(MATRIX))
    assert not missing, f"add these routes to tests/security/route_matrix.py with who may use them: {missing}"
    stale = sorted(set(MATRIX) - set(names))
    assert not stale, f"routes in the matrix that no longer exist: {stale}"


def test_the_declared_staff_roles_are_what_the_views_enforce():
    from civicpanel.accounts.permissions import ROLE_CAPABILITIES

    for route, name, callback in url_table():
        capabilities = getattr(callback, "staff_capabilities", None)
        if capabilities is None:
            assert not set(MATRIX[name]) <= set(ROLES) or MATRIX[name] in ("public", "member", "allauth"), name
            continue
        allowed = {letter for letter, role in ROLES.items()
                   if not capabilities or capabilities & ROLE_CAPABILITIES[role]}
        assert set(MATRIX[name]) == allowed, f"{name} ({route}): declared {MATRIX[name]}, the view allows {allowed}"


@pytest.mark.same_on_every_database
def test_every_route_answers_each_role_as_declared(council):
    world = build_world(council)
    staff = {letter: _staff(council, role) for letter, role in ROLES.items()}
    anonymous, member = world.anonymous(), world.member_client()
    checked = 0
    for name, url in _routes(world):
        who = MATRIX[name]
        if who == "allauth":
            continue
        if who == "public":
            status = anonymous.get(url).status_code
            assert status < 500 and status != 403, f"GET {url} anonymous: {status}"
        elif who == "member":
            response = anonymous.get(url)
            login = "/me/login/" if url == "/me/" else f"/me/login/?next={url}"  # the page asked for is kept
            assert response.status_code == 302 and response["Location"] == login, url
            assert member.get(url).status_code == 200, url
        else:
            for letter, client in staff.items():
                for method in ("get", "post"):
                    if method == "post" and letter in who:
                        continue  # a POST that is allowed would change the world for the next routes
                    status = getattr(client, method)(url).status_code
                    if letter in who:
                        assert status != 403 and status < 500, f"{method} {url} {ROLES[letter]}: {status}"
                    else:
                        assert status == 403, f"{method.upper()} {url} as {ROLES[letter]}: {status}, expected 403"
            for outsider in (anonymous, member):
                for method in ("get", "post"):
                    response = getattr(outsider, method)(url)
                    assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        checked += 1
    assert checked > 100


@pytest.mark.same_on_every_database
def test_every_post_needs_the_csrf_token(council):
    world = build_world(council)
    clients = {"staff": _staff(council, "admin"), "member": world.member_client(), "public": world.anonymous()}
    for client in clients.values():
        client.handler.enforce_csrf_checks = True
    exempt_seen = set()
    for name, url in _routes(world):
        who = MATRIX[name]
        client = clients["staff" if who not in ("public", "member") else who]
        status = client.post(url, {"x": "1"}).status_code
        if name.startswith(API_PREFIX):
            assert status in (401, 403, 404, 405), f"POST {url}: {status}"
            continue
        if name in CSRF_EXEMPT:
            exempt_seen.add(name)
            continue
        assert status == 403, f"POST {url} without a CSRF token: {status}"
    assert exempt_seen == CSRF_EXEMPT


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in GET_MAY_WRITE:
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from the schema
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.same_on_every_database
def test_no_get_writes(council):
    world = build_world(council)
    clients = [_staff(council, "admin"), world.member_client(), world.anonymous()]
    before = _row_counts()
    for name, url in _routes(world):
        if name in ("members:logout", "account_logout"):
            continue
        for client in clients:
            client.get(url)
        after = _row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after.get(t)}
        assert not changed, f"GET {url} wrote rows: {changed}"


# --- Queries that leave the council out -------------------------------------------------------------

def council_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models()
            if any(f.name == "council" and f.is_relation for f in model._meta.fields)}


@contextmanager
def council_scoped_queries(tables: set[str]):
    """Collects every SELECT that reads a table of council-owned rows and filters on neither
    the council nor a key (a row reached through a scoped one: by its id, or by its parent's
    id). A lookup by anything else (an e-mail address, a token hash, a status) must name the
    council."""
    problems: list[str] = []
    names = "|".join(re.escape(table) for table in sorted(tables))
    pattern = re.compile(rf'"({names})"')

    def check(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT") and pattern.search(sql):
            where = sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""
            if "council_id" not in where and not re.search(r'(\."id"|_id")\)? (=|IN) ', where):
                problems.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(check):
        yield problems


def test_no_page_queries_a_councils_table_without_the_council(council):
    world = build_world(council)
    clients = {"staff": _staff(council, "admin"), "member": world.member_client(), "public": world.anonymous()}
    tables = council_tables()
    assert {"surveys_survey", "members_member"} <= tables
    found = {}
    for name, url in _routes(world):
        if name in COUNCIL_CHECKED_AFTER_LOOKUP:
            continue
        who = MATRIX[name]
        client = clients["staff" if who not in ("public", "member") else who]
        with council_scoped_queries(tables) as problems:
            client.get(url)
        if problems:
            found[url] = problems
    assert not found, json.dumps(found, indent=1)[:4000]


def test_the_query_hook_catches_an_unscoped_query(council):
    from civicpanel.members.models import Member

    with council_scoped_queries(council_tables()) as problems:
        list(Member.objects.filter(status="active"))
        list(Member.objects.filter(council=council, status="active"))
    assert len(problems) == 1


# --- Analysts never see who answered ---------------------------------------------------------------

def test_analyst_pages_and_exports_name_nobody(council):
    world = build_world(council)
    people = [MemberFactory(council=council, name=f"Zorvath Quillby{n}", email=f"zq{n}@example.net")
              for n in range(3)]
    from civicpanel.surveys.models import Answer, Response
    from tests.surveys.factories import invite

    for person in people:
        invitation, _token = invite(world.survey, person)
        response = Response.objects.create(survey=world.survey, invitation=invitation, completed_at="2026-01-01T10:00Z")
        Answer.objects.create(response=response, question=world.survey.q["why"], value=f"I am {person.pk}")
        Answer.objects.create(response=response, question=world.survey.q["safety"], value=2)
    analyst = _staff(council, "analyst")
    members = list(council.members.all()) if hasattr(council, "members") else people
    identifiers = [p.email for p in members if p.email] + [p.name for p in members if p.name]
    pages = 0
    for name, url in _routes(world):
        if MATRIX[name] in ("public", "member", "allauth") or "N" not in MATRIX[name]:
            continue
        urls = [url] + ([url.replace("/csv/", f"/{fmt}/") for fmt in ("xlsx", "codebook")] if "/export/" in url else [])
        for each in urls:
            response = analyst.get(each)
            if response.status_code == 404:
                continue  # nothing shown (an object this world does not make, or not in that state)
            assert response.status_code == 200, each
            text = _text_of(response)
            for identifier in identifiers:
                assert identifier not in text, f"{each} shows {identifier!r}"
            assert not re.search(r"/staff/members/\d+", text), f"{each} links to a member"
            assert "member_id" not in text.lower(), each
            for column in _csv_header(response):
                assert column.lower() not in {"member", "member_id", "email", "name", "invitation"}, each
            pages += 1
    assert pages >= 8


def _text_of(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    return response.content.decode("utf-8-sig")


def _csv_header(response) -> list[str]:
    if not response["Content-Type"].startswith("text/csv"):
        return []
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))), [])


# --- The member's own export includes who at the council looked at them -----------------------------

def test_the_members_export_includes_the_staff_access_log(council):
    world = build_world(council)
    admin = _staff(council, "admin")
    admin.user.full_name = "Karin Sagsbehandler"
    admin.user.save(update_fields=["full_name"])
    assert admin.get(f"/staff/members/{world.member.pk}/").status_code == 200
    viewed = AuditEvent.objects.filter(member_ids__isnull=False, actor=admin.user).first()
    assert viewed is not None
    client = world.member_client()
    data = json.loads(client.get("/me/data/my-data.json").content)
    log = data["staff_access_log"]
    assert any(entry["staff"] == "Karin Sagsbehandler" and entry["action"] == viewed.action for entry in log)
    assert all(entry["action"] != "member.export_own" for entry in log)  # the member's own actions are not staff access
    rows = list(csv.reader(io.StringIO(client.get("/me/data/my-data.csv").content.decode("utf-8-sig"))))
    assert any(row[0] == "staff_access_log" and "Karin Sagsbehandler" in ";".join(row) for row in rows)
