"""Two staff members typing in the same paper questionnaire at the same moment (PostgreSQL row
locks, threads released together): the member ends with one response, never two, and never a
mix of the two entries' answers."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.http import QueryDict

from civicpanel.audit.models import AuditEvent
from civicpanel.surveys import paper_entry, services
from civicpanel.surveys.models import Answer, Invitation, PaperEntry, Response, Survey, Wave
from tests.factories import MemberFactory, staff_user
from tests.surveys.factories import build_survey

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers anyway")


def _answers(survey, transport: str, safety: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update({f"q_{survey.q['transport'].uid}": transport, f"q_{survey.q['safety'].uid}": safety})
    return data


def _questionnaire(council):
    survey = build_survey(council)
    MemberFactory(council=council, email=None, name="Paper Person")
    wave = services.wave_send(council=council, actor=None, survey=survey, channel=Wave.Channel.PAPER)
    return survey, Invitation.objects.get(wave=wave)


def _all_at_once(council, survey, invitation, entries: list[tuple[object, QueryDict]]):
    """Each (staff member, answers) typed in by its own thread, all released by one barrier.
    Returns the outcomes' states and the errors' messages."""
    barrier = threading.Barrier(len(entries))
    states, refused, crashed = [], [], []

    def enter(actor, data):
        try:
            barrier.wait()
            outcome = paper_entry.paper_entry_submit(council=council, actor=actor, survey=survey,
                                                     invitation=invitation, mode="paper", data=data)
            states.append(outcome.state)
        except ValidationError as error:
            refused.append(" ".join(error.messages))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            crashed.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enter, args=entry) for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashed == []
    return states, refused


def _saved_answers(invitation) -> dict[str, object]:
    return {a.question.uid: a.value for a in Answer.objects.filter(response__invitation=invitation)
            .select_related("question")}


def test_single_entry_one_wins_and_the_others_are_told_it_is_answered(council):
    survey, invitation = _questionnaire(council)
    clerks = [staff_user(council, "manager") for _ in range(THREADS)]
    entries = [(clerk, _answers(survey, str(1 + i % 3), str(1 + i % 5))) for i, clerk in enumerate(clerks)]
    states, refused = _all_at_once(council, survey, invitation, entries)
    assert states == ["saved"]
    assert len(refused) == THREADS - 1 and all("already answered" in message for message in refused)
    assert Response.objects.filter(invitation=invitation).count() == 1
    response = Response.objects.get(invitation=invitation)
    assert response.completed_at is not None and response.mode == "paper"
    # The answers are one entry's, whole: both questions, from the same typing.
    saved = _saved_answers(invitation)
    typed = [{survey.q["transport"].uid: data[f"q_{survey.q['transport'].uid}"],
              survey.q["safety"].uid: int(data[f"q_{survey.q['safety'].uid}"])} for _clerk, data in entries]
    assert saved in typed
    assert Invitation.objects.get(pk=invitation.pk).completed_at is not None
    assert AuditEvent.objects.filter(action="survey.paper_enter").count() == 1


def test_double_entry_two_first_entries_at_once_become_first_and_second(council):
    """With double entry, two staff members typing the same answers at the same moment: one entry
    is the first, the other the second; they agree, so there is one response and no entry left."""
    survey, invitation = _questionnaire(council)
    Survey.objects.filter(pk=survey.pk).update(paper_double_entry=True)
    survey.refresh_from_db()
    first, second = staff_user(council, "manager"), staff_user(council, "admin")
    states, refused = _all_at_once(council, survey, invitation, [(first, _answers(survey, "2", "4")),
                                                                 (second, _answers(survey, "2", "4"))])
    assert sorted(states) == ["first", "saved"] and refused == []
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert _saved_answers(invitation) == {survey.q["transport"].uid: "2", survey.q["safety"].uid: 4}
    assert not PaperEntry.objects.filter(invitation=invitation).exists()


def test_double_entry_the_same_person_twice_at_once_is_one_entry(council):
    """A double click (or two tabs) of one staff member: one first entry; the other is refused,
    as the second entry must come from someone else."""
    survey, invitation = _questionnaire(council)
    Survey.objects.filter(pk=survey.pk).update(paper_double_entry=True)
    survey.refresh_from_db()
    clerk = staff_user(council, "manager")
    states, refused = _all_at_once(council, survey, invitation,
                                   [(clerk, _answers(survey, "1", "3")) for _ in range(THREADS)])
    assert states == ["first"] and len(refused) == THREADS - 1
    assert PaperEntry.objects.filter(invitation=invitation).count() == 1
    assert not Response.objects.filter(invitation=invitation).exists()


def test_double_entry_disagreeing_at_once_leaves_two_entries_and_no_response(council):
    survey, invitation = _questionnaire(council)
    Survey.objects.filter(pk=survey.pk).update(paper_double_entry=True)
    survey.refresh_from_db()
    clerks = [staff_user(council, "manager") for _ in range(THREADS)]
    # Every clerk types something different (8 distinct pairs), so no two entries can agree.
    entries = [(clerk, _answers(survey, str(1 + i // 5), str(1 + i % 5))) for i, clerk in enumerate(clerks)]
    states, refused = _all_at_once(council, survey, invitation, entries)
    # Two entries get in (the first and a disagreeing second); everyone later is sent to settle them.
    assert sorted(states) == ["differ", "first"] and len(refused) == THREADS - 2
    assert PaperEntry.objects.filter(invitation=invitation).count() == 2
    assert not Response.objects.filter(invitation=invitation).exists()
