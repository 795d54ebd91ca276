"""The erasure ledger: ids and times only, written when an erasure commits, and applied again
by `civicpanel erasures_reapply` (the PostgreSQL restore test runs it against a real restore)."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from civicpanel.common.ledger import ledger_entries
from civicpanel.members.models import Member
from civicpanel.members.services import member_leave
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_ledger_holds_ids_and_times_only(council, settings, django_capture_on_commit_callbacks):
    person = MemberFactory(council=council, email="ledger.person@example.dk", name="Lea Ledger")
    with django_capture_on_commit_callbacks(execute=True):
        member_leave(member=person)
    text = Path(settings.CIVICPANEL_ERASURE_LEDGER).read_text(encoding="utf-8")
    entry = json.loads(text)
    assert entry["member"] == person.pk and entry["council"] == council.pk and entry["action"] == "member_erased"
    assert set(entry) == {"at", "action", "council", "member"}
    assert "ledger" not in text.lower() and "@" not in text


def test_an_erasure_that_rolls_back_is_not_in_the_ledger(council, django_capture_on_commit_callbacks):
    person = MemberFactory(council=council)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        member_leave(member=person)
        raise RuntimeError("the request failed after the erasure")
    assert list(ledger_entries()) == []


def test_reapplying_erases_again_what_a_restore_brought_back(council, django_capture_on_commit_callbacks):
    gone, stays = MemberFactory(council=council, name="Gone"), MemberFactory(council=council, name="Stays")
    with django_capture_on_commit_callbacks(execute=True):
        member_leave(member=gone)
    # As a restore from an older backup would have it: the row back in full.
    Member.objects.filter(pk=gone.pk).update(email="back@example.dk", email_hash="x" * 64, name="Gone",
                                             status=Member.Status.ACTIVE, left_at=None)
    out = io.StringIO()
    call_command("erasures_reapply", since=(timezone.now() - datetime.timedelta(hours=1)).isoformat(), stdout=out)
    assert "1 members erased again" in out.getvalue()
    row = Member.objects.get(pk=gone.pk)
    assert row.email is None and row.name == "" and row.status == Member.Status.LEFT and row.email_hash is None
    assert Member.objects.get(pk=stays.pk).name == "Stays"
    assert len(list(ledger_entries())) == 1  # applying the ledger does not write to it
    out = io.StringIO()
    call_command("erasures_reapply", since=timezone.now().isoformat(), stdout=out)  # nothing since now
    assert out.getvalue().startswith("0 ledger entries")


def test_a_bad_since_or_ledger_line_is_refused(settings):
    with pytest.raises(CommandError, match="time zone"):
        call_command("erasures_reapply", since="2026-12-05T03:00:00")
    with open(settings.CIVICPANEL_ERASURE_LEDGER, "w", encoding="utf-8") as handle:
        handle.write("not json\n")
    with pytest.raises(CommandError, match="line 1"):
        call_command("erasures_reapply")
