from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "civicpanel.members"
    label = "members"
