"""Verify an award issued here with the same verifier employers and the API use (local resolvers, no network),
and remember the verdict until the award, its issuer's status lists or its issuer's keys change (decision 0024).

A remembered verdict carries the award's and the issuer's stamps (issuers.public_cache), read before the state the
verdict was derived from; every service that changes that state drops the stamp on commit. A hit is two cache
reads and no SQL; a verdict stored from a state that changed meanwhile carries a dropped stamp and never matches.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from badges.counters import award_verification_count_soon
from badges.models import Award, AwardStatus
from badges.openbadges import detect
from badges.openbadges.checks import Check
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3.verify import VerificationResult, verify_data_integrity
from badges.openbadges.recipient import ob3_recipient_matches
from badges.resolvers import fetch_local_status_list, resolve_local_did
from issuers.public_cache import award_stamp_key, issuer_stamp_key, stamps

from .enrich import enrich_reports
from .fetching import Fetcher
from .presenting import ob2_report, ob3_report, ordered
from .reports import BadgeReport, VerificationReport
from .text import displayable


def verify_award(*, award: Award) -> VerificationResult:
    """Signature, issuer key, status and validity dates of the award's OB 3.0 credential."""
    return verify_data_integrity(
        credential=award.ob3_credential, resolve_did=resolve_local_did, fetch_status_list=fetch_local_status_list
    )


_verifiable = Award.objects.filter(status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED])


def award_verifiable(*, public_id: str) -> Award | None:
    """The award with this public id, if it was issued (or issued and then revoked)."""
    return (
        Award.objects.select_related("badge_class__issuer", "issuer")
        .filter(public_id=public_id, status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED])
        .first()
    )


def _verdict_key(public_id: str, language: str | None = None) -> str:
    # Per language: the answer's summary ("Valid", "The issuer revoked this badge.") may be in the caller's language.
    return f"laurel:verify-award:{public_id}:{language or get_language() or settings.LANGUAGE_CODE}"


