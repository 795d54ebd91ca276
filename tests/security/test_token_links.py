"""Links that are keys: exchanged for the session on first use and gone from the address; never
in a log; and not to be guessed: more than 10 wrong tokens a minute from one address block that
address on every token URL for 15 minutes, while everyone else's links keep working."""

from __future__ import annotations

import datetime
import io
import logging
import time
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from civicpanel.budgeting import residents
from civicpanel.budgeting.models import Resident
from civicpanel.common.security import derived_token, new_salt, new_token, token_hash
from civicpanel.common.tokenurls import BLOCK_SECONDS, RedactTokensFilter, redact_tokens
from civicpanel.events import services as event_services
from civicpanel.events.links import participant_token
from civicpanel.events.models import Participant
from civicpanel.members.models import MemberToken
from civicpanel.surveys import services
from civicpanel.surveys.models import Answer, Page
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

TOKEN_ROUTES = {"surveys:answer": "/s/{}/", "members:login_token": "/me/login/{}/",
                "members:confirm": "/join/confirm/{}/", "outreach:unsubscribe": "/o/unsubscribe/{}/",
                "events:link": "/events/p/{}/", "budgeting:resident_confirm": "/pb/{round}/confirm/{}/"}


def _build(council):
    """The security world plus an event participant's link and a budgeting resident's link."""
    from tests.events.factories import make_event

    world = build_world(council)
    event = make_event(council)
    call = event_services.call_send(council=council, actor=None, event=event, filters={})
    participant = Participant.objects.filter(call=call).first()
    world.tokens["events:link"] = participant_token(participant)
    resident = Resident.objects.create(council=council, email="resident@example.org", token_salt=new_salt())
    link = derived_token(residents.PURPOSE, resident.pk, resident.token_salt)
    resident.token_hash = token_hash(link)
    resident.token_expires_at = timezone.now() + datetime.timedelta(hours=residents.LINK_HOURS)
    resident.save()
    world.tokens["budgeting:resident_confirm"] = link
    return world


def _path(world, name: str, token: str) -> str:
    return TOKEN_ROUTES[name].format(token, round=world.ids.get("round_id"))


def _client(world, address="10.0.0.1", **kwargs) -> Client:
    return Client(HTTP_HOST=world.host(), REMOTE_ADDR=address, **kwargs)


# --- Exchanged for the session, and gone from the address -----------------------------------------

@pytest.mark.parametrize("name", list(TOKEN_ROUTES))
def test_a_link_is_exchanged_for_the_session_and_leaves_the_address(name, council):
    world = _build(council)
    token = world.tokens[name]
    client = _client(world)
    response = client.get(_path(world, name, token))
    assert response.status_code == 302
    assert token not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert token not in page.content.decode()


def test_a_survey_is_answered_without_the_token_and_resumed_on_another_device(council):
    world = build_world(council)
    survey, token = world.survey, world.tokens["surveys:answer"]
    pages = list(Page.objects.filter(survey=survey).order_by("order", "pk"))
    laptop = _client(world)
    url = laptop.get(f"/s/{token}/")["Location"]
    assert url == f"/s/answer/{survey.pk}/"
    saved = laptop.post(url, {"page": pages[0].pk, f"q_{survey.q['transport'].uid}": "1",
                              f"q_{survey.q['safety'].uid}": "4"})
    # The next page comes at the same address, still without the token.
    html = saved.content.decode()
    assert saved.status_code == 200 and f'name="page" value="{pages[1].pk}"' in html and token not in html
    # Another device has no session: the address without the token says to open the link again...
    phone = _client(world, "10.0.0.2")
    assert phone.get(url).status_code == 404
    # ...and the link itself resumes on the page reached so far.
    resumed = phone.get(f"/s/{token}/", follow=True)
    assert resumed.redirect_chain[-1][0] == url
    assert f'name="page" value="{pages[1].pk}"' in resumed.content.decode()
    assert Answer.objects.filter(response__survey=survey).count() == 2


