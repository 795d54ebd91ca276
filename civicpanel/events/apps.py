from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "civicpanel.events"
    label = "events"
