"""did:key for Ed25519 keys (``did:key:z6Mk…``): read the public key out of the identifier, and expand it into its
DID document.

- did:key method v0.7, §3.1.2 "Document creation algorithm" and §3.1.3 "Signature method creation":
  https://w3c-ccg.github.io/did-method-key/ — the identifier is ``did:key:`` + multibase base58btc (``z``) of the
  multicodec ``ed25519-pub`` varint (0xed 0x01) followed by the 32-byte public key.
- The document has the shape ``@digitalcredentials/did-method-key`` 3.0.0 produces (what the Learner Credential
  Wallet mints and resolves): one Ed25519VerificationKey2020 whose fragment is the key's own multibase, listed under
  authentication, assertionMethod and both capability relationships, and the X25519 key derived from it
  (RFC 7748 birational map, multicodec ``x25519-pub`` 0xec 0x01) under keyAgreement.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_sign_ed25519_pk_to_curve25519
from nacl.exceptions import RuntimeError as NaclRuntimeError

from badges.openbadges.base58btc import b58decode, b58encode
from badges.openbadges.keys import ED25519_MULTICODEC_PREFIX

__all__ = [
    "DID_KEY_CONTEXTS",
    "DidKeyError",
    "did_key_document",
    "did_key_for",
    "did_key_verification_method",
    "public_key_from_did_key",
]

#: The contexts of a did:key document as did-method-key writes them.
DID_KEY_CONTEXTS = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://w3id.org/security/suites/x25519-2020/v1",
]
_PREFIX = "did:key:"
_X25519_MULTICODEC_PREFIX = b"\xec\x01"
# Multicodec names of the varint prefixes wallets are most likely to send, for a refusal that says what came.
_KNOWN_CODECS = {
    b"\xe7\x01": "secp256k1-pub",
    b"\xec\x01": "x25519-pub",
    b"\x80\x24": "p256-pub",
    b"\x81\x24": "p384-pub",
    b"\xeb\x01": "bls12_381-g2-pub",
    b"\x85\x24": "rsa-pub",
    b"\x90\x24": "jwk_jcs-pub",
}


class DidKeyError(ValueError):
    """The value is not a did:key identifier (or DID URL) of an Ed25519 public key; the message says why."""


def _method_specific_id(did_or_did_url: str) -> str:
    if not isinstance(did_or_did_url, str):
        raise DidKeyError("A did:key must be a string.")
    if not did_or_did_url.startswith(_PREFIX):
        raise DidKeyError(f"{did_or_did_url[:80]!r} is not a did:key identifier (it must start with 'did:key:').")
    did = did_or_did_url.split("#", 1)[0].split("?", 1)[0]
    value = did[len(_PREFIX) :]
    if ":" in value:  # did:key:<version>:… (method spec §3.1.1) is a later version we do not read
        raise DidKeyError(f"{did!r} has a version or other segment; only did:key:z… is supported.")
    if not value.startswith("z"):
        raise DidKeyError(f"{did!r} is not base58btc multibase (the method-specific id must start with 'z').")
    return value


def public_key_from_did_key(did_or_did_url: str) -> Ed25519PublicKey:
    """The Ed25519 public key named by ``did:key:z6Mk…`` (or a DID URL of it, e.g. ``…#z6Mk…``).

    The fragment of a DID URL, if any, must be the key's own multibase, the only verification method a did:key
    document has. Raises DidKeyError for anything else: another key type, bad base58, a wrong length.
    """
    value = _method_specific_id(did_or_did_url)
    try:
        raw = b58decode(value[1:])
    except ValueError:
        raise DidKeyError(f"did:key {value[:80]!r} is not valid base58btc.") from None
    codec = raw[:2]
    if codec != ED25519_MULTICODEC_PREFIX:
        name = _KNOWN_CODECS.get(codec, f"multicodec 0x{codec.hex()}")
        raise DidKeyError(f"did:key {value[:80]!r} is a {name} key; only Ed25519 keys (z6Mk…) are supported.")
    if len(raw) != 34:
        raise DidKeyError(f"did:key {value[:80]!r} holds {len(raw) - 2} key bytes; an Ed25519 key has 32.")
    _, _, fragment = did_or_did_url.partition("#")
    if fragment and fragment != value:
        raise DidKeyError(f"{did_or_did_url[:160]!r} names a key other than the one its did:key holds.")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def did_key_for(public_key: Ed25519PublicKey) -> str:
    """The did:key identifier of an Ed25519 public key."""
    return _PREFIX + "z" + b58encode(ED25519_MULTICODEC_PREFIX + public_key.public_bytes_raw())


def did_key_verification_method(did: str) -> str:
    """The id of the did:key's only signing key: ``did:key:z6Mk…#z6Mk…``."""
    value = _method_specific_id(did)
    public_key_from_did_key(did)
    return f"{_PREFIX}{value}#{value}"


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of an Ed25519 did:key, as ``@digitalcredentials/did-method-key`` resolves it.

    ``did`` may be a DID URL; the document is that of the DID. Raises DidKeyError as
    :func:`public_key_from_did_key`.
    """
    key = public_key_from_did_key(did)
    value = _method_specific_id(did)
    did = _PREFIX + value
    method_id = f"{did}#{value}"
    try:
        x25519 = crypto_sign_ed25519_pk_to_curve25519(key.public_bytes_raw())
    except NaclRuntimeError:  # a point with no Montgomery form (small order): no signer ever has one
        raise DidKeyError(f"did:key {value[:80]!r} is not a usable Ed25519 public key.") from None
    x25519_multibase = "z" + b58encode(_X25519_MULTICODEC_PREFIX + x25519)
    return {
        "@context": list(DID_KEY_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {"id": method_id, "type": "Ed25519VerificationKey2020", "controller": did, "publicKeyMultibase": value}
        ],
        "authentication": [method_id],
        "assertionMethod": [method_id],
        "capabilityDelegation": [method_id],
        "capabilityInvocation": [method_id],
        "keyAgreement": [
            {
                "id": f"{did}#{x25519_multibase}",
                "type": "X25519KeyAgreementKey2020",
                "controller": did,
                "publicKeyMultibase": x25519_multibase,
            }
        ],
    }
