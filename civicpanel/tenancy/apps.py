from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TenancyConfig(AppConfig):
    name = "civicpanel.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        from civicpanel.tenancy.models import Council
        from civicpanel.tenancy.resolution import forget_councils

        post_save.connect(forget_councils, sender=Council, dispatch_uid="tenancy.forget_councils.save")
        post_delete.connect(forget_councils, sender=Council, dispatch_uid="tenancy.forget_councils.delete")
