"""In Chromium: the verification result a recruiter reads, for a valid, a revoked and an altered badge of ours, at
phone (320 and 390 px) and desktop (1280 px) widths — no horizontal overflow even with the technical details open
(long DIDs, key ids and URLs wrap) — and the public badge page's "Verify this badge" link verifying at once."""

import json
from urllib.parse import quote

import pytest
from django.utils import translation

from badges.services import award_revoke
from badges.verification.summary import long_date
from tests.badges.verification.issued import issue
from tests.browser.admin_pages import Watch
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (320, 390, 1280)


def _fits(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


# Named on failure: the innermost elements that reach past the viewport's right edge, or whose text overflows them.
_OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 || e.scrollWidth > e.clientWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.textContent.trim().slice(0, 40)}`)"""


def _open_details(page) -> None:
    for summary in page.locator("details.technical > summary").all():
        summary.click()
    assert page.locator("details.technical[open]").count() >= 1


def test_result_page_fits_every_width(site, new_page, settings):
    settings.VERIFY_THROTTLE_RATE = "1000/minute"
    valid, revoked = issue(), issue(email="bob@example.org")
    award_revoke(actor=None, award=revoked, reason="Issued in error")
    altered = dict(valid.ob3_credential, name="Brain Surgery")
    cases = {
        "valid": ({"url": valid.ob2_assertion["id"]}, "Valid", "has not revoked it"),
        "revoked": ({"url": revoked.ob2_assertion["id"]}, "Not valid", "The issuer revoked this badge"),
        "altered": ({"text": json.dumps(altered)}, "Not valid", "The badge was altered after it was signed."),
    }
    for width in WIDTHS:
        page = new_page(width=width, height=900)
        watch = Watch()
        watch.attach(page)
        for name, (given, headline, reason) in cases.items():
            page.goto(f"{site}/verify")
            if "url" in given:
                page.locator("#id_url").fill(given["url"])
            else:
                page.locator("#id_text").fill(given["text"])
            with page.expect_navigation():
                page.get_by_role("button", name="Verify", exact=True).click()
            status = page.get_by_role("status")
            assert status.count() == 1, name
            assert status.get_by_role("heading", level=2).inner_text() == headline, name
            assert reason in status.inner_text(), (name, status.inner_text())
            assert page.locator(".verified-badge h3").inner_text() == valid.badge_class.name or name == "revoked"
            assert not page.locator("details.technical .proof").first.is_visible()  # folded until asked for
            _open_details(page)
            assert page.locator("details.technical .proof").first.is_visible()
            scroll_width, inner_width = _fits(page)
            assert scroll_width <= inner_width, (name, width, scroll_width, page.evaluate(_OVERFLOWING))
            screenshot(page, f"verify-{name}-{width}")
        watch.assert_clean()


def test_verify_this_badge_link_on_the_public_page_verifies_at_once(site, new_page, settings):
    settings.VERIFY_THROTTLE_RATE = "1000/minute"
    award = issue()
    award.public = True
    award.save(update_fields=["public"])
    page = new_page(width=390, height=844)
    watch = Watch()
    watch.attach(page)
    page.goto(award.ob2_assertion["id"])
    with page.expect_navigation():
        page.locator("#verify-this-badge").click()
    assert page.url.startswith(f"{site}/verify?url=")
    status = page.get_by_role("status")
    assert status.get_by_role("heading", level=2).inner_text() == "Valid"
    assert page.locator(".verified-badge h3").inner_text() == award.badge_class.name
    assert page.locator("#id_url").input_value() == award.ob2_assertion["id"]
    scroll_width, inner_width = _fits(page)
    assert scroll_width <= inner_width, page.evaluate(_OVERFLOWING)
    screenshot(page, "verify-from-badge-page-390")
    watch.assert_clean()


def test_dates_in_the_readers_language(site, new_page, settings):
    settings.VERIFY_THROTTLE_RATE = "1000/minute"
    award = issue()
    page = new_page(locale="fr-FR", width=390, height=844)
    page.goto(f"{site}/verify?url={quote(award.ob2_assertion['id'], safe='')}")
    with translation.override("fr"):
        expected = long_date(award.ob2_assertion["issuedOn"])
    assert page.locator(".verified-claims time").first.inner_text() == expected
    assert expected.split()[1] in {
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    }
    screenshot(page, "verify-valid-fr-390")
