"""Celery tasks for awards: thin wrappers that take an id and call a service that checks state first."""

from celery import shared_task
from celery.signals import worker_ready

from .counters import worker_heartbeat_record
from .issuing import TransientIssueError, award_issue, awards_issue
from .notifications import awards_notify, awards_remind_expiring
from .orphans import baked_orphans_delete
from .sweep import award_sweep

RETRY = {"retry_backoff": 5, "retry_backoff_max": 300, "retry_jitter": True, "max_retries": 8}


@shared_task(acks_late=True, autoretry_for=(TransientIssueError,), time_limit=120, soft_time_limit=100, **RETRY)
def award_issue_task(award_id: int) -> None:
    """Compose, sign, self-verify, bake, store and mark issued. A repeat delivery changes nothing."""
    award_issue(award_id=award_id)


@shared_task(acks_late=True, autoretry_for=(TransientIssueError,), time_limit=600, soft_time_limit=540, **RETRY)
def award_issue_batch_task(award_ids: list[int]) -> None:
    """Issue a batch of awards (keys and artwork loaded once). Each award is issued at most once, so a retry or a
    repeat delivery of the batch only picks up the awards still pending."""
    awards_issue(award_ids=award_ids)


@shared_task(acks_late=True, autoretry_for=(Exception,), time_limit=300, soft_time_limit=280, **RETRY)
def award_notify_batch_task(award_ids: list[int]) -> None:
    """E-mail each learner once; a failure to send un-claims that e-mail, and the retry sends only what is left."""
    awards_notify(award_ids=award_ids)


@shared_task(acks_late=True, time_limit=300)
def award_sweep_task() -> None:
    """Queue awards still pending (or issued but not e-mailed) after the grace period: nothing is lost when the
    broker was down at completion time."""
    award_sweep()


@shared_task(acks_late=True, time_limit=3600)
def baked_orphans_delete_task() -> int:
    """Periodically: delete the baked files no award points at, once no delivery could still publish them. Returns
    how many (the worker's log says it)."""
    return len(baked_orphans_delete())


@shared_task(acks_late=True, time_limit=600)
def awards_remind_expiring_task() -> None:
    """Daily: tell learners whose badge expires within 30 days, once."""
    awards_remind_expiring(within_days=30)


@shared_task(bind=True, ignore_result=True, time_limit=30, soft_time_limit=20)
def worker_heartbeat_task(self) -> None:
    """Beat, every WORKER_HEARTBEAT_SECONDS: the worker that runs this says it is alive (the admin's alert)."""
    worker_heartbeat_record(hostname=self.request.hostname or "unknown")


@worker_ready.connect
def _heartbeat_on_start(sender=None, **kwargs) -> None:
    """A worker that (re)starts says so at once, without waiting for the first beat."""
    from django.db import DatabaseError, connections

    try:
        worker_heartbeat_record(hostname=getattr(sender, "hostname", None) or "unknown")
    except DatabaseError:  # the database is not up yet: the beat task writes the next one
        pass
    finally:
        connections.close_all()
