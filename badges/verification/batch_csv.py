"""The CSV side of batch verification (/verify/batch): badge URLs read from what an applicant-tracking system
exports, verified by badges.verification.batch, and the results as rows, a CSV, and a short-lived download.

Reading: UTF-8 with or without a BOM (else Windows-1252, Excel's "CSV" on Windows); comma, semicolon or tab; a
header row naming the column (url, badge, link, lien, insigne, credential... in English or French) or no header at
all (one URL per line, or the first column holding URLs); blank lines ignored; at most MAX_BATCH_ITEMS rows, else
the whole file is refused with a message. A row whose cell is not an http(s) address is reported, not verified.

Writing: through issuers.spreadsheets (cells a spreadsheet would run as formulas are neutralised). The results are
kept in the cache for RESULTS_SECONDS under an unguessable token, so the page can offer them as a CSV without
storing anything in the database (decision 0021).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _

from issuers.spreadsheets import SpreadsheetWriter

from .batch import MAX_BATCH_ITEMS, BatchEntry, BatchItem, verify_batch
from .text import displayable

RESULTS_SECONDS = 30 * 60
MAX_URL_CHARS = 2048  # as the single verification's form and API
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CACHE_PREFIX = "laurel:verify-batch:"
DELIMITERS = ",;\t"
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
# Header words, after lower-casing and removing accents. A column named with a word of both kinds ("Badge URL",
# "Lien du badge") wins; then one named for the badge alone ("Badge", "Open Badge", "Insigne"); then a link alone
# ("URL", "Lien") — so "Profile link" beside "Badge" is not taken for the badge.
_LINK_WORDS = {"url", "urls", "uri", "link", "links", "lien", "liens", "adresse", "address", "href"}
_BADGE_WORDS = {
    "badge", "badges", "openbadge", "openbadges", "insigne", "insignes", "credential", "credentials",
    "microcredential", "microcredentials", "certificat", "certificate", "certification", "attestation",
}  # fmt: skip


class BatchCsvError(ValueError):
    """The file cannot be used at all; the message says why, for the employer."""


@dataclass(slots=True)
class CsvRow:
    """A non-blank data row: its line in the file, the cell read as its URL, and why it is not one (if not)."""

    line: int
    url: str
    problem: str = ""


@dataclass(slots=True)
class ResultRow:
    """One line of the results table and CSV."""

    row: int
    url: str
    verdict: str  # the API's: valid, valid_with_warnings, invalid; error when the row was not verified
    outcome: str = "not_checked"  # what a recruiter acts on, as the single page: valid, not_valid, could_not_check
    label: str = ""  # the outcome in words, in the language of the page that verified it
    badge: str = ""
    issuer: str = ""
    reason: str = ""


def _decode(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise BatchCsvError(_("This file is not a CSV text file. Export the list as CSV and try again."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise BatchCsvError(_("The file's text could not be read. Save it as 'CSV UTF-8' and try again.")) from None


def _words(header: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", header.replace("\ufeff", "").lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return set(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _header_rank(header: str) -> int | None:
    words = _words(header)
    link, badge = bool(words & _LINK_WORDS), bool(words & _BADGE_WORDS)
    if link and badge:
        return 0
    if badge:
        return 1
    if link:
        return 2
    return None


def _is_url(cell: str) -> bool:
    return bool(_URL.match(cell.strip()))


def _plain_url(line: str) -> bool:
    """A line holding one URL and nothing else (no tab, no inner quote, no space: not a row of several cells)."""
    text = line.strip()
    if len(text) > 1 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return _is_url(text) and '"' not in text and "\t" not in text


def _delimiter(first_line: str) -> str:
    try:
        return csv.Sniffer().sniff(first_line[:4096], delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _problem(cell: str) -> str:
    """Why ``cell`` is not a badge URL to verify ("" when it is one)."""
    if not cell:
        return _("No badge URL in this row.")
    if not _is_url(cell):
        return _("Not a web address (it must start with http:// or https://).")
    if len(cell) > MAX_URL_CHARS:
        return _("The URL is longer than %(limit)s characters.") % {"limit": f"{MAX_URL_CHARS:,}"}
    return ""


def batch_csv_parse(*, content: bytes) -> list[CsvRow]:
    """The badge URL of each non-blank data row of ``content``, in file order. Raises :class:`BatchCsvError`."""
    text = _decode(content)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise BatchCsvError(_("The file is empty. Give one badge URL per line, or a column named 'url'."))
    if all(_plain_url(line) for line in lines if line.strip()):
        # A plain list, one URL per line: commas and semicolons belong to the URLs, not to columns.
        rows = [(n, [line.strip().strip('"').strip()]) for n, line in enumerate(lines, 1) if line.strip()]
        column = 0
    else:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
            table = [(reader.line_num, [c.strip() for c in cells]) for cells in reader]
        except csv.Error as exc:
            raise BatchCsvError(_("The file could not be read as CSV: %(error)s") % {"error": exc}) from None
        table = [(n, cells) for n, cells in table if any(cells)]
        column, rows = _url_column(table)
    if not rows:
        raise BatchCsvError(_("The file has a header but no rows below it. Add one badge URL per row."))
    if len(rows) > MAX_BATCH_ITEMS:
        raise BatchCsvError(
            _("The file has %(count)d rows; at most %(limit)d badges can be checked at once. Split it and try again.")
            % {"count": len(rows), "limit": MAX_BATCH_ITEMS}
        )
    out = []
    for line, cells in rows:
        cell = cells[column] if column < len(cells) else ""
        out.append(CsvRow(line=line, url=cell, problem=_problem(cell)))
    return out


def _url_column(table: list[tuple[int, list[str]]]) -> tuple[int, list[tuple[int, list[str]]]]:
    """The index of the URL column and the data rows (without the header, if there is one)."""
    _line, head = table[0]
    urls_in_head = [i for i, cell in enumerate(head) if _is_url(cell)]
    if urls_in_head:  # no header: the first column holding a URL in the first row
        return urls_in_head[0], table
    data = table[1:]
    ranked = sorted((rank, i) for i, cell in enumerate(head) if (rank := _header_rank(cell)) is not None)
    if ranked:
        return ranked[0][1], data
    counts = [sum(1 for _n, cells in data if i < len(cells) and _is_url(cells[i])) for i in range(len(head))]
    if counts and max(counts):
        return counts.index(max(counts)), data
    raise BatchCsvError(
        _(
            "No column of badge URLs was found. Name the column 'url', 'badge' or 'link' (or 'lien'), "
            "or give one URL per line."
        )
    )


def _result(row: CsvRow, entry: BatchEntry | None) -> ResultRow:
    unchecked = {"row": row.line, "url": row.url, "verdict": "error", "label": _("Not checked")}
    if entry is None:
        return ResultRow(**unchecked, reason=row.problem)
    if entry.report is None:
        return ResultRow(**unchecked, reason=entry.detail)
    report = entry.report
    summaries = report.badges()  # one per input: the headline and one-sentence reason the single page shows
    if not summaries:
        return ResultRow(**unchecked, reason=(report.reasons or [""])[0])
    summary = summaries[0]
    issuer = summary.first.issuer
    return ResultRow(
        row=row.line,
        url=row.url,
        verdict=report.verdict,
        outcome=summary.outcome,
        label=summary.headline(),
        badge=str(summary.name or ""),
        issuer=str(issuer.get("name") or issuer.get("id") or ""),
        reason=summary.reason(),
    )


def batch_csv_verify(*, rows: Sequence[CsvRow]) -> list[ResultRow]:
    """Verify the rows holding a URL (as single verifications would); one result per row, in file order."""
    to_check = [row for row in rows if not row.problem]
    entries = iter(verify_batch(items=[BatchItem(url=row.url) for row in to_check]))
    return [displayable_row(_result(row, None if row.problem else next(entries))) for row in rows]


def displayable_row(row: ResultRow) -> ResultRow:
    return ResultRow(**displayable(asdict(row)))


def batch_results_keep(*, results: Sequence[ResultRow]) -> str:
    """Keep ``results`` for RESULTS_SECONDS; the unguessable token that fetches them back."""
    token = secrets.token_urlsafe(24)
    cache.set(_CACHE_PREFIX + token, [asdict(r) for r in results], RESULTS_SECONDS)
    return token


def batch_results_get(*, token: str) -> list[ResultRow] | None:
    """The results kept under ``token``, or None if there are none (unknown, malformed or expired)."""
    if not _TOKEN.match(token or ""):
        return None
    data = cache.get(_CACHE_PREFIX + token)
    return [ResultRow(**r) for r in data] if data is not None else None


def batch_results_csv(*, results: Sequence[ResultRow]) -> str:
    """The results as CSV text (the caller adds a BOM for Excel); every cell safe from formula injection."""
    stream = io.StringIO()
    writer = SpreadsheetWriter(stream)
    writer.writerow([_("Row"), _("URL"), _("Verdict"), _("Badge"), _("Issuer"), _("Reason")])
    for r in results:
        writer.writerow([r.row, r.url, r.label, r.badge, r.issuer, r.reason])
    return stream.getvalue()
