"""The bulk apply of a CSV import: the rows it writes are those the one-by-one services write, fresh enrolments are
inserted completed (not inserted, locked and updated), and duplicates, re-imports and withdrawn enrolments behave as
before (issue 19: the import's share of 10,000 completions to the last badge)."""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from badges.models import Award
from badges.openbadges.hashing import hash_email
from courses.imports import completion_import_apply, completion_import_preview
from courses.models import Enrolment, EnrolmentStatus
from courses.services import (
    Completion,
    NewCompletion,
    enrolment_complete,
    enrolment_enrol,
    enrolment_withdraw,
    enrolments_complete,
    enrolments_enrol,
    enrolments_enrol_and_complete,
)
from issuers.models import AuditEvent
from learners.models import Learner, LearnerName
from tests.factories import CourseFactory, EnrolmentFactory, LearnerFactory

pytestmark = pytest.mark.django_db

ROWS = 2000


def _csv(code: str, rows: int = ROWS) -> bytes:
    """Every fifth row enrols only; the others complete on a date, some with evidence and a narrative."""
    lines = ["email,name,course,completed,evidence_url,narrative"]
    for i in range(rows):
        completed = "" if i % 5 == 0 else f"2026-0{1 + i % 9}-1{i % 10}"
        evidence = f"https://example.org/work/{i}" if i % 3 == 0 and completed else ""
        narrative = f"Project {i}" if i % 7 == 0 and completed else ""
        lines.append(f"bulk{i}@example.org,Bulk Learner {i},{code},{completed},{evidence},{narrative}")
    return ("\n".join(lines) + "\n").encode()


def _snapshot(issuer) -> dict:
    """What the database holds about each address, in terms that do not depend on ids or creation times."""
    names = dict(LearnerName.objects.filter(issuer=issuer).values_list("learner__email", "name"))
    result = {}
    for learner in Learner.objects.filter(email__startswith="bulk"):
        enrolment = Enrolment.objects.get(learner=learner)
        awards = list(Award.objects.filter(enrolment=enrolment))
        award = awards[0] if awards else None
        result[learner.email] = (
            learner.name,
            names.get(learner.email),
            enrolment.status,
            enrolment.completed_at,
            enrolment.evidence_url,
            enrolment.evidence_narrative,
            len(awards),
            award
            and (
                award.status,
                award.badge_class_id,
                award.issuer_id,
                award.issued_on,
                award.valid_from,
                award.expires_on,
                award.evidence_url,
                award.narrative,
                award.public,
                award.recipient_hash == hash_email(email=learner.email, salt=award.recipient_salt),
            ),
        )
    return result


def _audit_coverage() -> Counter:
    """How many enrolments and awards each audit action covers (a bulk import lists enrolments per course)."""
    covered: Counter = Counter()
    for event in AuditEvent.objects.filter(action__in=["enrolment.create", "enrolment.complete", "award.create"]):
        covered[event.action] += len(event.details.get("enrolments", [])) or 1
    return covered


def test_a_2000_row_import_writes_what_the_one_by_one_services_write():
    course = CourseFactory(code="bulk101", badge_class__validity_days=365)
    parsed_record, parsed = completion_import_preview(
        actor=None, issuer=course.issuer, filename="bulk.csv", content=_csv("bulk101")
    )
    assert parsed.ok, parsed.errors[:3]
    with transaction.atomic():  # the row-by-row way, measured and then rolled back
        for row in parsed.rows:
            enrolment = enrolment_enrol(actor=None, course=row.course, email=row.email, name=row.name)
            if row.completed_at is not None:
                enrolment_complete(
                    actor=None,
                    enrolment=enrolment,
                    completed_at=row.completed_at,
                    evidence_url=row.evidence_url,
                    evidence_narrative=row.narrative,
                )
        one_by_one, one_by_one_audit = _snapshot(course.issuer), _audit_coverage()
        transaction.set_rollback(True)
    assert not Learner.objects.filter(email__startswith="bulk").exists()

    record = completion_import_apply(actor=None, completion_import=parsed_record, parsed=parsed)

    assert len(one_by_one) == ROWS
    assert _snapshot(course.issuer) == one_by_one
    assert _audit_coverage() == one_by_one_audit
    assert record.completed_count == ROWS - ROWS // 5 and record.enrolled_count == ROWS


def test_fresh_enrolments_are_inserted_completed_not_locked_and_updated():
    course = CourseFactory(code="bulk102")
    record, parsed = completion_import_preview(
        actor=None, issuer=course.issuer, filename="bulk.csv", content=_csv("bulk102", rows=300)
    )
    with CaptureQueriesContext(connection) as queries:
        completion_import_apply(actor=None, completion_import=record, parsed=parsed)
    enrolment_table = Enrolment._meta.db_table
    touching = [q["sql"] for q in queries if enrolment_table in q["sql"]]
    assert not [sql for sql in touching if sql.lstrip().upper().startswith("UPDATE")]
    assert not [sql for sql in touching if "FOR UPDATE" in sql.upper() and f'FROM "{enrolment_table}"' in sql]
    assert Enrolment.objects.filter(course=course, status=EnrolmentStatus.COMPLETED).count() == 300 - 60


