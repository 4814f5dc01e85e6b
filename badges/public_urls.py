"""Public identifiers of badge classes and awards under settings.PUBLIC_BASE_URL (opaque ids, never pks)."""

from datetime import timedelta
from enum import Enum

from django.core import signing

from issuers.public_urls import absolute

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
# How long the link in an award e-mail works (docs/decisions/0013): long enough for a learner back from holidays,
# short enough that an old forwarded or leaked e-mail stops showing a private badge. The token carries its signing
# time (django.core.signing), so links sent before this limit existed expire too. The expiry reminder e-mail
# carries a fresh link.
CLAIM_LINK_MAX_AGE = timedelta(days=90)


class ClaimToken(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"  # absent, forged, or for another award


def claim_token(award: Award) -> str:
    """A signed, dated token in the award e-mail: whoever holds it may see the badge while nobody has claimed it."""
    return signing.dumps(award.public_id, salt=CLAIM_SALT, compress=True)


def claim_token_check(award: Award, token: str | None) -> ClaimToken:
    if not token:
        return ClaimToken.INVALID
    try:
        if signing.loads(token, salt=CLAIM_SALT) != award.public_id:  # the signature, whatever its age
            return ClaimToken.INVALID
        signing.loads(token, salt=CLAIM_SALT, max_age=CLAIM_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return ClaimToken.EXPIRED
    except signing.BadSignature:
        return ClaimToken.INVALID
    return ClaimToken.VALID


def claim_token_valid(award: Award, token: str | None) -> bool:
    return claim_token_check(award, token) is ClaimToken.VALID


def claim_url(award: Award) -> str:
    return f"{assertion_url(award)}?claim={claim_token(award)}"


def wallet_add_url(award: Award) -> str:
    """The award e-mail's "Add to a wallet" link (badges/wallets): the claim token lets its opener make an offer."""
    return absolute(f"wallet/add/{award.public_id}?claim={claim_token(award)}")
