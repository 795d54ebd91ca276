"""The kinds of e-mail the platform sends, declared by the apps that send them.

outreach knows nothing of surveys or events: those apps register their message types here
(in their AppConfig.ready()) with default texts, the variables staff may use, and a context
provider that the worker calls at send time to rebuild personal links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("da", "nb", "en")
PREFERENCES = ("wants_surveys", "wants_events", "wants_news")
# Always available in every message, filled by outreach itself.
COMMON_VARIABLES = ("council_name", "member_name", "unsubscribe_url")


@dataclass(frozen=True)
class Composed:
    """A whole e-mail built by its message type's composer: subject, plain text and, where the
    app writes one, an HTML alternative of the same content."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class MessageType:
    key: str
    subject: dict[str, str]
    body: dict[str, str]
    variables: tuple[str, ...]
    context_provider: Callable[[Any], dict] | None = None
    preference: str | None = "wants_surveys"
    label: dict[str, str] = field(default_factory=dict)
    sample: dict[str, str] = field(default_factory=dict)
    composer: Callable[[Any, str, dict], Composed] | None = None
    attachments: Callable[[Any], list] | None = None
    prefetch: Callable[[list], dict] | None = None

    @property
    def editable(self) -> bool:
        """A composed message (a newsletter) is written per wave by its own app, so it has no
        standard text for staff to change on the E-mail texts page."""
        return self.composer is None

    @property
    def transactional(self) -> bool:
        """Transactional mail (a login link) goes out regardless of preferences, without
        List-Unsubscribe."""
        return self.preference is None

    @property
    def all_variables(self) -> tuple[str, ...]:
        names = list(COMMON_VARIABLES if not self.transactional else COMMON_VARIABLES[:2])
        names += [name for name in self.variables if name not in names]
        return tuple(names)


_TYPES: dict[str, MessageType] = {}


def register_message_type(key: str, *, subject: dict[str, str], body: dict[str, str],
                          variables: list[str], context_provider: Callable[[Any], dict] | None = None,
                          preference: str | None = "wants_surveys", label: dict[str, str] | None = None,
                          sample: dict[str, str] | None = None,
                          composer: Callable[[Any, str, dict], Composed] | None = None,
                          attachments: Callable[[Any], list] | None = None,
                          prefetch: Callable[[list], dict] | None = None) -> None:
    """Declare a kind of e-mail.

    subject/body: default texts per language ("da", "nb", "en"), Django template syntax with
    {{ variable }} and {% if %}. variables: the names staff may use besides
    council_name, member_name and unsubscribe_url. context_provider(delivery) -> dict runs in
    the worker at send time (build personal links there; never store them). preference: the
    member flag that must be True (wants_surveys, wants_events, wants_news) or None for
    transactional mail. label: the name staff see per language; sample: preview values.
    composer(delivery, language, context) -> Composed, for e-mails written anew for each wave
    (newsletters): it runs in the worker instead of the texts, with the language chosen for the
    member and the common variables (council_name, member_name, unsubscribe_url) in `context`;
    subject and body may then be empty.
    attachments(delivery) -> [outreach.attachments.Attachment] runs in the worker too, in the
    member's language, for files that travel with the e-mail (checked by
    outreach.attachments.checked: allowed types, plain names, size caps).
    prefetch(deliveries) -> {delivery id: object} reads what context_provider needs for a whole
    batch of deliveries in one query (a wave of 100,000 would otherwise cost 100,000 reads); the
    worker hands each delivery its object as `delivery.prefetched`, and context_provider reads
    it itself where that is absent.
    Registering the same key again replaces it (harmless on reload).
    """
    if preference is not None and preference not in PREFERENCES:
        raise ValueError(f"preference must be one of {PREFERENCES} or None, not {preference!r}")
    if composer is None and (not subject or not body):
        raise ValueError(f"message type {key!r} needs a default subject and body")
    _TYPES[key] = MessageType(
        key=key, subject=dict(subject), body=dict(body), variables=tuple(variables),
        context_provider=context_provider, preference=preference, label=dict(label or {}),
        sample=dict(sample or {}), composer=composer, attachments=attachments,
        prefetch=prefetch,
    )


def get_message_type(key: str) -> MessageType:
    try:
        return _TYPES[key]
    except KeyError:
        raise LookupError(f"unknown message type {key!r}: register it with register_message_type()") from None


def message_types() -> list[MessageType]:
    return sorted(_TYPES.values(), key=lambda t: t.key)


def preference_label(preference: str | None) -> str:
    """The kind of e-mail a preference stands for, as members see it on their choices page
    ("news and results from the panel"); '' for transactional mail."""
    if not preference:
        return ""
    from civicpanel.members.models import Member

    return str(Member._meta.get_field(preference).verbose_name)


def label_for(key: str) -> str:
    """The name staff see for a message type, in the active language (the key if unknown)."""
    from civicpanel.common.models import translated

    message_type = _TYPES.get(key)
    return (translated(message_type.label) if message_type else "") or key
