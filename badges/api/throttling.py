"""Anonymous throttling of the verification endpoints (page and API share the rate VERIFY_THROTTLE_RATE)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class VerifyAnonThrottle(AnonRateThrottle):
    """Per client address, for anonymous callers only; the rate is read at each request so tests can change it."""

    scope = "verify"

    def get_rate(self) -> str:
        return settings.VERIFY_THROTTLE_RATE
