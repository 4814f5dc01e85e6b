"""Writes for the institution console's numbers: page views and verifications of an award, the worker's heartbeat.

Each is one UPDATE with F() (no read first, no lost increment under concurrency). A queryset update() leaves
Award.updated_at alone, which keys the verification cache (badges/verification/award.py), so counting never
throws away a cached verification.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from .models import Award, AwardStatus, WorkerHeartbeat

_VERIFIABLE = (AwardStatus.ISSUED, AwardStatus.REVOKED)


def award_view_count(*, award_id: int) -> None:
    """One more view of the award's page by someone other than its holder."""
    Award.objects.filter(pk=award_id).update(view_count=F("view_count") + 1)


def awards_verification_count(*, public_ids: Iterable[str] = (), uuids: Iterable[str] = ()) -> int:
    """One more verification of each of these awards (by public id or credential uuid), in one UPDATE.

    Returns how many awards were counted.
    """
    public_ids, uuids = sorted(set(public_ids)), sorted(set(uuids))
    if not public_ids and not uuids:
        return 0
    awards = Award.objects.filter(status__in=_VERIFIABLE)
    if public_ids and uuids:
        awards = awards.filter(public_id__in=public_ids) | awards.filter(uuid__in=uuids)
    elif public_ids:
        awards = awards.filter(public_id__in=public_ids)
    else:
        awards = awards.filter(uuid__in=uuids)
    return awards.update(verification_count=F("verification_count") + 1, last_verified_at=timezone.now())


def worker_heartbeat_record(*, hostname: str) -> None:
    """The worker `hostname` is alive now (one row per worker, updated in place)."""
    WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen_at": timezone.now()})
