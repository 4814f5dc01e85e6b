"""Verifies OB 3.0 credentials (Data Integrity JSON or VC-JWT) and explains the result in plain English.

Checks, in order, each a :class:`Check` (OB 3.0 §9 "Verification and Validation",
https://www.imsglobal.org/spec/ob/v3p0/#verification-and-validation; VC DM 2.0 §7.1 validation):

- ``format`` — contexts (VC v2 first, an OB 3.0.x context second), types, required properties.
- ``signature`` — the eddsa-rdfc-2022 proof (:mod:`.proof`) or the VC-JWT signature (:mod:`.jwt`).
- ``issuer_key`` — the key belongs to the issuer: the verification method's DID is ``issuer.id``, its
  ``controller`` is the issuer, and the DID document lists it under ``assertionMethod``.
- ``status`` — Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm): the
  list credential is fetched, its own proof and issuer checked, and the bit read; and the 1EdTech Revocation List
  (https://www.imsglobal.org/spec/vcrl/v1p0/, :mod:`.revocation_list`): the list is fetched and the credential's id
  looked up. Either list unreachable is a warning, not a verdict of "revoked".
- ``valid_from`` / ``expiration`` — against the injected clock; ``expiration`` from ``validUntil`` (or a VC 1.1
  ``expirationDate``, which OB 3.0 §9.1 says older credentials carry instead).

Everything outside is injected as plain callables — ``resolve_did(did) -> dict`` (DID or controller document),
``fetch_status_list(url) -> dict`` and ``now() -> datetime`` — so the same code serves tests, the verification
page and the API. Results are dataclasses with ``to_dict()``.
"""

from __future__ import annotations

import functools
import json
import marshal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges.openbadges.checks import Check, CheckedResult, Clock, node_types, utc_now
from badges.openbadges.keys import KeyEncodingError, ed25519_from_multikey, public_key_from_jwk
from badges.openbadges.ob3 import jwt as vcjwt
from badges.openbadges.ob3 import revocation_list
from badges.openbadges.ob3.did import did_from_verification_method
from badges.openbadges.ob3.proof import ProofVerification, fast_path_epoch, proof_verification_method, verify_proof
from badges.openbadges.ob3.status_list import StatusListError, decode_list, get_bit

__all__ = [
    "Check",
    "VerificationResult",
    "verify",
    "verify_data_integrity",
    "verify_jwt_credential",
]

ResolveDid = Callable[[str], Mapping[str, Any]]
FetchStatusList = Callable[[str], Mapping[str, Any]]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_OB3_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
_OB_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


@dataclass(slots=True)
class VerificationResult(CheckedResult):
    """All checks and the overall verdict; ``credential`` is the verified document (decoded, for a JWT)."""

    form: Literal["data_integrity", "jwt", "unknown"]
    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "form": self.form,
            "checks": [c.to_dict() for c in self.checks],
            "credential": self.credential,
        }


# --- format
# ---------------------------------------------------------------------------------------------------


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return issuer_id if isinstance(issuer_id, str) else None


def _format_check(credential: Any) -> Check:
    if not isinstance(credential, Mapping):
        return Check("format", False, "This is not a credential (not a JSON object).")
    problems: list[str] = []
    contexts = credential.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] != VC_V2_CONTEXT:
        problems.append(f"its first @context is not {VC_V2_CONTEXT}")
    if len(contexts) < 2 or not str(contexts[1]).startswith(_OB3_CONTEXT_PREFIX):
        problems.append("its second @context is not an Open Badges 3.0 context")
    types = node_types(credential)
    if "VerifiableCredential" not in types or not _OB_TYPES & set(types):
        problems.append("its type is not VerifiableCredential + OpenBadgeCredential")
    for name in ("id", "issuer", "validFrom", "credentialSubject"):
        if name not in credential:
            problems.append(f"it has no {name}")
    if "issuer" in credential and not _issuer_id(credential):
        problems.append("its issuer has no id")
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and not isinstance(subject.get("achievement"), Mapping):
        problems.append("its credentialSubject has no achievement")
    if problems:
        return Check("format", False, "This is not a well-formed Open Badge 3.0: " + "; ".join(problems) + ".")
    return Check("format", True, "This is a well-formed Open Badges 3.0 credential.")


