"""Content negotiation for public objects: JSON-LD for machines, HTML for people (one URL per object)."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

JSONLD = "application/ld+json"
MACHINE_TYPES = [JSONLD, "application/json", "application/vc+ld+json"]


def wants_html(request: HttpRequest) -> bool:
    """True only when the client prefers HTML; validators sending */* or nothing get JSON-LD."""
    if not request.headers.get("Accept"):
        return False
    preferred = request.get_preferred_type([JSONLD, "application/json", "text/html"])
    return preferred == "text/html"


def json_response(
    document: Any, *, request: HttpRequest | None = None, status: int = 200, content_type: str | None = None
) -> HttpResponse:
    """Serve `document` as JSON-LD, or as plain JSON to a client that accepts only that."""
    return body_response(json_body(document), request=request, status=status, content_type=content_type)


def json_body(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def body_response(
    body: bytes, *, request: HttpRequest | None = None, status: int = 200, content_type: str | None = None
) -> HttpResponse:
    """Serve an already-serialised JSON document (e.g. from the public cache), negotiating the media type."""
    if content_type is None:
        accept = request.headers.get("Accept") if request is not None else None
        prefers_plain = accept and request.get_preferred_type([JSONLD, "application/json"]) == "application/json"
        content_type = "application/json" if prefers_plain else JSONLD
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public documents: any verifier may read them
    response["Vary"] = "Accept"
    return response
