"""Present both generations alike: a BadgeReport (issuer, badge, dates, recipient's name, how it was proven, checks in
a fixed order) from a verifier's result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badges.openbadges import detect
from badges.openbadges.checks import Check
from badges.openbadges.ob2 import verify as ob2
from badges.openbadges.ob3 import jwt as vcjwt
from badges.openbadges.ob3 import verify as ob3
from badges.openbadges.ob3.did import DidError, did_from_verification_method, did_web_document_url

from .reports import BadgeReport


def _criteria(node: Any) -> dict[str, Any]:
    if isinstance(node, str):
        return {"id": node, "narrative": None}
    if isinstance(node, Mapping):
        return {"id": _text(node.get("id")), "narrative": _text(node.get("narrative"))}
    return {"id": None, "narrative": None}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _image_source(node: Any) -> str | None:
    """The image a BadgeClass (OB 2.0: URL, data: URI or Image object) or Achievement (OB 3.0: Image object with
    ``id``) names; badges.verification.images decides whether and how it is shown."""
    return _text(node.get("id")) if isinstance(node, Mapping) else _text(node)


def _name(value: Any) -> str | None:
    """A person's name as a single trimmed line, or None (a foreign document may put anything there)."""
    if not isinstance(value, str):
        return None
    name = " ".join(value.split())
    return name[:200] or None


def ob2_recipient_name(assertion: Mapping[str, Any]) -> str | None:
    """The recipient's name from the Recipient Profile extension (``extensions:recipientProfile``), which Badgr and
    others add to OB 2.0 assertions; the core OB 2.0 recipient is only a (hashed) identity, never a name."""
    profile = assertion.get("extensions:recipientProfile")
    return _name(profile.get("name")) if isinstance(profile, Mapping) else None


def ob3_recipient_name(subject: Mapping[str, Any]) -> str | None:
    """The recipient's name from an OB 3.0 credentialSubject: its ``name`` if an issuer added one, else an
    ``identifier`` of identityType "name" given in clear (an OB 3.0 IdentityObject whose ``hashed`` is false)."""
    name = _name(subject.get("name"))
    if name:
        return name
    identifiers = subject.get("identifier")
    for entry in identifiers if isinstance(identifiers, list) else [identifiers]:
        if (
            isinstance(entry, Mapping)
            and entry.get("identityType") == "name"
            and entry.get("hashed") is False
            and _name(entry.get("identityHash"))
        ):
            return _name(entry.get("identityHash"))
    return None


def _ob2_proof(result: ob2.Ob2Result, target: detect.Target, assertion: Mapping[str, Any]) -> dict[str, Any]:
    if result.form == "signed":
        verification = assertion.get("verification")
        creator = verification.get("creator") if isinstance(verification, Mapping) else None
        return {"suite": "JWS RS256", "key": result.key_id or _text(creator)}
    if result.form == "hosted":
        return {"suite": "hosted", "url": _text(assertion.get("id")) or (target.text if target.kind == "url" else None)}
    return {}


def _ob3_proof(result: ob3.VerificationResult, target: detect.Target, credential: Mapping[str, Any]) -> dict[str, Any]:
    if result.form == "jwt" and target.kind == "jws":
        try:
            header = vcjwt.read_unverified_header(target.text)
        except vcjwt.JwtError:
            return {"suite": "VC-JWT"}
        alg = header.get("alg") if isinstance(header.get("alg"), str) else "?"
        return {"suite": f"VC-JWT {alg}", "key": _text(header.get("kid"))}
    proofs = credential.get("proof")
    proof = next((p for p in (proofs if isinstance(proofs, list) else [proofs]) if isinstance(p, Mapping)), None)
    if proof is None:
        return {}
    return {
        "suite": _text(proof.get("cryptosuite")) or _text(proof.get("type")),
        "key": _text(proof.get("verificationMethod")),
        "created": _text(proof.get("created")),
    }


def ob2_report(result: ob2.Ob2Result, target: detect.Target) -> BadgeReport:
    report = BadgeReport("ob2", result.form, target.source, checks=list(result.checks))
    assertion = result.assertion or {}
    report.id = _text(assertion.get("id"))
    report.issued_on, report.expires = _text(assertion.get("issuedOn")), _text(assertion.get("expires"))
    report.recipient_name = ob2_recipient_name(assertion)
    report.proof = _ob2_proof(result, target, assertion)
    if result.badge_class:
        report.badge = {
            "id": _text(result.badge_class.get("id")),
            "name": _text(result.badge_class.get("name")),
            "description": _text(result.badge_class.get("description")),
            "criteria": _criteria(result.badge_class.get("criteria")),
        }
        report.image_source = _image_source(result.badge_class.get("image"))
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
    report.recipient_name = ob3_recipient_name(subject)
    report.proof = _ob3_proof(result, target, credential)
    report.badge = {
        "id": _text(achievement.get("id")),
        "name": _text(achievement.get("name")) or _text(credential.get("name")),
        "description": _text(achievement.get("description")),
        "criteria": _criteria(achievement.get("criteria")),
    }
    report.image_source = _image_source(achievement.get("image"))
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
