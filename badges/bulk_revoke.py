"""Bulk revocation from a CSV of award ids or e-mail addresses: a dry run that says what each row would do, then
one all-or-nothing revocation with one reason. Scoped to the institutions where the user may award.

The CSV is read tolerantly, as institutions write it: UTF-8 (with or without BOM), comma, semicolon (Excel in
French and German) or tab, an optional header row, one identifier per row in its first non-empty cell. A small
reader of its own: the completions import (courses/imports.py) reads a different, multi-column file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from badges.openbadges.hashing import normalize_email
from issuers.permissions import Capability
from issuers.selectors import issuer_ids_for_user

from .models import Award, AwardStatus
from .services import AwardError, awards_revoke

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
DELIMITERS = (";", ",", "\t")
# A first row naming the column, in English or French, is a header, not an identifier.
HEADERS = {
    "id",
    "award",
    "award id",
    "award_id",
    "public id",
    "public_id",
    "badge",
    "badge id",
    "email",
    "e-mail",
    "e mail",
    "mail",
    "courriel",
    "adresse e-mail",
    "adresse électronique",
    "identifiant",
    "badge attribué",
}
TOKEN_SALT = "badges.bulk_revoke"  # noqa: S105 — a signing namespace, not a secret
TOKEN_MAX_AGE = 3600  # seconds between the dry run and applying it


class BulkRevokeError(Exception):
    """The file cannot be read, or the revocation cannot be applied; the message is shown to the user."""


class Outcome:
    REVOKE = "revoke"
    ALREADY = "already_revoked"
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"
    DUPLICATE = "duplicate"
    BLOCKING = (UNKNOWN, AMBIGUOUS)
    LABELS = {
        REVOKE: gettext_lazy("will be revoked"),
        ALREADY: gettext_lazy("already revoked: nothing to do"),
        UNKNOWN: gettext_lazy("no badge with this id or address at your institutions"),
        AMBIGUOUS: gettext_lazy("this address has several badges: list their award ids instead"),
        DUPLICATE: gettext_lazy("the same badge as an earlier row: revoked once"),
    }


@dataclass
class PlanRow:
    line: int
    value: str
    outcome: str
    awards: list[Award] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Outcome.LABELS[self.outcome])


@dataclass
class BulkRevokePlan:
    rows: list[PlanRow]

    @property
    def to_revoke(self) -> list[Award]:
        return [row.awards[0] for row in self.rows if row.outcome == Outcome.REVOKE]

    @property
    def blocked(self) -> bool:
        """Rows we cannot act on (unknown, ambiguous) stop the whole file: fix it and upload it again."""
        return any(row.outcome in Outcome.BLOCKING for row in self.rows)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(Outcome.LABELS, 0)
        for row in self.rows:
            counts[row.outcome] += 1
        return counts


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise BulkRevokeError(_("The file is larger than 1 MB; split it."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkRevokeError(_("The file is not UTF-8 text. Save it as 'CSV UTF-8' and upload it again.")) from None


def _delimiter(text: str) -> str:
    """The delimiter of the first line with any of ; , tab — the one it holds most of (a one-column file has none)."""
    for line in text.splitlines():
        if line.strip():
            counts = {d: line.count(d) for d in DELIMITERS}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def parse_identifiers(content: bytes) -> list[tuple[int, str]]:
    """(line number, first non-empty cell) of each row; empty rows and a header row are left out."""
    text = _decode(content)
    if "\x00" in text:
        raise BulkRevokeError(_("The file is not a CSV text file."))
    rows: list[tuple[int, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for cells in reader:
            value = next((cell.strip() for cell in cells if cell.strip()), "")
            if not value or (not rows and value.lower().strip(" :*") in HEADERS):
                continue
            rows.append((reader.line_num, value[:254]))
            if len(rows) > MAX_ROWS:
                raise BulkRevokeError(_("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS})
    except csv.Error as exc:
        raise BulkRevokeError(
            _("The file could not be read as CSV (line %(line)d).") % {"line": reader.line_num}
        ) from exc
    if not rows:
        raise BulkRevokeError(_("The file lists no award id or e-mail address."))
    return rows


def _scope(user):
    ids = issuer_ids_for_user(user=user, capability=Capability.AWARD)
    awards = Award.objects.select_related("badge_class", "learner")
    return awards if ids is None else awards.filter(issuer__in=ids)


def bulk_revoke_plan(*, user, content: bytes) -> BulkRevokePlan:
    """The dry run: what each row would do, for the awards of the institutions where `user` may award. Writes
    nothing. Another institution's badge reads exactly like one that does not exist."""
    lines = parse_identifiers(content)
    scope = _scope(user)
    emails = {normalize_email(v) for _line, v in lines if "@" in v}
    ids = {v for _line, v in lines if "@" not in v}
    by_id = {a.public_id: a for a in scope.filter(public_id__in=ids)}
    by_email: dict[str, list[Award]] = {}
    for award in scope.filter(learner__email__in=emails).order_by("created_at", "id"):
        by_email.setdefault(award.learner.email, []).append(award)
    seen: set[int] = set()
    rows = []
    for line, value in lines:
        if "@" in value:
            found = by_email.get(normalize_email(value), [])
            live = [a for a in found if a.status != AwardStatus.REVOKED]
            if len(live) > 1:
                row = PlanRow(line, value, Outcome.AMBIGUOUS, live)
            elif live:
                row = PlanRow(line, value, Outcome.REVOKE, live)
            else:
                row = PlanRow(line, value, Outcome.ALREADY if found else Outcome.UNKNOWN, found[-1:])
        else:
            award = by_id.get(value)
            if award is None:
                row = PlanRow(line, value, Outcome.UNKNOWN)
            else:
                outcome = Outcome.ALREADY if award.status == AwardStatus.REVOKED else Outcome.REVOKE
                row = PlanRow(line, value, outcome, [award])
        if row.outcome == Outcome.REVOKE:
            if row.awards[0].pk in seen:
                row.outcome = Outcome.DUPLICATE
            seen.add(row.awards[0].pk)
        rows.append(row)
    return BulkRevokePlan(rows=rows)


def bulk_revoke_token(*, user, plan: BulkRevokePlan) -> str:
    """The dry run's awards, signed for this user, carried by the confirmation form (nothing stored server-side)."""
    return signing.dumps(
        {"user": user.pk, "awards": [a.public_id for a in plan.to_revoke]}, salt=TOKEN_SALT, compress=True
    )


@transaction.atomic
def bulk_revoke_apply(*, actor, token: str, reason: str, notify_learner: bool = False) -> int:
    """Revoke every award of the dry run with one reason, in one transaction: if any of them is no longer the
    user's to revoke, nothing is revoked. Returns how many were revoked now (a badge revoked meanwhile is left)."""
    reason = reason.strip()
    if not reason:
        raise BulkRevokeError(_("Give a reason: it is shown to anyone who checks the badges."))
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise BulkRevokeError(_("This check is out of date or not valid: upload the file again.")) from None
    if data.get("user") != actor.pk or not data.get("awards"):
        raise BulkRevokeError(_("This check is out of date or not valid: upload the file again."))
    public_ids = data["awards"]
    awards = list(_scope(actor).filter(public_id__in=public_ids).values_list("pk", flat=True))
    if len(awards) != len(set(public_ids)):
        raise BulkRevokeError(_("Some of these badges are no longer yours to revoke; nothing was revoked."))
    try:
        return len(awards_revoke(actor=actor, award_ids=awards, reason=reason, notify_learner=notify_learner))
    except AwardError as exc:
        raise BulkRevokeError(str(exc)) from exc
