"""The badge image on a verification result comes from our origin, never from the issuer's server (issue 14).

A live "foreign" server (its own port, so another origin than PUBLIC_BASE_URL) publishes a did:web issuer, its
status list, an OB 2.0 hosted badge and the images; badges are verified through verify_input and the page. A foreign
image is fetched by the safe fetcher, checked like uploaded artwork and served at /verify/images/<sha256>; anything
refused leaves the image out and the verdict as it was.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.utils import timezone

from badges.issuing import keys_for
from badges.openbadges.checks import Check
from badges.openbadges.ob3.proof import sign_credential
from badges.verification.fetching import Fetcher, fetch_cache
from badges.verification.images import badge_image
from badges.verification.reports import BadgeReport
from badges.verification.services import verify_input
from issuers.public_urls import key_verification_method
from tests.badges.verification.issued import issue
from tests.factories import IssuerFactory, badge_png
from tests.interop.ob3_kit import IssuerKit

pytestmark = pytest.mark.django_db

ROUTES: dict[str, tuple[str, bytes]] = {}  # path -> (Content-Type, body); "slow" bodies sleep first
SLOW = "application/x-slow"

SCRIPTED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
    b"<script>parent.location='https://evil.example/'</script>"
    b'<circle cx="50" cy="50" r="40" fill="#1f5ea0" onload="alert(1)"/></svg>'
)


class Foreign(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        content_type, body = ROUTES.get(self.path, ("", b""))
        if not content_type:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if content_type == SLOW:
            time.sleep(1.5)
            content_type = "image/png"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the slow route's client hangs up at its deadline: expected, not worth a traceback


@pytest.fixture(scope="module")
def origin():
    httpd = _QuietServer(("127.0.0.1", 0), Foreign)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True
    settings.VERIFY_THROTTLE_RATE = "100000/minute"
    settings.VERIFY_TRUST_REGISTRIES = []
    ROUTES.clear()
    Foreign.hits.clear()
    fetch_cache().clear()
    cache.clear()
    yield
    fetch_cache().clear()
    cache.clear()


@pytest.fixture
def kit(origin):
    kit = IssuerKit(base_url=origin, slug="foreign-college")
    ROUTES[kit.did_json_path] = ("application/json", json.dumps(kit.did_document()).encode())
    ROUTES[f"/issuers/{kit.slug}/status/1"] = ("application/json", json.dumps(kit.signed_status_list()).encode())
    return kit


def _foreign_credential(kit, image) -> str:
    credential = kit.credential()
    credential["credentialSubject"]["achievement"]["image"] = image
    return json.dumps(kit.sign(credential))


def _verified(text: str):
    report = verify_input(text=text)
    (result,) = report.results
    return report, result


def _image_hits() -> list[str]:
    return [hit for hit in Foreign.hits if hit.startswith("/media/")]


def _served(client, path: str):
    assert re.fullmatch(r"/verify/images/[0-9a-f]{64}", path), path
    return client.get(path)


def _checks(result) -> list[tuple[str, bool]]:
    return [(check.name, check.ok) for check in result.checks]


# --- foreign images, fetched and shown from our origin


def test_a_foreign_png_is_shown_from_our_origin(kit, origin, client):
    ROUTES["/media/badge.png"] = ("image/png", badge_png())
    report, result = _verified(_foreign_credential(kit, {"id": f"{origin}/media/badge.png", "type": "Image"}))
    assert report.verdict == "valid", report.to_dict()
    image = result.badge["image"]
    assert image == f"/verify/images/{hashlib.sha256(badge_png()).hexdigest()}"
    assert report.to_dict()["badges"][0]["image"] == image
    response = _served(client, image)
    assert response.status_code == 200 and response.content == badge_png()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_the_page_never_hot_links_the_image(kit, origin, client):
    ROUTES["/media/badge.png"] = ("image/png", badge_png())
    page = client.post("/verify", {"text": _foreign_credential(kit, f"{origin}/media/badge.png")})
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", html)
    # Every image is on the page's own origin (a path, or an absolute URL of the host that served the page).
    same_origin = [urlsplit(src) for src in sources]
    assert all((u.scheme, u.netloc) in {("", ""), ("http", "testserver")} for u in same_origin), sources
    assert "127.0.0.1:" not in " ".join(sources)
    (shown,) = [u.path for u in same_origin if u.path.startswith("/verify/images/")]
    assert _served(client, shown).content == badge_png()


def test_the_type_comes_from_the_bytes_not_the_header(kit, origin, client):
    ROUTES["/media/badge"] = ("text/html", badge_png())
    _report, result = _verified(_foreign_credential(kit, f"{origin}/media/badge"))
    assert _served(client, result.badge["image"])["Content-Type"] == "image/png"


def test_a_foreign_svg_with_script_is_cleaned_like_artwork(kit, origin, client):
    ROUTES["/media/badge.svg"] = ("image/svg+xml", SCRIPTED_SVG)
    report, result = _verified(_foreign_credential(kit, {"id": f"{origin}/media/badge.svg"}))
    assert report.verdict == "valid"
    response = _served(client, result.badge["image"])
    body = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert "<circle" in body
    for bad in ("script", "evil.example", "onload", "alert"):
        assert bad not in body, bad


def test_a_data_uri_image_is_checked_and_served(kit, client):
    data_uri = "data:image/png;base64," + base64.b64encode(badge_png()).decode()
    report, result = _verified(_foreign_credential(kit, {"id": data_uri, "type": "Image"}))
    assert report.verdict == "valid"
    assert _served(client, result.badge["image"]).content == badge_png()
    assert "data:" not in json.dumps(report.to_dict())  # the document's data: URI is not echoed back


def test_a_data_uri_lying_about_its_type_is_judged_by_its_bytes(kit, client):
    data_uri = "data:image/png;base64," + base64.b64encode(SCRIPTED_SVG).decode()
    _report, result = _verified(_foreign_credential(kit, data_uri))
    response = _served(client, result.badge["image"])
    assert response["Content-Type"] == "image/svg+xml" and b"script" not in response.content


def test_an_ob2_hosted_badge_class_image_is_shown_from_our_origin(origin, client):
    issuer, badge_class, assertion = f"{origin}/ob2/issuer", f"{origin}/ob2/badge", f"{origin}/ob2/assertion"
    documents = {
        "/ob2/issuer": {"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": issuer, "name": "Far U"},
        "/ob2/badge": {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "BadgeClass",
            "id": badge_class,
            "name": "Far Badge",
            "description": "From elsewhere.",
            "criteria": {"narrative": "Do it."},
            "issuer": issuer,
            "image": f"{origin}/media/ob2.png",
        },
        "/ob2/assertion": {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": assertion,
            "recipient": {"type": "email", "hashed": False, "identity": "ada@example.org"},
            "badge": badge_class,
            "verification": {"type": "hosted"},
            "issuedOn": "2025-03-01T12:00:00Z",
        },
    }
    for path, document in documents.items():
        ROUTES[path] = ("application/ld+json", json.dumps(document).encode())
    ROUTES["/media/ob2.png"] = ("image/png", badge_png())
    report = verify_input(url=assertion)
    (result,) = report.results
    assert report.verdict == "valid", report.to_dict()
    assert _served(client, result.badge["image"]).content == badge_png()


# --- refused: no image, the same verdict


def _baseline(kit, origin):
    ROUTES["/media/good.png"] = ("image/png", badge_png())
    report, result = _verified(_foreign_credential(kit, f"{origin}/media/good.png"))
    assert report.verdict == "valid" and result.badge["image"]
    return _checks(result)


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(("image/png", b"<html><body>not an image</body></html>"), id="html"),
        pytest.param(("image/png", b"GIF89a" + b"\x00" * 64), id="gif"),
        pytest.param(("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), id="broken-png"),
        pytest.param(("image/png", b""), id="empty"),
    ],
)
def test_a_non_image_leaves_the_image_out_and_keeps_the_verdict(kit, origin, route):
    expected = _baseline(kit, origin)
    ROUTES["/media/bad"] = route
    report, result = _verified(_foreign_credential(kit, f"{origin}/media/bad"))
    assert report.verdict == "valid" and _checks(result) == expected
    assert "image" not in result.badge and report.to_dict()["badges"][0]["image"] is None
    assert "/media/bad" in Foreign.hits  # it was fetched, then refused


def test_an_oversized_image_is_left_out(kit, origin, settings):
    expected = _baseline(kit, origin)
    settings.VERIFY_IMAGE_MAX_BYTES = len(badge_png()) - 1
    ROUTES["/media/big.png"] = ("image/png", badge_png())
    report, result = _verified(_foreign_credential(kit, f"{origin}/media/big.png"))
    assert report.verdict == "valid" and _checks(result) == expected and "image" not in result.badge
    too_big = "data:image/png;base64," + base64.b64encode(badge_png()).decode()
    _report, result = _verified(_foreign_credential(kit, too_big))
    assert "image" not in result.badge


def test_an_image_past_the_deadline_is_left_out(kit, origin, settings):
    expected = _baseline(kit, origin)
    settings.VERIFY_FETCH_TIMEOUT = 0.5
    ROUTES["/media/slow.png"] = (SLOW, badge_png())
    started = time.monotonic()
    report, result = _verified(_foreign_credential(kit, f"{origin}/media/slow.png"))
    assert time.monotonic() - started < 1.4
    assert report.verdict == "valid" and _checks(result) == expected and "image" not in result.badge


def _resigned_by_our_issuer(award, image) -> str:
    """The award's OB 3.0 credential with another image, signed again with its issuer's own key (so it is valid
    and checks without any fetch)."""
    credential = copy.deepcopy(award.ob3_credential)
    credential.pop("proof")
    credential["credentialSubject"]["achievement"]["image"] = image
    keys = keys_for(award.issuer)
    signed = sign_credential(
        credential=credential,
        private_key=keys.ed25519_private,
        verification_method=key_verification_method(keys.ed25519),
        created=timezone.now(),
    )
    return json.dumps(signed)


def test_an_image_at_a_private_address_is_refused(origin, settings):
    ROUTES["/media/inside.png"] = ("image/png", badge_png())
    award = issue(issuer=IssuerFactory(url=f"{origin}/"))
    text = _resigned_by_our_issuer(award, {"id": f"{origin}/media/inside.png", "type": "Image"})
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = False
    report, result = _verified(text)
    assert report.verdict == "valid", report.to_dict()
    assert "image" not in result.badge and _image_hits() == []  # refused before connecting
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True  # the same badge where the address is allowed: shown
    cache.clear()
    report_allowed, result_allowed = _verified(text)
    assert result_allowed.badge["image"].startswith("/verify/images/")
    assert _checks(result_allowed) == _checks(result)


def test_an_altered_badge_shows_no_image(kit, origin):
    ROUTES["/media/badge.png"] = ("image/png", badge_png())
    credential = json.loads(_foreign_credential(kit, f"{origin}/media/badge.png"))
    credential["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    report, result = _verified(json.dumps(credential))
    assert report.verdict == "invalid"
    assert "image" not in result.badge and _image_hits() == []  # not even fetched


# --- our own badges


def test_our_own_badge_image_needs_no_fetch(origin, settings, client):
    settings.PUBLIC_BASE_URL = origin  # the "foreign" server plays our public address: any fetch would hit it
    award = issue(issuer=IssuerFactory(url=f"{origin}/"))
    report, result = _verified(award.ob3_jwt)
    assert report.verdict == "valid", report.to_dict()
    assert result.badge["image"] == f"/badges/{award.badge_class.public_id}/image"
    assert [hit for hit in Foreign.hits if not hit.startswith("/.well-known/")] == []  # only the domain linkage
    assert client.get(result.badge["image"]).status_code == 200


def test_other_paths_of_ours_are_not_shown_as_images(origin, settings):
    award = issue(issuer=IssuerFactory(url=f"{origin}/"))
    base = settings.PUBLIC_BASE_URL
    for image in (f"{base}/accounts/logout/", f"{base}//evil.example/x.png", f"{base}/verify?url=x"):
        _report, result = _verified(_resigned_by_our_issuer(award, image))
        assert "image" not in result.badge, image


# --- the image route


def test_the_image_route_404s_for_unknown_and_malformed_digests(client):
    for path in (
        "/verify/images/" + "0" * 64,
        "/verify/images/not-hex",
        "/verify/images/" + "A" * 64,
        "/verify/images/" + "0" * 63,
        "/verify/images/%2e%2e",
    ):
        assert client.get(path).status_code == 404, path


def test_an_image_is_gone_after_its_time(kit, origin, client):
    ROUTES["/media/badge.png"] = ("image/png", badge_png())
    _report, result = _verified(_foreign_credential(kit, f"{origin}/media/badge.png"))
    assert _served(client, result.badge["image"]).status_code == 200
    cache.clear()  # what the TTL does
    assert client.get(result.badge["image"]).status_code == 404


@pytest.mark.parametrize(
    "source",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "ftp://example.org/badge.png",
        "http://user:pass@example.org/badge.png",
        "http://exa mple.org/badge.png",
        "https://example.org/\ud800.png",
        "data:image/png;base64,\ud800",
        "data:image/png,%ZZ\ud800",
        "data:image/png;base64,not base64!",
        "data:image/png;base64",
        "data:," + "A" * (2 * 1024 * 1024),
        "//evil.example/x.png",
        "",
    ],
)
def test_hostile_image_sources_are_left_out_without_an_error(source, settings, caplog):
    """Unit level, on a report whose proofs passed: whatever a document names as its image, no image, no raise."""
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = False
    report = BadgeReport("ob3", "json", "text", checks=[Check("signature", True, "Signed.")])
    report.badge = {"name": "Badge", "image": "https://evil.example/preset.png"}
    report.image_source = source
    badge_image(report, Fetcher())
    assert "image" not in report.badge
    assert report.checks == [Check("signature", True, "Signed.")]
    assert not [r for r in caplog.records if r.name == "badges.verification.images"]  # refused, not crashed
