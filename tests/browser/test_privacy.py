"""A private badge's address shows no learner data to another signed-in user or a signed-out browser (only which
badge it is and that it verifies); a revoked badge says so, with the reason, and still shows no learner data."""

import pytest

from badges.services import award_revoke
from tests.browser.conftest import screenshot, sign_in
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def _shows_no_learner_data(page, award) -> None:
    text = page.content()
    assert "Ada Lovelace" not in text and "ada@example.net" not in text and award.learner.email not in text


def test_private_badge_shows_nothing_to_others(site, new_page):
    make_account("ada@example.net")
    make_account("eve@example.net")
    award = issue_award(email="ada@example.net", name="Ada Lovelace")
    url = f"{site}/assertions/{award.public_id}"

    eve = new_page()
    sign_in(eve, site, "eve@example.net")
    response = eve.goto(url)
    assert response.status == 200  # which badge, and that it verifies: never who holds it (decision 0010)
    assert eve.get_by_role("heading", name="A private badge").is_visible()
    _shows_no_learner_data(eve, award)
    for filename in ("badge.png", "credential.json", "credential.jwt"):
        assert eve.request.get(f"{url}/{filename}").status == 404
    screenshot(eve, "08-private-badge-other-user")

    stranger = new_page()
    assert stranger.goto(url).status == 200
    _shows_no_learner_data(stranger, award)

    ada = new_page()  # the holder herself sees it
    sign_in(ada, site, "ada@example.net")
    assert ada.goto(url).status == 200
    assert ada.get_by_text("Ada Lovelace").first.is_visible()
    assert ada.get_by_role("button", name="Make public").is_visible()


def test_revoked_badge_shows_revoked(site, new_page):
    make_account("ada@example.net")
    award = issue_award(email="ada@example.net", name="Ada Lovelace")
    award.public = True
    award.save(update_fields=["public"])
    award_revoke(actor=None, award=award, reason="Awarded to the wrong person")

    page = new_page()
    response = page.goto(f"{site}/assertions/{award.public_id}")
    assert response.status == 410
    assert page.get_by_role("heading", name="This badge has been revoked").is_visible()
    assert page.get_by_text("Awarded to the wrong person").is_visible()
    _shows_no_learner_data(page, award)
    screenshot(page, "09-revoked-badge")

    ada = new_page()
    sign_in(ada, site, "ada@example.net")
    assert ada.locator(f"#badge-{award.public_id} .status").inner_text() == "Revoked"
