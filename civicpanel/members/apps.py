from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "civicpanel.members"
    label = "members"

    def ready(self) -> None:
        from civicpanel.members.access_log import member_access_log
        from civicpanel.members.council_data import export_council_members
        from civicpanel.members.erasure import register_member_data_provider
        from civicpanel.tenancy.removal import register_council_exporter

        register_member_data_provider(member_access_log)
        register_council_exporter("members", export_council_members, order=10)
