"""OpenID for Verifiable Credential Issuance (pre-authorized code flow): the protocol messages, in both shapes.

- OpenID4VCI 1.0 (final): https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html — §4.1 Credential
  Offer, §6 Token Endpoint, §7 Nonce Endpoint, §8 Credential Endpoint, §12.2 Credential Issuer Metadata, §12.3
  Authorization Server Metadata, Appendix A.1 (``jwt_vc_json``, ``ldp_vc``), Appendix F.1 (``jwt`` key proof).
- Draft 13 (https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0-13.html), still spoken by many
  wallets: the Credential Request names a ``format`` (+ ``credential_definition``) and one ``proof``; the Token
  Response carries ``c_nonce``; the Credential Response is ``{"credential": …}``; a bad nonce is ``invalid_proof``
  with a fresh ``c_nonce`` in the error. Where the two differ this module accepts both and answers in the shape
  that was asked (:attr:`CredentialRequest.draft`); additions the other version does not know are ignored by it.

Plain values in, plain JSON out; storing codes, tokens and nonces is the caller's. The key proof is checked by
:mod:`.keyproof`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from badges.openbadges.ob3.compose import OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT, VC_V2_CONTEXT
from badges.openbadges.wallets.errors import Oid4vciError
from badges.openbadges.wallets.keyproof import PROOF_ALGORITHMS, PROOF_TYP, HolderKey, verify_key_proof

__all__ = [
    "CONFIGURATIONS",
    "CREDENTIAL_TYPES",
    "FORMAT_JWT_VC_JSON",
    "FORMAT_LDP_VC",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "CredentialRequest",
    "HolderKey",
    "Oid4vciError",
    "TokenRequest",
    "TxCode",
    "authorization_server_metadata",
    "check_tx_code",
    "credential_offer",
    "credential_response",
    "issuer_metadata",
    "nonce_response",
    "offer_link",
    "parse_credential_request",
    "parse_token_request",
    "token_response",
    "verify_key_proof",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
FORMAT_LDP_VC = "ldp_vc"
FORMAT_JWT_VC_JSON = "jwt_vc_json"
CREDENTIAL_TYPES = ("VerifiableCredential", "OpenBadgeCredential")
#: Credential configuration id -> format. The ids double as credential identifiers (§6.2) when a wallet asks for
#: ``authorization_details``: each configuration has exactly one dataset, the award's badge.
CONFIGURATIONS = {
    "OpenBadgeCredential_ldp_vc": FORMAT_LDP_VC,
    "OpenBadgeCredential_jwt_vc_json": FORMAT_JWT_VC_JSON,
}
_BY_FORMAT = {fmt: cid for cid, fmt in CONFIGURATIONS.items()}
# The contexts Laurel's OB 3.0 credentials carry (compose.open_badge_credential with its schema).
_CONTEXTS = [VC_V2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT]
_BINDING_METHODS = ["did:key", "did:jwk", "jwk"]
_MAX_CODE = 512
_TX_CODE_DESCRIPTION_MAX = 300


# --- Metadata (§12.2, §12.3) ---------------------------------------------------------------------------------


def _display(name: str | None, logo_uri: str | None, locale: str | None) -> list[dict[str, Any]]:
    if not name:
        return []
    entry: dict[str, Any] = {"name": name}
    if locale:
        entry["locale"] = locale
    if logo_uri:
        entry["logo"] = {"uri": logo_uri}
    return [entry]


def _configuration(fmt: str, *, display: list[dict]) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": list(CREDENTIAL_TYPES)}
    if fmt == FORMAT_LDP_VC:
        definition = {"@context": list(_CONTEXTS), **definition}
    config: dict[str, Any] = {
        "format": fmt,
        "cryptographic_binding_methods_supported": list(_BINDING_METHODS),
        # ldp_vc: the Data Integrity cryptosuite; jwt_vc_json: the JWS alg of ob3/jwt.py.
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"] if fmt == FORMAT_LDP_VC else ["RS256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}},
        "credential_definition": definition,
    }
    if display:
        config["credential_metadata"] = {"display": display}  # 1.0
        config["display"] = display  # draft 13 reads it here
    return config


def issuer_metadata(
    *,
    credential_issuer: str,
    credential_endpoint: str,
    nonce_endpoint: str,
    token_endpoint: str,
    display_name: str,
    logo_uri: str | None = None,
    authorization_server: str | None = None,
    credential_name: str | None = None,
    locale: str | None = None,
) -> dict[str, Any]:
    """The Credential Issuer Metadata served at ``/.well-known/openid-credential-issuer`` (+ the issuer's path).

    ``authorization_server`` is listed only when it is not the issuer itself (§12.2.4 ``authorization_servers``);
    ``token_endpoint`` is repeated here for wallets of drafts before 13 that read it from this document (1.0
    wallets read it from :func:`authorization_server_metadata`). ``credential_name`` labels both configurations.
    """
    _check_issuer_identifier(credential_issuer)
    display = _display(credential_name, None, locale)
    metadata: dict[str, Any] = {
        "credential_issuer": credential_issuer,
        "credential_endpoint": credential_endpoint,
        "nonce_endpoint": nonce_endpoint,
        "token_endpoint": token_endpoint,
    }
    if authorization_server and authorization_server != credential_issuer:
        metadata["authorization_servers"] = [authorization_server]
    metadata["display"] = _display(display_name, logo_uri, locale)
    metadata["credential_configurations_supported"] = {
        cid: _configuration(fmt, display=display) for cid, fmt in CONFIGURATIONS.items()
    }
    return metadata


def authorization_server_metadata(*, issuer: str, token_endpoint: str) -> dict[str, Any]:
    """RFC 8414 metadata for ``/.well-known/oauth-authorization-server``: only the pre-authorized code grant, with
    anonymous access (§12.3), so ``response_types_supported`` is left out as §12.2.4 allows."""
    return {
        "issuer": issuer,
        "token_endpoint": token_endpoint,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def _check_issuer_identifier(value: str) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if not parts or parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"A credential issuer identifier is an https URL without query or fragment: {value!r}.")


# --- Credential Offer (§4.1) ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TxCode:
    """How the wallet should ask for the transaction code sent by another channel (§4.1.1 ``tx_code``)."""

    length: int | None = None
    input_mode: str = "numeric"
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.input_mode not in ("numeric", "text"):
            raise ValueError("tx_code input_mode is 'numeric' or 'text'.")
        if self.description is not None and len(self.description) > _TX_CODE_DESCRIPTION_MAX:
            raise ValueError("tx_code description must not exceed 300 characters.")
        if self.length is not None and (isinstance(self.length, bool) or self.length < 1):
            raise ValueError("tx_code length must be a positive integer.")
        body: dict[str, Any] = {"input_mode": self.input_mode}
        if self.length is not None:
            body["length"] = self.length
        if self.description:
            body["description"] = self.description
        return body


def credential_offer(
    *,
    credential_issuer: str,
    configuration_ids: Sequence[str],
    pre_authorized_code: str,
    tx_code: TxCode | None = None,
) -> dict[str, Any]:
    """The Credential Offer object, served as JSON at the ``credential_offer_uri`` (same in 1.0 and draft 13)."""
    _check_issuer_identifier(credential_issuer)
    ids = list(configuration_ids)
    if not ids or len(set(ids)) != len(ids) or any(cid not in CONFIGURATIONS for cid in ids):
        raise ValueError(f"configuration_ids must be unique ids among {sorted(CONFIGURATIONS)}.")
    if not isinstance(pre_authorized_code, str) or not pre_authorized_code or len(pre_authorized_code) > _MAX_CODE:
        raise ValueError("A pre-authorized code is a non-empty string.")
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code}
    if tx_code is not None:
        grant["tx_code"] = tx_code.to_json()
    return {
        "credential_issuer": credential_issuer,
        "credential_configuration_ids": ids,
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_link(offer_uri: str) -> str:
    """``openid-credential-offer://?credential_offer_uri=…`` (§4.1.3): the offer by reference, for a QR code."""
    return "openid-credential-offer://?credential_offer_uri=" + quote(offer_uri, safe="")


# --- Token Endpoint (§6) -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A pre-authorized code Token Request. ``configuration_ids`` are those asked in ``authorization_details``
    (empty when not used); ``tx_code`` is also read from the ``user_pin`` of drafts 11 and 12."""

    pre_authorized_code: str
    tx_code: str | None = None
    client_id: str | None = None
    configuration_ids: tuple[str, ...] = ()


def _form_value(form: Mapping[str, Any], name: str) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Oid4vciError("invalid_request", f"The {name} parameter must be a single string.")
    return value


def _authorization_details(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    try:
        details = json.loads(text)
    except ValueError:
        raise Oid4vciError("invalid_request", "authorization_details is not JSON.") from None
    if not isinstance(details, list) or not details:
        raise Oid4vciError("invalid_request", "authorization_details must be a non-empty JSON array.")
    ids: list[str] = []
    for item in details:
        if not isinstance(item, dict) or item.get("type") != "openid_credential":
            raise Oid4vciError("invalid_request", "authorization_details entries must be of type openid_credential.")
        cid = item.get("credential_configuration_id")
        if not isinstance(cid, str) or cid not in CONFIGURATIONS:
            raise Oid4vciError("invalid_request", "authorization_details names an unknown credential configuration.")
        if cid not in ids:
            ids.append(cid)
    return tuple(ids)


def parse_token_request(form: Mapping[str, Any]) -> TokenRequest:
    """Read a Token Request form (RFC 6749 §4.1.3 + §6.1); raise Oid4vciError with the OAuth error code."""
    grant_type = _form_value(form, "grant_type")
    if grant_type is None:
        raise Oid4vciError("invalid_request", "grant_type is missing.")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise Oid4vciError("unsupported_grant_type", f"Only the {PRE_AUTHORIZED_GRANT} grant is supported.")
    code = _form_value(form, "pre-authorized_code")
    if code is None:
        raise Oid4vciError("invalid_request", "pre-authorized_code is missing.")
    if len(code) > _MAX_CODE:
        raise Oid4vciError("invalid_grant", "The pre-authorized code is not valid.")
    tx_code, user_pin = _form_value(form, "tx_code"), _form_value(form, "user_pin")
    if tx_code is not None and user_pin is not None and tx_code != user_pin:
        raise Oid4vciError("invalid_request", "tx_code and user_pin differ.")
    return TokenRequest(
        pre_authorized_code=code,
        tx_code=tx_code if tx_code is not None else user_pin,
        client_id=_form_value(form, "client_id"),
        configuration_ids=_authorization_details(_form_value(form, "authorization_details")),
    )


def check_tx_code(*, expected: str | None, given: str | None) -> None:
    """The transaction code rules of §6.3: one sent but none expected, or none sent but one expected, is
    ``invalid_request``; a wrong one is ``invalid_grant`` (compared in constant time)."""
    if expected is None:
        if given is not None:
            raise Oid4vciError("invalid_request", "This offer has no transaction code; do not send one.")
        return
    if given is None:
        raise Oid4vciError("invalid_request", "This offer needs the transaction code sent to you by e-mail.")
    if not hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8")):
        raise Oid4vciError("invalid_grant", "The transaction code is wrong.")


def token_response(
    *,
    access_token: str,
    expires_in: int,
    c_nonce: str | None = None,
    c_nonce_expires_in: int | None = None,
    configuration_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The Token Response (send with ``Cache-Control: no-store``).

    ``c_nonce`` is for draft-13 wallets, which take their first nonce from here (1.0 wallets ignore it and ask the
    Nonce Endpoint). ``configuration_ids`` answers a request's ``authorization_details`` (§6.2): each configuration
    id is also its one credential identifier.
    """
    body: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in}
    if c_nonce is not None:
        body["c_nonce"] = c_nonce
        if c_nonce_expires_in is not None:
            body["c_nonce_expires_in"] = c_nonce_expires_in
    if configuration_ids:
        body["authorization_details"] = [
            {"type": "openid_credential", "credential_configuration_id": cid, "credential_identifiers": [cid]}
            for cid in configuration_ids
        ]
    return body


