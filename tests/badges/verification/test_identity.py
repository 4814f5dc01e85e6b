"""Who the issuer is: its website's domain linkage (a live foreign server publishing did.json, a status list and
/.well-known/did-configuration.json; and an issuer of ours whose website is that server) and trust registries."""

import json
import os
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.core.cache import cache

from badges.openbadges.keys import ed25519_to_multikey
from badges.openbadges.ob3 import domain_linkage as dl
from badges.verification import registries
from badges.verification.award import verify_award_report
from badges.verification.fetching import fetch_cache
from badges.verification.services import verify_input
from issuers.models import Issuer
from issuers.services import issuer_did_configuration_create
from tests.badges.verification.issued import issue
from tests.interop.ob3_kit import IssuerKit, utc

pytestmark = pytest.mark.django_db

ROUTES: dict[str, bytes | None] = {}


class Website(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        body = ROUTES.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def origin():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Website)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True
    settings.VERIFY_THROTTLE_RATE = "100000/minute"
    settings.VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS = 3600
    settings.VERIFY_TRUST_REGISTRIES = []
    ROUTES.clear()
    Website.hits.clear()
    fetch_cache().clear()
    cache.clear()
    yield
    fetch_cache().clear()
    cache.clear()


@pytest.fixture
def kit(origin):
    kit = IssuerKit(base_url=origin, slug="foreign-college")
    ROUTES[kit.did_json_path] = json.dumps(kit.did_document()).encode()
    ROUTES[f"/issuers/{kit.slug}/status/1"] = json.dumps(kit.signed_status_list()).encode()
    return kit


def _publish(*linked_dids):
    ROUTES[dl.WELL_KNOWN_PATH] = json.dumps(dl.did_configuration(linked_dids=list(linked_dids))).encode()


def _linkage(kit, origin, *, key=None, did=None, issued=None, expires=None, kid=None):
    key = key or kit.ed_keys[-1]
    issued = issued or utc(2026, 1, 1)
    return dl.sign_domain_linkage_jwt(
        did=did or kit.did,
        origin=origin,
        private_key=key,
        kid=kid or kit.method_id(key),
        issued=issued,
        expires=expires or issued + timedelta(days=3650),
    )


def _verify(kit):
    report = verify_input(text=json.dumps(kit.signed_credential()))
    (result,) = report.results
    return report, result


def test_a_verified_linkage_shows_the_domain_line(kit, origin):
    _publish(_linkage(kit, origin))
    report, result = _verify(kit)
    host = origin.removeprefix("http://")
    assert report.verdict == "valid", report.to_dict()
    assert result.issuer["domain"] == {
        "confirmed": True,
        "domain": host,
        "message": f"The issuer's domain is confirmed: {host}.",
    }
    assert result.check("issuer_domain").ok and result.check("issuer_domain").message.endswith(f"confirmed: {host}.")
    assert report.to_dict()["results"][0]["issuer"]["domain"]["confirmed"] is True


def _not_confirmed(kit, words):
    report, result = _verify(kit)
    assert report.verdict == "valid", report.to_dict()  # a missing or bad linkage never makes a badge invalid
    assert result.check("issuer_domain") is None
    domain = result.issuer["domain"]
    assert domain["confirmed"] is False and domain["domain"].startswith("127.0.0.1:")
    assert words in domain["message"], domain["message"]
    assert not any(not c.ok for c in result.checks)


def test_a_linkage_signed_by_another_key_does_not(kit, origin):
    stranger = ed25519.Ed25519PrivateKey.generate()
    _publish(_linkage(kit, origin, key=stranger, kid=kit.method_id()))  # claims the issuer's published key
    _not_confirmed(kit, "signature does not match")


def test_a_linkage_signed_by_an_unpublished_key_does_not(kit, origin):
    stranger = ed25519.Ed25519PrivateKey.generate()
    _publish(_linkage(kit, origin, key=stranger, kid=f"{kit.did}#{ed25519_to_multikey(stranger.public_key())}"))
    _not_confirmed(kit, "not published")


def test_a_linkage_for_another_did_does_not(kit, origin):
    other = IssuerKit(base_url=origin, slug="someone-else")
    ROUTES[other.did_json_path] = json.dumps(other.did_document()).encode()
    _publish(_linkage(other, origin))
    _not_confirmed(kit, "does not name this issuer's DID")


def test_an_expired_linkage_does_not(kit, origin):
    _publish(_linkage(kit, origin, issued=utc(2024, 1, 1), expires=utc(2025, 1, 1)))
    _not_confirmed(kit, "expired on 2025-01-01")


def test_a_linkage_for_another_origin_does_not(kit, origin):
    _publish(_linkage(kit, "https://northfield.edu"))
    _not_confirmed(kit, "not " + origin)


