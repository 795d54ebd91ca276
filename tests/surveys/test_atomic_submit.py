"""Submits are atomic (E3): a failure after the first answer of a page is written (the database
going away, a bug, a killed request) leaves no partial rows behind: no half page of answers, no
response without its answers, no completed response without its last page. The member sends
the page again and it is saved whole.

These run with real transactions (not the test's wrapping one), on SQLite and on PostgreSQL."""

from __future__ import annotations

import traceback
from unittest import mock

import pytest
from django.http import QueryDict
from django.test import Client

from civicpanel.surveys import paper_entry
from civicpanel.surveys.models import Answer, Invitation, Response
from civicpanel.surveys.selectors import survey_structure
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey, invite

pytestmark = pytest.mark.django_db(transaction=True)


class Injected(RuntimeError):
    """The fault put in on purpose."""


def _fail_after_first_answer():
    """Answer.objects.bulk_create (a page's new answers are inserted together) that writes the
    first answer of the page, then fails before the second."""
    real = Answer.objects.bulk_create
    calls = []

    def bulk_create(objs, *args, **kwargs):
        objs = list(objs)
        real(objs[:1], *args, **kwargs)
        calls.extend(objs[:2])
        raise Injected("after the first answer")

    return mock.patch.object(Answer.objects, "bulk_create", side_effect=bulk_create), calls


@pytest.fixture
def answering(council):
    survey = build_survey(council)
    invitation, token = invite(survey, MemberFactory(council=council, language="en"))
    client = Client(HTTP_HOST=f"{council.slug}.localhost", raise_request_exception=False)
    url = client.get(f"/s/{token}/")["Location"]
    pages = survey_structure(survey).pages
    q = survey.q
    first = {"page": pages[0].pk, f"q_{q['transport'].uid}": "2", f"q_{q['safety'].uid}": "2",
             f"q_{q['car'].uid}": "yes"}
    last = {"page": pages[1].pk, f"q_{q['why'].uid}": "Fast cars", f"q_{q['wishes'].uid}": ["1", "3"],
            f"q_{q['days'].uid}": "4"}
    return survey, invitation, client, url, first, last


def test_a_failure_after_the_first_answer_of_the_first_page_leaves_no_rows(answering):
    survey, invitation, client, url, first, _last = answering
    patch, calls = _fail_after_first_answer()
    with patch:
        assert client.post(url, first).status_code == 500
    assert len(calls) == 2  # the first answer was written before the fault
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    # Sent again, the page is saved whole.
    assert "Page 2 of 2" in client.post(url, first).content.decode()
    assert Answer.objects.count() == 3 and Response.objects.get(invitation=invitation).completed_at is None


def test_a_failure_on_the_last_page_keeps_the_earlier_pages_and_completes_nothing(answering):
    survey, invitation, client, url, first, last = answering
    assert "Page 2 of 2" in client.post(url, first).content.decode()
    patch, calls = _fail_after_first_answer()
    with patch:
        assert client.post(url, last).status_code == 500
    assert len(calls) == 2
    response = Response.objects.get(invitation=invitation)
    assert response.completed_at is None and response.current_page == survey_structure(survey).pages[1].pk
    assert set(Answer.objects.values_list("question_id", flat=True)) == {
        survey.q["transport"].pk, survey.q["safety"].pk, survey.q["car"].pk}
    invitation.refresh_from_db()
    assert invitation.completed_at is None
    assert "Thank you!" in client.post(url, last).content.decode()
    response.refresh_from_db()
    assert response.completed_at is not None and Answer.objects.filter(response=response).count() == 6


def test_a_failure_while_marking_the_invitation_answered_undoes_the_whole_last_page(answering):
    """The last write of a submit fails: the response is not completed and its last page is not kept."""
    survey, invitation, client, url, first, last = answering
    client.post(url, first)
    real_filter = Invitation.objects.filter

    def filter_then_fail(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        queryset.update = mock.Mock(side_effect=Injected("marking the invitation"))
        return queryset

    with mock.patch.object(Invitation.objects, "filter", side_effect=filter_then_fail):
        failed = client.post(url, last)
    assert failed.status_code == 500
    frames = traceback.extract_tb(failed.exc_info[2])
    assert any(f.name == "response_submit_page" and "update(completed_at" in f.line for f in frames)  # the last write
    assert Response.objects.get(invitation=invitation).completed_at is None
    assert Answer.objects.count() == 3
    invitation.refresh_from_db()
    assert invitation.completed_at is None


def test_a_failure_after_typed_in_answers_are_written_leaves_no_paper_response(council):
    survey = build_survey(council)
    invitation, _token = invite(survey, MemberFactory(council=council, email=None, language="en"))
    clerk = staff_user(council, "manager")
    data = QueryDict(mutable=True)
    data.update({f"q_{survey.q['transport'].uid}": "1", f"q_{survey.q['safety'].uid}": "4",
                 f"q_{survey.q['days'].uid}": "3"})
    # The answers are written in one statement; the fault comes right after it.
    with mock.patch.object(paper_entry, "member_touch", side_effect=Injected("after the answers")), \
            pytest.raises(Injected):
        paper_entry.paper_entry_submit(council=council, actor=clerk, survey=survey, invitation=invitation,
                                       mode="paper", data=data)
    assert Response.objects.count() == 0 and Answer.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.completed_at is None
    outcome = paper_entry.paper_entry_submit(council=council, actor=clerk, survey=survey, invitation=invitation,
                                             mode="paper", data=data)
    assert outcome.state == "saved" and Answer.objects.count() == 3
