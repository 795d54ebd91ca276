"""Shared fixtures. On PostgreSQL runs (CIVICPANEL_DB_TESTS_ONLY=1) only database tests run,
since the pure-method tests do not depend on the database."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CIVICPANEL_DB_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or any(
            name in getattr(item, "fixturenames", ()) for name in ("db", "transactional_db", "client", "live_server")
        )
        (keep if uses_db else drop).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
