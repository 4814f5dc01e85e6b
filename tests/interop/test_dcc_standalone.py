"""Credentials composed and signed by badges.openbadges are judged by the DCC verifier exactly as by our own.

No Django: a ``http.server`` thread on 127.0.0.1 publishes the issuer's DID document and signed status list (the
issuer's did:web points at it), and each case runs the independent Node.js verifier through ``dcc_client``. Our own
verifier (badges.openbadges.ob3.verify) resolves the same URLs over the same server and must reach the same verdict.
Skipped when Node.js/npm/the package are unavailable, unless LAUREL_REQUIRE_ALL=1.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.openbadges.ob3 import proof
from badges.openbadges.ob3 import verify as ours
from badges.openbadges.ob3.did import did_web_document_url
from tests.badges.openbadges.django_free import *  # noqa: F403
from tests.interop.dcc_client import DccUnavailable, dcc_step, ensure_dcc, run_dcc
from tests.interop.ob3_kit import IssuerKit, utc

pytestmark = pytest.mark.interop

VECTOR = Path(__file__).resolve().parents[1] / "badges" / "openbadges" / "vectors" / "ob3-eddsa-rdfc-2022"
VECTOR_SEED = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")


@pytest.fixture(scope="module")
def node() -> str:
    try:
        return ensure_dcc()
    except DccUnavailable as exc:
        if os.environ.get("LAUREL_REQUIRE_ALL") == "1":
            pytest.fail(f"Required in CI but unavailable: {exc}", pytrace=False)
        pytest.skip(str(exc))


class _Site:
    """What the issuer publishes, served live; tests change it between cases."""

    def __init__(self) -> None:
        self.routes: dict[str, Any] = {}
        self.hits: list[str] = []


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[_Site, int]]:
    site = _Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.hits.append(self.path)
            body = site.routes.get(self.path)
            if body is None:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site, httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def kit(server: tuple[_Site, int], node: str) -> IssuerKit:
    site, port = server
    issuer = IssuerKit(base_url=f"http://127.0.0.1:{port}", list_signed_at=datetime.now(UTC) - timedelta(days=1))
    publish(site, issuer)
    return issuer


def publish(site: _Site, kit: IssuerKit) -> None:
    site.routes = {
        kit.did_json_path: kit.did_document(),
        kit.status_list_url.split(str(kit.base_url), 1)[1]: kit.signed_status_list(),
    }


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test server only
        return json.loads(response.read())


def our_verdict(credential: dict[str, Any]) -> ours.VerificationResult:
    """Our verifier over the same live server (did:web is https; the test server speaks http)."""
    return ours.verify(
        credential=credential,
        resolve_did=lambda did: _get_json(did_web_document_url(did, scheme="http")),
        fetch_status_list=_get_json,
    )


def both(credential: dict[str, Any]) -> tuple[dict[str, Any], ours.VerificationResult]:
    report = run_dcc(credential)
    assert not report["refused"] or all("schema" in url for url in report["refused"]), report["refused"]
    return report, our_verdict(credential)


def test_fresh_credential_verifies(kit: IssuerKit) -> None:
    report, mine = both(kit.signed_credential(valid_from=datetime.now(UTC) - timedelta(hours=1)))
    assert report["verified"], report
    assert {s["id"] for s in report["steps"]} >= {"valid_signature", "expiration", "revocation_status"}
    assert any("did.json" in f["url"] and f["url"].startswith("https://") for f in report["fetched"])
    assert mine.verdict == "valid", mine.to_dict()


@pytest.mark.parametrize(
    "path",
    [("name",), ("credentialSubject", "achievement", "description"), ("issuer", "name"), ("validFrom",)],
)
def test_a_single_changed_field_fails(kit: IssuerKit, path: tuple[str, ...]) -> None:
    signed = copy.deepcopy(kit.signed_credential())
    node = signed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "2025-03-02T00:00:00Z" if path[-1] == "validFrom" else node[path[-1]] + " (edited)"
    report, mine = both(signed)
    assert not report["verified"]
    assert any(e["name"] == "invalid_signature" for e in report["errors"]), report
    assert mine.verdict == "invalid" and not mine.check("signature").ok


def test_revoked_credential(kit: IssuerKit, server: tuple[_Site, int]) -> None:
    signed = kit.signed_credential(index=90210)
    kit.revoke(90210)
    publish(server[0], kit)  # list re-signed with the bit set
    report, mine = both(signed)
    assert not report["verified"]
    assert dcc_step(report, "revocation_status")["valid"] is False, report
    assert dcc_step(report, "valid_signature")["valid"] is True
    assert mine.verdict == "invalid" and mine.check("status").message == "The issuer has revoked this credential."


def test_key_rotation_keeps_old_and_new_credentials_valid(kit: IssuerKit, server: tuple[_Site, int]) -> None:
    old = kit.signed_credential(index=1)
    kit.rotate()
    publish(server[0], kit)  # new key listed, old key still listed; list now signed by the new key
    new = kit.signed_credential(index=2)
    assert old["proof"]["verificationMethod"] != new["proof"]["verificationMethod"]
    for credential in (old, new):
        report, mine = both(credential)
        assert report["verified"], report
        assert mine.verdict == "valid", mine.to_dict()


def test_expired_credential(kit: IssuerKit) -> None:
    now = datetime.now(UTC)
    signed = kit.signed_credential(valid_from=now - timedelta(days=30), valid_until=now - timedelta(days=1))
    report, mine = both(signed)
    assert not report["verified"]
    assert dcc_step(report, "expiration")["valid"] is False, report
    assert dcc_step(report, "valid_signature")["valid"] is True
    assert mine.verdict == "invalid" and "expired" in mine.check("expiration").message


def test_jwt_form_is_checked_by_our_verifier_alongside(kit: IssuerKit) -> None:
    # verifier-core 1.0.0-beta.11 verifies only Data Integrity / LD proofs; the VC-JWT form is ours alone here.
    assert our_verdict(kit.jwt(kit.signed_credential())).verdict == "valid"


def test_the_1edtech_vector_credential(node: str, tmp_path: Path) -> None:
    credential = json.loads((VECTOR / "credential.json").read_text())
    config = json.loads((VECTOR / "proof-config.json").read_text())
    key = ed25519.Ed25519PrivateKey.from_private_bytes(VECTOR_SEED)
    signed = proof.sign_credential(
        credential=credential,
        private_key=key,
        verification_method=config["verificationMethod"],
        created=utc(2010, 1, 1, 19, 23, 24),
    )
    # The vector's issuer is https://example.edu/issuers/565049, not a DID: answer its key from a local file.
    issuer = credential["issuer"]["id"]
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "verificationMethod": [
            {
                "id": config["verificationMethod"],
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
            }
        ],
        "assertionMethod": [config["verificationMethod"]],
    }
    # An https verification method is dereferenced to the key node itself; its controller to the whole document.
    key_file, controller_file = tmp_path / "key.json", tmp_path / "issuer.json"
    key_file.write_text(json.dumps({"@context": controller["@context"][1], **controller["verificationMethod"][0]}))
    controller_file.write_text(json.dumps(controller))
    report = run_dcc(signed, url_map={issuer: controller_file, config["verificationMethod"]: key_file})
    mine = ours.verify(credential=signed, resolve_did={issuer: controller}.__getitem__, fetch_status_list=_get_json)
    assert mine.verdict == "valid", mine.to_dict()
    assert report["verified"], report
    assert {f["url"] for f in report["fetched"]} <= {issuer, config["verificationMethod"]}
