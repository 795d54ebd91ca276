from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicpanel.accounts"
    label = "accounts"

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from civicpanel.accounts.services import on_authenticator_added

        authenticator_added.connect(on_authenticator_added, dispatch_uid="civicpanel-mfa-added")
