"""A scripted wallet through the OpenID4VCI messages, 1.0 and draft 13, down to a holder-bound badge that verifies
(no HTTP: the Django endpoints are tested with the views)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from joserfc import jwt as rfc_jwt
from joserfc.jwk import ECKey, OKPKey

from badges.openbadges.ob3 import verify as v
from badges.openbadges.ob3.holder_copy import holder_bound_copy
from badges.openbadges.wallets import oid4vci
from tests.interop.ob3_kit import IssuerKit

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")

ISSUER = "http://127.0.0.1:8000"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _wallet_proof(key, alg, nonce):
    header = {"typ": "openid4vci-proof+jwt", "alg": alg, "jwk": key.as_dict(private=False)}
    return rfc_jwt.encode(header, {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": nonce}, key, algorithms=[alg])


@pytest.mark.parametrize(
    ("draft", "configuration_id", "key", "alg"),
    [
        (False, "OpenBadgeCredential_ldp_vc", OKPKey.generate_key("Ed25519"), "EdDSA"),
        (False, "OpenBadgeCredential_jwt_vc_json", ECKey.generate_key("P-256"), "ES256"),
        (True, "OpenBadgeCredential_ldp_vc", ECKey.generate_key("P-256"), "ES256"),
        (True, "OpenBadgeCredential_jwt_vc_json", OKPKey.generate_key("Ed25519"), "EdDSA"),
    ],
)
def test_a_wallet_redeems_an_offer(draft, configuration_id, key, alg):
    kit = IssuerKit(base_url=ISSUER)
    offer = json.loads(
        json.dumps(
            oid4vci.credential_offer(
                credential_issuer=ISSUER,
                configuration_ids=list(oid4vci.CONFIGURATIONS),
                pre_authorized_code="code-1",
                tx_code=oid4vci.TxCode(length=6),
            )
        )
    )
    code = offer["grants"][oid4vci.PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    form = {"grant_type": oid4vci.PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    form |= {"user_pin": "123456"} if draft else {"tx_code": "123456"}
    token_request = oid4vci.parse_token_request(form)
    oid4vci.check_tx_code(expected="123456", given=token_request.tx_code)
    token = oid4vci.token_response(access_token="at", expires_in=300, c_nonce="n-token")
    nonce = token["c_nonce"] if draft else oid4vci.nonce_response("n-endpoint")["c_nonce"]
    proof_jwt = _wallet_proof(key, alg, nonce)
    fmt = oid4vci.CONFIGURATIONS[configuration_id]
    if draft:
        body = {
            "format": fmt,
            "credential_definition": {"type": list(oid4vci.CREDENTIAL_TYPES)},
            "proof": {"proof_type": "jwt", "jwt": proof_jwt},
        }
    else:
        body = {"credential_configuration_id": configuration_id, "proofs": {"jwt": [proof_jwt]}}
    request = oid4vci.parse_credential_request(body)
    assert (request.draft, request.format) == (draft, fmt)
    holder = oid4vci.verify_key_proof(request.proof_jwt, audience=ISSUER, nonce=nonce, now=NOW)
    bound = holder_bound_copy(kit.signed_credential(), holder_id=holder.did, copy_id="urn:uuid:copy-1")
    issued = kit.sign(bound) if fmt == "ldp_vc" else kit.jwt(bound)
    response = oid4vci.credential_response(credential=issued, draft=request.draft)
    received = response["credential"] if draft else response["credentials"][0]["credential"]
    result = v.verify(
        credential=received, resolve_did=kit.resolve_did, fetch_status_list=kit.fetch_status_list, now=kit.clock()
    )
    assert result.verdict == "valid", [c.message for c in result.checks if not c.ok]
    assert result.credential["credentialSubject"]["id"] == holder.did
    assert holder.public_key_jwk["x"] == key.as_dict(private=False)["x"]
