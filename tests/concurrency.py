"""Running writers at once from separate connections, for the PostgreSQL concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections, transaction


def run_at_once(calls: list[Callable[[], object]], *, in_transaction: bool = False) -> list[Exception]:
    """Start every call in its own thread and database connection, released together by a
    barrier (inside a transaction each when `in_transaction`, so they overlap while it is open);
    wait for all, and return the errors raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def work(call):
        try:
            if in_transaction:
                with transaction.atomic():
                    barrier.wait()
                    call()
            else:
                barrier.wait()
                call()
        except Exception as error:  # noqa: BLE001 - returned to the test, which asserts on them
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
