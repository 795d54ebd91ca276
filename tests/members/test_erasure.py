"""Leaving the panel: the member's e-mail and name are gone from every table of the database."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from civicpanel.common import crypto
from civicpanel.members import erasure
from civicpanel.members.models import ConsentRecord, Member, MemberAnswer, MemberToken
from civicpanel.members.services import member_leave
from tests.factories import MemberFactory
from tests.members.conftest import link_path

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
EMAIL = "erin.quillfeather@example.org"
NAME = "Erin Quillfeather"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}


ENCRYPTED_RE = re.compile(r"ev1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+")


def _readable(text: str) -> str:
    """The row's text with every encrypted value decrypted beside it: the scan must find an
    address that erasure left behind even though it is encrypted at rest."""
    return text + " " + " ".join(crypto.decrypt(value) for value in ENCRYPTED_RE.findall(text))


def traces(*needles: str) -> list[str]:
    """Every place in the database where one of the strings occurs: each table's rows as
    text (all columns, including JSON, encrypted values decrypted), and each session's data."""
    needles = [n.lower() for n in needles]
    found = []
    tables = connection.introspection.table_names(include_views=True)
    model_tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    assert model_tables <= set(tables), model_tables - set(tables)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult._meta.db_table in tables  # the raw task table is part of the scan
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = _readable(" ".join(str(value) for value in row)).lower()
                found.extend(f"{table}: {needle}" for needle in needles if needle in text)
    for session in Session.objects.all():
        text = str(session.get_decoded()).lower()
        found.extend(f"session: {needle}" for needle in needles if needle in text)
    return found


def run_mail_worker():
    """What `civicpanel db_worker` does for each queued task: run it and store the outcome in
    the task row (done here in the test's transaction; the worker command closes the
    connection between tasks, which would end the test's transaction on PostgreSQL)."""
    from django_tasks_db.models import DBTaskResult

    for row in DBTaskResult.objects.ready():
        row.claim("test-worker")
        result = row.task_result
        row.set_successful(row.task.call(*result.args, **result.kwargs))


def test_leaving_leaves_no_trace_of_email_or_name(resident_client, council, mailoutbox, settings):
    settings.TASKS = DB_TASKS
    from tests.members.test_signup import signup_data

    response = resident_client.post("/join/", signup_data(council, email=EMAIL, name=NAME))
    assert response.status_code == 302
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 1  # the confirmation e-mail, queued by id only
    run_mail_worker()
    assert resident_client.post(link_path(mailoutbox[0])).status_code == 302  # confirmed, logged in
    resident_client.post("/me/logout/")
    resident_client.post("/me/login/", {"email": EMAIL})
    resident_client.post("/join/", signup_data(council, email=EMAIL, name=NAME))  # "already a member"
    run_mail_worker()
    assert len(mailoutbox) == 3
    assert resident_client.post(link_path(mailoutbox[1])).status_code == 302
    assert resident_client.get("/me/data/my-data.json").status_code == 200
    member = Member.objects.by_email(EMAIL, council=council).get()
    assert traces(EMAIL, NAME), "the scan must see the member before leaving"

    response = resident_client.post("/me/leave/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/left/"
    assert resident_client.get("/left/").status_code == 200
    assert resident_client.get("/me/").status_code == 302  # logged out

    assert traces(EMAIL, NAME) == []
    assert DBTaskResult.objects.count() == 3  # the task rows are still there, and hold neither

    husk = Member.objects.get(pk=member.pk)
    assert husk.status == Member.Status.LEFT and husk.left_at is not None
    assert husk.email is None and husk.name == "" and husk.birth_year is None
    assert husk.postal_code == "" and husk.district is None
    assert not MemberAnswer.objects.filter(member=husk).exists()
    assert not MemberToken.objects.filter(member=husk).exists()
    # The consent records stay (version and date only), with nothing that identifies anyone.
    assert ConsentRecord.objects.filter(member=husk).count() == 1


def test_leaving_needs_the_confirm_box(resident_client, council):
    from tests.members.test_selfservice import log_in, make_member

    member = make_member(council)
    log_in(resident_client, member)
    response = resident_client.post("/me/leave/", {})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE and member.email


def test_registered_erasers_run_inside_the_erasure(council, monkeypatch):
    seen = []
    monkeypatch.setattr(erasure, "_erasers", [lambda m: seen.append((m.pk, m.email))])
    member = MemberFactory(council=council, email="zed@example.org")
    member_leave(member=member)
    assert seen == [(member.pk, "zed@example.org")]  # the eraser still saw the data


def test_a_failing_eraser_erases_nothing(council, monkeypatch):
    def broken(member):
        raise RuntimeError("survey store unavailable")

    monkeypatch.setattr(erasure, "_erasers", [broken])
    member = MemberFactory(council=council, email="keep@example.org")
    with pytest.raises(RuntimeError):
        member_leave(member=member)
    member.refresh_from_db()
    assert member.email == "keep@example.org" and member.status == Member.Status.ACTIVE


def test_erasure_is_idempotent(council):
    member = MemberFactory(council=council)
    first = erasure.member_erase(member=member)
    left_at = first.left_at
    second = erasure.member_erase(member=member)
    assert second.left_at == left_at and second.status == Member.Status.LEFT


def test_failed_mail_traceback_with_the_address_is_scrubbed(council, settings):
    from django_tasks_db.models import DBTaskResult

    member = MemberFactory(council=council, email="bounce@example.org")
    DBTaskResult.objects.create(args_kwargs={"args": [1], "kwargs": {}}, task_path="x", backend_name="default",
                                queue_name="mail", run_after=timezone.now(), exception_class_path="SMTPError",
                                traceback="550 recipient bounce@example.org rejected")
    erasure.member_erase(member=member)
    assert not DBTaskResult.objects.exists()
