"""Completion: one path, one award per enrolment, an audit row, the issuing task queued on commit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from badges.models import Award, AwardStatus
from courses.models import EnrolmentStatus
from courses.services import enrolment_complete, enrolment_enrol, enrolment_withdraw
from issuers.models import AuditEvent
from tests.factories import CourseFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_completion_creates_one_pending_award_and_queues_it(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("badges.services._queue_issue", queued.append)
    enrolment = EnrolmentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        award = enrolment_complete(actor=None, enrolment=enrolment, evidence_url="https://example.org/work")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.completed_at is not None
    assert award.status == AwardStatus.PENDING
    assert award.issued_on == enrolment.completed_at
    assert award.recipient_hash.startswith("sha256$") and enrolment.learner.email not in award.recipient_hash
    assert award.evidence_url == "https://example.org/work"
    assert queued == [[award.id]]
    assert AuditEvent.objects.filter(action="award.create", target_id=award.public_id).count() == 1


def test_second_completion_returns_the_first_award(django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr("badges.services._queue_issue", queued.append)
    enrolment = EnrolmentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = enrolment_complete(actor=None, enrolment=enrolment)
    with django_capture_on_commit_callbacks(execute=True):
        second = enrolment_complete(actor=None, enrolment=enrolment)
    assert first.pk == second.pk
    assert Award.objects.filter(enrolment=enrolment).count() == 1
    assert queued == [[first.id]]


def test_database_refuses_a_second_award_for_an_enrolment():
    enrolment = EnrolmentFactory()
    first = enrolment_complete(actor=None, enrolment=enrolment)
    clone = Award.objects.get(pk=first.pk)
    clone.pk, clone.id, clone.public_id, clone.status_list_index = (
        None,
        None,
        "another-id",
        first.status_list_index + 1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    assert Award.objects.filter(enrolment=enrolment).count() == 1


def test_validity_period_sets_expiry():
    course = CourseFactory(badge_class__validity_days=365)
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course))
    assert (award.expires_on - award.issued_on).days == 365


def test_withdrawn_enrolment_cannot_complete():
    enrolment = EnrolmentFactory()
    enrolment_withdraw(actor=None, enrolment=enrolment)
    with pytest.raises(ValidationError):
        enrolment_complete(actor=None, enrolment=enrolment)
    assert not Award.objects.exists()


def test_enrol_normalises_the_address_and_is_idempotent():
    course = CourseFactory()
    first = enrolment_enrol(actor=None, course=course, email="  Ann@Example.ORG ", name="Ann")
    again = enrolment_enrol(actor=None, course=course, email="ann@example.org", name="Ann")
    assert first.pk == again.pk and first.learner.email == "ann@example.org"
