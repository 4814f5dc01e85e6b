"""GET /api/v1/awards/<id>/verify answered before Django (badges/api/fast_path.py): only a remembered verdict, only
when Django would send the very same bytes, status and headers, within the same rate limit, and never after the
award or its issuer changed."""

from __future__ import annotations

import io
import json
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges import counters
from badges.services import award_revoke
from config.wsgi import application
from tests.badges.verification.issued import issue

# Real commits: the WSGI handler closes the request's database connection at the end, as in production, and the
# revocation's invalidation runs on commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_fast_path(settings):
    """Each test learns its headers anew; counts are batched as in production and written by the test."""
    settings.VERIFY_COUNT_FLUSH_SECONDS = 60
    counters.verification_counts_flush()
    counters._pending = counters._Pending()
    fast_path = application.app
    fast_path.learned.clear()
    yield
    fast_path.learned.clear()
    counters.verification_counts_flush()


def call(path: str, *, accept: str = "application/json", query: str = "", method: str = "GET", **extra: str):
    """Run the real WSGI application; report whether Django itself was entered."""
    fast_path = application.app
    django_app = fast_path.app
    reached = []

    def spy(environ, start_response):
        reached.append(True)
        return django_app(environ, start_response)

    fast_path.app = spy
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_ACCEPT": accept,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "192.0.2.10",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **extra,
    }
    try:
        body = b"".join(application(environ, start_response))
    finally:
        fast_path.app = django_app
    return captured["status"], captured["headers"], body, bool(reached)


@pytest.fixture
def award():
    return issue()


def path_of(award) -> str:
    return f"/api/v1/awards/{award.public_id}/verify"


def test_a_remembered_verdict_is_sent_before_django_exactly_as_django_sends_it(award):
    status, headers, body, reached = call(path_of(award))
    assert status == "200 OK" and reached and json.loads(body)["verdict"] == "valid"
    with CaptureQueriesContext(connection) as queries:
        fast_status, fast_headers, fast_body, fast_reached = call(path_of(award))
    assert not fast_reached
    assert queries.captured_queries == []
    assert (fast_status, fast_body) == (status, body)
    assert fast_headers == headers  # CSP, Vary, Cache-Control, Content-Language, nosniff... and the length
    assert counters.verification_counts_flush() == 1  # the second call; the first was written at once
    award.refresh_from_db()
    assert award.verification_count == 2


def test_after_a_revocation_the_fast_path_stops_and_django_says_invalid(award):
    call(path_of(award))
    assert call(path_of(award))[3] is False
    award_revoke(actor=None, award=award, reason="Withdrawn")  # commits: the stamps are dropped
    status, _headers, body, reached = call(path_of(award))
    assert reached and json.loads(body)["verdict"] == "invalid"
    status, _headers, body, reached = call(path_of(award))
    assert not reached and json.loads(body)["verdict"] == "invalid"


@pytest.mark.parametrize(
    "variant",
    [
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_AUTHORIZATION": "Bearer something"},
        {"HTTP_ACCEPT_LANGUAGE": "fr"},
        {"query": "format=json"},
        {"accept": "text/html"},
        {"accept": "application/json; indent=4"},
        {"method": "HEAD"},
    ],
    ids=["cookie", "authorization", "language", "query", "html", "indent", "head"],
)
def test_anything_else_goes_to_django(award, variant):
    call(path_of(award))
    call(path_of(award))  # remembered and learned
    assert call(path_of(award), **variant)[3] is True


def test_the_rate_limit_holds_before_django(award, settings):
    settings.VERIFY_THROTTLE_RATE = "3/minute"
    answers = [call(path_of(award)) for _ in range(4)]
    assert [a[0][:3] for a in answers] == ["200", "200", "200", "429"]
    assert [a[3] for a in answers] == [True, False, False, True]  # the refusal is Django's, with its usual body
    assert json.loads(answers[3][2])["error"] == "throttled"


def test_a_host_django_refuses_is_never_answered_here(award):
    call(path_of(award))
    assert call(path_of(award))[3] is False
    for _ in range(2):
        status, _headers, _body, reached = call(path_of(award), HTTP_HOST="evil.example")
        assert status.startswith("400") and reached


def test_an_unknown_award_goes_to_django(award):
    call(path_of(award))
    status, _headers, _body, reached = call("/api/v1/awards/doesnotexist/verify")
    assert status.startswith("404") and reached
