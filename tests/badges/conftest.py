"""Fixtures for badge tests: verification unthrottled with short timeouts, and empty caches around each test."""

import pytest
from django.core.cache import cache

from badges.verification.fetching import fetch_cache


@pytest.fixture(autouse=True)
def _verification_settings(settings):
    settings.VERIFY_THROTTLE_RATE = "100000/minute"
    settings.VERIFY_FETCH_TIMEOUT = 2.0
    settings.VERIFY_TOTAL_TIMEOUT = 4.0
    cache.clear()
    fetch_cache().clear()
    yield
    cache.clear()
    fetch_cache().clear()
