"""Every status method a verifier meets, through POST /api/v1/verify.

- 1EdTech Revocation List (VCRL 1.0): a foreign OB 3.0 issuer on a real HTTP server (its did:web DID document and
  its revocation list), fetched by the safe fetcher as any verifier would: not listed, revoked with the reason,
  and the list not answering (a warning, as for a Bitstring list).
- Expired and revoked at once, for badges issued here in every form: both reasons are reported, the expiry with
  its date.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from badges.services import award_revoke
from badges.verification.fetching import fetch_cache
from tests.badges.verification.issued import download, issue
from tests.interop.ob3_kit import IssuerKit, utc

pytestmark = pytest.mark.django_db

OVER_HTTP = {
    "VERIFY_RESOLVE_LOCALLY": False,
    "VERIFY_ALLOW_PRIVATE_NETWORKS": True,
    "VERIFY_THROTTLE_RATE": "100000/minute",
}


class Site:
    """A foreign issuer's web site: path -> (status, JSON document), served on 127.0.0.1 by a real HTTP server."""

    def __init__(self):
        self.documents: dict[str, tuple[int, object]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                status, document = site.documents.get(self.path, (404, {"error": "not found"}))
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    served = Site()
    yield served
    served.close()


@pytest.fixture
def foreign(site):
    """An OB 3.0 issuer at ``site`` whose credentials name its 1EdTech revocation list; the list starts empty."""
    kit = IssuerKit(base_url=site.base_url)
    site.documents[kit.did_json_path] = (200, kit.did_document())
    list_url = f"{site.base_url}/issuers/{kit.slug}/revocations"
    site.documents[f"/issuers/{kit.slug}/revocations"] = (
        200,
        {"id": list_url, "issuer": kit.did, "revokedCredentials": []},
    )
    unsigned = kit.credential(valid_until=utc(2099, 1, 1))
    unsigned["credentialStatus"] = {"id": list_url, "type": "1EdTechRevocationList"}
    signed = kit.sign(unsigned)
    return kit, signed, f"/issuers/{kit.slug}/revocations"


def _verify(client, credential) -> dict:
    fetch_cache().clear()  # each answer from what the site serves now
    with override_settings(**OVER_HTTP):
        response = client.post("/api/v1/verify", {"credential": credential}, content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def _status(api: dict) -> dict:
    return next(c for r in api["results"] for c in r["checks"] if c["name"] == "status")


def test_1edtech_revocation_list_through_the_api(client, site, foreign):
    kit, signed, list_path = foreign
    forms = {"json": signed, "jwt": kit.jwt(signed)}
    for form, credential in forms.items():
        api = _verify(client, credential)
        assert api["verdict"] == "valid", (form, api["reasons"], api["warnings"])
        assert _status(api)["message"] == "The issuer has not revoked this credential."

    site.documents[list_path][1]["revokedCredentials"].append(
        {"id": signed["id"], "revoked": True, "revocationReason": "Awarded by mistake"}
    )
    for form, credential in forms.items():
        api = _verify(client, credential)
        assert api["verdict"] == "invalid", form
        assert _status(api) == {
            "name": "status",
            "ok": False,
            "message": "The issuer has revoked this credential (it is in their revocation list). "
            "Reason given: Awarded by mistake",
            "severity": "error",
        }

    site.documents[list_path] = (503, {"error": "down for maintenance"})
    for form, credential in forms.items():
        api = _verify(client, credential)
        assert api["verdict"] == "valid_with_warnings", form
        status = _status(api)
        assert status["severity"] == "warning" and "could not be fetched" in status["message"]
        assert status["message"] in api["warnings"]


def test_an_unreachable_1edtech_list_answers_as_an_unreachable_bitstring_list(client, site, foreign):
    kit, signed, list_path = foreign
    del site.documents[list_path]
    revocation_list = _status(_verify(client, signed))
    bitstring = kit.signed_credential(valid_until=utc(2099, 1, 1))  # its Bitstring list is not served either
    bitstring_status = _status(_verify(client, bitstring))
    assert revocation_list["severity"] == bitstring_status["severity"] == "warning"
    assert not revocation_list["ok"] and not bitstring_status["ok"]
    for status in (revocation_list, bitstring_status):
        assert status["message"].startswith("The revocation list could not be fetched from http://localhost:")


@pytest.fixture
def expired_and_revoked(client):
    award = issue(expired=True, email="late@example.org")
    image = download(client, award, "badge.png")
    award_revoke(actor=None, award=award, reason="Issued in error")
    award.refresh_from_db()
    return award, image


def _failed(api: dict) -> dict[str, str]:
    return {f"{r['generation']}:{c['name']}": c["message"] for r in api["results"] for c in r["checks"] if not c["ok"]}


def test_expired_and_revoked_both_reported_in_every_form(client, expired_and_revoked):
    award, image = expired_and_revoked
    expires = award.ob2_assertion["expires"]
    valid_until = award.ob3_credential["validUntil"]
    inputs = {
        "ob2 signed": ({"credential": award.ob2_jws}, "ob2"),
        "ob3 json": ({"credential": award.ob3_credential}, "ob3"),
        "ob3 jwt": ({"credential": award.ob3_jwt}, "ob3"),
    }
    with override_settings(VERIFY_THROTTLE_RATE="100000/minute"):
        for name, (body, generation) in inputs.items():
            api = client.post("/api/v1/verify", body, content_type="application/json").json()
            failed = _failed(api)
            assert api["verdict"] == "invalid", name
            assert "revoked" in failed[f"{generation}:status"], (name, failed)
            assert failed[f"{generation}:expiration"].endswith(
                f"expired on {expires if generation == 'ob2' else valid_until}."
            )
            assert set(api["reasons"]) >= {failed[f"{generation}:status"], failed[f"{generation}:expiration"]}
        # The baked image carries both generations: each reports both reasons.
        api = client.post("/api/v1/verify", {"file": SimpleUploadedFile("badge.png", image)}).json()
        failed = _failed(api)
        for generation in ("ob2", "ob3"):
            assert "revoked" in failed[f"{generation}:status"] and "expired on" in failed[f"{generation}:expiration"]
