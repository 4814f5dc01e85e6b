"""CSV import of enrolments and completions: a dry run that lists every bad row, then an all-or-nothing apply.

Columns (header row required, case and spacing ignored): email, name, course (the course code), and optionally
completed (empty/no = enrol only; yes = completed now; YYYY-MM-DD = completed that day), evidence_url, narrative.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from badges.openbadges.hashing import normalize_email
from issuers.models import Issuer
from issuers.services import audit_record
from issuers.validators import single_line_problem

from .models import CompletionImport, Course, ImportStatus
from .services import Completion, enrolments_complete, enrolments_enrol

REQUIRED_COLUMNS = ("email", "name", "course")
OPTIONAL_COLUMNS = ("completed", "evidence_url", "narrative")
YES = {"yes", "y", "true", "1", "completed", "x"}
NO = {"", "no", "n", "false", "0"}


@dataclass(frozen=True)
class RowError:
    line: int  # the line in the file, the header being line 1
    message: str


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    course: Course
    completed_at: datetime | None
    evidence_url: str
    narrative: str


@dataclass
class ParsedImport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"The file is not UTF-8 text (byte {exc.start + 1} cannot be read). Save it as 'CSV UTF-8' and retry."
        ) from None


def _column_key(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def _parse_completed(value: str, now: datetime) -> datetime | None:
    text = value.strip().lower()
    if text in NO:
        return None
    if text in YES:
        return now
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'completed' must be empty, yes/no, or a date like 2026-05-31, not '{value}'") from None
    if day > now.date():
        raise ValueError(f"'completed' date {value} is in the future")
    # Noon UTC of that day, but never later than now: a badge must not be issued in the future.
    return min(datetime.combine(day, time(12, 0), tzinfo=UTC), now)


def parse_completions_csv(*, issuer: Issuer, content: bytes) -> ParsedImport:
    """Check every row; return the good rows and an error per bad row. Writes nothing."""
    result = ParsedImport()
    if len(content) > settings.CSV_IMPORT_MAX_BYTES:
        result.errors.append(RowError(0, f"The file is larger than {settings.CSV_IMPORT_MAX_BYTES // 1_000_000} MB."))
        return result
    try:
        text = _decode(content)
    except ValueError as exc:
        result.errors.append(RowError(0, str(exc)))
        return result
    if "\x00" in text:
        result.errors.append(RowError(0, "The file contains NUL bytes; it is not a CSV text file."))
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        result.errors.append(RowError(1, f"The header cannot be read as CSV: {exc}."))
        return result
    if not header or not any(h.strip() for h in header):
        result.errors.append(RowError(1, "The file is empty: expected a header row with email, name, course."))
        return result
    keys = [_column_key(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in keys]
    unknown = [h for h, k in zip(header, keys, strict=True) if k not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if missing:
        result.errors.append(RowError(1, f"Missing column(s): {', '.join(missing)}."))
    if unknown:
        result.errors.append(RowError(1, f"Unknown column(s): {', '.join(unknown)}."))
    if duplicated:
        result.errors.append(RowError(1, f"Column(s) given twice: {', '.join(duplicated)}."))
    if result.errors:
        return result

    # Only this institution's codes are looked at: whether another institution has a course with a given code
    # is not this uploader's business, so an unknown and a foreign code get the same message.
    courses = {c.code.lower(): c for c in Course.objects.filter(issuer=issuer).select_related("badge_class")}
    url_ok = URLValidator(schemes=["http", "https"])
    now = timezone.now()
    seen: dict[tuple[str, int], int] = {}
    count = 0
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue  # blank lines are harmless
            count += 1
            if count > settings.CSV_IMPORT_MAX_ROWS:
                result.errors.append(RowError(line, f"More than {settings.CSV_IMPORT_MAX_ROWS} rows; split the file."))
                break
            if len(values) != len(keys):
                result.errors.append(RowError(line, f"Expected {len(keys)} fields, found {len(values)}."))
                continue
            row = dict(zip(keys, (v.strip() for v in values), strict=True))
            problems = []
            email = normalize_email(row["email"])
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"'{row['email']}' is not a valid e-mail address")
            if not row["name"]:
                problems.append("the name is empty")
            elif len(row["name"]) > 200:
                problems.append("the name is longer than 200 characters")
            elif single_line_problem(row["name"]):  # a quoted cell may hold a line break: e-mail header injection
                problems.append("the name contains a line break or another control character")
            code = row["course"].lower()
            course = courses.get(code)
            if course is None:
                problems.append(f"unknown course '{row['course']}' (no course with this code at {issuer.name})")
            try:
                completed_at = _parse_completed(row.get("completed", ""), now)
            except ValueError as exc:
                problems.append(str(exc))
                completed_at = None
            evidence_url = row.get("evidence_url", "")
            if evidence_url:
                try:
                    url_ok(evidence_url)
                except ValidationError:
                    problems.append(f"evidence_url '{evidence_url}' is not an http(s) URL")
            if course is not None and not problems:
                first = seen.setdefault((email, course.id), line)
                if first != line:
                    problems.append(f"duplicate of line {first} (same e-mail and course)")
            if problems:
                text = "; ".join(problems)
                result.errors.append(RowError(line, text[0].upper() + text[1:] + "."))
                continue
            result.rows.append(
                ImportRow(line, email, row["name"], course, completed_at, evidence_url, row.get("narrative", ""))
            )
    except csv.Error as exc:
        result.errors.append(RowError(reader.line_num, f"The file cannot be read as CSV: {exc}."))
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, "The file has a header but no rows."))
    return result


def completion_import_preview(*, actor, issuer: Issuer, filename: str, content: bytes):
    """Check an uploaded file and keep it for confirmation. Returns (the import record, the parse result)."""
    parsed = parse_completions_csv(issuer=issuer, content=content)
    record = CompletionImport.objects.create(
        issuer=issuer,
        uploaded_by=actor,
        filename=filename[:255],
        content=content,
        status=ImportStatus.PREVIEWED if parsed.ok else ImportStatus.REJECTED,
        row_count=len(parsed.rows) + len([e for e in parsed.errors if e.line > 1]),
        error_count=len(parsed.errors),
    )
    return record, parsed


class ImportNotApplicable(Exception):
    """The import cannot be applied (already applied, or its file has errors); the message says why."""


INLINE_APPLY_MAX_ROWS = 1000  # larger files are applied by a worker task, with a progress page meanwhile


def completion_import_apply(
    *, actor, completion_import: CompletionImport, parsed: ParsedImport | None = None
) -> CompletionImport:
    """Apply a checked import: all rows or none. The file is checked again, as courses may have changed — unless
    the caller passes the check it has just made of this record's file in the same breath (the one-step command),
    where a course deleted in between fails the whole transaction instead.

    Rows go through the batch enrolment and completion services (the one completion path), 1,000 at a time
    inside one transaction; the created awards are queued for issuing when it commits.
    """
    with transaction.atomic():
        record = CompletionImport.objects.select_for_update().get(pk=completion_import.pk)
        if record.status == ImportStatus.APPLIED:
            raise ImportNotApplicable("This import was already applied.")
        if parsed is None:
            parsed = parse_completions_csv(issuer=record.issuer, content=bytes(record.content))
        if not parsed.ok:
            raise ImportNotApplicable(
                f"The file now has {len(parsed.errors)} error(s); nothing was imported. Upload it again to see them."
            )
        award_ids: list[int] = []
        completed = 0
        for start in range(0, len(parsed.rows), 1000):
            chunk = parsed.rows[start : start + 1000]
            enrolments = enrolments_enrol(actor=actor, course_people=[(r.course, r.email, r.name) for r in chunk])
            completions = [
                Completion(enrolment, row.completed_at, row.evidence_url, row.narrative)
                for row, enrolment in zip(chunk, enrolments, strict=True)
                if row.completed_at is not None
            ]
            if completions:
                awards = enrolments_complete(actor=actor, completions=completions)
                award_ids.extend(a.id for a in awards)
                completed += len(completions)
        record.status = ImportStatus.APPLIED
        record.applied_at = timezone.now()
        record.enrolled_count, record.completed_count = len(parsed.rows), completed
        record.award_ids = award_ids
        record.save(update_fields=["status", "applied_at", "enrolled_count", "completed_count", "award_ids"])
        audit_record(
            actor=actor,
            action="import.apply",
            target=record,
            issuer=record.issuer,
            enrolled=len(parsed.rows),
            completed=completed,
        )
    return record


def completion_import_confirm(*, actor, completion_import: CompletionImport) -> bool:
    """Apply now (small files) or hand the import to a worker (large ones). Returns True if applied now.

    If the broker cannot take the task, the import is applied here rather than lost.
    """
    if completion_import.row_count <= INLINE_APPLY_MAX_ROWS:
        completion_import_apply(actor=actor, completion_import=completion_import)
        return True
    from .tasks import completion_import_apply_task

    updated = CompletionImport.objects.filter(pk=completion_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.APPLYING
    )
    if not updated:
        raise ImportNotApplicable("This import was already confirmed.")
    try:
        completion_import_apply_task.apply_async(args=[completion_import.pk, getattr(actor, "pk", None)], retry=False)
    except Exception:  # noqa: BLE001 — broker down: do the work here instead
        completion_import_apply(actor=actor, completion_import=completion_import)
        return True
    return False
