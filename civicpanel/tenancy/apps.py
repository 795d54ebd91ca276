from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "civicpanel.tenancy"
    label = "tenancy"
