"""Rate limits of the public verification (page and API) and of the completions API, and the client address rule.

Every limiter counts the real client: :func:`client_address` trusts X-Forwarded-For only as far as the
TRUSTED_PROXY_COUNT proxies in front of the platform (the same count is given to DRF as NUM_PROXIES and to allauth
as ALLAUTH_TRUSTED_PROXY_COUNT in config/settings.py). Rates are read from settings at each request so tests can
lower them.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as the trusted proxies saw it.

    With TRUSTED_PROXY_COUNT = 0 (the default, no proxy) only REMOTE_ADDR counts: X-Forwarded-For is whatever the
    client wrote. With N trusted proxies, each appends the address it saw, so the Nth entry from the right was written
    by our outermost proxy and everything left of it by the client. Fewer entries than proxies (a request that
    skipped the outer ones) gives the leftmost, as DRF's NUM_PROXIES does.
    """
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if count <= 0 or not forwarded:
        return remote
    entries = forwarded.split(",")
    return entries[-min(count, len(entries))].strip() or remote


class _SettingsRateThrottle(SimpleRateThrottle):
    """A DRF throttle whose rate is the named setting, read at each request (tests change it)."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_ident(self, request) -> str:
        return client_address(request)


class VerifyThrottle(_SettingsRateThrottle):
    """Verifications (VERIFY_THROTTLE_RATE): per signed-in account, else per client address.

    An account keeps one count whichever address it comes from; anonymous visitors share their address's count.
    """

    scope = "verify"
    rate_setting = "VERIFY_THROTTLE_RATE"

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user:{user.pk}"}
        return self.cache_format % {"scope": self.scope, "ident": f"addr:{self.get_ident(request)}"}


def _credential_identity(auth) -> str | None:
    """A stable, non-secret name for the credential that authenticated a request (an API key, a token), if any.

    The key's prefix or primary key is hashed: a DRF token's primary key *is* the secret, and cache keys can end up
    in monitoring.
    """
    if auth is None or isinstance(auth, str | bytes):
        return None
    for attribute in ("pk", "prefix", "id"):
        value = getattr(auth, attribute, None)
        if value not in (None, ""):
            digest = hashlib.sha256(f"{type(auth).__name__}:{attribute}:{value}".encode()).hexdigest()[:24]
            return f"cred:{digest}"
    return None


class CompletionsThrottle(_SettingsRateThrottle):
    """Completions API (COMPLETIONS_THROTTLE_RATE): per credential (API key or token), else per account."""

    scope = "completions"
    rate_setting = "COMPLETIONS_THROTTLE_RATE"

    def get_cache_key(self, request, view) -> str:
        ident = _credential_identity(getattr(request, "auth", None))
        if ident is None:
            user = getattr(request, "user", None)
            ident = (
                f"user:{user.pk}" if user is not None and user.is_authenticated else f"addr:{self.get_ident(request)}"
            )
        return self.cache_format % {"scope": self.scope, "ident": ident}
