"""One result per badge, with the outcome a recruiter acts on and why, in one sentence.

An input (one URL, one pasted text, one upload) is one badge: a baked image carrying both an Open Badges 2.0 assertion
and a 3.0 credential is one badge with two proofs, not two badges. :func:`badge_summaries` groups the proofs of one
verification and answers, for the group:

- ``valid``: every proof holds (warnings that no fetch caused are allowed, and named in the reason);
- ``not_valid``: something proves it false — revoked, altered, expired, not the issuer's key, two different badges
  in one image...;
- ``could_not_check``: nothing proved it false, but something a proof needed (the issuer's site, its keys, its
  revocation list) could not be reached, did not answer in time or answered with a server error. A revocation list
  that cannot be fetched is a warning for the verifier, but the recruiter cannot tell whether the badge was revoked:
  could not check (decision 0020).

The verifiers report checks as plain-English messages without a machine-readable cause, so a fetch failure is told
by the fixed phrases the verifiers and the safe fetcher use (``_UNREACHABLE``); tests in
tests/badges/verification/test_summary.py pin each phrase against a real failed fetch.

Reasons are translatable: :meth:`BadgeSummary.reason` renders in the active language (the page), the API asks for
English (:meth:`BadgeSummary.to_dict`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from django.utils import formats
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

from badges.openbadges.checks import Check

from .reports import BadgeReport

Outcome = Literal["valid", "not_valid", "could_not_check"]
_OUTCOME_ORDER: dict[str, int] = {"valid": 0, "could_not_check": 1, "not_valid": 2}

# Phrases of a fetch that failed for a reason that may pass (badges/openbadges/fetch.py's FetchError messages, quoted
# inside the verifiers' checks): no connection, no answer in time, a host name not found, a server error, or an
# issuer this verifier cannot resolve. A refused address (private, not http(s), credentials in the URL), a 404 or a
# document that is not what it should be is an answer, not an outage: those are "not valid".
_UNREACHABLE = re.compile(
    r"could not connect|took too long|ran out of time|timed out|secure connection to .* failed|"
    r"host name .* could not be found|has no address|answered HTTP 5\d\d|\(HTTP 5\d\d\)|"
    r"only did:web issuers can be resolved",
    re.IGNORECASE,
)
# A fetch refused before it was tried: the badge's own address (or its issuer's) is not a public web address.
_REFUSED = re.compile(
    r"Refusing to contact|Only http and https|has no host name|user name or password|not a usable URL|"
    r"spaces or control characters",
    re.IGNORECASE,
)
_FETCH_FAILED = re.compile(r"could not be reached|could not be fetched", re.IGNORECASE)
_TIMEOUT = re.compile(r"took too long|ran out of time|timed out", re.IGNORECASE)
_TAMPERED = re.compile(r"does not match|verification failed|signature is invalid|invalid signature", re.IGNORECASE)
_REASON_GIVEN = re.compile(r"Reason given: (.+)$", re.DOTALL)

# Which failure explains a "not valid" best, when a proof fails several checks.
_PRIORITY = [
    "status",
    "signature",
    "issuer_key",
    "hosted",
    "expiration",
    "valid_from",
    "recipient",
    "format",
    "badge_class",
    "issuer",
    "origin",
]


def parse_date(value: str | None) -> date | None:
    """The calendar date an ISO 8601 date or date-time names, as written (no time-zone shift); None if unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")).date()
    except ValueError:
        return None


def long_date(value: str | None) -> str:
    """``value`` as the reader writes a date ("2 December 2026", "2 décembre 2026"); unreadable text as given."""
    parsed = parse_date(value)
    if parsed is None:
        return value or ""
    return formats.date_format(parsed, "j F Y")


def _unreachable(check: Check) -> bool:
    return bool(_UNREACHABLE.search(check.message))


def _derived(check: Check, report: BadgeReport) -> bool:
    """A failure that only repeats another one (it decides nothing by itself)."""
    if check.name == "issuer_key" and check.message.startswith("Without the issuer's profile"):
        return True  # OB 2.0: the profile's own failure is reported under "issuer"
    if check.name == "issuer" and report.generation == "ob3":
        key = report.check("issuer_key")
        signature = report.check("signature")
        return (key is not None and not key.ok) or (key is None and signature is not None and not signature.ok)
    return False


@dataclass(slots=True)
class _Finding:
    outcome: Outcome
    check: Check | None = None
    report: BadgeReport | None = None


