"""Content negotiation for public objects: JSON-LD for machines, HTML for people (one URL per object); and their
HTTP caching: a strong ETag per representation, a Cache-Control per kind of document, 304 to a matching
If-None-Match (decision 0026)."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags

JSONLD = "application/ld+json"
MACHINE_TYPES = [JSONLD, "application/json", "application/vc+ld+json"]


def wants_html(request: HttpRequest) -> bool:
    """True only when the client prefers HTML; validators sending */* or nothing get JSON-LD."""
    if not request.headers.get("Accept"):
        return False
    preferred = request.get_preferred_type([JSONLD, "application/json", "text/html"])
    return preferred == "text/html"


def json_response(
    document: Any,
    *,
    request: HttpRequest | None = None,
    status: int = 200,
    content_type: str | None = None,
    cache: str | None = None,
) -> HttpResponse:
    """Serve `document` as JSON-LD, or as plain JSON to a client that accepts only that."""
    return body_response(json_body(document), request=request, status=status, content_type=content_type, cache=cache)


def json_body(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def body_response(
    body: bytes,
    *,
    request: HttpRequest | None = None,
    status: int = 200,
    content_type: str | None = None,
    cache: str | None = None,
) -> HttpResponse:
    """Serve an already-serialised JSON document (e.g. from the public cache), negotiating the media type. `cache`
    names the kind of public document ("list", "assertion", "document": public_cache_control) for its HTTP caching;
    None leaves caching to the caller."""
    if content_type is None:
        accept = request.headers.get("Accept") if request is not None else None
        prefers_plain = accept and request.get_preferred_type([JSONLD, "application/json"]) == "application/json"
        content_type = "application/json" if prefers_plain else JSONLD
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public documents: any verifier may read them
    response["Vary"] = "Accept"
    if cache is None:
        return response
    etag = representation_etag(body, response["Content-Type"])
    return exact_vary(cacheable(request, response, etag=etag, cache_control=public_cache_control(cache)), "Accept")


# -- HTTP caching ---------------------------------------------------------------------------------------------------

# Browsers and wallets may keep these for ever: the bytes under the URL never change (a versioned or per-bake name).
IMMUTABLE = "max-age=31536000, immutable"


def public_cache_control(kind: str) -> str:
    """Cache-Control of a public JSON document, which a CDN may keep: lists briefly (a revocation must reach
    verifiers within a minute), hosted assertions as briefly (revocation, and the learner's choice of what a stranger
    sees, decision 0010), profiles, DID documents, keys and badge classes for minutes."""
    seconds = {
        "list": settings.HTTP_CACHE_LIST_SECONDS,
        "assertion": settings.HTTP_CACHE_ASSERTION_SECONDS,
        "document": settings.HTTP_CACHE_DOCUMENT_SECONDS,
    }[kind]
    return f"public, max-age={seconds}"


def representation_etag(body: bytes, content_type: str) -> str:
    """A strong ETag for these bytes served as this type: JSON-LD and plain JSON of one URL differ (RFC 9110 8.8.3)."""
    digest = hashlib.sha256(content_type.encode("latin-1", "replace") + b"\n" + body).hexdigest()
    return f'"{digest[:32]}"'


def name_etag(name: str) -> str:
    """A strong ETag for a stored file whose name is never reused for other bytes (badges.storage.baked_name,
    uploaded artwork): answering a revalidation then needs no read of the store."""
    return f'"{hashlib.sha256(name.encode()).hexdigest()[:32]}"'


def if_none_match(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header value matches `etag` (weak comparison, as RFC 9110 13.1.2 says)."""
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


# Headers a 304 repeats (RFC 9110 15.4.5), with the CORS header a cross-origin verifier needs to read it.
_NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Expires", "Vary", "Content-Location", "Access-Control-Allow-Origin")


def not_modified(response_headers) -> HttpResponseNotModified:
    answer = HttpResponseNotModified()
    for name in _NOT_MODIFIED_HEADERS:
        if name in response_headers:
            answer[name] = response_headers[name]
    return answer


def cacheable(request: HttpRequest | None, response: HttpResponse, *, etag: str, cache_control: str) -> HttpResponse:
    """Give `response` its ETag and Cache-Control; answer 304 instead when the request already holds these bytes.
    Only successful answers are revalidated (a 410 is served whole, as Django's own conditional handling does)."""
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if (
        request is not None
        and request.method in ("GET", "HEAD")
        and 200 <= response.status_code < 300
        and if_none_match(request.headers.get("If-None-Match"), etag)
    ):
        return not_modified(response)
    return response


def exact_vary(response: HttpResponse, vary: str) -> HttpResponse:
    """Mark a public response whose bytes depend on `vary` alone ("" for nothing): ExactVaryMiddleware then drops
    the Cookie and Accept-Language that middleware add to every response, which would split a CDN's cache per
    visitor and language for documents that differ by neither."""
    response.exact_vary = vary
    return response


class ExactVaryMiddleware:
    """Outermost middleware: applies exact_vary after every other middleware has patched Vary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        vary = getattr(response, "exact_vary", None)
        if vary is not None:
            if vary:
                response["Vary"] = vary
            elif "Vary" in response:
                del response["Vary"]
        return response
