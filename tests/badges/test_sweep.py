"""The pending-award sweep: it finds what the broker lost, and does not flood the broker with what is only waiting."""

import contextlib
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Award, AwardStatus
from badges.sweep import ISSUE_TASK, NOTIFY_TASK, award_sweep, waiting_messages
from badges.tasks import award_issue_batch_task, award_notify_batch_task
from config.celery import app as celery_app
from courses.services import enrolment_complete
from tests.conftest import skip_or_fail
from tests.factories import EnrolmentFactory
from tests.integration.harness import RedisServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls: list = []
    monkeypatch.setattr("badges.services._queue_issue", calls.append)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: calls.append(["notify", *ids]))
    return calls


def _purge() -> None:
    """Empty the queues of the in-memory broker the unit tests share (other tests leave messages in it)."""
    with celery_app.connection_for_write() as connection:
        for name in ("celery", "notifications"):
            with contextlib.suppress(connection.channel_errors):  # never declared: nothing to purge
                connection.default_channel.queue_purge(name)


def _pending_award(age: timedelta) -> Award:
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    Award.objects.filter(pk=award.pk).update(updated_at=timezone.now() - age)
    return award


def test_a_lost_award_is_queued_again_once_per_grace_period(queued):
    _purge()
    award = _pending_award(timedelta(minutes=5))
    queued.clear()
    assert award_sweep(grace_seconds=3600) == (0, 0)  # still within the grace period
    assert award_sweep(grace_seconds=120) == (1, 0)
    assert queued == [[award.id]]
    # The next sweeps, a minute apart, leave it to the message just sent: no second copy within the grace period.
    assert award_sweep(grace_seconds=120) == (0, 0)
    assert queued == [[award.id]]
    Award.objects.filter(pk=award.pk).update(updated_at=timezone.now() - timedelta(minutes=3))
    assert award_sweep(grace_seconds=120) == (1, 0)  # a grace period later it is still pending: lost again


def test_an_award_issued_meanwhile_is_not_marked_by_the_sweep(queued):
    _purge()
    award = _pending_award(timedelta(minutes=5))
    issued_at = timezone.now() - timedelta(minutes=4)
    Award.objects.filter(pk=award.pk).update(status=AwardStatus.ISSUED, updated_at=issued_at, issued_at=issued_at)
    award_sweep(grace_seconds=120)
    assert Award.objects.get(pk=award.pk).updated_at == issued_at


def test_nothing_is_queued_while_the_broker_still_holds_issuing_messages(queued):
    _purge()
    award = _pending_award(timedelta(minutes=5))
    queued.clear()
    award_issue_batch_task.apply_async(args=[[award.id]], retry=False)  # a backlog the workers have not reached
    assert waiting_messages(ISSUE_TASK) == 1
    assert award_sweep(grace_seconds=120) == (0, 0)
    assert queued == []
    _purge()
    assert award_sweep(grace_seconds=120) == (1, 0)  # the queue drained and the award is still pending: lost


def test_a_broker_that_cannot_say_does_not_stop_the_sweep(queued, monkeypatch):
    _purge()
    award = _pending_award(timedelta(minutes=5))
    queued.clear()

    def down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(celery_app, "connection_for_read", down)
    assert waiting_messages(ISSUE_TASK) is None
    assert award_sweep(grace_seconds=120) == (1, 0)
    assert queued == [[award.id]]


@pytest.fixture
def redis_broker():
    """The Celery app pointed at a private Redis server for one test, as a deployment's broker."""
    if shutil.which("redis-server") is None:
        skip_or_fail("the sweep's broker test needs redis-server on PATH")
    server = RedisServer()
    server.start()
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = server.url
    try:
        yield server
    finally:
        celery_app.conf.broker_url = original
        server.stop()


def test_the_queue_lengths_are_read_from_a_real_redis_broker(redis_broker, queued):
    award = _pending_award(timedelta(minutes=5))
    queued.clear()
    assert waiting_messages(ISSUE_TASK) == 0  # no queue declared yet on this broker: nothing waiting
    with celery_app.connection_for_write() as connection:
        for _ in range(3):
            award_issue_batch_task.apply_async(args=[[award.id]], connection=connection, retry=False)
        award_notify_batch_task.apply_async(args=[[award.id]], connection=connection, retry=False)
    assert waiting_messages(ISSUE_TASK) == 3
    assert waiting_messages(NOTIFY_TASK) == 1
    assert award_sweep(grace_seconds=120) == (0, 0)
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")
    assert waiting_messages(ISSUE_TASK) == 0
    assert award_sweep(grace_seconds=120) == (1, 0)
    assert queued == [[award.id]]
