from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "civicpanel.surveys"
    label = "surveys"
