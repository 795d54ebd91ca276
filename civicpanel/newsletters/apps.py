from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "civicpanel.newsletters"
    label = "newsletters"