def test_no_file_and_garbage_file(kit, origin):
    _not_confirmed(kit, "publishes no DID configuration")
    cache.clear()
    fetch_cache().clear()
    ROUTES[dl.WELL_KNOWN_PATH] = b"<html>hello</html>"
    _not_confirmed(kit, "not JSON")


def test_the_outcome_is_remembered_per_did_and_origin(kit, origin, settings):
    _publish(_linkage(kit, origin))
    assert _verify(kit)[1].issuer["domain"]["confirmed"]
    asked = Website.hits.count(dl.WELL_KNOWN_PATH)
    ROUTES.pop(dl.WELL_KNOWN_PATH)
    fetch_cache().clear()
    assert _verify(kit)[1].issuer["domain"]["confirmed"]  # remembered: the website is not asked again
    assert Website.hits.count(dl.WELL_KNOWN_PATH) == asked
    settings.VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS = 0
    cache.clear()
    assert not _verify(kit)[1].issuer["domain"]["confirmed"]  # asked again, and the file is gone


def test_a_tampered_credential_is_not_credited_with_the_domain(kit, origin):
    _publish(_linkage(kit, origin))
    credential = kit.signed_credential()
    credential["credentialSubject"]["achievement"]["name"] = "Something else"
    report = verify_input(text=json.dumps(credential))
    (result,) = report.results
    assert report.verdict == "invalid" and result.check("issuer_domain") is None
    assert not result.issuer["domain"]["confirmed"]


def test_an_issuer_without_a_website_has_no_domain(kit, origin):
    credential = kit.credential()
    credential["issuer"].pop("url")
    report = verify_input(text=json.dumps(kit.sign(credential)))
    assert report.verdict == "valid" and not report.results[0].issuer["domain"]["confirmed"]


def test_api_carries_the_domain(client, kit, origin):
    _publish(_linkage(kit, origin))
    body = client.post(
        "/api/v1/verify", {"credential": json.dumps(kit.signed_credential())}, content_type="application/json"
    ).json()
    assert body["results"][0]["issuer"]["domain"]["confirmed"] is True
    assert any(c["name"] == "issuer_domain" and c["ok"] for c in body["results"][0]["checks"])


# Our own issuers: their website is Issuer.url; the file is the one the admin page generates.


def test_our_own_issuer_with_the_generated_file_is_confirmed(origin):
    award = issue()
    Issuer.objects.filter(pk=award.issuer_id).update(url=origin + "/")
    issuer = Issuer.objects.get(pk=award.issuer_id)
    resource = issuer_did_configuration_create(actor=None, issuer=issuer)
    # The generated file names the https origin; a loopback test website is asked over http, so re-sign for it.
    assert json.loads(dl.compact_jws.parse(resource["linked_dids"][0]).payload)["vc"]["credentialSubject"][
        "origin"
    ] == "https://" + origin.removeprefix("http://")
    from issuers.public_urls import issuer_did, key_verification_method
    from issuers.selectors import signing_key_active, signing_key_private

    key = signing_key_active(issuer=issuer, algorithm="ed25519")
    token = dl.sign_domain_linkage_jwt(
        did=issuer_did(issuer),
        origin=origin,
        private_key=signing_key_private(key=key),
        kid=key_verification_method(key),
        issued=utc(2026, 1, 1),
        expires=utc(2036, 1, 1),
    )
    _publish(token)
    report = verify_input(text=json.dumps(award.ob3_credential))
    host = origin.removeprefix("http://")
    assert report.results[0].issuer["domain"] == {
        "confirmed": True,
        "domain": host,
        "message": f"The issuer's domain is confirmed: {host}.",
    }
    cache.clear()
    ob3 = next(r for r in verify_award_report(award=award).results if r.generation == "ob3")
    assert ob3.issuer["domain"]["confirmed"] and ob3.check("issuer_domain").ok


def test_our_own_issuer_with_another_institutions_file_is_not(origin):
    award = issue()
    other = issue(email="bob@example.org").issuer
    assert other.pk != award.issuer_id
    Issuer.objects.filter(pk=award.issuer_id).update(url=origin + "/")
    from issuers.public_urls import issuer_did, key_verification_method
    from issuers.selectors import signing_key_active, signing_key_private

    key = signing_key_active(issuer=other, algorithm="ed25519")
    _publish(
        dl.sign_domain_linkage_jwt(
            did=issuer_did(other),
            origin=origin,
            private_key=signing_key_private(key=key),
            kid=key_verification_method(key),
            issued=utc(2026, 1, 1),
            expires=utc(2036, 1, 1),
        )
    )
    report = verify_input(text=json.dumps(award.ob3_credential))
    assert report.verdict == "valid" and not report.results[0].issuer["domain"]["confirmed"]


