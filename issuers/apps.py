from django.apps import AppConfig


class IssuersConfig(AppConfig):
    name = "issuers"
    verbose_name = "Institutions"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
