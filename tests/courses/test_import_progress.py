"""A large import runs in a worker; the admin follows it with counts, a progress bar and a failure report."""

import pytest
from django.urls import reverse

from badges.issuing import awards_issue
from badges.models import Award, AwardStatus
from courses import imports
from courses.imports import completion_import_apply, completion_import_confirm, completion_import_preview
from courses.models import ImportStatus
from issuers.models import Role
from tests.factories import CourseFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def csv_rows(course, count: int) -> bytes:
    rows = "\n".join(f"l{i}@example.org,L {i},{course.code},yes" for i in range(count))
    return f"email,name,course,completed\n{rows}\n".encode()


def test_large_import_is_handed_to_a_worker_and_progress_is_reported(client, monkeypatch):
    course = CourseFactory()
    membership = MembershipFactory(issuer=course.issuer, role=Role.AWARDER)
    monkeypatch.setattr(imports, "INLINE_APPLY_MAX_ROWS", 5)
    queued = []
    monkeypatch.setattr(
        "courses.tasks.completion_import_apply_task.apply_async", lambda args, retry: queued.append(args)
    )
    record, parsed = completion_import_preview(
        actor=None, issuer=course.issuer, filename="big.csv", content=csv_rows(course, 12)
    )
    assert completion_import_confirm(actor=membership.user, completion_import=record) is False
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLYING and queued == [[record.pk, membership.user.pk]]

    completion_import_apply(actor=None, completion_import=record)  # what the worker task does
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED and len(record.award_ids) == 12

    client.force_login(membership.user)
    progress_url = reverse("admin:courses_completionimport_progress_json", args=[record.public_id])
    assert client.get(progress_url).json() == {
        "status": "applied",
        "status_label": "Imported",
        "rows": 12,
        "completions": 12,
        "issued": 0,
        "pending": 12,
        "failed": 0,
        "revoked": 0,
        "percent": 0,
    }
    awards_issue(award_ids=record.award_ids[:6])
    Award.objects.filter(pk=record.award_ids[6]).update(status=AwardStatus.FAILED, failure_reason="artwork missing")
    body = client.get(progress_url).json()
    assert (body["issued"], body["failed"], body["pending"], body["percent"]) == (6, 1, 5, 58)
    page = client.get(reverse("admin:courses_completionimport_progress", args=[record.public_id])).content.decode()
    assert 'id="progress-bar"' in page and "import-progress.js" in page
    report = client.get(reverse("admin:courses_completionimport_failures", args=[record.public_id])).content.decode()
    assert report.splitlines()[0] == "email,name,badge,reason" and "artwork missing" in report
    assert len(report.strip().splitlines()) == 2


def test_progress_of_another_institutions_import_is_not_found(client):
    course = CourseFactory()
    record, _ = completion_import_preview(
        actor=None, issuer=course.issuer, filename="x.csv", content=csv_rows(course, 1)
    )
    client.force_login(MembershipFactory(role=Role.OWNER).user)
    for name in ("progress", "progress_json", "failures"):
        assert client.get(reverse(f"admin:courses_completionimport_{name}", args=[record.public_id])).status_code == 404


def test_confirming_twice_is_refused(monkeypatch):
    course = CourseFactory()
    monkeypatch.setattr(imports, "INLINE_APPLY_MAX_ROWS", 0)
    monkeypatch.setattr("courses.tasks.completion_import_apply_task.apply_async", lambda args, retry: None)
    record, _ = completion_import_preview(
        actor=None, issuer=course.issuer, filename="x.csv", content=csv_rows(course, 2)
    )
    completion_import_confirm(actor=None, completion_import=record)
    with pytest.raises(imports.ImportNotApplicable):
        completion_import_confirm(actor=None, completion_import=record)
