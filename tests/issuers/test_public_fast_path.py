"""Cached public documents answered before Django: the same bytes, status and type as Django, and only those."""

import io
import sys

import pytest

from badges.issuing import award_issue
from badges.services import award_revoke
from config.wsgi import application
from courses.services import enrolment_complete
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def call(path: str, accept: str = "application/ld+json", query: str = "", method: str = "GET"):
    """Run the real WSGI application; report whether Django was entered."""
    reached = []
    app = application
    original = app.app

    def spy(environ, start_response):
        reached.append(True)
        return original(environ, start_response)

    app.app = spy
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
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    try:
        body = b"".join(app(environ, start_response))
    finally:
        app.app = original
    return captured["status"], captured["headers"], body, bool(reached)


@pytest.fixture
def award():
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=created.id)
    return created


def test_second_request_is_answered_from_the_cache_with_identical_bytes(award):
    path = f"/assertions/{award.public_id}"
    first = call(path)
    second = call(path)
    assert first[3] is True and second[3] is False  # Django filled the cache, then was not needed
    assert first[0] == second[0] == "200 OK"
    assert first[2] == second[2]
    assert second[1]["Content-Type"] == first[1]["Content-Type"] == "application/ld+json; charset=utf-8"
    plain = call(path, accept="application/json")
    assert plain[3] is False and plain[1]["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("suffix", ["/did.json", "/status/revocation", "/revocations", ""])
def test_issuer_documents(award, suffix):
    path = f"/issuers/{award.issuer.public_id}{suffix}"
    first, second = call(path), call(path)
    assert (first[0], first[2], first[1]["Content-Type"]) == (second[0], second[2], second[1]["Content-Type"])
    assert second[3] is False


def test_browsers_queries_and_other_methods_go_to_django(award):
    path = f"/assertions/{award.public_id}"
    call(path)
    assert call(path, accept="text/html,application/xhtml+xml")[3] is True
    assert call(path, query="claim=x")[3] is True
    assert call(path, method="HEAD")[3] is True
    assert call("/assertions/unknown-id")[3] is True  # a miss (404s are never cached)


def test_revocation_invalidates_and_the_410_is_then_cached(award):
    path = f"/assertions/{award.public_id}"
    call(path)
    award_revoke(actor=None, award=award, reason="Issued in error")
    after = call(path)
    assert after[0] == "410 Gone" and after[3] is True
    again = call(path)
    assert again[0] == "410 Gone" and again[3] is False and b"Issued in error" in again[2]