def test_a_reimport_of_the_same_file_changes_nothing():
    course = CourseFactory(code="bulk103")
    content = _csv("bulk103", rows=200)
    record, parsed = completion_import_preview(actor=None, issuer=course.issuer, filename="a.csv", content=content)
    completion_import_apply(actor=None, completion_import=record, parsed=parsed)
    before, audit_before = _snapshot(course.issuer), AuditEvent.objects.count()
    record, parsed = completion_import_preview(actor=None, issuer=course.issuer, filename="a.csv", content=content)
    assert parsed.counts()["unchanged"] == 200
    record = completion_import_apply(actor=None, completion_import=record, parsed=parsed)
    assert record.completed_count == 0 and record.enrolled_count == 0
    assert _snapshot(course.issuer) == before
    assert AuditEvent.objects.count() == audit_before + 1  # only the import's own "import.apply" event


def test_enrol_and_complete_takes_fresh_and_existing_enrolments_and_a_duplicate_once(
    django_capture_on_commit_callbacks,
):
    course = CourseFactory()
    enrolled = EnrolmentFactory(course=course)  # exists, not completed: completed through enrolments_complete
    done = EnrolmentFactory(course=course)
    first_award = enrolments_complete(actor=None, completions=[Completion(done)])[0]
    rows = [
        NewCompletion(course, "fresh@example.org", "Fresh One", evidence_url="https://example.org/a"),
        NewCompletion(course, enrolled.learner.email, enrolled.learner.name),
        NewCompletion(course, done.learner.email, done.learner.name),
        NewCompletion(course, "FRESH@example.org ", "Fresh One"),  # the same person again, as typed elsewhere
    ]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        awards = enrolments_enrol_and_complete(actor=None, rows=rows)
    assert len(callbacks) >= 1
    fresh = Enrolment.objects.get(learner__email="fresh@example.org")
    assert fresh.status == EnrolmentStatus.COMPLETED and fresh.evidence_url == "https://example.org/a"
    enrolled.refresh_from_db()
    assert enrolled.status == EnrolmentStatus.COMPLETED
    assert awards[0].pk == awards[3].pk and awards[0].enrolment_id == fresh.pk
    assert awards[2].pk == first_award.pk
    assert Award.objects.filter(enrolment__course=course).count() == 3
    assert {a.enrolment_id for a in awards} == {fresh.pk, enrolled.pk, done.pk}


def test_enrol_and_complete_refuses_a_withdrawn_enrolment_and_writes_nothing():
    course = CourseFactory()
    withdrawn = enrolment_withdraw(actor=None, enrolment=EnrolmentFactory(course=course))
    rows = [
        NewCompletion(course, "someone@example.org", "Someone"),
        NewCompletion(course, withdrawn.learner.email, withdrawn.learner.name),
    ]
    with pytest.raises(ValidationError, match="Withdrawn"):
        enrolments_enrol_and_complete(actor=None, rows=rows)
    assert not Learner.objects.filter(email="someone@example.org").exists()
    assert not Award.objects.filter(enrolment__course=course).exists()


def test_enrol_only_batch_still_returns_one_enrolment_per_row():
    course = CourseFactory()
    known = LearnerFactory()
    enrolments = enrolments_enrol(
        actor=None, course_people=[(course, known.email, known.name), (course, "new@example.org", "New")]
    )
    assert [e.learner.email for e in enrolments] == [known.email, "new@example.org"]
    assert all(e.pk and e.status == EnrolmentStatus.ENROLLED for e in enrolments)


def test_a_pair_enrolled_concurrently_falls_back_to_enrolling_then_completing(monkeypatch):
    """Another import enrolled one of the pairs after this batch read the enrolments: the completed INSERT fails in
    its savepoint, the batch enrols skipping the conflict and completes every row through enrolments_complete."""
    import courses.services as services

    course = CourseFactory()
    racer = EnrolmentFactory(course=course)  # committed by "the other import" after our read
    real = services._enrolments_of
    reads = []

    def read_before_the_race(wanted):
        reads.append(wanted)
        return {} if len(reads) == 1 else real(wanted)

    monkeypatch.setattr(services, "_enrolments_of", read_before_the_race)
    rows = [
        NewCompletion(course, "calm@example.org", "Calm", evidence_url="https://example.org/calm"),
        NewCompletion(course, racer.learner.email, racer.learner.name),
    ]
    awards = enrolments_enrol_and_complete(actor=None, rows=rows)
    assert len(reads) == 2  # the fallback read the rows back
    racer.refresh_from_db()
    calm = Enrolment.objects.get(learner__email="calm@example.org")
    assert racer.status == calm.status == EnrolmentStatus.COMPLETED
    assert calm.evidence_url == "https://example.org/calm"
    assert [a.enrolment_id for a in awards] == [calm.pk, racer.pk]
    assert Enrolment.objects.filter(course=course).count() == 2
    assert Award.objects.filter(enrolment__course=course).count() == 2


def _analyzed(table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s", [table])
            row = cursor.fetchone()
            return bool(row and row[0])
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return False
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_large_import_refreshes_the_planner_statistics_of_what_it_wrote():
    """The issuing tasks it queues select its awards by id: with the statistics of the empty tables the database
    scanned the whole award table for every batch of 100 until autovacuum caught up."""
    course = CourseFactory(code="bulk104")
    record, parsed = completion_import_preview(
        actor=None, issuer=course.issuer, filename="a.csv", content=_csv("bulk104", rows=1000)
    )
    assert not _analyzed(Award._meta.db_table)
    completion_import_apply(actor=None, completion_import=record, parsed=parsed)
    assert all(_analyzed(model._meta.db_table) for model in (Award, Enrolment, Learner))
