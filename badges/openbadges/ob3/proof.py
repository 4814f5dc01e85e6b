"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite: canonicalize, sign and verify.

- VC Data Integrity EdDSA Cryptosuites v1.0, §3.3 eddsa-rdfc-2022 (transformation, hashing, proof
  configuration, proof serialization, verification): https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022
- RDF Dataset Canonicalization (RDFC-1.0): https://www.w3.org/TR/rdf-canon/ (pyld's ``URDNA2015`` implements
  it; the two differ only in how control characters are escaped, which :mod:`.safety` refuses).
- OB 3.0 §8.3 "Data Integrity" proofs: https://www.imsglobal.org/spec/ob/v3p0/#data-integrity

Algorithm: proof config = ``{type, cryptosuite, created, verificationMethod, proofPurpose}`` with the
document's ``@context``; hashData = SHA-256(canon(config)) ‖ SHA-256(canon(document without proof)); Ed25519
signature; ``proofValue`` = ``"z"`` + base58btc(signature). Everything JSON-LD goes through
:func:`canonicalize`, the one place a faster canonicalizer would plug in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from badges.openbadges.ob3.compose import format_datetime
from badges.openbadges.ob3.processor import to_nquads
from badges.openbadges.ob3.safety import UnsafeDocumentError, expand_checked, json_problems

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "ProofError",
    "ProofVerification",
    "UnsafeDocumentError",
    "canonicalize",
    "hash_data",
    "proof_config",
    "proof_verification_method",
    "sign_credential",
    "verify_proof",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
_PROOF_PURPOSE = "assertionMethod"


class ProofError(ValueError):
    """A proof cannot be created from the arguments given (e.g. the credential is already signed)."""


def canonicalize(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads of ``document``, computed offline, in safe mode.

    Raises UnsafeDocumentError if JSON-LD processing would drop a property or type or leave an IRI relative
    (see :func:`.safety.expand_checked`), instead of silently canonicalizing what is left.
    """
    return to_nquads(expand_checked(document))


def proof_config(*, context: Any, verification_method: str, created: datetime | str) -> dict[str, Any]:
    """The proof options of vc-di-eddsa §3.3.5, with the secured document's ``@context`` for
    canonicalization."""
    return {
        "@context": json.loads(json.dumps(context)),
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created if isinstance(created, str) else format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": _PROOF_PURPOSE,
    }


def hash_data(*, document: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    """SHA-256(canonical proof config) ‖ SHA-256(canonical document): the 64 bytes that get signed
    (§3.3.4)."""
    config_hash = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return config_hash + document_hash


def sign_credential(
    *,
    credential: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """A copy of ``credential`` with an ``eddsa-rdfc-2022`` DataIntegrityProof added.

    Refuses (UnsafeDocumentError) documents that other verifiers would read differently: undefined terms or
    types, relative IRIs, control characters, null values, a non-string ``statusListIndex``, unknown or inline
    contexts. ``verification_method`` is the absolute DID URL of the key, listed in the issuer's
    ``assertionMethod``.
    """
    if "proof" in credential:
        raise ProofError("The credential already has a proof; sign the unsecured credential.")
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ProofError("eddsa-rdfc-2022 needs an Ed25519 private key.")
    problems = json_problems(credential)
    if problems:
        raise UnsafeDocumentError(problems)
    config = proof_config(context=credential["@context"], verification_method=verification_method, created=created)
    signature = private_key.sign(hash_data(document=credential, config=config))
    proof = {k: v for k, v in config.items() if k != "@context"}
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    secured = json.loads(json.dumps(credential))  # a deep copy, several times faster than copy.deepcopy
    secured["proof"] = proof
    return secured


@dataclass(frozen=True, slots=True)
class ProofVerification:
    """Outcome of checking one Data Integrity proof. ``message`` is plain English for people."""

    ok: bool
    message: str
    verification_method: str | None = None
    created: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _select_proof(document: Mapping[str, Any]) -> Mapping[str, Any] | str:
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    candidates = [p for p in proofs if isinstance(p, Mapping) and p.get("cryptosuite") == CRYPTOSUITE]
    if proof is None:
        return "The credential has no proof."
    if not candidates:
        return f"The credential has no {CRYPTOSUITE} proof."
    return candidates[0]


def proof_verification_method(document: Mapping[str, Any]) -> str | None:
    """The ``verificationMethod`` of the document's eddsa-rdfc-2022 proof, if there is one."""
    proof = _select_proof(document)
    method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
    return method if isinstance(method, str) else None


def verify_proof(*, document: Mapping[str, Any], public_key: Ed25519PublicKey) -> ProofVerification:
    """Check the document's ``eddsa-rdfc-2022`` proof against ``public_key`` (vc-di-eddsa §3.3.2).

    Never raises for a bad document: every failure is a ProofVerification with ``ok=False`` and a reason.
    """
    proof = _select_proof(document)
    if isinstance(proof, str):
        return ProofVerification(False, proof)
    method, created = proof.get("verificationMethod"), proof.get("created")

    def fail(message: str) -> ProofVerification:
        return ProofVerification(False, message, method, created)

    if proof.get("type") != PROOF_TYPE:
        return fail(f"The proof type is {proof.get('type')!r}, expected {PROOF_TYPE!r}.")
    if proof.get("proofPurpose") != _PROOF_PURPOSE:
        return fail(f"The proof purpose is {proof.get('proofPurpose')!r}, expected {_PROOF_PURPOSE!r}.")
    if not isinstance(method, str) or not isinstance(created, str):
        return fail("The proof has no verificationMethod or created date.")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        return fail("The proof's @context differs from the credential's.")
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError("not base58btc multibase")
        signature = base58.b58decode(value[1:])
    except ValueError:
        return fail("The proofValue is not a base58btc multibase string.")
    if len(signature) != 64:
        return fail("The proofValue is not a 64-byte Ed25519 signature.")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    try:
        data = hash_data(document=unsecured, config=config)
    except UnsafeDocumentError as exc:
        return fail("The credential is not safe to process as JSON-LD: " + "; ".join(exc.problems))
    except jsonld.JsonLdError as exc:
        return fail(f"The credential could not be processed as JSON-LD: {exc}.")
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return fail("The signature does not match: the credential was changed after signing, or another key signed it.")
    return ProofVerification(True, "The signature is valid.", method, created)
