"""CSV imports as an institution runs them, over HTTP through the admin: the preview says what each row will do
(new, unchanged, will correct, refused) and the report counts what was done; back-dated completions past their
validity are flagged and never e-mailed as new; a failed worker leaves a failed import with a reason and a retry;
files as institutions have them (semicolons, French headers, dd/mm/yyyy, a BOM); a template to start from."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from badges.issuing import awards_issue
from badges.models import Award, AwardStatus
from badges.notifications import awards_notify
from badges.sweep import award_sweep
from courses import imports
from courses.models import CompletionImport, Enrolment, ImportStatus
from issuers.models import Role
from learners.models import LearnerName
from tests.factories import CourseFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


@pytest.fixture
def course():
    return CourseFactory(code="py101")


@pytest.fixture
def staff(client, course):
    membership = MembershipFactory(issuer=course.issuer, role=Role.AWARDER)
    client.force_login(membership.user)
    return membership.user


def upload(client, course, content: bytes, name: str = "f.csv") -> str:
    """Upload a file through the admin's import form; returns the URL of its preview."""
    response = client.post(
        reverse("admin:courses_enrolment_import"),
        {"issuer": course.issuer.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def kinds(page: str) -> list[str]:
    return re.findall(r'data-kind="([a-z]+)"', page)


def counts(page: str, prefix: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(rf'id="{prefix}-([a-z]+)">(\d+)<', page)}


def preview(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def apply(client, url: str) -> str:
    response = client.post(url, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def issue_all() -> None:
    awards_issue(award_ids=list(Award.objects.filter(status=AwardStatus.PENDING).values_list("id", flat=True)))


def test_reimport_with_a_corrected_name_previews_will_correct_and_corrects_it(client, staff, course):
    """Attack on trust in the report: a re-import with a corrected name said "ready", reported "issued: 1" and
    changed nothing. The preview must say "will correct", the apply must correct the institution's name."""
    url = upload(client, course, b"email,name,course,completed\nann@example.org,Ann Exmaple,py101,yes\n")
    apply(client, url)
    issue_all()
    first = Award.objects.get()

    url = upload(client, course, b"email,name,course,completed\nann@example.org,Ann Example,py101,yes\n")
    page = preview(client, url)
    assert kinds(page) == ["correct"]
    assert "Ann Exmaple" in page and "Ann Example" in page
    assert counts(page, "preview") == {"new": 0, "enrol": 0, "unchanged": 0, "correct": 1, "refused": 0, "expired": 0}
    report = apply(client, url)
    assert counts(report, "report") == counts(page, "preview")
    assert LearnerName.objects.get(issuer=course.issuer, learner=first.learner).name == "Ann Example"
    record = CompletionImport.objects.get(public_id=url.rstrip("/").rsplit("/", 1)[-1])
    assert record.status == ImportStatus.APPLIED and record.applied_counts["correct"] == 1


def test_reimport_with_corrected_evidence_reissues_and_the_same_file_again_is_unchanged(client, staff, course):
    """A corrected evidence URL re-issues (the old award revoked as superseded); the same file once more changes
    nothing and says so."""
    apply(client, upload(client, course, b"email,name,course,completed\nann@example.org,Ann,py101,yes\n"))
    issue_all()
    fixed = b"email,name,course,completed,evidence_url\nann@example.org,Ann,py101,yes,https://example.org/ann\n"
    url = upload(client, course, fixed)
    assert kinds(preview(client, url)) == ["correct"]
    apply(client, url)
    live = Award.objects.exclude(status=AwardStatus.REVOKED).get()
    assert live.evidence_url == "https://example.org/ann" and live.supersedes is not None
    assert Award.objects.get(pk=live.supersedes_id).revocation_reason == "superseded"
    issue_all()

    before = set(Award.objects.values_list("id", "status"))
    url = upload(client, course, fixed)
    page = preview(client, url)
    assert kinds(page) == ["unchanged"]
    report = apply(client, url)
    assert counts(report, "report")["unchanged"] == 1 and counts(report, "report")["correct"] == 0
    assert set(Award.objects.values_list("id", "status")) == before


def test_preview_names_each_kind_and_a_refused_row_blocks_the_import(client, staff, course):
    """new, enrol-only, unchanged and refused rows side by side; a refused row (a revoked badge) is listed with its
    reason and nothing is imported (all or nothing)."""
    apply(
        client,
        upload(
            client,
            course,
            b"email,name,course,completed\nold@example.org,Old,py101,yes\nrev@example.org,Rev,py101,yes\n",
        ),
    )
    issue_all()
    from badges.services import award_revoke

    award_revoke(actor=None, award=Award.objects.get(learner__email="rev@example.org"), reason="Cheated")
    content = (
        b"email,name,course,completed\n"
        b"new@example.org,New,py101,yes\n"
        b"enrol@example.org,Enrol,py101,\n"
        b"old@example.org,Old,py101,yes\n"
        b"rev@example.org,Rev,py101,yes\n"
    )
    url = upload(client, course, content)
    page = preview(client, url)
    assert kinds(page) == ["new", "enrol", "unchanged", "refused"]
    assert "revoked" in page
    before = (Enrolment.objects.count(), Award.objects.count())
    client.post(url)
    assert (Enrolment.objects.count(), Award.objects.count()) == before


def test_backdated_completion_past_its_validity_is_flagged_and_never_emailed_as_new(client, staff, course):
    """A completion dated before the badge's validity would issue an already-expired badge e-mailed as new (the
    learner's first view a failed verification). The preview flags it; it is recorded and never e-mailed."""
    course.badge_class.validity_days = 30
    course.badge_class.save()
    content = (
        "Courriel;Nom;Code du cours;Date de fin\n"
        "old@example.org;Ancien;py101;15/01/2020\n"
        "new@example.org;Neuf;py101;oui\n"
    )
    url = upload(client, course, content.encode())
    page = preview(client, url)
    assert kinds(page) == ["new", "new"]
    assert "already expired on 2020-02-14: will be recorded, not e-mailed" in page.lower()
    assert counts(page, "preview")["expired"] == 1
    report = apply(client, url)
    assert counts(report, "report") == counts(page, "preview")
    issue_all()
    expired = Award.objects.get(learner__email="old@example.org")
    assert expired.status == AwardStatus.ISSUED and expired.expires_on < timezone.now()
    mail.outbox.clear()
    awards_notify(award_ids=list(Award.objects.values_list("id", flat=True)))
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    # The sweep does not keep trying to e-mail it either.
    Award.objects.update(issued_at=timezone.now() - timedelta(hours=1))
    assert award_sweep(grace_seconds=0) == (0, 0)


def test_a_failed_worker_leaves_a_failed_import_with_its_reason_and_a_retry(client, staff, course, monkeypatch):
    """A large import whose worker fails stayed "applying" for ever: it is marked failed with the reason, the
    progress page shows it with a retry button, and the retry applies it."""
    from courses.tasks import completion_import_apply_task

    monkeypatch.setattr(imports, "INLINE_APPLY_MAX_ROWS", 1)
    queued = []
    monkeypatch.setattr(
        "courses.tasks.completion_import_apply_task.apply_async", lambda args, retry: queued.append(args)
    )
    url = upload(client, course, b"email,name,course,completed\na@example.org,A,py101,yes\nb@example.org,B,py101,yes\n")
    apply(client, url)
    record = CompletionImport.objects.get()
    assert record.status == ImportStatus.APPLYING and queued

    real = imports.enrolments_enrol_and_complete

    def broken(**kwargs):
        real(**kwargs)
        raise RuntimeError("database went away")

    monkeypatch.setattr(imports, "enrolments_enrol_and_complete", broken)
    with pytest.raises(RuntimeError):
        completion_import_apply_task.run(*queued[0])
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "database went away" in record.failure_reason
    assert Award.objects.count() == 0
    progress = reverse("admin:courses_completionimport_progress", args=[record.public_id])
    page = client.get(progress).content.decode()
    assert "database went away" in page and 'name="retry"' in page

    monkeypatch.setattr(imports, "enrolments_enrol_and_complete", real)
    queued.clear()
    client.post(reverse("admin:courses_completionimport_retry", args=[record.public_id]))
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLYING and queued
    completion_import_apply_task.run(*queued[0])
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED and Award.objects.count() == 2


def test_a_stale_applying_import_is_marked_failed_by_the_sweep(course, monkeypatch):
    """A worker killed by its hard time limit writes nothing: the periodic sweep marks the import failed."""
    from courses.tasks import completion_import_sweep_task

    record, _ = imports.completion_import_preview(
        actor=None, issuer=course.issuer, filename="x.csv", content=b"email,name,course\na@example.org,A,py101\n"
    )
    CompletionImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.APPLYING, applying_since=timezone.now() - timedelta(hours=2)
    )
    fresh, _ = imports.completion_import_preview(
        actor=None, issuer=course.issuer, filename="y.csv", content=b"email,name,course\nb@example.org,B,py101\n"
    )
    CompletionImport.objects.filter(pk=fresh.pk).update(status=ImportStatus.APPLYING, applying_since=timezone.now())
    completion_import_sweep_task.run()
    record.refresh_from_db()
    fresh.refresh_from_db()
    assert record.status == ImportStatus.FAILED and "no progress" in record.failure_reason
    assert fresh.status == ImportStatus.APPLYING
    # The worker that finally picks up the failed import's task does not apply it behind the staff's back.
    from courses.tasks import completion_import_apply_task

    completion_import_apply_task.run(record.pk, None)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and Enrolment.objects.count() == 0


HEADER_VARIANTS = [
    "email,name,course,completed",
    "E-mail,Name,Course code,Completed on",
    "Email,Full name,Course,Completion date",
    "Courriel,Nom,Code du cours,Date de fin",
    "Adresse e-mail,Nom complet,Code cours,Date d'achèvement",
    "ADRESSE E-MAIL , NOM COMPLET , CODE DU COURS , DATE D'ACHEVEMENT",
    "Courriel,Nom,Formation,Date de fin",  # the French admin calls a course a "formation"
]


@pytest.mark.parametrize("header", HEADER_VARIANTS)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_headers_in_english_and_french_with_any_delimiter_excel_writes(client, staff, course, header, delimiter):
    """Excel in French and German locales writes semicolons, "Unicode text" writes tabs, and a BOM; headers come in
    either language, any case, with or without accents."""
    lines = [header.replace(",", delimiter), delimiter.join(["zoe@example.org", "Zoë", "PY101", "31/01/2026"])]
    content = "\ufeff" + "\r\n".join(lines) + "\r\n"
    page = preview(client, upload(client, course, content.encode()))
    assert kinds(page) == ["new"], page[page.find("errornote") - 200 :][:2000]
    assert "2026-01-31" in page


@pytest.mark.parametrize(
    ("value", "kind"), [("oui", "new"), ("O", "new"), ("Yes", "new"), ("vrai", "new"), ("non", "enrol"), ("N", "enrol")]
)
def test_yes_and_no_in_both_languages(client, staff, course, value, kind):
    page = preview(
        client, upload(client, course, f"email;name;course;completed\na@example.org;A;py101;{value}\n".encode())
    )
    assert kinds(page) == [kind]


def test_template_is_linked_from_the_import_page_and_imports_as_is(client, staff, course):
    page = client.get(reverse("admin:courses_enrolment_import")).content.decode()
    template_url = reverse("admin:courses_enrolment_import_template")
    assert template_url in page
    response = client.get(template_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and "email" in lines[0].lower() and "py101" in lines[1]
    assert kinds(preview(client, upload(client, course, response.content))) == ["new"]


def test_template_is_in_french_with_semicolons_for_a_french_admin(client, staff, course):
    response = client.get(reverse("admin:courses_enrolment_import_template"), HTTP_ACCEPT_LANGUAGE="fr")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Courriel;") and "Code du cours" in header
    assert kinds(preview(client, upload(client, course, response.content))) == ["new"]


def test_template_needs_staff_of_an_institution(client, course):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("admin:courses_enrolment_import_template")).status_code == 403
    client.logout()
    assert client.get(reverse("admin:courses_enrolment_import_template")).status_code == 302


def test_a_course_is_named_by_its_code_or_its_public_id_in_the_csv_and_the_api(client, staff, course):
    """The admin import and the API accept the same two names of a course; the course list shows both."""
    content = f"email,name,course\na@example.org,A,{course.public_id}\nb@example.org,B,PY101\n".encode()
    assert kinds(preview(client, upload(client, course, content))) == ["enrol", "enrol"]
    other = CourseFactory()  # another institution: neither its code nor its public id is found
    content = f"email,name,course\na@example.org,A,{other.public_id}\n".encode()
    assert kinds(preview(client, upload(client, course, content))) == ["refused"]

    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(staff)
    body = {"email": "c@example.org", "name": "C", "course": "py101"}
    assert api.post("/api/v1/completions", body, format="json").status_code == 201
    body = {"email": "d@example.org", "name": "D", "course": course.public_id}
    assert api.post("/api/v1/completions", body, format="json").status_code == 201
    body = {"email": "e@example.org", "name": "E", "course": other.code}
    assert api.post("/api/v1/completions", body, format="json").status_code == 404

    changelist = client.get(reverse("admin:courses_course_changelist")).content.decode()
    assert course.public_id in changelist and "py101" in changelist


def test_the_preview_reads_what_exists_in_a_few_queries_whatever_the_number_of_rows(course):
    """The 10,000-row import depends on it: existing learners, names, enrolments and awards are read per batch of
    1,000, not per row, so a re-import of 60 known learners costs what one of 5 costs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def file(n: int, offset: int) -> bytes:
        rows = "".join(f"p{offset + i}@example.org,P {i},py101,yes\n" for i in range(n))
        return f"email,name,course,completed\n{rows}".encode()

    for n, offset in ((5, 0), (60, 100)):
        record, _ = imports.completion_import_preview(
            actor=None, issuer=course.issuer, filename="f.csv", content=file(n, offset)
        )
        imports.completion_import_apply(actor=None, completion_import=record)
    issue_all()

    def queries(n: int, offset: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            parsed = imports.parse_completions_csv(issuer=course.issuer, content=file(n, offset))
        assert [r.kind for r in parsed.rows] == ["unchanged"] * n
        return len(ctx.captured_queries)

    assert queries(5, 0) == queries(60, 100)


def test_the_command_line_import_reports_the_same_kinds(course, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "f.csv"
    path.write_text("Courriel;Nom;Code du cours;Date de fin\na@example.org;A;py101;oui\nb@example.org;B;py101;non\n")
    out = StringIO()
    call_command("import_completions", str(path), issuer=course.issuer.slug, stdout=out)
    assert "new 1, enrol 1, unchanged 0, correct 0, refused 0, expired 0" in out.getvalue()


def test_retry_is_refused_to_a_viewer_and_unknown_to_another_institution(client, course):
    """Who may retry a failed import: an awarder of its institution. A viewer is refused; another institution's
    owner does not learn it exists."""
    record, _ = imports.completion_import_preview(
        actor=None, issuer=course.issuer, filename="x.csv", content=b"email,name,course\na@example.org,A,py101\n"
    )
    CompletionImport.objects.filter(pk=record.pk).update(status=ImportStatus.FAILED, failure_reason="worker lost")
    url = reverse("admin:courses_completionimport_retry", args=[record.public_id])
    client.force_login(MembershipFactory(issuer=course.issuer, role=Role.VIEWER).user)
    assert client.post(url).status_code == 403
    page = client.get(reverse("admin:courses_completionimport_progress", args=[record.public_id])).content.decode()
    assert "worker lost" in page and 'name="retry"' not in page
    client.force_login(MembershipFactory(role=Role.OWNER).user)
    assert client.post(url).status_code == 404
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and Enrolment.objects.count() == 0


def test_a_hostile_header_line_is_read_quickly_and_refused_clearly(client, staff, course):
    """A header of thousands of quotes and delimiters (the delimiter sniffer's worst case) costs a bounded sample."""
    import time

    content = (',"' * 200_000 + "\nann@example.org,Ann,py101\n").encode()
    started = time.monotonic()
    page = preview(client, upload(client, course, content))
    assert time.monotonic() - started < 5
    assert "Missing column(s)" in page or "Unknown column(s)" in page


def test_two_names_for_one_learner_in_one_file_are_refused(client, staff, course):
    """The institution has one name per learner (LearnerName), whatever the course: a file giving two would leave
    one of them silently unused (or correct the name back and forth)."""
    CourseFactory(code="ux201", issuer=course.issuer)
    content = b"email,name,course\nann@example.org,Ann Example,py101\nann@example.org,Anne Exemple,ux201\n"
    page = preview(client, upload(client, course, content))
    assert kinds(page) == ["enrol", "refused"] and "Line 2 gives this e-mail another name" in page


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("soft_time_limit", "ran out of time"),
        ("database", "A database error (OperationalError)"),
    ],
)
def test_a_worker_failure_is_told_to_staff_without_the_servers_details(course, monkeypatch, error, expected):
    """A database error's text can carry connection details (host, user): staff get its kind, the log the rest.
    The soft time limit is told as such."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import OperationalError

    from courses.tasks import completion_import_apply_task

    record, _ = imports.completion_import_preview(
        actor=None, issuer=course.issuer, filename="x.csv", content=b"email,name,course\na@example.org,A,py101\n"
    )
    CompletionImport.objects.filter(pk=record.pk).update(status=ImportStatus.APPLYING, applying_since=timezone.now())
    exc = (
        SoftTimeLimitExceeded()
        if error == "soft_time_limit"
        else OperationalError('connection to server at "db.internal" failed: password authentication failed for user')
    )

    def boom(**kwargs):
        raise exc

    monkeypatch.setattr(imports, "enrolments_enrol", boom)
    with pytest.raises(type(exc)):
        completion_import_apply_task.run(record.pk, None)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED and expected in record.failure_reason
    assert "db.internal" not in record.failure_reason and "password" not in record.failure_reason
