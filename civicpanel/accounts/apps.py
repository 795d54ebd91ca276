from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicpanel.accounts"
    label = "accounts"

    def ready(self):
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.signals import user_logged_in

        from civicpanel.accounts.middleware import staff_session_begin
        from civicpanel.accounts.services import on_authenticator_added

        authenticator_added.connect(on_authenticator_added, dispatch_uid="civicpanel-mfa-added")
        user_logged_in.connect(staff_session_begin, dispatch_uid="civicpanel-staff-session-begin")

        from civicpanel.accounts.council_data import export_council_staff, purge_council_staff
        from civicpanel.tenancy.removal import (
            register_council_exporter,
            register_council_purge_hook,
        )

        register_council_exporter("staff", export_council_staff, order=20)
        register_council_purge_hook(purge_council_staff)
