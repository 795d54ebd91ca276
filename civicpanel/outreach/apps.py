from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "civicpanel.outreach"
    label = "outreach"
