"""A cache for public JSON documents (assertions, credentials, DID documents, lists) that changes invalidate.

Only final answers are cached (200 and 410); invalidation runs when the change commits, so a reader never caches
a state that was rolled back. Production uses a shared cache (CACHE_URL=redis://…) so every worker sees it.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

PREFIX = "laurel:public:"


def _ttl() -> int:
    return getattr(settings, "PUBLIC_DOCUMENT_CACHE_SECONDS", 300)


def award_key(public_id: str) -> str:
    return f"{PREFIX}award:{public_id}"


def issuer_key(public_id: str, document: str) -> str:
    return f"{PREFIX}issuer:{public_id}:{document}"


ISSUER_DOCUMENTS = ("profile", "did", "revocations", "status:revocation")


def cached(key: str, build: Callable[[], tuple[int, bytes, str] | None]) -> tuple[int, bytes, str] | None:
    """The (status, body, content type) under `key`, built and stored on a miss; None (uncacheable) is not kept."""
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = build()
    if value is not None and value[0] in (200, 410):
        cache.set(key, value, _ttl())
    return value


def invalidate_on_commit(*keys: str) -> None:
    transaction.on_commit(lambda: cache.delete_many(list(keys)))


def invalidate_issuer_on_commit(issuer_public_id: str) -> None:
    """Everything published per issuer: after key rotation or revocation, and when its lists change."""
    invalidate_on_commit(*(issuer_key(issuer_public_id, d) for d in ISSUER_DOCUMENTS))
