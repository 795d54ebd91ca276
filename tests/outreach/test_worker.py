"""A wave of 2,000 e-mails sent by a real worker process that is killed mid-wave, then
restarted (PostgreSQL).

Every recipient must end with exactly one e-mail, except at most one per killed worker (the
e-mail in flight when it died), and no `sent` delivery is ever sent again. The timeouts are
generous because a shared CI machine can be slow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from civicpanel.members.models import Member
from civicpanel.outreach.models import Delivery
from civicpanel.outreach.services import mailing_create
from tests.factories import council_with_profile

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, several processes)"),
]

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
# Security requirement F1: 5,000 recipients, the worker killed with SIGKILL three times.
RECIPIENTS = 5000


def start_worker(smtp_port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.outreach.worker_settings",
           "CIVICPANEL_WORKER_TEST_DB": connection.settings_dict["NAME"],
           "CIVICPANEL_WORKER_TEST_SMTP_PORT": str(smtp_port),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(
        [sys.executable, "-m", "civicpanel.cli", "db_worker", "--queue-name", "mail,default",
         "--interval", "0.2", "--no-startup-delay", "--no-reload", "--verbosity", "1"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )


def wait_until(condition, *, timeout: float, what: str, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            raise AssertionError(f"the worker stopped (exit code {worker.returncode}); see its log")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {Counter(Delivery.objects.values_list('state', flat=True))}")
        time.sleep(0.25)


def sent(mailing) -> int:
    return Delivery.objects.filter(mailing=mailing, state=Delivery.State.SENT).count()


def test_wave_survives_killed_workers_without_losing_or_repeating_mail(transactional_db, smtp_server, tmp_path):
    log = tmp_path / "worker.log"
    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    Member.objects.bulk_create([
        Member(council=council, email=f"resident{i}@example.net", name=f"Resident {i}", status="active")
        for i in range(RECIPIENTS)
    ])
    member_ids = list(Member.objects.filter(council=council).values_list("pk", flat=True))
    with override_settings(TASKS=DB_TASKS):
        mailing = mailing_create(council=council, actor=None, message_type="test_invitation",
                                 member_ids=member_ids, extra_context={"survey_title": "Trafik"},
                                 reference_ids={pk: pk for pk in member_ids})
    workers = []
    kills = 0
    try:
        for kill_after in (RECIPIENTS * 2 // 10, RECIPIENTS * 45 // 100, RECIPIENTS * 7 // 10):
            worker = start_worker(smtp_server.port, log)
            workers.append(worker)
            wait_until(lambda n=kill_after: sent(mailing) >= n, timeout=120, what=f"{kill_after} sent",
                       worker=worker)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            kills += 1
            assert sent(mailing) < RECIPIENTS, "the wave finished before the kill: nothing was tested"
            # The queue forgets a run whose worker died; bring the wave back, as the worker unit does.
            with override_settings(TASKS=DB_TASKS):
                call_command("mailings_resume", stdout=open(os.devnull, "w"))  # noqa: SIM115
        workers.append(start_worker(smtp_server.port, log))
        wait_until(lambda: not Delivery.objects.filter(mailing=mailing, state__in=Delivery.OPEN_STATES).exists(),
                   timeout=120, what="the wave to finish", worker=workers[-1])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()

    received = Counter(smtp_server.recipients())
    addresses = set(Member.objects.filter(council=council).values_list("email", flat=True))
    assert kills == 3
    assert set(received) == addresses  # nobody missed
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= kills
    assert Delivery.objects.filter(mailing=mailing, state=Delivery.State.SENT).count() == RECIPIENTS
    # "Send" once more after the wave: nothing goes out again.
    from civicpanel.outreach.sending import send_mailing_now

    again = send_mailing_now(mailing.pk)
    assert again.sent == 0 and Counter(smtp_server.recipients()) == received


def test_two_workers_on_one_wave_never_send_the_same_email(transactional_db, smtp_server):
    """Two runs of the same wave at once (two workers): each e-mail goes out exactly once."""
    import threading

    from django.db import connections

    from civicpanel.outreach.sending import send_mailing_now

    council = council_with_profile(slug="valby", name="Valby Lokaludvalg")
    Member.objects.bulk_create([
        Member(council=council, email=f"resident{i}@example.net", name=f"Resident {i}", status="active")
        for i in range(300)
    ])
    member_ids = list(Member.objects.filter(council=council).values_list("pk", flat=True))
    dummy = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "mail"]}}
    with override_settings(TASKS=dummy):
        mailing = mailing_create(council=council, actor=None, message_type="test_invitation",
                                 member_ids=member_ids, extra_context={"survey_title": "Trafik"})
    reports = []

    def run() -> None:
        try:
            reports.append(send_mailing_now(mailing.pk, batch_size=10))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    received = Counter(smtp_server.recipients())
    assert len(received) == 300 and set(received.values()) == {1}
    assert sorted(report.sent > 0 for report in reports) == [True, True]  # both did part of the work
    assert sum(report.sent for report in reports) == 300
