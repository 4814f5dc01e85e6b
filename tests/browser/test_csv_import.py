"""In Chromium, through the real admin: a semicolon-separated CSV written in French (Excel in a French locale) is
uploaded, its preview says what each row will do, a refused row blocks it until corrected, and the applied
report counts what the preview said."""

import pytest

from badges.issuing import awards_issue
from badges.models import Award, AwardStatus
from courses.services import enrolment_complete, enrolment_enrol
from learners.models import LearnerName
from tests.browser.admin_pages import STAFF_PASSWORD, Watch
from tests.browser.conftest import screenshot
from tests.factories import CourseFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "Courriel;Nom;Code du cours;Date de fin"


def _upload(page, site: str, content: str, name: str) -> None:
    page.goto(f"{site}/admin/courses/enrolment/import/")
    page.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": ("\ufeff" + content).encode()}]
    )
    with page.expect_navigation():
        page.locator("form[enctype] input[type=submit]").click()


def _sign_in_french(page, site: str, email: str) -> None:
    page.goto(f"{site}/admin/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.url == f"{site}/admin/"


def _kinds(page) -> list[str]:
    return page.locator("#import-rows tbody tr").evaluate_all("rows => rows.map(r => r.dataset.kind)")


def test_french_semicolon_csv_is_previewed_row_by_row_applied_and_reported(site, new_page):
    owner = MembershipFactory()
    course = CourseFactory(issuer=owner.issuer, code="data-101", title="Données")
    course.badge_class.validity_days = 365
    course.badge_class.save()
    # Already awarded before this import: one under a misspelt name, one exactly as the file has it.
    for email, name in (("anne@example.fr", "Anne Martn"), ("paul@example.fr", "Paul Durand")):
        enrolment_complete(actor=None, enrolment=enrolment_enrol(actor=None, course=course, email=email, name=name))
    awards_issue(award_ids=list(Award.objects.values_list("id", flat=True)))

    page = new_page(locale="fr-FR")
    watch = Watch()
    watch.attach(page)
    _sign_in_french(page, site, owner.user.email)
    page.goto(f"{site}/admin/courses/enrolment/import/")
    assert page.locator("#import-template").count() == 1  # the template is linked from the import page

    rows = [
        "anne@example.fr;Anne Martin;data-101;oui",  # corrected name
        "paul@example.fr;Paul Durand;data-101;oui",  # unchanged
        "lea@example.fr;Léa Petit;DATA-101;15/03/2026",  # new
        "hugo@example.fr;Hugo Bernard;data-101;02/01/2019",  # new, already expired (365 days)
        "ines@example.fr;Inès Robert;data-101;non",  # enrol only
    ]
    _upload(page, site, "\n".join([HEADER, *rows[:-1], "zoe@example.fr;Zoé;data-101;31/02/2026"]), "fin.csv")
    watch.assert_clean()
    assert _kinds(page) == ["correct", "unchanged", "new", "new", "refused"]
    assert page.locator("#import-confirm").count() == 0  # a refused row blocks the whole import
    assert "31/02/2026" in page.locator("tr[data-kind=refused]").inner_text()
    screenshot(page, "csv-import-refused")

    _upload(page, site, "\n".join([HEADER, *rows]) + "\n", "fin-corrige.csv")
    watch.assert_clean()
    assert _kinds(page) == ["correct", "unchanged", "new", "new", "enrol"]
    assert "2020" in page.locator("tr[data-kind=new]").nth(1).inner_text()  # "already expired on 2020-01-02"
    preview = {k: page.locator(f"#preview-{k}").inner_text() for k in ("new", "enrol", "unchanged", "correct")}
    assert preview == {"new": "2", "enrol": "1", "unchanged": "1", "correct": "1"}
    assert page.locator("#preview-expired").inner_text() == "1"
    screenshot(page, "csv-import-preview")

    with page.expect_navigation():
        page.locator("#import-confirm").click()
    watch.assert_clean()
    report = {k: page.locator(f"#report-{k}").inner_text() for k in ("new", "enrol", "unchanged", "correct")}
    assert report == preview and page.locator("#report-expired").inner_text() == "1"
    screenshot(page, "csv-import-report")

    anne = Award.objects.get(learner__email="anne@example.fr")
    assert LearnerName.objects.get(issuer=owner.issuer, learner=anne.learner).name == "Anne Martin"
    assert Award.objects.filter(status=AwardStatus.REVOKED).count() == 0  # a name correction keeps the badge
    assert Award.objects.count() == 4


def test_a_failed_import_shows_its_reason_and_is_retried_from_its_page(site, new_page):
    """A worker that failed left the import "applying" for ever; now its page says why and offers a retry."""
    from courses.imports import completion_import_preview
    from courses.models import CompletionImport, ImportStatus

    owner = MembershipFactory()
    course = CourseFactory(issuer=owner.issuer, code="data-101")
    content = f"{HEADER}\nlea@example.fr;Léa Petit;data-101;15/03/2026\n".encode()
    record, _ = completion_import_preview(actor=None, issuer=owner.issuer, filename="fin.csv", content=content)
    CompletionImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.FAILED, failure_reason="The worker ran out of time (its time limit)."
    )
    page = new_page(locale="fr-FR")
    watch = Watch()
    watch.attach(page)
    _sign_in_french(page, site, owner.user.email)
    page.goto(f"{site}/admin/courses/completionimport/{record.public_id}/progress/")
    assert "ran out of time" in page.locator("#import-failure-reason").inner_text()
    assert page.locator("#progress-bar").count() == 0  # nothing was written: no "100 %" of nothing
    screenshot(page, "csv-import-failed")
    with page.expect_navigation():
        page.locator("input[name=retry]").click()
    watch.assert_clean()
    assert page.locator("#import-failed").count() == 0
    assert page.locator("#report-new").inner_text() == "1"
    assert Award.objects.filter(enrolment__course=course).count() == 1
