"""Writes about courses: enrolling learners and completing enrolments — the one path every completion takes."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.models import Award, AwardStatus
from badges.openbadges.hashing import normalize_email
from badges.services import AwardRequest, awards_create
from issuers.services import audit_record, audit_record_many
from learners.models import Learner
from learners.services import learner_get_or_create, learners_get_or_create

from .models import Course, Enrolment, EnrolmentStatus


def enrolment_enrol(*, actor, course: Course, email: str, name: str) -> Enrolment:
    """Enrol the learner with this address (created if new). Idempotent: an existing enrolment is returned."""
    with transaction.atomic():
        learner = learner_get_or_create(issuer=course.issuer, email=email, name=name)
        enrolment, created = Enrolment.objects.get_or_create(course=course, learner=learner)
        if created:
            audit_record(actor=actor, action="enrolment.create", target=enrolment, issuer=course.issuer)
    return enrolment


@dataclass(frozen=True)
class Completion:
    enrolment: Enrolment
    completed_at: datetime | None = None
    evidence_url: str = ""
    evidence_narrative: str = ""


@transaction.atomic
def enrolments_complete(*, actor, completions: list[Completion]) -> list[Award]:
    """Mark enrolments completed and create their pending awards, queued for issuing on commit.

    The one path every completion takes — the admin action, the CSV import, the API — one or ten thousand at a
    time. Completing an enrolment twice returns its first award. A withdrawn enrolment is refused.
    """
    locked = _lock_with_relations([c.enrolment for c in completions])
    withdrawn = [e for e in locked.values() if e.status == EnrolmentStatus.WITHDRAWN]
    if withdrawn:
        names = ", ".join(f"{e.learner.email} ({e.course.code})" for e in withdrawn[:5])
        raise ValidationError(
            _("Withdrawn enrolments cannot be completed; re-enrol first: %(names)s.") % {"names": names}
        )
    now = timezone.now()
    newly_completed = []
    for completion in completions:
        enrolment = locked[completion.enrolment.pk]
        if enrolment.status != EnrolmentStatus.COMPLETED:
            enrolment.status = EnrolmentStatus.COMPLETED
            enrolment.completed_at = completion.completed_at or now
            enrolment.evidence_url = completion.evidence_url or enrolment.evidence_url
            enrolment.evidence_narrative = completion.evidence_narrative or enrolment.evidence_narrative
            newly_completed.append(enrolment)
    _save_completions(newly_completed)
    by_issuer: dict[int, list[Enrolment]] = {}
    for enrolment in newly_completed:
        by_issuer.setdefault(enrolment.course.issuer_id, []).append(enrolment)
    for group in by_issuer.values():
        _audit_enrolments(actor=actor, action="enrolment.complete", enrolments=group)
    return awards_create(actor=actor, requests=[_award_request(locked[c.enrolment.pk]) for c in completions])


@dataclass(frozen=True)
class CompletionReport:
    """What completing a selection really did, one count per outcome, so that no message claims more."""

    queued: int = 0  # newly completed: a new badge is queued for issuing
    pending: int = 0  # its badge was created earlier and still waits for the worker: nothing changed
    issued: int = 0  # its badge was already issued: nothing changed
    revoked: int = 0  # its badge is revoked: nothing issued (badges.services.award_reissue is the way back)
    failed: int = 0  # its badge failed to issue: nothing queued (badges.services.award_retry)


_OUTCOME_OF_EXISTING = {
    AwardStatus.PENDING: "pending",
    AwardStatus.ISSUED: "issued",
    AwardStatus.REVOKED: "revoked",
    AwardStatus.FAILED: "failed",
}


@transaction.atomic
def enrolments_complete_report(*, actor, completions: list[Completion]) -> CompletionReport:
    """Complete enrolments (enrolments_complete) and count what happened to each: completing again never revokes,
    re-issues or retries a badge, so an enrolment whose badge exists is reported by that badge's state."""
    before = set(Award.objects.filter(enrolment__in=[c.enrolment.pk for c in completions]).values_list("pk", flat=True))
    awards = enrolments_complete(actor=actor, completions=completions)
    counts = Counter("queued" if a.pk not in before else _OUTCOME_OF_EXISTING[a.status] for a in awards)
    return CompletionReport(**counts)


