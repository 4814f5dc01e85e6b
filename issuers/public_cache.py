"""A cache for public JSON documents (assertions, credentials, DID documents, lists) that changes invalidate.

Only final answers are cached (200 and 410); invalidation runs when the change commits, so a reader never caches
a state that was rolled back. Production uses a shared cache (CACHE_URL=redis://…) so every worker sees it.
"""

import re
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


# -- serving cached documents before Django ---------------------------------------------------------------------

_PUBLIC_PATH = re.compile(
    r"^/(?:assertions/(?P<award>[A-Za-z0-9_-]{1,32})"
    r"|issuers/(?P<issuer>[A-Za-z0-9_-]{1,32})(?:/(?P<document>did\.json|revocations|status/revocation))?)$"
)
_DOCUMENT_KEYS = {
    None: "profile",
    "did.json": "did",
    "revocations": "revocations",
    "status/revocation": "status:revocation",
}
_STATUS_TEXT = {200: "200 OK", 410: "410 Gone"}


def key_for_path(path: str) -> str | None:
    match = _PUBLIC_PATH.match(path)
    if match is None:
        return None
    if match["award"]:
        return award_key(match["award"])
    return issuer_key(match["issuer"], _DOCUMENT_KEYS[match["document"]])


def _negotiated_type(accept: str) -> str | None:
    """JSON-LD unless the client asks only for plain JSON; None (let Django decide) for anything subtler."""
    if not accept or "application/ld+json" in accept or accept.strip() == "*/*":
        return "application/ld+json"
    if "application/json" in accept and "*/*" not in accept:
        return "application/json"
    return None


class PublicDocumentFastPath:
    """WSGI wrapper: answers a GET for a cached public JSON document without entering Django.

    Hosted verification and status checks hit these URLs for every badge check; under load Django's request cycle
    (middleware, URL resolving) costs several times the cache lookup. Only exact cache hits are served, with the
    bytes, status and content type Django stored; a browser (any Accept naming text/html), a query string, a miss
    or anything unusual goes on to Django unchanged.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET" and not environ.get("QUERY_STRING"):
            key = key_for_path(environ.get("PATH_INFO", ""))
            accept = environ.get("HTTP_ACCEPT", "")
            if key is not None and "text/html" not in accept:
                hit = cache.get(key)
                content_type = (hit[2] or _negotiated_type(accept)) if hit else None
                if hit is not None and content_type and hit[0] in _STATUS_TEXT:
                    body = hit[1]
                    start_response(
                        _STATUS_TEXT[hit[0]],
                        [
                            ("Content-Type", f"{content_type}; charset=utf-8"),
                            ("Content-Length", str(len(body))),
                            ("Access-Control-Allow-Origin", "*"),
                            ("Vary", "Accept"),
                            ("X-Content-Type-Options", "nosniff"),
                            ("Referrer-Policy", "same-origin"),
                        ],
                    )
                    return [body]
        return self.app(environ, start_response)
