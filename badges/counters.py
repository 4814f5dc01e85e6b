"""Writes for the institution console's numbers: page views and verifications of an award, the worker's heartbeat.

Each write is one UPDATE with F() (no read first, no lost increment under concurrency). A queryset update() leaves
Award.updated_at alone and touches no cached verdict, so counting never throws away a cached verification.

The per-award verification API (GET /api/v1/awards/<id>/verify) is the hot path: there a verification is counted in
this process's memory and written with the others of the same moment, at most once every
VERIFY_COUNT_FLUSH_SECONDS per process (a timer writes what is left when the calls stop; exit writes the rest).
Under load one UPDATE per award then stands for hundreds of calls, instead of a row lock and a commit each
(decision 0024). The first call after a quiet spell is written at once, so a lone verification shows immediately.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import connections
from django.db.models import F
from django.utils import timezone

from .models import Award, AwardStatus, WorkerHeartbeat

log = logging.getLogger(__name__)

_VERIFIABLE = (AwardStatus.ISSUED, AwardStatus.REVOKED)


def award_view_count(*, award_id: int) -> None:
    """One more view of the award's page by someone other than its holder."""
    Award.objects.filter(pk=award_id).update(view_count=F("view_count") + 1)


def awards_verification_count(*, public_ids: Iterable[str] = (), uuids: Iterable[str] = (), times: int = 1) -> int:
    """`times` more verifications of each of these awards (by public id or credential uuid), in one UPDATE.

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
    return awards.update(verification_count=F("verification_count") + times, last_verified_at=timezone.now())


# -- verifications counted in memory and written together ---------------------------------------------------------


def _flush_seconds() -> float:
    return float(getattr(settings, "VERIFY_COUNT_FLUSH_SECONDS", 2.0))


class _Pending:
    """This process's verifications not yet written: {public id: calls}, the last write, the timer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.written_at = float("-inf")  # time.monotonic() of the last write: the first call is written at once
        self.timer: threading.Timer | None = None


_pending = _Pending()
# A forked worker starts with nothing pending and no timer (threads do not survive a fork).
os.register_at_fork(after_in_child=lambda: globals().__setitem__("_pending", _Pending()))


def award_verification_count_soon(*, public_id: str) -> None:
    """One more verification of this award: written now if nothing was written for VERIFY_COUNT_FLUSH_SECONDS in
    this process, else with the next write (by the next call past that interval, or by the timer)."""
    pending = _pending
    interval = _flush_seconds()
    with pending.lock:
        pending.counts[public_id] += 1
        if time.monotonic() - pending.written_at < interval:
            if pending.timer is None:
                pending.timer = threading.Timer(interval, _flush_from_timer)
                pending.timer.daemon = True
                pending.timer.start()
            return
    verification_counts_flush()


def verification_counts_flush() -> int:
    """Write this process's pending verifications now (one UPDATE per distinct count); returns the calls written.

    On a database error the counts go back to pending, to be written next time: counting never fails a
    verification.
    """
    pending = _pending
    with pending.lock:
        counts = dict(pending.counts)
        pending.counts.clear()
        pending.written_at = time.monotonic()
        if pending.timer is not None:
            pending.timer.cancel()
            pending.timer = None
    if not counts:
        return 0
    by_times: dict[int, list[str]] = defaultdict(list)
    for public_id, times in counts.items():
        by_times[times].append(public_id)
    written = 0
    for times, public_ids in by_times.items():
        try:
            awards_verification_count(public_ids=public_ids, times=times)
        except Exception:  # noqa: BLE001 - a lost connection must not turn a verification into a 500
            log.warning("Could not write verification counts; kept for the next write", exc_info=True)
            with pending.lock:
                pending.counts.update(dict.fromkeys(public_ids, times))
        else:
            written += times * len(public_ids)
    return written


def _flush_from_timer() -> None:
    """The timer's write, on its own thread and connection, closed afterwards (no connection left behind)."""
    try:
        verification_counts_flush()
    finally:
        connections.close_all()


def _flush_at_exit() -> None:
    try:
        verification_counts_flush()
    except Exception:  # noqa: BLE001 - the interpreter is going away; nothing else can be done
        log.warning("Could not write the verification counts at exit", exc_info=True)


atexit.register(_flush_at_exit)


def worker_heartbeat_record(*, hostname: str) -> None:
    """The worker `hostname` is alive now (one row per worker, updated in place)."""
    WorkerHeartbeat.objects.update_or_create(hostname=hostname[:200], defaults={"seen_at": timezone.now()})
