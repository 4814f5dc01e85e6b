"""The learners app: recipient addresses, accounts, the backpack."""

from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "learners"

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the allauth receivers
