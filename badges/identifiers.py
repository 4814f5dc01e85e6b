"""Public identifiers of badge classes and awards under settings.PUBLIC_BASE_URL (opaque ids, never pks)."""

from django.core import signing

from issuers.identifiers import absolute

from .models import Award, BadgeClass


def badge_class_url(badge_class: BadgeClass) -> str:
    """The OB 2.0 BadgeClass id and OB 3.0 Achievement id; people get the badge's page."""
    return absolute(f"badges/{badge_class.public_id}")


def badge_class_image_url(badge_class: BadgeClass) -> str:
    return absolute(f"badges/{badge_class.public_id}/image")


def assertion_url(award: Award) -> str:
    """The hosted OB 2.0 assertion; people get the public badge page."""
    return absolute(f"assertions/{award.public_id}")


def award_download_url(award: Award, filename: str) -> str:
    return absolute(f"assertions/{award.public_id}/{filename}")


CLAIM_SALT = "laurel.badges.claim"


def claim_token(award: Award) -> str:
    """A signed token in the award e-mail: whoever holds it may see the badge while it is still private."""
    return signing.dumps(award.public_id, salt=CLAIM_SALT, compress=True)


def claim_token_valid(award: Award, token: str | None) -> bool:
    if not token:
        return False
    try:
        return signing.loads(token, salt=CLAIM_SALT) == award.public_id
    except signing.BadSignature:
        return False


def claim_url(award: Award) -> str:
    return f"{assertion_url(award)}?claim={claim_token(award)}"
