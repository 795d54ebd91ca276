from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "civicpanel.demo"
    label = "demo"
    verbose_name = "Demo council"
