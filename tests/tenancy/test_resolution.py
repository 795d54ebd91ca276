import pytest
from django.test import Client

from tests.factories import council_with_profile

pytestmark = pytest.mark.django_db


def test_single_council_answers_on_the_bare_host(council):
    response = Client(HTTP_HOST="127.0.0.1").get("/")
    assert response.status_code == 200
    assert council.name in response.content.decode()


def test_each_council_answers_on_its_own_host(council, other_council):
    assert council.name in Client(HTTP_HOST="valby.localhost").get("/").content.decode()
    assert other_council.name in Client(HTTP_HOST="bergen.localhost").get("/").content.decode()


def test_bare_host_with_several_councils_is_not_found(council, other_council):
    assert Client(HTTP_HOST="127.0.0.1").get("/").status_code == 404


def test_own_domain(settings):
    settings.ALLOWED_HOSTS = ["panel.valby.dk", ".localhost"]
    council = council_with_profile(slug="valby2", domain="panel.valby.dk")
    council_with_profile(slug="other")
    response = Client(HTTP_HOST="panel.valby.dk").get("/")
    assert response.status_code == 200
    assert council.name in response.content.decode()


def test_a_council_saved_here_shows_on_the_next_request(council):
    client = Client(HTTP_HOST="valby.localhost")
    assert council.name in client.get("/").content.decode()
    council.name = "Valby Lokalråd"
    council.save()
    assert "Valby Lokalråd" in client.get("/").content.decode()


def test_a_council_changed_by_another_process_shows_within_seconds(council, monkeypatch):
    from civicpanel.tenancy import resolution

    now = [1000.0]
    monkeypatch.setattr(resolution, "_clock", lambda: now[0])
    client = Client(HTTP_HOST="valby.localhost")
    client.get("/")
    # Another process's save sends no signal here: an update stands for it.
    type(council).objects.filter(pk=council.pk).update(name="Valby Lokalråd")
    now[0] += resolution.KEEP_SECONDS / 2
    assert council.name in client.get("/").content.decode()
    now[0] += resolution.KEEP_SECONDS
    assert "Valby Lokalråd" in client.get("/").content.decode()


def test_each_request_gets_its_own_council(council):
    from civicpanel.tenancy.resolution import council_for_host

    first = council_for_host("valby.localhost")
    first.name = "changed by one request's form"
    assert council_for_host("valby.localhost").name == council.name
