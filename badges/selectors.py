"""Reads about awards for other apps (the learners' backpack reads badges only through these)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Award, AwardStatus
from .recipient_names import with_learner_name

# A badge this close to its expiry date is flagged in the backpack, so the learner can renew it in time.
EXPIRING_SOON = timedelta(days=30)

# What a holder sees of an award; pending and failed awards are the institution's business until issued.
HOLDER_VISIBLE = [AwardStatus.ISSUED, AwardStatus.REVOKED]


def with_recipient_name(awards: QuerySet[Award]) -> QuerySet[Award]:
    """Annotate `recipient_name`: the awarding institution's own name for the learner (learners.LearnerName).

    One join, no query per award (badges.recipient_names).
    """
    return with_learner_name(awards)


def award_recipient_name(*, award: Award) -> str:
    """The awarding institution's name for the learner of this award (see with_recipient_name)."""
    if hasattr(award, "recipient_name"):
        return award.recipient_name
    return with_recipient_name(Award.objects.filter(pk=award.pk)).values_list("recipient_name", flat=True).get()


@dataclass(frozen=True)
class HolderStatus:
    """An award's state in the holder's words: issued, expiring soon, expired or revoked."""

    code: str
    label: str


def award_list_for_holder(*, user: AbstractBaseUser) -> QuerySet[Award]:
    """The user's badges: those awarded to any address the user has verified (learner rows linked on verification)."""
    if not user.is_authenticated:
        return Award.objects.none()
    return (
        Award.objects.filter(learner__user_id=user.pk, status__in=HOLDER_VISIBLE)
        .select_related("badge_class", "issuer", "learner")
        .order_by("-issued_on", "-id")
    )


def award_get_for_holder(*, user: AbstractBaseUser, public_id: str) -> Award | None:
    """One of the user's badges by its public id, or None when it is not theirs (or not issued)."""
    return award_list_for_holder(user=user).filter(public_id=public_id).first()


def award_holder_status(*, award: Award, now: datetime | None = None) -> HolderStatus:
    now = now or timezone.now()
    if award.status == AwardStatus.REVOKED:
        return HolderStatus("revoked", str(_("Revoked")))
    if award.expires_on is not None:
        if award.expires_on <= now:
            return HolderStatus("expired", str(_("Expired")))
        if award.expires_on - now < EXPIRING_SOON:
            return HolderStatus("expiring", str(_("Expiring soon")))
    return HolderStatus("issued", str(_("Issued")))


def award_status_counts(*, award_ids: list[int]) -> dict[str, int]:
    """How many of these awards are in each state (for an import's progress bar)."""
    from django.db.models import Count

    rows = Award.objects.filter(id__in=award_ids).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def awards_failed(*, award_ids: list[int]) -> list[dict]:
    """The failed awards among these, with what the institution needs to fix or retry them."""
    failed = with_recipient_name(
        Award.objects.filter(id__in=award_ids, status=AwardStatus.FAILED)
        .select_related("learner", "badge_class")
        .order_by("id")
    )
    return [
        {"email": a.learner.email, "name": a.recipient_name, "badge": a.badge_class.name, "reason": a.failure_reason}
        for a in failed
    ]
