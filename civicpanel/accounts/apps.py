from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicpanel.accounts"
    label = "accounts"
