"""Reads for the backpack: the signed-in learner's badges (through badges.selectors) and their addresses."""

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
