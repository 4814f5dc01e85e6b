"""Fetching for verification: our own public documents in-process, everything else by the safe fetcher.

Documents of this platform are read locally (badges.resolvers, and an in-process dispatch of our own public URLs,
so a worker never waits on itself over HTTP); everything else goes through badges/openbadges/fetch.py under the
VERIFY_* settings, all fetches of one verification within one deadline.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import Resolver404, resolve

from badges.openbadges import fetch as safe
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3.did import DidError, did_web_document_url
from badges.resolvers import NotLocal, fetch_local_status_list, resolve_local_did

_cache_lock = threading.Lock()
_fetch_cache: safe.TTLCache | None = None


def fetch_cache() -> safe.TTLCache:
    """The process-wide cache of fetched foreign documents (VERIFY_FETCH_CACHE_SECONDS)."""
    global _fetch_cache
    ttl = float(settings.VERIFY_FETCH_CACHE_SECONDS)
    with _cache_lock:
        if _fetch_cache is None or _fetch_cache.ttl != ttl:
            _fetch_cache = safe.TTLCache(ttl=ttl, max_entries=512)
        return _fetch_cache


def _policy(*, timeout: float, max_bytes: int | None = None) -> safe.FetchPolicy:
    return safe.FetchPolicy(
        timeout=timeout,
        max_bytes=max_bytes or settings.VERIFY_FETCH_MAX_BYTES,
        max_redirects=settings.VERIFY_FETCH_MAX_REDIRECTS,
        allow_private=settings.VERIFY_ALLOW_PRIVATE_NETWORKS,
    )


def _local_path(url: str) -> str | None:
    """The path of ``url`` on this platform, or None if it is not one of our public URLs."""
    if not settings.VERIFY_RESOLVE_LOCALLY:
        return None
    base = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
    if not url.startswith(base) or "#" in url:
        return None
    prefix = urlsplit(base).path
    return "/" + url[len(base) :].split("?", 1)[0] if prefix in ("", "/") else urlsplit(url).path


def _local_fetch(url: str, accept: str) -> safe.FetchResponse | None:
    """Answer one of our own public URLs in-process, exactly as its view would over HTTP."""
    path = _local_path(url)
    if path is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return safe.FetchResponse(url=url, status=404, headers={}, body=b"")
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {
        "REQUEST_METHOD": "GET",
        "HTTP_ACCEPT": accept,
        "SERVER_NAME": urlsplit(url).hostname or "localhost",
        "SERVER_PORT": str(urlsplit(url).port or 80),
        "wsgi.input": io.BytesIO(b""),
    }
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except Http404:
        return safe.FetchResponse(url=url, status=404, headers={}, body=b"")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    headers = {k.lower(): v for k, v in response.items()}
    return safe.FetchResponse(url=url, status=response.status_code, headers=headers, body=body)


class Fetcher:
    """All fetches of one verification share one deadline (VERIFY_TOTAL_TIMEOUT), so nothing hangs past it."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + float(settings.VERIFY_TOTAL_TIMEOUT)

    def get(
        self,
        url: str,
        *,
        accept: str = "application/ld+json, application/json;q=0.9",
        max_bytes: int | None = None,
    ) -> safe.FetchResponse:
        """GET ``url`` within the verification's deadline; ``max_bytes`` overrides VERIFY_FETCH_MAX_BYTES."""
        local = _local_fetch(url, accept)
        if local is not None:
            return local
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise safe.FetchError("The verification ran out of time before it could fetch " + url, reason="timeout")
        timeout = min(float(settings.VERIFY_FETCH_TIMEOUT), remaining)
        policy = _policy(timeout=timeout, max_bytes=max_bytes)
        return safe.fetch(url, policy=policy, cache=fetch_cache(), accept=accept)

    def json_object(self, url: str) -> dict[str, Any]:
        response = self.get(url)
        if response.status != 200:
            raise safe.FetchError(f"{url} answered HTTP {response.status}.", reason="http_status")
        document = response.json()
        if not isinstance(document, Mapping):
            raise safe.FetchError(f"{url} did not answer with a JSON object.", reason="not_json")
        return dict(document)

    # The shapes the plain verifiers expect:

    def ob2_document(self, url: str) -> ob2.Fetched:
        response = self.get(url)
        try:
            document = response.json() if response.body else None
        except safe.FetchError:
            document = None
        return ob2.Fetched(status=response.status, document=document)

    def resolve_did(self, did: str) -> dict[str, Any]:
        if settings.VERIFY_RESOLVE_LOCALLY:
            try:
                return resolve_local_did(did)
            except NotLocal:
                pass
        if not did.startswith("did:web:"):
            raise safe.FetchError(f"Only did:web issuers can be resolved, not {did.split(':')[:2]}.", reason="url")
        try:
            url = did_web_document_url(did, scheme=_did_web_scheme(did))
        except DidError as exc:
            raise safe.FetchError(str(exc), reason="url") from exc
        return self.json_object(url)

    def fetch_status_list(self, url: str) -> dict[str, Any]:
        """A Bitstring status list credential, or a 1EdTech revocation list: either is a JSON object at a URL."""
        if settings.VERIFY_RESOLVE_LOCALLY:
            try:
                return fetch_local_status_list(url)
            except NotLocal:
                pass
        return self.json_object(url)


def _did_web_scheme(did: str) -> str:
    """did:web resolves over https; tests that allow private networks reach their plain-http live server."""
    if not settings.VERIFY_ALLOW_PRIVATE_NETWORKS:
        return "https"
    host = did.split(":")[2].split("%3A")[0].split("%3a")[0]
    return "http" if host in ("localhost", "127.0.0.1", "[::1]") else "https"
