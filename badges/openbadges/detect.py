"""Turns what a stranger gives the verifier — an uploaded file, pasted text, a URL — into verification targets.

Recognised (OB 2.0 baking https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html,
OB 3.0 baking https://www.imsglobal.org/spec/ob/v3p0/#baking):

- a PNG with an ``openbadges`` (OB 2.0) and/or ``openbadgecredential`` (OB 3.0) ``iTXt`` chunk;
- an SVG with ``<openbadges:assertion>`` (OB 2.0) and/or ``<openbadges:credential>`` (OB 3.0);
- JSON: an OB 2.0 Assertion or an OB 3.0 OpenBadgeCredential / AchievementCredential;
- a compact JWS: an OB 2.0 signed Assertion or an OB 3.0 VC-JWT (told apart by the payload);
- a URL (hosted OB 2.0 Assertion, or anything served at it — decided after the safe fetch).

Nothing here verifies or fetches anything. Every unusable input raises :class:`InputError` with a message for
the person who gave it; no other exception escapes (``detect_upload``/``detect_text`` catch what parsers raise).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from badges.openbadges.baking import png as png_baking
from badges.openbadges.baking import svg as svg_baking
from badges.openbadges.baking.errors import BakingError

__all__ = [
    "MAX_TEXT_CHARS",
    "InputError",
    "Target",
    "classify_document",
    "classify_jws",
    "detect_text",
    "detect_upload",
]

Generation = Literal["ob2", "ob3"]
Kind = Literal["url", "json", "jws"]
Source = Literal["url", "text", "file", "png", "svg"]

MAX_TEXT_CHARS = 1024 * 1024
_MAX_JSON_DEPTH = 64
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$")
_VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")
_OB3_TYPES = {"VerifiableCredential", "OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}


class InputError(ValueError):
    """Input that cannot be verified at all; ``code`` is a short stable identifier for the API."""

    def __init__(self, message: str, *, code: str = "invalid_input") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Target:
    """One badge to verify. ``generation`` is None only for a URL, which is classified after fetching."""

    kind: Kind
    text: str
    source: Source
    generation: Generation | None = None
    document: Mapping[str, Any] | None = None


def _types(node: Mapping[str, Any]) -> set[str]:
    value = node.get("type")
    if isinstance(value, str):
        return {value}
    return {t for t in value if isinstance(t, str)} if isinstance(value, list) else set()


def _contexts(node: Mapping[str, Any]) -> list[Any]:
    value = node.get("@context")
    return value if isinstance(value, list) else [value]


def classify_document(document: Any) -> Generation | None:
    """``"ob3"`` for a Verifiable Credential, ``"ob2"`` for an OB 2.0 Assertion, else None."""
    if not isinstance(document, Mapping):
        return None
    if isinstance(document.get("vc"), Mapping):
        return "ob3"
    types = _types(document)
    contexts = _contexts(document)
    if types & _OB3_TYPES or any(c in _VC_CONTEXTS for c in contexts):
        return "ob3"
    if "Assertion" in types or (
        "https://w3id.org/openbadges/v2" in contexts and {"recipient", "badge"} <= set(document)
    ):
        return "ob2"
    return None


def _depth_ok(text: str) -> bool:
    """Refuse absurd nesting before json.loads recurses (``[[[[…`` is a cheap denial of service)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > _MAX_JSON_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _load_json(text: str) -> Any:
    if not _depth_ok(text):
        raise InputError(f"This JSON is nested more than {_MAX_JSON_DEPTH} levels deep.", code="invalid_json")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"This is not valid JSON: {exc}.", code="invalid_json") from None


def _b64json(part: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None


def classify_jws(token: str) -> Generation | None:
    """Which generation a compact JWS carries, from its unverified payload; None if it is not a badge JWS."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    header = _b64json(parts[0])
    if not isinstance(header, Mapping) or "alg" not in header:
        return None
    payload = _b64json(parts[1])
    if not isinstance(payload, Mapping):
        return None
    generation = classify_document(payload)
    if generation is None and isinstance(payload.get("verification"), Mapping) and "badge" in payload:
        return "ob2"
    return generation


def detect_text(text: str, *, source: Source = "text", hint: Generation | None = None) -> Target:
    """Classify pasted or baked text: a URL, JSON (OB 2.0 / OB 3.0) or a compact JWS (OB 2.0 / VC-JWT)."""
    if not isinstance(text, str):
        raise InputError("Nothing was given to verify.", code="empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"The text is longer than {MAX_TEXT_CHARS:,} characters.", code="too_large")
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise InputError("Nothing was given to verify.", code="empty")
    if stripped[0] in "{[":
        document = _load_json(stripped)
        generation = classify_document(document)
        if generation is None:
            raise InputError(
                "This JSON is not an Open Badge: expected an Open Badges 2.0 Assertion or an Open Badges 3.0 "
                "credential (an object whose type is Assertion, or VerifiableCredential and OpenBadgeCredential).",
                code="not_a_badge",
            )
        return Target("json", stripped, source, generation, document)
    if _JWS.match(stripped):
        generation = classify_jws(stripped)
        if generation is None:
            raise InputError(
                "This token is not a signed Open Badge: its payload is neither an Open Badges 2.0 Assertion nor an "
                "Open Badges 3.0 credential.",
                code="not_a_badge",
            )
        return Target("jws", stripped, source, generation)
    if _SCHEME.match(stripped):
        return Target("url", stripped, source, hint)
    raise InputError(
        "This is not something that can be verified: give a badge URL, a baked PNG or SVG image, Open Badges JSON, "
        "or a JWT.",
        code="unrecognised",
    )


def _from_baked(text: str | None, *, source: Source, generation: Generation) -> Target | None:
    if text is None:
        return None
    try:
        return detect_text(text, source=source, hint=generation)
    except InputError as exc:
        raise InputError(f"The badge baked into the image cannot be read: {exc}", code="bad_baked_badge") from None


def _unbake_png(data: bytes) -> list[Target]:
    try:
        ob2 = png_baking.unbake_png(image=data, keyword=png_baking.KEYWORD_OB2)
        ob3 = png_baking.unbake_png(image=data, keyword=png_baking.KEYWORD_OB3)
    except BakingError as exc:
        raise InputError(f"This PNG image cannot be read: {exc}.", code="bad_image") from None
    found = [_from_baked(ob3, source="png", generation="ob3"), _from_baked(ob2, source="png", generation="ob2")]
    return [t for t in found if t is not None]


def _unbake_svg(data: bytes) -> list[Target]:
    try:
        ob2 = svg_baking.unbake_svg(image=data, version="ob2")
        ob3 = svg_baking.unbake_svg(image=data, version="ob3")
    except BakingError as exc:
        raise InputError(f"This SVG image cannot be read: {exc}.", code="bad_image") from None
    found = [_from_baked(ob3, source="svg", generation="ob3"), _from_baked(ob2, source="svg", generation="ob2")]
    return [t for t in found if t is not None]


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and (b"<svg" in data[:65536].lower() or head.startswith((b"<?xml", b"<!doctype")))


def detect_upload(data: bytes, *, max_bytes: int) -> list[Target]:
    """Targets baked into an uploaded PNG or SVG (OB 3.0 first when both are baked), or in a JSON/JWT file."""
    if not isinstance(data, (bytes, bytearray)):
        raise InputError("No file was uploaded.", code="empty")
    if len(data) > max_bytes:
        raise InputError(f"The file is larger than the {max_bytes:,}-byte limit.", code="too_large")
    if not data.strip():
        raise InputError("The uploaded file is empty.", code="empty")
    data = bytes(data)
    if data.startswith(png_baking.PNG_SIGNATURE[:4]):
        targets = _unbake_png(data)
    elif _looks_like_svg(data):
        targets = _unbake_svg(data)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(
                "This file is neither a PNG or SVG badge image nor a JSON or JWT file.", code="unrecognised"
            ) from None
        return [detect_text(text, source="file")]
    if not targets:
        raise InputError("This image has no Open Badge baked into it.", code="nothing_baked")
    return targets
