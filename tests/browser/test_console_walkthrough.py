"""In Chromium, the institution console clicked through as a new institution's badge officer would, from an empty
institution to a corrected, re-issued and exported programme. Each step is what a person does in the admin; the
worker's part (issuing queued badges) runs in-process between the clicks, as the Celery task would. Screenshots of
every step go to test-artifacts/browser/console-*.png."""

import csv
import io
from pathlib import Path

import pytest
from django.core import mail

from badges.counters import worker_heartbeat_record
from badges.issuing import awards_issue
from badges.models import Award, AwardStatus, BadgeClass
from badges.notifications import awards_notify
from courses.models import Course, Enrolment
from tests.browser.admin_pages import Watch, admin_sign_in, form_errors, pick_autocomplete, submit, success_message
from tests.browser.conftest import screenshot
from tests.factories import MembershipFactory, badge_png

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> list[int]:
    """What the worker does with the queued tasks, in-process: its heartbeat (badges.tasks.worker_heartbeat_task),
    issuing what is pending (award_issue_batch_task), then the award e-mails (award_notify_batch_task)."""
    worker_heartbeat_record(hostname="walkthrough-worker")
    pending = list(Award.objects.filter(status=AwardStatus.PENDING).values_list("id", flat=True))
    if pending:
        awards_issue(award_ids=pending)
        awards_notify(award_ids=pending)
    return pending


def run_action(page, site: str, changelist: str, pks: list[int], action: str) -> None:
    """Tick rows on an admin list and run one of its actions, as a person does."""
    page.goto(f"{site}{changelist}")
    for pk in pks:
        page.locator(f"input[name=_selected_action][value='{pk}']").check()
    page.locator("select[name=action]").select_option(action)
    with page.expect_navigation():
        page.locator("button[name=index]").click()


def messages_text(page) -> str:
    return " | ".join(page.locator("ul.messagelist li").all_inner_texts())


def dashboard_total(page, site: str, metric: str) -> str:
    page.goto(f"{site}/admin/dashboard/")
    return page.locator(f"#total-{metric}").inner_text().strip()


