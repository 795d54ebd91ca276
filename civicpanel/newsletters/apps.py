"""Information mailings to the panel or a segment."""
from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "civicpanel.newsletters"
    label = "newsletters"

    def ready(self) -> None:
        from civicpanel.newsletters.compose import MESSAGE_TYPE, compose_delivery
        from civicpanel.outreach.registry import register_message_type

        # Written anew for every newsletter, so no standard text: the composer builds each e-mail
        # (plain text and HTML) from the text copied into the mailing when staff confirmed.
        register_message_type(MESSAGE_TYPE, subject={}, body={}, variables=[], preference="wants_news",
                              composer=compose_delivery,
                              label={"da": "Nyhedsbrev", "nb": "Nyhetsbrev", "en": "Newsletter"})
