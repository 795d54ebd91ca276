from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "civicpanel.panel"
    label = "panel"
    verbose_name = "Panel settings"