def nonce_response(c_nonce: str) -> dict[str, Any]:
    """The Nonce Response of §7.2 (send with ``Cache-Control: no-store``)."""
    return {"c_nonce": c_nonce}


# --- Credential Endpoint (§8) --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    """What the wallet asked for: the configuration (hence the format) and its one ``jwt`` key proof.

    ``draft`` is True for the draft-13 shapes (``format`` or a singular ``proof``): answer it with
    ``credential_response(draft=True)`` and report errors with ``Oid4vciError.to_json(draft=True)``.
    """

    configuration_id: str
    format: str
    proof_jwt: str
    draft: bool


def _requested_configuration(body: Mapping[str, Any]) -> str:
    named = [k for k in ("credential_configuration_id", "credential_identifier") if k in body]
    if len(named) == 2:
        raise Oid4vciError(
            "invalid_credential_request", "Send credential_configuration_id or credential_identifier, not both."
        )
    if named:
        cid = body[named[0]]
        if not isinstance(cid, str) or cid not in CONFIGURATIONS:
            code = "unknown_credential_configuration" if named[0] == "credential_configuration_id" else None
            raise Oid4vciError(code or "unknown_credential_identifier", f"Unknown {named[0]}.")
        if "format" in body and body["format"] != CONFIGURATIONS[cid]:
            raise Oid4vciError("invalid_credential_request", "format disagrees with the credential configuration.")
        return cid
    fmt = body.get("format")
    if fmt is None:
        raise Oid4vciError("invalid_credential_request", "Name a credential_configuration_id (or a format).")
    if not isinstance(fmt, str) or fmt not in _BY_FORMAT:
        raise Oid4vciError("unsupported_credential_format", f"Supported formats: {', '.join(sorted(_BY_FORMAT))}.")
    _check_definition(body.get("credential_definition"))
    return _BY_FORMAT[fmt]


def _check_definition(definition: Any) -> None:
    if definition is None:
        return
    if not isinstance(definition, Mapping):
        raise Oid4vciError("invalid_credential_request", "credential_definition must be an object.")
    types = definition.get("type", [])
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise Oid4vciError("invalid_credential_request", "credential_definition.type must be an array of strings.")
    if not set(types) <= set(CREDENTIAL_TYPES):
        raise Oid4vciError("unsupported_credential_type", f"Only {', '.join(CREDENTIAL_TYPES)} is issued.")


def _proof_jwt(body: Mapping[str, Any]) -> str:
    if "proof" in body and "proofs" in body:
        raise Oid4vciError("invalid_credential_request", "Send proof or proofs, not both.")
    if "proofs" in body:
        proofs = body["proofs"]
        if not isinstance(proofs, Mapping) or len(proofs) != 1:
            raise Oid4vciError("invalid_proof", "proofs must hold exactly one proof type.")
        if "jwt" not in proofs:
            raise Oid4vciError("invalid_proof", "Only the jwt proof type is supported.")
        jwts = proofs["jwt"]
        if not isinstance(jwts, list) or len(jwts) != 1:
            raise Oid4vciError("invalid_proof", "Send exactly one jwt key proof (no batch issuance).")
        token = jwts[0]
    elif "proof" in body:
        proof = body["proof"]
        if not isinstance(proof, Mapping):
            raise Oid4vciError("invalid_proof", "proof must be an object.")
        if proof.get("proof_type") != "jwt":
            raise Oid4vciError("invalid_proof", "Only the jwt proof type is supported.")
        token = proof.get("jwt")
    else:
        raise Oid4vciError("invalid_proof", "A key proof is required: the credential is bound to your key.")
    if not isinstance(token, str) or not token:
        raise Oid4vciError("invalid_proof", "The jwt key proof must be a string.")
    return token


def parse_credential_request(body: Any) -> CredentialRequest:
    """Read a Credential Request (1.0 §8.2 or draft 13 §7.2); raise Oid4vciError with the spec's error code."""
    if not isinstance(body, Mapping):
        raise Oid4vciError("invalid_credential_request", "The credential request must be a JSON object.")
    if "credential_response_encryption" in body:
        raise Oid4vciError("invalid_encryption_parameters", "Encrypted credential responses are not supported.")
    cid = _requested_configuration(body)
    draft = "format" in body or "proof" in body
    return CredentialRequest(configuration_id=cid, format=CONFIGURATIONS[cid], proof_jwt=_proof_jwt(body), draft=draft)


def credential_response(
    *,
    credential: Mapping[str, Any] | str,
    draft: bool,
    c_nonce: str | None = None,
    c_nonce_expires_in: int | None = None,
) -> dict[str, Any]:
    """The Credential Response: 1.0 ``{"credentials": [{"credential": …}]}``; draft 13 ``{"credential": …,
    "format": …}`` (``format`` for wallets of drafts before 13) with an optional next ``c_nonce``.

    An ``ldp_vc`` credential is the signed JSON object, a ``jwt_vc_json`` one the compact JWS string (A.1).
    """
    credential = credential if isinstance(credential, str) else dict(credential)
    if not draft:
        return {"credentials": [{"credential": credential}]}
    body: dict[str, Any] = {
        "credential": credential,
        "format": FORMAT_JWT_VC_JSON if isinstance(credential, str) else FORMAT_LDP_VC,
    }
    if c_nonce is not None:
        body["c_nonce"] = c_nonce
        if c_nonce_expires_in is not None:
            body["c_nonce_expires_in"] = c_nonce_expires_in
    return body
