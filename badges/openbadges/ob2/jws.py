"""Sign and verify OB 2.0 signed Assertions as compact JWS with RS256.

Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#SignedBadge
(header ``{"alg":"RS256"}``, payload = the Assertion JSON; validators accept RSA keys only).

Built on PyJWT's ``PyJWS`` rather than joserfc: PyJWS signs an arbitrary bytes payload (the Assertion is not a
JWT claim set, so no ``exp``/``iat`` processing must touch it), takes ``cryptography`` key objects directly,
lets us drop the default ``typ`` header to emit exactly ``{"alg":"RS256"}``, and enforces an explicit
algorithm allow-list on decode, so ``none`` and HMAC key-confusion tokens are refused by the library as well
as by our own header check.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.api_jws import PyJWS

from .. import compact_jws

__all__ = [
    "ALGORITHM",
    "MIN_KEY_BITS",
    "SignatureError",
    "public_key_pem",
    "sign_assertion",
    "verify_assertion",
]

ALGORITHM = "RS256"
MIN_KEY_BITS = 2048
_JWS = PyJWS(algorithms=[ALGORITHM])


class SignatureError(ValueError):
    """A compact JWS that is malformed, uses another algorithm than RS256, or fails signature verification."""


def _require_rsa_private(key: object) -> RSAPrivateKey:
    if not isinstance(key, RSAPrivateKey):
        raise TypeError(f"OB 2.0 signing needs an RSA private key, got {type(key).__name__}")
    if key.key_size < MIN_KEY_BITS:
        raise ValueError(f"refusing a {key.key_size}-bit RSA key: at least {MIN_KEY_BITS} bits are required")
    return key


def public_key_pem(key: RSAPrivateKey | RSAPublicKey) -> str:
    """Return the PEM SubjectPublicKeyInfo (``BEGIN PUBLIC KEY``) of an RSA key, for ``publicKeyPem``."""
    public = key.public_key() if isinstance(key, RSAPrivateKey) else key
    if not isinstance(public, RSAPublicKey):
        raise TypeError(f"expected an RSA key, got {type(key).__name__}")
    return public.public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def sign_assertion(*, assertion: dict[str, Any], private_key: RSAPrivateKey) -> str:
    """Return the compact JWS, header ``{"alg":"RS256"}``, of ``assertion`` as compact UTF-8 JSON."""
    key = _require_rsa_private(private_key)
    payload = json.dumps(assertion, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _JWS.encode(payload, key, algorithm=ALGORITHM, headers={"typ": None})


def verify_assertion(*, token: str, public_key: RSAPublicKey | RSAPrivateKey | str) -> dict[str, Any]:
    """Verify an RS256 compact JWS and return its payload (the Assertion) as a dict.

    ``public_key`` is an RSA key object or a PEM string. Raises :class:`SignatureError` for a malformed token,
    any algorithm other than RS256 (``none`` included), a bad signature, or a payload that is not a JSON
    object.
    """
    if isinstance(public_key, RSAPrivateKey):
        public_key = public_key.public_key()
    elif isinstance(public_key, str):
        try:
            public_key = serialization.load_pem_public_key(public_key.encode())
        except (ValueError, TypeError) as exc:
            raise SignatureError(f"the public key is not a PEM RSA key: {exc}") from exc
    if not isinstance(public_key, RSAPublicKey):
        raise SignatureError("the public key is not an RSA key")
    try:
        parsed = compact_jws.parse(token)
    except compact_jws.CompactJwsError as exc:
        raise SignatureError(f"malformed JWS: {exc}") from exc
    alg = parsed.header.get("alg")
    if alg != ALGORITHM:
        raise SignatureError(f"refusing JWS algorithm {alg!r}: only {ALGORITHM} is accepted")
    try:
        compact_jws.verify_signature(parsed, alg=ALGORITHM, public_key=public_key)
    except compact_jws.CompactJwsError as exc:
        raise SignatureError("JWS signature verification failed") from exc
    decoded = {"payload": parsed.payload}
    try:
        payload = json.loads(decoded["payload"].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureError("JWS payload is not UTF-8 JSON") from exc
    if not isinstance(payload, dict):
        raise SignatureError("JWS payload is not a JSON object")
    return payload