# Trust registries: local files in the DCC issuer-registry format.


def _registry(path, entries: dict, **extra):
    path.write_text(json.dumps({"meta": {"created": "2026-01-01T00:00:00+0000"}, "registry": entries, **extra}))
    return str(path)


def test_registries_name_the_listing(kit, origin, settings, tmp_path):
    listed = _registry(tmp_path / "dcc.json", {kit.did: {"name": "Foreign College", "url": origin}})
    other = _registry(tmp_path / "other.json", {"did:web:elsewhere.example": {"name": "Elsewhere"}})
    settings.VERIFY_TRUST_REGISTRIES = [
        {"name": "DCC Community Registry", "path": listed},
        {"name": "Sandbox", "path": other},
    ]
    report, result = _verify(kit)
    assert report.verdict == "valid"
    assert result.issuer["registries"] == [
        {
            "name": "DCC Community Registry",
            "listed": True,
            "entry_name": "Foreign College",
            "message": "Listed in DCC Community Registry as Foreign College.",
        },
        {"name": "Sandbox", "listed": False, "message": "Not listed in Sandbox."},
    ]
    assert result.check("registry").message == "Listed in DCC Community Registry as Foreign College."


def test_registry_files_are_reread_when_they_change(kit, settings, tmp_path):
    path = tmp_path / "dcc.json"
    settings.VERIFY_TRUST_REGISTRIES = [{"name": "DCC", "path": _registry(path, {})}]
    assert _verify(kit)[1].issuer["registries"][0]["listed"] is False
    _registry(path, {kit.did: {"name": "Foreign College"}})
    os.utime(path, ns=(1, os.stat(path).st_mtime_ns + 10_000_000))
    assert _verify(kit)[1].issuer["registries"][0]["listed"] is True


@pytest.mark.parametrize(
    "content",
    [b"not json", b"[]", b'{"registry": []}', b'{"registry": {"did:web:x": {"location": "no name"}}}', b"\xff\xfe"],
)
def test_a_malformed_registry_is_a_system_check_error_and_never_a_500(client, kit, settings, tmp_path, caplog, content):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    settings.VERIFY_TRUST_REGISTRIES = [{"name": "Broken", "path": str(path)}]
    errors = registries.check_trust_registries(None)
    assert [e.id for e in errors] == ["laurel.E031"] and "Broken" in errors[0].msg
    response = client.post(
        "/api/v1/verify", {"credential": json.dumps(kit.signed_credential())}, content_type="application/json"
    )
    assert response.status_code == 200
    listing = response.json()["results"][0]["issuer"]["registries"][0]
    assert listing == {"name": "Broken", "listed": False, "message": "The registry Broken could not be consulted."}
    assert "Trust registry 'Broken' is unavailable" in caplog.text


def test_missing_registry_file_and_incomplete_setting_are_check_errors(settings, tmp_path):
    settings.VERIFY_TRUST_REGISTRIES = [{"name": "Gone", "path": str(tmp_path / "gone.json")}, {"name": "", "path": ""}]
    assert [e.id for e in registries.check_trust_registries(None)] == ["laurel.E031", "laurel.E030"]
    settings.VERIFY_TRUST_REGISTRIES = [{"name": "Fine", "path": _registry(tmp_path / "ok.json", {})}]
    assert registries.check_trust_registries(None) == []


def test_a_website_on_a_private_address_is_never_fetched(origin, settings):
    award = issue()
    Issuer.objects.filter(pk=award.issuer_id).update(url=origin + "/")
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = False
    report = verify_input(text=json.dumps(award.ob3_credential))
    assert report.verdict == "valid" and Website.hits == []
    domain = report.results[0].issuer["domain"]
    assert domain == {
        "confirmed": False,
        "domain": origin.removeprefix("http://"),
        "message": f"The issuer's domain {origin.removeprefix('http://')} is not confirmed: "
        "the issuer's website could not be reached.",
    }


def test_text_quoted_from_the_website_is_always_encodable(client, kit, origin):
    token = _resign_claims(kit, origin, lambda claims: claims["vc"].update(issuer="did:web:\ud800"))
    _publish(token)
    response = client.post(
        "/api/v1/verify", {"credential": json.dumps(kit.signed_credential())}, content_type="application/json"
    )
    assert response.status_code == 200
    domain = response.json()["results"][0]["issuer"]["domain"]
    assert domain["confirmed"] is False and "issued by" in domain["message"]


def _resign_claims(kit, origin, change):
    import base64

    import jwt as pyjwt

    token = _linkage(kit, origin)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    change(claims)
    return pyjwt.encode(claims, kit.ed_keys[-1], algorithm="EdDSA", headers={"kid": kit.method_id()})
