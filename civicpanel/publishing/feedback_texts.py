"""The "you said, we did" e-mail: its default texts per language and the worker's context.

Everything in it is the same for every recipient of a survey except the name and the
unsubscribe link: the summary and the decision are written into the Feedback row per
language when staff confirm (so the e-mail sent is the one they saw), and the link goes to the
public results page, which is not personal. The e-mail reads the same to those who answered
and those who did not, so it reveals nobody's participation.
"""

from __future__ import annotations

from django.utils.translation import get_language

from civicpanel.common.models import translated

MESSAGE_KEY = "survey_feedback"
VARIABLES = ["survey_title", "summary", "decision", "outcome", "results_url"]

SUBJECT = {
    "da": "Det kom der ud af: {{ survey_title }}",
    "nb": "Dette kom ut av det: {{ survey_title }}",
    "en": "What came of it: {{ survey_title }}",
}
BODY = {
    "da": (
        "Hej {{ member_name }}\n\n"
        "Borgerpanelet i {{ council_name }} blev spurgt om {{ survey_title }}. "
        "Du får denne mail, fordi du var blandt dem, vi spurgte, uanset om du svarede eller ej.\n\n"
        "{% if summary %}Det svarede panelet:\n{{ summary }}\n\n{% endif %}"
        "{% if decision %}Det er besluttet:\n{{ decision }}\n\n{% endif %}"
        "{% if outcome %}Det er gjort:\n{{ outcome }}\n\n{% endif %}"
        "Se resultaterne:\n{{ results_url }}\n\n"
        "Tak, fordi du er med i panelet.\n\n"
        "Venlig hilsen\n{{ council_name }}\n\n"
        "Vil du ikke have nyheder og resultater fra panelet på mail? Afmeld dem her:\n{{ unsubscribe_url }}"
    ),
    "nb": (
        "Hei {{ member_name }}\n\n"
        "Innbyggerpanelet i {{ council_name }} ble spurt om {{ survey_title }}. "
        "Du får denne e-posten fordi du var blant dem vi spurte, enten du svarte eller ikke.\n\n"
        "{% if summary %}Dette svarte panelet:\n{{ summary }}\n\n{% endif %}"
        "{% if decision %}Dette er bestemt:\n{{ decision }}\n\n{% endif %}"
        "{% if outcome %}Dette er gjort:\n{{ outcome }}\n\n{% endif %}"
        "Se resultatene:\n{{ results_url }}\n\n"
        "Takk for at du er med i panelet.\n\n"
        "Vennlig hilsen\n{{ council_name }}\n\n"
        "Vil du ikke ha nyheter og resultater fra panelet på e-post? Meld deg av her:\n{{ unsubscribe_url }}"
    ),
    "en": (
        "Dear {{ member_name }}\n\n"
        "The {{ council_name }} citizen panel was asked about {{ survey_title }}. "
        "You get this e-mail because you were among those asked, whether you answered or not.\n\n"
        "{% if summary %}What the panel answered:\n{{ summary }}\n\n{% endif %}"
        "{% if decision %}What was decided:\n{{ decision }}\n\n{% endif %}"
        "{% if outcome %}What was done:\n{{ outcome }}\n\n{% endif %}"
        "See the results:\n{{ results_url }}\n\n"
        "Thank you for being part of the panel.\n\n"
        "Best regards\n{{ council_name }}\n\n"
        "No more news and results from the panel by e-mail? Unsubscribe here:\n{{ unsubscribe_url }}"
    ),
}
LABEL = {"da": "Det kom der ud af (tilbagemelding)", "nb": "Dette kom ut av det (tilbakemelding)",
         "en": "What came of it (feedback)"}
SAMPLE = {"results_url": "https://example.org/results/1/",
          "summary": "- …", "decision": "…", "outcome": "…"}


def message_context(delivery) -> dict:
    """The outreach context_provider, in the worker: the texts stored with the feedback."""
    from civicpanel.publishing.models import Feedback

    feedback = Feedback.objects.select_related("survey").get(
        pk=delivery.reference_id, council_id=delivery.mailing.council_id)
    language = get_language()
    texts = feedback_texts_in(feedback.texts, language)
    return {"survey_title": translated(feedback.survey.title, language), **texts}


def feedback_texts_in(texts: dict, language: str) -> dict:
    """The summary, decision and link stored for one language (the council's default if absent)."""
    return texts.get(language) or next(iter(texts.values()), {})
