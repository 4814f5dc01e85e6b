"""CSV import of enrolments and completions: a dry run that says what each row will do, then an all-or-nothing
apply whose report counts the same kinds; a failed apply is recorded with its reason and can be retried.

Columns (header row required; English or French, case, accents and spacing ignored, see COLUMN_ALIASES): email,
name, course (the course code or its public id), and optionally completed (empty/no = enrol only; yes = completed
now; a date, 2026-05-31 or 31/05/2026 = completed that day), evidence_url, narrative. Comma, semicolon (Excel in
French and German locales) and tab separated files are read alike. Decision 0015 says what each row kind does.
"""

import csv
import io
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from badges.models import Award, AwardStatus
from badges.openbadges.hashing import normalize_email
from badges.services import AwardError, award_correct, award_correction_effects
from issuers.models import Issuer
from issuers.services import audit_record
from issuers.spreadsheets import SpreadsheetWriter
from issuers.validators import single_line_problem
from learners.models import Learner, LearnerName
from learners.services import learner_name_set

from .models import CompletionImport, Course, Enrolment, EnrolmentStatus, ImportStatus
from .services import NewCompletion, enrolments_enrol, enrolments_enrol_and_complete

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("email", "name", "course")
OPTIONAL_COLUMNS = ("completed", "evidence_url", "narrative")
# Header spellings met in institutions' files, compared after _column_key (lower case, no accents, -_'. as spaces).
COLUMN_ALIASES = {
    "email": (
        "email",
        "e mail",
        "mail",
        "email address",
        "e mail address",
        "courriel",
        "adresse e mail",
        "adresse email",
        "adresse courriel",
        "adresse electronique",
        "mel",
    ),
    "name": ("name", "full name", "learner name", "learner", "nom", "nom complet", "nom et prenom", "prenom nom"),
    "course": (
        "course",
        "course code",
        "course id",
        "code",
        "code du cours",
        "code cours",
        "cours",
        "identifiant du cours",
        "formation",  # the French admin's word for a course
        "code de la formation",
        "code formation",
        "identifiant de la formation",
    ),
    "completed": (
        "completed",
        "completed on",
        "completed at",
        "completion date",
        "date completed",
        "date of completion",
        "date de fin",
        "date d achevement",
        "achevement",
        "termine",
        "date de reussite",
        "fini",
    ),
    "evidence_url": ("evidence url", "evidence", "evidence link", "url de la preuve", "preuve", "lien de la preuve"),
    "narrative": ("narrative", "comment", "comments", "commentaire", "commentaires", "recit", "narration"),
}
ALIASES = {alias: key for key, aliases in COLUMN_ALIASES.items() for alias in aliases}
# Yes and no in English and French (o/n is how French forms abbreviate oui/non).
YES = {"yes", "y", "true", "1", "x", "completed", "oui", "o", "vrai", "termine"}
NO = {"", "no", "n", "false", "0", "non", "faux"}
DELIMITERS = ",;\t"
DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T][\d:.+Z-]*)?")

# Template columns and example, in each language the admin speaks (the French one uses semicolons, as Excel does).
TEMPLATE_HEADERS = {
    "en": ("email", "name", "course", "completed", "evidence_url", "narrative"),
    "fr": ("Courriel", "Nom", "Code du cours", "Date de fin", "URL de la preuve", "Commentaire"),
}


