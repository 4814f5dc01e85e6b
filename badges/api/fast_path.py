"""GET /api/v1/awards/<id>/verify answered before Django from a remembered verdict (decision 0024).

Employers' systems check the same badges again and again. A remembered verdict costs two cache reads, but Django's
request cycle (middleware, URL resolving, DRF's negotiation, throttle and permission) costs several times that, as
for the public JSON documents (issuers.public_cache.PublicDocumentFastPath). This WSGI wrapper sends the remembered
answer itself, and only when Django would have sent the very same answer:

- a plain GET of the path, no query string, no cookie (a session means an account, with its own rate limit), no
  Authorization, no Accept-Language (the answer's language is then the default one), an Accept that DRF resolves to
  JSON ("", "*/*" or "application/json");
- the same verification rate limit as the API (VerifyThrottle, per client address): a client over its limit goes on
  to Django, which answers 429 with the usual body;
- the status line and headers Django sent for the last such request of the same host and scheme, learned from that
  response (CSP, HSTS behind TLS, Vary, Content-Language...): until Django has answered one with a 200 JSON answer
  and no cookie, nothing is served here. A host Django refuses (400) or redirects (https) is never learned.

Everything else, and every miss, goes to Django unchanged. The verification is counted as in the API.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from django.conf import settings

from badges.counters import award_verification_count_soon
from badges.verification.award import award_verdict_json_remembered

from .throttling import VerifyThrottle

_PATH = re.compile(r"^/api/v1/awards/(?P<public_id>[A-Za-z0-9_-]{1,32})/verify$")
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# Header sets learned per (host, scheme): bounded, since a wildcard ALLOWED_HOSTS lets a client choose the host.
_MAX_SHAPES = 32
_NOT_LEARNED = frozenset({"content-length", "set-cookie", "date", "server"})


def _eligible(environ) -> str | None:
    """The award's public id if Django would answer this request with the remembered JSON, else None."""
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return None
    if environ.get("HTTP_COOKIE") or environ.get("HTTP_AUTHORIZATION") or environ.get("HTTP_ACCEPT_LANGUAGE"):
        return None
    if environ.get("HTTP_ACCEPT", "").strip() not in _JSON_ACCEPTS:
        return None
    match = _PATH.match(environ.get("PATH_INFO", ""))
    return match["public_id"] if match else None


def _shape(environ) -> tuple[str, ...]:
    """What, besides the path, decides Django's status line and headers: host, scheme, the proxies' scheme."""
    return (
        environ.get("HTTP_HOST", ""),
        environ.get("SERVER_NAME", ""),
        environ.get("SERVER_PORT", ""),
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_X_FORWARDED_PROTO", ""),
        environ.get("HTTP_X_FORWARDED_HOST", ""),
    )


def _throttle_allows(environ) -> bool:
    """The API's verification limit for an anonymous client (the same cache key and count as the DRF view)."""
    return VerifyThrottle().allow_request(SimpleNamespace(META=environ, user=None), None)


class AwardVerdictFastPath:
    """WSGI wrapper: a remembered per-award verdict, sent without entering Django (see the module's docstring)."""

    def __init__(self, app) -> None:
        self.app = app
        self.learned: dict[tuple[str, ...], tuple[str, list[tuple[str, str]]]] = {}

    def __call__(self, environ, start_response):
        public_id = _eligible(environ)
        if public_id is None:
            return self.app(environ, start_response)
        shape = _shape(environ)
        learned = self.learned.get(shape)
        if learned is not None:
            body = award_verdict_json_remembered(public_id=public_id, language=settings.LANGUAGE_CODE)
            if body is not None and _throttle_allows(environ):
                award_verification_count_soon(public_id=public_id)
                status, headers = learned
                start_response(status, [*headers, ("Content-Length", str(len(body)))])
                return [body]
        return self.app(environ, self._learning(shape, start_response))

    def _learning(self, shape: tuple[str, ...], start_response):
        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            names = {name.lower(): value for name, value in headers}
            if (
                status.startswith("200 ")
                and "set-cookie" not in names
                and names.get("content-type", "").split(";")[0].strip() == "application/json"
                and (shape in self.learned or len(self.learned) < _MAX_SHAPES)
            ):
                self.learned[shape] = (status, [(n, v) for n, v in headers if n.lower() not in _NOT_LEARNED])
            return start_response(status, headers) if exc_info is None else start_response(status, headers, exc_info)

        return capture
