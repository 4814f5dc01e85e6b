"""Reads for the institution's dashboard and alerts: counts per badge class, the weekly chart, and what needs staff.

Every number comes from a few aggregate queries over the chosen institutions (never a query per award), so the
page costs the same for 10 awards as for 100,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .models import Award, AwardStatus, BadgeClass, WorkerHeartbeat

#: A badge this close to its expiry date counts as "expiring" on the dashboard (as in the learner's backpack).
EXPIRING_WITHIN = timedelta(days=30)
#: Weeks drawn in the chart.
CHART_WEEKS = 12
#: The worker is "not seen" after this many missed heartbeats.
HEARTBEAT_MISSES = 3

METRICS = (
    "issued",
    "pending",
    "failed",
    "emailed",
    "claimed",
    "public",
    "verified",
    "verifications",
    "views",
    "expiring",
    "revoked",
)


def _metric_aggregates(prefix: str, now: datetime) -> dict[str, Any]:
    """Count/Sum expressions for every metric, over the awards reached through `prefix` ("" or "awards__")."""
    issued = Q(**{f"{prefix}status": AwardStatus.ISSUED})
    live = Q(**{f"{prefix}status__in": [AwardStatus.ISSUED, AwardStatus.REVOKED]})
    pk = f"{prefix}id" if prefix else "id"

    def count(condition: Q) -> Count:
        return Count(pk, filter=condition)

    return {
        "issued": count(issued),
        "pending": count(Q(**{f"{prefix}status": AwardStatus.PENDING})),
        "failed": count(Q(**{f"{prefix}status": AwardStatus.FAILED})),
        "revoked": count(Q(**{f"{prefix}status": AwardStatus.REVOKED})),
        # Of the badges that are live now: what a badge officer reports on.
        # E-mailed: sent and not refused since (the once-only marker stays set on an unsendable message).
        "emailed": count(
            issued & Q(**{f"{prefix}notified_at__isnull": False, f"{prefix}email_failed_at__isnull": True})
        ),
        "claimed": count(issued & Q(**{f"{prefix}learner__user__isnull": False})),
        "public": count(issued & Q(**{f"{prefix}public": True})),
        "expiring": count(
            issued & Q(**{f"{prefix}expires_on__gt": now, f"{prefix}expires_on__lte": now + EXPIRING_WITHIN})
        ),
        # Employers check revoked badges too (and are told so): those checks count.
        "verified": count(live & Q(**{f"{prefix}verification_count__gt": 0})),
        "verifications": Sum(f"{prefix}verification_count", filter=live, default=0),
        "views": Sum(f"{prefix}view_count", filter=live, default=0),
    }


@dataclass(frozen=True)
class ChartBar:
    week: datetime
    count: int
    x: float
    y: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + CHART_BAR_WIDTH / 2, 1)

    @property
    def label_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Dashboard:
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    chart: list[ChartBar]
    chart_max: int
    alerts: list[Alert] = field(default_factory=list)


#: Geometry of the chart's SVG (a viewBox; the page scales it to its width).
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 600.0, 200.0, 16.0, 28.0
CHART_BAR_WIDTH = round(CHART_WIDTH / CHART_WEEKS * 0.7, 1)


def _chart(issuer_ids, now: datetime) -> tuple[list[ChartBar], int]:
    """Awards issued per week over the last CHART_WEEKS weeks (this week last), as bars of an SVG chart."""
    this_week = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    this_week -= timedelta(days=this_week.weekday())
    first = this_week - timedelta(weeks=CHART_WEEKS - 1)
    counts = {
        row["week"].date(): row["n"]
        for row in Award.objects.filter(
            issuer_id__in=issuer_ids,
            issued_at__gte=first,
            status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED],  # a retried failure has an issued_at too
        )
        .annotate(week=TruncWeek("issued_at"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    }
    weeks = [first + timedelta(weeks=i) for i in range(CHART_WEEKS)]
    values = [counts.get(week.date(), 0) for week in weeks]
    top = max(values) or 1
    slot = CHART_WIDTH / CHART_WEEKS
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars = []
    for i, (week, value) in enumerate(zip(weeks, values, strict=True)):
        height = round(usable * value / top, 1)
        bars.append(ChartBar(week, value, round(i * slot + slot * 0.15, 1), CHART_TOP + usable - height, height))
    return bars, max(values)


def dashboard_for(*, issuer_ids, now: datetime | None = None) -> Dashboard:
    """The counts of these institutions' awards, per badge class and in total, and the weekly chart.

    Two aggregate queries (one per badge class, one for the chart) plus the alerts' few.
    """
    now = now or timezone.now()
    classes = (
        BadgeClass.objects.filter(issuer_id__in=issuer_ids)
        .annotate(**_metric_aggregates("awards__", now))
        .values("id", "public_id", "name", "issuer__name", *METRICS)
        .order_by("issuer__name", "name", "id")
    )
    rows = list(classes)
    totals = {metric: sum(row[metric] or 0 for row in rows) for metric in METRICS}
    chart, chart_max = _chart(issuer_ids, now)
    return Dashboard(rows, totals, chart, chart_max, alerts_for(issuer_ids=issuer_ids, now=now))


# -- alerts ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    """Something staff should act on: what, how many, and the filtered award list that shows them."""

    kind: str  # pending | failed | email | worker
    count: int
    query: str = ""  # the award list's query string that shows these awards
    reasons: tuple[tuple[str, int], ...] = ()  # (reason, how many), most frequent first
    seen_at: datetime | None = None  # worker: the newest heartbeat


def worker_last_seen() -> datetime | None:
    return WorkerHeartbeat.objects.aggregate(newest=Max("seen_at"))["newest"]


def worker_alert(*, now: datetime | None = None) -> Alert | None:
    """An alert when no worker has written its heartbeat for HEARTBEAT_MISSES intervals (or ever)."""
    now = now or timezone.now()
    seen = worker_last_seen()
    if seen is not None and now - seen <= timedelta(seconds=HEARTBEAT_MISSES * settings.WORKER_HEARTBEAT_SECONDS):
        return None
    return Alert("worker", 0, seen_at=seen)


def alerts_for(*, issuer_ids, now: datetime | None = None) -> list[Alert]:
    """What the staff of these institutions should look at now, worst first."""
    now = now or timezone.now()
    awards = Award.objects.filter(issuer_id__in=issuer_ids)
    grace = now - timedelta(seconds=settings.AWARD_PENDING_GRACE_SECONDS)
    counts = awards.aggregate(
        pending=Count("id", filter=Q(status=AwardStatus.PENDING, created_at__lt=grace)),
        failed=Count("id", filter=Q(status=AwardStatus.FAILED)),
        email=Count("id", filter=Q(email_failed_at__isnull=False) & ~Q(status=AwardStatus.REVOKED)),
    )
    alerts = []
    worker = worker_alert(now=now)
    if worker is not None:
        alerts.append(worker)
    if counts["failed"]:
        reasons = (
            awards.filter(status=AwardStatus.FAILED)
            .values("failure_reason")
            .annotate(n=Count("id"))
            .order_by("-n", "failure_reason")[:5]
        )
        alerts.append(
            Alert(
                "failed",
                counts["failed"],
                "status__exact=failed",
                tuple((r["failure_reason"] or "", r["n"]) for r in reasons),
            )
        )
    if counts["pending"]:
        alerts.append(Alert("pending", counts["pending"], "status__exact=pending"))
    if counts["email"]:
        reasons = (
            awards.filter(email_failed_at__isnull=False)
            .exclude(status=AwardStatus.REVOKED)
            .values("email_failure")
            .annotate(n=Count("id"))
            .order_by("-n", "email_failure")[:5]
        )
        alerts.append(
            Alert("email", counts["email"], "email=failed", tuple((r["email_failure"], r["n"]) for r in reasons))
        )
    return alerts
