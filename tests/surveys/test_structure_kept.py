"""The resident's pages keep a survey's pages and questions in the process: a page opened or sent
does not read them again, yet a change staff make while answers come in shows on the next page.
The database renews the survey's structure key on every change, whatever code makes it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicpanel.surveys import services
from civicpanel.surveys.models import Page, Question, Survey
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, invite, t

pytestmark = pytest.mark.django_db


def key_of(survey) -> object:
    return Survey.objects.values_list("structure_key", flat=True).get(pk=survey.pk)


def test_every_change_of_a_page_or_question_renews_the_key(council):
    survey = build_survey(council)
    keys = [key_of(survey)]

    def renewed() -> bool:
        keys.append(key_of(survey))
        return keys[-1] != keys[-2]

    question = survey.q["car"]
    services.question_update(council=council, actor=None, question=question, text=t("Do you have a car?"))
    assert renewed()
    page = services.page_add(council=council, actor=None, survey=survey)
    assert renewed()
    services.question_create(council=council, actor=None, page=page, kind="yesno", text=t("A bike?"))
    assert renewed()
    services.question_move(council=council, actor=None, question=survey.q["safety"], direction=-1)
    assert renewed()
    services.question_delete(council=council, actor=None, question=survey.q["days"])
    assert renewed()
    services.page_delete(council=council, actor=None, page=page)
    assert renewed()
    # Not only through the services: any write to the tables renews it.
    Question.objects.filter(pk=question.pk).update(text=t("Car?"))
    assert renewed()
    Page.objects.filter(survey=survey).update(title=t("One"))
    assert renewed()
    # A survey's own fields are not its structure.
    Survey.objects.filter(pk=survey.pk).update(thanks=t("Thanks"))
    assert not renewed()


def test_saving_a_survey_read_before_a_change_keeps_the_new_key(council):
    survey = build_survey(council)
    stale = Survey.objects.get(pk=survey.pk)
    services.question_update(council=council, actor=None, question=survey.q["car"], text=t("Do you have a car?"))
    new_key = key_of(survey)
    stale.title = t("Traffic 2027")
    stale.save()
    assert key_of(survey) == new_key != stale.structure_key
    assert Survey.objects.get(pk=survey.pk).title == t("Traffic 2027")


@pytest.fixture
def answering(council):
    survey = build_survey(council)
    _invitation, token = invite(survey, MemberFactory(council=council, language="en"))
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    url = client.get(f"/s/{token}/")["Location"]
    return survey, client, url


def test_a_page_opened_again_does_not_read_the_structure(answering):
    _survey, client, url = answering
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    read = [q["sql"] for q in queries]
    assert not [sql for sql in read if 'FROM "surveys_page"' in sql or 'FROM "surveys_question"' in sql]
    assert any('FROM "surveys_invitation"' in sql for sql in read)  # the survey row, with its key, is read


def test_a_question_changed_while_answering_shows_on_the_next_page_view(answering, council):
    survey, client, url = answering
    assert "Do you own a car?" in client.get(url).content.decode()
    services.question_update(council=council, actor=None, question=survey.q["car"], text=t("Do you have a car?"))
    html = client.get(url).content.decode()
    assert "Do you have a car?" in html and "Do you own a car?" not in html
    # Also when the change does not go through the services (an import, a data fix).
    Question.objects.filter(pk=survey.q["car"].pk).update(text=t("Is there a car in your household?"))
    assert "Is there a car in your household?" in client.get(url).content.decode()


def test_a_question_added_while_answering_is_checked_on_the_page_sent(answering, council):
    survey, client, url = answering
    client.get(url)
    first = Page.objects.filter(survey=survey).order_by("order").first()
    added = services.question_create(council=council, actor=None, page=first, kind="yesno", text=t("A bike?"),
                                     required=True)
    data = {"page": first.pk, f"q_{survey.q['transport'].uid}": "2", f"q_{survey.q['safety'].uid}": "4",
            f"q_{survey.q['car'].uid}": "yes"}
    response = client.post(url, data)
    # The new required question is part of the page now: the page comes back asking for it.
    assert response.status_code == 200 and f"q_{added.uid}_error" in response.content.decode()


def test_an_unanswered_page_is_drawn_once_yet_answers_and_languages_show(answering, council, monkeypatch):
    """The questions of a page nobody has answered yet look the same to everyone in a language, so
    they are drawn once per structure; a page with answers, or in another language, is drawn anew."""
    from civicpanel.surveys import views_answer

    survey, client, url = answering
    drawn = []
    draw = views_answer.question_view
    monkeypatch.setattr(views_answer, "question_view", lambda *a, **k: drawn.append(a[0]) or draw(*a, **k))

    def questions(html: str) -> str:  # the form after its per-request CSRF token
        return html.split('name="page"')[1].split("</form>")[0]

    first = questions(client.get(url).content.decode())
    assert len(drawn) == 3 and "Do you own a car?" in first
    assert questions(client.get(url).content.decode()) == first and len(drawn) == 3  # kept: not drawn again
    other = Client(HTTP_HOST=f"{council.slug}.localhost")
    _invitation, token = invite(survey, MemberFactory(council=council, language="da"))
    danish = other.get(f"/s/{token}/", follow=True).content.decode()
    assert len(drawn) == 6 and 'lang="da"' in danish
    first_page = Page.objects.filter(survey=survey).order_by("order").first()
    client.post(url, {"page": first_page.pk, f"q_{survey.q['transport'].uid}": "2",
                      f"q_{survey.q['safety'].uid}": "4", f"q_{survey.q['car'].uid}": "yes"})
    back = client.get(f"{url}?page={first_page.pk}").content.decode()
    assert 'value="2" checked' in back and 'value="yes" checked' in back
    assert "checked" not in client.get(url).content.decode().split("<form")[0]


def test_a_page_kept_drawn_shows_each_respondent_only_the_follow_ups_their_answers_open(answering, council):
    """Page 2 holds a follow-up shown only to those who feel unsafe: the page kept drawn for one
    respondent must not show it to the next, whose answers hide it, nor the other way round."""
    survey, client, url = answering
    first_page = Page.objects.filter(survey=survey).order_by("order").first()

    def answer_page_one(browser, target: str, safety: str) -> str:
        return browser.post(target, {"page": first_page.pk, f"q_{survey.q['transport'].uid}": "2",
                                     f"q_{survey.q['safety'].uid}": safety, f"q_{survey.q['car'].uid}": "yes"}
                            ).content.decode()

    assert "Why do you feel unsafe?" in answer_page_one(client, url, "1")
    for safety, shown in (("5", False), ("1", True), ("4", False)):
        other = Client(HTTP_HOST=f"{council.slug}.localhost")
        _invitation, token = invite(survey, MemberFactory(council=council, language="en"))
        page_two = answer_page_one(other, other.get(f"/s/{token}/")["Location"], safety)
        assert "Page 2 of 2" in page_two and ("Why do you feel unsafe?" in page_two) is shown
