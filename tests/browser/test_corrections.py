"""In Chromium, through the real award admin: revoke a badge and re-issue it (the history keeps both, linked both
ways), then correct the learner's misspelt name after reviewing what will happen. No server error, no CSP refusal."""

import pytest

from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from learners.models import LearnerName
from tests.browser.admin_pages import Watch, admin_sign_in, success_message
from tests.browser.conftest import screenshot
from tests.factories import MembershipFactory
from tests.learners.helpers import issue_award

pytestmark = pytest.mark.django_db(transaction=True)


def run_action(page, site: str, award: Award, action: str) -> None:
    """Select one badge in the list and run an action on it, as staff do."""
    page.goto(f"{site}/admin/badges/award/")
    page.locator(f"input[name=_selected_action][value='{award.pk}']").check()
    page.locator("select[name=action]").select_option(action)
    with page.expect_navigation():
        page.locator("button[name=index]").click()


def test_revoke_reissue_and_correct_a_name_in_the_admin(site, new_page, monkeypatch):
    """A badge officer revokes a badge, re-issues it (a new badge, the revoked one kept and linked), and corrects
    the learner's misspelt name: the review says only the institution's pages change, and the badge stays."""
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)  # issued below, synchronously
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    award = issue_award(email="ada@example.net", name="Ada Lovelase")
    owner = MembershipFactory(issuer=award.issuer)
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)

    run_action(page, site, award, "revoke")
    page.locator("textarea[name=reason]").fill("Issued to the wrong cohort")
    with page.expect_navigation():
        page.locator("input[type=submit][value=Revoke]").click()
    assert "1 badge(s) revoked" in success_message(page)
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED

    run_action(page, site, award, "reissue")
    assert "1 badge(s) re-issued" in success_message(page)
    new = Award.objects.get(supersedes=award)
    assert award_issue(award_id=new.pk)
    page.goto(f"{site}/admin/badges/award/{new.pk}/change/")
    content = page.locator("#content-main").inner_text()
    assert award.public_id in content and "Issued" in content
    screenshot(page, "corrections-reissued")
    page.locator(f"a[href$='/admin/badges/award/{award.pk}/change/']").first.click()
    page.wait_for_url(f"**/admin/badges/award/{award.pk}/change/")
    assert new.public_id in page.locator("#content-main").inner_text()  # "superseded by"

    run_action(page, site, new, "correct")
    page.wait_for_url(f"**/admin/badges/award/{new.pk}/correct/")
    page.locator("input[name=name]").fill("Ada Lovelace")
    with page.expect_navigation():
        page.locator("input[name=review]").click()
    review = page.locator("#content-main").inner_text()
    assert "The name changes on the institution's pages" in review and "revoked as superseded" not in review
    screenshot(page, "corrections-review-name")
    with page.expect_navigation():
        page.locator("input[name=apply]").click()
    assert "The correction is saved" in success_message(page)
    assert LearnerName.objects.get(issuer=award.issuer, learner=award.learner).name == "Ada Lovelace"
    assert Award.objects.get(pk=new.pk).status == AwardStatus.ISSUED and Award.objects.count() == 2
    page.goto(f"{site}/admin/badges/award/")
    assert "Ada Lovelace" in page.locator("#result_list").inner_text()
    watch.assert_clean()


def test_bulk_revoke_from_a_semicolon_csv_with_a_dry_run(site, new_page, monkeypatch, tmp_path):
    """A badge officer uploads a French-Excel CSV (semicolons, a header): the dry run lists each row, nothing is
    revoked until they give one reason and confirm; then every listed badge is revoked."""
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    first = issue_award(email="ann@example.net", name="Ann")
    second = issue_award(email="bob@example.net", name="Bob", course__issuer=first.issuer)
    owner = MembershipFactory(issuer=first.issuer)
    csv_file = tmp_path / "a-revoquer.csv"
    csv_file.write_text(f"Courriel;Remarque\nann@example.net;triche\n{second.public_id};\n", encoding="utf-8-sig")
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)
    page.goto(f"{site}/admin/badges/award/")
    page.locator("#bulk-revoke").click()
    page.locator("input[name=file]").set_input_files(str(csv_file))
    with page.expect_navigation():
        page.locator("input[type=submit][value='Check the file']").click()
    rows = page.locator("table.bulk-revoke-rows tbody tr")
    assert rows.count() == 2 and "will be revoked" in rows.nth(0).inner_text()
    assert Award.objects.filter(status=AwardStatus.REVOKED).count() == 0  # the dry run changed nothing
    screenshot(page, "corrections-bulk-revoke-dry-run")
    page.locator("textarea[name=reason]").fill("Exam fraud")
    with page.expect_navigation():
        page.locator("input[name=apply]").click()
    assert "2 badge(s) revoked" in success_message(page)
    assert set(Award.objects.values_list("status", flat=True)) == {AwardStatus.REVOKED}
    watch.assert_clean()
