"""The "you said, we did" e-mail of an event: its default texts per language and the worker's
context. Everything in it is the same for every recipient but the name and the unsubscribe
link: what came of it is written into the Feedback row per language when staff confirm (so the
e-mail sent is the one they saw), and the link goes to the event's public page."""

from __future__ import annotations

from django.utils.translation import get_language

from civicpanel.common.models import translated

MESSAGE_KEY = "event_feedback"
VARIABLES = ["event_title", "outcome", "outcome_date", "event_url"]

SUBJECT = {
    "da": "Det kom der ud af: {{ event_title }}",
    "nb": "Dette kom ut av det: {{ event_title }}",
    "en": "What came of it: {{ event_title }}",
}
BODY = {
    "da": (
        "Hej {{ member_name }}\n\n"
        "Tak, fordi du var med til {{ event_title }}. Du får denne mail, fordi du deltog. "
        "Her er, hvad {{ council_name }} har gjort med det, I sagde:\n\n"
        "{{ outcome }}\n"
        "{% if outcome_date %}({{ outcome_date }})\n{% endif %}\n"
        "Læs mere:\n{{ event_url }}\n\n"
        "Venlig hilsen\n{{ council_name }}\n\n"
        "Vil du ikke have nyheder og resultater fra panelet på mail? Afmeld dem her:\n{{ unsubscribe_url }}"
    ),
    "nb": (
        "Hei {{ member_name }}\n\n"
        "Takk for at du var med på {{ event_title }}. Du får denne e-posten fordi du deltok. "
        "Her er hva {{ council_name }} har gjort med det dere sa:\n\n"
        "{{ outcome }}\n"
        "{% if outcome_date %}({{ outcome_date }})\n{% endif %}\n"
        "Les mer:\n{{ event_url }}\n\n"
        "Vennlig hilsen\n{{ council_name }}\n\n"
        "Vil du ikke ha nyheter og resultater fra panelet på e-post? Meld deg av her:\n{{ unsubscribe_url }}"
    ),
    "en": (
        "Dear {{ member_name }}\n\n"
        "Thank you for taking part in {{ event_title }}. You get this e-mail because you took part. "
        "This is what {{ council_name }} did with what you said:\n\n"
        "{{ outcome }}\n"
        "{% if outcome_date %}({{ outcome_date }})\n{% endif %}\n"
        "Read more:\n{{ event_url }}\n\n"
        "Best regards\n{{ council_name }}\n\n"
        "No more news and results from the panel by e-mail? Unsubscribe here:\n{{ unsubscribe_url }}"
    ),
}
LABEL = {"da": "Det kom der ud af (arrangement)", "nb": "Dette kom ut av det (arrangement)",
         "en": "What came of it (event)"}
SAMPLE = {"event_title": "Workshop", "outcome": "…", "outcome_date": "", "event_url": "https://example.org/events/1/"}


def message_context(delivery) -> dict:
    """The outreach context_provider, in the worker: the texts stored with the feedback."""
    from civicpanel.publishing.feedback_texts import feedback_texts_in
    from civicpanel.publishing.models import Feedback

    feedback = Feedback.objects.select_related("event").get(
        pk=delivery.reference_id, council_id=delivery.mailing.council_id)
    language = get_language()
    return {"event_title": translated(feedback.event.title, language), **feedback_texts_in(feedback.texts, language)}
