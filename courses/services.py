"""Writes about courses: enrolling learners and completing enrolments — the one path every completion takes."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from badges.models import Award
from badges.services import award_create
from issuers.services import audit_record
from learners.services import learner_get_or_create

from .models import Course, Enrolment, EnrolmentStatus


def enrolment_enrol(*, actor, course: Course, email: str, name: str) -> Enrolment:
    """Enrol the learner with this address (created if new). Idempotent: an existing enrolment is returned."""
    with transaction.atomic():
        learner = learner_get_or_create(email=email, name=name)
        enrolment, created = Enrolment.objects.get_or_create(course=course, learner=learner)
        if created:
            audit_record(actor=actor, action="enrolment.create", target=enrolment, issuer=course.issuer)
    return enrolment


@transaction.atomic
def enrolment_complete(
    *,
    actor,
    enrolment: Enrolment,
    completed_at: datetime | None = None,
    evidence_url: str = "",
    evidence_narrative: str = "",
) -> Award:
    """Mark the enrolment completed and create its (pending) award, queued for issuing on commit.

    The admin action, the CSV import and the API all call this. Completing twice returns the first award.
    """
    enrolment = (
        Enrolment.objects.select_for_update()
        .select_related("course__badge_class__issuer", "learner")
        .get(pk=enrolment.pk)
    )
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError(f"{enrolment.learner.email} withdrew from {enrolment.course.code}; re-enrol first.")
    if enrolment.status != EnrolmentStatus.COMPLETED:
        enrolment.status = EnrolmentStatus.COMPLETED
        enrolment.completed_at = completed_at or timezone.now()
        enrolment.evidence_url = evidence_url or enrolment.evidence_url
        enrolment.evidence_narrative = evidence_narrative or enrolment.evidence_narrative
        enrolment.save(update_fields=["status", "completed_at", "evidence_url", "evidence_narrative"])
        audit_record(actor=actor, action="enrolment.complete", target=enrolment, issuer=enrolment.course.issuer)
    return award_create(
        actor=actor,
        badge_class=enrolment.course.badge_class,
        learner=enrolment.learner,
        issued_on=enrolment.completed_at,
        enrolment=enrolment,
        evidence_url=enrolment.evidence_url,
        narrative=enrolment.evidence_narrative,
    )


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment: Enrolment) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == EnrolmentStatus.COMPLETED:
        raise ValidationError("A completed enrolment cannot be withdrawn; revoke its badge instead.")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status"])
    audit_record(actor=actor, action="enrolment.withdraw", target=enrolment, issuer=enrolment.course.issuer)
    return enrolment