def _proof_finding(report: BadgeReport) -> _Finding:
    failed = [c for c in report.checks if not c.ok and not _derived(c, report)]
    conclusive = [c for c in failed if c.severity == "error" and not _unreachable(c)]
    if conclusive:
        conclusive.sort(key=lambda c: _PRIORITY.index(c.name) if c.name in _PRIORITY else len(_PRIORITY))
        return _Finding("not_valid", conclusive[0], report)
    unreachable = [c for c in failed if _unreachable(c)]
    if unreachable:
        return _Finding("could_not_check", unreachable[0], report)
    if report.verdict == "invalid":  # only derived failures: say so plainly rather than call it valid
        return _Finding("not_valid", next((c for c in report.checks if not c.ok), None), report)
    warning = next((c for c in report.checks if not c.ok), None)
    return _Finding("valid", warning, report)


def _same(values: list[str | None]) -> bool:
    given = {" ".join(v.split()).casefold() for v in values if isinstance(v, str) and v.strip()}
    return len(given) <= 1


@dataclass(slots=True)
class BadgeSummary:
    """One badge: its proofs (indexes into the verification's results), outcome and the reason's parts."""

    proofs: list[BadgeReport]
    indexes: list[int]
    outcome: Outcome
    reason_code: str
    reason_params: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> BadgeReport:
        """The proof whose claims the page shows (the first found: OB 3.0 when an image carries both)."""
        return self.proofs[0]

    def _pick(self, getter) -> Any:
        return next((v for v in (getter(p) for p in self.proofs) if v), None)

    @property
    def name(self) -> str | None:
        return self._pick(lambda p: p.badge.get("name"))

    @property
    def image(self) -> str | None:
        return self._pick(lambda p: p.badge.get("image"))

    @property
    def recipient_name(self) -> str | None:
        return self._pick(lambda p: p.recipient_name)

    def headline(self) -> str:
        """Valid, Not valid or Could not check, in the active language."""
        return str(_HEADLINES[self.outcome])

    def reason(self) -> str:
        """One sentence, in the active language."""
        params = dict(self.reason_params)
        if "date" in params:
            params["date"] = long_date(params["date"])
        return gettext(_REASONS[self.reason_code]) % params

    def reason_en(self) -> str:
        """The same sentence in English (the message ids are English), without switching the active language."""
        params = dict(self.reason_params)
        if "date" in params:
            parsed = parse_date(params["date"])
            params["date"] = f"{parsed.day} {_MONTHS_EN[parsed.month - 1]} {parsed.year}" if parsed else params["date"]
        return _REASONS[self.reason_code] % params

    def to_dict(self) -> dict[str, Any]:
        """The API's entry: outcome, headline and reason in English, and which results are this badge's proofs."""
        return {
            "outcome": self.outcome,
            "headline": _HEADLINES_EN[self.outcome],
            "reason": self.reason_en(),
            "name": self.name,
            "issuer": {"id": self.first.issuer.get("id"), "name": self._pick(lambda p: p.issuer.get("name"))},
            "recipient_name": self.recipient_name,
            "image": self.image,
            "issued_on": self._pick(lambda p: p.issued_on),
            "expires": self._pick(lambda p: p.expires),
            "proofs": [
                {"result": i, "generation": p.generation, "form": p.form, "verdict": p.verdict}
                for i, p in zip(self.indexes, self.proofs, strict=True)
            ],
        }


_HEADLINES = {
    "valid": pgettext_lazy("verification outcome", "Valid"),
    "not_valid": pgettext_lazy("verification outcome", "Not valid"),
    "could_not_check": pgettext_lazy("verification outcome", "Could not check"),
}
_HEADLINES_EN = {"valid": "Valid", "not_valid": "Not valid", "could_not_check": "Could not check"}
_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# Each reason is one sentence, marked here and translated when rendered (BadgeSummary.reason), so the same summary
# serves the page in the reader's language and the API in English (the message ids themselves).
_REASONS = {
    "valid": gettext_noop("The issuer's signature holds, the issuer has not revoked it and it has not expired."),
    "valid_warning": gettext_noop(
        "The badge is genuine and current, but one thing could not be confirmed (see the technical details)."
    ),
    "revoked": gettext_noop("The issuer revoked this badge."),
    "revoked_reason": gettext_noop("The issuer revoked this badge, giving this reason: %(reason)s"),
    "suspended": gettext_noop("The issuer has suspended this badge."),
    "status_unreadable": gettext_noop("The issuer's revocation list for this badge is not trustworthy."),
    "tampered": gettext_noop("The badge was altered after it was signed."),
    "not_signed": gettext_noop("The badge is not properly signed by its issuer."),
    "wrong_key": gettext_noop("The badge was not signed with a key its issuer published."),
    "withdrawn": gettext_noop("The issuer's site no longer confirms this badge."),
    "differs": gettext_noop(
        "What you gave is not the badge the issuer awarded: it names another recipient, badge or issuer than the "
        "issuer's record."
    ),
    "differs_warning": gettext_noop(
        "The badge is genuine and current, but what you gave differs from the issuer's record; the issuer's record "
        "is shown."
    ),
    "refused_address": gettext_noop("The badge's address is not a public web address, so it cannot be verified."),
    "bad_answer": gettext_noop("The issuer's site did not give a usable answer for this badge."),
    "expired": gettext_noop("This badge expired on %(date)s."),
    "expired_unknown": gettext_noop("This badge's expiry date cannot be read."),
    "not_yet_valid": gettext_noop("This badge is not valid until %(date)s."),
    "no_issue_date": gettext_noop("This badge has no readable issue date."),
    "recipient": gettext_noop("This badge was not issued to the e-mail address you gave."),
    "malformed": gettext_noop("This is not a well-formed Open Badge."),
    "issuer_unconfirmed": gettext_noop("The issuer this badge names could not be confirmed."),
    "origin": gettext_noop("The badge is not hosted where its issuer allows."),
    "other": gettext_noop("The badge failed a check (see the technical details)."),
    "mismatch": gettext_noop("The image holds two different badges (“%(first)s” and “%(second)s”)."),
    "timeout": gettext_noop("The issuer's site did not answer in time."),
    "unreachable_site": gettext_noop("The issuer's site could not be reached."),
    "unreachable_keys": gettext_noop("The issuer's public keys could not be fetched."),
    "unreachable_status": gettext_noop(
        "The issuer's revocation list could not be fetched, so whether it was revoked is unknown."
    ),
    "nothing": gettext_noop("No badge was found in what was given."),
}


