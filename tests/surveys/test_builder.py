"""The builder: questions, display conditions, reordering, copying, templates, preview."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicpanel.audit.models import AuditEvent
from civicpanel.surveys import services
from civicpanel.surveys.models import Page, Question, Survey
from civicpanel.surveys.selectors import survey_structure
from tests.surveys.factories import build_survey, opts, t

pytestmark = pytest.mark.django_db


def test_build_a_survey_with_every_kind_and_a_condition(council):
    survey = build_survey(council)
    structure = survey_structure(survey)
    assert [len(p.survey_questions) for p in structure.pages] == [3, 3]
    assert survey.q["why"].condition == {"question": survey.q["safety"].uid, "op": "lt", "value": 3}
    assert survey.status == Survey.Status.OPEN
    assert AuditEvent.objects.filter(council=council, action="survey.question_create").count() == 6


def test_condition_pointing_forward_or_at_same_page_is_refused(council):
    survey = build_survey(council, open_it=False)
    page1 = Page.objects.filter(survey=survey).first()
    with pytest.raises(ValidationError) as error:
        services.question_create(council=council, actor=None, page=page1, kind="short_text", text=t("x"),
                                 condition={"question": survey.q["wishes"].uid, "op": "equals", "value": "1"})
    assert "earlier page" in str(error.value)
    with pytest.raises(ValidationError):
        services.question_create(council=council, actor=None, page=page1, kind="short_text", text=t("x"),
                                 condition={"question": survey.q["transport"].uid, "op": "equals", "value": "1"})


def test_condition_on_deleted_question_is_refused_with_a_clear_message(council):
    survey = build_survey(council, open_it=False)
    page2 = Page.objects.filter(survey=survey).last()
    with pytest.raises(ValidationError) as error:
        services.question_create(council=council, actor=None, page=page2, kind="short_text", text=t("x"),
                                 condition={"question": "qdeadbeef00", "op": "equals", "value": "1"})
    assert "deleted" in str(error.value)


def test_condition_value_must_fit_the_question(council):
    survey = build_survey(council, open_it=False)
    page2 = Page.objects.filter(survey=survey).last()
    with pytest.raises(ValidationError) as error:
        services.question_create(council=council, actor=None, page=page2, kind="short_text", text=t("x"),
                                 condition={"question": survey.q["transport"].uid, "op": "equals", "value": "9"})
    assert "not an option code" in str(error.value)
    with pytest.raises(ValidationError):
        services.question_create(council=council, actor=None, page=page2, kind="short_text", text=t("x"),
                                 condition={"question": survey.q["transport"].uid, "op": "gt", "value": "1"})


def test_deleting_a_question_others_depend_on_is_refused(council):
    survey = build_survey(council, open_it=False)
    with pytest.raises(ValidationError) as error:
        services.question_delete(council=council, actor=None, question=survey.q["safety"])
    assert "Why do you feel unsafe?" in str(error.value)
    services.question_delete(council=council, actor=None, question=survey.q["why"])
    services.question_delete(council=council, actor=None, question=survey.q["safety"])
    assert not Question.objects.filter(pk=survey.q["safety"].pk).exists()


def test_moving_keeps_conditions_and_refuses_to_make_them_point_forward(council):
    survey = build_survey(council, open_it=False)
    # Moving "car" down goes to the start of page 2: fine (nothing depends on it).
    services.question_move(council=council, actor=None, question=survey.q["car"], direction=1)
    structure = survey_structure(survey)
    assert [q.uid for q in structure.pages[1].survey_questions][0] == survey.q["car"].uid
    # Moving "safety" down would put it on the page of "why", which depends on it: refused.
    structure = survey_structure(survey)
    assert structure.pages[0].survey_questions[-1].uid == survey.q["safety"].uid
    with pytest.raises(ValidationError):
        services.question_move(council=council, actor=None, question=survey.q["safety"], direction=1)
    structure = survey_structure(survey)
    assert structure.pages[0].survey_questions[-1].uid == survey.q["safety"].uid  # rolled back
    # Moving page 2 above page 1 is refused for the same reason.
    with pytest.raises(ValidationError):
        services.page_move(council=council, actor=None, page=structure.pages[1], direction=-1)
    # The condition still points at the same question by its stable uid.
    assert Question.objects.get(pk=survey.q["why"].pk).condition["question"] == survey.q["safety"].uid


def test_copy_remaps_question_ids_and_conditions(council):
    survey = build_survey(council)
    copy = services.survey_copy(council=council, actor=None, survey=survey)
    original = survey_structure(survey)
    copied = survey_structure(copy)
    assert copy.status == Survey.Status.DRAFT
    assert copy.title["en"] == "Traffic (copy)"
    assert [q.label for q in copied.questions] == [q.label for q in original.questions]
    assert not {q.uid for q in copied.questions} & {q.uid for q in original.questions}
    why = next(q for q in copied.questions if q.label == "Why do you feel unsafe?")
    safety = next(q for q in copied.questions if q.label == "How safe do you feel?")
    assert why.condition["question"] == safety.uid


@pytest.mark.parametrize("key", ["local_satisfaction", "traffic_green", "blank_consultation"])
def test_templates_make_valid_surveys_that_open(council, key):
    survey = services.survey_from_template(council=council, actor=None, key=key)
    services.survey_open(council=council, actor=None, survey=survey)
    structure = survey_structure(survey)
    assert structure.questions
    for question in structure.questions:
        if question.condition:
            assert question.condition["question"] in structure.by_uid


def test_anonymous_cannot_be_switched_off_after_first_answer(council):
    from tests.factories import MemberFactory
    from tests.surveys.factories import invite

    survey = build_survey(council, anonymous=True)
    invitation, _token = invite(survey, MemberFactory(council=council))
    services.survey_update(council=council, actor=None, survey=survey, anonymous=True)
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({"q_" + survey.q["transport"].uid: "1", "q_" + survey.q["safety"].uid: "4", "page": "x"})
    services.response_submit_page(invitation=invitation, page_id=survey.q["transport"].page_id, data=data, language="en")
    with pytest.raises(ValidationError) as error:
        services.survey_update(council=council, actor=None, survey=survey, anonymous=False)
    assert "anonymity" in str(error.value)


def test_question_setup_is_checked(council):
    survey = build_survey(council, open_it=False)
    page = Page.objects.filter(survey=survey).first()
    with pytest.raises(ValidationError):
        services.question_create(council=council, actor=None, page=page, kind="single", text=t("x"), options=opts("only"))
    with pytest.raises(ValidationError):
        services.question_create(council=council, actor=None, page=page, kind="matrix", text=t("x"),
                                 settings={"scale_min": 1, "scale_max": 5, "rows": []})


def test_opening_needs_questions_and_a_thank_you_text(council):
    survey = services.survey_create(council=council, actor=None, title=t("Empty"))
    with pytest.raises(ValidationError) as error:
        services.survey_open(council=council, actor=None, survey=survey)
    assert "at least one question" in str(error.value)
    page = Page.objects.get(survey=survey)
    services.question_create(council=council, actor=None, page=page, kind="yesno", text=t("Ok?"))
    with pytest.raises(ValidationError) as error:
        services.survey_open(council=council, actor=None, survey=survey)
    assert "thank-you text" in str(error.value)
    services.survey_update(council=council, actor=None, survey=survey, thanks=t("Results in June."))
    assert services.survey_open(council=council, actor=None, survey=survey).status == Survey.Status.OPEN
