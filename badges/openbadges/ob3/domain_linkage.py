"""Domain linkage: a website proves that it controls an issuer's DID (DIF Well Known DID Configuration).

Spec: https://identity.foundation/.well-known/resources/did-configuration/ (v1.0). The website publishes, at
``<origin>/.well-known/did-configuration.json``, a *DID Configuration resource*::

    {"@context": "https://identity.foundation/.well-known/did-configuration/v1", "linked_dids": [<credential>, ...]}

Each entry is a *Domain Linkage Credential* whose issuer and subject are the DID and whose subject names the
origin. Only the spec's JSON Web Token proof format is composed and verified here: its JSON-LD form needs the
VC 1.1 context and a 2018/2020 signature suite that this project does not vendor; a JSON-LD entry is reported as
"not checked", never as confirmed.

The JWT form carries the credential twice — registered claims at the top (``iss``, ``sub``, ``nbf``, ``exp``) and
the credential under ``vc`` — and both are signed. A verifier that reads only one half can be fooled by the
other (a future ``exp`` beside an expired ``vc.expirationDate``, an ``iss`` naming the DID beside a ``vc`` issued
by another), so every pair must agree, and the dates are judged on both.

Keys: the JWT is signed with EdDSA (Ed25519, the spec's own example and the key our issuers hold for OB 3.0),
or RS256/ES256 by other issuers. The ``kid`` must be a verification method of the DID, listed under
``assertionMethod`` in its DID document (resolved by an injected ``resolve_did`` callable, like the OB 3.0
verifier). Plain Python: no Django, no settings.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

import jwt as pyjwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from badges.openbadges import compact_jws
from badges.openbadges.keys import KeyEncodingError, ed25519_from_multikey, public_key_from_jwk
from badges.openbadges.ob3.did import did_from_verification_method

__all__ = [
    "DID_CONFIGURATION_CONTEXT",
    "VC_V1_CONTEXT",
    "WELL_KNOWN_PATH",
    "DomainLinkageError",
    "LinkageOutcome",
    "configuration_url",
    "did_configuration",
    "domain_linkage_credential",
    "normalize_origin",
    "sign_domain_linkage_jwt",
    "verify_did_configuration",
    "verify_domain_linkage_jwt",
]

DID_CONFIGURATION_CONTEXT = "https://identity.foundation/.well-known/did-configuration/v1"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
WELL_KNOWN_PATH = "/.well-known/did-configuration.json"
ACCEPTED_ALGORITHMS = ("EdDSA", "ES256", "RS256")
#: More entries than any real site lists; a resource with more is refused rather than checked one by one.
MAX_LINKED_DIDS = 50
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")

ResolveDid = Callable[[str], Mapping[str, Any]]
Reason = Literal["confirmed", "no_linkage", "invalid", "not_checked", "malformed"]


class DomainLinkageError(ValueError):
    """A domain linkage credential or resource that cannot be made or does not verify; says why in plain English."""


# --- origins
# ---------------------------------------------------------------------------------------------------


def _ascii_host(hostname: str, value: str) -> str:
    host = hostname.lower()
    if ":" in host:
        return f"[{host}]"  # an IPv6 literal
    if _HOST.fullmatch(host):
        return host
    try:
        host = host.encode("idna").decode("ascii")  # an internationalised name, as DNS and TLS see it
    except UnicodeError:
        host = ""
    if not _HOST.fullmatch(host):
        raise DomainLinkageError(f"The origin {value!r} has an invalid host name.")
    return host


def _origin_parts(value: str) -> tuple[SplitResult, int | None]:
    parts = urlsplit(value.strip() if "://" in value else "https://" + value.strip())
    try:
        port = parts.port
    except ValueError:
        raise DomainLinkageError(f"The origin {value!r} has an invalid port.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise DomainLinkageError(f"The origin {value!r} is not an http(s) origin.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise DomainLinkageError(f"The origin {value!r} has a path, query or fragment.")
    return parts, port


def normalize_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case, default ports dropped. A bare host (the spec's own JWT example
    writes ``identity.foundation``) is read as https. Raises DomainLinkageError for anything else."""
    if not isinstance(value, str) or not value.strip():
        raise DomainLinkageError("The origin is empty.")
    parts, port = _origin_parts(value)
    host = _ascii_host(parts.hostname or "", value)
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" if port in (None, default) else f"{parts.scheme}://{host}:{port}"