# --- keys
# -----------------------------------------------------------------------------------------------------


def _find_method(document: Mapping[str, Any], method_id: str) -> Mapping[str, Any] | None:
    candidates = list(document.get("verificationMethod") or [])
    candidates += [m for m in document.get("assertionMethod") or [] if isinstance(m, Mapping)]
    return next((m for m in candidates if isinstance(m, Mapping) and m.get("id") == method_id), None)


def _listed_for_assertion(document: Mapping[str, Any], method_id: str) -> bool:
    for entry in document.get("assertionMethod") or []:
        if entry == method_id or (isinstance(entry, Mapping) and entry.get("id") == method_id):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Key:
    method: Mapping[str, Any] | None
    document: Mapping[str, Any] | None
    error: str | None = None


def _resolve_key(method_id: str | None, resolve_did: ResolveDid) -> _Key:
    if not method_id:
        return _Key(None, None, "The proof does not say which key signed it.")
    controller = did_from_verification_method(method_id)
    try:
        document = resolve_did(controller)
    except Exception as exc:  # noqa: BLE001 - any resolver failure is reported, not raised
        return _Key(None, None, f"The issuer's public keys could not be fetched from {controller}: {exc}")
    if not isinstance(document, Mapping) or document.get("id") != controller:
        return _Key(None, None, f"The document fetched for {controller} is not its DID document.")
    method = _find_method(document, method_id)
    if method is None:
        return _Key(None, document, f"The key {method_id} is not published in the issuer's DID document.")
    return _Key(method, document)


@functools.lru_cache(maxsize=256)
def _multikey(multibase: str) -> Ed25519PublicKey:
    # Every credential of an issuer names the same few keys; decoding one is a base58 division and a key load.
    return ed25519_from_multikey(multibase)


def _public_key(method: Mapping[str, Any]) -> Any:
    if method.get("publicKeyMultibase"):
        multibase = method["publicKeyMultibase"]
        return _multikey(multibase) if type(multibase) is str else ed25519_from_multikey(multibase)
    if isinstance(method.get("publicKeyJwk"), Mapping):
        return public_key_from_jwk(dict(method["publicKeyJwk"]))
    raise KeyEncodingError("The verification method has no publicKeyMultibase or publicKeyJwk.")


def _issuer_key_check(key: _Key, method_id: str | None, issuer_id: str | None) -> Check:
    if key.method is None or key.document is None or not method_id:
        return Check("issuer_key", False, key.error or "The signing key could not be found.")
    if did_from_verification_method(method_id) != issuer_id:
        return Check("issuer_key", False, f"The signing key belongs to {key.document.get('id')}, not to the issuer.")
    if key.method.get("controller") != issuer_id:
        return Check("issuer_key", False, "The signing key's controller is not the issuer.")
    if not _listed_for_assertion(key.document, method_id):
        return Check("issuer_key", False, "The issuer has not authorised this key to issue credentials.")
    return Check("issuer_key", True, "The signing key is published by the issuer for issuing credentials.")


# --- signatures
# -----------------------------------------------------------------------------------------------


VerifyProof = Callable[..., ProofVerification]


def _data_integrity_checks(
    document: Mapping[str, Any], resolve_did: ResolveDid, verify_signature: VerifyProof = verify_proof
) -> tuple[Check, Check]:
    method_id = proof_verification_method(document)
    key = _resolve_key(method_id, resolve_did)
    issuer_check = _issuer_key_check(key, method_id, _issuer_id(document))
    if key.method is None:
        return Check("signature", False, key.error or "The signing key could not be found."), issuer_check
    try:
        public_key = _public_key(key.method)
    except KeyEncodingError as exc:
        return Check("signature", False, f"The issuer's key could not be read: {exc}"), issuer_check
    if not isinstance(public_key, Ed25519PublicKey):
        return Check("signature", False, "The signing key is not an Ed25519 key."), issuer_check
    outcome = verify_signature(document=document, public_key=public_key)
    return Check("signature", outcome.ok, outcome.message), issuer_check


