"""Fixtures of the outreach tests: a registered message type and a real local SMTP server."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

import pytest

from civicpanel.outreach import registry


def provide_link(delivery) -> dict:
    # What a surveys app does: rebuild the personal link at send time from its own row.
    return {"link": f"https://example.test/s/{delivery.reference_id}/"}


@pytest.fixture(autouse=True)
def message_types():
    """The test message types, registered for the test and removed after it."""
    saved = dict(registry._TYPES)
    registry.register_message_type(
        "test_invitation",
        subject={"da": "Ny undersøgelse: {{ survey_title }}", "nb": "Ny undersøkelse: {{ survey_title }}",
                 "en": "New survey: {{ survey_title }}"},
        body={"da": "Kære {{ member_name }}\n\nSvar her: {{ link }}\n\nAfmeld: {{ unsubscribe_url }}\n{{ council_name }}",
              "nb": "Hei {{ member_name }}\n\nSvar her: {{ link }}\n\nMeld av: {{ unsubscribe_url }}\n{{ council_name }}",
              "en": "Dear {{ member_name }}\n\nAnswer here: {{ link }}\n\nUnsubscribe: {{ unsubscribe_url }}\n{{ council_name }}"},
        variables=["survey_title", "link"],
        context_provider=provide_link,
        preference="wants_surveys",
        label={"en": "Survey invitation (test)", "da": "Invitation til undersøgelse (test)"},
        sample={"survey_title": "Trafik i Valby"},
    )
    registry.register_message_type(
        "test_login", subject={"en": "Your login link"}, body={"en": "Log in: {{ link }}"},
        variables=["link"], context_provider=provide_link, preference=None,
    )
    yield
    registry._TYPES.clear()
    registry._TYPES.update(saved)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Keeps every message; refuses recipients listed in `refuse` with the given reply."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        with self.lock:
            return [rcpt for rcpts, _message in self.messages for rcpt in rcpts]


@pytest.fixture
def smtp_server(settings):
    """A local SMTP server (aiosmtpd) that the mailer sends to for this test."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}
    handler.port = port
    yield handler
    controller.stop()
