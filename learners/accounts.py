"""Writes about who holds an e-mail address: what a verification settles, for the account that verified it and for
every other account that had typed the same address (docs/decisions/0013).

The rule: the person who proves an address (by a link or code sent to it) is the only one who ends up with access
to its badges. Its learner row is claimed by learners.services.learner_claim_address once these have run.
"""

from enum import Enum

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from issuers.services import audit_record

from .services import learner_claim_address


class Verification(Enum):
    """What a confirmation link, opened by `verifier`, does to the account the address was added to."""

    VERIFY = "verify"  # the account's own holder opened it: verify, nothing else changes
    HAND_OVER = "hand_over"  # someone else opened it, and the account had no proof of identity but unverified
    # addresses: verify, and the mailbox's holder becomes the account's only way in (the registrant's password goes)
    REFUSE = "refuse"  # someone else opened it, and the account already has a verified address (its holder's):
    # verifying would hand this address's badges to that holder


def address_verification_decide(*, account: AbstractBaseUser, by_account_holder: bool) -> Verification:
    """Decide what opening a confirmation link for an address of `account` does.

    `by_account_holder`: the request is signed in as `account`, or is the browser that registered it (the one that
    chose its password). Anyone else only proves they read the address's mailbox.
    """
    from allauth.account.models import EmailAddress

    if by_account_holder:
        return Verification.VERIFY
    if EmailAddress.objects.filter(user_id=account.pk, verified=True).exists():
        return Verification.REFUSE
    return Verification.HAND_OVER


@transaction.atomic
def account_hand_over(*, account: AbstractBaseUser, email: str) -> None:
    """`email` was just verified on `account` by someone who is not its registrant: they get the account alone.

    The registrant's password becomes unusable (which also ends any session of it, Django's session hash being
    derived from the password), the account's other unverified addresses are dropped and its authenticators removed,
    so nothing the registrant set up survives. The new holder signs in with a code e-mailed to the address and may
    then choose a password.
    """
    from allauth.account.models import EmailAddress

    dropped = list(
        EmailAddress.objects.filter(user_id=account.pk, verified=False)
        .exclude(email__iexact=email)
        .values_list("email", flat=True)
    )
    EmailAddress.objects.filter(user_id=account.pk, email__in=dropped).delete()
    account.set_unusable_password()
    account.email = email
    account.save(update_fields=["password", "email"])
    # Nor a second factor the registrant set up: the new holder could never pass it (allauth's UI does not let an
    # account get here with one, since a verified primary address cannot be removed; this holds whatever the path).
    authenticators = 0
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa.models import Authenticator

        authenticators, _ = Authenticator.objects.filter(user_id=account.pk).delete()
    audit_record(
        actor=None,
        action="account.hand_over",
        target=account,
        email=email,
        dropped=dropped,
        authenticators_removed=authenticators,
    )


@transaction.atomic
def address_verified(*, account: AbstractBaseUser, email: str) -> int:
    """`account` has verified `email`. Every other account that had only typed it loses it; one left without a
    verified address also loses its password (that address was its only claim to be anyone). Then the address's
    badges are claimed into `account`. Returns how many learner rows changed hands. Idempotent.
    """
    from allauth.account.models import EmailAddress

    copies = list(
        EmailAddress.objects.select_for_update()
        .filter(email__iexact=email, verified=False)
        .exclude(user_id=account.pk)
        .select_related("user")
    )
    for copy in copies:
        other = copy.user
        copy.delete()
        if not EmailAddress.objects.filter(user_id=other.pk, verified=True).exists():
            other.set_unusable_password()
        if other.email.lower() == email.lower():
            other.email = ""
        other.save(update_fields=["password", "email"])
        audit_record(actor=account, action="account.address_dropped", target=other, email=email)
    return learner_claim_address(user=account, email=email)