def _reason(finding: _Finding) -> tuple[str, dict[str, str]]:
    check, report = finding.check, finding.report
    if finding.outcome == "valid":
        if check is not None and check.name == "hosted" and "differ" in check.message:
            return "differs_warning", {}
        return ("valid_warning" if check is not None else "valid"), {}
    if check is None or report is None:
        return "other", {}
    message, name = check.message, check.name
    if finding.outcome == "could_not_check":
        if _TIMEOUT.search(message):
            return "timeout", {}
        if name == "status":
            return "unreachable_status", {}
        if name in ("signature", "issuer_key"):
            return "unreachable_keys", {}
        return "unreachable_site", {}
    if _REFUSED.search(message):
        return "refused_address", {}
    if _FETCH_FAILED.search(message) and name != "status":
        return "bad_answer", {}
    if name == "status":
        if "suspended" in message:
            return "suspended", {}
        if "revoked" in message and "not revoked" not in message:
            given = _REASON_GIVEN.search(message)
            return ("revoked_reason", {"reason": given.group(1).strip()}) if given else ("revoked", {})
        return "status_unreadable", {}
    if name == "signature":
        return ("tampered" if _TAMPERED.search(message) else "not_signed"), {}
    if name == "issuer_key":
        return "wrong_key", {}
    if name == "hosted":
        if "410" in message:
            return "revoked", {}
        if "differ" in message:  # the issuer's record names another recipient, badge or issuer (decision 0023)
            return "differs", {}
        return "withdrawn", {}
    if name == "expiration":
        return ("expired", {"date": report.expires}) if parse_date(report.expires) else ("expired_unknown", {})
    if name == "valid_from":
        if parse_date(report.issued_on):
            return "not_yet_valid", {"date": report.issued_on or ""}
        return "no_issue_date", {}
    if name == "recipient":
        return "recipient", {}
    if name == "format":
        return "malformed", {}
    if name in ("issuer", "badge_class"):
        return "issuer_unconfirmed" if name == "issuer" else "malformed", {}
    if name == "origin":
        return "origin", {}
    return "other", {}


def _summary(results: list[BadgeReport], indexes: list[int]) -> BadgeSummary:
    proofs = [results[i] for i in indexes]
    names = [p.badge.get("name") for p in proofs]
    issuers = [p.issuer.get("name") for p in proofs]
    if len(proofs) > 1 and not (_same(names) and _same(issuers)):
        shown = [n for n in names if n] if not _same(names) else [n for n in issuers if n]
        first, second = (shown + ["?", "?"])[:2]
        return BadgeSummary(proofs, indexes, "not_valid", "mismatch", {"first": first, "second": second})
    findings = [_proof_finding(p) for p in proofs]
    # The worst outcome; among equals, a finding that names a check (a warning under "valid") says more.
    worst = max(findings, key=lambda f: (_OUTCOME_ORDER[f.outcome], f.check is not None))
    code, params = _reason(worst)
    return BadgeSummary(proofs, indexes, worst.outcome, code, params)


def badge_summaries(results: list[BadgeReport]) -> list[BadgeSummary]:
    """The badges among one verification's results: all its proofs are one badge (one input is one badge)."""
    if not results:
        return []
    return [_summary(results, list(range(len(results))))]
