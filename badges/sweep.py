"""The periodic sweep that makes completions survive a broker outage: re-queue what is still pending.

What the sweep must not do is flood the broker. An award is pending from its completion until a worker issues it,
and a large import keeps thousands pending for longer than the grace period simply because they are waiting their
turn in the queue; re-queueing them every sweep would add a copy of the whole backlog each minute (harmless to the
badges, since every task checks state first, but not to the broker or the workers). So the sweep re-queues only
when the broker's queue for that work is empty — then nothing still pending is waiting in it — and marks what it
re-queues, so that each award is queued again at most once per grace period while a worker is on it.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.utils import timezone

from .models import Award, AwardStatus

log = logging.getLogger(__name__)

ISSUE_TASK = "badges.tasks.award_issue_batch_task"
NOTIFY_TASK = "badges.tasks.award_notify_batch_task"


def _queue_of(task_name: str) -> str:
    route = settings.CELERY_TASK_ROUTES.get(task_name) or {}
    return route.get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)


def waiting_messages(task_name: str) -> int | None:
    """How many messages wait in the broker queue ``task_name`` is routed to (not counting those a worker has
    taken), or None when the broker cannot say — then the sweep queues as if nothing were waiting, since a lost
    award matters more than a duplicate message."""
    queue = _queue_of(task_name)
    try:
        with current_app.connection_for_read() as connection:
            channel = connection.default_channel
            try:
                return channel.queue_declare(queue=queue, passive=True).message_count
            except connection.channel_errors:  # a queue nothing was ever sent to does not exist yet: empty
                return 0
    except Exception:  # noqa: BLE001 — a broker that is down or refuses: the caller decides without the figure
        log.warning("Could not read the length of the %r queue", queue, exc_info=True)
        return None


def award_sweep(*, grace_seconds: int | None = None) -> tuple[int, int]:
    """Queue issuing for awards pending longer than the grace period, and e-mails never sent. Returns counts.

    Queueing twice is harmless: the tasks check state first. Nothing is queued while the broker still holds
    messages of that kind (see the module docstring); what is pending then is swept once the queue drains.
    """
    from .issuing import queue_notify
    from .services import _queue_issue

    now = timezone.now()
    grace = timedelta(seconds=settings.AWARD_PENDING_GRACE_SECONDS if grace_seconds is None else grace_seconds)
    cutoff = now - grace
    pending: list[int] = []
    unnotified: list[int] = []
    issue_backlog = waiting_messages(ISSUE_TASK)
    if not issue_backlog:
        pending = list(
            Award.objects.filter(status=AwardStatus.PENDING, updated_at__lte=cutoff).values_list("id", flat=True)
        )
    notify_backlog = waiting_messages(NOTIFY_TASK)
    if not notify_backlog:
        # An award already expired is never e-mailed as new (badges.notifications._claim): not queued either.
        unnotified = list(
            Award.objects.filter(status=AwardStatus.ISSUED, notified_at__isnull=True, issued_at__lte=cutoff)
            .exclude(expires_on__lte=now)
            .values_list("id", flat=True)
        )
    if pending:
        # Marked before queueing: the next sweeps leave them to this message for a grace period. Only rows still
        # pending are touched, so an award a worker issues meanwhile keeps the worker's writes.
        Award.objects.filter(id__in=pending, status=AwardStatus.PENDING).update(updated_at=now)
        _queue_issue(pending)
    if unnotified:
        queue_notify(unnotified)
    if pending or unnotified:
        log.info("Sweep queued %d pending award(s) and %d e-mail(s)", len(pending), len(unnotified))
    if issue_backlog or notify_backlog:
        log.info(
            "Sweep left the pending work to the queues: %s issuing and %s e-mail message(s) still waiting",
            issue_backlog,
            notify_backlog,
        )
    return len(pending), len(unnotified)
