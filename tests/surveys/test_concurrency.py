"""One response per invitation under real concurrency (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.http import QueryDict

from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Response
from civicpanel.surveys.selectors import survey_structure
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, invite


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submits_leave_exactly_one_response(council):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")
    survey = build_survey(council)
    invitation, _token = invite(survey, MemberFactory(council=council))
    page = survey_structure(survey).pages[0]
    data = QueryDict(mutable=True)
    data.update({f"q_{survey.q['transport'].uid}": "1", f"q_{survey.q['safety'].uid}": "4"})
    barrier = threading.Barrier(20)
    errors = []

    def submit():
        try:
            barrier.wait()
            services.response_submit_page(invitation=invitation, page_id=page.pk, data=data, language="da")
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Answer.objects.filter(response__invitation=invitation).count() == 2
