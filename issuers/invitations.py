"""Invitation tokens: the signed, expiring string in the e-mailed link, and what it says about its invitation.

The token names the invitation's public id and is signed with SECRET_KEY under a salt of its own (so no other
signed value of the platform passes for one). The row stays the authority: it records expiry, cancellation and the
single use; the signature's age is a second, independent bound.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.utils import timezone

from .models import Invitation

SALT = "laurel.issuers.invitation"


def invitation_max_age() -> timedelta:
    return timedelta(days=getattr(settings, "INVITATION_EXPIRE_DAYS", 7))


class InvitationState(StrEnum):
    PENDING = "pending"
    INVALID = "invalid"  # not a token of ours, or for no invitation
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    USED = "used"


@dataclass(frozen=True)
class TokenReading:
    state: InvitationState
    invitation: Invitation | None = None


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=SALT).sign(invitation.public_id)


def invitation_state(invitation: Invitation, *, now=None) -> InvitationState:
    now = now or timezone.now()
    if invitation.accepted_at is not None:
        return InvitationState.USED
    if invitation.cancelled_at is not None:
        return InvitationState.CANCELLED
    if invitation.expires_at <= now:
        return InvitationState.EXPIRED
    return InvitationState.PENDING


def invitation_read_token(token: str, *, for_update: bool = False) -> TokenReading:
    """What a link's token stands for. Never raises: a bad token is INVALID, an old one EXPIRED."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        public_id = signer.unsign(token, max_age=invitation_max_age())
    except signing.SignatureExpired:
        try:
            public_id = signer.unsign(token)
        except signing.BadSignature:
            return TokenReading(InvitationState.INVALID)
        invitation = Invitation.objects.filter(public_id=public_id).select_related("issuer").first()
        return TokenReading(InvitationState.EXPIRED if invitation else InvitationState.INVALID, invitation)
    except (signing.BadSignature, ValueError, UnicodeError):
        return TokenReading(InvitationState.INVALID)
    queryset = Invitation.objects.select_related("issuer")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(public_id=public_id).first()
    if invitation is None:
        return TokenReading(InvitationState.INVALID)
    return TokenReading(invitation_state(invitation), invitation)
