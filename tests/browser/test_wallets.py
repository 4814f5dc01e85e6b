"""'Add to a wallet' in Chromium: from the backpack and from the badge page, the learner gets one QR code — read
from a screenshot by zxing-cpp, as a phone's camera would — that names the same offer as the link beside it, the
interaction URL's JSON and the LCW deep link; the page runs under the CSP with no violation. A claim-link opener
gets the same from the award e-mail's wallet link."""

import json
import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import last_mail_to, link_in_mail, screenshot, sign_in
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def _decoded_qr(page, name: str) -> str:
    path = f"/tmp/laurel-wallet-qr-{name}.png"
    page.locator("svg.qr").screenshot(path=path)
    results = zxingcpp.read_barcodes(Image.open(path))
    assert len(results) == 1, "the QR code on the page could not be read"
    return results[0].text


def _protocols(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — the live test server
        return json.loads(response.read())["protocols"]


def _csp_violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def _check_offer(page, name: str) -> None:
    interaction = page.locator("#wallet-link").get_attribute("href")
    assert interaction.endswith("?iuv=1") and len(interaction) < 400
    assert _decoded_qr(page, name) == interaction
    token = urlsplit(interaction).path.rsplit("/", 1)[1]
    protocols = _protocols(interaction)
    assert protocols["vcapi"].endswith(f"/wallet/x/{token}")
    assert parse_qs(urlsplit(protocols["OID4VCI"]).query)["credential_offer_uri"][0].endswith(f"/wallet/o/{token}")
    deep = parse_qs(urlsplit(page.locator("#wallet-lcw-link").get_attribute("href")).query)
    assert deep["vc_request_url"][0].endswith(f"/wallet/r/{token}")


def test_signed_in_learner_adds_a_badge_to_a_wallet(site, new_page):
    make_account("ada@example.net")
    award = issue_award(email="ada@example.net")
    page = new_page()
    violations = _csp_violations(page)
    sign_in(page, site, "ada@example.net")
    page.get_by_role("link", name=re.compile("Add to a wallet")).first.click()
    page.get_by_role("button", name="Show the wallet QR code").click()
    page.locator("svg.qr").wait_for()
    _check_offer(page, "backpack")
    screenshot(page, "wallet-offer")

    page.goto(f"{site}/assertions/{award.public_id}")
    page.get_by_role("button", name="Add to a wallet").click()
    page.locator("svg.qr").wait_for()
    _check_offer(page, "badge-page")
    assert violations == []


def test_the_award_emails_wallet_link_works_for_its_opener(site, new_page, mailoutbox):
    from badges.notifications import awards_notify

    award = issue_award(email="grace@example.net")
    awards_notify(award_ids=[award.pk])
    link = link_in_mail(last_mail_to(mailoutbox, "grace@example.net"), r"/wallet/add/")
    page = new_page(locale="fr-FR")
    page.goto(link)
    page.get_by_role("button", name="Afficher le QR code pour le portefeuille").click()
    page.locator("svg.qr").wait_for()
    _check_offer(page, "email")


def test_a_stranger_gets_no_wallet_offer(site, new_page):
    award = issue_award(email="ada@example.net")
    page = new_page()
    response = page.goto(f"{site}/wallet/add/{award.public_id}")
    assert response.status == 404
    page.goto(f"{site}/assertions/{award.public_id}")
    assert page.get_by_role("button", name="Add to a wallet").count() == 0


def test_wallet_pages_have_no_serious_accessibility_violations(site, new_page):
    from tests.browser.test_accessibility import _serious

    make_account("ada@example.net")
    award = issue_award(email="ada@example.net")
    found = {}
    for name, size in (("desktop", (1200, 900)), ("phone", (390, 844))):
        page = new_page(width=size[0], height=size[1])
        sign_in(page, site, "ada@example.net")
        page.goto(f"{site}/wallet/add/{award.public_id}")
        found[f"form-{name}"] = _serious(page)
        page.get_by_role("button", name="Show the wallet QR code").click()
        page.locator("svg.qr").wait_for()
        found[f"offer-{name}"] = _serious(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0]  # no sideways scrolling
        screenshot(page, f"a11y-wallet-offer-{name}")
        page.goto(page.locator("#wallet-link").get_attribute("href"))
        found[f"interaction-{name}"] = _serious(page)
    assert {name: v for name, v in found.items() if v} == {}
