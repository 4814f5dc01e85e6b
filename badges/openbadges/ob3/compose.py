"""Composes unsigned Open Badges 3.0 ``OpenBadgeCredential`` documents and Bitstring status list credentials.

- Open Badges 3.0 (document 1.2), §4 data model and appendix B.1: https://www.imsglobal.org/spec/ob/v3p0/
  (OpenBadgeCredential https://www.imsglobal.org/spec/ob/v3p0/#openbadgecredential, AchievementSubject,
  Achievement, IdentityObject, Alignment, Evidence, Image, Profile).
- VC Data Model 2.0: https://www.w3.org/TR/vc-data-model-2.0/ (validFrom/validUntil §4.9, credentialSchema
  §4.11).
- Bitstring Status List v1.0 §2.1 (entry) and §2.2 (list credential):
  https://www.w3.org/TR/vc-bitstring-status-list/

Callers pass small frozen dataclasses of plain values; the composers return plain ``dict`` JSON documents with
the key order and shapes of the spec examples (arrays where OB 3.0 says "always arrays"). Nothing here signs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from badges.openbadges.hashing import hash_email

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA",
    "OB3_CONTEXT",
    "OB3_EXTENSIONS_CONTEXT",
    "VC_V2_CONTEXT",
    "Achievement",
    "Alignment",
    "ComposeError",
    "Criteria",
    "Evidence",
    "Image",
    "IssuerProfile",
    "Recipient",
    "StatusEntry",
    "format_datetime",
    "new_credential_id",
    "open_badge_credential",
    "status_list_credential",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# Defines 1EdTechJsonSchemaValidator2019 (and 1EdTechRevocationList, 1EdTechCredentialRefresh); context-3.0.3
# does not, so without this context the schema's type would be an undefined, relative IRI.
OB3_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ACHIEVEMENT_CREDENTIAL_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
_SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"


class ComposeError(ValueError):
    """The values given cannot make a valid Open Badges 3.0 document."""


def format_datetime(value: datetime) -> str:
    """XSD dateTime in UTC with a ``Z`` and whole seconds, e.g. ``2025-01-31T09:30:00Z``; naive datetimes
    refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ComposeError("Timestamps must be timezone-aware (OB 3.0 requires a time zone).")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _require(value: str | None, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ComposeError(f"{what} is required.")
    return value


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != []}


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """An ``Image`` (OB 3.0 B.1.x): ``id`` is the image URL or a ``data:`` URI."""

    id: str
    caption: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none({"id": _require(self.id, "Image id"), "type": "Image", "caption": self.caption})


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuerProfile:
    """The issuer, embedded as a ``Profile``. ``id`` is the issuer's did:web DID (see :mod:`.did`)."""

    id: str
    name: str
    url: str
    email: str | None = None
    image: Image | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": _require(self.id, "Issuer id"),
                "type": ["Profile"],
                "name": _require(self.name, "Issuer name"),
                "url": _require(self.url, "Issuer url"),
                "email": self.email,
                "image": self.image.to_json() if self.image else None,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Criteria:
    """How the achievement is earned: a criteria page ``id`` (URL), a Markdown ``narrative``, or both."""

    id: str | None = None
    narrative: str | None = None

    def to_json(self) -> dict[str, Any]:
        if not self.id and not self.narrative:
            raise ComposeError("Criteria needs an id (URL) or a narrative.")
        return _drop_none({"id": self.id, "narrative": self.narrative})