# --- status
# ---------------------------------------------------------------------------------------------------


#: Status list readings remembered (:func:`_status_list_reading`), at most this many, each keyed by a list and a DID
#: document of at most this many bytes together once marshalled (a list of 131,072 entries compresses to well under
#: 64 KiB): 8 MiB at most, whatever remote lists and DID documents verifiers are shown.
_STATUS_LIST_READINGS_CACHED = 64
_STATUS_LIST_BYTES_MAX = 128 * 1024
#: Version 2 writes the same bytes for equal values every time; later versions mark strings as interned and objects
#: referenced more than once (refcounts), so equal values could be written apart and miss.
_MARSHAL_VERSION = 2


@dataclass(frozen=True, slots=True)
class _ListReading:
    """What a status list says whatever the date: a failure found before the dates are looked at (its proof, its
    key, its issuer), one found after (its purpose, its bitstring), or the ``encodedList`` to read bits from."""

    failure: Check | None = None
    late_failure: Check | None = None
    encoded: Any = None


def _read_status_list(
    status_list: Mapping[str, Any], issuer_id: str | None, purpose: Any, resolve_did: ResolveDid
) -> _ListReading:
    signature, key = _data_integrity_checks(status_list, resolve_did, verify_proof)
    if not signature.ok:
        return _ListReading(
            Check("status", False, "The revocation list's own signature is not valid: " + signature.message)
        )
    if not key.ok:
        return _ListReading(
            Check("status", False, "The revocation list was not signed with an issuer key: " + key.message)
        )
    if _issuer_id(status_list) != issuer_id:
        return _ListReading(Check("status", False, "The revocation list was not published by the credential's issuer."))
    subject = status_list.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    if subject.get("statusPurpose") != purpose:
        return _ListReading(
            late_failure=Check("status", False, "The revocation list is for a different status purpose.")
        )
    encoded = subject.get("encodedList", "")
    try:
        _status_bits(encoded) if type(encoded) is str else decode_list(encoded)
    except StatusListError as exc:
        return _ListReading(late_failure=Check("status", False, f"The revocation list could not be read: {exc}"))
    return _ListReading(encoded=encoded)


@functools.lru_cache(maxsize=_STATUS_LIST_READINGS_CACHED)
def _remembered_reading(key: bytes, issuer_id: str | None, purpose: str, epoch: tuple[bool, int]) -> _ListReading:
    # Computed from the key itself, not from the objects it was made of: a hit is exactly what a miss would compute.
    # ``epoch`` (:func:`.proof.fast_path_epoch`) is only part of the key: what the fast path verified before the
    # switch changed state (a trip, a disable, a reset) is not served again.
    status_list, document = marshal.loads(key)  # noqa: S302 - bytes marshalled here, by _status_list_reading
    return _read_status_list(status_list, issuer_id, purpose, lambda did: document)


