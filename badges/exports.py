"""CSV exports of awards and of enrolments (with their award) for a badge officer's spreadsheet.

The caller passes the queryset to export (the admin list's, already scoped and filtered); rows are written only
through issuers.spreadsheets (formula-escaped) and learners' names are the institution's own (learners.names).
Streamed in chunks, so a large export neither holds the whole file in memory nor runs a query per row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from issuers.spreadsheets import SpreadsheetDictWriter

from .models import Award, AwardStatus
from .public_urls import assertion_url
from .recipient_names import with_learner_name

CHUNK = 500

AWARD_COLUMNS = (
    "award id",
    "public URL",
    "learner e-mail",
    "name",
    "badge class",
    "course",
    "status",
    "issued",
    "expires",
    "e-mailed",
    "e-mail failure",
    "claimed",
    "public",
    "views",
    "verifications",
    "revocation reason",
)
ENROLMENT_COLUMNS = (
    "learner e-mail",
    "name",
    "course",
    "course code",
    "status",
    "completed",
    "award id",
    "public URL",
    "award status",
    "issued",
    "expires",
    "e-mailed",
    "claimed",
    "public",
    "verifications",
)


def _day(value: datetime | None) -> str:
    return timezone.localtime(value).date().isoformat() if value else ""


def _moment(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _named(queryset: QuerySet, **paths: str) -> QuerySet:
    # The admin's list already annotates the institution's own name; a queryset from elsewhere gets it here.
    return queryset if "recipient_name" in queryset.query.annotations else with_learner_name(queryset, **paths)


def _award_cells(award: Award) -> dict[str, str]:
    issued = award.status in (AwardStatus.ISSUED, AwardStatus.REVOKED)
    return {
        "award id": award.public_id,
        "public URL": assertion_url(award) if issued else "",
        "status": award.status,
        "issued": _day(award.issued_on) if issued else "",
        "expires": _day(award.expires_on),
        "e-mailed": "" if award.email_failed_at else _moment(award.notified_at),
        "claimed": _yes(award.learner.user_id is not None),
        "public": _yes(award.public),
        "verifications": str(award.verification_count),
    }


def _stream(columns, rows: Iterator[dict[str, str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SpreadsheetDictWriter(buffer, fieldnames=columns)
    buffer.write("\ufeff")  # the BOM makes Excel read the file as UTF-8 (accented names)
    writer.writeheader()
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def awards_export_rows(*, awards: QuerySet[Award]) -> Iterator[str]:
    """The CSV text of these awards, in chunks: one row each, columns AWARD_COLUMNS."""
    awards = _named(awards).select_related("learner", "badge_class", "enrolment__course")

    def rows() -> Iterator[dict[str, str]]:
        for award in awards.iterator(chunk_size=CHUNK):
            course = award.enrolment.course.title if award.enrolment_id else ""
            yield {
                **_award_cells(award),
                "learner e-mail": award.learner.email,
                "name": award.recipient_name,
                "badge class": award.badge_class.name,
                "course": course,
                "e-mail failure": award.email_failure if award.email_failed_at else "",
                "views": str(award.view_count),
                "revocation reason": award.revocation_reason,
            }

    return _stream(AWARD_COLUMNS, rows())


def enrolments_export_rows(*, enrolments: QuerySet) -> Iterator[str]:
    """The CSV text of these enrolments, each with its current award (the live one, else the latest)."""
    latest_first = Award.objects.select_related("learner").order_by("-created_at", "-id")
    enrolments = (
        _named(enrolments, issuer="course__issuer")
        .select_related("learner", "course")
        .prefetch_related(Prefetch("awards", queryset=latest_first))
    )

    def rows() -> Iterator[dict[str, str]]:
        for enrolment in enrolments.iterator(chunk_size=CHUNK):
            awards = list(enrolment.awards.all())
            award = next((a for a in awards if a.status != AwardStatus.REVOKED), awards[0] if awards else None)
            cells = dict.fromkeys(ENROLMENT_COLUMNS, "")
            if award is not None:
                cells.update({k: v for k, v in _award_cells(award).items() if k in cells})
                cells["award status"] = cells.pop("status")
            cells.update(
                {
                    "learner e-mail": enrolment.learner.email,
                    "name": enrolment.recipient_name,
                    "course": enrolment.course.title,
                    "course code": enrolment.course.code,
                    "status": enrolment.status,
                    "completed": _day(enrolment.completed_at),
                }
            )
            yield cells

    return _stream(ENROLMENT_COLUMNS, rows())
