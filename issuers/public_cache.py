"""A cache for public JSON documents (assertions, credentials, DID documents, lists) that changes invalidate.

Only final answers are cached (200 and 410); invalidation runs when the change commits, so a reader never caches
a state that was rolled back. Production uses a shared cache (CACHE_URL=redis://…) so every worker sees it.

The same invalidation drops a *stamp* per award and per issuer: a random token that caches of answers derived from
those documents (the award verdicts of badges/verification/award.py) store beside each answer and compare on every
read. A dropped stamp is made anew with another token, so no answer stored under the old one matches again.
"""

import re
import secrets
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .negotiation import if_none_match, public_cache_control, representation_etag

PREFIX = "laurel:public:"


def _ttl() -> int:
    return getattr(settings, "PUBLIC_DOCUMENT_CACHE_SECONDS", 300)


def award_key(public_id: str) -> str:
    return f"{PREFIX}award:{public_id}"


def issuer_key(public_id: str, document: str) -> str:
    return f"{PREFIX}issuer:{public_id}:{document}"


ISSUER_DOCUMENTS = ("profile", "did", "revocations", "status:revocation")
#: Everything dropped per issuer: its documents and the stamp of the answers derived from its keys and lists.
ISSUER_KEYS = (*ISSUER_DOCUMENTS, "stamp")


def award_stamp_key(public_id: str) -> str:
    return f"{PREFIX}award-stamp:{public_id}"


def issuer_stamp_key(public_id: str) -> str:
    return issuer_key(public_id, "stamp")


# Longer than any answer that carries a stamp; an evicted stamp only turns those answers into misses.
STAMP_SECONDS = 7 * 24 * 3600


def stamps(keys: Sequence[str]) -> list[str]:
    """The current stamp under each key, made (a fresh random token) where there is none.

    Read a stamp *before* reading the state an answer is derived from: a change that commits in between drops it,
    and the answer stored under the old token never matches again.
    """
    found = cache.get_many(list(keys))
    missing = [k for k in keys if k not in found]
    if missing:
        for key in missing:
            cache.add(key, secrets.token_hex(8), STAMP_SECONDS)  # add: a concurrent reader's token wins, not ours
        found.update(cache.get_many(missing))
    # A stamp evicted again at once reads as a token nobody stored: the answer is then simply not reused.
    return [found.get(k) or secrets.token_hex(8) for k in keys]


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


def invalidate_award_on_commit(*public_ids: str) -> None:
    """The awards' hosted documents and their stamps: after any change to what the awards say or whether they hold."""
    invalidate_on_commit(*(k for p in public_ids for k in (award_key(p), award_stamp_key(p))))


def invalidate_issuer_on_commit(issuer_public_id: str) -> None:
    """Everything published per issuer and its stamp: after key rotation or revocation, and when its lists change."""
    invalidate_on_commit(*(issuer_key(issuer_public_id, d) for d in ISSUER_KEYS))


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


def cache_kind(key: str) -> str:
    """The HTTP caching kind of the document under `key` (issuers.negotiation.public_cache_control): the same for
    Django and the fast path, so a CDN sees one policy whichever answered."""
    if key.startswith(f"{PREFIX}award:"):
        return "assertion"
    if key.endswith((":revocations", ":status:revocation")):
        return "list"
    return "document"


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
                    full_type = f"{content_type}; charset=utf-8"
                    etag = representation_etag(body, full_type)
                    shared = [
                        ("Cache-Control", public_cache_control(cache_kind(key))),
                        ("ETag", etag),
                        ("Access-Control-Allow-Origin", "*"),
                        ("Vary", "Accept"),
                        ("X-Content-Type-Options", "nosniff"),
                        ("Referrer-Policy", "same-origin"),
                    ]
                    if hit[0] == 200 and if_none_match(environ.get("HTTP_IF_NONE_MATCH"), etag):
                        start_response("304 Not Modified", shared)
                        return [b""]
                    start_response(
                        _STATUS_TEXT[hit[0]],
                        [("Content-Type", full_type), ("Content-Length", str(len(body))), *shared],
                    )
                    return [body]
        return self.app(environ, start_response)
