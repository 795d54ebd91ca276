from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "civicpanel.audit"
    label = "audit"
