"""A learner claims a badge from the award e-mail, keeps it in the backpack, shares it; a second address brings
its own badges once confirmed; passwordless sign-in with an e-mailed code."""

import pytest
from django.core import mail

from badges.notifications import award_notify
from tests.browser.conftest import last_mail_to, link_in_mail, screenshot
from tests.learners.helpers import LEARNER_PASSWORD, issue_award, make_account

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "laurel leaves in spring"


def test_claim_sign_up_verify_backpack_share(site, new_page):
    award = issue_award(email="ada@example.net", name="Ada Lovelace")
    assert award_notify(award_id=award.id)
    claim = link_in_mail(last_mail_to(mail.outbox, "ada@example.net"), r"/assertions/.+\?claim=")

    page = new_page()
    page.goto(claim)
    assert page.get_by_role("heading", name=award.badge_class.name).is_visible()
    assert page.get_by_role("heading", name="Keep this badge").is_visible()
    screenshot(page, "01-claim-link")
    page.get_by_role("link", name="Create an account").click()
    assert page.locator("input[name=email]").input_value() == "ada@example.net"  # prefilled from the badge
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/accounts/confirm-email/")
    screenshot(page, "02-verification-sent")

    confirm = link_in_mail(last_mail_to(mail.outbox, "ada@example.net"), r"/accounts/confirm-email/.+")
    page.goto(confirm)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/backpack/")
    card = page.locator(f"#badge-{award.public_id}")
    assert card.get_by_role("heading", name=award.badge_class.name).is_visible()
    assert card.locator(".status").inner_text() == "Issued"
    assert "Private" in card.locator(".visibility-state").inner_text()
    screenshot(page, "03-backpack-private")
    card.get_by_role("button", name="Make public").click()
    page.wait_for_url("**/backpack/")
    assert "Public" in page.locator(f"#badge-{award.public_id} .visibility-state").inner_text()
    screenshot(page, "04-backpack-public")

    visitor = new_page()  # a signed-out browser
    response = visitor.goto(f"{site}/assertions/{award.public_id}")
    assert response.status == 200
    meta = {
        prop: visitor.locator(f'meta[property="{prop}"]').get_attribute("content")
        for prop in ("og:title", "og:type", "og:image", "og:url", "og:description", "og:site_name", "og:image:alt")
    }
    assert meta["og:title"] == award.badge_class.name
    assert meta["og:type"] == "website" and meta["og:site_name"] == "Laurel"
    assert meta["og:url"] == f"{site}/assertions/{award.public_id}"
    assert meta["og:image"] == f"{site}/badges/{award.badge_class.public_id}/image"
    assert "Ada Lovelace" in meta["og:description"] and award.issuer.name in meta["og:description"]
    assert award.badge_class.name in meta["og:image:alt"]
    assert visitor.locator('meta[name="twitter:card"]').get_attribute("content") == "summary"
    assert visitor.request.get(meta["og:image"]).status == 200
    assert visitor.get_by_text("Verified: this badge is genuine and current.").is_visible()
    screenshot(visitor, "05-public-page-signed-out")


def test_second_address_brings_its_badges(site, new_page):
    make_account("ada@example.net")
    first = issue_award(email="ada@example.net")
    second = issue_award(email="ada.work@example.org", name="Ada L.")

    page = new_page()
    page.goto(f"{site}/accounts/login/")
    page.locator("input[name=login]").fill("ada@example.net")
    page.locator("input[name=password]").fill(LEARNER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/backpack/")
    assert page.locator(f"#badge-{first.public_id}").is_visible()
    assert page.locator(f"#badge-{second.public_id}").count() == 0

    page.get_by_role("link", name="Add or manage addresses").click()
    page.locator("input[type=email][name=email]").fill("ada.work@example.org")
    page.get_by_role("button", name="Add Email").click()
    page.goto(f"{site}/backpack/")
    assert page.locator(f"#badge-{second.public_id}").count() == 0  # added but not confirmed: not yet
    confirm = link_in_mail(last_mail_to(mail.outbox, "ada.work@example.org"), r"/accounts/confirm-email/.+")
    page.goto(confirm)
    page.get_by_role("button", name="Confirm").click()
    page.goto(f"{site}/backpack/")
    assert page.locator(f"#badge-{second.public_id}").is_visible()
    assert page.locator(f"#badge-{first.public_id}").is_visible()
    screenshot(page, "06-backpack-two-addresses")


def test_passwordless_sign_in_with_an_emailed_code(site, new_page):
    make_account("ada@example.net")
    award = issue_award(email="ada@example.net")
    page = new_page()
    page.goto(f"{site}/accounts/login/")
    page.get_by_role("link", name="E-mail me a sign-in code").click()
    page.locator("input[name=email]").fill("ada@example.net")
    page.locator("form").filter(has=page.locator("input[name=email]")).locator("button[type=submit]").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    body = last_mail_to(mail.outbox, "ada@example.net").body
    code = body.split("Please enter it in your open browser window.", 1)[1].strip().splitlines()[0].strip()
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/backpack/")
    assert page.locator(f"#badge-{award.public_id}").is_visible()
