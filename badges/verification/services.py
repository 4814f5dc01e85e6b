"""Verify any badge a stranger gives us — URL, baked image, JSON or JWT, OB 2.0 or OB 3.0 — for the page and the API.

Composes the plain verifiers (badges/openbadges/ob2/verify.py, ob3/verify.py) with the fetching of
badges.verification.fetching, and presents their results with badges.verification.presenting. The recipient
e-mail, when given, is only hashed with the badge's salt and compared; it is never stored, logged or cached.
Badges issued here are verified by badges.verification.award.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from badges.counters import awards_verification_count
from badges.openbadges import detect
from badges.openbadges import fetch as safe
from badges.openbadges.checks import Check
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3 import jwt as vcjwt
from badges.openbadges.ob3 import verify as ob3
from badges.openbadges.ob3.did import did_web_for
from badges.openbadges.recipient import ob3_recipient_matches

from .enrich import enrich_reports
from .fetching import Fetcher
from .presenting import ob2_report, ob3_report, ordered
from .reports import BadgeReport, VerificationInputError, VerificationReport

log = logging.getLogger(__name__)


def _jwt_alg_refused(token: str) -> str | None:
    try:
        alg = vcjwt.read_unverified_header(token).get("alg")
    except vcjwt.JwtError as exc:
        return str(exc)
    if alg not in vcjwt.ACCEPTED_ALGORITHMS:
        return f"The JWT algorithm {alg!r} is refused (accepted: {', '.join(vcjwt.ACCEPTED_ALGORITHMS)})."
    return None


def _verify_ob3(target: detect.Target, fetcher: Fetcher, email: str) -> BadgeReport:
    if target.kind == "jws":
        refused = _jwt_alg_refused(target.text)
        if refused:
            result = ob3.VerificationResult("jwt", [Check("signature", False, refused)])
        else:
            result = ob3.verify_jwt_credential(
                token=target.text, resolve_did=fetcher.resolve_did, fetch_status_list=fetcher.fetch_status_list
            )
    else:
        result = ob3.verify_data_integrity(
            credential=dict(target.document or {}),
            resolve_did=fetcher.resolve_did,
            fetch_status_list=fetcher.fetch_status_list,
        )
    report = ob3_report(result, target)
    if email and result.credential:
        ok, message = ob3_recipient_matches(credential=result.credential, email=email)
        report.checks.append(Check("recipient", ok, message))
    return report


def _verify_ob2(target: detect.Target, fetcher: Fetcher, email: str) -> BadgeReport:
    badge: Mapping[str, Any] | str = target.document if target.kind == "json" and target.document else target.text
    given_as = "image" if target.source in ("png", "svg") else "document"
    result = ob2.verify(badge=badge, fetch=fetcher.ob2_document, email=email or None, given_as=given_as)
    return ob2_report(result, target)


def _fetched_target(url: str, fetcher: Fetcher) -> tuple[detect.Target | None, BadgeReport | None]:
    """A pasted URL: fetch it once; an Assertion is verified as hosted, a credential or JWT by its content."""
    try:
        response = fetcher.get(url, accept="application/ld+json, application/json;q=0.9, text/plain;q=0.5")
    except safe.FetchError as exc:
        report = BadgeReport("ob2", "hosted", "url", id=url)
        report.checks.append(Check("hosted", False, f"The badge's address could not be reached: {exc}"))
        return None, report
    if response.status != 200:
        return detect.Target("url", url, "url", "ob2"), None  # hosted verification reports 404, 410, ...
    text = response.body[: detect.MAX_TEXT_CHARS].decode("utf-8", errors="replace")
    try:
        found = detect.detect_text(text, source="url")
    except detect.InputError as exc:
        report = BadgeReport("ob2", "hosted", "url", id=url)
        report.checks.append(Check("format", False, f"What {url} serves is not an Open Badge: {exc}"))
        return None, report
    if found.generation == "ob2" and found.kind == "json":
        return detect.Target("url", url, "url", "ob2"), None
    return detect.Target(found.kind, found.text, "url", found.generation, found.document), None


def _verify_target(target: detect.Target, fetcher: Fetcher, email: str) -> BadgeReport:
    if target.kind == "url" and target.generation != "ob2":
        resolved, failed = _fetched_target(target.text, fetcher)
        if failed is not None:
            return failed
        assert resolved is not None
        target = resolved
    if target.generation == "ob3":
        return ordered(_verify_ob3(target, fetcher, email))
    return ordered(_verify_ob2(target, fetcher, email))


def _targets(*, url: str, text: str, upload: bytes | None) -> list[detect.Target]:
    given = [name for name, value in (("url", url), ("text", text), ("file", upload)) if value]
    if not given:
        raise VerificationInputError(
            "Give a badge URL, upload a baked badge image, or paste its JSON or JWT.", code="empty"
        )
    if len(given) > 1:
        raise VerificationInputError("Give only one of: a URL, a file, or pasted text.", code="ambiguous")
    try:
        if upload is not None and upload:
            return detect.detect_upload(upload, max_bytes=settings.VERIFY_UPLOAD_MAX_BYTES)
        if url:
            url = url.strip()
            if not url.lower().startswith(("http://", "https://")):
                scheme = url.split(":", 1)[0] if ":" in url else ""
                raise VerificationInputError(
                    f"Only http and https links can be checked, not {scheme + ':' if scheme else 'this'}.",
                    code="scheme",
                )
            return [detect.Target("url", url, "url")]
        return [detect.detect_text(text)]
    except detect.InputError as exc:
        status = 413 if exc.code == "too_large" else 400
        raise VerificationInputError(str(exc), code=exc.code, status=status) from None


def verify_input(*, url: str = "", text: str = "", upload: bytes | None = None, email: str = "") -> VerificationReport:
    """Verify what a visitor gave (exactly one of ``url``, ``text``, ``upload``), optionally against ``email``.

    Raises :class:`VerificationInputError` for input that holds no badge; anything else becomes a verdict.
    """
    targets = _targets(url=url or "", text=text or "", upload=upload)
    fetcher = Fetcher()
    results = []
    for target in targets:
        try:
            results.append(_verify_target(target, fetcher, email.strip() if email else ""))
        except Exception:  # a bug must not become a 500 for a stranger: report it as unverifiable
            log.exception("Verification failed unexpectedly")
            report = BadgeReport(target.generation or "ob2", "unknown", target.source)
            report.checks.append(
                Check(
                    "format",
                    False,
                    "This badge could not be verified because of an internal error; it has been logged.",
                )
            )
            results.append(report)
    enrich_reports(results, fetcher)
    _count_our_awards(results)
    return VerificationReport(results)


def _issued_here(issuer_id: str | None) -> bool:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    our_dids = did_web_for(base_url=base, path="issuers") + ":"
    return bool(issuer_id) and (issuer_id.startswith(base + "/issuers/") or issuer_id.startswith(our_dids))


def _count_our_awards(results: list[BadgeReport]) -> None:
    """Count a verification of each award of ours among the results (the institution's dashboard shows it).

    Only a document that proved itself ours counts: hosted at our address, or signed by one of our issuers' keys.
    A pasted copy claiming one of our ids with a broken signature is not a verification of our badge.
    """
    assertions = settings.PUBLIC_BASE_URL.rstrip("/") + "/assertions/"
    public_ids, uuids = set(), set()
    for report in results:
        checks: dict[str, bool] = {}
        for check in report.checks:  # a name may appear more than once: it holds only if each one does
            checks[check.name] = checks.get(check.name, True) and check.ok
        proven = checks.get("hosted") or (checks.get("signature") and checks.get("issuer_key", True))
        if not proven or not report.id:
            continue
        if report.id.startswith(assertions) and "/" not in report.id[len(assertions) :]:
            public_ids.add(report.id[len(assertions) :].split("?", 1)[0])
        elif report.id.startswith("urn:uuid:") and _issued_here(report.issuer.get("id")):
            uuids.add(report.id.removeprefix("urn:uuid:"))
    try:
        awards_verification_count(public_ids=public_ids, uuids=[u for u in uuids if _is_uuid(u)])
    except Exception:  # noqa: BLE001 — a counter must never turn a verification into an error
        log.warning("Could not count a verification", exc_info=True)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
