"""A store that refuses the baked files is a passing outage, not a verdict on the award: the batch is retried later
(TransientIssueError), the award stays pending with no failure shown to the institution, nothing is published."""

import pytest
from django.db import OperationalError

from badges.issuing import TransientIssueError, award_issue, awards_issue, queue_notify
from badges.models import Award, AwardStatus
from courses.services import enrolment_complete
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db


def test_a_store_that_cannot_take_the_baked_files_leaves_the_award_pending_for_a_retry(settings, monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())  # its artwork is readable
    # The folder baked files go to is a file: the filesystem refuses every write under it (an OSError).
    (settings.MEDIA_ROOT / "baked").write_bytes(b"")
    with pytest.raises(TransientIssueError, match="Storage unavailable"):
        awards_issue(award_ids=[created.pk])
    award = Award.objects.get(pk=created.pk)
    assert award.status == AwardStatus.PENDING and award.failure_reason == ""
    assert not award.baked_png and not award.ob3_credential

    (settings.MEDIA_ROOT / "baked").unlink()  # the store is back: the retry issues it
    assert award_issue(award_id=created.pk) is True
    assert Award.objects.get(pk=created.pk).status == AwardStatus.ISSUED


def test_a_database_failure_while_publishing_leaves_the_award_pending_and_no_baked_file(settings, monkeypatch):
    """The publishing UPDATE fails (here: the database answers that it is locked); the batch is retried later, and
    the files baked for it are deleted rather than left behind unpublished."""
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("badges.issuing._mark_issued", locked)
    with pytest.raises(TransientIssueError, match="locked"):
        awards_issue(award_ids=[created.pk])
    award = Award.objects.get(pk=created.pk)
    assert award.status == AwardStatus.PENDING and not award.baked_png
    baked = settings.MEDIA_ROOT / "baked"
    assert not baked.exists() or not any(p.is_file() for p in baked.rglob("*"))


def test_a_broker_that_refuses_the_emails_is_logged_with_its_cause_and_issuing_goes_on(monkeypatch, caplog):
    """The learners' e-mails cannot be queued (the broker is down): the awards stay issued, the sweep sends the
    e-mails later, and the log says why, with the broker's own error, for whoever is on call."""
    from badges import tasks

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("broker at 127.0.0.1:6379 refused the connection")

    monkeypatch.setattr(tasks.award_notify_batch_task, "apply_async", refused)
    with caplog.at_level("WARNING", logger="badges.issuing"):
        queue_notify([1, 2])
    (record,) = [r for r in caplog.records if r.name == "badges.issuing"]
    assert "the sweep will retry" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], ConnectionRefusedError)
