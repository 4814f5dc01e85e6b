"""A wallet holder's public key as the OpenID4VCI key proof names it (JWK, did:key, did:jwk) and the DID it binds to.

- JWK: RFC 7517; Ed25519 as OKP (RFC 8037), P-256 as EC (RFC 7518 §6.2). Public members only.
- did:key v0.7 (https://w3c-ccg.github.io/did-method-key/): ``did:key:z`` + base58btc(multicodec varint ‖ key),
  with ``ed25519-pub`` 0xed (``z6Mk…``, 32 raw bytes) and ``p256-pub`` 0x1200 (``zDn…``, 33-byte compressed point).
- did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md): ``did:jwk:`` + base64url(JSON of the public JWK);
  its one verification method is ``#0``.

Only what a key proof needs: the Ed25519-only did:key document that DID-Auth presentations resolve lives in
:mod:`.didkey`. A JWK header is bound to a did:key (short, and understood by every OB 3.0 verifier); a did:jwk
``kid`` keeps its did:jwk.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import (
    SECP256R1,
    EllipticCurvePublicKey,
    EllipticCurvePublicNumbers,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges.openbadges.base58btc import b58decode, b58encode

__all__ = [
    "HolderKeyError",
    "PublicKey",
    "did_jwk_for",
    "did_key_for",
    "key_from_did_url",
    "public_jwk",
    "public_key_from_jwk",
]

PublicKey = Ed25519PublicKey | EllipticCurvePublicKey

_ED25519_CODEC = b"\xed\x01"
_P256_CODEC = b"\x80\x24"  # varint of 0x1200
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MAX_DID_URL = 2048


class HolderKeyError(ValueError):
    """The key material is not a public Ed25519 or P-256 key we can read; the message says why."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: Any, what: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise HolderKeyError(f"{what} is not base64url without padding.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise HolderKeyError(f"{what} is not base64url.") from None


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """Read a public OKP/Ed25519 or EC/P-256 JWK; refuse private members, other key types and off-curve points."""
    if not isinstance(jwk, dict):
        raise HolderKeyError("The jwk must be a JSON object.")
    if _PRIVATE_MEMBERS & set(jwk):
        raise HolderKeyError("The jwk contains private key material; send only the public key.")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        raw = _b64url_decode(jwk.get("x"), "The jwk's x")
        if len(raw) != 32:
            raise HolderKeyError("An Ed25519 jwk's x must be 32 bytes.")
        return Ed25519PublicKey.from_public_bytes(raw)
    if kty == "EC" and crv == "P-256":
        x, y = _b64url_decode(jwk.get("x"), "The jwk's x"), _b64url_decode(jwk.get("y"), "The jwk's y")
        if len(x) != 32 or len(y) != 32:
            raise HolderKeyError("A P-256 jwk's x and y must be 32 bytes each.")
        numbers = EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), SECP256R1())
        try:
            return numbers.public_key()
        except ValueError:
            raise HolderKeyError("The P-256 jwk's point is not on the curve.") from None
    raise HolderKeyError(f"Unsupported jwk (kty {str(kty)[:20]!r}, crv {str(crv)[:20]!r}); use Ed25519 or P-256.")


def public_jwk(key: PublicKey) -> dict[str, str]:
    """The public JWK of an Ed25519 or P-256 key, members in RFC 7638 (lexicographic) order."""
    if isinstance(key, Ed25519PublicKey):
        return {"crv": "Ed25519", "kty": "OKP", "x": _b64url(key.public_bytes_raw())}
    if isinstance(key, EllipticCurvePublicKey) and isinstance(key.curve, SECP256R1):
        numbers = key.public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return {"crv": "P-256", "kty": "EC", "x": _b64url(x), "y": _b64url(y)}
    raise HolderKeyError(f"Unsupported key type {type(key).__name__}; use Ed25519 or P-256.")


def did_key_for(key: PublicKey) -> str:
    """``did:key:z6Mk…`` of an Ed25519 key or ``did:key:zDn…`` of a P-256 key (compressed point)."""
    if isinstance(key, Ed25519PublicKey):
        return "did:key:z" + b58encode(_ED25519_CODEC + key.public_bytes_raw())
    if isinstance(key, EllipticCurvePublicKey) and isinstance(key.curve, SECP256R1):
        return "did:key:z" + b58encode(_P256_CODEC + key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint))
    raise HolderKeyError(f"Unsupported key type {type(key).__name__}; use Ed25519 or P-256.")


def did_jwk_for(key: PublicKey) -> str:
    """``did:jwk:`` + base64url of the key's compact public JWK."""
    return "did:jwk:" + _b64url(json.dumps(public_jwk(key), separators=(",", ":")).encode("utf-8"))


def _from_did_key(value: str, fragment: str) -> PublicKey:
    if not value.startswith("z") or ":" in value:
        raise HolderKeyError("A did:key must be did:key:z… (base58btc multibase).")
    try:
        raw = b58decode(value[1:])
    except ValueError:
        raise HolderKeyError("The did:key is not valid base58btc.") from None
    if fragment and fragment != value:
        raise HolderKeyError("The kid's fragment is not the did:key's own key.")
    if raw[:2] == _ED25519_CODEC and len(raw) == 34:
        return Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw[:2] == _P256_CODEC and len(raw) == 35:
        try:
            return EllipticCurvePublicKey.from_encoded_point(SECP256R1(), raw[2:])
        except ValueError:
            raise HolderKeyError("The did:key's P-256 point is not on the curve.") from None
    raise HolderKeyError("The did:key is not an Ed25519 (z6Mk…) or P-256 (zDn…) key.")


def _from_did_jwk(value: str, fragment: str) -> PublicKey:
    if fragment not in ("", "0"):
        raise HolderKeyError("A did:jwk has one key, #0.")
    try:
        jwk = json.loads(_b64url_decode(value, "The did:jwk"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HolderKeyError("The did:jwk does not hold a JSON jwk.") from None
    return public_key_from_jwk(jwk)


def key_from_did_url(did_url: Any) -> tuple[str, PublicKey]:
    """The DID and public key a ``kid`` names: a did:key or did:jwk DID, or a DID URL of its one key.

    Other DID methods would need a resolver (and a network fetch at the credential endpoint); they are refused.
    """
    if not isinstance(did_url, str) or not did_url or len(did_url) > _MAX_DID_URL:
        raise HolderKeyError("The kid must be a did:key or did:jwk DID URL.")
    did, _, fragment = did_url.partition("#")
    if "?" in did or "/" in did:
        raise HolderKeyError("The kid must not carry a DID path or query.")
    if did.startswith("did:key:"):
        return did, _from_did_key(did[len("did:key:") :], fragment)
    if did.startswith("did:jwk:"):
        return did, _from_did_jwk(did[len("did:jwk:") :], fragment)
    raise HolderKeyError("The kid must be a did:key or did:jwk DID URL; other DID methods are not resolved.")
