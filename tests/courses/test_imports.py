"""CSV import: every kind of bad row gets a line-numbered error in the preview, and nothing is written."""

import pytest
from django.urls import reverse

from badges.models import Award
from courses.imports import ImportNotApplicable, completion_import_apply, completion_import_preview
from courses.models import CompletionImport, Enrolment, ImportStatus
from issuers.models import Role
from learners.models import Learner
from tests.factories import CourseFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses():
    own = CourseFactory(code="py101")
    CourseFactory(code="ux201", issuer=own.issuer)
    CourseFactory(code="other1")  # another institution's course
    return own


def counts():
    return (Learner.objects.count(), Enrolment.objects.count(), Award.objects.count())


BAD_FILES = {
    "malformed email": (b"email,name,course\nnot-an-email,Ann,py101\n", 2, "not a valid e-mail"),
    "unknown course": (b"email,name,course\nann@example.org,Ann,zz999\n", 2, "unknown course 'zz999'"),
    # Another institution's code is as unknown here as a made-up one: the preview must not confirm it exists.
    "course of another issuer": (b"email,name,course\nann@example.org,Ann,other1\n", 2, "unknown course 'other1'"),
    "duplicate row": (
        b"email,name,course\nann@example.org,Ann,py101\nANN@example.org ,Ann,py101\n",
        3,
        "duplicate of line 2",
    ),
    "wrong encoding": ("email,name,course\nzoë@example.org,Zoë,py101\n".encode("latin-1"), 0, "not UTF-8"),
    "missing column": (b"email,course\nann@example.org,py101\n", 1, "Missing column(s): name"),
    "unknown column": (
        b"email,name,course,grade\nann@example.org,Ann,py101,A\n",
        1,
        "Unknown column(s): grade",
    ),
    "empty name": (b"email,name,course\nann@example.org,,py101\n", 2, "name is empty"),
    "bad completed": (
        b"email,name,course,completed\nann@example.org,Ann,py101,maybe\n",
        2,
        "'completed' must be",
    ),
    "future completed": (
        b"email,name,course,completed\nann@example.org,Ann,py101,2999-01-01\n",
        2,
        "in the future",
    ),
    "bad evidence url": (
        b"email,name,course,evidence_url\nann@example.org,Ann,py101,javascript:alert(1)\n",
        2,
        "not an http(s) URL",
    ),
    "wrong field count": (b"email,name,course\nann@example.org,Ann\n", 2, "Expected 3 fields, found 2"),
    "empty file": (b"", 1, "The file is empty"),
    "header only": (b"email,name,course\n", 2, "no rows"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", 0, ""),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_each_bad_row_is_reported_with_its_line_and_nothing_written(courses, case):
    content, line, message = BAD_FILES[case]
    good_row = (
        b"" if case in ("empty file", "header only", "binary", "wrong encoding") else b"\nok@example.org,Ok,ux201"
    )
    if case in ("missing column",):
        good_row = b""
    before = counts()
    record, parsed = completion_import_preview(
        actor=None,
        issuer=courses.issuer,
        filename="f.csv",
        content=content.rstrip(b"\n") + good_row + b"\n" if good_row else content,
    )
    assert parsed.errors, case
    assert any(e.line == line and message.lower() in e.message.lower() for e in parsed.errors), parsed.errors
    assert record.status == ImportStatus.REJECTED
    assert counts() == before
    with pytest.raises(ImportNotApplicable):
        completion_import_apply(actor=None, completion_import=record)
    assert counts() == before


def test_preview_then_confirm_imports_everything(courses):
    content = (
        b"Email,Name,Course,Completed,Evidence URL,Narrative\n"
        b"ann@example.org,Ann Example,py101,yes,https://example.org/ann,Built a dashboard\n"
        b"bob@example.org,Bob Example,PY101,,,\n"
        b"cy@example.org,Cy Example,ux201,2026-01-15,,\n"
    )
    record, parsed = completion_import_preview(actor=None, issuer=courses.issuer, filename="f.csv", content=content)
    assert parsed.ok and len(parsed.rows) == 3
    assert counts() == (0, 0, 0)  # the preview is a dry run
    completion_import_apply(actor=None, completion_import=record)
    assert counts() == (3, 3, 2)
    assert Award.objects.get(learner__email="ann@example.org").evidence_url == "https://example.org/ann"
    with pytest.raises(ImportNotApplicable):
        completion_import_apply(actor=None, completion_import=record)  # applying twice does nothing
    assert counts() == (3, 3, 2)


def test_confirmed_import_is_all_or_nothing(courses, monkeypatch):
    content = b"email,name,course,completed\na@example.org,A,py101,yes\nb@example.org,B,py101,yes\n"
    record, _ = completion_import_preview(actor=None, issuer=courses.issuer, filename="f.csv", content=content)
    import courses.imports as imports

    real = imports.enrolments_enrol_and_complete

    def fail_after_writing(**kwargs):
        real(**kwargs)  # the enrolments are completed and the awards created ...
        raise RuntimeError("database went away")  # ... then the import fails before it commits

    monkeypatch.setattr(imports, "enrolments_enrol_and_complete", fail_after_writing)
    with pytest.raises(RuntimeError):
        completion_import_apply(actor=None, completion_import=record)
    assert counts() == (0, 0, 0)
    assert CompletionImport.objects.get(pk=record.pk).status == ImportStatus.PREVIEWED


def test_import_pages_over_http(client, courses):
    membership = MembershipFactory(issuer=courses.issuer, role=Role.AWARDER)
    client.force_login(membership.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("bad.csv", b"email,name,course\nnope,Ann,py101\nann@example.org,Ann,zz\n")
    response = client.post(
        reverse("admin:courses_enrolment_import"), {"issuer": courses.issuer.pk, "file": bad}, follow=True
    )
    page = response.content.decode()
    assert "2 problems found" in page and "not a valid e-mail" in page and "Unknown course" in page
    assert counts() == (0, 0, 0)

    good = SimpleUploadedFile("good.csv", b"email,name,course,completed\nann@example.org,Ann,py101,yes\n")
    response = client.post(
        reverse("admin:courses_enrolment_import"), {"issuer": courses.issuer.pk, "file": good}, follow=True
    )
    assert "1 row is ready to import" in response.content.decode()
    assert client.post(response.request["PATH_INFO"]).status_code == 302
    assert counts() == (1, 1, 1)


def test_the_import_command_applies_a_good_file_once_and_refuses_a_bad_one(courses, tmp_path, monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    good = tmp_path / "good.csv"
    good.write_text("email,name,course,completed\nann@example.org,Ann,py101,yes\nbob@example.org,Bob,ux201,\n")
    call_command("import_completions", str(good), issuer=courses.issuer.slug, dry_run=True)
    assert counts() == (0, 0, 0)
    call_command("import_completions", str(good), issuer=courses.issuer.slug)
    assert counts() == (2, 2, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,course\ncarl@example.org,Carl,py101\nnot-an-email,Dee,py101\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_completions", str(bad), issuer=courses.issuer.slug)
    assert counts() == (2, 2, 1)  # the good row of the bad file was not written either
