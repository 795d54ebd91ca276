from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "civicpanel.api"
    label = "api"
