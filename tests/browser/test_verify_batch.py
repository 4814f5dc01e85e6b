"""In Chromium: an employer goes from /verify to the batch page, uploads an applicant-tracking export (BOM,
semicolons, French header) and downloads the results CSV, in which a formula cell arrives neutralised."""

import csv
import io
from pathlib import Path

import pytest

from badges.services import award_revoke
from tests.badges.verification.issued import issue
from tests.browser.admin_pages import Watch
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_employer_uploads_a_csv_and_downloads_the_results(site, new_page, settings):
    settings.VERIFY_BATCH_THROTTLE_RATE = "1000/minute"
    good, revoked = issue(), issue(email="bob@example.org")
    award_revoke(actor=None, award=revoked, reason="Issued in error")
    export = "\ufeff" + "\r\n".join(
        [
            "Nom;Courriel;Lien du badge",
            f"Ada;ada@example.org;{good.ob2_assertion['id']}",
            "",
            f"Bob;bob@example.org;{revoked.ob2_assertion['id']}",
            'Eve;eve@example.org;=HYPERLINK("https://evil.example")',
        ]
    )
    page = new_page(width=390, height=844)
    watch = Watch()
    watch.attach(page)
    page.goto(f"{site}/verify")
    with page.expect_navigation():
        page.locator("#verify-batch-link").click()
    assert page.url == f"{site}/verify/batch"
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "candidats.csv", "mimeType": "text/csv", "buffer": export.encode()}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Check the badges").click()

    verdicts = page.locator("#batch-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.verdict)")
    assert verdicts == ["valid", "invalid", "error"]
    assert page.locator("#batch-table tbody tr").first.locator("td").nth(3).inner_text() == good.badge_class.name
    assert "1 valid" in page.locator("#batch-summary").inner_text()
    # the table scrolls inside its box: the page itself does not overflow at phone width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "verify-batch-results")

    with page.expect_download() as download_info:
        page.locator("#batch-download").click()
    download = download_info.value
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in rows] == [
        ["Row", "URL", "Verdict"],
        ["2", good.ob2_assertion["id"], "Valid"],
        ["4", revoked.ob2_assertion["id"], "Not valid"],
        ["5", '\'=HYPERLINK("https://evil.example")', "Not checked"],
    ]
    watch.assert_clean()