@dataclass(frozen=True, slots=True, kw_only=True)
class Alignment:
    """An ``Alignment`` to a framework or competency (``targetName`` and ``targetUrl`` required)."""

    target_name: str
    target_url: str
    target_type: str | None = None
    target_code: str | None = None
    target_framework: str | None = None
    target_description: str | None = None

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "type": ["Alignment"],
                "targetName": _require(self.target_name, "Alignment targetName"),
                "targetUrl": _require(self.target_url, "Alignment targetUrl"),
                "targetType": self.target_type,
                "targetCode": self.target_code,
                "targetFramework": self.target_framework,
                "targetDescription": self.target_description,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Achievement:
    """The badge class: an ``Achievement``. ``achievement_type`` is an OB 3.0 enum value (``Badge``,
    ``Certificate``, ``MicroCredential``…) or ``ext:Name``."""

    id: str
    name: str
    description: str
    criteria: Criteria
    image: Image | None = None
    achievement_type: str | None = None
    alignments: Sequence[Alignment] = ()
    tags: Sequence[str] = ()

    def to_json(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": _require(self.id, "Achievement id"),
                "type": ["Achievement"],
                "name": _require(self.name, "Achievement name"),
                "description": _require(self.description, "Achievement description"),
                "criteria": self.criteria.to_json(),
                "image": self.image.to_json() if self.image else None,
                "achievementType": self.achievement_type,
                "alignment": [a.to_json() for a in self.alignments],
                "tag": list(self.tags),
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    """Who earned it: a DID (``credentialSubject.id``) and/or an e-mail published only as a salted hash.

    The e-mail is normalised and hashed with :func:`badges.openbadges.hashing.hash_email`; it never appears in
    clear.
    """

    did: str | None = None
    email: str | None = None
    salt: str | None = None

    def subject_fields(self) -> dict[str, Any]:
        if not self.did and not self.email:
            raise ComposeError("A recipient needs a DID or an e-mail address.")
        fields: dict[str, Any] = {}
        if self.did:
            fields["id"] = self.did
        if self.email:
            if not self.salt:
                raise ComposeError("Hashing a recipient e-mail needs a salt.")
            fields["identifier"] = [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": hash_email(email=self.email, salt=self.salt),
                    "salt": self.salt,
                }
            ]
        return fields


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """An ``Evidence`` item; at least one of ``id`` (URL) or ``narrative`` should be given."""

    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None

    def to_json(self) -> dict[str, Any]:
        if not self.id and not self.narrative:
            raise ComposeError("Evidence needs an id (URL) or a narrative.")
        return _drop_none(
            {
                "id": self.id,
                "type": ["Evidence"],
                "narrative": self.narrative,
                "name": self.name,
                "description": self.description,
                "genre": self.genre,
                "audience": self.audience,
            }
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusEntry:
    """Where the credential's status bit lives: the status list credential URL and the (randomly chosen)
    index."""

    status_list_credential: str
    index: int
    purpose: str = "revocation"

    def to_json(self) -> dict[str, Any]:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise ComposeError("statusListIndex must be a non-negative integer (it is written as a string).")
        if self.purpose not in {"revocation", "suspension"}:
            raise ComposeError("statusPurpose must be 'revocation' or 'suspension'.")
        url = _require(self.status_list_credential, "statusListCredential")
        return {
            "id": f"{url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": url,
        }


def new_credential_id() -> str:
    """A fresh ``urn:uuid:`` credential id (UUID4)."""
    return f"urn:uuid:{uuid.uuid4()}"


def _check_dates(valid_from: datetime, valid_until: datetime | None) -> None:
    format_datetime(valid_from)
    if valid_until is not None and format_datetime(valid_until) <= format_datetime(valid_from):
        raise ComposeError("validUntil must be after validFrom.")


def open_badge_credential(
    *,
    issuer: IssuerProfile,
    achievement: Achievement,
    recipient: Recipient,
    valid_from: datetime,
    credential_id: str | None = None,
    valid_until: datetime | None = None,
    awarded_date: datetime | None = None,
    name: str | None = None,
    description: str | None = None,
    image: Image | None = None,
    evidence: Sequence[Evidence] = (),
    status: StatusEntry | None = None,
    include_schema: bool = True,
) -> dict[str, Any]:
    """An unsigned ``OpenBadgeCredential`` (OB 3.0 §B.1.x; VC DM 2.0).

    ``name``/``description``/``image`` default to the achievement's. ``credential_id`` defaults to a new
    ``urn:uuid:``. With ``include_schema`` (default) the 1EdTech JSON schema is declared in
    ``credentialSchema`` and the ``extensions.json`` context is added third, because its type
    ``1EdTechJsonSchemaValidator2019`` is defined only there. ``awarded_date`` keeps the original award date
    when a credential is re-issued.
    """
    _check_dates(valid_from, valid_until)
    context = [VC_V2_CONTEXT, OB3_CONTEXT] + ([OB3_EXTENSIONS_CONTEXT] if include_schema else [])
    image = image if image is not None else achievement.image
    subject = {
        "type": ["AchievementSubject"],
        **recipient.subject_fields(),
        "achievement": achievement.to_json(),
    }
    credential: dict[str, Any] = {
        "@context": context,
        "id": credential_id or new_credential_id(),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.to_json(),
        "name": _require(name or achievement.name, "Credential name"),
        "description": description or achievement.description,
        "image": image.to_json() if image else None,
        "validFrom": format_datetime(valid_from),
        "validUntil": format_datetime(valid_until) if valid_until else None,
        "awardedDate": format_datetime(awarded_date) if awarded_date else None,
        "credentialSubject": subject,
        "evidence": [e.to_json() for e in evidence],
        "credentialSchema": [{"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": _SCHEMA_TYPE}] if include_schema else None,
        "credentialStatus": status.to_json() if status else None,
    }
    return _drop_none(credential)


def status_list_credential(
    *,
    list_url: str,
    issuer_id: str,
    encoded_list: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (Bitstring Status List §2.2), VC v2 context only.

    ``list_url`` is where the signed list is served and is its ``id``; the subject is ``<list_url>#list``.
    ``issuer_id`` is a plain string (the issuer DID) and ``encoded_list`` comes from
    :func:`.status_list.encode_list`.
    """
    if purpose not in {"revocation", "suspension"}:
        raise ComposeError("statusPurpose must be 'revocation' or 'suspension'.")
    _check_dates(valid_from, valid_until)
    return _drop_none(
        {
            "@context": [VC_V2_CONTEXT],
            "id": _require(list_url, "Status list URL"),
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": _require(issuer_id, "Issuer id"),
            "validFrom": format_datetime(valid_from),
            "validUntil": format_datetime(valid_until) if valid_until else None,
            "credentialSubject": {
                "id": f"{list_url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": _require(encoded_list, "encodedList"),
            },
        }
    )
