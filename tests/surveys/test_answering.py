"""A member answers through their personal link: page by page, resumable, one response."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Invitation, Response
from civicpanel.surveys.selectors import survey_structure
from tests.factories import MemberFactory
from tests.surveys.factories import build_survey, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(council):
    survey = build_survey(council)
    member = MemberFactory(council=council, language="en")
    invitation, token = invite(survey, member)
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    pages = survey_structure(survey).pages
    # The link is exchanged for the session; the pages live at an address without the token.
    opened = client.get(f"/s/{token}/")
    assert opened.status_code == 302 and token not in opened["Location"]
    return survey, invitation, opened["Location"], client, pages


def page1(survey, pages, *, transport="2", safety="2", car="yes", **extra):
    data = {"page": pages[0].pk, f"q_{survey.q['transport'].uid}": transport,
            f"q_{survey.q['safety'].uid}": safety, f"q_{survey.q['car'].uid}": car}
    data.update(extra)
    return data


def test_page_is_accessible_and_in_the_members_language(setup):
    survey, _invitation, url, client, _pages = setup
    html = client.get(url).content.decode()
    assert '<html lang="en">' in html
    assert "<legend class=\"form-label\">" in html and "How do you travel?" in html
    assert 'for="q_' in html  # every input has a label
    assert "Page 1 of 2" in html


def test_unknown_link_and_other_councils_link(setup, other_council):
    _survey, _invitation, url, client, _pages = setup
    response = client.get("/s/not-a-real-token/")
    assert response.status_code == 404 and "This link does not work" in response.content.decode()
    other = Client(HTTP_HOST=f"{other_council.slug}.localhost")
    assert other.get(url).status_code == 404


def test_missing_answers_are_explained_and_linked_and_nothing_is_saved(setup):
    survey, invitation, url, client, pages = setup
    response = client.post(url, page1(survey, pages, transport="", safety="9"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert f'href="#id_q_{survey.q["transport"].uid}"' in html
    assert "This question must be answered." in html and "Choose a point on the scale." in html
    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="q_{survey.q["transport"].uid}_error"' in html or f'q_{survey.q["transport"].uid}_error' in html
    assert not Answer.objects.exists()
    # "Other" needs its text.
    html = client.post(url, page1(survey, pages, transport="other")).content.decode()
    assert "Write what you mean by" in html


def test_answer_half_resume_on_another_device_and_finish(setup, council):
    survey, invitation, url, client, pages = setup
    response = client.post(url, page1(survey, pages, safety="2"))
    # The next page comes in the answer to the page sent (no redirect), ready to reload as a visit.
    html = response.content.decode()
    assert response.status_code == 200 and "Page 2 of 2" in html and "Why do you feel unsafe?" in html
    assert "reload-as-get.js" in html
    response_row = Response.objects.get(invitation=invitation)
    assert response_row.current_page == pages[1].pk and response_row.completed_at is None
    phone = Client(HTTP_HOST=f"{council.slug}.localhost")
    # The other device opens the same link from the e-mail.
    from civicpanel.surveys.invitations import invitation_token

    html = phone.get(f"/s/{invitation_token(invitation)}/", follow=True).content.decode()
    assert "Page 2 of 2" in html and "Why do you feel unsafe?" in html
    # Back to page 1 shows the saved answers.
    html = phone.get(url + f"?page={pages[0].pk}").content.decode()
    assert 'value="2" checked' in html
    too_many = {"page": pages[1].pk, f"q_{survey.q['wishes'].uid}": ["1", "2", "3"], f"q_{survey.q['days'].uid}": "40"}
    html = phone.post(url, too_many).content.decode()
    assert "Choose at most 2." in html and "Write a number from 0 to 31." in html
    done = {"page": pages[1].pk, f"q_{survey.q['why'].uid}": "Fast cars", f"q_{survey.q['wishes'].uid}": ["1", "3"],
            f"q_{survey.q['days'].uid}": "4"}
    sent = phone.post(url, done)
    assert sent.status_code == 200 and "Thank you!" in sent.content.decode()
    html = phone.get(url).content.decode()
    assert "Thank you!" in html and "Results in March." in html and "reload-as-get.js" not in html
    invitation.refresh_from_db()
    assert invitation.completed_at is not None
    answers = {a.question.uid: a.value for a in Answer.objects.select_related("question")}
    assert answers[survey.q["wishes"].uid] == ["1", "3"]
    assert answers[survey.q["days"].uid] == 4
    assert answers[survey.q["why"].uid] == "Fast cars"
    # Sending the last page again changes nothing and makes no second response.
    assert "Thank you!" in phone.post(url, {**done, f"q_{survey.q['days'].uid}": "9"}).content.decode()
    assert Response.objects.count() == 1
    assert Answer.objects.get(question=survey.q["days"]).value == 4


def test_follow_up_shown_and_kept_when_condition_holds(setup):
    survey, invitation, url, client, pages = setup
    client.post(url, page1(survey, pages, safety="1"))
    client.post(url, {"page": pages[1].pk, f"q_{survey.q['why'].uid}": "Dark streets"})
    invitation_response = Response.objects.get(invitation=invitation)
    assert invitation_response.completed_at is not None
    assert Answer.objects.filter(question=survey.q["why"]).exists()


def test_follow_up_not_shown_and_not_kept_when_condition_fails(setup):
    survey, _invitation, url, client, pages = setup
    client.post(url, page1(survey, pages, safety="1"))
    client.get(url + f"?page={pages[0].pk}")
    client.post(url, page1(survey, pages, safety="5"))
    html = client.get(url).content.decode()
    assert "Why do you feel unsafe?" not in html
    client.post(url, {"page": pages[1].pk, f"q_{survey.q['why'].uid}": "sneaky", f"q_{survey.q['days'].uid}": "3"})
    assert not Answer.objects.filter(question=survey.q["why"]).exists()
    assert Answer.objects.filter(question=survey.q["days"]).exists()


def test_double_submit_makes_one_response(setup):
    survey, invitation, url, client, pages = setup
    data = page1(survey, pages)
    first = client.post(url, data)
    second = client.post(url, data)  # a double click or a resubmitted form after the first went through
    assert first.status_code == second.status_code == 200
    assert "Page 2 of 2" in first.content.decode() and "Page 2 of 2" in second.content.decode()
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Answer.objects.count() == 3


def test_closed_and_not_yet_open_pages(setup, council):
    survey, _invitation, url, client, _pages = setup
    survey.opens_at = timezone.now() + timedelta(days=2)
    survey.save()
    assert "has not opened yet" in client.get(url).content.decode()
    survey.opens_at = None
    survey.closes_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    assert "The survey has closed" in client.get(url).content.decode()
    response = client.post(url, {"page": "1"})
    assert "The survey has closed" in response.content.decode()


def test_closed_page_is_in_the_members_language(council):
    survey = build_survey(council)
    member = MemberFactory(council=council, language="da")
    _invitation, token = invite(survey, member)
    services.survey_close(council=council, actor=None, survey=survey)
    html = Client(HTTP_HOST=f"{council.slug}.localhost").get(f"/s/{token}/", follow=True).content.decode()
    assert '<html lang="da">' in html


def test_anonymous_survey_cuts_the_link_on_close(council):
    survey = build_survey(council, anonymous=True)
    invitation, token = invite(survey, MemberFactory(council=council, language="en"))
    client = Client(HTTP_HOST=f"{council.slug}.localhost")
    pages = survey_structure(survey).pages
    client.post(f"/s/{token}/", page1(survey, pages, safety="4"))
    client.post(f"/s/{token}/", {"page": pages[1].pk})
    assert Response.objects.get().invitation_id == invitation.pk
    before = Response.objects.get()
    answers_before = sorted((a.question_id, str(a.value)) for a in Answer.objects.all())
    services.survey_close(council=council, actor=None, survey=survey)
    response = Response.objects.get()
    assert response.invitation_id is None and response.completed_at is not None
    # Written afresh: no old id, no timestamp shared with the invitation, the same answers.
    assert response.pk != before.pk
    assert response.completed_at != Invitation.objects.get().completed_at
    assert sorted((a.question_id, str(a.value)) for a in Answer.objects.all()) == answers_before
    assert Invitation.objects.get().completed_at is not None  # the rate stays known, the answers are unlinked
    assert "The survey has closed" in client.get(f"/s/{token}/", follow=True).content.decode()


def test_token_is_stored_only_as_a_hash(setup):
    _survey, invitation, _url, _client, _pages = setup
    from civicpanel.surveys.invitations import invitation_token

    token = invitation_token(invitation)
    invitation.refresh_from_db()
    assert token not in (invitation.token_hash, invitation.token_salt)
    assert len(token) >= 40


def test_answering_leaves_no_session_behind_only_a_signed_cookie(setup):
    """The link is exchanged for a signed cookie, not a session: a survey's busiest hour writes no
    session rows, and the cookie names the invitation only."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    survey, invitation, url, client, pages = setup
    client.post(url, page1(survey, pages))
    client.post(url, {"page": pages[1].pk, f"q_{survey.q['days'].uid}": "3"})
    assert "Thank you!" in client.get(url).content.decode()
    assert not Session.objects.exists() and settings.SESSION_COOKIE_NAME not in client.cookies
    cookie = client.cookies[settings.SURVEY_LINKS_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    from civicpanel.surveys.invitations import invitation_token

    assert invitation_token(invitation) not in cookie.value and str(invitation.pk) in cookie.value


@pytest.mark.parametrize("spoil", ["altered", "another invitation", "expired", "garbage", "not a mapping"])
def test_a_spoilt_link_cookie_asks_for_the_link_again(setup, council, monkeypatch, spoil):
    from django.conf import settings
    from django.core import signing

    from civicpanel.surveys.views_answer import LINKS_SALT

    survey, _invitation, url, client, _pages = setup
    name = settings.SURVEY_LINKS_COOKIE_NAME
    if spoil == "altered":
        client.cookies[name] = client.cookies[name].value.replace(":", ";", 1)
    elif spoil == "another invitation":
        # A well-formed value naming another member's invitation, signed with anything but our key.
        other, _token = invite(survey, MemberFactory(council=council))
        forged = signing.TimestampSigner(key="guessed", salt=name + LINKS_SALT).sign(f'{{"{survey.pk}":{other.pk}}}')
        client.cookies[name] = forged
    elif spoil == "expired":
        later = signing.time.time() + settings.SESSION_COOKIE_AGE + 1
        monkeypatch.setattr(signing.time, "time", lambda: later)
    elif spoil == "not a mapping":
        client.cookies[name] = signing.get_cookie_signer(salt=name + LINKS_SALT).sign(f"[{survey.pk}]")
    else:
        client.cookies[name] = "\x00%zz\xe9\"" + "A" * 3000
    response = client.get(url)
    assert response.status_code == 404 and "Open your personal link again" in response.content.decode()
    assert client.post(url, {"page": "1"}).status_code == 404


def test_the_next_page_is_drawn_from_the_answers_just_saved(setup):
    """A page sent is saved and the next page drawn in one request, without reading the answers
    back (the first page's response is new: no answer is read at all)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    survey, _invitation, url, client, pages = setup
    with CaptureQueriesContext(connection) as queries:
        html = client.post(url, page1(survey, pages, safety="1")).content.decode()
    assert "Page 2 of 2" in html and "Why do you feel unsafe?" in html
    assert not [q["sql"] for q in queries if 'FROM "surveys_answer"' in q["sql"]]
    # Back on page 1 and sent again: the answers are read once, under the lock, and shown after.
    client.get(f"{url}?page={pages[0].pk}")
    with CaptureQueriesContext(connection) as queries:
        html = client.post(url, page1(survey, pages, safety="5")).content.decode()
    assert "Page 2 of 2" in html and "Why do you feel unsafe?" not in html
    assert len([q for q in queries if 'FROM "surveys_answer"' in q["sql"]]) == 1
