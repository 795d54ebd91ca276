"""Published results and the public panel site: what the council asked, what residents answered, what came of it."""
from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "civicpanel.publishing"
    label = "publishing"

    def ready(self) -> None:
        from civicpanel.events.next_steps import register_event_next_steps
        from civicpanel.members.erasure import register_eraser, register_member_data_provider
        from civicpanel.outreach.registry import register_message_type
        from civicpanel.publishing import event_feedback_texts, feedback_texts
        from civicpanel.publishing.member_data import feedback_member_data, feedback_member_erase
        from civicpanel.publishing.next_steps import event_next_steps, publishing_next_steps
        from civicpanel.surveys.next_steps import register_survey_next_steps

        register_survey_next_steps(publishing_next_steps)
        register_event_next_steps(event_next_steps)
        register_member_data_provider(feedback_member_data)
        register_eraser(feedback_member_erase)
        # News and results from the panel: the member's "news and results" choice covers it.
        register_message_type(feedback_texts.MESSAGE_KEY, subject=feedback_texts.SUBJECT, body=feedback_texts.BODY,
                              variables=feedback_texts.VARIABLES, context_provider=feedback_texts.message_context,
                              preference="wants_news", label=feedback_texts.LABEL, sample=feedback_texts.SAMPLE)
        register_message_type(event_feedback_texts.MESSAGE_KEY, subject=event_feedback_texts.SUBJECT,
                              body=event_feedback_texts.BODY, variables=event_feedback_texts.VARIABLES,
                              context_provider=event_feedback_texts.message_context, preference="wants_news",
                              label=event_feedback_texts.LABEL, sample=event_feedback_texts.SAMPLE)
