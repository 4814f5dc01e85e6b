"""The issuing pipeline without a worker: exactly-once issuing and e-mail, batches, sweep, revocation, renewal,
expiry reminders, and a failed award that the institution can retry."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from badges.issuing import award_issue, awards_issue
from badges.models import Award, AwardStatus
from badges.notifications import award_notify, awards_remind_expiring
from badges.openbadges.ob3.status_list import decode_list, get_bit
from badges.services import AwardError, award_renew, award_retry, award_revoke
from badges.status_lists import status_list_credential
from badges.verification.award import verify_award
from courses.services import Completion, enrolment_complete, enrolments_complete
from issuers.models import AuditEvent
from tests.factories import CourseFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls: list[list[int]] = []
    monkeypatch.setattr("badges.services._queue_issue", calls.append)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: calls.extend(["notify", i] for i in ids))
    return calls


def test_an_award_is_issued_once_and_emailed_once(django_capture_on_commit_callbacks, queued):
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    with django_capture_on_commit_callbacks(execute=True):
        assert award_issue(award_id=award.id) is True
        assert award_issue(award_id=award.id) is False  # a redelivered task changes nothing
    award.refresh_from_db()
    assert award.status == AwardStatus.ISSUED and award.baked_png and award.ob3_credential["proof"]
    assert queued.count(["notify", award.id]) == 1
    assert award_notify(award_id=award.id) is True
    assert award_notify(award_id=award.id) is False
    assert len(mail.outbox) == 1 and award.learner.email in mail.outbox[0].to
    assert f"/assertions/{award.public_id}?claim=" in mail.outbox[0].body
    assert mail.outbox[0].alternatives and "text/html" in mail.outbox[0].alternatives[0][1]
    assert verify_award(award=award).verdict == "valid"
    assert AuditEvent.objects.filter(action="award.issue", target_id=award.public_id).count() == 1


def test_a_batch_of_completions_is_created_and_issued_together(queued):
    course = CourseFactory()
    enrolments = [EnrolmentFactory(course=course) for _ in range(30)]
    awards = enrolments_complete(actor=None, completions=[Completion(e) for e in enrolments])
    assert len({a.status_list_index for a in awards}) == 30
    assert awards_issue(award_ids=[a.id for a in awards]) == 30
    assert Award.objects.filter(status=AwardStatus.ISSUED).count() == 30
    assert awards_issue(award_ids=[a.id for a in awards]) == 0


def test_revocation_sets_the_status_bit_and_can_tell_the_learner(django_capture_on_commit_callbacks, queued):
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=award.id)
    with pytest.raises(AwardError):
        award_revoke(actor=None, award=award, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(actor=None, award=award, reason="Plagiarism", notify_learner=True)
    bits = decode_list(status_list_credential(issuer=award.issuer)["credentialSubject"]["encodedList"])
    assert get_bit(bits, award.status_list_index) is True
    assert len(mail.outbox) == 1 and "Plagiarism" in mail.outbox[0].body
    assert verify_award(award=Award.objects.get(pk=award.pk)).verdict == "invalid"


def test_a_permanent_failure_is_recorded_and_retryable(queued, monkeypatch):
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    from badges import issuing

    def broken(*args, **kwargs):
        raise issuing.PermanentIssueError("artwork unreadable")

    monkeypatch.setattr(issuing, "produce", broken)
    assert award_issue(award_id=award.id) is False
    award.refresh_from_db()
    assert award.status == AwardStatus.FAILED and "artwork unreadable" in award.failure_reason
    monkeypatch.undo()
    queued.clear()
    award_retry(actor=None, award=award)
    assert Award.objects.get(pk=award.pk).status == AwardStatus.PENDING


def test_renewal_keeps_the_original_award_date(queued):
    course = CourseFactory(badge_class__validity_days=30)
    first = timezone.now() - timedelta(days=25)
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course), completed_at=first)
    award_issue(award_id=award.id)
    award_renew(actor=None, award=award, evidence_url="https://example.org/new-evidence")
    assert award_issue(award_id=award.id) is True
    award.refresh_from_db()
    credential = award.ob3_credential
    assert credential["awardedDate"].startswith(first.strftime("%Y-%m-%d"))
    assert credential["validFrom"] > credential["awardedDate"]
    assert (award.expires_on - timezone.now()).days >= 29
    assert credential["evidence"][0]["id"] == "https://example.org/new-evidence"
    assert verify_award(award=award).verdict == "valid"


def test_expiry_reminder_is_sent_once(queued):
    course = CourseFactory(badge_class__validity_days=40)
    award = enrolment_complete(
        actor=None, enrolment=EnrolmentFactory(course=course), completed_at=timezone.now() - timedelta(days=20)
    )
    award_issue(award_id=award.id)
    assert awards_remind_expiring(within_days=30) == 1
    assert awards_remind_expiring(within_days=30) == 0
    assert len(mail.outbox) == 1 and "expires on" in mail.outbox[0].body


def test_admin_revocation_can_email_the_learner(client, django_capture_on_commit_callbacks, queued):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from issuers.models import Role
    from tests.factories import MembershipFactory

    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=award.id)
    client.force_login(MembershipFactory(issuer=award.issuer, role=Role.AWARDER).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/badges/award/",
            {
                "action": "revoke",
                ACTION_CHECKBOX_NAME: [award.pk],
                "reason": "Withdrawn",
                "apply": "1",
                "notify_learner": "1",
            },
        )
    assert response.status_code == 302
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED
    assert len(mail.outbox) == 1 and "Withdrawn" in mail.outbox[0].body


def test_a_failed_send_is_unclaimed_so_the_retry_sends_it(queued, monkeypatch):
    from badges import notifications

    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=award.id)

    def smtp_down(message):
        raise OSError("connection refused")

    monkeypatch.setattr(notifications, "_deliver", smtp_down)
    with pytest.raises(OSError):
        award_notify(award_id=award.id)
    assert Award.objects.get(pk=award.pk).notified_at is None
    monkeypatch.undo()
    assert award_notify(award_id=award.id) is True
    assert len(mail.outbox) == 1


def test_a_batch_send_failing_midway_unclaims_only_what_was_not_sent(queued, monkeypatch):
    from badges import notifications

    awards = [enrolment_complete(actor=None, enrolment=EnrolmentFactory()) for _ in range(3)]
    for award in awards:
        award_issue(award_id=award.id)
    ids = sorted(a.id for a in awards)
    delivered = []

    def second_fails(message):
        if len(delivered) == 1:
            raise OSError("connection reset")
        delivered.append(message.to[0])
        mail.outbox.append(message)

    monkeypatch.setattr(notifications, "_deliver", second_fails)
    with pytest.raises(OSError):
        notifications.awards_notify(award_ids=ids)
    notified = dict(Award.objects.filter(pk__in=ids).values_list("pk", "notified_at"))
    assert notified[ids[0]] is not None and notified[ids[1]] is None and notified[ids[2]] is None
    monkeypatch.undo()
    assert notifications.awards_notify(award_ids=ids) == 2
    assert notifications.awards_notify(award_ids=ids) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.learner.email for a in awards)


def test_a_pending_award_is_not_notified_and_not_claimed(queued):
    from badges import notifications

    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    assert notifications.awards_notify(award_ids=[award.id]) == 0
    assert Award.objects.get(pk=award.pk).notified_at is None
    assert mail.outbox == []


def test_a_batch_that_loses_the_race_publishes_nothing_and_deletes_its_files(
    django_capture_on_commit_callbacks, queued, monkeypatch
):
    from django.core.files.storage import default_storage

    from badges import issuing

    awards = [enrolment_complete(actor=None, enrolment=EnrolmentFactory()) for _ in range(2)]
    loser, winner = sorted(awards, key=lambda a: a.pk)
    stored_names = []
    real_store = issuing._store

    def store_then_lose(award, artifacts):
        names = real_store(award, artifacts)
        stored_names.extend(names.values())
        if award.pk == loser.pk:  # another delivery of the same award publishes first
            Award.objects.filter(pk=loser.pk).update(status=AwardStatus.ISSUED, ob2_jws="theirs")
        return names

    monkeypatch.setattr(issuing, "_store", store_then_lose)
    with django_capture_on_commit_callbacks(execute=True):
        assert awards_issue(award_ids=[loser.pk, winner.pk]) == 1
    loser.refresh_from_db()
    winner.refresh_from_db()
    assert loser.ob2_jws == "theirs" and loser.ob3_credential is None  # the winner's row is left as it was
    assert winner.status == AwardStatus.ISSUED and winner.ob3_credential["proof"]
    assert [default_storage.exists(name) for name in stored_names] == [False, True]
    assert queued.count(["notify", winner.pk]) == 1 and ["notify", loser.pk] not in queued


def test_learner_emails_have_their_own_queue_after_the_badges():
    from config.celery import app

    def queue_of(task_name):
        return app.amqp.router.route({}, task_name)["queue"].name

    assert list(app.amqp.queues) == ["celery", "notifications"]  # every worker consumes both, in this order
    assert queue_of("badges.tasks.award_issue_batch_task") == "celery"
    assert queue_of("courses.tasks.completion_import_apply_task") == "celery"
    assert queue_of("badges.tasks.award_notify_batch_task") == "notifications"
    assert queue_of("badges.tasks.awards_remind_expiring_task") == "notifications"
