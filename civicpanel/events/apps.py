from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "civicpanel.events"
    label = "events"

    def ready(self) -> None:
        from civicpanel.events import messages
        from civicpanel.events.council_data import export_council_events
        from civicpanel.events.member_data import (
            event_member_data,
            event_member_erase,
            event_member_section,
        )
        from civicpanel.events.member_history import event_member_history
        from civicpanel.members.erasure import register_eraser, register_member_data_provider
        from civicpanel.members.history import register_history_provider
        from civicpanel.members.page_sections import register_member_page_section
        from civicpanel.outreach.registry import register_message_type
        from civicpanel.tenancy.removal import register_council_exporter

        register_council_exporter("events", export_council_events, order=55)
        register_member_data_provider(event_member_data)
        register_eraser(event_member_erase)
        register_member_page_section(event_member_section)
        register_history_provider(event_member_history)
        from django.utils.translation import gettext_lazy

        from civicpanel.events.member_data import attended_choices, attended_members
        from civicpanel.members.member_sets import register_member_set

        register_member_set("attended_event", label=gettext_lazy("Attended the event"), choices=attended_choices,
                            members=attended_members)
        for key, texts in messages.MESSAGE_TYPES.items():
            register_message_type(key, subject=texts["subject"], body=texts["body"], variables=messages.VARIABLES,
                                  context_provider=messages.message_context,
                                  prefetch=messages.message_prefetch, preference=None if key in messages.TRANSACTIONAL else "wants_events",
                                  label=texts["label"], sample=messages.SAMPLE,
                                  attachments=messages.session_calendar if key in messages.WITH_CALENDAR else None)
