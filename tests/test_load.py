"""A minute of load through the real stack (PostgreSQL): 100 simulated respondents answer a
three-page survey through gunicorn while two mail workers send the survey's invitations, as
benches/load does for 1,000 respondents and 10 minutes.

Nothing may be lost: no request fails, every final submit locust saw succeed is a completed
response in the database (and no more), and no invitation reaches the mail sink twice. Times
are not asserted (a shared machine); the benchmark prints them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (several processes)"),
]

ROOT = Path(__file__).resolve().parents[1]
DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "civicpanel_cache"}}
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}


def _bench():
    spec = importlib.util.spec_from_file_location("load_bench", ROOT / "benches" / "load" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_minute_of_respondents_loses_nothing(transactional_db, tmp_path):
    bench = _bench()
    # The web processes use the production cache, a table the tests' settings do not create.
    with override_settings(CACHES=DB_CACHE):
        call_command("createcachetable", verbosity=0)
    # The wave is queued for the worker processes, not sent in this one (the tests' default).
    with override_settings(TASKS=DB_TASKS):
        ids = bench.prepare(members=1500, workdir=tmp_path)
    params = connection.settings_dict
    url = (f"postgres://{params['USER']}:{params.get('PASSWORD') or ''}@{params.get('HOST') or '127.0.0.1'}:"
           f"{params.get('PORT') or 5432}/{params['NAME']}")
    # Unpaced mail: the workers send as fast as they can beside the respondents.
    outcome = bench.run_load(database_url=url, users=100, duration=55, web_workers=2, mail_workers=2,
                             workdir=tmp_path, mail_per_second=0, **ids)
    ok, lines = bench.verdict(outcome, timing=False)
    report = "\n".join(lines) + f"\nfailures: {outcome['failures'][:3]}\n{outcome['locust_stderr'][-1500:]}"
    assert outcome["failures"] == [], report
    assert outcome["completed_in_db"] > 0, report
    assert ok, report
    # The wave went out through both workers, each e-mail once.
    assert all(n > 0 for n in outcome["sent_per_worker"]), report
    assert outcome["emails_received_twice"] == 0, report
