"""The learners app: recipient addresses, accounts, the backpack."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("Learners")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the allauth receivers
