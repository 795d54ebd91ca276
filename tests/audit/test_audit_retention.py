"""The staff access log is kept at least 6 months (SECURITY-REQUIREMENTS G9).

The product has no retention purge of the audit log: rows leave only with their whole council
(`council_remove`, after its export, which carries them). So every command the install has,
the scheduled ones above all, is run over audit rows 1 day, 5 months and 7 months old, with
members for the purges to work on (a sign-up never confirmed, a term that ended), and all of the
rows must still be there. A command added later joins COMMANDS or NOT_RUN, with its reason.
On PostgreSQL the append-only trigger is in place as well."""

from __future__ import annotations

import datetime
import mailbox

import pytest
from django.core.management import call_command, get_commands
from django.utils import timezone

from civicpanel.audit.models import AuditEvent
from civicpanel.members.models import Member
from tests.factories import MemberFactory, staff_user

pytestmark = pytest.mark.django_db

AGES = {"1 day": datetime.timedelta(days=1), "5 months": datetime.timedelta(days=152),
        "7 months": datetime.timedelta(days=213)}
# Every management command of the project and the housekeeping ones it schedules, with arguments.
COMMANDS = {
    "members_lifecycle": [], "recruitment_purge": [], "surveys_close_due": [], "surveys_send_reminders": [], "surveys_waves_resume": [],
    "events_send_due": [], "pb_advance_phases": [], "mailings_resume": [], "erasures_reapply": ["--since",
    "2000-01-01T00:00:00+00:00"], "rotate_data_keys": [], "generate_data_key": [], "council_export": None,
    "council_remove": None, "bounces_process": None,
    "clearsessions": [], "prune_db_task_results": ["--backend", "db", "--min-age-days", "0"],
}
# Commands that delete no rows of an install.
NOT_RUN = {
    "demo": "the demonstration on its own database file, for development",
    "mailcatcher": "an SMTP server for development that writes mails to files",
    "totp_code": "prints a demo account's current code",
    "backup_make": "reads the database into a dump (PostgreSQL; tests/security/test_backup_restore.py)",
    "restore_check": "works on a scratch database of its own (PostgreSQL; tests/security/test_backup_restore.py)",
}


def project_commands() -> set[str]:
    return {name for name, app in get_commands().items() if str(app).startswith("civicpanel")}


@pytest.fixture
def aged_rows(council, monkeypatch):
    """Staff-access rows of every age, about members the purges are due to remove."""
    now = timezone.now()
    actor = staff_user(council, "admin")
    never_confirmed = MemberFactory(council=council, status=Member.Status.PENDING)
    term_ended = MemberFactory(council=council, email=None)
    Member.objects.filter(pk=never_confirmed.pk).update(joined_at=now - datetime.timedelta(days=200))
    Member.objects.filter(pk=term_ended.pk).update(joined_at=now - datetime.timedelta(days=365 * 10),
                                                   confirmed_at=None, consent_given_at=None)
    rows = {}
    for label, age in AGES.items():
        monkeypatch.setattr(timezone, "now", lambda age=age: now - age)
        rows[label] = [
            AuditEvent.objects.create(council=council, actor=actor, actor_label=actor.email, action=action,
                                      member_ids=[member.pk], object_type="member", object_id=str(member.pk)).pk
            for action in ("member.view", "members.export") for member in (never_confirmed, term_ended)]
        rows[label].append(AuditEvent.objects.create(council=council, actor=actor, action="members.search",
                                                     detail={"criteria": {"status": "active"}}).pk)
        monkeypatch.undo()
    ages = {label: now - AuditEvent.objects.get(pk=ids[0]).created_at for label, ids in rows.items()}
    assert ages["7 months"] > datetime.timedelta(days=183) > ages["5 months"] > ages["1 day"]
    return rows, never_confirmed, term_ended


def test_every_command_is_run_here_or_named_as_touching_no_rows():
    assert {"members_lifecycle", "recruitment_purge", "council_remove"} <= project_commands()
    assert project_commands() <= set(COMMANDS) | set(NOT_RUN), "add the new command to COMMANDS or NOT_RUN"


def test_no_command_deletes_audit_rows_of_any_age(council, other_council, aged_rows, tmp_path, settings):
    rows, never_confirmed, term_ended = aged_rows
    settings.CIVICPANEL_ERASURE_LEDGER = str(tmp_path / "ledger.jsonl")
    # Production's task results are in the database (the tests run tasks at once): its pruning too.
    settings.TASKS = {**settings.TASKS, "db": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    empty_mbox = tmp_path / "bounces.mbox"
    mailbox.mbox(str(empty_mbox)).close()
    arguments = {**COMMANDS, "council_export": [council.slug, "--out", str(tmp_path / "export"), "--no-zip"],
                 # Another council's removal leaves this council's log alone.
                 "council_remove": [other_council.slug, "--out", str(tmp_path / "removed"),
                                    "--confirm", other_council.slug],
                 "bounces_process": [str(empty_mbox)]}
    for name, args in arguments.items():
        if name in get_commands():
            call_command(name, *args, stdout=open(tmp_path / f"{name}.out", "w"))  # noqa: SIM115
    # The purges did their work...
    assert not Member.objects.filter(pk=never_confirmed.pk).exists()
    assert Member.objects.get(pk=term_ended.pk).status == Member.Status.LEFT
    # ...and every audit row about those members, of every age, is still there.
    for label, ids in rows.items():
        assert AuditEvent.objects.filter(pk__in=ids).count() == len(ids), label


def test_the_member_erasure_keeps_the_log_of_who_looked_at_them(council, aged_rows):
    from civicpanel.members.erasure import member_erase

    rows, _never_confirmed, term_ended = aged_rows
    member = MemberFactory(council=council)
    member_erase(member=member)
    for label, ids in rows.items():
        assert AuditEvent.objects.filter(pk__in=ids).count() == len(ids), label