class RowKind:
    """What applying a row does. The preview shows it per row; the report counts the same kinds."""

    NEW = "new"  # enrol (if needed), complete and issue the badge
    ENROL = "enrol"  # enrol only: no completion given
    UNCHANGED = "unchanged"  # already there with the same data: nothing happens
    CORRECT = "correct"  # the live award differs (name, evidence, narrative): corrected (re-issued if signed data)
    REFUSED = "refused"  # the row cannot be imported; the reason says why (and nothing of the file is imported)
    ALL = (NEW, ENROL, UNCHANGED, CORRECT, REFUSED)
    LABELS = {
        NEW: gettext_lazy("New: enrol, complete, issue"),
        ENROL: gettext_lazy("Enrol only"),
        UNCHANGED: gettext_lazy("Unchanged"),
        CORRECT: gettext_lazy("Will correct"),
        REFUSED: gettext_lazy("Refused"),
        "expired": gettext_lazy("of the new: already expired (recorded, not e-mailed)"),
    }

    @classmethod
    def summary(cls, counts: dict) -> list[tuple[str, str, int]]:
        """(kind, label, count) in display order, "expired" last, for the preview and the report."""
        return [(kind, cls.LABELS[kind], counts.get(kind, 0)) for kind in (*cls.ALL, "expired")]


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
    kind: str = RowKind.NEW
    detail: str = ""  # what happens, in words, for the preview
    expires_on: datetime | None = None  # set when a back-dated completion is already past its validity
    award: Award | None = None  # the live award a correction applies to
    corrections: dict = field(default_factory=dict)  # award_correct's arguments
    rename: bool = False  # a new completion whose learner this institution knew by another name


@dataclass
class ParsedImport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def counts(self) -> dict[str, int]:
        """{kind: rows} for every kind, refused rows included, and "expired": new completions already expired."""
        result = dict.fromkeys(RowKind.ALL, 0)
        for row in self.rows:
            result[row.kind] += 1
        result[RowKind.REFUSED] = len([e for e in self.errors if e.line > 1])
        result["expired"] = len([r for r in self.rows if r.expires_on is not None])
        return result

    def lines(self) -> list[tuple[int, str, ImportRow | None, str]]:
        """Every data row in file order as (line, kind, row or None, what happens), for the preview."""
        entries = [(r.line, r.kind, r, r.detail) for r in self.rows]
        entries += [(e.line, RowKind.REFUSED, None, e.message) for e in self.errors if e.line > 1]
        return sorted(entries, key=lambda entry: entry[0])


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            _("The file is not UTF-8 text (byte %(byte)d cannot be read). Save it as 'CSV UTF-8' and retry.")
            % {"byte": exc.start + 1}
        ) from None


def _plain(text: str) -> str:
    """Lower case without accents: 'Date d'Achèvement' and 'date d'achevement' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _column_key(header: str) -> str:
    words = re.sub(r"[-_'’.:]", " ", _plain(header)).split()
    spaced = " ".join(words)
    return ALIASES.get(spaced, "_".join(words))


def _delimiter(text: str) -> str:
    """The header line's delimiter among comma, semicolon and tab (csv.Sniffer restricted to them); comma if unsure."""
    header = text[:4096].split("\n", 1)[0]  # a bounded sample: the Sniffer's regular expressions are not linear
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _parse_day(text: str) -> date | None:
    """ISO (2026-05-31, also with a time) or day first (31/05/2026, 31.05.2026, 31-05-2026); None if neither."""
    for pattern, order in ((ISO_DAY, (0, 1, 2)), (DAY_FIRST, (2, 1, 0))):
        match = pattern.fullmatch(text)
        if match:
            parts = [int(match.group(i + 1)) for i in order]
            try:
                return date(*parts)
            except ValueError:
                return None
    return None


def _parse_completed(value: str, now: datetime) -> datetime | None:
    text = _plain(value)
    if text in NO:
        return None
    if text in YES:
        return now
    day = _parse_day(text)
    if day is None:
        raise ValueError(
            _("'completed' must be empty, yes/no (oui/non), or a date like 2026-05-31 or 31/05/2026, not '%(value)s'")
            % {"value": value}
        )
    if day > now.date():
        raise ValueError(_("'completed' date %(value)s is in the future") % {"value": value})
    # Noon UTC of that day, but never later than now: a badge must not be issued in the future.
    return min(datetime.combine(day, time(12, 0), tzinfo=UTC), now)


