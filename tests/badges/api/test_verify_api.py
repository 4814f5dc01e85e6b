"""The verification API: per-award endpoint, JSON objects as input, throttling, the schema and its docs page."""

import json

import pytest

from badges.services import award_revoke
from tests.badges.verification.issued import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def award():
    return issue()


def test_per_award_verification(client, award):
    response = client.get(f"/api/v1/awards/{award.public_id}/verify")
    assert response.status_code == 200
    data = response.json()
    assert data["verdict"] == "valid", data["reasons"]
    assert [(r["generation"], r["form"]) for r in data["results"]] == [("ob3", "data_integrity"), ("ob2", "signed")]
    assert data["results"][0]["badge"]["name"] == award.badge_class.name
    names = {c["name"] for c in data["results"][0]["checks"]}
    assert {"issuer", "signature", "issuer_key", "status", "expiration", "badge_class"} <= names


def test_per_award_recipient_check_by_post_only(client, award):
    url = f"/api/v1/awards/{award.public_id}/verify"
    right = client.post(url, {"email": "ada@example.org"}, content_type="application/json").json()
    assert right["verdict"] == "valid"
    wrong = client.post(url, {"email": "eve@example.org"}, content_type="application/json")
    assert wrong.json()["verdict"] == "invalid" and wrong["Cache-Control"] == "no-store"
    assert client.post(url, {"email": "not an address"}, content_type="application/json").status_code == 400


def test_per_award_revoked_and_unknown(client, award):
    award_revoke(actor=None, award=award, reason="Issued in error")
    data = client.get(f"/api/v1/awards/{award.public_id}/verify").json()
    assert data["verdict"] == "invalid" and any("revoked" in r for r in data["reasons"])
    missing = client.get("/api/v1/awards/nope/verify")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_credential_as_a_json_object_and_recipient(client, award):
    body = {"credential": award.ob3_credential, "email": "ada@example.org"}
    data = client.post("/api/v1/verify", body, content_type="application/json").json()
    assert data["verdict"] == "valid" and data["results"][0]["generation"] == "ob3"
    recipient = [c for c in data["results"][0]["checks"] if c["name"] == "recipient"]
    assert recipient and recipient[0]["ok"]


def test_exactly_one_input(client, award):
    both = client.post(
        "/api/v1/verify", {"url": "https://example.org/a", "credential": award.ob2_jws}, content_type="application/json"
    )
    assert both.status_code == 400 and both.json()["error"] == "invalid_input"
    bad_type = client.post("/api/v1/verify", "x", content_type="text/plain")
    assert bad_type.status_code == 415
    bad_json = client.post("/api/v1/verify", "{", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()["error"] == "parse_error"


def test_anonymous_callers_are_throttled_on_the_api_and_the_page(client, settings, award):
    settings.VERIFY_THROTTLE_RATE = "3/minute"
    url = f"/api/v1/awards/{award.public_id}/verify"
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = client.get(url)
    assert throttled.json()["error"] == "throttled" and "Retry-After" in throttled
    page = client.post("/verify", {"text": award.ob2_jws})
    assert page.status_code == 429 and "Too many verifications" in page.content.decode()


def test_schema_and_docs_page_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/verify" in paths and "/api/v1/awards/{public_id}/verify" in paths
    docs = client.get("/api/v1/docs").content.decode()
    assert "swagger" in docs.lower() and "cdn." not in docs and "unpkg" not in docs and "jsdelivr" not in docs
