"""allauth signals → learner services: a verified address claims its badges; a removed one releases them."""

from typing import Any

from allauth.account.signals import email_confirmed, email_removed, user_signed_up
from django.dispatch import receiver

from . import services


@receiver(email_confirmed, dispatch_uid="learners.email_confirmed")
def _on_email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    services.learner_claim_address(user=email_address.user, email=email_address.email)


@receiver(user_signed_up, dispatch_uid="learners.user_signed_up")
def _on_user_signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Only addresses already verified count (none, with mandatory verification, unless a provider vouched for one).
    services.learner_claim_verified_addresses(user=user)


@receiver(email_removed, dispatch_uid="learners.email_removed")
def _on_email_removed(sender: Any, request: Any, user: Any, email_address: Any, **kwargs: Any) -> None:
    services.learner_release_address(user=user, email=email_address.email)
