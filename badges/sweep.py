"""The periodic sweep that makes completions survive a broker outage: re-queue what is still pending."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Award, AwardStatus

log = logging.getLogger(__name__)


def award_sweep(*, grace_seconds: int | None = None) -> tuple[int, int]:
    """Queue issuing for awards pending longer than the grace period, and e-mails never sent. Returns counts.

    Queueing twice is harmless: the tasks check state first.
    """
    from .issuing import queue_notify
    from .services import _queue_issue

    grace = timedelta(seconds=settings.AWARD_PENDING_GRACE_SECONDS if grace_seconds is None else grace_seconds)
    cutoff = timezone.now() - grace
    pending = list(
        Award.objects.filter(status=AwardStatus.PENDING, updated_at__lte=cutoff).values_list("id", flat=True)
    )
    # An award already expired is never e-mailed as new (badges.notifications._claim): not queued either.
    unnotified = list(
        Award.objects.filter(status=AwardStatus.ISSUED, notified_at__isnull=True, issued_at__lte=cutoff)
        .exclude(expires_on__lte=timezone.now())
        .values_list("id", flat=True)
    )
    if pending:
        _queue_issue(pending)
    if unnotified:
        queue_notify(unnotified)
    if pending or unnotified:
        log.info("Sweep queued %d pending award(s) and %d e-mail(s)", len(pending), len(unnotified))
    return len(pending), len(unnotified)
