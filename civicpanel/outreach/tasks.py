"""Background work of the outreach app (worker: `civicpanel db_worker --queue-name mail`)."""

from __future__ import annotations

import datetime

from django.tasks import TaskResultStatus, task
from django.utils import timezone


@task(queue_name="mail")
def send_mailing(mailing_id: int) -> dict:
    """Send the open deliveries of one wave; safe to run twice or in several workers at once."""
    from civicpanel.outreach.sending import send_mailing_now

    return send_mailing_now(mailing_id).as_dict()


def enqueue_send(mailing_id: int, *, run_after: datetime.datetime | None = None, runs: int = 1):
    """Queue `send_mailing` (`runs` times, for workers to share a large wave), at `run_after`
    if given and in the future. Returns the first queued run.

    A backend that cannot defer (the immediate backend of the tests) gets nothing for a future
    time: `civicpanel mailings_resume` queues the wave once it is due.
    """
    backend = send_mailing.get_backend()
    if run_after is not None and run_after > timezone.now():
        if not backend.supports_defer:
            return None
        task = send_mailing.using(run_after=run_after)
    else:
        task = send_mailing
    return [task.enqueue(mailing_id) for _ in range(max(1, runs))][0]


def send_is_pending(mailing_id: int) -> bool:
    """Is a run of `send_mailing` for this wave already waiting in the database queue?"""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = send_mailing.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=send_mailing.module_path, backend_name=backend.alias,
    ).values_list("args_kwargs", flat=True)
    return any((args_kwargs or {}).get("args") == [mailing_id] for args_kwargs in waiting)
