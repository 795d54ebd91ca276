from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "civicpanel.publishing"
    label = "publishing"
