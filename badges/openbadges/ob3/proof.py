"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite: canonicalize, sign and verify.

- VC Data Integrity EdDSA Cryptosuites v1.0, §3.3 eddsa-rdfc-2022 (transformation, hashing, proof
  configuration, proof serialization, verification): https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022
- RDF Dataset Canonicalization (RDFC-1.0): https://www.w3.org/TR/rdf-canon/ (pyld's ``URDNA2015`` implements
  it; the two differ only in how control characters are escaped, which :mod:`.safety` refuses).
- OB 3.0 §8.3 "Data Integrity" proofs: https://www.imsglobal.org/spec/ob/v3p0/#data-integrity

Algorithm: proof config = ``{type, cryptosuite, created, verificationMethod, proofPurpose}`` with the
document's ``@context``; hashData = SHA-256(canon(config)) ‖ SHA-256(canon(document without proof)); Ed25519
signature; ``proofValue`` = ``"z"`` + base58btc(signature). Everything JSON-LD goes through
:func:`canonicalize`: the compiled fast path of :mod:`.fastpath` when it is enabled and accepts the document, else
full pyld processing with the safe-mode checks. The switch (self-test, sampling guard, alert callback) is
re-exported here; see docs/decisions/0005-compiled-canonicalization.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign, crypto_sign_open
from nacl.exceptions import BadSignatureError
from pyld import jsonld

from badges.openbadges.base58btc import b58decode, b58encode
from badges.openbadges.ob3.compose import format_datetime
from badges.openbadges.ob3.fastpath.guard import (
    Canonicalization,
    FastPathAlert,
    FastPathStatus,
    canonicalize_proof_config,
    canonicalize_traced,
    disable_fast_path,
    fast_path_bypassed,
    fast_path_enabled,
    fast_path_epoch,
    fast_path_status,
    reset_fast_path,
    self_test_fast_path,
    set_alert_callback,
    set_sample_rate,
)
from badges.openbadges.ob3.fastpath.proofconfig import config_items
from badges.openbadges.ob3.safety import UnsafeDocumentError, json_problems

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "Canonicalization",
    "FastPathAlert",
    "FastPathStatus",
    "ProofError",
    "ProofVerification",
    "UnsafeDocumentError",
    "b58decode",
    "b58encode",
    "canonicalize",
    "canonicalize_traced",
    "disable_fast_path",
    "fast_path_bypassed",
    "fast_path_enabled",
    "fast_path_epoch",
    "fast_path_status",
    "hash_data",
    "proof_config",
    "proof_verification_method",
    "reset_fast_path",
    "self_test_fast_path",
    "set_alert_callback",
    "set_sample_rate",
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

    Through the compiled fast path when it is enabled and knows every term, type, value and context of the
    document (it refuses anything else, so whatever it accepts is defined and absolute); otherwise through full
    JSON-LD processing, which raises UnsafeDocumentError if it would drop a property or type or leave an IRI
    relative (see :func:`.safety.expand_checked`), instead of silently canonicalizing what is left.
    """
    return canonicalize_traced(document).nquads


def proof_config(*, context: Any, verification_method: str, created: datetime | str) -> dict[str, Any]:
    """The proof options of vc-di-eddsa §3.3.5, with the secured document's ``@context`` for
    canonicalization."""
    plain = type(context) is list and all(type(entry) is str for entry in context)
    return {
        # A copy, so the configuration shares nothing mutable with the document (a list of URLs needs no more).
        "@context": list(context) if plain else json.loads(json.dumps(context)),
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created if isinstance(created, str) else format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": _PROOF_PURPOSE,
    }


def hash_data(*, document: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    """SHA-256(canonical proof config) ‖ SHA-256(canonical document): the 64 bytes that get signed
    (§3.3.4)."""
    config_hash = _config_hash(config)
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return config_hash + document_hash


ConfigKey = tuple[tuple[str, str | tuple[str, ...]], ...]


def _config_key(config: Mapping[str, Any]) -> ConfigKey | None:
    """The configuration as a hashable value it can be rebuilt from, if it is made of strings (and a list of
    strings for ``@context``) only."""
    return config_items(config) if type(config) is dict else None


# Small on purpose: a bulk signer needs the current second's configuration of each of its keys, nothing more;
# verifiers, who see another ``created`` in nearly every proof, gain nothing from a longer memory.
@functools.lru_cache(maxsize=16)
def _config_hash_of(key: ConfigKey, epoch: tuple[bool, int]) -> bytes:
    # ``epoch`` (:func:`fast_path_epoch`) is only part of the key: what the fast path computed before the switch
    # changed state (a trip, a disable, a reset) is not served again.
    config = {name: list(value) if type(value) is tuple else value for name, value in key}
    return hashlib.sha256(canonicalize_proof_config(config).nquads.encode("utf-8")).digest()


def _config_hash(config: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical proof configuration, remembered for recent configurations.

    A configuration is the key, the suite and the ``created`` second: a signer issuing in bulk uses the same one
    for every credential signed in that second, so its canonicalization is done once per second rather than once
    per credential. The cached value is computed from the rebuilt configuration, so it is exactly what
    canonicalizing this one gives. Verifiers mostly see a different ``created`` per credential and miss; the miss
    fills in the template of the configuration's shape (:mod:`.fastpath.proofconfig`) instead of building it.
    """
    key, epoch = _config_key(config), fast_path_epoch()
    if key is None or not epoch[0]:  # the full path, the reference, always computes afresh
        return hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    return _config_hash_of(key, epoch)


