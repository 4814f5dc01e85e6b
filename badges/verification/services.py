"""Verify any badge a stranger gives us — URL, baked image, JSON or JWT, OB 2.0 or OB 3.0 — for the page and the API.

Composes the plain verifiers (badges/openbadges/ob2/verify.py, ob3/verify.py) with two ways of answering their
questions: documents of this platform are read locally (badges.resolvers, and an in-process dispatch of our own
public URLs, so a worker never waits on itself over HTTP), everything else through the safe fetcher
(badges/openbadges/fetch.py) under the VERIFY_* settings. The recipient e-mail, when given, is only hashed with
the badge's salt and compared; it is never stored, logged or cached.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest
from django.urls import Resolver404, resolve

from badges.counters import awards_verification_count
from badges.models import Award, AwardStatus
from badges.openbadges import detect
from badges.openbadges import fetch as safe
from badges.openbadges.checks import Check, CheckedResult, Verdict
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3 import jwt as vcjwt
from badges.openbadges.ob3 import verify as ob3
from badges.openbadges.ob3.did import DidError, did_from_verification_method, did_web_document_url, did_web_for
from badges.openbadges.recipient import ob3_recipient_matches
from badges.resolvers import NotLocal, fetch_local_status_list, resolve_local_did
from issuers.models import SigningKey

from .award import verify_award

log = logging.getLogger(__name__)

_VERDICT_ORDER = {"valid": 0, "valid_with_warnings": 1, "invalid": 2}


class VerificationInputError(Exception):
    """Input that cannot be verified at all. ``status`` is the HTTP status to answer (400 or 413)."""

    def __init__(self, message: str, *, code: str = "invalid_input", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


# --- results
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BadgeReport(CheckedResult):
    """One verified badge: what it claims (issuer, badge, dates) and every check, in plain language."""

    generation: Literal["ob2", "ob3"]
    form: str
    source: str
    checks: list[Check] = field(default_factory=list)
    issuer: dict[str, Any] = field(default_factory=dict)
    badge: dict[str, Any] = field(default_factory=dict)
    issued_on: str | None = None
    expires: str | None = None
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "generation": self.generation,
            "form": self.form,
            "source": self.source,
            "id": self.id,
            "issuer": self.issuer,
            "badge": self.badge,
            "issued_on": self.issued_on,
            "expires": self.expires,
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(slots=True)
class VerificationReport:
    """The answer: one overall verdict (the worst of the badges found) and each badge's report."""

    results: list[BadgeReport]

    @property
    def verdict(self) -> Verdict:
        return max((r.verdict for r in self.results), key=_VERDICT_ORDER.__getitem__, default="invalid")

    @property
    def reasons(self) -> list[str]:
        return [c.message for r in self.results for c in r.checks if not c.ok and c.severity == "error"]

    @property
    def warnings(self) -> list[str]:
        return [c.message for r in self.results for c in r.checks if not c.ok and c.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "warnings": self.warnings,
            "results": [r.to_dict() for r in self.results],
        }


# --- fetching: local first, then the network, within one deadline
# --------------------------------------------------------------


_cache_lock = threading.Lock()
_fetch_cache: safe.TTLCache | None = None


def fetch_cache() -> safe.TTLCache:
    """The process-wide cache of fetched foreign documents (VERIFY_FETCH_CACHE_SECONDS)."""
    global _fetch_cache
    ttl = float(settings.VERIFY_FETCH_CACHE_SECONDS)
    with _cache_lock:
        if _fetch_cache is None or _fetch_cache.ttl != ttl:
            _fetch_cache = safe.TTLCache(ttl=ttl, max_entries=512)
        return _fetch_cache


def _policy(*, timeout: float, max_bytes: int | None = None) -> safe.FetchPolicy:
    return safe.FetchPolicy(
        timeout=timeout,
        max_bytes=max_bytes or settings.VERIFY_FETCH_MAX_BYTES,
        max_redirects=settings.VERIFY_FETCH_MAX_REDIRECTS,
        allow_private=settings.VERIFY_ALLOW_PRIVATE_NETWORKS,
    )


def _local_path(url: str) -> str | None:
    """The path of ``url`` on this platform, or None if it is not one of our public URLs."""
    if not settings.VERIFY_RESOLVE_LOCALLY:
        return None
    base = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
    if not url.startswith(base) or "#" in url:
        return None
    prefix = urlsplit(base).path
    return "/" + url[len(base) :].split("?", 1)[0] if prefix in ("", "/") else urlsplit(url).path


