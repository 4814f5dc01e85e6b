"""A corpus of bad input (over 80 items) sent to both the verification page and the API: each gets a clear 4xx
with a message, or a "not valid" verdict with the reason — never a 500, never a hang past the timeout."""

import base64
import json
import socket
import threading
import time
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.badges.openbadges.hostile_images import corpus

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Bad:
    name: str
    field: str  # "file", "text" or "url"
    value: bytes | str

    def __repr__(self) -> str:
        return self.name


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


OB2_ASSERTION = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "urn:uuid:5b1f9a52-0000-4000-8000-000000000001",
    "recipient": {"type": "email", "hashed": False, "identity": "a@example.org"},
    "badge": "https://example.org/badge",
    "verification": {"type": "SignedBadge", "creator": "https://example.org/key"},
    "issuedOn": "2024-01-01T00:00:00Z",
}
OB3_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "id": "urn:uuid:5b1f9a52-0000-4000-8000-000000000002",
    "issuer": {"id": "did:web:127.0.0.1", "type": ["Profile"], "name": "Nobody"},
    "validFrom": "2024-01-01T00:00:00Z",
    "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"id": "x", "name": "x"}},
}

TEXTS = {
    "empty-text": "",
    "whitespace-only": "   \n\t ",
    "invalid-json": "{",
    "truncated-json": '{"type": "Assertion", "id": ',
    "json-array": "[1, 2, 3]",
    "json-string-number": "42",
    "json-wrong-shape": '{"hello": "world"}',
    "json-badge-class-not-assertion": '{"type": "BadgeClass", "name": "x"}',
    "json-assertion-without-fields": '{"type": "Assertion"}',
    "json-ob3-without-fields": json.dumps(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    ),
    "json-ob3-unsigned": json.dumps(OB3_CREDENTIAL),
    "json-deeply-nested": "[" * 100_000 + "]" * 100_000,
    "json-signed-assertion-without-jws": json.dumps(OB2_ASSERTION),
    "jwt-alg-none-ob2": f"{_b64({'alg': 'none'})}.{_b64(OB2_ASSERTION)}.",
    "jwt-alg-none-ob3": f"{_b64({'alg': 'none', 'kid': 'did:web:127.0.0.1#k'})}.{_b64(OB3_CREDENTIAL)}.",
    "jwt-hs256-ob3": f"{_b64({'alg': 'HS256', 'kid': 'did:web:127.0.0.1#k'})}.{_b64(OB3_CREDENTIAL)}.c2ln",
    "jwt-rs256-garbage-signature-ob2": f"{_b64({'alg': 'RS256'})}.{_b64(OB2_ASSERTION)}.AAAA",
    "jwt-not-json-parts": "abc.def.ghi",
    "jwt-payload-not-a-badge": f"{_b64({'alg': 'RS256'})}.{_b64({'sub': 'x'})}.AAAA",
    "plain-words": "is this badge real?",
    "control-characters": "\x00\x01\x02\x7f",
    "urn-uuid": "urn:uuid:5b1f9a52-0000-4000-8000-000000000001",
    "javascript-url-as-text": "javascript:alert(1)",
    "file-url-as-text": "file:///etc/passwd",
}
URLS = {
    "file-url": "file:///etc/passwd",
    "gopher-url": "gopher://127.0.0.1:70/_GET%20/",
    "ftp-url": "ftp://example.org/badge.json",
    "data-url": "data:application/json,{}",
    "javascript-url": "javascript:alert(1)",
    "loopback": "http://127.0.0.1:1/assertion",
    "localhost": "http://localhost/assertion",
    "private-10": "http://10.0.0.1/assertion",
    "private-192": "https://192.168.1.1/assertion",
    "cloud-metadata": "http://169.254.169.254/latest/meta-data/",
    "ipv6-loopback": "http://[::1]/assertion",
    "ipv6-link-local": "http://[fe80::1]/assertion",
    "ipv4-mapped-loopback": "http://[::ffff:127.0.0.1]/assertion",
    "unspecified": "http://0.0.0.0/assertion",
    "decimal-loopback": "http://2130706433/assertion",
    "multicast": "http://224.0.0.1/assertion",
    "cgnat": "http://100.64.0.1/assertion",
    "no-host": "http:///assertion",
    "credentials-in-url": "http://user:secret@example.org/assertion",
    "overlong-url": "https://example.org/" + "a" * 3000,
}


