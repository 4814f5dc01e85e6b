from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = _("Badges")

    def ready(self) -> None:
        from issuers.signals import signing_key_revoked

        from .receivers import resign_status_lists

        signing_key_revoked.connect(resign_status_lists, dispatch_uid="badges.resign_status_lists")

        from django.conf import settings

        from .openbadges.ob3 import proof
        from .receivers import record_fast_path_alert

        proof.set_sample_rate(settings.FAST_PATH_SAMPLE_RATE)
        proof.set_alert_callback(record_fast_path_alert)

        from .verification import registries  # noqa: F401  (registers the trust registry system check)