def parse_completions_csv(*, issuer: Issuer, content: bytes) -> ParsedImport:
    """Check every row and say what applying it would do; return the rows and an error per refused row.

    Writes nothing. A few queries per 1,000 rows (the existing learners, names, enrolments and awards in bulk).
    """
    result = ParsedImport()
    text, problem = _file_text(content)
    if problem is not None:
        result.errors.append(problem)
        return result
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    keys, result.errors = _read_header(reader)
    if result.errors:
        return result
    checker = _RowChecker(issuer=issuer, keys=keys, now=timezone.now())
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue  # blank lines are harmless
            if not checker.take(line, values, result):
                break
    except csv.Error as exc:
        result.errors.append(
            RowError(reader.line_num, _("The file cannot be read as CSV: %(error)s.") % {"error": exc})
        )
    if not result.rows and not result.errors:
        result.errors.append(RowError(2, _("The file has a header but no rows.")))
    _classify(issuer=issuer, parsed=result, now=checker.now)
    return result


def _file_text(content: bytes) -> tuple[str, RowError | None]:
    """The file's text, or why it is not a CSV text file we take (too large, undecodable, binary)."""
    if len(content) > settings.CSV_IMPORT_MAX_BYTES:
        mb = settings.CSV_IMPORT_MAX_BYTES // 1_000_000
        return "", RowError(0, _("The file is larger than %(mb)d MB.") % {"mb": mb})
    try:
        text = _decode(content)
    except ValueError as exc:
        return "", RowError(0, str(exc))
    if "\x00" in text:
        return "", RowError(0, _("The file contains NUL bytes; it is not a CSV text file."))
    return text, None


