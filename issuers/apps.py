from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuersConfig(AppConfig):
    name = "issuers"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        # Every admin, ours and the libraries' (loaded by now: django.contrib.admin comes first in INSTALLED_APPS),
        # refuses URL lookups that reach a secret column.
        from django.contrib import admin

        from . import checks  # noqa: F401  (registers the system checks)
        from .admin_scoping import refuse_secret_lookups_everywhere

        refuse_secret_lookups_everywhere(admin.site)
