"""Growing and keeping the panel: recruitment letters with personal codes, campaign figures, panel health."""
from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "civicpanel.recruitment"
    label = "recruitment"

    def ready(self) -> None:
        from civicpanel.members.erasure import register_eraser, register_member_data_provider
        from civicpanel.recruitment.departures import departure_count, letter_member_data

        register_eraser(departure_count)
        register_member_data_provider(letter_member_data)
