from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "civicpanel.common"
    label = "common"
