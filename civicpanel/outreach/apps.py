from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "civicpanel.outreach"
    label = "outreach"

    def ready(self) -> None:
        from civicpanel.members.erasure import register_eraser, register_member_data_provider
        from civicpanel.outreach.services import member_outreach_data, member_outreach_erase

        register_eraser(member_outreach_erase)
        register_member_data_provider(member_outreach_data)
