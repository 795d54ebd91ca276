"""The volunteer form's own questions are the one questionnaire model: every kind a survey
question has, added with the survey builder's form, answered with the survey's markup and
checks, kept in the member's data and the council's export."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from civicpanel.events import services
from civicpanel.events.council_data import export_council_events
from civicpanel.events.member_data import event_member_data
from civicpanel.events.models import Participant, RegistrationQuestion
from civicpanel.questionnaires.kinds import QuestionKind
from tests.events.factories import make_event, open_link, panel_with_population

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(council):
    """The council writes in English here, so the pages and fields are English."""
    council.languages, council.default_language = ["en"], "en"
    council.save()


def add(manager, event, kind: str, **fields):
    data = {"kind": kind, "text_en": f"A {kind} question", **fields}
    return manager.post(f"/staff/events/{event.pk}/questions/new/", data)


def test_staff_choose_any_survey_kind_then_fill_in_what_it_needs(council, staff_client):
    event = make_event(council)
    manager = staff_client("manager")
    chooser = manager.get(f"/staff/events/{event.pk}/questions/new/").content.decode()
    for kind in QuestionKind:  # every kind a survey question has, survey labels included
        assert f'value="{kind.value}"' in chooser and str(kind.label) in chooser
    scale = manager.get(f"/staff/events/{event.pk}/questions/new/", {"kind": "scale"}).content.decode()
    assert 'name="scale"' in scale and "Label of the lowest point" in scale  # the survey builder's fields
    matrix = manager.get(f"/staff/events/{event.pk}/questions/new/", {"kind": "matrix"}).content.decode()
    assert 'name="rows_en"' in matrix
    assert manager.get(f"/staff/events/{event.pk}/questions/new/", {"kind": "bogus"}).status_code == 200

    assert add(manager, event, "scale", scale="0-10", low_label_en="Not at all", high_label_en="Very").status_code == 302
    assert add(manager, event, "matrix", scale="1-5", rows_en="Phone\nComputer").status_code == 302
    assert add(manager, event, "ranking", options_en="Morning\nAfternoon\nEvening").status_code == 302
    assert add(manager, event, "single", options_en="Bus\nCar", allow_other="on", required="on").status_code == 302
    assert add(manager, event, "number", min="0", max="10").status_code == 302
    assert add(manager, event, "info").status_code == 302
    questions = list(event.questions.all())
    assert [q.kind for q in questions] == ["scale", "matrix", "ranking", "single", "number", "info"]
    assert questions[0].settings["scale_max"] == 10 and questions[0].settings["low_label"] == {"en": "Not at all"}
    assert [r["label"]["en"] for r in questions[1].settings["rows"]] == ["Phone", "Computer"]
    assert questions[3].settings == {"allow_other": True} and questions[3].required
    assert not questions[5].required  # an information text asks nothing

    # The builder's checks are the survey's: a choice needs two options.
    page = add(manager, event, "multi", options_en="Only one").content.decode()
    assert "Give at least two options." in page
    assert event.questions.count() == 6


def test_the_service_checks_the_set_up_like_the_survey_builder(council):
    event = make_event(council)
    with pytest.raises(ValidationError, match="scale runs"):
        services.question_add(council=council, actor=None, event=event, kind="scale", text={"en": "How?"},
                              settings={"scale_min": 3, "scale_max": 2})
    with pytest.raises(ValidationError, match="kind"):
        services.question_add(council=council, actor=None, event=event, kind="essay", text={"en": "Why?"})


def test_a_member_answers_every_kind_on_the_volunteer_form(council):
    panel_with_population(council, size=3)
    event = make_event(council)
    scale = services.question_add(council=council, actor=None, event=event, kind="scale", text={"en": "Confident?"},
                                  required=True, settings={"scale_min": 1, "scale_max": 5})
    matrix = services.question_add(council=council, actor=None, event=event, kind="matrix", text={"en": "How often"},
                                   settings={"scale_min": 1, "scale_max": 5, "rows": [
                                       {"code": "1", "label": {"en": "Phone"}}, {"code": "2", "label": {"en": "PC"}}]})
    ranking = services.question_add(council=council, actor=None, event=event, kind="ranking", text={"en": "Times"},
                                    options=[{"code": "1", "label": {"en": "Morning"}},
                                             {"code": "2", "label": {"en": "Evening"}}])
    travel = services.question_add(council=council, actor=None, event=event, kind="single", text={"en": "Travel"},
                                   options=[{"code": "1", "label": {"en": "Bus"}}, {"code": "2", "label": {"en": "Car"}}],
                                   settings={"allow_other": True})
    services.question_add(council=council, actor=None, event=event, kind="info", text={"en": "Bring your phone."})
    services.call_send(council=council, actor=None, event=event, filters={})
    participant = Participant.objects.filter(event=event).first()
    client = Client(HTTP_HOST=f"{council.slug}.localhost", HTTP_ACCEPT_LANGUAGE="en")
    page_url = open_link(client, participant)
    page = client.get(page_url).content.decode()
    assert "Bring your phone." in page and f'name="q_{matrix.uid}_1"' in page and f'name="q_{ranking.uid}_2"' in page

    session = event.sessions.first()
    # A wrong answer comes back with the survey's message, and the other answers as sent.
    wrong = client.post(page_url, {"sessions": session.pk, f"q_{scale.uid}": "9", f"q_{matrix.uid}_1": "4",
                                   f"q_{ranking.uid}_1": "1", f"q_{ranking.uid}_2": "1"}).content.decode()
    assert "Choose a point on the scale." in wrong and "Give each option its own place from 1 to 2." in wrong
    assert f'id="q_{matrix.uid}_1_4" name="q_{matrix.uid}_1" value="4" checked' in wrong  # kept as sent
    participant.refresh_from_db()
    assert participant.volunteered_at is None

    response = client.post(page_url, {"sessions": session.pk, f"q_{scale.uid}": "4", f"q_{matrix.uid}_1": "5",
                                      f"q_{matrix.uid}_2": "2", f"q_{ranking.uid}_1": "2", f"q_{ranking.uid}_2": "1",
                                      f"q_{travel.uid}": "other", f"q_{travel.uid}_other": "Bicycle"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.answers == {scale.uid: 4, matrix.uid: {"1": 5, "2": 2}, ranking.uid: ["2", "1"],
                                   travel.uid: "other"}
    assert participant.answer_others == {travel.uid: "Bicycle"}
    # Shown again as given, and in the member's own data in words.
    again = client.get(page_url).content.decode()
    assert 'value="Bicycle"' in again
    answers = {row["question"]: row["answer"] for row in event_member_data(participant.member)["events"][0]["answers"]}
    assert answers == {"Confident?": "4", "How often": "Phone: 5; PC: 2", "Times": "Evening; Morning",
                       "Travel": "Other: Bicycle"}


def test_the_councils_export_keeps_every_kind_as_codes(council, tmp_path):
    panel_with_population(council, size=2)
    event = make_event(council)
    matrix = services.question_add(council=council, actor=None, event=event, kind="matrix", text={"en": "How often"},
                                   settings={"scale_min": 1, "scale_max": 5, "rows": [
                                       {"code": "1", "label": {"en": "Phone"}}, {"code": "2", "label": {"en": "PC"}}]})
    travel = services.question_add(council=council, actor=None, event=event, kind="single", text={"en": "Travel"},
                                   options=[{"code": "1", "label": {"en": "Bus"}}, {"code": "2", "label": {"en": "Car"}}],
                                   settings={"allow_other": True})
    services.call_send(council=council, actor=None, event=event, filters={})
    participant = Participant.objects.filter(event=event).first()
    Participant.objects.filter(pk=participant.pk).update(
        volunteered_at=participant.called_at, answers={matrix.uid: {"1": 5, "2": 2}, travel.uid: "other"},
        answer_others={travel.uid: "Bicycle"})
    files = {path.name: path for path in export_council_events(council, tmp_path)}
    text = files[f"event-{event.pk}-volunteers.csv"].read_text(encoding="utf-8-sig")
    assert "1=5;2=2" in text and "other: Bicycle" in text


def test_registration_questions_and_survey_questions_are_the_same_model():
    from civicpanel.questionnaires.models import QuestionnaireQuestion
    from civicpanel.surveys.models import Question

    assert issubclass(RegistrationQuestion, QuestionnaireQuestion) and issubclass(Question, QuestionnaireQuestion)
    assert RegistrationQuestion.Kind is Question.Kind
    shared = {f.name for f in QuestionnaireQuestion._meta.fields}
    assert shared <= {f.name for f in RegistrationQuestion._meta.fields}
    assert shared <= {f.name for f in Question._meta.fields}
