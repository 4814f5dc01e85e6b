"""did:web identifiers for issuers and the DID documents that publish their public keys.

- did:web method: https://w3c-ccg.github.io/did-method-web/ (§3.2 create, §3.3 read/resolve).
- DID Core verification methods and relationships: https://www.w3.org/TR/did-core/#verification-methods,
  https://www.w3.org/TR/did-core/#assertion
- Multikey: https://www.w3.org/TR/controller-document/#multikey ; JsonWebKey:
  https://www.w3.org/TR/controller-document/#jsonwebkey (context ``https://w3id.org/security/jwk/v1``).

A DID document lists every key the issuer has ever signed with: keys retired by rotation stay in
``verificationMethod`` and ``assertionMethod`` so credentials signed earlier keep verifying. Only a
compromised key is removed (which deliberately invalidates what it signed). Note that the DCC verifier refuses
DID documents larger than 8 KiB, which is room for roughly 25 Ed25519 keys plus one RSA-2048 JWK.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from badges.openbadges.keys import ed25519_to_multikey, jwk_thumbprint, public_key_to_jwk

__all__ = [
    "DID_CONTEXT",
    "JWK_CONTEXT",
    "MULTIKEY_CONTEXT",
    "DidError",
    "PublishedKey",
    "did_document",
    "did_from_verification_method",
    "did_web_document_url",
    "did_web_for",
    "verification_method_id",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
# Defines ``JsonWebKey`` and ``publicKeyJwk``; neither the DID v1 nor the Multikey context does.
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"


class DidError(ValueError):
    """A DID or DID URL is not a well-formed did:web identifier, or a key cannot be published."""


def did_web_for(*, base_url: str, path: str) -> str:
    """The did:web DID of the resource at ``base_url`` + ``path`` (did:web §3.2).

    ``did_web_for(base_url="http://127.0.0.1:8000", path="issuers/abc")`` →
    ``did:web:127.0.0.1%3A8000:issuers:abc``. The scheme of ``base_url`` is dropped (did:web is always
    resolved over https); a port becomes ``%3A``; a path prefix in ``base_url`` is kept. Each path segment is
    percent-encoded so it cannot contain ``:``.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise DidError(f"base_url must be an absolute http(s) URL, got {base_url!r}.")
    if parts.query or parts.fragment:
        raise DidError("base_url must not have a query or fragment.")
    hostname = parts.hostname.lower()
    hostname = f"[{hostname}]" if ":" in hostname else hostname  # IPv6 literal
    host = hostname if parts.port is None else f"{hostname}:{parts.port}"
    segments = [s for s in (parts.path.strip("/") + "/" + path.strip("/")).split("/") if s]
    return ":".join(["did", "web", quote(host, safe="")] + [quote(s, safe="") for s in segments])


def did_web_document_url(did: str, *, scheme: str = "https") -> str:
    """The URL of the DID document of a did:web DID (did:web §3.3): ``…/did.json``, or
    ``/.well-known/did.json``.

    did:web always resolves over https. A verifier talking to a plain-http development or test server passes
    ``scheme="http"`` in its own resolver (the DCC harness in tests/interop/dcc rewrites https→http for
    loopback); the DID itself never records the scheme.
    """
    did = did.split("#", 1)[0].split("?", 1)[0]
    parts = did.split(":")
    if len(parts) < 3 or parts[0] != "did" or parts[1] != "web" or not parts[2]:
        raise DidError(f"Not a did:web DID: {did!r}.")
    if scheme not in {"http", "https"}:
        raise DidError("scheme must be 'https' (or 'http' for a local test server).")
    host = unquote(parts[2])
    if "/" in host or "@" in host:
        raise DidError(f"did:web host part is invalid: {host!r}.")
    path_segments = [unquote(p) for p in parts[3:]]
    if any(not p or "/" in p for p in path_segments):
        raise DidError(f"did:web path segments must be non-empty and contain no '/': {did!r}.")
    path = "/".join(path_segments) + "/did.json" if path_segments else ".well-known/did.json"
    return f"{scheme}://{host}/{path}"


def verification_method_id(*, did: str, fragment: str) -> str:
    """The absolute DID URL ``<did>#<fragment>`` of a verification method."""
    if not fragment or "#" in fragment:
        raise DidError("fragment must be non-empty and must not contain '#'.")
    return f"{did}#{fragment}"


def did_from_verification_method(verification_method: str) -> str:
    """The DID part of a DID URL (everything before ``#``/``?``)."""
    return verification_method.split("#", 1)[0].split("?", 1)[0]


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """A public key to publish in a DID document.

    Ed25519 keys become ``Multikey`` entries (``publicKeyMultibase``); RSA keys become ``JsonWebKey`` entries
    (``publicKeyJwk``), which is what a VC-JWT ``kid`` needs. ``fragment`` defaults to the multikey (Ed25519,
    as in the 1EdTech examples) or the RFC 7638 JWK thumbprint (RSA).
    """

    public_key: Ed25519PublicKey | RSAPublicKey
    fragment: str | None = None

    def resolved_fragment(self) -> str:
        if self.fragment:
            return self.fragment
        if isinstance(self.public_key, Ed25519PublicKey):
            return ed25519_to_multikey(self.public_key)
        return jwk_thumbprint(public_key_to_jwk(self.public_key))


def _method(did: str, key: PublishedKey) -> dict[str, Any]:
    method_id = verification_method_id(did=did, fragment=key.resolved_fragment())
    if isinstance(key.public_key, Ed25519PublicKey):
        return {
            "id": method_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": ed25519_to_multikey(key.public_key),
        }
    if isinstance(key.public_key, RSAPublicKey):
        if key.public_key.key_size < 2048:
            raise DidError("RSA keys shorter than 2048 bits are not published.")
        return {
            "id": method_id,
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": public_key_to_jwk(key.public_key),
        }
    raise DidError(f"Unsupported key type {type(key.public_key).__name__}.")


def did_document(*, did: str, keys: Sequence[PublishedKey]) -> dict[str, Any]:
    """The DID document of ``did`` listing ``keys`` (current and retired) as assertion methods.

    ``@context`` is the DID v1 and Multikey v1 contexts, plus the JWK v1 context when a JsonWebKey entry is
    present. Every ``id``/``controller`` is absolute, and ``assertionMethod`` is an array of absolute DID
    URLs, as the 1EdTech validator requires.
    """
    did_web_document_url(did)  # validates the DID
    methods = [_method(did, key) for key in keys]
    ids = [m["id"] for m in methods]
    if len(set(ids)) != len(ids):
        raise DidError("Two published keys have the same verification method id.")
    context = [DID_CONTEXT, MULTIKEY_CONTEXT]
    if any(m["type"] == "JsonWebKey" for m in methods):
        context.append(JWK_CONTEXT)
    return {"@context": context, "id": did, "verificationMethod": methods, "assertionMethod": ids}