def _status_list_reading(
    status_list: Mapping[str, Any], issuer_id: str | None, purpose: Any, resolve_did: ResolveDid
) -> _ListReading:
    """:func:`_read_status_list`, remembered for a list and an issuer DID document seen before.

    Every credential of an issuer points at the same list, which changes only when a credential is revoked or
    suspended (and is then signed again). Its proof, its key's publication in the DID document, its issuer, its
    purpose and its bitstring are a pure function of the list, the DID document, the credential's issuer and the
    entry's purpose, so they are remembered under those; the DID document is resolved on every verification (a key
    can be withdrawn at any time), and the dates and the bit are read every time.

    The key is the ``marshal`` of the list and the document: marshal writes only exact built-in types (it refuses
    subclasses, whose behaviour could differ from what they print), keeps every type apart (a tuple from a list,
    ``1`` from ``True`` and ``1.0``) and reads back exactly what it wrote, so the remembered reading, computed from
    what the key reads back, is what reading these objects gives; cyclic data is refused (too deep). It costs 4 µs
    here where the JSON text of the list and a walk to prove it plain JSON cost 10 µs, and it saves resolving the
    key and reading the list's bits again. Nothing is remembered while the fast path is off: the full path is the
    reference and computes every time.
    """
    method_id = proof_verification_method(status_list)
    epoch = fast_path_epoch()
    if method_id is None or not epoch[0] or type(purpose) is not str:  # (an entry's purpose is part of the key)
        return _read_status_list(status_list, issuer_id, purpose, resolve_did)
    try:
        document = resolve_did(did_from_verification_method(method_id))
    except Exception as exc:  # noqa: BLE001 - reported by the reading, which is handed the same failure
        return _read_status_list(status_list, issuer_id, purpose, _failing(exc))
    try:
        key = marshal.dumps((status_list, document), _MARSHAL_VERSION)
    except (ValueError, RecursionError):  # not plain data: read every time
        key = b""
    if not key or len(key) > _STATUS_LIST_BYTES_MAX:
        return _read_status_list(status_list, issuer_id, purpose, lambda did: document)
    return _remembered_reading(key, issuer_id, purpose, epoch)


def _failing(exc: Exception) -> ResolveDid:
    def resolve(did: str) -> Mapping[str, Any]:
        raise exc

    return resolve


_STATUS_BITS: dict[str, bytes] = {}
_STATUS_BITS_LOCK = threading.Lock()
# At most 32 inflated lists of at most 256 KiB (2 million entries) each are kept: 8 MiB whatever lists are shown.
_STATUS_BITS_CACHED, _STATUS_BITS_MAX = 32, 256 * 1024


def _status_bits(encoded_list: str) -> bytes:
    """The bitstring of ``encodedList`` (:func:`.status_list.decode_list`), remembered: inflating a list of 16 KiB
    or more is a pure function of its text, and every credential of an issuer reads the same one."""
    bits = _STATUS_BITS.get(encoded_list)
    if bits is None:
        bits = bytes(decode_list(encoded_list))
        if len(bits) <= _STATUS_BITS_MAX:
            with _STATUS_BITS_LOCK:
                while len(_STATUS_BITS) >= _STATUS_BITS_CACHED:
                    del _STATUS_BITS[next(iter(_STATUS_BITS))]  # the oldest first
                _STATUS_BITS[encoded_list] = bits
    return bits


def _status_check(credential: Mapping[str, Any], ctx: _Context) -> Check:
    """One ``status`` check over every entry this verifier understands (Bitstring Status List, 1EdTech Revocation
    List): a credential revoked in any of its lists is revoked; an unreachable list is a warning only when no other
    list says it was revoked; a credential whose only entries use unknown methods gets a warning."""
    entry = credential.get("credentialStatus")
    if entry is None:
        return Check("status", True, "The issuer publishes no revocation status for this credential.")
    entries = entry if isinstance(entry, list) else [entry]
    checks: list[Check] = []
    for item in entries:
        types = node_types(item) if isinstance(item, Mapping) else []
        if "BitstringStatusListEntry" in types:
            checks.append(_bitstring_check(item, _issuer_id(credential), ctx))
        elif revocation_list.STATUS_TYPE in types:
            checks.append(_revocation_list_check(item, credential, ctx))
    if not checks:
        return Check("status", False, "The credential's status uses a method this verifier cannot check.", "warning")
    for severity in ("error", "warning"):
        failed = next((c for c in checks if not c.ok and c.severity == severity), None)
        if failed is not None:
            return failed
    return checks[0]