def cases() -> list[Bad]:
    items = [Bad(f"image:{c.name}", "file", c.data) for c in corpus() if c.png != "none" or c.svg != "none"]
    items += [Bad(f"image:{c.name}", "file", c.data) for c in corpus() if c.png == "none" and c.svg == "none"]
    items += [Bad("file:empty", "file", b""), Bad("file:truncated-json", "file", b'{"type": "Assert')]
    items += [Bad("file:binary-noise", "file", bytes(range(256)) * 4)]
    items += [Bad(f"text:{name}", "text", value) for name, value in TEXTS.items()]
    items += [Bad(f"url:{name}", "url", value) for name, value in URLS.items()]
    return items


CASES = cases()
assert len(CASES) >= 50


def post_page(client, case: Bad):
    if case.field == "file":
        return client.post("/verify", {"file": SimpleUploadedFile("upload.png", case.value)})
    return client.post("/verify", {case.field: case.value})


def post_api(client, case: Bad):
    if case.field == "file":
        return client.post("/api/v1/verify", {"file": SimpleUploadedFile("upload.png", case.value)})
    key = "credential" if case.field == "text" else "url"
    return client.post("/api/v1/verify", {key: case.value}, content_type="application/json")


def assert_page_explains(response):
    body = response.content.decode()
    if response.status_code == 200:
        # "Could not check" when what it names cannot be fetched (offline here: example.org does not resolve)
        assert ("Not valid" in body or "Could not check" in body) and "✗" in body, body[:2000]
    else:
        assert 400 <= response.status_code < 500
        assert 'class="error-summary"' in body and "<li>" in body.split('class="error-summary"', 1)[1]


def assert_api_explains(response):
    data = response.json()
    if response.status_code == 200:
        assert data["verdict"] == "invalid" and data["reasons"], data
    else:
        assert 400 <= response.status_code < 500
        assert data["error"] and data["detail"], data


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_page_explains_bad_input(client, case):
    assert_page_explains(post_page(client, case))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_api_explains_bad_input(client, case):
    assert_api_explains(post_api(client, case))


def test_fifty_megabyte_upload_gets_413(client):
    big = SimpleUploadedFile("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (50 * 1024 * 1024))
    page = client.post("/verify", {"file": big})
    assert page.status_code == 413 and "limit" in page.content.decode()
    big.seek(0)
    api = client.post("/api/v1/verify", {"file": big})
    assert api.status_code == 413 and "limit" in api.json()["detail"]


def test_fifty_megabyte_bodies_get_413(client):
    text = "x" * (50 * 1024 * 1024)
    page = client.post("/verify", {"text": text})
    assert page.status_code == 413 and "too large" in page.content.decode()
    api = client.post("/api/v1/verify", json.dumps({"credential": text}), content_type="application/json")
    assert api.status_code == 413 and api.json()["error"] == "too_large"


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/assertion"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_a_server_that_never_answers_does_not_hang_the_verifier(client, settings, silent_server):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True  # the silent server is on loopback
    settings.VERIFY_FETCH_TIMEOUT = 1.0
    started = time.monotonic()
    page = client.post("/verify", {"url": silent_server})
    api = client.post("/api/v1/verify", {"url": silent_server}, content_type="application/json")
    assert time.monotonic() - started < 4.0
    assert page.status_code == 200 and "took too long" in page.content.decode()
    assert api.json()["verdict"] == "invalid" and "took too long" in api.json()["reasons"][0]


def test_private_addresses_are_refused_with_the_reason(client):
    data = client.post("/api/v1/verify", {"url": URLS["cloud-metadata"]}, content_type="application/json").json()
    assert data["verdict"] == "invalid" and "169.254.169.254" in data["reasons"][0] and "private" in data["reasons"][0]
