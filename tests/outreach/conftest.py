"""Fixtures of the outreach tests: a registered message type and a real local SMTP server."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

import pytest

from civicpanel.outreach import registry
from tests.outreach.message_types import register_test_types


@pytest.fixture(autouse=True)
def message_types():
    """The test message types, registered for the test and removed after it."""
    saved = dict(registry._TYPES)
    register_test_types()
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
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted"

    def parsed(self) -> list:
        with self.lock:
            return [message_from_bytes(raw, policy=policy.default) for _rcpts, raw in self.messages]

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
