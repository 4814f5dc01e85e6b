"""allauth signals → learner services: a verified address claims its badges (and is dropped from every account
that had only typed it); a new sign-up marks its browser as the registrant; a removed address releases its badges."""

from typing import Any

from allauth.account.signals import email_confirmed, email_removed, user_signed_up
from django.dispatch import receiver

from . import accounts, services
from .adapter import remember_registrant


@receiver(email_confirmed, dispatch_uid="learners.email_confirmed")
def _on_email_confirmed(sender: Any, request: Any, email_address: Any, **kwargs: Any) -> None:
    accounts.address_verified(account=email_address.user, email=email_address.email)


@receiver(user_signed_up, dispatch_uid="learners.user_signed_up")
def _on_user_signed_up(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # This browser chose the password: its confirmation link, opened here, keeps it (learners.adapter).
    remember_registrant(request, user)
    # Only addresses already verified count (none, with mandatory verification, unless a provider vouched for one).
    services.learner_claim_verified_addresses(user=user)


@receiver(email_removed, dispatch_uid="learners.email_removed")
def _on_email_removed(sender: Any, request: Any, user: Any, email_address: Any, **kwargs: Any) -> None:
    services.learner_release_address(user=user, email=email_address.email)
