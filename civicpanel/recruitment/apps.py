from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "civicpanel.recruitment"
    label = "recruitment"
