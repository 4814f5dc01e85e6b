"""Reads for the backpack (the signed-in learner's badges, through badges.selectors, and their addresses), and the
one way to find accounts by e-mail address: through verified addresses only (docs/decisions/0013)."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from badges import selectors as badge_selectors
from badges.models import Award


@dataclass(frozen=True)
class BackpackItem:
    award: Award
    status: badge_selectors.HolderStatus

    @property
    def can_share(self) -> bool:
        return self.status.code != "revoked"


def backpack_items(*, user: AbstractBaseUser) -> list[BackpackItem]:
    now = timezone.now()
    return [
        BackpackItem(award, badge_selectors.award_holder_status(award=award, now=now))
        for award in badge_selectors.award_list_for_holder(user=user)
    ]


def learner_addresses(*, user: AbstractBaseUser) -> list[tuple[str, bool]]:
    """The user's e-mail addresses with whether each is verified (only verified ones bring badges)."""
    from allauth.account.models import EmailAddress

    return list(EmailAddress.objects.filter(user=user).order_by("-primary", "email").values_list("email", "verified"))


def users_with_verified_email(*, email: str, is_active: bool | None = True) -> list[AbstractBaseUser]:
    """The account that has verified this address (at most one: allauth's unique_verified_email constraint).

    Every lookup by address (password sign-in, sign-in codes, password reset, sign-up's "already exists") goes
    through here: an unverified address is only a claim, so it neither matches nor reserves an address.
    """
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(email__iexact=email.strip(), verified=True).select_related("user")
    return [a.user for a in addresses if is_active is None or a.user.is_active == is_active]
