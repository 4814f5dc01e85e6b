"""Compose Open Badges 2.0 JSON-LD documents: Issuer Profile, BadgeClass, Assertion, CryptographicKey,
RevocationList.

Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
Every function is pure: it takes plain values (strings, aware datetimes, the small frozen dataclasses below)
and returns a new ``dict`` ready for ``json.dumps``, with ``@context`` exactly
``https://w3id.org/openbadges/v2``. Optional fields are left out rather than written as ``null``. Inputs that
would make a document the validators reject (naive datetimes, expiry before issue, a criteria with neither URL
nor narrative, ...) raise :class:`ComposeError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from badges.openbadges.hashing import hash_email
from badges.openbadges.ob2.timestamps import format_datetime

__all__ = [
    "CONTEXT",
    "Alignment",
    "ComposeError",
    "Evidence",
    "RevokedAssertion",
    "VerificationPolicy",
    "assertion",
    "badge_class",
    "cryptographic_key",
    "email_identity",
    "hosted_verification",
    "identity_object",
    "issuer_profile",
    "revocation_list",
    "revoked_assertion_body",
    "signed_verification",
]

CONTEXT = "https://w3id.org/openbadges/v2"
_IDENTITY_HASH = re.compile(r"^sha256\$[0-9a-fA-F]{64}$")

Document = dict[str, Any]


class ComposeError(ValueError):
    """A value that would make the composed document invalid under OB 2.0."""


@dataclass(frozen=True, slots=True)
class Alignment:
    """One ``alignment[]`` entry of a BadgeClass (spec #Alignment); name and URL are required."""

    target_name: str
    target_url: str
    target_description: str | None = None
    target_framework: str | None = None
    target_code: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """An Evidence object (spec #Evidence); plain URL strings are accepted as evidence too."""

    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None


@dataclass(frozen=True, slots=True)
class RevokedAssertion:
    """One ``revokedAssertions[]`` entry of a RevocationList: the Assertion id and an optional reason."""

    id: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    """An issuer's hosted-verification policy (spec: #VerificationObject): bare hostnames and URL prefixes."""

    allowed_origins: Sequence[str] = ()
    starts_with: Sequence[str] = ()


def _require_http_url(value: str, *, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ComposeError(f"{field} must be an HTTP(S) URL, got {value!r}")
    return value


def _require_text(value: str, *, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ComposeError(f"{field} is required and must be a non-empty string")
    return value


def _put(doc: Document, key: str, value: Any) -> None:
    """Set ``doc[key]`` unless ``value`` is None or an empty collection (OB 2.0 omits absent optionals)."""
    if value is None or (isinstance(value, (list, tuple, dict)) and not value):
        return
    doc[key] = value


def issuer_profile(
    *,
    id: str,
    name: str,
    url: str,
    email: str,
    description: str | None = None,
    image: str | None = None,
    telephone: str | None = None,
    public_keys: Sequence[str] = (),
    revocation_list: str | None = None,
    verification_policy: VerificationPolicy | None = None,
) -> Document:
    """Return an Issuer Profile (spec #Profile); ``id`` is HTTP(S), ``public_keys`` are key ids."""
    doc: Document = {
        "@context": CONTEXT,
        "id": _require_http_url(id, field="issuer id"),
        "type": "Issuer",
        "name": _require_text(name, field="issuer name"),
        "url": _require_http_url(url, field="issuer url"),
        "email": _require_text(email, field="issuer email"),
    }
    _put(doc, "description", description)
    _put(doc, "image", image)
    _put(doc, "telephone", telephone)
    _put(doc, "publicKey", [str(key_id) for key_id in public_keys])
    _put(doc, "revocationList", revocation_list)
    if verification_policy is not None:
        policy: Document = {"type": "VerificationObject"}
        _put(policy, "allowedOrigins", list(verification_policy.allowed_origins))
        _put(policy, "startsWith", list(verification_policy.starts_with))
        doc["verification"] = policy
    return doc


def _alignment(item: Alignment) -> Document:
    entry: Document = {
        "targetName": _require_text(item.target_name, field="alignment targetName"),
        "targetUrl": _require_http_url(item.target_url, field="alignment targetUrl"),
    }
    _put(entry, "targetDescription", item.target_description)
    _put(entry, "targetFramework", item.target_framework)
    _put(entry, "targetCode", item.target_code)
    return entry


def badge_class(
    *,
    id: str,
    name: str,
    description: str,
    image: str,
    issuer: str,
    criteria_narrative: str | None = None,
    criteria_url: str | None = None,
    alignments: Iterable[Alignment] = (),
    tags: Iterable[str] = (),
) -> Document:
    """Return a BadgeClass (spec #BadgeClass) whose ``issuer`` is the Issuer Profile URL.

    ``criteria`` becomes ``{id?, narrative?}``; with no ``criteria_url`` a ``criteria_narrative`` (Markdown)
    is required. ``image`` is the badge artwork URL (PNG or SVG).
    """
    if not criteria_url and not (criteria_narrative and criteria_narrative.strip()):
        raise ComposeError("criteria needs a URL or a narrative")
    criteria: Document = {}
    _put(criteria, "id", criteria_url)
    _put(criteria, "narrative", criteria_narrative)
    doc: Document = {
        "@context": CONTEXT,
        "id": _require_text(id, field="badge class id"),
        "type": "BadgeClass",
        "name": _require_text(name, field="badge class name"),
        "description": _require_text(description, field="badge class description"),
        "image": _require_text(image, field="badge class image"),
        "criteria": criteria,
        "issuer": _require_text(issuer, field="badge class issuer"),
    }
    _put(doc, "alignment", [_alignment(item) for item in alignments])
    tag_list = [_require_text(tag, field="tag") for tag in tags]
    _put(doc, "tags", tag_list)
    return doc


def identity_object(*, identity_hash: str, salt: str) -> Document:
    """Return a hashed e-mail IdentityObject (spec #IdentityObject) from a stored ``sha256$<hex>`` hash."""
    if not _IDENTITY_HASH.match(identity_hash):
        raise ComposeError("identity hash must look like sha256$ followed by 64 hex digits")
    return {"type": "email", "hashed": True, "salt": salt, "identity": identity_hash}


def email_identity(*, email: str, salt: str) -> Document:
    """Return a hashed e-mail IdentityObject for ``email`` (normalised by :func:`hashing.hash_email`)."""
    return identity_object(identity_hash=hash_email(email=email, salt=salt), salt=salt)


def hosted_verification() -> Document:
    """Return the Assertion ``verification`` object of a hosted badge (spec #HostedBadge)."""
    return {"type": "HostedBadge"}


def signed_verification(*, creator: str) -> Document:
    """Return the Assertion ``verification`` of a signed badge; ``creator`` is the CryptographicKey URL."""
    return {"type": "SignedBadge", "creator": _require_http_url(creator, field="verification creator")}


def _evidence(item: str | Evidence) -> str | Document:
    if isinstance(item, str):
        return item
    entry: Document = {"type": "Evidence"}
    for key, value in (
        ("id", item.id),
        ("narrative", item.narrative),
        ("name", item.name),
        ("description", item.description),
        ("genre", item.genre),
        ("audience", item.audience),
    ):
        _put(entry, key, value)
    if len(entry) == 1:
        raise ComposeError("an Evidence object needs at least an id or a narrative")
    return entry


def assertion(
    *,
    id: str,
    badge: str,
    recipient: Mapping[str, Any],
    verification: Mapping[str, Any],
    issued_on: datetime,
    expires: datetime | None = None,
    evidence: Iterable[str | Evidence] = (),
    narrative: str | None = None,
    image: str | None = None,
) -> Document:
    """Return an Assertion (spec #Assertion).

    ``id`` is the hosted HTTPS URL (hosted) or a ``urn:uuid:`` (signed); ``badge`` the BadgeClass URL;
    ``recipient`` from :func:`email_identity` or :func:`identity_object`; ``verification`` from
    :func:`hosted_verification` or :func:`signed_verification`. ``image`` must be a URL: validators reject a
    data URI on an Assertion.
    """
    if expires is not None and expires <= issued_on:
        raise ComposeError("expires must be after issuedOn")
    if image is not None and image.startswith("data:"):
        raise ComposeError("an Assertion image must be a URL, not a data URI")
    doc: Document = {
        "@context": CONTEXT,
        "id": _require_text(id, field="assertion id"),
        "type": "Assertion",
        "recipient": dict(recipient),
        "badge": _require_text(badge, field="assertion badge"),
        "verification": dict(verification),
        "issuedOn": format_datetime(issued_on),
    }
    if expires is not None:
        doc["expires"] = format_datetime(expires)
    _put(doc, "evidence", [_evidence(item) for item in evidence])
    _put(doc, "narrative", narrative)
    _put(doc, "image", image)
    return doc


def revoked_assertion_body(*, id: str, reason: str | None = None) -> Document:
    """Return the optional body served with HTTP 410 for a revoked hosted Assertion (spec #HostedBadge)."""
    doc: Document = {"@context": CONTEXT, "id": id, "type": "Assertion", "revoked": True}
    _put(doc, "revocationReason", reason)
    return doc


def cryptographic_key(*, id: str, owner: str, public_key_pem: str) -> Document:
    """Return a CryptographicKey (spec #CryptographicKey); ``owner`` is the Issuer Profile id."""
    if "BEGIN PUBLIC KEY" not in public_key_pem:
        raise ComposeError("publicKeyPem must be a PEM SubjectPublicKeyInfo ('BEGIN PUBLIC KEY')")
    return {
        "@context": CONTEXT,
        "type": "CryptographicKey",
        "id": _require_http_url(id, field="key id"),
        "owner": _require_http_url(owner, field="key owner"),
        "publicKeyPem": public_key_pem,
    }


def revocation_list(*, id: str, issuer: str, revoked: Iterable[RevokedAssertion]) -> Document:
    """Return a RevocationList (spec #RevocationList) listing ``{id, revocationReason?}`` entries."""
    entries: list[Document] = []
    for item in revoked:
        entry: Document = {"id": _require_text(item.id, field="revoked assertion id")}
        _put(entry, "revocationReason", item.reason)
        entries.append(entry)
    return {
        "@context": CONTEXT,
        "id": _require_http_url(id, field="revocation list id"),
        "type": "RevocationList",
        "issuer": _require_http_url(issuer, field="revocation list issuer"),
        "revokedAssertions": entries,
    }
