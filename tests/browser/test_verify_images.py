"""In Chromium: a foreign badge's image appears on the verification result, loaded from our origin only — the
browser never contacts the issuer's server (which would tell it who is verifying), and nothing breaks the CSP."""

import json

import pytest
from django.core.cache import cache

from badges.verification.fetching import fetch_cache
from tests.badges.verification.test_images import ROUTES, SCRIPTED_SVG, Foreign, origin  # noqa: F401 - fixture
from tests.browser.admin_pages import Watch
from tests.factories import badge_png
from tests.interop.ob3_kit import IssuerKit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "name, content_type, body", [("badge.png", "image/png", None), ("badge.svg", "", SCRIPTED_SVG)]
)
def test_a_foreign_image_is_shown_from_our_origin_only(site, origin, new_page, settings, name, content_type, body):  # noqa: F811
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True
    settings.VERIFY_THROTTLE_RATE = "1000/minute"
    settings.VERIFY_TRUST_REGISTRIES = []
    ROUTES.clear()
    Foreign.hits.clear()
    fetch_cache().clear()
    cache.clear()
    kit = IssuerKit(base_url=origin, slug="far-college")
    ROUTES[kit.did_json_path] = ("application/json", json.dumps(kit.did_document()).encode())
    ROUTES[f"/issuers/{kit.slug}/status/1"] = ("application/json", json.dumps(kit.signed_status_list()).encode())
    ROUTES[f"/media/{name}"] = (content_type or "image/svg+xml", body or badge_png())
    credential = kit.credential()
    credential["credentialSubject"]["achievement"]["image"] = {"id": f"{origin}/media/{name}", "type": "Image"}

    page = new_page()
    watch = Watch()
    watch.attach(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site}/verify")
    page.locator("#id_text").fill(json.dumps(kit.sign(credential)))
    with page.expect_navigation():
        page.get_by_role("button", name="Verify", exact=True).click()
    assert page.get_by_role("status").get_by_role("heading", level=2).inner_text() == "Valid"
    image = page.locator("img.verified-image")
    image.wait_for()
    assert image.get_attribute("src").startswith(f"{site}/verify/images/")  # our origin, the page's own
    page.wait_for_function("() => document.querySelector('img.verified-image').complete")
    assert image.evaluate("img => img.naturalWidth") in (128, 100)  # decoded: the PNG is 128 px, the SVG 100
    assert f"/media/{name}" in Foreign.hits  # the server fetched it once...
    assert not [url for url in requested if url.startswith(origin)], requested  # ...the browser never did
    watch.assert_clean()
