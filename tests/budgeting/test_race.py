"""Exactly one ballot per voter under real concurrency: 50 threads submit for one voter at the
same moment, 100 times over (PostgreSQL; SQLite serialises writers anyway).

The 50 threads live for the whole test and keep their database connections, so the 100
repetitions cost 100 barrier rounds, not 5,000 connection set-ups.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from civicpanel.budgeting import voting
from civicpanel.budgeting.models import Ballot, VoterRecord
from tests.budgeting.factories import build_round, voter_member

THREADS = 50
REPEATS = 100


def _race(rnd, voters, choose):
    barrier = threading.Barrier(THREADS)
    unexpected: list[BaseException] = []
    refused = [0]
    lock = threading.Lock()

    def worker(t: int):
        try:
            for voter in voters:
                barrier.wait(timeout=60)
                try:
                    voting.ballot_cast(round=rnd, voter=voter, pot="city", choices=choose(t))
                except ValidationError:
                    with lock:
                        refused[0] += 1
                except BaseException as error:  # noqa: BLE001 - collected and asserted below
                    unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return unexpected, refused[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_ballots_for_one_voter_leave_one_each_time(council):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    rnd = build_round(council, allow_change=False)
    voters = [voting.voter_for_member(voter_member(council)) for _ in range(REPEATS)]
    unexpected, refused = _race(rnd, voters, lambda t: [1 + t % 4])
    assert unexpected == []
    assert refused == REPEATS * (THREADS - 1)
    assert Ballot.objects.filter(round=rnd).count() == REPEATS
    assert VoterRecord.objects.filter(round=rnd).count() == REPEATS
    for voter in voters:
        assert voting.ballot_of(rnd, voter, "city") is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_changes_keep_one_ballot(council):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    rnd = build_round(council, allow_change=True)
    voters = [voting.voter_for_member(voter_member(council)) for _ in range(10)]
    unexpected, refused = _race(rnd, voters, lambda t: [1 + t % 4])
    assert unexpected == [] and refused == 0
    assert Ballot.objects.filter(round=rnd).count() == 10
    assert VoterRecord.objects.filter(round=rnd).count() == 10