def test_the_session_address_of_one_survey_does_not_open_another(council):
    world = build_world(council)
    other = services.survey_create(council=council, actor=None, title={"da": "x", "nb": "x", "en": "x"})
    client = _client(world)
    client.get(f"/s/{world.tokens['surveys:answer']}/")
    assert client.get(f"/s/answer/{other.pk}/").status_code == 404


def test_login_link_continues_without_the_token_and_is_used_once(council):
    world = build_world(council)
    client = _client(world)
    continue_url = client.get(f"/me/login/{world.tokens['members:login_token']}/?next=/me/data/")["Location"]
    assert continue_url.startswith("/me/login/continue/")
    assert client.get("/me/").status_code == 302  # opening the link logs nobody in
    response = client.post(continue_url, {"next": "/me/data/"})
    assert response.status_code == 302 and response["Location"] == "/me/data/"
    assert client.get("/me/").status_code == 200
    client.post("/me/logout/")
    assert client.post(continue_url).status_code == 410


def test_a_resident_confirms_on_the_address_without_the_token_once(council):
    world = _build(council)
    client = _client(world)
    round_id = world.ids["round_id"]
    continue_url = client.get(_path(world, "budgeting:resident_confirm", world.tokens["budgeting:resident_confirm"]))
    assert continue_url["Location"] == f"/pb/{round_id}/confirm/"
    assert "budgeting.resident_id" not in client.session  # opening the link confirms nothing
    assert client.post(f"/pb/{round_id}/confirm/").status_code == 302
    assert Resident.objects.get(council=council).confirmed_at is not None
    assert client.session["budgeting.resident_id"]
    # The link is used up: the address without the token says so, on this device and others.
    assert client.get(f"/pb/{round_id}/confirm/").status_code == 410
    assert _client(world, "10.0.0.9").get(f"/pb/{round_id}/confirm/").status_code == 410


def test_an_event_link_opens_the_participant_page_on_another_device_too(council):
    world = _build(council)
    token = world.tokens["events:link"]
    laptop, phone = _client(world), _client(world, "10.0.0.2")
    mine = laptop.get(_path(world, "events:link", token))["Location"]
    assert phone.get(mine).status_code == 404  # no session there: open the link again
    assert phone.get(_path(world, "events:link", token))["Location"] == mine
    assert phone.get(mine).status_code == 200


def test_one_click_unsubscribe_posts_still_work(council):
    world = build_world(council)
    response = Client(HTTP_HOST=world.host(), enforce_csrf_checks=True).post(
        f"/o/unsubscribe/{world.tokens['outreach:unsubscribe']}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    world.member.refresh_from_db()
    assert world.member.wants_surveys is False


def test_the_unsubscribe_button_page_is_protected_against_csrf(council):
    world = build_world(council)
    client = Client(HTTP_HOST=world.host(), enforce_csrf_checks=True)
    page = client.get(f"/o/unsubscribe/{world.tokens['outreach:unsubscribe']}/", follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0] == "/o/unsubscribe/"
    assert client.post("/o/unsubscribe/").status_code == 403
    csrf = client.cookies["csrftoken"].value
    assert client.post("/o/unsubscribe/", {"csrfmiddlewaretoken": csrf}).status_code == 200
    world.member.refresh_from_db()
    assert world.member.wants_surveys is False


# --- Never in a log ---------------------------------------------------------------------------------

def test_no_token_reaches_the_request_log(council, caplog):
    world = _build(council)
    sentinel = new_token()
    expired = MemberToken.objects.get(purpose=MemberToken.Purpose.CONFIRM)
    expired.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    expired.save(update_fields=["expires_at"])
    survey_token = world.tokens["surveys:answer"]
    services.survey_close(council=council, actor=None, survey=world.survey)
    client = _client(world)
    with caplog.at_level(logging.INFO):
        statuses = [client.get(_path(world, name, sentinel)).status_code for name in TOKEN_ROUTES]
        gone = client.get(f"/join/confirm/{world.tokens['members:confirm']}/")
        closed = client.get(f"/s/{survey_token}/", follow=True)
    assert 404 in statuses and 410 in statuses and gone.status_code == 410
    assert closed.status_code == 410
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "Not Found" in text and "Gone" in text  # the records are there ...
    for secret in (sentinel, world.tokens["members:confirm"], survey_token):
        assert secret not in text  # ... without the tokens
    assert "[token]" in text


def test_no_token_reaches_the_development_server_log(settings):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("django.server")
    assert any(isinstance(f, RedactTokensFilter) for f in logger.filters)
    logger.addHandler(handler)
    try:
        logger.warning('"%s" %s %s', "GET /me/login/SENTINEL-abcdefghijklmnop/ HTTP/1.1", "410", "5")
    finally:
        logger.removeHandler(handler)
    assert "SENTINEL" not in stream.getvalue() and "/me/login/[token]/" in stream.getvalue()


def test_no_token_reaches_the_gunicorn_access_log(tmp_path):
    from gunicorn.config import Config

    from civicpanel.common.gunicorn import RedactingGunicornLogger

    log = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log))
    logger = RedactingGunicornLogger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/s/SENTINEL-abcdefghijklmnop/?page=2",
               "PATH_INFO": "/s/SENTINEL-abcdefghijklmnop/", "QUERY_STRING": "page=2",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": "https://panel.example.dk/o/unsubscribe/SENTINEL-abcdefghijklmnop/"}
    response = mock.Mock(status="404 Not Found", sent=10, headers=[])
    request = mock.Mock(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, datetime.timedelta(seconds=0, microseconds=1200))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log.read_text()
    assert "/s/[token]/" in line and "SENTINEL" not in line


