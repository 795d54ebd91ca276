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
