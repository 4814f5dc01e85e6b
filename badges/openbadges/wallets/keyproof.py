"""The OpenID4VCI ``jwt`` key proof (1.0 Appendix F.1 and F.4; draft 13 §7.2.1.1): check it, return the holder key.

Rules: header ``typ`` ``openid4vci-proof+jwt``; ``alg`` EdDSA (or its fully specified name Ed25519, RFC 9864) with
an Ed25519 key, or ES256 with a P-256 key — never ``none``, never HMAC; the key in exactly one of ``jwk`` (public
members only) or ``kid`` (a did:key or did:jwk DID URL; ``x5c`` and other DID methods are refused); no ``crit``;
claims ``aud`` = the credential issuer, ``iat`` not older than ``max_age_seconds`` nor in the future beyond a
minute of clock skew, ``nonce`` = a ``c_nonce`` we issued. The JWS is parsed by :mod:`..compact_jws` (strict
base64url) and verified with ``cryptography``: the same checks as ``ob3/jwt.py``, no new JOSE dependency.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges.openbadges import compact_jws
from badges.openbadges.wallets.errors import Oid4vciError
from badges.openbadges.wallets.holder_keys import (
    HolderKeyError,
    PublicKey,
    did_key_for,
    key_from_did_url,
    public_jwk,
    public_key_from_jwk,
)

__all__ = ["CLOCK_SKEW_SECONDS", "PROOF_ALGORITHMS", "PROOF_TYP", "HolderKey", "verify_key_proof"]

PROOF_TYP = "openid4vci-proof+jwt"
#: The ``proof_signing_alg_values_supported`` we publish and accept.
PROOF_ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
CLOCK_SKEW_SECONDS = 60
_MAX_PROOF_LENGTH = 16_384
_KEY_TYPES = {"EdDSA": Ed25519PublicKey, "Ed25519": Ed25519PublicKey, "ES256": EllipticCurvePublicKey}


@dataclass(frozen=True, slots=True)
class HolderKey:
    """The key the credential is bound to: ``did`` becomes ``credentialSubject.id``; ``public_key_jwk`` is its
    public JWK; ``nonce`` the proof's ``nonce`` claim (to mark it used)."""

    did: str
    public_key_jwk: dict[str, str]
    nonce: str | None = None


def _refuse(description: str) -> Oid4vciError:
    return Oid4vciError("invalid_proof", description)


def _header_key(header: dict[str, Any]) -> tuple[str, PublicKey]:
    if "x5c" in header:
        raise _refuse("x5c key proofs are not supported; put the key in jwk or a did:key/did:jwk kid.")
    if ("jwk" in header) == ("kid" in header):
        raise _refuse("The key proof header must carry exactly one of jwk and kid.")
    try:
        if "jwk" in header:
            key = public_key_from_jwk(header["jwk"])
            return did_key_for(key), key
        return key_from_did_url(header["kid"])
    except HolderKeyError as exc:
        raise _refuse(str(exc)) from None


def _check_header(header: dict[str, Any]) -> str:
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") != PROOF_TYP:
        raise _refuse(f"The key proof typ must be {PROOF_TYP}.")
    if "crit" in header:
        raise _refuse("The key proof has critical header extensions we do not understand.")
    alg = header.get("alg")
    if alg not in PROOF_ALGORITHMS:
        raise _refuse(f"The key proof alg must be one of {', '.join(PROOF_ALGORITHMS)}.")
    return alg


def _check_signature(parsed: compact_jws.CompactJws, alg: str, key: PublicKey) -> None:
    if not isinstance(key, _KEY_TYPES[alg]):
        raise _refuse(f"The key proof alg {alg} does not match its key.")
    try:
        if isinstance(key, Ed25519PublicKey):
            key.verify(parsed.signature, parsed.signing_input)
        else:
            compact_jws.verify_signature(parsed, alg=alg, public_key=key)
    except (InvalidSignature, compact_jws.CompactJwsError):
        raise _refuse("The key proof's signature does not match the key in its header.") from None


def _claims(parsed: compact_jws.CompactJws) -> dict[str, Any]:
    try:
        claims = json.loads(parsed.payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _refuse("The key proof payload is not JSON.") from None
    if not isinstance(claims, dict):
        raise _refuse("The key proof payload is not a JSON object.")
    return claims


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_times(claims: dict[str, Any], now: float, max_age_seconds: int) -> None:
    iat = claims.get("iat")
    if not _number(iat):
        raise _refuse("The key proof needs a numeric iat.")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise _refuse("The key proof's iat is in the future.")
    if now - iat > max_age_seconds:
        raise _refuse(f"The key proof is older than {max_age_seconds} seconds; sign a fresh one.")
    if "exp" in claims and (not _number(claims["exp"]) or claims["exp"] <= now - CLOCK_SKEW_SECONDS):
        raise _refuse("The key proof has expired.")
    if "nbf" in claims and (not _number(claims["nbf"]) or claims["nbf"] > now + CLOCK_SKEW_SECONDS):
        raise _refuse("The key proof is not valid yet.")


def _check_audience(claims: dict[str, Any], audience: str) -> None:
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]  # RFC 7519 §4.1.3 allows an array
    if audience not in audiences:
        raise _refuse("The key proof's aud is not this credential issuer.")


def _check_nonce(claims: dict[str, Any], nonce: str | Callable[[str], bool]) -> str:
    value = claims.get("nonce")
    if not isinstance(value, str) or not value:
        raise _refuse("The key proof has no nonce; get a c_nonce and sign it in.")
    ok = nonce(value) if callable(nonce) else hmac.compare_digest(value.encode("utf-8"), nonce.encode("utf-8"))
    if not ok:
        raise Oid4vciError("invalid_nonce", "The key proof's nonce is not a current c_nonce; get a fresh one.")
    return value


def verify_key_proof(
    jwt: str,
    *,
    audience: str,
    nonce: str | Callable[[str], bool],
    now: datetime,
    max_age_seconds: int = 300,
) -> HolderKey:
    """Check a ``jwt`` key proof; return the holder's DID and key, or raise Oid4vciError (``invalid_proof``, or
    ``invalid_nonce`` for a wrong or spent nonce).

    ``nonce`` is the expected ``c_nonce``, or a callable that says whether a nonce is one we issued and still
    valid (1.0 nonces come from the Nonce Endpoint, not tied to the token); it is asked only after the signature
    has verified, so a forged proof cannot spend a nonce. ``now`` is timezone-aware.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware.")
    if not isinstance(jwt, str) or len(jwt) > _MAX_PROOF_LENGTH:
        raise _refuse("The key proof is not a compact JWT of a reasonable size.")
    try:
        parsed = compact_jws.parse(jwt)
    except compact_jws.CompactJwsError as exc:
        raise _refuse(str(exc)) from None
    alg = _check_header(parsed.header)
    did, key = _header_key(parsed.header)
    _check_signature(parsed, alg, key)
    claims = _claims(parsed)
    _check_audience(claims, audience)
    _check_times(claims, now.timestamp(), max_age_seconds)
    value = _check_nonce(claims, nonce)
    return HolderKey(did=did, public_key_jwk=public_jwk(key), nonce=value)
