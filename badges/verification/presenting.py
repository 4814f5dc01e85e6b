"""Present both generations alike: a BadgeReport (issuer, badge, dates, checks in a fixed order) from a verifier's
result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badges.openbadges import detect
from badges.openbadges.checks import Check
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3 import verify as ob3
from badges.openbadges.ob3.did import DidError, did_from_verification_method, did_web_document_url

from .reports import BadgeReport


def _criteria(node: Any) -> dict[str, Any]:
    if isinstance(node, str):
        return {"id": node, "narrative": None}
    if isinstance(node, Mapping):
        return {"id": node.get("id") if isinstance(node.get("id"), str) else None, "narrative": node.get("narrative")}
    return {"id": None, "narrative": None}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def ob2_report(result: ob2.Ob2Result, target: detect.Target) -> BadgeReport:
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


def ob3_report(result: ob3.VerificationResult, target: detect.Target) -> BadgeReport:
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


def ordered(report: BadgeReport) -> BadgeReport:
    report.checks.sort(key=lambda c: _ORDER.index(c.name) if c.name in _ORDER else len(_ORDER))
    return report
