"""Settings for the real `db_worker` process that the worker test starts: the test settings,
pointed at the test's PostgreSQL database, the database task queue and the test's SMTP server."""

import os

from civicpanel.config.test_settings import *  # noqa: F403
from civicpanel.config.test_settings import DATABASES

DATABASES["default"]["NAME"] = os.environ["CIVICPANEL_WORKER_TEST_DB"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                       "OPTIONS": {"host": "127.0.0.1", "port": int(os.environ["CIVICPANEL_WORKER_TEST_SMTP_PORT"]),
                                   "timeout": 10}}}
# A killed worker's batch is taken over after 2 s instead of 5 minutes, to keep the test short.
CIVICPANEL_MAIL_LEASE_SECONDS = 2

from tests.outreach.message_types import register_test_types  # noqa: E402

register_test_types()
