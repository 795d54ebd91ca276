"""Rate limits and the audit log use the client's address, also behind a reverse proxy, where
REMOTE_ADDR is the proxy's (the same for everyone): one person must not lock out all residents,
and a client must not dodge a limit by sending its own X-Forwarded-For."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from civicpanel.audit.models import AuditEvent
from civicpanel.audit.services import audit_record
from civicpanel.common.security import client_ip
from civicpanel.members import services

pytestmark = pytest.mark.django_db


def _login_request(client: Client, forwarded: str):
    # A new address each time: one address may be asked about only a few times an hour anyway.
    import uuid

    return client.post("/me/login/", {"email": f"someone-{uuid.uuid4().hex[:8]}@example.org"},
                       HTTP_X_FORWARDED_FOR=forwarded)


@pytest.fixture
def resident(council):
    return Client(HTTP_HOST=f"{council.slug}.localhost")


def test_behind_a_proxy_one_address_over_its_limit_does_not_block_the_others(resident, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(services.LOGIN_LIMIT_PER_IP):
        assert _login_request(resident, "203.0.113.7").status_code == 302
    assert _login_request(resident, "203.0.113.7").status_code == 429
    # Another resident behind the same proxy is not affected.
    assert _login_request(resident, "198.51.100.20").status_code == 302


def test_without_a_trusted_proxy_a_forged_header_does_not_dodge_the_limit(resident, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for number in range(services.LOGIN_LIMIT_PER_IP):
        assert _login_request(resident, f"203.0.113.{number}").status_code == 302
    assert _login_request(resident, "198.51.100.99").status_code == 429


def test_only_the_address_the_trusted_proxy_saw_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "203.0.113.7"  # the left entry was written by the client itself
    garbage = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="127.0.0.1")
    assert client_ip(garbage) == "127.0.0.1"


def test_the_audit_log_keeps_the_client_address_and_survives_a_bad_header(council, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()
    audit_record(council=council, actor=None, action="test.one",
                 request=factory.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1"))
    audit_record(council=council, actor=None, action="test.two",
                 request=factory.get("/", HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="127.0.0.1"))
    assert AuditEvent.objects.get(action="test.one").ip_address == "203.0.113.7"
    assert AuditEvent.objects.get(action="test.two").ip_address == "127.0.0.1"