def _lock_with_relations(given: list[Enrolment]) -> dict[int, Enrolment]:
    """Lock the enrolments (fresh rows, in id order) and attach their course, badge class, issuer and learner.

    Relations already loaded on the caller's objects are reused and the rest loaded once per distinct row: a bulk
    import hands over 10,000 enrolments of one course, which a select_related would rebuild 10,000 times.
    """
    rows = Enrolment.objects.select_for_update().filter(pk__in=[e.pk for e in given]).order_by("pk")
    locked = {e.pk: e for e in rows}
    courses = {e.course_id: e.course for e in given if Enrolment.course.is_cached(e)}
    learners = {e.learner_id: e.learner for e in given if Enrolment.learner.is_cached(e)}
    missing_courses = {e.course_id for e in locked.values()} - courses.keys()
    courses.update(Course.objects.select_related("badge_class__issuer").in_bulk(missing_courses))
    missing_learners = {e.learner_id for e in locked.values()} - learners.keys()
    learners.update(Learner.objects.in_bulk(missing_learners))
    for enrolment in locked.values():
        enrolment.course, enrolment.learner = courses[enrolment.course_id], learners[enrolment.learner_id]
    return locked


def _audit_enrolments(*, actor, action: str, enrolments: list[Enrolment]) -> None:
    """One event per enrolment when there are a few; one event listing them per course for a bulk import (each
    award still gets its own award.create event), which keeps a 10,000-row import's audit trail compact."""
    if len(enrolments) <= 20:
        audit_record_many(actor=actor, action=action, issuer=enrolments[0].course.issuer, targets=enrolments)
        return
    by_course: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_course.setdefault(enrolment.course_id, []).append(enrolment)
    for group in by_course.values():
        course = group[0].course
        audit_record(actor=actor, action=action, target=course, issuer=course.issuer, enrolments=[e.pk for e in group])


def _save_completions(enrolments: list[Enrolment]) -> None:
    """One UPDATE per distinct completion time (usually one per import), then one per row that carries evidence.

    Django's bulk_update builds a CASE expression per row and field, which costs seconds for 10,000 rows.
    """
    by_time: dict = {}
    for enrolment in enrolments:
        by_time.setdefault(enrolment.completed_at, []).append(enrolment.pk)
    for completed_at, ids in by_time.items():
        Enrolment.objects.filter(pk__in=ids).update(status=EnrolmentStatus.COMPLETED, completed_at=completed_at)
    for enrolment in enrolments:
        if enrolment.evidence_url or enrolment.evidence_narrative:
            Enrolment.objects.filter(pk=enrolment.pk).update(
                evidence_url=enrolment.evidence_url, evidence_narrative=enrolment.evidence_narrative
            )


def enrolment_complete(
    *,
    actor,
    enrolment: Enrolment,
    completed_at: datetime | None = None,
    evidence_url: str = "",
    evidence_narrative: str = "",
) -> Award:
    """Complete one enrolment (see enrolments_complete)."""
    completion = Completion(enrolment, completed_at, evidence_url, evidence_narrative)
    return enrolments_complete(actor=actor, completions=[completion])[0]


@transaction.atomic
def enrolments_enrol(*, actor, course_people: list[tuple[Course, str, str]]) -> list[Enrolment]:
    """Batch enrol (course, e-mail, name) rows: learners and enrolments are created in bulk, existing ones reused."""
    return _enrol(actor=actor, course_people=course_people, completions={})[0]


@dataclass(frozen=True)
class NewCompletion:
    """A completion for someone who may not be enrolled yet: the CSV import's "new" rows."""

    course: Course
    email: str
    name: str
    completed_at: datetime | None = None
    evidence_url: str = ""
    evidence_narrative: str = ""


