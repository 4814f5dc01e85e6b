"""Abuse: rate limits count the real client (not what X-Forwarded-For claims), signed-in users and API credentials.

Rates are lowered per test through settings (VERIFY_THROTTLE_RATE, COMPLETIONS_THROTTLE_RATE); the client address
comes from TRUSTED_PROXY_COUNT (0: REMOTE_ADDR only; N: the Nth address from the right of X-Forwarded-For).
"""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from badges.api.throttling import client_address
from issuers.models import Role
from tests.factories import CourseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/awards/no-such-award/verify"  # 404 after the throttle: cheap, and counted like any verification


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _page(client, **headers):
    return client.post("/verify", {"text": "{}"}, **headers)  # a valid form that holds no badge: 400, counted


def test_spoofed_forwarded_for_does_not_reset_the_anonymous_limit_is_refused(client, settings):
    """Attack: send a fresh X-Forwarded-For with every request so each one looks like a new client."""
    settings.VERIFY_THROTTLE_RATE = "3/minute"
    api = [client.get(API, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(5)]
    assert api[:3] == [404, 404, 404] and api[3:] == [429, 429]
    page = _page(client, HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert page.status_code == 429 and "Too many verifications" in page.content.decode()


def test_spoofed_address_left_of_the_trusted_proxy_is_refused(client, settings):
    """Attack: behind one trusted proxy, prepend invented addresses; only the proxy's entry may count."""
    settings.VERIFY_THROTTLE_RATE = "2/minute"
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [
        client.get(API, HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 192.0.2.10", REMOTE_ADDR="127.0.0.1").status_code
        for i in range(3)
    ]
    assert statuses == [404, 404, 429]
    # Another real client behind the same proxy has its own count.
    other = client.get(API, HTTP_X_FORWARDED_FOR="192.0.2.11", REMOTE_ADDR="127.0.0.1")
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (0, None, "127.0.0.9"),
        (0, "1.2.3.4", "127.0.0.9"),
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "1.2.3.4"),  # fewer entries than proxies: the leftmost, as DRF does
        (1, None, "127.0.0.9"),
    ],
)
def test_one_client_address_for_every_limiter(settings, count, xff, expected):
    """The address rule, and that DRF's own throttles (NUM_PROXIES) and allauth's limits agree with it."""
    settings.TRUSTED_PROXY_COUNT = count
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": count}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    extra = {"REMOTE_ADDR": "127.0.0.9"} | ({"HTTP_X_FORWARDED_FOR": xff} if xff else {})
    request = RequestFactory().get("/", **extra)
    assert client_address(request) == expected
    assert SimpleRateThrottle.get_ident(SimpleNamespace(), request) == expected
    from allauth.account.adapter import get_adapter

    assert get_adapter(request).get_client_ip(request) == expected


def test_short_forwarded_for_on_the_sign_in_page_is_not_a_500(client, settings):
    """Attack: behind two trusted proxies, skip the outer one so X-Forwarded-For has one entry; allauth's own reading
    raised ImproperlyConfigured (500) on every rate-limited form."""
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    response = client.post(
        "/accounts/login/", {"login": "a@example.org", "password": "wrong-password"}, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert response.status_code == 200 and "password" in response.content.decode().lower()


def test_trusted_proxy_count_configures_drf_and_allauth_alike():
    """TRUSTED_PROXY_COUNT from the environment sets DRF's NUM_PROXIES and allauth's ALLAUTH_TRUSTED_PROXY_COUNT."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.ALLAUTH_TRUSTED_PROXY_COUNT]))"
    )
    for value, expected in ((None, [0, 0, 0]), ("2", [2, 2, 2])):
        env = {k: v for k, v in os.environ.items() if k != "TRUSTED_PROXY_COUNT"}
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        if value is not None:
            env["TRUSTED_PROXY_COUNT"] = value
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert json.loads(out.stdout.strip().splitlines()[-1]) == expected


def test_signed_in_user_is_not_exempt_from_the_verification_limit_is_refused(client, settings):
    """Attack: sign in (any learner account) and verify without limit, on the API and on the page."""
    settings.VERIFY_THROTTLE_RATE = "3/minute"
    client.force_login(UserFactory(is_staff=False))
    statuses = [client.get(API).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert _page(client).status_code == 429


def test_signed_in_user_limit_follows_the_account_not_the_address(client, settings):
    """Attack: one account verifying from many addresses still has one count."""
    settings.VERIFY_THROTTLE_RATE = "2/minute"
    client.force_login(UserFactory(is_staff=False))
    statuses = [client.get(API, REMOTE_ADDR=f"192.0.2.{i}").status_code for i in range(3)]
    assert statuses == [404, 404, 429]


def _completion(client, course):
    body = {"course": course.public_id, "email": "ann@example.org", "name": "Ann"}
    return client.post("/api/v1/completions", body, format="json")


def test_completions_api_floods_are_refused_per_credential(settings):
    """Attack: a leaked or buggy API credential posts completions without limit; past the rate it gets 429."""
    settings.COMPLETIONS_THROTTLE_RATE = "3/minute"
    course = CourseFactory()
    user = MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user
    first_key, second_key = SimpleNamespace(pk=101, prefix="k1"), SimpleNamespace(pk=102, prefix="k2")
    client = APIClient()
    client.force_authenticate(user=user, token=first_key)
    statuses = [_completion(client, course).status_code for _ in range(4)]
    assert statuses[:3] == [201, 200, 200] and statuses[3] == 429, statuses
    assert "Retry-After" in _completion(client, course)
    # Another credential (another integration) has its own count; so does the user without a credential object.
    client.force_authenticate(user=user, token=second_key)
    assert _completion(client, course).status_code == 200
    client.force_authenticate(user=user)
    assert _completion(client, course).status_code == 200


def test_completions_api_limit_holds_per_real_api_key(settings):
    """The same limit through the API's real authentication: each institution API key has its own count."""
    from issuers.api_keys import api_key_create
    from issuers.models import ApiKeyScope

    settings.COMPLETIONS_THROTTLE_RATE = "2/minute"
    course = CourseFactory()
    owner = MembershipFactory(issuer=course.issuer, role=Role.OWNER).user
    secrets = [
        api_key_create(actor=owner, issuer=course.issuer, name=f"Sync {i}", scope=ApiKeyScope.COMPLETE).secret
        for i in range(2)
    ]
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_AUTHORIZATION=f"Bearer {secrets[0]}")
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {secrets[1]}")
    statuses = [_completion(first, course).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429, statuses
    assert _completion(second, course).status_code in (200, 201)


def test_completions_api_limit_holds_for_a_signed_in_session(settings):
    """Without a credential object (session sign-in), the account is counted."""
    settings.COMPLETIONS_THROTTLE_RATE = "2/minute"
    course = CourseFactory()
    user = MembershipFactory(issuer=course.issuer, role=Role.AWARDER).user
    client = APIClient()
    client.force_login(user)
    statuses = [_completion(client, course).status_code for _ in range(3)]
    assert statuses[2] == 429, statuses