def configuration_url(origin: str) -> str:
    """Where ``origin`` publishes its DID Configuration resource."""
    return normalize_origin(origin) + WELL_KNOWN_PATH


# --- composing
# ------------------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise DomainLinkageError("Dates must be timezone-aware.")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def domain_linkage_credential(*, did: str, origin: str, issued: datetime, expires: datetime) -> dict[str, Any]:
    """The unsigned Domain Linkage Credential (VC data model 1.1, as the spec requires) linking ``did`` to
    ``origin``. It has no ``id``: the spec keeps the credential uncorrelatable beyond the DID and origin."""
    if not did.startswith("did:"):
        raise DomainLinkageError(f"{did!r} is not a DID.")
    if expires <= issued:
        raise DomainLinkageError("The expiry must come after the issue date.")
    return {
        "@context": [VC_V1_CONTEXT, DID_CONFIGURATION_CONTEXT],
        "issuer": did,
        "issuanceDate": _iso(issued),
        "expirationDate": _iso(expires),
        "type": ["VerifiableCredential", "DomainLinkageCredential"],
        "credentialSubject": {"id": did, "origin": normalize_origin(origin)},
    }


def _signing_algorithm(private_key: Any) -> str:
    if isinstance(private_key, Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(private_key, RSAPrivateKey) and private_key.key_size >= 2048:
        return "RS256"
    raise DomainLinkageError("A domain linkage is signed with an Ed25519, P-256 or RSA-2048+ private key.")


def sign_domain_linkage_jwt(
    *, did: str, origin: str, private_key: Any, kid: str, issued: datetime, expires: datetime
) -> str:
    """The Domain Linkage Credential in the JWT proof format, signed by ``private_key`` (whose public half is the
    verification method ``kid`` of ``did``). The registered claims repeat the ``vc`` members, as the spec asks."""
    if did_from_verification_method(kid) != did or "#" not in kid:
        raise DomainLinkageError("kid must be a verification method (DID URL with a fragment) of the DID.")
    credential = domain_linkage_credential(did=did, origin=origin, issued=issued, expires=expires)
    payload = {
        "iss": did,
        "sub": did,
        "nbf": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "vc": credential,
    }
    return pyjwt.encode(payload, private_key, algorithm=_signing_algorithm(private_key), headers={"kid": kid})


def did_configuration(*, linked_dids: list[str | dict[str, Any]]) -> dict[str, Any]:
    """The DID Configuration resource listing ``linked_dids`` (JWTs or JSON-LD credentials)."""
    if not linked_dids:
        raise DomainLinkageError("A DID configuration lists at least one domain linkage credential.")
    return {"@context": DID_CONFIGURATION_CONTEXT, "linked_dids": list(linked_dids)}


# --- verifying one JWT
# ----------------------------------------------------------------------------------------


def _epoch(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DomainLinkageError(f"The JWT's {what} claim is missing or not a number.")
    return int(value)


def _date_epoch(value: Any, what: str) -> int:
    if not isinstance(value, str):
        raise DomainLinkageError(f"The credential's {what} is missing.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainLinkageError(f"The credential's {what} {value!r} is not a date.") from None
    if moment.tzinfo is None:
        raise DomainLinkageError(f"The credential's {what} {value!r} has no time zone.")
    return int(moment.timestamp())


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _issuer_of(vc: Mapping[str, Any]) -> Any:
    issuer = vc.get("issuer")
    return issuer.get("id") if isinstance(issuer, Mapping) else issuer


def _ec_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    def coordinate(name: str) -> int:
        text = jwk.get(name)
        if not isinstance(text, str):
            raise KeyEncodingError(f"The P-256 JWK has no {name}.")
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if len(raw) != 32:
            raise KeyEncodingError(f"The P-256 JWK's {name} is not 32 bytes.")
        return int.from_bytes(raw, "big")

    if jwk.get("crv") != "P-256" or "d" in jwk:
        raise KeyEncodingError("Only public P-256 EC keys are accepted.")
    try:
        return ec.EllipticCurvePublicNumbers(coordinate("x"), coordinate("y"), ec.SECP256R1()).public_key()
    except ValueError as exc:
        raise KeyEncodingError(f"The P-256 JWK is not a valid key: {exc}.") from exc


def _public_key(method: Mapping[str, Any]) -> Any:
    if isinstance(method.get("publicKeyMultibase"), str):
        return ed25519_from_multikey(method["publicKeyMultibase"])
    jwk = method.get("publicKeyJwk")
    if isinstance(jwk, Mapping):
        if jwk.get("kty") == "EC":
            return _ec_from_jwk(jwk)
        return public_key_from_jwk(dict(jwk))
    raise KeyEncodingError("The verification method has no publicKeyMultibase or publicKeyJwk.")


def _names(entry: Any, method_id: str) -> bool:
    return entry == method_id or (isinstance(entry, Mapping) and entry.get("id") == method_id)


def _method(document: Mapping[str, Any], kid: str, did: str) -> Mapping[str, Any]:
    assertion = [e for e in document.get("assertionMethod") or [] if isinstance(e, (str, Mapping))]
    candidates = [m for m in list(document.get("verificationMethod") or []) + assertion if isinstance(m, Mapping)]
    method = next((m for m in candidates if m.get("id") == kid), None)
    if method is None:
        raise DomainLinkageError(f"The key {kid} is not published in the DID document of {did}.")
    if not any(_names(entry, kid) for entry in assertion):
        raise DomainLinkageError(f"The DID document of {did} does not list {kid} as an assertion method.")
    if method.get("controller") not in (None, did):
        raise DomainLinkageError(f"The key {kid} is controlled by {method.get('controller')}, not by {did}.")
    return method


def _check_signature(parsed: compact_jws.CompactJws, alg: str, public_key: Any) -> None:
    if alg == "EdDSA":
        if not isinstance(public_key, Ed25519PublicKey):
            raise DomainLinkageError(f"The JWT says EdDSA but the key is a {type(public_key).__name__}.")
        try:
            public_key.verify(parsed.signature, parsed.signing_input)
        except InvalidSignature:
            raise DomainLinkageError("The signature does not match: it was changed or another key signed it.") from None
        return
    if alg == "RS256" and isinstance(public_key, RSAPublicKey) and public_key.key_size < 2048:
        raise DomainLinkageError("The RSA key is shorter than 2048 bits.")
    try:
        compact_jws.verify_signature(parsed, alg=alg, public_key=public_key)
    except compact_jws.CompactJwsError as exc:
        raise DomainLinkageError(str(exc)) from None


def _check_names(claims: Mapping[str, Any], vc: Mapping[str, Any], did: str) -> None:
    """Both halves of the JWT name the DID: the registered claims and the credential inside."""
    for name in ("iss", "sub"):
        if claims.get(name) != did:
            raise DomainLinkageError(f"The JWT's {name} claim is {claims.get(name)!r}, not {did}.")
    if _issuer_of(vc) != did:
        raise DomainLinkageError(f"The credential is issued by {_issuer_of(vc)!r}, not by {did}.")
    subject = vc.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("id") != did:
        raise DomainLinkageError(f"The credential's subject is not {did}.")
    if DID_CONFIGURATION_CONTEXT not in _as_list(vc.get("@context")):
        raise DomainLinkageError("The credential does not use the DID configuration context.")
    if not {"VerifiableCredential", "DomainLinkageCredential"} <= set(_as_list(vc.get("type"))):
        raise DomainLinkageError("The credential is not a DomainLinkageCredential.")


def _check_origin(vc: Mapping[str, Any], origin: str) -> None:
    try:
        claimed = normalize_origin(vc["credentialSubject"].get("origin"))
    except DomainLinkageError:
        raise DomainLinkageError("The credential names no valid origin.") from None
    if claimed != origin:
        raise DomainLinkageError(f"The credential links {claimed}, not {origin}.")


def _check_dates(claims: Mapping[str, Any], vc: Mapping[str, Any], now: datetime) -> None:
    """The dates are judged once both halves agree on them, so neither half alone can extend the linkage."""
    nbf, exp = _epoch(claims.get("nbf"), "nbf"), _epoch(claims.get("exp"), "exp")
    issued = _date_epoch(vc.get("issuanceDate"), "issuanceDate")
    expires = _date_epoch(vc.get("expirationDate"), "expirationDate")
    if nbf != issued or exp != expires:
        raise DomainLinkageError("The JWT's nbf/exp claims disagree with the credential's issuance and expiry dates.")
    moment = int(now.timestamp())
    if moment < nbf:
        raise DomainLinkageError("The domain linkage is not valid yet.")
    if moment >= exp:
        when = datetime.fromtimestamp(exp, UTC).strftime("%Y-%m-%d")
        raise DomainLinkageError(f"The domain linkage expired on {when}.")


def _check_claims(claims: Mapping[str, Any], did: str, origin: str, now: datetime) -> None:
    vc = claims.get("vc")
    if not isinstance(vc, Mapping):
        raise DomainLinkageError("The JWT has no vc claim holding the domain linkage credential.")
    _check_names(claims, vc, did)
    _check_origin(vc, origin)
    _check_dates(claims, vc, now)


def _check_header(header: Mapping[str, Any], did: str) -> tuple[str, str]:
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ACCEPTED_ALGORITHMS:
        raise DomainLinkageError(f"The JWT algorithm {alg!r} is not accepted ({', '.join(ACCEPTED_ALGORITHMS)}).")
    if not isinstance(kid, str) or "#" not in kid:
        raise DomainLinkageError("The JWT header names no key (kid).")
    if did_from_verification_method(kid) != did:
        raise DomainLinkageError(f"The JWT was signed by a key of {did_from_verification_method(kid)}, not of {did}.")
    return alg, kid


def _did_document(did: str, resolve_did: ResolveDid) -> Mapping[str, Any]:
    try:
        document = resolve_did(did)
    except Exception as exc:  # noqa: BLE001 - a resolver failure is a reason, not a crash
        raise DomainLinkageError(f"The DID document of {did} could not be fetched: {exc}") from None
    if not isinstance(document, Mapping) or document.get("id") != did:
        raise DomainLinkageError(f"The document fetched for {did} is not its DID document.")
    return document


def verify_domain_linkage_jwt(
    *, token: str, did: str, origin: str, resolve_did: ResolveDid, now: datetime | None = None
) -> None:
    """Raise DomainLinkageError (saying why) unless ``token`` is a valid Domain Linkage Credential JWT linking
    ``did`` to ``origin`` at ``now``: signed by a key of the DID's document (assertionMethod), every claim and
    ``vc`` member agreeing, within its dates."""
    origin = normalize_origin(origin)
    now = now or datetime.now(UTC)
    try:
        parsed = compact_jws.parse(token)
    except compact_jws.CompactJwsError as exc:
        raise DomainLinkageError(str(exc)) from None
    alg, kid = _check_header(parsed.header, did)
    try:
        claims = json.loads(parsed.payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DomainLinkageError("The JWT payload is not JSON.") from None
    if not isinstance(claims, dict):
        raise DomainLinkageError("The JWT payload is not a JSON object.")
    _check_claims(claims, did, origin, now)
    method = _method(_did_document(did, resolve_did), kid, did)
    try:
        public_key = _public_key(method)
    except (KeyEncodingError, ValueError) as exc:
        raise DomainLinkageError(f"The key {kid} could not be read: {exc}") from None
    _check_signature(parsed, alg, public_key)


# --- verifying a resource
# -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkageOutcome:
    """What a DID configuration says about one (DID, origin): ``confirmed`` only when a credential verified.

    ``reason`` is ``confirmed``, ``no_linkage`` (nothing in the resource names the DID), ``invalid`` (an entry
    names it but does not verify: ``message`` says why), ``not_checked`` (only JSON-LD entries name it), or
    ``malformed`` (the resource is not a DID configuration)."""

    confirmed: bool
    reason: Reason
    message: str


def _unverified_jwt(entry: str) -> tuple[Mapping[str, Any], dict[str, Any]] | None:
    """The header and claims of a JWT entry, NOT verified; None if it is not a JWT with a JSON object payload."""
    try:
        parsed = compact_jws.parse(entry)
        claims = json.loads(parsed.payload)
    except (compact_jws.CompactJwsError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return (parsed.header, claims) if isinstance(claims, dict) else None


def _subject_id(vc: Any) -> Any:
    subject = vc.get("credentialSubject") if isinstance(vc, Mapping) else None
    return subject.get("id") if isinstance(subject, Mapping) else None


def _claims_did(entry: Any, did: str) -> bool:
    """Whether an entry claims to be about ``did`` (read without verifying, only to pick what to verify)."""
    if isinstance(entry, Mapping):
        return did in (_issuer_of(entry), _subject_id(entry))
    read = _unverified_jwt(entry) if isinstance(entry, str) else None
    if read is None:
        return False
    header, claims = read
    vc = claims.get("vc") if isinstance(claims.get("vc"), Mapping) else {}
    kid = header.get("kid")
    named = (claims.get("iss"), claims.get("sub"), _issuer_of(vc), _subject_id(vc))
    return did in named or (isinstance(kid, str) and did_from_verification_method(kid) == did)


def _resource_problem(resource: Any) -> str | None:
    if not isinstance(resource, Mapping) or not isinstance(resource.get("linked_dids"), list):
        return "The DID configuration is not valid: it has no linked_dids list."
    if DID_CONFIGURATION_CONTEXT not in _as_list(resource.get("@context")):
        return "The DID configuration does not use the DIF context."
    if len(resource["linked_dids"]) > MAX_LINKED_DIDS:
        return f"The DID configuration lists more than {MAX_LINKED_DIDS} DIDs."
    return None


def verify_did_configuration(
    *, resource: Any, did: str, origin: str, resolve_did: ResolveDid, now: datetime | None = None
) -> LinkageOutcome:
    """Whether the DID Configuration ``resource`` fetched from ``origin`` links ``origin`` to ``did``.

    Confirmed as soon as one JWT entry for the DID verifies (a site may list an expired credential beside its
    replacement); otherwise the first entry's reason is given."""
    origin = normalize_origin(origin)
    problem = _resource_problem(resource)
    if problem is not None:
        return LinkageOutcome(False, "malformed", problem)
    mine = [e for e in resource["linked_dids"] if _claims_did(e, did)]
    if not mine:
        return LinkageOutcome(False, "no_linkage", "The website's DID configuration does not name this issuer's DID.")
    first_problem = None
    for entry in (e for e in mine if isinstance(e, str)):
        try:
            verify_domain_linkage_jwt(token=entry, did=did, origin=origin, resolve_did=resolve_did, now=now)
        except DomainLinkageError as exc:
            first_problem = first_problem or str(exc)
            continue
        return LinkageOutcome(True, "confirmed", "The website links itself to this issuer's DID.")
    if first_problem is None:
        return LinkageOutcome(
            False, "not_checked", "The website links this DID only in the JSON-LD form, which is not checked here."
        )
    return LinkageOutcome(False, "invalid", first_problem)
