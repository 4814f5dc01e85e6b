"""Who is calling the API: an institution's API key (``Authorization: Bearer <key>``, or ``Token <key>``).

A key acts for its one institution only, within its scope (courses/api/permissions.py). It is not a user: the
request's user is an :class:`ApiKeyPrincipal`, which belongs to no institution's staff and can sign in nowhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from badges.api.throttling import client_address
from issuers.api_keys import ApiKeyRefused, api_key_authenticate
from issuers.models import ApiKey

KEYWORDS = (b"bearer", b"token")
FAILURE_WINDOW_SECONDS = 60


def _failures_key(request) -> str:
    return f"laurel:api-key-failures:{client_address(request)}"


def _count_failure(name: str) -> None:
    cache.add(name, 0, FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, FAILURE_WINDOW_SECONDS)


class ApiKeyPrincipal:
    """request.user for a call made with an API key: authenticated, but no person, no staff and no superuser."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.issuer_id = key.issuer_id
        # Distinct per key for per-account throttles (badges.api.throttling), never a user's primary key.
        self.pk = self.id = f"api-key:{key.prefix}"

    def __str__(self) -> str:
        return f"API key {self.key.prefix}… of {self.key.issuer}"


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer lk_….…`` (or ``Token lk_….…``). No header: not this scheme (None). A bad key: 401."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        # Refused keys are counted per client address; past the limit every key from there waits, the right one
        # too — otherwise the limit would not stop anyone from trying keys (decision 0011).
        failures = _failures_key(request)
        if cache.get(failures, 0) >= getattr(settings, "API_KEY_FAILURES_PER_MINUTE", 20):
            raise exceptions.Throttled(
                FAILURE_WINDOW_SECONDS, detail="Too many refused API keys from your address; wait a minute."
            )
        try:
            if len(parts) != 2:
                raise ApiKeyRefused("Give one API key after the keyword: 'Authorization: Bearer <key>'.")
            try:
                secret = parts[1].decode("ascii")
            except UnicodeDecodeError:
                raise ApiKeyRefused("This is not an API key of this platform.") from None
            key = api_key_authenticate(secret=secret)
        except ApiKeyRefused as exc:
            _count_failure(failures)
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing or refused.
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ApiKeyAuthentication (found by drf-spectacular when this module loads)."""

    target_class = "courses.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "lk_<prefix>.<secret>",
            "description": (
                "An institution's API key, created by an owner in the admin (API keys) and shown once. "
                "Scope 'complete' may record completions; 'read' may not."
            ),
        }