def _revocation_list_check(entry: Mapping[str, Any], credential: Mapping[str, Any], ctx: _Context) -> Check:
    """1EdTech Revocation List (:mod:`.revocation_list`): the list is fetched from the entry's ``id``, the URL the
    issuer signed into the credential; the list itself carries no proof, so that URL is all that vouches for it."""
    url, credential_id = entry.get("id"), credential.get("id")
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        return Check("status", False, "The credential's status entry is malformed: its revocation list has no URL.")
    if not isinstance(credential_id, str):
        return Check("status", False, "The credential has no id, so its revocation list cannot be read for it.")
    try:
        document = ctx.fetch_status_list(url)
    except Exception as exc:  # noqa: BLE001 - any fetch failure is reported, not raised (as for a Bitstring list)
        return Check("status", False, f"The revocation list could not be fetched from {url}: {exc}", "warning")
    try:
        listed = revocation_list.revocation_status(document, credential_id=credential_id)
    except revocation_list.RevocationListError as exc:
        return Check("status", False, f"What {url} answered is not a 1EdTech revocation list: {exc}.")
    if listed.revoked:
        suffix = f" Reason given: {listed.reason}" if listed.reason else ""
        return Check(
            "status", False, "The issuer has revoked this credential (it is in their revocation list)." + suffix
        )
    return Check("status", True, "The issuer has not revoked this credential.")


def _bitstring_check(entry: Mapping[str, Any], issuer_id: str | None, ctx: _Context) -> Check:
    url, purpose, index = (
        entry.get("statusListCredential"),
        entry.get("statusPurpose"),
        entry.get("statusListIndex"),
    )
    if not isinstance(url, str) or not isinstance(index, str) or not index.isdigit():
        return Check("status", False, "The credential's status entry is malformed.")
    try:
        status_list = ctx.fetch_status_list(url)
    except Exception as exc:  # noqa: BLE001 - any fetch failure is reported, not raised
        return Check("status", False, f"The revocation list could not be fetched from {url}: {exc}", "warning")
    if not isinstance(status_list, Mapping) or "BitstringStatusListCredential" not in node_types(status_list):
        return Check("status", False, "The revocation list is not a BitstringStatusListCredential.")
    reading = _status_list_reading(status_list, issuer_id, purpose, ctx.resolve_did)
    if reading.failure is not None:
        return reading.failure
    dates = _date_checks(status_list, ctx.now())
    failed = next((d for d in dates if not d.ok), None)  # not yet valid, or expired: say which
    if failed is not None:
        return Check("status", False, "The revocation list is not current: " + failed.message, "warning")
    if reading.late_failure is not None:
        return reading.late_failure
    encoded = reading.encoded
    try:
        bits = _status_bits(encoded) if type(encoded) is str else decode_list(encoded)
        revoked = get_bit(bits, int(index))
    except StatusListError as exc:
        return Check("status", False, f"The revocation list could not be read: {exc}")
    if revoked:
        state = "suspended" if purpose == "suspension" else "revoked"
        return Check("status", False, f"The issuer has {state} this credential.")
    return Check("status", True, "The issuer has not revoked this credential.")


# --- dates
# ----------------------------------------------------------------------------------------------------


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _date_checks(credential: Mapping[str, Any], now: datetime) -> list[Check]:
    checks = []
    valid_from = _parse(credential.get("validFrom"))
    if valid_from is None:
        checks.append(Check("valid_from", False, "The credential has no valid validFrom date with a time zone."))
    elif valid_from > now:
        checks.append(Check("valid_from", False, f"The credential is not valid until {credential['validFrom']}."))
    else:
        checks.append(Check("valid_from", True, f"The credential is valid from {credential['validFrom']}."))
    # OB 3.0 §9.1: a credential made to VC DM 1.1 says expirationDate where 2.0 says validUntil.
    until = "validUntil" if "validUntil" in credential else "expirationDate"
    if until not in credential:
        checks.append(Check("expiration", True, "The credential does not expire."))
    else:
        valid_until = _parse(credential.get(until))
        if valid_until is None:
            checks.append(Check("expiration", False, f"The credential's {until} date cannot be read."))
        elif valid_until <= now:
            checks.append(Check("expiration", False, f"The credential expired on {credential[until]}."))
        else:
            checks.append(Check("expiration", True, f"The credential is valid until {credential[until]}."))
    return checks