def _refuse_unsafe_json(document: Mapping[str, Any]) -> None:
    problems = json_problems(document)
    if problems:
        raise UnsafeDocumentError(problems)


def _tree_copy(node: dict[str, Any]) -> dict[str, Any]:
    """Deep copy of a tree of dicts and lists (the fast path accepted only those, strings and booleans)."""
    # Leaves (most values) are kept as they are without a call: only containers recurse.
    copy = node.copy()
    for key, value in copy.items():
        kind = type(value)
        if kind is dict:
            copy[key] = _tree_copy(value)
        elif kind is list:
            copy[key] = _list_copy(value)
    return copy


def _list_copy(items: list[Any]) -> list[Any]:
    return [_tree_copy(i) if type(i) is dict else _list_copy(i) if type(i) is list else i for i in items]


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
    # The JSON-level checks run before anything is signed: inside the fast path (which refuses what they
    # refuse), or explicitly before full JSON-LD processing when the fast path declines.
    document = canonicalize_traced(credential, before_full=lambda: _refuse_unsafe_json(credential))
    config = proof_config(context=credential["@context"], verification_method=verification_method, created=created)
    document_hash = hashlib.sha256(document.nquads.encode("utf-8")).digest()
    signature = ed25519_sign(private_key=private_key, data=_config_hash(config) + document_hash)
    proof = {k: v for k, v in config.items() if k != "@context"}
    proof["proofValue"] = "z" + b58encode(signature)
    # A deep copy: json round trip (several times faster than copy.deepcopy) unless the fast path has already
    # established that the credential is a plain tree of dicts, lists, strings and booleans.
    secured = _tree_copy(credential) if document.path == "fast" else json.loads(json.dumps(credential))
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
        signature = b58decode(value[1:])
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
    if not ed25519_verify(public_key=public_key, signature=signature, data=data):
        return fail("The signature does not match: the credential was changed after signing, or another key signed it.")
    return ProofVerification(True, "The signature is valid.", method, created)


def ed25519_sign(*, private_key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The Ed25519 signature of ``data``, by libsodium: the same 64 bytes as ``private_key.sign(data)`` (RFC 8032
    signing is deterministic, and the secret key given to libsodium is the key's own seed and public key), in
    about two thirds of OpenSSL's time here. A key whose raw bytes cannot be read is signed by OpenSSL. Decision
    0005 (addendum)."""
    try:
        secret = private_key.private_bytes_raw() + private_key.public_key().public_bytes_raw()
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        return private_key.sign(data)
    return crypto_sign(data, secret)[:64]


def ed25519_verify(*, public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    """Ed25519 verification by libsodium (PyNaCl) rather than OpenSSL: 0.1 ms instead of 0.2 ms here, a third of
    a whole credential's verification. libsodium is also the stricter of the two (RFC 8032 plus refusing keys and R
    points of small order), which refuses only signatures no honest signer makes. Decision 0005."""
    try:
        crypto_sign_open(signature + data, public_key.public_bytes_raw())
    except BadSignatureError:
        return False
    return True
