"""Reads about courses: a course named by its code or public id, the progress and failures of a CSV import."""

from dataclasses import dataclass

from badges.selectors import award_status_counts, awards_failed

from .models import CompletionImport, Course, ImportStatus


def courses_by_reference(*, reference: str, issuer_ids) -> list[Course]:
    """The courses `reference` names among these institutions' (None: every institution): the one with that public
    id, else those with that code (case ignored; a code is unique per institution, so more than one means the
    caller must give the public id). The API and the CSV import name courses alike."""
    courses = Course.objects.select_related("badge_class")
    if issuer_ids is not None:
        courses = courses.filter(issuer__in=issuer_ids)
    by_id = list(courses.filter(public_id=reference)[:1])
    return by_id or list(courses.filter(code__iexact=reference)[:2])


@dataclass(frozen=True)
class ImportProgress:
    status: str
    rows: int
    completions: int
    issued: int
    pending: int
    failed: int
    revoked: int

    @property
    def percent(self) -> int:
        done = self.issued + self.failed + self.revoked
        return 100 if not self.completions else round(100 * done / self.completions)

    def as_dict(self) -> dict:
        # status is the code (for scripts); status_label is what the progress page shows, in the viewer's language.
        label = ImportStatus(self.status).label if self.status in ImportStatus.values else self.status
        return {**self.__dict__, "status_label": str(label), "percent": self.percent}


def import_progress(*, completion_import: CompletionImport) -> ImportProgress:
    counts = award_status_counts(award_ids=completion_import.award_ids)
    return ImportProgress(
        status=completion_import.status,
        rows=completion_import.row_count,
        completions=completion_import.completed_count,
        issued=counts.get("issued", 0),
        pending=counts.get("pending", 0),
        failed=counts.get("failed", 0),
        revoked=counts.get("revoked", 0),
    )


def import_failures(*, completion_import: CompletionImport) -> list[dict]:
    return awards_failed(award_ids=completion_import.award_ids)
