from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "civicpanel.members"
    label = "members"

    def ready(self):
        from civicpanel.members.access_log import member_access_log
        from civicpanel.members.erasure import register_member_data_provider

        register_member_data_provider(member_access_log)