def _json(document: dict[str, Any]) -> bytes:
    """The answer's bytes, as DRF's JSONRenderer writes them by default (compact, UTF-8, no NaN, U+2028/9 escaped),
    so the API view and the fast path (badges.api.fast_path) send the same bytes."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def _verdict_seconds(award: Award, now: float) -> int:
    """How long a verdict may be remembered: VERIFY_AWARD_CACHE_SECONDS, no longer than the issuer-identity
    enrichment is remembered (VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS), and never past the moment the award becomes
    valid or expires (the verdict changes then with no change to commit)."""
    seconds = min(
        int(settings.VERIFY_AWARD_CACHE_SECONDS),
        int(getattr(settings, "VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS", settings.VERIFY_AWARD_CACHE_SECONDS)),
    )
    for moment in (award.valid_from, award.expires_on):
        if isinstance(moment, datetime) and moment.timestamp() > now:
            seconds = min(seconds, int(moment.timestamp() - now))
    return max(seconds, 0)


def _award_reports(award: Award) -> list[BadgeReport]:
    ob3_result = verify_award(award=award)
    ob3_found = ordered(ob3_report(ob3_result, detect.Target("json", "", "text", "ob3", award.ob3_credential)))
    fetcher = Fetcher()
    ob2_result = ob2.verify_signed(token=award.ob2_jws, fetch=fetcher.ob2_document)
    ob2_found = ordered(ob2_report(ob2_result, detect.Target("jws", award.ob2_jws, "text", "ob2")))
    reports = [ob3_found, ob2_found]
    enrich_reports(reports, fetcher)
    return reports


def _report_data(reports: list[BadgeReport]) -> list[dict]:
    return [r.to_dict() for r in reports]


def _from_data(data: list[dict], *, recipient: tuple[bool, str] | None) -> VerificationReport:
    results = []
    for item in data:
        report = BadgeReport.from_dict(item)
        if recipient is not None:
            report.checks.append(Check("recipient", *recipient))
        results.append(report)
    return VerificationReport(results)


def verify_award_report(*, award: Award, email: str = "") -> VerificationReport:
    """Verify an award issued here in both generations (OB 3.0 Data Integrity, OB 2.0 signed), locally, now.

    Nothing remembered is used: `award` was read before any stamp could be (see :func:`verify_award_by_public_id`
    for the remembered verdict).
    """
    recipient = ob3_recipient_matches(credential=award.ob3_credential, email=email) if email else None
    return _from_data(_report_data(_award_reports(award)), recipient=recipient)


# Public ids are url-safe base64 (issuers.public_ids); anything else names no award and never reaches the cache.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def _remembered(public_id: str, language: str | None = None) -> dict[str, Any] | None:
    """The remembered verdict of the award, if both of its stamps still match: two cache reads, no SQL."""
    if not _PUBLIC_ID.fullmatch(public_id):
        return None
    verdict_key, award_stamp = _verdict_key(public_id, language), award_stamp_key(public_id)
    found = cache.get_many([verdict_key, award_stamp])
    entry: dict[str, Any] | None = found.get(verdict_key)
    if entry is None or found.get(award_stamp) != entry["award_stamp"] or time.time() >= entry["until"]:
        return None
    if cache.get(issuer_stamp_key(entry["issuer"])) != entry["issuer_stamp"]:
        return None
    return entry


def _verify_and_remember(public_id: str) -> tuple[Award, dict[str, Any]] | None:
    """Verify the award from the database and remember the verdict under the stamps read *before* that state.

    The award's stamp is read before the award, the issuer's before its keys and status lists (which the
    verification reads): a revocation, correction, list change or key change committing at any point drops a
    stamp this verdict already carries, so it is never served (decision 0024).
    """
    if not _PUBLIC_ID.fullmatch(public_id):
        return None
    if cache.get(award_stamp_key(public_id)) is None and not _verifiable.filter(public_id=public_id).exists():
        return None  # no stamp is made for an id a stranger typed: the cache holds stamps of real awards only
    (award_stamp,) = stamps([award_stamp_key(public_id)])
    award = award_verifiable(public_id=public_id)
    if award is None:
        return None
    (issuer_stamp,) = stamps([issuer_stamp_key(award.issuer.public_id)])
    data = _report_data(_award_reports(award))
    now = time.time()
    seconds = _verdict_seconds(award, now)
    entry = {
        "issuer": award.issuer.public_id,
        "award_stamp": award_stamp,
        "issuer_stamp": issuer_stamp,
        "until": now + seconds,
        # The checks, for a recipient check added per call: JSON bytes, so a hit that does not need them (the
        # API's GET, the fast path) does not pay for unpickling them.
        "data": json.dumps(data).encode(),
        # The API's answer without a recipient check, ready to send.
        "json": _json(displayable(_from_data(data, recipient=None).to_dict())),
    }
    if seconds > 0:
        cache.set(_verdict_key(public_id), entry, seconds)
    return award, entry


def award_verdict_json(*, public_id: str) -> bytes | None:
    """The verdict on the award with this public id as the API answers it (JSON, no recipient check), remembered
    until the award, its issuer's status lists or its issuer's keys change; None when no award with this id was
    issued. A remembered verdict costs two cache reads and no SQL; the verification is counted in memory and
    written in batches (badges.counters)."""
    entry = _remembered(public_id)
    if entry is None:
        verified = _verify_and_remember(public_id)
        if verified is None:
            return None
        entry = verified[1]
    award_verification_count_soon(public_id=public_id)
    return entry["json"]


def award_verdict_json_remembered(*, public_id: str, language: str) -> bytes | None:
    """The remembered answer in `language` if there is one whose stamps still match, else None (nothing is
    verified, nothing counted): for the fast path, which counts what it serves."""
    entry = _remembered(public_id, language)
    return entry["json"] if entry is not None else None


def verify_award_by_public_id(*, public_id: str, email: str = "") -> VerificationReport | None:
    """The report on the award with this public id, from the remembered verdict (see
    :func:`award_verdict_document`); checking a recipient's e-mail reads the award's credential.

    None when no award with this public id was issued.
    """
    entry = _remembered(public_id)
    award = None
    if entry is None:
        verified = _verify_and_remember(public_id)
        if verified is None:
            return None
        award, entry = verified
    award_verification_count_soon(public_id=public_id)
    if not email:
        return _from_data(json.loads(entry["data"]), recipient=None)
    if award is None:
        award = award_verifiable(public_id=public_id)
        if award is None:  # gone since the verdict was remembered (never: awards are not deleted)
            return None
    recipient = ob3_recipient_matches(credential=award.ob3_credential, email=email)
    return _from_data(json.loads(entry["data"]), recipient=recipient)
