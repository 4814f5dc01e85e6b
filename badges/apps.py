from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"

    def ready(self) -> None:
        from issuers.signals import signing_key_revoked

        from .receivers import resign_status_lists

        signing_key_revoked.connect(resign_status_lists, dispatch_uid="badges.resign_status_lists")