# --- entry points
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    resolve_did: ResolveDid
    fetch_status_list: FetchStatusList
    now: Clock


def _finish(result: VerificationResult, credential: Mapping[str, Any], ctx: _Context) -> VerificationResult:
    result.checks.append(_status_check(credential, ctx))
    result.checks.extend(_date_checks(credential, ctx.now()))
    return result


def verify_data_integrity(
    *,
    credential: Mapping[str, Any],
    resolve_did: ResolveDid,
    fetch_status_list: FetchStatusList,
    now: Clock = utc_now,
) -> VerificationResult:
    """Verify a credential secured with an eddsa-rdfc-2022 Data Integrity proof."""
    ctx = _Context(resolve_did, fetch_status_list, now)
    result = VerificationResult(
        "data_integrity", credential=dict(credential) if isinstance(credential, Mapping) else None
    )
    result.checks.append(_format_check(credential))
    if not isinstance(credential, Mapping):
        return result
    result.checks.extend(_data_integrity_checks(credential, resolve_did))
    return _finish(result, credential, ctx)


def verify_jwt_credential(
    *,
    token: str,
    resolve_did: ResolveDid,
    fetch_status_list: FetchStatusList,
    now: Clock = utc_now,
) -> VerificationResult:
    """Verify a VC-JWT (compact JWS). The key is the header ``kid`` (a DID URL with ``publicKeyJwk``)."""
    ctx = _Context(resolve_did, fetch_status_list, now)
    result = VerificationResult("jwt")
    try:
        kid = vcjwt.read_unverified_header(token).get("kid")
    except vcjwt.JwtError as exc:
        result.checks.append(Check("signature", False, str(exc)))
        return result
    key = _resolve_key(kid if isinstance(kid, str) else None, resolve_did)
    try:
        if key.method is None:
            raise vcjwt.JwtError(key.error or "The signing key could not be found.")
        verified = vcjwt.verify_jwt(token=token, public_key=_public_key(key.method))
    except (vcjwt.JwtError, KeyEncodingError) as exc:
        result.checks.append(Check("signature", False, str(exc)))
        return result
    credential = verified.credential
    result.credential = credential
    result.checks.insert(0, _format_check(credential))
    result.checks.append(Check("signature", True, "The JWT signature is valid."))
    result.checks.append(_issuer_key_check(key, kid, _issuer_id(credential)))
    return _finish(result, credential, ctx)


def verify(
    *,
    credential: Mapping[str, Any] | str | bytes,
    resolve_did: ResolveDid,
    fetch_status_list: FetchStatusList,
    now: Clock = utc_now,
) -> VerificationResult:
    """Verify either form, detected automatically: a compact JWS string, JSON text, or a parsed JSON
    object."""
    if isinstance(credential, bytes):
        credential = credential.decode("utf-8", errors="replace")
    if isinstance(credential, str):
        text = credential.strip()
        if text.startswith("{"):
            try:
                credential = json.loads(text)
            except ValueError:
                return VerificationResult("unknown", [Check("format", False, "This is not valid JSON.")])
        elif text.count(".") == 2:
            return verify_jwt_credential(
                token=text, resolve_did=resolve_did, fetch_status_list=fetch_status_list, now=now
            )
        else:
            return VerificationResult("unknown", [Check("format", False, "This is neither JSON nor a JWT.")])
    return verify_data_integrity(
        credential=credential, resolve_did=resolve_did, fetch_status_list=fetch_status_list, now=now
    )
