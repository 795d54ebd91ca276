from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "civicpanel.analysis"
    label = "analysis"
