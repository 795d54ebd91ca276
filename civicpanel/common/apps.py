from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "civicpanel.common"
    label = "common"

    def ready(self) -> None:
        from civicpanel.common import checks  # noqa: F401 (registers the key checks)
