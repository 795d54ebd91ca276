from django.apps import AppConfig


class BudgetingConfig(AppConfig):
    name = "civicpanel.budgeting"
    label = "budgeting"
