"""Public-key encodings used in Open Badges 3.0 documents: Ed25519 Multikey (``z6Mk…``) and JWK (RFC 7517).

- Multikey: https://www.w3.org/TR/controller-document/#multikey — ``publicKeyMultibase`` is ``"z"`` +
  base58btc(0xed 0x01 ‖ 32-byte Ed25519 public key), so every Ed25519 multikey starts with ``z6Mk``.
- JWK: RFC 7517 / RFC 8037 (OKP, ``crv`` Ed25519) and RFC 7518 §6.3.1 (RSA ``n``/``e``); public members only.

Private keys are never encoded here; they stay ``cryptography`` key objects owned by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey, RSAPublicNumbers
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges.openbadges.base58btc import b58decode, b58encode

__all__ = [
    "ED25519_MULTICODEC_PREFIX",
    "KeyEncodingError",
    "ed25519_from_jwk",
    "ed25519_from_multikey",
    "ed25519_public_bytes",
    "ed25519_to_multikey",
    "jwk_thumbprint",
    "public_key_from_jwk",
    "public_key_to_jwk",
    "rsa_from_jwk",
]

#: Multicodec varint for ``ed25519-pub`` (0xed), https://github.com/multiformats/multicodec
ED25519_MULTICODEC_PREFIX = b"\xed\x01"


class KeyEncodingError(ValueError):
    """A key encoding could not be read (wrong prefix, length, key type or missing members)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise KeyEncodingError(f"Not base64url: {text!r}.") from exc


def _public(key: Ed25519PublicKey | Ed25519PrivateKey) -> Ed25519PublicKey:
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def ed25519_public_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The raw 32-byte Ed25519 public key (of a private key: its public half)."""
    return _public(key).public_bytes(Encoding.Raw, PublicFormat.Raw)


def ed25519_to_multikey(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 key: ``"z" + base58btc(0xed01 ‖ key)``, e.g. ``z6Mk…``."""
    return "z" + b58encode(ED25519_MULTICODEC_PREFIX + ed25519_public_bytes(key))


def ed25519_from_multikey(multibase: str) -> Ed25519PublicKey:
    """Read an Ed25519 ``publicKeyMultibase`` (``z6Mk…``); raise KeyEncodingError for anything else."""
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise KeyEncodingError("publicKeyMultibase must be a base58btc multibase string starting with 'z'.")
    try:
        raw = b58decode(multibase[1:])
    except ValueError as exc:
        raise KeyEncodingError(f"publicKeyMultibase is not valid base58btc: {exc}.") from exc
    if raw[:2] != ED25519_MULTICODEC_PREFIX or len(raw) != 34:
        raise KeyEncodingError("publicKeyMultibase is not an Ed25519 public key (expected 0xed01 + 32 bytes).")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def public_key_to_jwk(
    key: Ed25519PublicKey | Ed25519PrivateKey | RSAPublicKey | RSAPrivateKey,
) -> dict[str, str]:
    """Public JWK of an Ed25519 (``OKP``/``Ed25519``) or RSA (``RSA``: ``n``, ``e``) key; never private
    members."""
    if isinstance(key, (Ed25519PublicKey, Ed25519PrivateKey)):
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(ed25519_public_bytes(key))}
    if isinstance(key, (RSAPublicKey, RSAPrivateKey)):
        numbers = (key.public_key() if isinstance(key, RSAPrivateKey) else key).public_numbers()
        return {"kty": "RSA", "n": _b64url(_int_bytes(numbers.n)), "e": _b64url(_int_bytes(numbers.e))}
    raise KeyEncodingError(f"Unsupported key type for JWK export: {type(key).__name__}.")


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")


def ed25519_from_jwk(jwk: dict[str, str]) -> Ed25519PublicKey:
    """Read a public OKP/Ed25519 JWK."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
        raise KeyEncodingError("JWK is not an OKP Ed25519 public key.")
    raw = _b64url_decode(jwk["x"])
    if len(raw) != 32:
        raise KeyEncodingError("Ed25519 JWK 'x' must decode to 32 bytes.")
    return Ed25519PublicKey.from_public_bytes(raw)


def rsa_from_jwk(jwk: dict[str, str]) -> RSAPublicKey:
    """Read a public RSA JWK (``n``, ``e``)."""
    if jwk.get("kty") != "RSA" or "n" not in jwk or "e" not in jwk:
        raise KeyEncodingError("JWK is not an RSA public key (needs kty RSA, n, e).")
    n = int.from_bytes(_b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(_b64url_decode(jwk["e"]), "big")
    try:
        return RSAPublicNumbers(e, n).public_key()
    except ValueError as exc:
        raise KeyEncodingError(f"Invalid RSA JWK: {exc}.") from exc


def public_key_from_jwk(jwk: dict[str, str]) -> Ed25519PublicKey | RSAPublicKey:
    """Read a public Ed25519 or RSA JWK; refuse JWKs that carry private members."""
    if not isinstance(jwk, dict):
        raise KeyEncodingError("JWK must be a JSON object.")
    if {"d", "p", "q", "dp", "dq", "qi"} & set(jwk):
        raise KeyEncodingError("JWK contains private key members; only public JWKs are accepted.")
    if jwk.get("kty") == "OKP":
        return ed25519_from_jwk(jwk)
    if jwk.get("kty") == "RSA":
        return rsa_from_jwk(jwk)
    raise KeyEncodingError(f"Unsupported JWK kty {jwk.get('kty')!r}.")


def jwk_thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint (base64url) of a public Ed25519 or RSA JWK — handy as a stable key
    fragment."""
    required = {"OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}.get(jwk.get("kty", ""))
    if required is None:
        raise KeyEncodingError(f"Unsupported JWK kty {jwk.get('kty')!r}.")
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())