def test_a_new_institution_runs_its_programme_from_the_console(site, new_page):
    """The issue's click-through: add a badge class with artwork and see its preview; add a course; enrol a learner
    by the form; complete the enrolment and watch the badge reach "issued" on the dashboard; resend its e-mail;
    revoke and re-issue it; correct the learner's name; import a semicolon CSV written in French; export the
    awards; withdraw a learner who left and enrol them again; read the dashboard on a phone. No step answers a
    server error or breaks the Content Security Policy."""
    owner = MembershipFactory()
    page = new_page(width=1280)
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)
    screenshot(page, "console-01-home")

    # 1. A badge class with artwork: the chosen file is previewed, and the saved artwork is shown from our origin.
    page.goto(f"{site}/admin/badges/badgeclass/add/")
    page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=name]").fill("Data Steward")
    page.locator("textarea[name=description]").fill("Looks after an organisation's data with care.")
    page.locator("textarea[name=criteria_narrative]").fill("Attend the six sessions and pass the final project.")
    page.locator("input[name=image]").set_input_files(
        files=[{"name": "steward.png", "mimeType": "image/png", "buffer": badge_png()}]
    )
    page.wait_for_function("document.querySelector('img[data-artwork-preview-of=id_image]').naturalWidth > 0")
    screenshot(page, "console-02-badge-class-artwork-chosen")
    submit(page, "_continue")
    assert "was added successfully" in success_message(page), form_errors(page)
    page.wait_for_function(
        "(i => i && i.complete && i.naturalWidth > 0)(document.querySelector('img[data-artwork-saved]'))"
    )
    badge = BadgeClass.objects.get(name="Data Steward")
    assert page.locator(".field-public_id_to_copy code").inner_text() == badge.public_id
    screenshot(page, "console-03-badge-class-saved")

    # 2. A course awarding it; its public id is shown once saved, the one the API and CSV accept.
    page.goto(f"{site}/admin/courses/course/add/")
    page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=code]").fill("data-101")
    page.locator("input[name=title]").fill("Data stewardship")
    pick_autocomplete(page, "badge_class", "Data Steward")
    submit(page, "_continue")
    assert "was added successfully" in success_message(page), form_errors(page)
    course = Course.objects.get(code="data-101")
    assert page.locator(".field-public_id_to_copy code").inner_text() == course.public_id
    screenshot(page, "console-04-course-saved")

    # 3. A learner enrolled by the form.
    page.goto(f"{site}/admin/courses/enrolment/add/")
    page.locator("select[name=course]").select_option(str(course.pk))
    page.locator("input[name=email]").fill("ada@example.net")
    page.locator("input[name=name]").fill("Ada Lovelace")
    submit(page)
    assert "was added successfully" in success_message(page), form_errors(page)
    enrolment = Enrolment.objects.get(course=course, learner__email="ada@example.net")
    screenshot(page, "console-05-enrolled")

    # 4. Completed: the badge is queued, pending on the dashboard until the worker issues it, then issued.
    run_action(page, site, "/admin/courses/enrolment/", [enrolment.pk], "mark_completed")
    assert "1 enrolment completed; its badge is queued for issuing." in messages_text(page)
    screenshot(page, "console-06-completed")
    assert dashboard_total(page, site, "pending") == "1"
    assert run_worker()
    assert dashboard_total(page, site, "issued") == "1"
    assert page.locator("#total-emailed").inner_text().strip() == "1"
    assert "ada@example.net" in mail.outbox[-1].to
    screenshot(page, "console-07-dashboard-issued")
    award = Award.objects.get(enrolment=enrolment)
    assert award.status == AwardStatus.ISSUED
    page.goto(f"{site}/admin/badges/award/?status__exact=issued")
    listed = page.locator("#result_list").inner_text()
    assert "Ada Lovelace" in listed and "Issued" in listed, listed

    # 5. The award e-mail sent again.
    sent_before = len([m for m in mail.outbox if "ada@example.net" in m.to])
    run_action(page, site, "/admin/badges/award/", [award.pk], "notify_again")
    assert "1 e-mail(s) sent again" in messages_text(page), messages_text(page)
    assert len([m for m in mail.outbox if "ada@example.net" in m.to]) == sent_before + 1
    screenshot(page, "console-08-resent")

    # 6. Revoked with a reason, then re-issued: a new badge, the revoked one kept in the history.
    run_action(page, site, "/admin/badges/award/", [award.pk], "revoke")
    page.locator("textarea[name=reason]").fill("Issued before the final project was marked.")
    screenshot(page, "console-09-revoke-confirm")
    with page.expect_navigation():
        page.locator("input[type=submit][value=Revoke]").click()
    assert "1 badge(s) revoked." in messages_text(page), messages_text(page)
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED
    # Completing again does not undo a revocation, and says so.
    run_action(page, site, "/admin/courses/enrolment/", [enrolment.pk], "mark_completed")
    assert "1 badge is revoked: nothing was issued" in messages_text(page), messages_text(page)
    run_action(page, site, "/admin/badges/award/", [award.pk], "reissue")
    assert "re-issued" in messages_text(page), messages_text(page)
    screenshot(page, "console-10-reissued")
    run_worker()
    reissued = Award.objects.exclude(pk=award.pk).get(enrolment=enrolment)
    assert reissued.status == AwardStatus.ISSUED and reissued.supersedes_id == award.pk
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED

    # 7. The learner's name corrected: reviewed first, then applied.
    page.goto(f"{site}/admin/badges/award/{reissued.pk}/correct/")
    page.locator("input[name=name]").fill("Augusta Ada King")
    with page.expect_navigation():
        page.locator("input[name=review]").click()
    screenshot(page, "console-11-correct-review")
    with page.expect_navigation():
        page.locator("input[name=apply]").click()
    assert "correction" in messages_text(page).lower(), messages_text(page)
    screenshot(page, "console-12-corrected")
    page.goto(f"{site}/admin/badges/award/")
    assert "Augusta Ada King" in page.locator("#result_list").inner_text()

    # 8. A CSV as Excel writes it in French: semicolons, French headers, a dd/mm/yyyy date, a byte-order mark.
    french = "Courriel;Nom;Code du cours;Date de fin\r\nbeatrice@example.net;Béatrice Dupont;data-101;15/11/2026\r\n"
    page.goto(f"{site}/admin/courses/enrolment/import/")
    if page.locator("select[name=issuer]").count():
        page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=file]").set_input_files(
        files=[{"name": "inscriptions.csv", "mimeType": "text/csv", "buffer": french.encode("utf-8-sig")}]
    )
    with page.expect_navigation():
        page.locator("input[type=submit]").click()
    assert "Béatrice Dupont" in page.locator("#import-rows").inner_text()
    assert page.locator("#import-file-errors").count() == 0
    screenshot(page, "console-13-import-preview")
    with page.expect_navigation():
        page.locator("#import-confirm").click()
    screenshot(page, "console-14-import-applied")
    run_worker()
    beatrice = Award.objects.get(learner__email="beatrice@example.net")
    assert beatrice.status == AwardStatus.ISSUED and beatrice.issued_on.strftime("%d/%m/%Y") == "15/11/2026"

    # 9. The awards exported as the list shows them.
    page.goto(f"{site}/admin/badges/award/")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    exported = " ".join(",".join(r) for r in rows[1:])
    assert "ada@example.net" in exported and "beatrice@example.net" in exported
    assert len(rows) - 1 == Award.objects.filter(issuer=owner.issuer).count()
    assert dashboard_total(page, site, "revoked") == str(Award.objects.filter(status=AwardStatus.REVOKED).count())
    screenshot(page, "console-15-dashboard-end")

    # 10. A learner who left: enrolled by the form, withdrawn, and then not completed by mistake.
    page.goto(f"{site}/admin/courses/enrolment/add/")
    page.locator("select[name=course]").select_option(str(course.pk))
    page.locator("input[name=email]").fill("charles@example.net")
    page.locator("input[name=name]").fill("Charles Babbage")
    submit(page)
    leaver = Enrolment.objects.get(course=course, learner__email="charles@example.net")
    run_action(page, site, "/admin/courses/enrolment/", [leaver.pk], "withdraw")
    assert "1 enrolment withdrawn." in messages_text(page), messages_text(page)
    run_action(page, site, "/admin/courses/enrolment/", [leaver.pk], "mark_completed")
    said = messages_text(page)
    assert "1 withdrawn enrolment was skipped." in said and "queued" not in said, said
    assert not Award.objects.filter(enrolment=leaver).exists()
    screenshot(page, "console-16-withdrawn-skipped")
    # They come back: enrolled again, and then completed.
    run_action(page, site, "/admin/courses/enrolment/", [leaver.pk], "reenrol")
    assert "1 enrolment enrolled again." in messages_text(page), messages_text(page)
    run_action(page, site, "/admin/courses/enrolment/", [leaver.pk], "mark_completed")
    assert "1 enrolment completed; its badge is queued for issuing." in messages_text(page), messages_text(page)

    # 11. The dashboard on a phone.
    phone = new_page(width=390, height=844)
    phone_watch = Watch()
    phone_watch.attach(phone)
    admin_sign_in(phone, site, owner.user.email)
    phone.goto(f"{site}/admin/dashboard/")
    assert phone.locator("#total-issued").is_visible()
    screenshot(phone, "console-17-dashboard-390px")
    phone_watch.assert_clean()
    watch.assert_clean()
