"""Verify an award issued here with the same verifier employers and the API use (local resolvers, no network),
and remember the verdict until the award or its issuer's keys change."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache

from badges.counters import awards_verification_count
from badges.models import Award, AwardStatus
from badges.openbadges import detect
from badges.openbadges.checks import Check
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3.verify import VerificationResult, verify_data_integrity
from badges.openbadges.recipient import ob3_recipient_matches
from badges.resolvers import fetch_local_status_list, resolve_local_did
from issuers.models import SigningKey

from .enrich import enrich_reports
from .fetching import Fetcher
from .presenting import ob2_report, ob3_report, ordered
from .reports import BadgeReport, VerificationReport


def verify_award(*, award: Award) -> VerificationResult:
    """Signature, issuer key, status and validity dates of the award's OB 3.0 credential."""
    return verify_data_integrity(
        credential=award.ob3_credential, resolve_did=resolve_local_did, fetch_status_list=fetch_local_status_list
    )


def award_verifiable(*, public_id: str) -> Award | None:
    """The award with this public id, if it was issued (or issued and then revoked)."""
    return (
        Award.objects.select_related("badge_class__issuer", "issuer")
        .filter(public_id=public_id, status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED])
        .first()
    )


def _keys_fingerprint(issuer_id: int) -> str:
    states = SigningKey.objects.filter(issuer_id=issuer_id).values_list("public_id", "state")
    return hashlib.sha256(json.dumps(sorted(states)).encode()).hexdigest()[:16]


def _cache_key(public_id: str, updated_at, issuer_id: int) -> str:
    return f"laurel:verify-award:{public_id}:{updated_at.timestamp()}:{_keys_fingerprint(issuer_id)}"


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
    """Verify an award issued here in both generations (OB 3.0 Data Integrity, OB 2.0 signed), locally.

    The checks without the recipient are cached for VERIFY_AWARD_CACHE_SECONDS, keyed by the award's last change
    and its issuer's key states, so a revocation or a key withdrawal shows at once.
    """
    key = _cache_key(award.public_id, award.updated_at, award.issuer_id)
    data = cache.get(key)
    if data is None:
        data = _report_data(_award_reports(award))
        cache.set(key, data, settings.VERIFY_AWARD_CACHE_SECONDS)
    recipient = ob3_recipient_matches(credential=award.ob3_credential, email=email) if email else None
    return _from_data(data, recipient=recipient)


def verify_award_by_public_id(*, public_id: str, email: str = "") -> VerificationReport | None:
    """Like :func:`verify_award_report` for the API, loading the award only when the cache cannot answer.

    None when no award with this public id was issued. A cache hit costs two small queries (the award's state and
    its issuer's key states), no signature work.
    """
    row = (
        Award.objects.filter(public_id=public_id, status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED])
        .values_list("updated_at", "issuer_id")
        .first()
    )
    if row is None:
        return None
    awards_verification_count(public_ids=[public_id])
    if not email:
        data = cache.get(_cache_key(public_id, *row))
        if data is not None:
            return _from_data(data, recipient=None)
    award = award_verifiable(public_id=public_id)
    return verify_award_report(award=award, email=email) if award is not None else None