def _read_header(reader) -> tuple[list[str], list[RowError]]:
    """The column keys of the header row, and what is wrong with it (errors on line 1)."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [RowError(1, _("The header cannot be read as CSV: %(error)s.") % {"error": exc})]
    if not header or not any(h.strip() for h in header):
        return [], [RowError(1, _("The file is empty: expected a header row with email, name, course."))]
    keys = [_column_key(h) for h in header]
    return keys, _header_problems(header, keys)


def _header_problems(header: list[str], keys: list[str]) -> list[RowError]:
    missing = [c for c in REQUIRED_COLUMNS if c not in keys]
    unknown = [h for h, k in zip(header, keys, strict=True) if k not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    duplicated = sorted(k for k, n in Counter(keys).items() if n > 1)  # linear: a hostile header has 100,000 cells
    more = _(" and %(count)d more") % {"count": len(unknown) - 10} if len(unknown) > 10 else ""
    found = [
        (missing, _("Missing column(s): %(columns)s."), ", ".join(missing)),
        (unknown, _("Unknown column(s): %(columns)s."), ", ".join(unknown[:10]) + more),
        (duplicated, _("Column(s) given twice: %(columns)s."), ", ".join(duplicated)),
    ]
    return [RowError(1, message % {"columns": columns}) for names, message, columns in found if names]


class _RowChecker:
    """Checks the data rows of one file in order: each row alone, then against the rows before it."""

    def __init__(self, *, issuer: Issuer, keys: list[str], now: datetime) -> None:
        self.issuer, self.keys, self.now = issuer, keys, now
        # Only this institution's courses are looked at, by code or public id: whether another institution has a
        # course with a given code or id is not this uploader's business, so an unknown and a foreign one get the
        # same message.
        own = list(Course.objects.filter(issuer=issuer).select_related("badge_class"))
        self.courses = {c.public_id: c for c in own} | {c.code.lower(): c for c in own}
        self.url_ok = URLValidator(schemes=["http", "https"])
        self.seen: dict[tuple[str, int], int] = {}
        self.named_as: dict[str, tuple[int, str]] = {}
        self.count = 0

    def take(self, line: int, values: list[str], result: ParsedImport) -> bool:
        """Add the row at `line` to `result` (a row or an error); False when the file has too many rows."""
        self.count += 1
        if self.count > settings.CSV_IMPORT_MAX_ROWS:
            maximum = settings.CSV_IMPORT_MAX_ROWS
            result.errors.append(RowError(line, _("More than %(max)d rows; split the file.") % {"max": maximum}))
            return False
        if len(values) != len(self.keys):
            counts = {"expected": len(self.keys), "found": len(values)}
            result.errors.append(RowError(line, _("Expected %(expected)d fields, found %(found)d.") % counts))
            return True
        row = dict(zip(self.keys, (v.strip() for v in values), strict=True))
        email = normalize_email(row["email"])
        course = self.courses.get(row["course"]) or self.courses.get(row["course"].lower())
        problems = self._email_problems(row, email) + self._name_problems(row["name"])
        problems += self._course_problems(row, course)
        completed_at, more = self._completed(row)
        problems += more + self._evidence_problems(row)
        if course is not None and not problems:
            problems = self._repeat_problems(line, email, course, row["name"])
        if problems:
            text = "; ".join(problems)
            result.errors.append(RowError(line, text[0].upper() + text[1:] + "."))
            return True
        result.rows.append(
            ImportRow(
                line, email, row["name"], course, completed_at, row.get("evidence_url", ""), row.get("narrative", "")
            )
        )
        return True

    @staticmethod
    def _email_problems(row: dict[str, str], email: str) -> list[str]:
        try:
            validate_email(email)
        except ValidationError:
            return [_("'%(email)s' is not a valid e-mail address") % {"email": row["email"]}]
        return []

    @staticmethod
    def _name_problems(name: str) -> list[str]:
        if not name:
            return [_("the name is empty")]
        if len(name) > 200:
            return [_("the name is longer than 200 characters")]
        if single_line_problem(name):  # a quoted cell may hold a line break: e-mail header injection
            return [_("the name contains a line break or another control character")]
        return []

    def _course_problems(self, row: dict[str, str], course: Course | None) -> list[str]:
        if course is not None:
            return []
        return [
            _("unknown course '%(course)s' (no course with this code or public id at %(issuer)s)")
            % {"course": row["course"], "issuer": self.issuer.name}
        ]

    def _completed(self, row: dict[str, str]) -> tuple[datetime | None, list[str]]:
        try:
            return _parse_completed(row.get("completed", ""), self.now), []
        except ValueError as exc:
            return None, [str(exc)]

    def _evidence_problems(self, row: dict[str, str]) -> list[str]:
        evidence_url = row.get("evidence_url", "")
        if evidence_url:
            try:
                self.url_ok(evidence_url)
            except ValidationError:
                return [_("evidence_url '%(url)s' is not an http(s) URL") % {"url": evidence_url}]
        return []

    def _repeat_problems(self, line: int, email: str, course: Course, name: str) -> list[str]:
        """What this row contradicts among the rows before it (a row otherwise good)."""
        problems = []
        first = self.seen.setdefault((email, course.id), line)
        if first != line:
            problems.append(_("duplicate of line %(line)d (same e-mail and course)") % {"line": first})
        # The institution has one name for a learner, whatever the course: two in one file is a mistake.
        named_line, named = self.named_as.setdefault(email, (line, name))
        if named != name:
            problems.append(
                _("line %(line)d gives this e-mail another name ('%(name)s')") % {"line": named_line, "name": named}
            )
        return problems


def _in_chunks(values: list, size: int = 1000):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _classify(*, issuer: Issuer, parsed: ParsedImport, now: datetime) -> None:
    """Say what each good row does, against what the database holds now; rows that cannot be applied become errors.

    Bulk: the learners, this institution's names for them, their enrolments in its courses and those enrolments'
    awards are each read once per 1,000 addresses, so a 10,000-row file of new learners costs ten queries.
    """
    learners: dict[str, Learner] = {}
    for chunk in _in_chunks(sorted({r.email for r in parsed.rows})):
        learners.update({learner.email: learner for learner in Learner.objects.filter(email__in=chunk)})
    learner_ids = sorted(learner.pk for learner in learners.values())
    names: dict[int, str] = {}
    enrolments: dict[tuple[int, int], Enrolment] = {}
    live: dict[int, Award] = {}
    latest: dict[int, Award] = {}
    for chunk in _in_chunks(learner_ids):
        names.update(LearnerName.objects.filter(issuer=issuer, learner_id__in=chunk).values_list("learner_id", "name"))
        found = Enrolment.objects.filter(course__issuer=issuer, learner_id__in=chunk)
        enrolments.update({(e.course_id, e.learner_id): e for e in found})
    enrolment_ids = sorted(e.pk for e in enrolments.values() if e.status == EnrolmentStatus.COMPLETED)
    for chunk in _in_chunks(enrolment_ids):
        awards = Award.objects.filter(enrolment_id__in=chunk).defer(
            "ob2_assertion", "ob2_jws", "ob3_credential", "ob3_jwt"
        )
        for award in awards.order_by("created_at", "id"):
            latest[award.enrolment_id] = award
            if award.status != AwardStatus.REVOKED:
                live[award.enrolment_id] = award
    good = []
    for row in parsed.rows:
        learner = learners.get(row.email)
        enrolment = enrolments.get((row.course.pk, learner.pk)) if learner else None
        own_name = names.get(learner.pk) if learner else None
        problem = _classify_row(row, enrolment, own_name, learner, live, latest, now)
        if problem:
            parsed.errors.append(RowError(row.line, problem))
        else:
            good.append(row)
    parsed.rows = good
    parsed.errors.sort(key=lambda e: e.line)


def _classify_row(row, enrolment, own_name, learner, live, latest, now) -> str:
    """Set the row's kind and detail; return a refusal reason instead when it cannot be applied.

    Names are compared with this institution's own name for the learner only (LearnerName): another
    institution's name for the same address is never shown or compared (learners.names).
    """
    # Rows written before LearnerName existed show the learner's first name on this institution's pages too.
    current_name = own_name if own_name is not None else (learner.name if learner and enrolment else row.name)
    renamed = row.name != current_name
    rename_note = _(" The institution's name for this learner changes from “%(old)s” to “%(new)s”.") % {
        "old": current_name,
        "new": row.name,
    }
    if row.completed_at is None:
        if enrolment is None:
            row.kind, row.detail = RowKind.ENROL, _("Enrol (no completion yet).")
        else:
            row.kind = RowKind.UNCHANGED
            row.detail = _("Nothing: already enrolled (%(status)s).") % {"status": enrolment.get_status_display()}
        return ""
    if enrolment is not None and enrolment.status == EnrolmentStatus.WITHDRAWN:
        return _("%(email)s withdrew from %(course)s; a withdrawn enrolment is not completed by an import.") % {
            "email": row.email,
            "course": row.course.code,
        }
    award = live.get(enrolment.pk) if enrolment is not None else None
    if award is None and enrolment is not None and enrolment.pk in latest:
        revoked = latest[enrolment.pk]
        return _(
            "The badge of %(email)s for %(course)s was revoked on %(date)s (%(reason)s); re-issue it from the "
            "award's page, not by an import."
        ) % {
            "email": row.email,
            "course": row.course.code,
            "date": f"{revoked.revoked_at:%Y-%m-%d}",
            "reason": revoked.revocation_reason or _("no reason given"),
        }
    if award is None:
        row.kind, row.detail = RowKind.NEW, _("Enrol, complete and issue the badge.")
        # A learner this institution has named otherwise gets the file's name (a new learner's is simply recorded).
        row.rename = own_name is not None and renamed
        validity = row.course.badge_class.validity_days
        if validity and row.completed_at + timedelta(days=validity) <= now:
            row.expires_on = row.completed_at + timedelta(days=validity)
            row.detail += " " + _("Already expired on %(date)s: will be recorded, not e-mailed as a new badge.") % {
                "date": f"{row.expires_on:%Y-%m-%d}"
            }
        if row.rename:
            row.detail += rename_note
        return ""
    corrections = {
        "name": row.name if renamed else None,
        "evidence_url": row.evidence_url or None,  # an empty cell keeps what the award has
        "narrative": row.narrative or None,
    }
    effects = award_correction_effects(award=award, current_name=current_name, **corrections)
    if not effects:
        row.kind, row.detail = RowKind.UNCHANGED, _("Nothing: the badge was already awarded with the same data.")
        if award.status == AwardStatus.PENDING:
            row.detail = _("Nothing: this badge is already being issued.")
        elif award.status == AwardStatus.FAILED:  # an import does not retry it: the award's page says why it failed
            row.detail = _("Nothing: this badge failed to issue; retry it from the award's page.")
        return ""
    if "reissue" in effects and award.status != AwardStatus.ISSUED:
        return _(
            "The badge of %(email)s for %(course)s is %(status)s, not issued yet: its evidence can be corrected once "
            "it is issued."
        ) % {"email": row.email, "course": row.course.code, "status": award.get_status_display()}
    row.kind, row.award = RowKind.CORRECT, award
    row.corrections = {k: v for k, v in corrections.items() if v is not None}
    parts = []
    if "name" in effects:
        parts.append(rename_note.strip())
    if "reissue" in effects:
        parts.append(_("The evidence changes: the badge is re-issued and the current one revoked as “superseded”."))
    row.detail = _("Will correct.") + " " + " ".join(parts)
    return ""


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
        preview_counts=parsed.counts(),
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

    New rows go through the batch enrolment and completion services (the one completion path), 1,000 at a time
    inside one transaction; the created awards are queued for issuing when it commits. Corrections go through
    badges.services.award_correct, one by one (they are few). The report counts each kind as the preview did.
    """
    with transaction.atomic():
        record = CompletionImport.objects.select_for_update().get(pk=completion_import.pk)
        if record.status == ImportStatus.APPLIED:
            raise ImportNotApplicable(_("This import was already applied."))
        if record.status == ImportStatus.FAILED:
            raise ImportNotApplicable(_("This import failed; retry it from its page."))
        if parsed is None:
            parsed = parse_completions_csv(issuer=record.issuer, content=bytes(record.content))
        if not parsed.ok:
            raise ImportNotApplicable(
                f"The file now has {len(parsed.errors)} error(s); nothing was imported. Upload it again to see them."
            )
        if len([r for r in parsed.rows if r.kind in (RowKind.NEW, RowKind.ENROL)]) >= ANALYZE_AFTER_ROWS:
            transaction.on_commit(_analyze_written_tables)  # registered first: runs before the issuing is queued
        try:
            award_ids = _apply_rows(actor=actor, rows=parsed.rows)
        except (ValidationError, AwardError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise ImportNotApplicable(
                _("Nothing was imported: %(reasons)s") % {"reasons": " ".join(messages)}
            ) from None
        counts = parsed.counts()
        record.status = ImportStatus.APPLIED
        record.applied_at = timezone.now()
        record.enrolled_count = counts[RowKind.NEW] + counts[RowKind.ENROL]
        record.completed_count = len(award_ids)
        record.award_ids = award_ids
        record.applied_counts = counts
        record.save(
            update_fields=["status", "applied_at", "enrolled_count", "completed_count", "award_ids", "applied_counts"]
        )
        audit_record(actor=actor, action="import.apply", target=record, issuer=record.issuer, **counts)
    return record


ANALYZE_AFTER_ROWS = 1000
ANALYZED_MODELS = (Learner, Enrolment, Award)


def _analyze_written_tables() -> None:
    """Refresh the planner's statistics of the tables a large import has just filled, once it has committed.

    The issuing and e-mail tasks queued by the import select and update its awards by id, joined with their
    learners. Until autovacuum next analyzes them (up to a minute later), PostgreSQL plans those queries with the
    statistics of the tables before the import — a few rows — and scans whole tables for every batch of 100. The
    PostgreSQL manual's advice after a bulk load ("Populating a Database": run ANALYZE). SQLite keeps its own
    statistics the same way (sqlite_stat1). Best effort: an import is not failed for its statistics.
    """
    try:
        with connection.cursor() as cursor:
            for model in ANALYZED_MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    except DatabaseError:
        log.warning("Could not refresh the planner statistics after an import", exc_info=True)


def _apply_rows(*, actor, rows: list[ImportRow]) -> list[int]:
    """Write the rows (inside the caller's transaction); return the ids of the awards created or corrected."""
    by_kind: dict[str, list[ImportRow]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for chunk in _in_chunks(by_kind.get(RowKind.ENROL, [])):
        enrolments_enrol(actor=actor, course_people=[(r.course, r.email, r.name) for r in chunk])
    award_ids = _apply_new(actor=actor, rows=by_kind.get(RowKind.NEW, []))
    for row in by_kind.get(RowKind.CORRECT, []):
        award_ids.append(award_correct(actor=actor, award=row.award, **row.corrections).id)
    return award_ids


def _apply_new(*, actor, rows: list[ImportRow]) -> list[int]:
    """Enrol (where needed), complete and award the new rows, 1,000 at a time, in one pass each
    (courses.services.enrolments_enrol_and_complete); then this institution's corrected names."""
    award_ids: list[int] = []
    for chunk in _in_chunks(rows):
        completions = [
            NewCompletion(r.course, r.email, r.name, r.completed_at, r.evidence_url, r.narrative) for r in chunk
        ]
        award_ids.extend(a.id for a in enrolments_enrol_and_complete(actor=actor, rows=completions))
    for row in [r for r in rows if r.rename]:  # a known learner under a corrected name: this institution's name
        learner = Learner.objects.get(email=row.email)  # enrolled above, so it exists
        learner_name_set(issuer=row.course.issuer, learner=learner, name=row.name)
    return award_ids


def _failure_reason(exc: BaseException) -> str:
    """What staff are told about a failed apply. Database errors are named, not quoted: their text may carry
    connection details; the server log has the full error."""
    from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded):
        return "The worker ran out of time (its time limit) before the import was written."
    if isinstance(exc, ImportNotApplicable):
        return str(exc)
    if isinstance(exc, DatabaseError):
        return f"A database error ({type(exc).__name__}) stopped the import; the server log has the details."
    return f"{type(exc).__name__}: {exc}"[:500]


def completion_import_fail(*, completion_import: CompletionImport, reason: str) -> bool:
    """Mark an import that was being applied as failed (nothing was written: the apply is one transaction).
    Returns False if it was not being applied (applied meanwhile, or already failed)."""
    with transaction.atomic():
        updated = CompletionImport.objects.filter(
            pk=completion_import.pk, status__in=[ImportStatus.APPLYING, ImportStatus.PREVIEWED]
        ).update(status=ImportStatus.FAILED, failed_at=timezone.now(), failure_reason=reason)
        if updated:
            audit_record(
                actor=None,
                action="import.fail",
                target=completion_import,
                issuer=completion_import.issuer,
                reason=reason,
            )
    return bool(updated)


def completion_import_apply_failing(*, actor, completion_import: CompletionImport) -> CompletionImport:
    """Apply, and if that fails for any reason mark the import failed with the reason (then re-raise)."""
    try:
        return completion_import_apply(actor=actor, completion_import=completion_import)
    except BaseException as exc:
        log.exception("CSV import %s failed", completion_import.public_id)
        completion_import_fail(completion_import=completion_import, reason=_failure_reason(exc))
        raise


def completion_import_retry(*, actor, completion_import: CompletionImport) -> bool:
    """Try a failed import again (applied now, or handed to a worker). Returns True if applied now."""
    with transaction.atomic():
        updated = CompletionImport.objects.filter(pk=completion_import.pk, status=ImportStatus.FAILED).update(
            status=ImportStatus.PREVIEWED, failed_at=None, failure_reason="", applying_since=None
        )
        if not updated:
            raise ImportNotApplicable(_("Only a failed import can be retried."))
        audit_record(actor=actor, action="import.retry", target=completion_import, issuer=completion_import.issuer)
    completion_import.refresh_from_db()
    return completion_import_confirm(actor=actor, completion_import=completion_import)


def completion_imports_fail_stale(*, now: datetime | None = None) -> int:
    """The periodic sweep: an import "applying" for longer than CSV_IMPORT_STALE_SECONDS (more than the task's hard
    time limit) has no worker left that could finish it. Marked failed, with a retry. Returns how many."""
    now = now or timezone.now()
    seconds = settings.CSV_IMPORT_STALE_SECONDS
    cutoff = now - timedelta(seconds=seconds)
    stale = CompletionImport.objects.filter(status=ImportStatus.APPLYING, applying_since__lte=cutoff)
    reason = (
        f"The worker made no progress for {seconds // 60} minutes: it stopped, or never picked the import up. "
        "Nothing was written; retry it."
    )
    failed = 0
    for record in stale.select_related("issuer"):
        failed += completion_import_fail(completion_import=record, reason=reason)
    return failed


def completion_import_confirm(*, actor, completion_import: CompletionImport) -> bool:
    """Apply now (small files) or hand the import to a worker (large ones). Returns True if applied now.

    If the broker cannot take the task, the import is applied here rather than lost. An inline apply that fails
    (not for its file's content) is recorded as failed and reported as ImportNotApplicable.
    """
    if completion_import.row_count <= INLINE_APPLY_MAX_ROWS:
        _apply_inline(actor=actor, completion_import=completion_import)
        return True
    from .tasks import completion_import_apply_task

    updated = CompletionImport.objects.filter(pk=completion_import.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.APPLYING, applying_since=timezone.now()
    )
    if not updated:
        raise ImportNotApplicable(_("This import was already confirmed."))
    try:
        completion_import_apply_task.apply_async(args=[completion_import.pk, getattr(actor, "pk", None)], retry=False)
    except Exception:  # noqa: BLE001 — broker down: do the work here instead
        _apply_inline(actor=actor, completion_import=completion_import)
        return True
    return False


def _apply_inline(*, actor, completion_import: CompletionImport) -> None:
    try:
        completion_import_apply(actor=actor, completion_import=completion_import)
    except ImportNotApplicable:
        raise
    except Exception as exc:  # noqa: BLE001 — told to the staff member, recorded on the import, logged in full
        log.exception("CSV import %s failed", completion_import.public_id)
        reason = _failure_reason(exc)
        completion_import_fail(completion_import=completion_import, reason=reason)
        raise ImportNotApplicable(
            _("The import failed: %(reason)s Nothing was written; you can retry it.") % {"reason": reason}
        ) from None


def completion_import_template(*, stream, language: str, course_code: str) -> None:
    """Write the import template (header row and one example row) to `stream`, through the spreadsheet-safe writer.

    French staff get French headers, semicolons and a day-first date, as Excel writes them in a French locale;
    both templates import as they are.
    """
    french = language.startswith("fr")
    today = timezone.localdate()
    example = (
        (
            "ada@example.org",
            "Ada Lovelace",
            course_code,
            f"{today:%d/%m/%Y}",
            "https://example.org/portfolio/ada",
            "Projet final : un tableau de bord",
        )
        if french
        else (
            "ada@example.org",
            "Ada Lovelace",
            course_code,
            today.isoformat(),
            "https://example.org/portfolio/ada",
            "Final project: a data dashboard",
        )
    )
    stream.write("\ufeff")  # the byte-order mark that makes Excel read the file as UTF-8
    writer = SpreadsheetWriter(stream, delimiter=";" if french else ",")
    writer.writerow(TEMPLATE_HEADERS["fr" if french else "en"])
    writer.writerow(example)
