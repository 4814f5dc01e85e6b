"""The LCW stand-in (``lcw/client.mjs``) walks both wallet routes exactly as the Learner Credential Wallet's source
does, against a bare HTTP stub that checks each presentation with :func:`verify_did_auth`: what arrives, where, with
which headers and body shape. The Django exchange endpoints are tested with the same client elsewhere; this pins
the client itself, so a failure there is the server's."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest

from badges.openbadges.wallets.presentation import PresentationError, verify_did_auth
from tests.conftest import skip_or_fail
from tests.interop.lcw_client import LcwUnavailable, ensure_lcw, lcw_interaction, lcw_request

pytestmark = pytest.mark.interop

CHALLENGE = "c7b3b6d2-8f0e-4a51-b8f1-0d5c1e2a9f44"
DOMAIN = "https://badges.example.edu"


class Stub(BaseHTTPRequestHandler):
    """One interaction URL, one VC-API exchange and one credential-request endpoint; every request is recorded."""

    seen: list[dict[str, Any]]
    base: str

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.seen.append({"method": "GET", "path": self.path, "accept": self.headers.get("Accept")})
        if self.path.startswith("/interaction?") and self.headers.get("Accept") == "application/json":
            return self._answer(200, {"protocols": {"vcapi": f"{self.base}/exchange/1"}})
        return self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append({"method": "POST", "path": self.path, "type": self.headers.get("Content-Type"), "body": body})
        if self.path.startswith("/exchange/") and body == {}:
            return self._answer(200, {"verifiablePresentationRequest": self._request()})
        try:
            if self.path.startswith("/exchange/"):
                did = verify_did_auth(body["verifiablePresentation"], challenge=CHALLENGE, domain=DOMAIN)
            elif self.path == "/request":
                did = verify_did_auth(body, challenge=CHALLENGE, domain=None)
            else:
                return self._answer(404, {"error": "not found"})
        except PresentationError as exc:
            return self._answer(400, {"error": str(exc)})
        credential = {"type": ["VerifiableCredential"], "credentialSubject": {"id": did}}
        return self._answer(200, {"verifiablePresentation": {"verifiableCredential": [credential]}})

    def _request(self) -> dict[str, Any]:
        return {
            "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
            "challenge": CHALLENGE,
            "domain": DOMAIN,
            "interact": {
                "service": [
                    {"type": "UnmediatedHttpPresentationService2021", "serviceEndpoint": f"{self.base}/exchange/2"}
                ]
            },
        }


@pytest.fixture(scope="module")
def lcw() -> None:
    try:
        ensure_lcw()
    except LcwUnavailable as exc:
        skip_or_fail(str(exc))


@pytest.fixture
def stub(lcw) -> Iterator[type[Stub]]:
    handler = type("Handler", (Stub,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_interaction_route_posts_the_vp_back_to_the_vcapi_url(stub):
    code, out = lcw_interaction(f"{stub.base}/interaction?iuv=1")
    assert code == 0, out
    assert out["response"]["verifiablePresentation"]["verifiableCredential"][0]["credentialSubject"]["id"] == out["did"]
    get, start, answer = stub.seen
    assert get == {"method": "GET", "path": "/interaction?iuv=1", "accept": "application/json"}
    assert (start["path"], start["type"], start["body"]) == ("/exchange/1", "application/json", {})
    # The LCW never reads interact.service: it answers at the exchange URL it started (app/lib/exchanges.ts).
    assert answer["path"] == "/exchange/1" and set(answer["body"]) == {"verifiablePresentation"}
    proof = answer["body"]["verifiablePresentation"]["proof"]
    assert (proof["type"], proof["challenge"], proof["domain"]) == ("Ed25519Signature2020", CHALLENGE, DOMAIN)
    assert [s["status"] for s in out["steps"]] == [200, 200, 200]


def test_interaction_route_can_follow_interact_service(stub):
    code, out = lcw_interaction(f"interaction:{stub.base}/interaction?iuv=1", interact=True)
    assert code == 0, out
    assert [s["path"] for s in stub.seen] == ["/interaction?iuv=1", "/exchange/1", "/exchange/2"]


def test_request_route_posts_the_bare_vp_without_domain(stub):
    link = (
        f"https://lcw.app/request?issuer={quote(stub.base, safe='')}&vc_request_url={quote(stub.base + '/request')}"
        f"&challenge={CHALLENGE}&auth_type=bearer"
    )
    code, out = lcw_request(link, seed="11" * 32)
    assert code == 0, out
    (post,) = stub.seen
    assert (post["path"], post["type"]) == ("/request", "application/json")
    vp = post["body"]  # the presentation itself, not wrapped (app/lib/credentialRequest.ts)
    assert vp["type"] == ["VerifiablePresentation"] and vp["holder"] == out["did"]
    assert vp["proof"]["challenge"] == CHALLENGE and "domain" not in vp["proof"]
    assert out["response"]["verifiablePresentation"]["verifiableCredential"][0]["credentialSubject"]["id"] == out["did"]


def test_a_refusal_is_reported_with_the_servers_answer(stub):
    link = (
        f"dccrequest://request?issuer=x&vc_request_url={quote(stub.base + '/request')}&challenge=wrong&auth_type=bearer"
    )
    code, out = lcw_request(link)
    assert code == 1
    assert out["status"] == 400 and "challenge does not match" in out["response"]["error"]


def test_links_the_lcw_would_refuse_are_refused(stub):
    code, out = lcw_request(f"https://lcw.app/request?issuer=x&vc_request_url={quote(stub.base + '/request')}")
    assert (code, out) == (2, {"error": 'Unsupported auth_type value: "code".'})
    code, out = lcw_request("https://lcw.app/request?issuer=x")
    assert code == 2 and "vc_request_url" in out["error"]
    assert stub.seen == []
