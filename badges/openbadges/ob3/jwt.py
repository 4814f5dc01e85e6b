"""VC-JWT for Open Badges 3.0: sign a credential as a compact JWS (RS256) and verify one.

OB 3.0 §8.2 "JSON Web Token Proof Format" (https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof-format): the JWT
payload *is* the credential plus the registered claims ``iss`` (issuer id), ``jti`` (credential id), ``nbf``
(validFrom, epoch seconds), ``sub`` (credentialSubject.id, when there is one) and ``exp`` (validUntil); it is
not wrapped in ``vc`` (verifiers still accept a ``vc``-wrapped payload, §8.2.4). RFC 7519 (JWT), RFC 7515
(JWS).

Algorithm decision: RS256 with RSA-2048 — the one algorithm OB 3.0 requires every verifier to support (the
1EdTech validator also accepts ES256; it does not accept EdDSA). ``kid`` is the absolute DID URL of the
issuer's ``JsonWebKey`` verification method, whose ``publicKeyJwk`` is the RSA public key (see :mod:`.did`).
Verification accepts only RS256 and ES256 and never ``none`` or HMAC; the algorithm must match the key's type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from .. import compact_jws

__all__ = [
    "ACCEPTED_ALGORITHMS",
    "SIGNING_ALGORITHM",
    "JwtError",
    "VerifiedJwt",
    "jwt_claims",
    "read_unverified_header",
    "sign_jwt",
    "verify_jwt",
]

SIGNING_ALGORITHM = "RS256"
ACCEPTED_ALGORITHMS = ("RS256", "ES256")
_KEY_TYPES = {"RS256": RSAPublicKey, "ES256": EllipticCurvePublicKey}


class JwtError(ValueError):
    """A VC-JWT cannot be made or is not acceptable; the message says why in plain English."""


def _epoch(timestamp: str, claim: str) -> int:
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
    except (AttributeError, ValueError) as exc:
        raise JwtError(f"Cannot turn {claim} {timestamp!r} into a JWT date.") from exc


def jwt_claims(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 derives from ``credential``: iss, jti, nbf, and sub/exp when
    applicable."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not isinstance(credential.get("id"), str):
        raise JwtError("A VC-JWT needs the credential's id and issuer id.")
    claims: dict[str, Any] = {"iss": issuer_id, "jti": credential["id"]}
    claims["nbf"] = _epoch(credential.get("validFrom", ""), "validFrom")
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if credential.get("validUntil"):
        claims["exp"] = _epoch(credential["validUntil"], "validUntil")
    return claims


def sign_jwt(*, credential: Mapping[str, Any], private_key: RSAPrivateKey, kid: str) -> str:
    """Compact JWS of ``credential`` + its claims, header ``{"alg": "RS256", "typ": "JWT", "kid": kid}``.

    ``kid`` is the DID URL of the RSA key's verification method. Add a Data Integrity proof first if both are
    wanted.
    """
    if not isinstance(private_key, RSAPrivateKey) or private_key.key_size < 2048:
        raise JwtError("VC-JWT signing needs an RSA private key of at least 2048 bits.")
    reserved = {"iss", "jti", "nbf", "sub", "exp", "vc"} & set(credential)
    if reserved:
        raise JwtError(f"The credential already has JWT claim names: {sorted(reserved)}.")
    payload = {**credential, **jwt_claims(credential)}
    return pyjwt.encode(payload, private_key, algorithm=SIGNING_ALGORITHM, headers={"kid": kid, "typ": "JWT"})


def read_unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of ``token``, NOT verified — only to find which key (``kid``) to fetch."""
    try:
        return compact_jws.parse(token).header
    except compact_jws.CompactJwsError as exc:
        raise JwtError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class VerifiedJwt:
    """A VC-JWT whose signature checked out: the JOSE header, the raw claims and the credential they carry."""

    header: dict[str, Any]
    claims: dict[str, Any]
    credential: dict[str, Any]


def _check_key(alg: str, public_key: Any) -> None:
    expected = _KEY_TYPES[alg]
    if not isinstance(public_key, expected):
        raise JwtError(f"The JWT says {alg} but the issuer's key is a {type(public_key).__name__}.")
    if isinstance(public_key, EllipticCurvePublicKey) and not isinstance(public_key.curve, SECP256R1):
        raise JwtError("ES256 needs a P-256 key.")
    if isinstance(public_key, RSAPublicKey) and public_key.key_size < 2048:
        raise JwtError("The issuer's RSA key is shorter than 2048 bits.")


def verify_jwt(*, token: str, public_key: RSAPublicKey | EllipticCurvePublicKey) -> VerifiedJwt:
    """Verify the signature of a VC-JWT and return its credential; raise JwtError with the reason otherwise.

    Only RS256/ES256 are accepted, matched to the key type (no ``none``, no HMAC). Dates are *not* judged here
    — :mod:`.verify` reports validFrom/validUntil against its own clock — but the JWT claims must agree with
    the credential they carry. A payload wrapped in ``vc`` is accepted too.
    """
    try:
        parsed = compact_jws.parse(token)
    except compact_jws.CompactJwsError as exc:
        raise JwtError(str(exc)) from exc
    header = parsed.header
    alg = header.get("alg")
    if alg not in ACCEPTED_ALGORITHMS:
        raise JwtError(f"The JWT algorithm {alg!r} is not accepted (accepted: {', '.join(ACCEPTED_ALGORITHMS)}).")
    _check_key(alg, public_key)
    try:
        compact_jws.verify_signature(parsed, alg=alg, public_key=public_key)
    except compact_jws.CompactJwsError as exc:
        raise JwtError(str(exc)) from exc
    try:
        claims = json.loads(parsed.payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise JwtError("The JWT payload is not JSON.") from None
    if not isinstance(claims, dict):
        raise JwtError("The JWT payload is not a JSON object.")
    credential = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
    credential = {k: v for k, v in credential.items() if k not in {"iss", "jti", "nbf", "sub", "exp", "iat", "aud"}}
    _check_claims(claims, credential)
    return VerifiedJwt(header=header, claims=claims, credential=credential)


def _check_claims(claims: Mapping[str, Any], credential: Mapping[str, Any]) -> None:
    try:
        expected = jwt_claims(credential)
    except JwtError as exc:
        raise JwtError(f"The JWT does not carry a usable credential: {exc}") from exc
    for name in ("iss", "jti", "sub", "nbf", "exp"):
        if name in claims and name in expected and claims[name] != expected[name]:
            raise JwtError(
                f"The JWT claim {name}={json.dumps(claims[name])} disagrees with the credential "
                f"({json.dumps(expected[name])})."
            )
    if "iss" not in claims:
        raise JwtError("The JWT has no iss claim.")
