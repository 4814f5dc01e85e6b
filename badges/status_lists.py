"""Each issuer's Bitstring Status List: set a bit and re-sign the list credential in the caller's transaction.

https://www.w3.org/TR/vc-bitstring-status-list/ — indexes are drawn at random when an award is created
(badges.services), so a list reveals nothing about who was revoked.

A list is created and signed only by issuing (status_list_ensure, when a batch is published) and by revoking
(status_list_set); key rotation re-signs the lists that exist. Reading one (the public URL, the verifier) never
creates or signs anything: a list that does not exist is not found.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from badges.openbadges.ob3 import compose as ob3
from badges.openbadges.ob3 import status_list as bits
from badges.openbadges.ob3.proof import sign_credential
from issuers.models import Issuer, KeyAlgorithm
from issuers.public_cache import invalidate_issuer_on_commit
from issuers.public_urls import issuer_did, key_verification_method, status_list_url
from issuers.selectors import signing_key_active, signing_key_private

from .models import StatusList

# The spec's minimum size; awards draw random indexes in it, so a list reveals nothing of who was revoked.
LIST_ENTRIES = bits.MIN_ENTRIES


@sensitive_variables()
def _sign(status_list: StatusList) -> dict[str, Any]:
    issuer = status_list.issuer
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    now = timezone.now()
    unsigned = ob3.status_list_credential(
        list_url=status_list_url(issuer, status_list.purpose),
        issuer_id=issuer_did(issuer),
        encoded_list=bits.encode_list(bytes(status_list.bits)),
        valid_from=now,
        purpose=status_list.purpose,
    )
    return sign_credential(
        credential=unsigned,
        private_key=signing_key_private(key=key),
        verification_method=key_verification_method(key),
        created=now,
    )


def _locked(issuer: Issuer, purpose: str) -> StatusList:
    status_list, _created = StatusList.objects.select_for_update().get_or_create(
        issuer=issuer, purpose=purpose, defaults={"bits": bytes(bits.new_bitstring(entries=LIST_ENTRIES))}
    )
    return status_list


@transaction.atomic
def status_list_set(*, issuer: Issuer, index: int, value: bool, purpose: str = "revocation") -> StatusList:
    """Set (or clear) one entry and re-sign the list. Call inside the transaction that records the change."""
    return status_list_set_many(issuer=issuer, indexes=[index], value=value, purpose=purpose)


def status_list_set_many(*, issuer: Issuer, indexes: list[int], value: bool, purpose: str = "revocation") -> StatusList:
    """Set (or clear) several entries and re-sign the list once (a bulk revocation). Call inside the transaction
    that records the change."""
    status_list = _locked(issuer, purpose)
    bitstring = bytearray(status_list.bits)
    for index in indexes:
        bits.set_bit(bitstring, index, value)
    status_list.bits = bytes(bitstring)
    status_list.credential = _sign(status_list)
    status_list.save(update_fields=["bits", "credential", "updated_at"])
    invalidate_issuer_on_commit(issuer.public_id)
    return status_list


@transaction.atomic
def status_list_resign(*, issuer: Issuer, purpose: str = "revocation") -> StatusList:
    """Sign the list again, e.g. after key rotation or revocation of a compromised key."""
    status_list = _locked(issuer, purpose)
    status_list.credential = _sign(status_list)
    status_list.save(update_fields=["credential", "updated_at"])
    invalidate_issuer_on_commit(issuer.public_id)
    return status_list


def status_list_ensure(*, issuer: Issuer, purpose: str = "revocation") -> None:
    """Create and sign the issuer's list if it has none (all zeros). Called when awards are published, so every
    credential's status entry names a list that exists; one cheap query when it already does."""
    if not StatusList.objects.filter(issuer=issuer, purpose=purpose, credential__isnull=False).exists():
        status_list_resign(issuer=issuer, purpose=purpose)


def status_list_credential(*, issuer: Issuer, purpose: str = "revocation") -> dict[str, Any] | None:
    """The signed status list credential, or None if the issuer has none (read-only: anyone may ask)."""
    existing = StatusList.objects.filter(issuer=issuer, purpose=purpose).only("credential").first()
    return existing.credential if existing is not None and existing.credential else None
