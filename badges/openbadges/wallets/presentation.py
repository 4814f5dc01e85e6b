"""Verifies a wallet's DID-Auth presentation: a VerifiablePresentation signed by the holder's did:key for the
``authentication`` purpose, over the challenge (and domain) the issuer handed out.

- VC Data Model, Verifiable Presentations (1.1 §4.10 and 2.0 §4.13); the Learner Credential Wallet builds them with
  ``@digitalcredentials/vc`` ``createPresentation`` + ``signPresentation`` (app/lib/composeVp.ts, app/lib/present.ts).
- VC API / VCALM "DID Authentication" queries: https://w3c-ccg.github.io/vp-request-spec/#did-authentication
- Proof suites, both computed as SHA-256(canonical proof options with the document's ``@context``) ‖
  SHA-256(canonical document without its proof), Ed25519-signed, ``proofValue`` = ``z`` + base58btc:
  Ed25519Signature2020 (https://w3c.github.io/vc-di-ed25519signature2020/, what the LCW signs with) and
  DataIntegrityProof ``eddsa-rdfc-2022`` (https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022).

Canonicalization is Laurel's offline, safe-mode one (:func:`badges.openbadges.ob3.proof.canonicalize`): an unknown
context, an undefined term or a relative IRI is refused, never silently dropped from what the signature covers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld

from badges.openbadges.base58btc import b58decode
from badges.openbadges.loader import ContextNotAvailableError
from badges.openbadges.ob3.proof import canonicalize, ed25519_verify
from badges.openbadges.ob3.safety import UnsafeDocumentError, json_problems
from badges.openbadges.wallets.didkey import DidKeyError, public_key_from_did_key

__all__ = ["MAX_PRESENTATION_CHARS", "SUPPORTED_SUITES", "PresentationError", "verify_did_auth"]

#: The proof suites accepted, as (proof type, cryptosuite or None).
SUPPORTED_SUITES = (("Ed25519Signature2020", None), ("DataIntegrityProof", "eddsa-rdfc-2022"))
_PURPOSE = "authentication"
_UNSAFE = "The presentation is not safe to process as JSON-LD: "
#: A DID-Auth presentation is a few hundred bytes; the cap keeps a hostile body from costing much canonicalization.
MAX_PRESENTATION_CHARS = 16_384
# What ``@digitalcredentials/vc`` createPresentation writes. Credentials are refused: this exchange asks for none,
# and canonicalizing an arbitrary graph sent by anyone is what RDFC-1.0 "poison graph" attacks rely on.
_MEMBERS = frozenset({"@context", "id", "type", "holder", "proof", "verifiableCredential"})


class PresentationError(ValueError):
    """The presentation does not prove control of a did:key for this challenge; the message says what is wrong."""


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_shape(presentation: Mapping[str, Any]) -> None:
    try:
        size = len(json.dumps(presentation, ensure_ascii=False))
    except (TypeError, ValueError):
        raise PresentationError("The presentation is not plain JSON.") from None
    if size > MAX_PRESENTATION_CHARS:
        raise PresentationError(
            f"The presentation is too large for DID Auth ({size} characters; at most {MAX_PRESENTATION_CHARS})."
        )
    extra = sorted(str(k)[:40] for k in presentation if k not in _MEMBERS)
    if extra:
        raise PresentationError(f"The presentation has members a DID-Auth presentation does not carry: {extra}.")
    if presentation.get("verifiableCredential", []) != []:
        raise PresentationError("The presentation carries credentials; DID Auth here asks for none.")


def _holder(presentation: Mapping[str, Any]) -> str:
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):  # VC 2.0 allows the holder as an object with an id
        holder = holder.get("id")
    if not isinstance(holder, str) or not holder:
        raise PresentationError("The presentation has no holder: a DID-Auth presentation names the wallet's DID.")
    if not holder.startswith("did:key:"):
        raise PresentationError(f"The holder {holder[:120]!r} is not a did:key; only did:key holders are supported.")
    return holder


def _single_proof(presentation: Mapping[str, Any]) -> Mapping[str, Any]:
    proof = presentation.get("proof")
    if proof is None or proof == []:
        raise PresentationError("The presentation has no proof: it must be signed by the holder (DID Auth).")
    if isinstance(proof, list):
        if len(proof) != 1:
            raise PresentationError(f"The presentation has {len(proof)} proofs; a DID-Auth presentation has one.")
        proof = proof[0]
    if not isinstance(proof, Mapping):
        raise PresentationError("The presentation's proof is not a JSON object.")
    return proof


def _check_suite(proof: Mapping[str, Any]) -> None:
    integrity = proof.get("type") == "DataIntegrityProof"
    suite = (proof.get("type"), proof.get("cryptosuite") if integrity else None)
    if suite not in SUPPORTED_SUITES:
        got = f"{suite[0]!r}" + (f" with cryptosuite {suite[1]!r}" if integrity else "")
        raise PresentationError(
            f"Unsupported proof suite {got[:160]}: use Ed25519Signature2020 or DataIntegrityProof with eddsa-rdfc-2022."
        )


def _same(given: Any, expected: str) -> bool:
    """Constant-time equality of a string from the wallet with the one we issued."""
    return isinstance(given, str) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _check_bindings(proof: Mapping[str, Any], *, challenge: str, domain: str | None) -> None:
    purpose = proof.get("proofPurpose")
    if purpose != _PURPOSE:
        raise PresentationError(f"The proof purpose is {str(purpose)[:80]!r}; DID Auth needs {_PURPOSE!r}.")
    if "challenge" not in proof:
        raise PresentationError("The proof has no challenge; sign the presentation over the challenge you were given.")
    if not _same(proof["challenge"], challenge):
        raise PresentationError("The proof's challenge does not match the one issued for this exchange.")
    if domain is not None:
        given = proof.get("domain")
        if given is None:
            raise PresentationError(f"The proof has no domain; it must be {domain!r}.")
        # Data Integrity allows a list of domains; any one of them may be ours.
        if not any(_same(d, domain) for d in _types(given)):
            raise PresentationError(f"The proof's domain does not match {domain!r}.")


def _signer_key(proof: Mapping[str, Any], holder: str) -> Ed25519PublicKey:
    method = proof.get("verificationMethod")
    if isinstance(method, Mapping):
        method = method.get("id")
    if not isinstance(method, str) or not method.startswith("did:key:"):
        raise PresentationError(f"The proof's verificationMethod {str(method)[:120]!r} is not a did:key.")
    if method.split("#", 1)[0] != holder:
        raise PresentationError("The proof was signed by a key that is not the holder's: its DID is not the holder.")
    try:
        return public_key_from_did_key(method)
    except DidKeyError as exc:
        raise PresentationError(f"The proof's verificationMethod cannot be used: {exc}") from None


def _signature(proof: Mapping[str, Any]) -> bytes:
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError
        signature = b58decode(value[1:])
    except ValueError:
        raise PresentationError("The proofValue is not a base58btc multibase ('z…') string.") from None
    if len(signature) != 64:
        raise PresentationError("The proofValue is not a 64-byte Ed25519 signature.")
    return signature


def _signed_bytes(presentation: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    """SHA-256(canonical proof options) ‖ SHA-256(canonical unsecured presentation), in safe mode."""
    if "@context" in proof and proof["@context"] != presentation.get("@context"):
        raise PresentationError("The proof's @context differs from the presentation's.")
    problems = json_problems(presentation)
    if problems:
        raise PresentationError(_UNSAFE + "; ".join(problems))
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = presentation.get("@context")
    unsecured = {k: v for k, v in presentation.items() if k != "proof"}
    return _sha256_of_canonical(options) + _sha256_of_canonical(unsecured)


def _sha256_of_canonical(document: Mapping[str, Any]) -> bytes:
    try:
        nquads = canonicalize(document)
    except UnsafeDocumentError as exc:
        raise PresentationError(_UNSAFE + "; ".join(exc.problems)) from None
    except (jsonld.JsonLdError, ContextNotAvailableError) as exc:
        raise PresentationError(f"The presentation could not be processed as JSON-LD: {_jsonld_reason(exc)}") from None
    return hashlib.sha256(nquads.encode("utf-8")).digest()


def _jsonld_reason(exc: Exception) -> str:
    """The innermost cause pyld reports (e.g. the context URL the offline loader refused)."""
    while getattr(exc, "cause", None) is not None:
        exc = exc.cause
    message = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
    return message.splitlines()[0][:300]


def verify_did_auth(presentation: Mapping[str, Any], *, challenge: str, domain: str | None) -> str:
    """Check a wallet's DID-Auth presentation and return the holder's DID (``did:key:z6Mk…``).

    ``challenge`` is the one issued for this exchange; ``domain``, when not None, must be the proof's domain (the
    LCW's credential-request route signs no domain, so that route passes None). Raises PresentationError, whose
    message says exactly what was wrong. Replay protection is the caller's: a challenge is good for one exchange.
    """
    if not isinstance(presentation, Mapping):
        raise PresentationError("The body is not a JSON object, so not a VerifiablePresentation.")
    if "VerifiablePresentation" not in _types(presentation.get("type")):
        raise PresentationError("This is not a VerifiablePresentation: its type must include 'VerifiablePresentation'.")
    if not isinstance(challenge, str) or not challenge:
        raise ValueError("verify_did_auth needs the issued challenge.")  # a caller's bug, not the wallet's
    _check_shape(presentation)
    proof = _single_proof(presentation)
    _check_suite(proof)
    _check_bindings(proof, challenge=challenge, domain=domain)
    holder = _holder(presentation)
    key = _signer_key(proof, holder)
    signature = _signature(proof)
    if not ed25519_verify(public_key=key, signature=signature, data=_signed_bytes(presentation, proof)):
        raise PresentationError(
            "The signature does not match: the presentation was changed after signing, or another key signed it."
        )
    return holder
