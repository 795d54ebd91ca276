"""Growing and keeping the panel: recruitment letters with personal codes, campaign figures, panel health."""
from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "civicpanel.recruitment"
    label = "recruitment"

    def ready(self) -> None:
        from civicpanel.members.erasure import register_eraser
        from civicpanel.recruitment.departures import departure_count

        register_eraser(departure_count)
