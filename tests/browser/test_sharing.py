"""The public page's LinkedIn link carries the right parameters; every download, fetched by the browser the
holder is signed in to, unbakes or parses to a credential that verifies."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from badges.openbadges.baking.png import unbake_png
from badges.openbadges.baking.svg import unbake_svg
from badges.openbadges.ob2.jws import verify_assertion
from badges.openbadges.ob3.verify import verify_data_integrity, verify_jwt_credential
from badges.resolvers import fetch_local_status_list, resolve_local_did
from issuers.models import KeyAlgorithm
from issuers.selectors import signing_key_active
from tests.browser.conftest import screenshot, sign_in
from tests.factories import BadgeClassFactory
from tests.interop.live_badges import SVG_ART
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db(transaction=True)
RESOLVERS = {"resolve_did": resolve_local_did, "fetch_status_list": fetch_local_status_list}


def _ob2_verifies(jws: str, award) -> None:
    key = signing_key_active(issuer=award.issuer, algorithm=KeyAlgorithm.RSA2048)
    assertion = verify_assertion(token=jws, public_key=key.public_key_pem)
    assert assertion["id"] == f"urn:uuid:{award.uuid}" or assertion["id"].endswith(award.public_id)


def _ob3_verifies(credential: dict, award) -> None:
    result = verify_data_integrity(credential=credential, **RESOLVERS)
    assert result.verdict == "valid", result.to_dict()["checks"]
    assert credential["id"] == award.ob3_credential["id"]


def test_linkedin_link_carries_the_right_parameters(site, new_page):
    award = issue_award(email="ada@example.net", course__badge_class__validity_days=400)
    award.public = True
    award.save(update_fields=["public"])
    page = new_page()
    page.goto(f"{site}/assertions/{award.public_id}")
    link = page.get_by_role("link", name="Add to LinkedIn profile").get_attribute("href")
    url = urlparse(link)
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": award.badge_class.name,
        "organizationName": award.issuer.name,
        "issueYear": str(award.issued_on.year),
        "issueMonth": str(award.issued_on.month),
        "expirationYear": str(award.expires_on.year),
        "expirationMonth": str(award.expires_on.month),
        "certUrl": f"{site}/assertions/{award.public_id}",
        "certId": award.public_id,
    }
    # The clipboard write is asynchronous: wait for the status line (Playwright's expect retries) instead of reading
    # it right after the click, and grant the permission so a headless refusal cannot leave the line empty.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator(".copy-status")).to_have_text("Link copied.")
    screenshot(page, "07-share-panel")


def test_downloads_unbake_to_credentials_that_verify(site, new_page):
    make_account("ada@example.net")
    png_award = issue_award(email="ada@example.net")
    svg_badge = BadgeClassFactory(image=ContentFile(SVG_ART, name="art.svg"))
    svg_award = issue_award(email="ada@example.net", course__issuer=svg_badge.issuer, course__badge_class=svg_badge)
    page = new_page()
    sign_in(page, site, "ada@example.net")

    card = page.locator(f"#badge-{png_award.public_id}")
    card.locator("summary").click()
    with page.expect_download() as download:
        card.get_by_role("link", name="Badge image (PNG, with its proof inside)").click()
    png = open(download.value.path(), "rb").read()  # noqa: SIM115 — read once; Playwright deletes it on close
    _ob2_verifies(unbake_png(image=png, keyword="openbadges"), png_award)
    _ob3_verifies(json.loads(unbake_png(image=png, keyword="openbadgecredential")), png_award)

    def fetch(award, filename: str) -> bytes:
        href = page.locator(f'#badge-{award.public_id} a[href$="/{filename}"]').get_attribute("href")
        response = page.request.get(f"{site}{href}")
        assert response.status == 200, (filename, response.status)
        return response.body()

    _ob3_verifies(json.loads(fetch(png_award, "credential.json")), png_award)
    jwt = fetch(png_award, "credential.jwt").decode()
    result = verify_jwt_credential(token=jwt, **RESOLVERS)
    assert result.verdict == "valid", result.to_dict()["checks"]
    assert result.credential["id"] == png_award.ob3_credential["id"]

    _ob2_verifies(unbake_svg(image=fetch(svg_award, "badge.svg"), version="ob2"), svg_award)
    _ob3_verifies(json.loads(unbake_svg(image=fetch(svg_award, "badge-ob3.svg"), version="ob3")), svg_award)
    assert page.locator(f'#badge-{svg_award.public_id} a[href$="/badge.png"]').count() == 0  # SVG artwork
