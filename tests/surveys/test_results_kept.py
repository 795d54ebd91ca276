"""The results page after an answer: the figures kept in the cache (and the respondents' profile
rows kept for computing them) never stand in for the current ones."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.cache import cache
from django.urls import reverse

from civicpanel.members.erasure import member_erase
from civicpanel.members.models import MemberAnswer
from civicpanel.members.profile import member_profile_set
from civicpanel.surveys import respondent_rows as kept_rows
from civicpanel.surveys.models import Survey
from civicpanel.surveys.respondent_rows import KEY, respondent_rows
from civicpanel.surveys.results import completed_answers, question_results
from civicpanel.surveys.weighting import survey_weighting, weighted_items
from tests.surveys.factories import build_survey
from tests.surveys.sample_panel import build_panel, options, set_population
from tests.surveys.test_weighting import gender_of, invite_all, respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_survey(council):
    """60 panel members invited; 59 have answered, the last one has not yet."""
    set_population(council)
    members = build_panel(council, size=60)
    survey = build_survey(council)
    genders = gender_of(council, members)
    invitations = invite_all(survey, members)
    respond(survey, invitations[:-1], genders)
    return survey, members, genders, invitations


def fresh_figures(council, survey):
    """The figures computed from the database alone (nothing kept)."""
    cache.clear()
    survey = Survey.objects.get(pk=survey.pk)
    answers = completed_answers(council=council, survey=survey)
    items, _hidden = question_results(council=council, survey=survey, answers=answers)
    weighting = survey_weighting(council=council, survey=survey)
    weighted_items(weighting=weighting, survey=survey, items=items, answers=answers)
    return items


def shown(items):
    """What the page shows of each question: n, counts, means and the weighted estimates."""
    out = []
    for item in items:
        rows = [(r["code"], r["count"], (r.get("weighted") or {}).get("estimate")) for r in item.get("table", [])]
        out.append((item["question"].pk, item["n"], item.get("mean"), rows,
                    ((item.get("weighted") or {}).get("mean") or {}).get("estimate")))
    return out


def test_page_shows_an_answer_given_right_after_a_view(council, open_survey, staff_client):
    survey, _members, genders, invitations = open_survey
    client = staff_client("analyst")
    url = reverse("staff:survey_results", args=[survey.pk])
    before = client.get(url)
    assert "Unweighted n 59" in before.content.decode()
    respond(survey, invitations[-1:], genders)
    after = client.get(url)
    html = after.content.decode()
    assert "Unweighted n 60" in html and "Unweighted n 59" not in html
    page = shown(after.context["items"])
    assert page == shown(fresh_figures(council, survey))
    assert page != shown(before.context["items"])


def test_kept_respondent_rows_follow_new_respondents_and_profile_changes(council, open_survey,
                                                                         django_capture_on_commit_callbacks):
    survey, members, genders, invitations = open_survey
    first = respondent_rows(survey=survey)
    assert len(first.response_ids) == 59
    assert cache.get(KEY.format(survey_id=survey.pk)) is not None
    respond(survey, invitations[-1:], genders)
    second = respondent_rows(survey=survey)
    assert len(second.response_ids) == 60
    # A profile change: the next read is the database's, not what was kept.
    member = members[0]
    woman, man = options(council, "gender")[:2]
    now_gender = MemberAnswer.objects.get(member=member, question__key="gender").option
    other = man if now_gender == woman else woman
    with django_capture_on_commit_callbacks(execute=True):
        member_profile_set(member=member, values={"gender": other.code})
    third = respondent_rows(survey=survey)
    assert other.pk in set(third.chosen[:, 1].tolist())
    cache.delete(KEY.format(survey_id=survey.pk))
    fresh = respondent_rows(survey=survey)
    assert np.array_equal(third.people, fresh.people)
    assert sorted(map(tuple, third.chosen.tolist())) == sorted(map(tuple, fresh.chosen.tolist()))


def test_new_respondents_are_added_to_the_kept_rows_without_reading_everyone(council, open_survey, monkeypatch):
    survey, _members, genders, invitations = open_survey
    respondent_rows(survey=survey)
    read = []
    original = kept_rows._read

    def counting(survey, option_ids, response_ids=None):
        read.append(None if response_ids is None else len(response_ids))
        return original(survey, option_ids, response_ids)

    monkeypatch.setattr(kept_rows, "_read", counting)
    respond(survey, invitations[-1:], genders)
    rows = respondent_rows(survey=survey)
    assert read == [1] and len(rows.response_ids) == 60


def test_erasing_a_member_drops_their_kept_rows(council, open_survey, django_capture_on_commit_callbacks):
    survey, members, _genders, _invitations = open_survey
    respondent_rows(survey=survey)
    with django_capture_on_commit_callbacks(execute=True):
        member_erase(member=members[0])
    assert cache.get(KEY.format(survey_id=survey.pk)) is None
    rows = respondent_rows(survey=survey)
    assert len(rows.response_ids) == 58


def test_anonymous_surveys_keep_no_respondent_rows(council, open_survey):
    survey, _members, _genders, _invitations = open_survey
    Survey.objects.filter(pk=survey.pk).update(anonymous=True)
    survey.refresh_from_db()
    rows = respondent_rows(survey=survey)
    assert len(rows.response_ids) == 59
    assert cache.get(KEY.format(survey_id=survey.pk)) is None


class Queue:
    """A task worker that has not got round to the task yet: what is queued is only noted."""

    def __init__(self, queued: list):
        self.queued = queued

    def enqueue(self, *args):
        self.queued.append(args)


def test_page_shows_earlier_figures_with_a_note_while_the_worker_brings_them_up_to_date(
        council, open_survey, staff_client, monkeypatch):
    """Only answers came since the figures were computed: the page shows them at once, says
    when they were computed and from how many responses, and queues one task to compute the new
    ones; once it has run, the page shows the new figures and no note."""
    from civicpanel.surveys import tasks
    from civicpanel.surveys.results_cache import survey_results_refresh

    survey, _members, genders, invitations = open_survey
    client = staff_client("analyst")
    url = reverse("staff:survey_results", args=[survey.pk])
    assert "results-earlier" not in client.get(url).content.decode()
    queued = []
    monkeypatch.setattr(tasks, "survey_results_refresh", Queue(queued))
    respond(survey, invitations[-1:], genders)
    page = client.get(url)
    html = page.content.decode()
    assert "results-earlier" in html
    assert "from 59 completed responses; there are 60 now" in html and "Unweighted n 59" in html
    assert len(queued) == 1 and queued[0][0] == survey.pk
    client.get(url)
    assert len(queued) == 1  # one task per survey and view at a time
    survey_results_refresh(survey_id=queued[0][0], language=queued[0][1], by=queued[0][2], weights_on=queued[0][3])
    fresh = client.get(url)
    assert "results-earlier" not in fresh.content.decode() and "Unweighted n 60" in fresh.content.decode()
    assert shown(fresh.context["items"]) == shown(fresh_figures(council, survey))


def test_earlier_figures_are_not_shown_when_more_than_answers_changed(council, open_survey, staff_client,
                                                                      monkeypatch, django_capture_on_commit_callbacks):
    """A profile change (or new population figures, a sending) is not "new answers": the page
    computes the figures again rather than show ones computed on another basis."""
    from civicpanel.surveys import tasks

    survey, members, genders, invitations = open_survey
    client = staff_client("analyst")
    url = reverse("staff:survey_results", args=[survey.pk])
    client.get(url)
    queued = []
    monkeypatch.setattr(tasks, "survey_results_refresh", Queue(queued))
    respond(survey, invitations[-1:], genders)
    member = members[0]
    woman, man = options(council, "gender")[:2]
    now_gender = MemberAnswer.objects.get(member=member, question__key="gender").option
    with django_capture_on_commit_callbacks(execute=True):
        member_profile_set(member=member, values={"gender": (man if now_gender == woman else woman).code})
    html = client.get(url).content.decode()
    assert "results-earlier" not in html and "Unweighted n 60" in html
    assert queued == []
