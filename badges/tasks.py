"""Celery tasks for awards: thin wrappers that take an id, and call a service that checks state first."""

from celery import shared_task

from .issuing import TransientIssueError, award_issue


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(TransientIssueError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    time_limit=120,
    soft_time_limit=100,
)
def award_issue_task(self, award_id: int) -> None:
    """Compose, sign, self-verify, bake, store and deliver one award. A repeat delivery changes nothing."""
    award_issue(award_id=award_id)
