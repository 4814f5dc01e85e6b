"""axe-core, run in the browser on the main pages (the copy bundled with axe-playwright-python: no network),
finds no serious or critical WCAG 2.1 A/AA violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import screenshot, sign_in
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db(transaction=True)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


def _serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.response["testEngine"]["name"] == "axe-core"  # it really ran in the page
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_main_pages_have_no_serious_accessibility_violations(site, new_page):
    make_account("ada@example.net")
    award = issue_award(email="ada@example.net", name="Ada Lovelace", course__badge_class__validity_days=20)
    award.public = True
    award.save(update_fields=["public"])
    pages = {
        "public-badge": f"/assertions/{award.public_id}",
        "issuer": f"/issuers/{award.issuer.public_id}",
        "badge-class": f"/badges/{award.badge_class.public_id}",
        "sign-in": "/accounts/login/",
        "sign-up": "/accounts/signup/",
        "verify": "/verify",
        "verify-result": f"/verify?url={site}/assertions/{award.public_id}",
        "verify-batch": "/verify/batch",
    }
    visitor = new_page()
    found = {}
    for name, path in pages.items():
        visitor.goto(f"{site}{path}")
        found[name] = _serious(visitor)
        screenshot(visitor, f"a11y-{name}")
    holder = new_page()
    sign_in(holder, site, "ada@example.net")
    found["backpack"] = _serious(holder)
    screenshot(holder, "a11y-backpack")
    holder.goto(f"{site}/accounts/email/")
    found["email-addresses"] = _serious(holder)
    french = new_page(locale="fr-FR")
    french.goto(f"{site}/assertions/{award.public_id}")
    found["public-badge-fr"] = _serious(french)
    screenshot(french, "a11y-public-badge-fr")
    phone = new_page(width=390, height=844)  # responsive: a phone-sized viewport
    phone.goto(f"{site}/assertions/{award.public_id}")
    found["public-badge-phone"] = _serious(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot(phone, "a11y-public-badge-phone")
    assert {name: v for name, v in found.items() if v} == {}


def test_keyboard_reaches_the_skip_link_and_the_share_tools(site, new_page):
    award = issue_award(email="ada@example.net")
    award.public = True
    award.save(update_fields=["public"])
    page = new_page()
    page.goto(f"{site}/assertions/{award.public_id}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Copy link":
            break
    else:
        raise AssertionError("The copy-link button cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    assert page.locator(".copy-status").inner_text() == "Link copied."
