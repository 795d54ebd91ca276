"""Participatory budgeting rounds: ideas, assessment, the vote, the count, and what was built."""
from django.apps import AppConfig

UPDATE_TEXTS = {
    "subject": {
        "da": "Nyt om {{ project_title }}: {{ status }}",
        "nb": "Nytt om {{ project_title }}: {{ status }}",
        "en": "News about {{ project_title }}: {{ status }}",
    },
    "body": {
        "da": ("Hej {{ member_name }}\n\nDu var med til at stemme om borgerbudgettet i {{ council_name }}. "
               "Projektet {{ project_title }} har fået en ny status: {{ status }}.\n\n{{ update_text }}\n\n"
               "Se alle projekterne her:\n{{ link }}\n\nVenlig hilsen\n{{ council_name }}"),
        "nb": ("Hei {{ member_name }}\n\nDu var med og stemte over innbyggerbudsjettet i {{ council_name }}. "
               "Prosjektet {{ project_title }} har fått ny status: {{ status }}.\n\n{{ update_text }}\n\n"
               "Se alle prosjektene her:\n{{ link }}\n\nVennlig hilsen\n{{ council_name }}"),
        "en": ("Dear {{ member_name }}\n\nYou took part in the participatory budget of {{ council_name }}. "
               "The project {{ project_title }} has a new status: {{ status }}.\n\n{{ update_text }}\n\n"
               "See all the projects here:\n{{ link }}\n\nBest regards\n{{ council_name }}"),
    },
}


class BudgetingConfig(AppConfig):
    name = "civicpanel.budgeting"
    label = "budgeting"

    def ready(self) -> None:
        from civicpanel.budgeting.council_data import export_council_rounds
        from civicpanel.budgeting.member_data import pb_member_data, pb_member_erase
        from civicpanel.budgeting.notifications import MESSAGE_TYPE, message_context
        from civicpanel.members.erasure import register_eraser, register_member_data_provider
        from civicpanel.outreach.registry import register_message_type
        from civicpanel.tenancy.removal import register_council_exporter

        register_council_exporter("budgeting", export_council_rounds, order=60)
        from django.utils.translation import gettext_lazy

        from civicpanel.budgeting.participants import SET_KEY, round_choices, round_members
        from civicpanel.members.member_sets import register_member_set

        register_member_set(SET_KEY, label=gettext_lazy("Took part in the budgeting round"), choices=round_choices,
                            members=round_members)
        register_member_data_provider(pb_member_data)
        register_eraser(pb_member_erase)
        register_message_type(MESSAGE_TYPE, subject=UPDATE_TEXTS["subject"], body=UPDATE_TEXTS["body"],
                              variables=["project_title", "status", "update_text", "link"],
                              context_provider=message_context, preference="wants_news",
                              label={"da": "Nyt om et projekt fra borgerbudgettet",
                                     "nb": "Nytt om et prosjekt fra innbyggerbudsjettet",
                                     "en": "News about a participatory-budgeting project"},
                              sample={"project_title": "Ny legeplads i Skovlunde", "status": "Bygges",
                                      "update_text": "Entreprenøren går i gang i næste uge.",
                                      "link": "https://example.org/pb/built/"})
