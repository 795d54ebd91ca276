from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "civicpanel.members"
    label = "members"

    def ready(self) -> None:
        from civicpanel.members.council_data import export_council_members
        from civicpanel.tenancy.removal import register_council_exporter

        register_council_exporter("members", export_council_members, order=10)