@transaction.atomic
def enrolments_enrol_and_complete(*, actor, rows: list[NewCompletion]) -> list[Award]:
    """Enrol where needed and complete, in bulk: what enrolments_enrol then enrolments_complete write, row for row
    (the same learners, names, enrolments, awards and audit events), returning each row's award.

    An enrolment this call creates is inserted completed: nobody else sees it before the commit, so locking and
    updating it (what enrolments_complete does to an existing enrolment) would be work for nothing — one
    SELECT ... FOR UPDATE and one UPDATE of every row of an import of new learners. Rows whose enrolment exists go
    through enrolments_complete: a withdrawn one refuses the whole batch, a completed one returns its award. The
    same course and address twice share one enrolment and one award.
    """
    by_key: dict[tuple[int, str], NewCompletion] = {}
    for row in rows:
        by_key.setdefault((row.course.pk, normalize_email(row.email)), row)
    enrolments, created = _enrol(
        actor=actor, course_people=[(r.course, r.email, r.name) for r in rows], completions=by_key, now=timezone.now()
    )
    completions: dict[int, Completion] = {}  # an enrolment that exists: the first row naming it completes it
    for enrolment, row in zip(enrolments, rows, strict=True):
        if enrolment.pk not in created:
            completions.setdefault(
                enrolment.pk, Completion(enrolment, row.completed_at, row.evidence_url, row.evidence_narrative)
            )
    done = enrolments_complete(actor=actor, completions=list(completions.values())) if completions else []
    fresh = list({e.pk: e for e in enrolments if e.pk in created}.values())
    awards = {a.enrolment_id: a for a in [*done, *_awards_for_completed(actor=actor, enrolments=fresh)]}
    return [awards[e.pk] for e in enrolments]


def _awards_for_completed(*, actor, enrolments: list[Enrolment]) -> list[Award]:
    """Audit as completed and award enrolments inserted completed (what enrolments_complete does after its UPDATE)."""
    by_issuer = _by_issuer(enrolments)
    for group in by_issuer.values():
        _audit_enrolments(actor=actor, action="enrolment.complete", enrolments=group)
    return awards_create(actor=actor, requests=[_award_request(e) for e in enrolments]) if enrolments else []


def _by_issuer(enrolments: list[Enrolment]) -> dict[int, list[Enrolment]]:
    by_issuer: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_issuer.setdefault(enrolment.course.issuer_id, []).append(enrolment)
    return by_issuer


def _award_request(enrolment: Enrolment) -> AwardRequest:
    return AwardRequest(
        enrolment=enrolment,
        badge_class=enrolment.course.badge_class,
        learner=enrolment.learner,
        issued_on=enrolment.completed_at,
        evidence_url=enrolment.evidence_url,
        narrative=enrolment.evidence_narrative,
    )


def _enrol(
    *, actor, course_people: list[tuple[Course, str, str]], completions: dict, now: datetime | None = None
) -> tuple[list[Enrolment], set[int]]:
    """Enrolments for the rows, one per row, and the ids of those created here. A (course id, address) key in
    `completions` creates that enrolment already completed with the NewCompletion's date and evidence."""
    learners = _learners_of(course_people)
    wanted = {
        (course.pk, learners[normalize_email(email)].pk): (course, normalize_email(email))
        for course, email, _name in course_people
    }
    existing = _enrolments_of(wanted)
    fresh = [
        _new_enrolment(course, learners[email], completions.get((course.pk, email)), now)
        for key, (course, email) in wanted.items()
        if key not in existing
    ]
    completed = _insert_enrolments(fresh, wanted=wanted)
    for enrolment in fresh:
        existing[(enrolment.course_id, enrolment.learner_id)] = enrolment
    by_learner_id = {learner.pk: learner for learner in learners.values()}
    for (course_id, learner_id), enrolment in existing.items():  # attach what we hold, not joined back row by row
        enrolment.course, enrolment.learner = wanted[(course_id, learner_id)][0], by_learner_id[learner_id]
    for group in _by_issuer(fresh).values():
        _audit_enrolments(actor=actor, action="enrolment.create", enrolments=group)
    rows = [existing[(course.pk, learners[normalize_email(email)].pk)] for course, email, _name in course_people]
    return rows, completed


