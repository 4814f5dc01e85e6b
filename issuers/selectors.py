"""Reads about institutions: which a user belongs to, with what role, and their keys."""

from django.db.models import QuerySet
from django.views.decorators.debug import sensitive_variables

from .keys import decrypt_private_key
from .models import Issuer, IssuerMembership, KeyAlgorithm, KeyState, SigningKey
from .permissions import Capability, role_allows


def issuer_ids_for_user(*, user, capability: Capability = Capability.VIEW) -> set[int] | None:
    """Ids of the issuers on which `user` has `capability`; None means every issuer (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    memberships = IssuerMembership.objects.filter(user=user).values_list("issuer_id", "role")
    return {issuer_id for issuer_id, role in memberships if role_allows(role, capability)}


def issuers_for_user(*, user, capability: Capability = Capability.VIEW) -> QuerySet[Issuer]:
    ids = issuer_ids_for_user(user=user, capability=capability)
    return Issuer.objects.all() if ids is None else Issuer.objects.filter(id__in=ids)


def user_can(*, user, issuer_id: int, capability: Capability) -> bool:
    ids = issuer_ids_for_user(user=user, capability=capability)
    return ids is None or issuer_id in ids


def signing_key_active(*, issuer: Issuer, algorithm: str) -> SigningKey:
    return SigningKey.objects.get(issuer=issuer, algorithm=algorithm, state=KeyState.ACTIVE)


def signing_keys_published(*, issuer: Issuer, algorithm: str | None = None) -> QuerySet[SigningKey]:
    """Keys whose public half is published: active and retired (so earlier badges verify), not revoked."""
    qs = SigningKey.objects.filter(issuer=issuer, state__in=[KeyState.ACTIVE, KeyState.RETIRED])
    if algorithm:
        qs = qs.filter(algorithm=algorithm)
    return qs.order_by("created_at")


@sensitive_variables()
def signing_key_private(*, key: SigningKey):
    """The decrypted private key, as a `cryptography` object. Callers keep it in memory only."""
    return decrypt_private_key(key.private_key_encrypted)


ALGORITHMS = tuple(KeyAlgorithm.values)
