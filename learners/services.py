"""Writes about learners."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from badges.openbadges.hashing import normalize_email

from .models import Learner


def learner_get_or_create(*, email: str, name: str) -> Learner:
    """The learner for this address (normalised), created if new. A blank name never overwrites a known one."""
    email = normalize_email(email)
    validate_email(email)
    name = name.strip()
    if not name:
        raise ValidationError("A learner needs a name.")
    learner, created = Learner.objects.get_or_create(email=email, defaults={"name": name[:200]})
    return learner
