"""Abuse: text that cannot be encoded, and arbitrary input, never make /verify or POST /api/v1/verify answer 5xx.

A lone surrogate ("\\ud800") is valid in a JSON string escape and in a Python str, but not in UTF-8: before the fix a
foreign credential whose name held one made both the page and the API answer 500 while encoding the answer.
The property tests throw arbitrary JSON, text, bytes and uploads at both and require a 4xx or a verdict.
"""

import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.verification.fetching import fetch_cache

pytestmark = pytest.mark.django_db

LONE = "\ud800"

OB3 = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "id": "urn:uuid:5b1f9a52-0000-4000-8000-000000000002",
    "issuer": {"id": "did:web:issuer.example", "type": ["Profile"], "name": f"Evil {LONE} University"},
    "validFrom": "2024-01-01T00:00:00Z",
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"id": "x", "name": f"Badge {LONE}\udfff"}},
}
OB2 = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": f"urn:uuid:{LONE}",
    "recipient": {"type": "email", "hashed": False, "identity": f"a{LONE}@example.org"},
    "badge": {"type": "BadgeClass", "name": f"Badge {LONE}", "issuer": {"name": LONE}},
    "verification": {"type": "HostedBadge"},
    "issuedOn": "2024-01-01T00:00:00Z",
}


@pytest.fixture(autouse=True)
def _offline(settings):
    settings.VERIFY_THROTTLE_RATE = "1000000/minute"
    settings.VERIFY_FETCH_TIMEOUT = 0.5
    settings.VERIFY_TOTAL_TIMEOUT = 1.0
    cache.clear()
    fetch_cache().clear()


def _as_json_text(document: dict) -> str:
    return json.dumps(
        document
    )  # ensure_ascii: the lone surrogate travels as the escape \ud800, as an attacker sends it


@pytest.mark.parametrize("document", [OB3, OB2], ids=["ob3", "ob2"])
def test_lone_surrogate_in_a_foreign_credential_is_refused_without_a_500(client, document):
    """Attack: a credential whose issuer or badge name holds a lone surrogate, pasted on the page and the API."""
    text = _as_json_text(document)
    page = client.post("/verify", {"text": text})
    assert page.status_code < 500
    assert page.status_code in (200, 400)
    as_text = client.post("/api/v1/verify", json.dumps({"credential": text}), content_type="application/json")
    as_object = client.post(
        "/api/v1/verify", '{"credential": ' + text + "}", content_type="application/json"
    )  # the raw escape inside the JSON body itself
    for response in (as_text, as_object):
        assert response.status_code < 500, response.status_code
        body = json.loads(response.content)  # valid UTF-8 JSON
        assert "\ud800" not in json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass").decode(
            "utf-8", "replace"
        )


def test_lone_surrogate_in_api_fields_is_refused_without_a_500(client):
    """Attack: lone surrogates in the url and email fields of the API, echoed in error messages."""
    for body in (
        '{"url": "https://example.org/\\ud800"}',
        '{"url": "\\ud800"}',
        '{"credential": "\\ud800"}',
        '{"credential": {"\\ud800": "\\udfff"}}',
        '{"credential": "x", "email": "\\ud800@example.org"}',
        '{"\\ud800": 1}',
    ):
        response = client.post("/api/v1/verify", body, content_type="application/json")
        assert response.status_code < 500, (body, response.status_code)
        json.loads(response.content)


# --- property tests -------------------------------------------------------------------------------------------------

# Any code point, lone surrogates included (hypothesis leaves them out of st.text() unless asked).
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF) | st.characters(categories=["Cs"])
any_text = st.text(alphabet=any_char, max_size=200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(any_char, max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(any_char, max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _ob3_like(name, issuer, subject_id, extra):
    subject = {"type": ["AchievementSubject"], "id": subject_id, "achievement": {"id": "x", "name": name}}
    return {**OB3, "issuer": {"id": "did:web:issuer.example", "name": issuer}, "credentialSubject": subject, **extra}


def _ob2_like(name, issuer, identity, extra):
    badge = {"type": "BadgeClass", "name": name, "issuer": {"name": issuer}, "criteria": {"id": identity}}
    return {**OB2, "badge": badge, "recipient": {"type": "email", "identity": identity}, **extra}


# Documents that look like badges, with arbitrary text in the places the report shows.
extras = st.dictionaries(st.sampled_from(["id", "validFrom", "validUntil", "expires", "name", "proof"]), json_values)
badge_like = st.builds(_ob3_like, any_text, any_text, json_values, extras) | st.builds(
    _ob2_like, any_text, any_text, any_text, extras
)

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _no_5xx(response) -> None:
    assert response.status_code < 500, response.status_code


@PROPERTY
@given(body=st.one_of(json_values, badge_like, st.builds(lambda d: {"credential": d}, badge_like | json_values)))
def test_arbitrary_json_bodies_never_get_a_5xx(client, body):
    """Attack: any JSON value as the API body, and any JSON document as the credential."""
    raw = json.dumps(body)  # lone surrogates travel as escapes
    _no_5xx(client.post("/api/v1/verify", raw, content_type="application/json"))
    if isinstance(body, dict) and "credential" in body:
        _no_5xx(client.post("/verify", {"text": json.dumps(body["credential"])}))


@PROPERTY
@given(text=any_text, field=st.sampled_from(["url", "credential", "email"]))
def test_arbitrary_text_never_gets_a_5xx(client, text, field):
    """Attack: any text (control characters, lone surrogates) in each field of the API and the page."""
    body = {field: text} if field != "email" else {"credential": "x", "email": text}
    _no_5xx(client.post("/api/v1/verify", json.dumps(body), content_type="application/json"))
    page_field = "text" if field == "credential" else field
    safe = text.encode("utf-8", "surrogatepass")  # a browser sends bytes; Django decodes them
    _no_5xx(client.post("/verify", {page_field: safe}))
    _no_5xx(client.get("/verify", {"url": safe}))


@PROPERTY
@given(
    data=st.binary(max_size=400) | any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    name=st.sampled_from(["badge.png", "badge.svg", "badge.json", "x", "\u202ebadge.png"]),
    content_type=st.sampled_from(
        ["application/octet-stream", "image/png", "image/svg+xml", "application/json", "text/plain"]
    ),
)
def test_arbitrary_bytes_and_uploads_never_get_a_5xx(client, data, name, content_type):
    """Attack: any bytes as a raw body, and as an uploaded badge image, on the API and the page."""
    for kind in ("application/json", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"):
        _no_5xx(client.generic("POST", "/api/v1/verify", data, content_type=kind))
    _no_5xx(client.generic("POST", "/verify", data, content_type="application/x-www-form-urlencoded"))
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    _no_5xx(client.post("/api/v1/verify", {"file": upload}))
    upload.seek(0)
    _no_5xx(client.post("/verify", {"file": upload}))