def _learners_of(course_people: list[tuple[Course, str, str]]) -> dict[str, Learner]:
    """The rows' learners by normalised address, created where new. Each institution's names for them are its own
    (learners.LearnerName): one batch per institution."""
    people_by_issuer: dict[int, tuple] = {}
    for course, email, name in course_people:
        issuer_people = people_by_issuer.setdefault(course.issuer_id, (course.issuer, {}))[1]
        issuer_people.setdefault(normalize_email(email), name)
    learners: dict = {}
    for issuer, people in people_by_issuer.values():
        learners.update(learners_get_or_create(issuer=issuer, people=people))
    return learners


def _enrolments_of(wanted: dict) -> dict[tuple[int, int], Enrolment]:
    found = Enrolment.objects.filter(course_id__in={c for c, _l in wanted}, learner_id__in={lid for _c, lid in wanted})
    return {(e.course_id, e.learner_id): e for e in found if (e.course_id, e.learner_id) in wanted}


def _new_enrolment(course: Course, learner: Learner, completion: "NewCompletion | None", now) -> Enrolment:
    if completion is None:
        return Enrolment(course=course, learner=learner)
    return Enrolment(
        course=course,
        learner=learner,
        status=EnrolmentStatus.COMPLETED,
        completed_at=completion.completed_at or now,
        evidence_url=completion.evidence_url,
        evidence_narrative=completion.evidence_narrative,
    )


def _insert_enrolments(fresh: list[Enrolment], *, wanted: dict) -> set[int]:
    """Insert the new enrolments (their ids come back from the INSERT); return the ids of those inserted completed.

    A concurrent import may have enrolled one of these pairs since they were read: the plain INSERT then fails in
    its savepoint, and the rows go in as the row-by-row way writes them — enrolled only, skipping conflicts, read
    back — so that every completion of the batch then goes through enrolments_complete, which locks the rows.
    """
    if not fresh:
        return set()
    try:
        with transaction.atomic():
            Enrolment.objects.bulk_create(fresh, batch_size=1000)
    except IntegrityError:
        plain = [Enrolment(course_id=e.course_id, learner_id=e.learner_id) for e in fresh]
        Enrolment.objects.bulk_create(plain, batch_size=1000, ignore_conflicts=True)
        found = _enrolments_of(wanted)
        for index, enrolment in enumerate(fresh):
            fresh[index] = found[(enrolment.course_id, enrolment.learner_id)]
        return set()
    if any(e.pk is None for e in fresh):  # a backend that cannot return the ids (PostgreSQL and SQLite do)
        found = _enrolments_of(wanted)
        for enrolment in fresh:
            enrolment.pk = found[(enrolment.course_id, enrolment.learner_id)].pk
    return {e.pk for e in fresh if e.status == EnrolmentStatus.COMPLETED}


@transaction.atomic
def enrolment_reenrol(*, actor, enrolment: Enrolment) -> bool:
    """Enrol a withdrawn learner again (they came back), so the enrolment can be completed: what the refusal to
    complete a withdrawn enrolment asks for. Returns whether it changed; any other enrolment is left as it is."""
    enrolment = Enrolment.objects.select_for_update().select_related("course__issuer").get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        return False
    enrolment.status = EnrolmentStatus.ENROLLED
    enrolment.save(update_fields=["status"])
    audit_record(actor=actor, action="enrolment.reenrol", target=enrolment, issuer=enrolment.course.issuer)
    return True


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment: Enrolment) -> Enrolment:
    """Withdraw an enrolment (the learner left, or the completion is cancelled): it can no longer be completed and
    its badge can no longer be re-issued. Idempotent.

    An enrolment whose badge is live (not revoked) is refused: revoke the badge first, with the reason anyone who
    checks it will see. Withdrawing never revokes by itself, because a revocation is public and needs that reason
    (docs/decisions/0016-corrections-keep-the-history.md). A completed enrolment keeps its completion date.
    """
    from django.utils.translation import gettext as _

    from badges.models import AwardStatus

    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return enrolment
    if Award.objects.filter(enrolment=enrolment).exclude(status=AwardStatus.REVOKED).exists():
        raise ValidationError(_("This enrolment's badge is not revoked: revoke it first, then withdraw."))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status"])
    audit_record(actor=actor, action="enrolment.withdraw", target=enrolment, issuer=enrolment.course.issuer)
    return enrolment
