"""The erasure ledger: every erasure, deletion of a sign-up and removal of a council, as one
JSON line in a file outside the database, so that a restore from a backup made before them
can apply them again (`civicpanel erasures_reapply`, docs/operations.md "Restore").

It holds ids and times only, never an address or a name:

    {"at": "2026-12-05T04:50:00.123456+00:00", "action": "member_erased", "council": 3, "member": 17}

Lines are appended after the database transaction commits (an erasure that was rolled back
is never in the ledger) and flushed to disk at once. Keep the file with the keys and away from
the database backups: it is what makes a restored backup forget what it must have forgotten.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

MEMBER_ERASED = "member_erased"
MEMBER_DELETED = "member_deleted"
COUNCIL_REMOVED = "council_removed"
ACTIONS = (MEMBER_ERASED, MEMBER_DELETED, COUNCIL_REMOVED)


def ledger_path() -> Path:
    return Path(settings.CIVICPANEL_ERASURE_LEDGER)


def _write(lines: list[dict]) -> None:
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
    # O_APPEND: lines of several processes never interleave (each write is one small block).
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def ledger_record(action: str, *, council_id: int, member_ids: list[int] | None = None,
                  at: datetime.datetime | None = None) -> None:
    """Append the entries once the current transaction commits (at once outside one)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown ledger action {action!r}")
    at = (at or timezone.now()).astimezone(datetime.UTC).isoformat()
    if action == COUNCIL_REMOVED:
        lines = [{"at": at, "action": action, "council": council_id}]
    else:
        lines = [{"at": at, "action": action, "council": council_id, "member": pk} for pk in member_ids or []]
    if lines:
        transaction.on_commit(lambda: _write(lines))


def ledger_entries(path: str | Path | None = None, *, since: datetime.datetime | None = None) -> Iterator[dict]:
    """The entries in order (those at or after `since` only); a missing file has none."""
    path = Path(path) if path is not None else ledger_path()
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                entry["at"] = datetime.datetime.fromisoformat(entry["at"])
                if entry["action"] not in ACTIONS or not isinstance(entry["council"], int):
                    raise ValueError(entry["action"])
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}, line {number}: not a ledger entry ({error})") from error
            if since is None or entry["at"] >= since:
                yield entry