def test_redaction_leaves_other_paths_alone():
    assert redact_tokens("/s/answer/12/") == "/s/answer/12/"
    assert redact_tokens("/me/login/check-your-email/") == "/me/login/check-your-email/"
    assert redact_tokens("/staff/surveys/3/") == "/staff/surveys/3/"
    assert redact_tokens("Gone: /join/confirm/abc_DEF-123/") == "Gone: /join/confirm/[token]/"
    assert redact_tokens("Gone: /pb/12/confirm/abc_DEF-123/") == "Gone: /pb/12/confirm/[token]/"
    assert redact_tokens("Not Found: /events/p/abc_DEF-123/") == "Not Found: /events/p/[token]/"
    assert redact_tokens("/pb/12/confirm/") == "/pb/12/confirm/"


# --- Not to be guessed ------------------------------------------------------------------------------

def test_more_than_ten_wrong_tokens_a_minute_block_the_address_on_every_token_url(council):
    world = _build(council)
    guesser = _client(world, "203.0.113.7")
    names = list(TOKEN_ROUTES)
    paths = [_path(world, name, "{}") for name in names]
    for attempt in range(10):
        assert guesser.get(paths[attempt % len(paths)].format(new_token())).status_code in (404, 410)
    # Ten wrong tokens are allowed; the eleventh is one too many.
    assert guesser.get(paths[0].format(new_token())).status_code == 404
    for name in TOKEN_ROUTES:
        blocked = guesser.get(_path(world, name, world.tokens[name]))
        assert blocked.status_code == 429, name
        assert blocked["Retry-After"] == str(BLOCK_SECONDS)
    assert "Too many wrong links" in guesser.get(paths[0].format(new_token()), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Someone else's correct link still works.
    other = _client(world, "198.51.100.4")
    for name in TOKEN_ROUTES:
        assert other.get(_path(world, name, world.tokens[name])).status_code == 302, name
    # Fifteen minutes later the address may try again.
    later = time.time() + BLOCK_SECONDS + 1
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        assert guesser.get(paths[0].format(world.tokens["surveys:answer"])).status_code == 302


def test_correct_links_do_not_count_as_wrong(council):
    world = build_world(council)
    client = _client(world, "203.0.113.8")
    for _ in range(15):
        assert client.get(f"/s/{world.tokens['surveys:answer']}/").status_code == 302