def _local_fetch(url: str, accept: str) -> safe.FetchResponse | None:
    """Answer one of our own public URLs in-process, exactly as its view would over HTTP."""
    path = _local_path(url)
    if path is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return safe.FetchResponse(url=url, status=404, headers={}, body=b"")
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.META = {
        "REQUEST_METHOD": "GET",
        "HTTP_ACCEPT": accept,
        "SERVER_NAME": urlsplit(url).hostname or "localhost",
        "SERVER_PORT": str(urlsplit(url).port or 80),
        "wsgi.input": io.BytesIO(b""),
    }
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except Http404:
        return safe.FetchResponse(url=url, status=404, headers={}, body=b"")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    headers = {k.lower(): v for k, v in response.items()}
    return safe.FetchResponse(url=url, status=response.status_code, headers=headers, body=body)


class _Fetcher:
    """All fetches of one verification share one deadline (VERIFY_TOTAL_TIMEOUT), so nothing hangs past it."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + float(settings.VERIFY_TOTAL_TIMEOUT)

    def get(self, url: str, *, accept: str = "application/ld+json, application/json;q=0.9") -> safe.FetchResponse:
        local = _local_fetch(url, accept)
        if local is not None:
            return local
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise safe.FetchError("The verification ran out of time before it could fetch " + url, reason="timeout")
        timeout = min(float(settings.VERIFY_FETCH_TIMEOUT), remaining)
        return safe.fetch(url, policy=_policy(timeout=timeout), cache=fetch_cache(), accept=accept)

    def json_object(self, url: str) -> dict[str, Any]:
        response = self.get(url)
        if response.status != 200:
            raise safe.FetchError(f"{url} answered HTTP {response.status}.", reason="http_status")
        document = response.json()
        if not isinstance(document, Mapping):
            raise safe.FetchError(f"{url} did not answer with a JSON object.", reason="not_json")
        return dict(document)

    # The shapes the plain verifiers expect:

    def ob2_document(self, url: str) -> ob2.Fetched:
        response = self.get(url)
        try:
            document = response.json() if response.body else None
        except safe.FetchError:
            document = None
        return ob2.Fetched(status=response.status, document=document)

    def resolve_did(self, did: str) -> dict[str, Any]:
        if settings.VERIFY_RESOLVE_LOCALLY:
            try:
                return resolve_local_did(did)
            except NotLocal:
                pass
        if not did.startswith("did:web:"):
            raise safe.FetchError(f"Only did:web issuers can be resolved, not {did.split(':')[:2]}.", reason="url")
        try:
            url = did_web_document_url(did, scheme=_did_web_scheme(did))
        except DidError as exc:
            raise safe.FetchError(str(exc), reason="url") from exc
        return self.json_object(url)

    def fetch_status_list(self, url: str) -> dict[str, Any]:
        if settings.VERIFY_RESOLVE_LOCALLY:
            try:
                return fetch_local_status_list(url)
            except NotLocal:
                pass
        return self.json_object(url)


def _did_web_scheme(did: str) -> str:
    """did:web resolves over https; tests that allow private networks reach their plain-http live server."""
    if not settings.VERIFY_ALLOW_PRIVATE_NETWORKS:
        return "https"
    host = did.split(":")[2].split("%3A")[0].split("%3a")[0]
    return "http" if host in ("localhost", "127.0.0.1", "[::1]") else "https"


# --- presenting each generation alike
# -------------------------------------------------------------------------


def _criteria(node: Any) -> dict[str, Any]:
    if isinstance(node, str):
        return {"id": node, "narrative": None}
    if isinstance(node, Mapping):
        return {"id": node.get("id") if isinstance(node.get("id"), str) else None, "narrative": node.get("narrative")}
    return {"id": None, "narrative": None}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ob2_report(result: ob2.Ob2Result, target: detect.Target) -> BadgeReport:
    report = BadgeReport("ob2", result.form, target.source, checks=list(result.checks))
    assertion = result.assertion or {}
    report.id = _text(assertion.get("id"))
    report.issued_on, report.expires = _text(assertion.get("issuedOn")), _text(assertion.get("expires"))
    if result.badge_class:
        report.badge = {
            "id": _text(result.badge_class.get("id")),
            "name": _text(result.badge_class.get("name")),
            "description": _text(result.badge_class.get("description")),
            "criteria": _criteria(result.badge_class.get("criteria")),
        }
    if result.issuer:
        report.issuer = {
            "id": _text(result.issuer.get("id")),
            "name": _text(result.issuer.get("name")),
            "url": _text(result.issuer.get("url")),
            "known_by": "hosted_profile",
        }
    return report


def _ob3_report(result: ob3.VerificationResult, target: detect.Target) -> BadgeReport:
    checks = list(result.checks)
    credential = result.credential or {}
    subject = credential.get("credentialSubject") if isinstance(credential.get("credentialSubject"), Mapping) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), Mapping) else {}
    issuer = credential.get("issuer")
    issuer = issuer if isinstance(issuer, Mapping) else {"id": issuer}
    issuer_id = _text(issuer.get("id"))
    report = BadgeReport("ob3", result.form, target.source)
    report.id = _text(credential.get("id"))
    report.issued_on, report.expires = _text(credential.get("validFrom")), _text(credential.get("validUntil"))
    report.badge = {
        "id": _text(achievement.get("id")),
        "name": _text(achievement.get("name")) or _text(credential.get("name")),
        "description": _text(achievement.get("description")),
        "criteria": _criteria(achievement.get("criteria")),
    }
    did_document_url = None
    if issuer_id and issuer_id.startswith("did:web:"):
        try:
            did_document_url = did_web_document_url(did_from_verification_method(issuer_id))
        except DidError:
            did_document_url = None
    report.issuer = {
        "id": issuer_id,
        "name": _text(issuer.get("name")),
        "url": _text(issuer.get("url")),
        "known_by": "did",
        "did_document": did_document_url,
    }
    key = result.check("issuer_key")
    if credential and issuer_id:
        name = report.issuer["name"] or issuer_id
        if key is not None and key.ok:
            where = f" (its keys are published at {did_document_url})" if did_document_url else ""
            checks.append(Check("issuer", True, f"Issued by {name}, known by its DID {issuer_id}{where}."))
        else:
            checks.append(
                Check(
                    "issuer",
                    False,
                    f"The credential claims to be issued by {name} ({issuer_id}), but that could not be confirmed.",
                )
            )
    if report.badge["name"]:
        checks.append(Check("badge_class", True, f"The badge is “{report.badge['name']}”."))
    report.checks = checks
    return report


_ORDER = [
    "format",
    "issuer",
    "issuer_key",
    "origin",
    "signature",
    "hosted",
    "status",
    "valid_from",
    "expiration",
    "badge_class",
    "recipient",
]


def _ordered(report: BadgeReport) -> BadgeReport:
    report.checks.sort(key=lambda c: _ORDER.index(c.name) if c.name in _ORDER else len(_ORDER))
    return report


# --- verifying each kind of target
# ----------------------------------------------------------------------------


def _jwt_alg_refused(token: str) -> str | None:
    try:
        alg = vcjwt.read_unverified_header(token).get("alg")
    except vcjwt.JwtError as exc:
        return str(exc)
    if alg not in vcjwt.ACCEPTED_ALGORITHMS:
        return f"The JWT algorithm {alg!r} is refused (accepted: {', '.join(vcjwt.ACCEPTED_ALGORITHMS)})."
    return None


def _verify_ob3(target: detect.Target, fetcher: _Fetcher, email: str) -> BadgeReport:
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
    report = _ob3_report(result, target)
    if email and result.credential:
        ok, message = ob3_recipient_matches(credential=result.credential, email=email)
        report.checks.append(Check("recipient", ok, message))
    return report


def _verify_ob2(target: detect.Target, fetcher: _Fetcher, email: str) -> BadgeReport:
    badge: Mapping[str, Any] | str = target.document if target.kind == "json" and target.document else target.text
    result = ob2.verify(badge=badge, fetch=fetcher.ob2_document, email=email or None)
    return _ob2_report(result, target)


def _fetched_target(url: str, fetcher: _Fetcher) -> tuple[detect.Target | None, BadgeReport | None]:
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


def _verify_target(target: detect.Target, fetcher: _Fetcher, email: str) -> BadgeReport:
    if target.kind == "url" and target.generation != "ob2":
        resolved, failed = _fetched_target(target.text, fetcher)
        if failed is not None:
            return failed
        assert resolved is not None
        target = resolved
    if target.generation == "ob3":
        return _ordered(_verify_ob3(target, fetcher, email))
    return _ordered(_verify_ob2(target, fetcher, email))


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
    fetcher = _Fetcher()
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


# --- badges issued here
# ---------------------------------------------------------------------------------------


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
    ob3_report = _ordered(_ob3_report(ob3_result, detect.Target("json", "", "text", "ob3", award.ob3_credential)))
    fetcher = _Fetcher()
    ob2_result = ob2.verify_signed(token=award.ob2_jws, fetch=fetcher.ob2_document)
    ob2_report = _ordered(_ob2_report(ob2_result, detect.Target("jws", award.ob2_jws, "text", "ob2")))
    return [ob3_report, ob2_report]


def _report_data(reports: list[BadgeReport]) -> list[tuple]:
    return [
        (
            r.generation,
            r.form,
            r.source,
            [c.to_dict() for c in r.checks],
            r.issuer,
            r.badge,
            r.issued_on,
            r.expires,
            r.id,
        )
        for r in reports
    ]


def _from_data(data: list[tuple], *, recipient: tuple[bool, str] | None) -> VerificationReport:
    results = []
    for generation, form, source, checks, issuer, badge, issued_on, expires, badge_id in data:
        report = BadgeReport(
            generation, form, source, [Check(**c) for c in checks], issuer, badge, issued_on, expires, badge_id
        )
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
