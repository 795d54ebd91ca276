"""Double clicks under real concurrency (PostgreSQL): one member per address, one use per link."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from civicpanel.members import services
from civicpanel.members.models import Member, MemberToken
from civicpanel.members.tokens import token_issue, token_plaintext
from civicpanel.panel.models import ConsentVersion
from tests.factories import MemberFactory

THREADS = 10


def run_together(func) -> tuple[list, list]:
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(func())
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_signups_of_one_address_make_one_member(postgres_only, council):
    consent = ConsentVersion.objects.get(council=council)
    values = {"gender": "woman", "birth_year": 1980, "district": "vigerslev", "postal_code": "2500",
              "education": "master", "employment": "employed", "housing": "owner", "interests": []}
    results, errors = run_together(lambda: services.member_signup(
        council=council, email="twice@example.org", language="da", profile_values=values,
        consent_version=consent))
    assert errors == []
    assert Member.objects.by_email("twice@example.org", council=council).count() == 1
    assert len({member.pk for member in results}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_confirmations_activate_once(postgres_only, council):
    member = MemberFactory(council=council, status=Member.Status.PENDING,
                           consent_version=ConsentVersion.objects.get(council=council))
    plaintext = token_plaintext(token_issue(member=member, purpose=MemberToken.Purpose.CONFIRM))
    results, errors = run_together(lambda: services.member_confirm(council=council, plaintext=plaintext).status)
    assert errors == []
    assert sorted(results) == ["already"] * (THREADS - 1) + ["confirmed"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_login_link_logs_in_once(postgres_only, council):
    member = MemberFactory(council=council)
    plaintext = token_plaintext(token_issue(member=member, purpose=MemberToken.Purpose.LOGIN))
    results, errors = run_together(lambda: services.member_login(council=council, plaintext=plaintext))
    assert errors == []
    assert [r.pk for r in results if r is not None] == [member.pk]
