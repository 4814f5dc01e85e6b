"""OpenID4VCI messages in the 1.0 and draft-13 shapes: metadata, offer, token, credential request and response,
and every refusal with the spec's error code."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.openbadges.wallets import oid4vci
from badges.openbadges.wallets.oid4vci import Oid4vciError, TxCode

ISSUER = "https://badges.example.edu"
LDP = "OpenBadgeCredential_ldp_vc"
JWT = "OpenBadgeCredential_jwt_vc_json"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
PROOF = "eyJhbGciOiJFZERTQSJ9.e30.c2ln"


def _config(fmt, definition, signing_alg, display):
    config = {
        "format": fmt,
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
        "credential_signing_alg_values_supported": [signing_alg],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "Ed25519", "ES256"]}},
        "credential_definition": definition,
    }
    if display:
        config |= {"credential_metadata": {"display": display}, "display": display}
    return config


def test_issuer_metadata_in_full():
    metadata = oid4vci.issuer_metadata(
        credential_issuer=ISSUER,
        credential_endpoint=f"{ISSUER}/oid4vci/credential",
        nonce_endpoint=f"{ISSUER}/oid4vci/nonce",
        token_endpoint=f"{ISSUER}/oid4vci/token",
        display_name="Demo Institute",
        logo_uri=f"{ISSUER}/media/logo.png",
        credential_name="Open Badge",
        locale="en",
    )
    display = [{"name": "Open Badge", "locale": "en"}]
    assert metadata == {
        "credential_issuer": ISSUER,
        "credential_endpoint": f"{ISSUER}/oid4vci/credential",
        "nonce_endpoint": f"{ISSUER}/oid4vci/nonce",
        "token_endpoint": f"{ISSUER}/oid4vci/token",
        "display": [{"name": "Demo Institute", "locale": "en", "logo": {"uri": f"{ISSUER}/media/logo.png"}}],
        "credential_configurations_supported": {
            LDP: _config(
                "ldp_vc",
                {"@context": CONTEXTS, "type": ["VerifiableCredential", "OpenBadgeCredential"]},
                "eddsa-rdfc-2022",
                display,
            ),
            JWT: _config("jwt_vc_json", {"type": ["VerifiableCredential", "OpenBadgeCredential"]}, "RS256", display),
        },
    }
    json.dumps(metadata)  # plain JSON


def test_issuer_metadata_minimal_and_with_another_authorization_server():
    common = {
        "credential_endpoint": f"{ISSUER}/c",
        "nonce_endpoint": f"{ISSUER}/n",
        "token_endpoint": f"{ISSUER}/t",
        "display_name": "Demo",
    }
    own = oid4vci.issuer_metadata(credential_issuer=ISSUER, authorization_server=ISSUER, **common)
    assert "authorization_servers" not in own
    assert own["display"] == [{"name": "Demo"}]
    assert "display" not in own["credential_configurations_supported"][LDP]
    other = oid4vci.issuer_metadata(credential_issuer=ISSUER, authorization_server="https://as.example.edu", **common)
    assert other["authorization_servers"] == ["https://as.example.edu"]
    with pytest.raises(ValueError, match="without query or fragment"):
        oid4vci.issuer_metadata(credential_issuer=f"{ISSUER}/?x=1", **common)


def test_authorization_server_metadata():
    assert oid4vci.authorization_server_metadata(issuer=ISSUER, token_endpoint=f"{ISSUER}/t") == {
        "issuer": ISSUER,
        "token_endpoint": f"{ISSUER}/t",
        "grant_types_supported": [GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def test_credential_offer_without_and_with_a_transaction_code():
    assert oid4vci.credential_offer(
        credential_issuer=ISSUER, configuration_ids=[LDP, JWT], pre_authorized_code="c0de"
    ) == {
        "credential_issuer": ISSUER,
        "credential_configuration_ids": [LDP, JWT],
        "grants": {GRANT: {"pre-authorized_code": "c0de"}},
    }
    offer = oid4vci.credential_offer(
        credential_issuer=ISSUER,
        configuration_ids=[JWT],
        pre_authorized_code="c0de",
        tx_code=TxCode(length=6, description="The code in the e-mail we sent you."),
    )
    assert offer["grants"][GRANT] == {
        "pre-authorized_code": "c0de",
        "tx_code": {"input_mode": "numeric", "length": 6, "description": "The code in the e-mail we sent you."},
    }
    assert TxCode().to_json() == {"input_mode": "numeric"}


@pytest.mark.parametrize(
    ("ids", "code", "tx_code"),
    [
        ([], "c", None),
        ([LDP, LDP], "c", None),
        (["UniversityDegree"], "c", None),
        ([LDP], "", None),
        ([LDP], "c", TxCode(input_mode="emoji")),
        ([LDP], "c", TxCode(description="x" * 301)),
        ([LDP], "c", TxCode(length=0)),
    ],
)
def test_credential_offer_refuses_bad_values(ids, code, tx_code):
    with pytest.raises(ValueError):
        oid4vci.credential_offer(
            credential_issuer=ISSUER, configuration_ids=ids, pre_authorized_code=code, tx_code=tx_code
        )


def test_offer_link_carries_the_offer_uri_by_reference():
    uri = f"{ISSUER}/oid4vci/offers/Gkur-Kxf5T0Y?a=1&b=2"
    link = oid4vci.offer_link(uri)
    assert link.startswith("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fbadges.example.edu%2F")
    assert parse_qs(urlsplit(link).query) == {"credential_offer_uri": [uri]}


# --- Token ---------------------------------------------------------------------------------------------------


def test_token_request_1_0_and_draft_pin():
    request = oid4vci.parse_token_request({"grant_type": GRANT, "pre-authorized_code": "c0de", "tx_code": "493536"})
    assert request == oid4vci.TokenRequest(pre_authorized_code="c0de", tx_code="493536")
    draft = oid4vci.parse_token_request(
        {"grant_type": GRANT, "pre-authorized_code": "c0de", "user_pin": "493536", "client_id": "wallet"}
    )
    assert (draft.tx_code, draft.client_id) == ("493536", "wallet")
    assert oid4vci.parse_token_request({"grant_type": GRANT, "pre-authorized_code": "c0de"}).tx_code is None


def test_token_request_with_authorization_details():
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": LDP}] * 2)
    request = oid4vci.parse_token_request(
        {"grant_type": GRANT, "pre-authorized_code": "c", "authorization_details": details}
    )
    assert request.configuration_ids == (LDP,)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"pre-authorized_code": "c"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "c"}, "unsupported_grant_type"),
        ({"grant_type": GRANT}, "invalid_request"),
        ({"grant_type": GRANT, "pre-authorized_code": ""}, "invalid_request"),
        ({"grant_type": GRANT, "pre-authorized_code": ["a", "b"]}, "invalid_request"),
        ({"grant_type": GRANT, "pre-authorized_code": "c" * 513}, "invalid_grant"),
        ({"grant_type": GRANT, "pre-authorized_code": "c", "tx_code": "1", "user_pin": "2"}, "invalid_request"),
        ({"grant_type": GRANT, "pre-authorized_code": "c", "authorization_details": "{"}, "invalid_request"),
        ({"grant_type": GRANT, "pre-authorized_code": "c", "authorization_details": "[]"}, "invalid_request"),
        (
            {"grant_type": GRANT, "pre-authorized_code": "c", "authorization_details": '[{"type": "x"}]'},
            "invalid_request",
        ),
        (
            {
                "grant_type": GRANT,
                "pre-authorized_code": "c",
                "authorization_details": '[{"type": "openid_credential", "credential_configuration_id": []}]',
            },
            "invalid_request",
        ),
        (
            {
                "grant_type": GRANT,
                "pre-authorized_code": "c",
                "authorization_details": '[{"type": "openid_credential", "credential_configuration_id": "Degree"}]',
            },
            "invalid_request",
        ),
    ],
)
def test_token_request_refusals(form, error):
    with pytest.raises(Oid4vciError) as caught:
        oid4vci.parse_token_request(form)
    assert caught.value.error == error
    assert caught.value.status == 400


def test_transaction_code_rules():
    oid4vci.check_tx_code(expected=None, given=None)
    oid4vci.check_tx_code(expected="493536", given="493536")
    for expected, sent, error in (
        (None, "1", "invalid_request"),
        ("493536", None, "invalid_request"),
        ("493536", "493537", "invalid_grant"),
    ):
        with pytest.raises(Oid4vciError) as caught:
            oid4vci.check_tx_code(expected=expected, given=sent)
        assert caught.value.error == error


def test_token_responses():
    assert oid4vci.token_response(access_token="tok", expires_in=300) == {
        "access_token": "tok",
        "token_type": "Bearer",
        "expires_in": 300,
    }
    assert oid4vci.token_response(
        access_token="tok", expires_in=300, c_nonce="n0nce", c_nonce_expires_in=300, configuration_ids=[LDP]
    ) == {
        "access_token": "tok",
        "token_type": "Bearer",
        "expires_in": 300,
        "c_nonce": "n0nce",
        "c_nonce_expires_in": 300,
        "authorization_details": [
            {"type": "openid_credential", "credential_configuration_id": LDP, "credential_identifiers": [LDP]}
        ],
    }
    assert oid4vci.nonce_response("n0nce") == {"c_nonce": "n0nce"}


# --- Credential request and response ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"credential_configuration_id": LDP, "proofs": {"jwt": [PROOF]}}, (LDP, "ldp_vc", False)),
        ({"credential_configuration_id": JWT, "proofs": {"jwt": [PROOF]}}, (JWT, "jwt_vc_json", False)),
        ({"credential_identifier": JWT, "proofs": {"jwt": [PROOF]}}, (JWT, "jwt_vc_json", False)),
        # draft 14: a configuration id with one proof, answered with the singular credential
        ({"credential_configuration_id": LDP, "proof": {"proof_type": "jwt", "jwt": PROOF}}, (LDP, "ldp_vc", True)),
        (
            {
                "format": "ldp_vc",
                "credential_definition": {
                    "@context": CONTEXTS,
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "proof": {"proof_type": "jwt", "jwt": PROOF},
            },
            (LDP, "ldp_vc", True),
        ),
        (
            {
                "format": "jwt_vc_json",
                "credential_definition": {"type": ["VerifiableCredential"]},
                "proof": {"proof_type": "jwt", "jwt": PROOF},
            },
            (JWT, "jwt_vc_json", True),
        ),
        ({"format": "ldp_vc", "proof": {"proof_type": "jwt", "jwt": PROOF}}, (LDP, "ldp_vc", True)),
    ],
)
def test_credential_requests_in_both_shapes(body, expected):
    request = oid4vci.parse_credential_request(body)
    assert (request.configuration_id, request.format, request.draft) == expected
    assert request.proof_jwt == PROOF


@pytest.mark.parametrize(
    ("body", "error", "draft_error"),
    [
        ([], "invalid_credential_request", "invalid_credential_request"),
        ({"proofs": {"jwt": [PROOF]}}, "invalid_credential_request", "invalid_credential_request"),
        (
            {"credential_configuration_id": "UniversityDegree", "proofs": {"jwt": [PROOF]}},
            "unknown_credential_configuration",
            "unsupported_credential_format",
        ),
        (
            {"credential_identifier": "Degree-2023", "proofs": {"jwt": [PROOF]}},
            "unknown_credential_identifier",
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": LDP, "credential_identifier": LDP, "proofs": {"jwt": [PROOF]}},
            "invalid_credential_request",
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": LDP, "format": "jwt_vc_json", "proofs": {"jwt": [PROOF]}},
            "invalid_credential_request",
            "invalid_credential_request",
        ),
        (
            {"format": "mso_mdoc", "proof": {"proof_type": "jwt", "jwt": PROOF}},
            "unsupported_credential_format",
            "unsupported_credential_format",
        ),
        (
            {
                "format": "ldp_vc",
                "credential_definition": {"type": ["VerifiableCredential", "UniversityDegreeCredential"]},
                "proof": {"proof_type": "jwt", "jwt": PROOF},
            },
            "unsupported_credential_type",
            "unsupported_credential_type",
        ),
        (
            {"format": "ldp_vc", "credential_definition": [], "proof": {"proof_type": "jwt", "jwt": PROOF}},
            "invalid_credential_request",
            "invalid_credential_request",
        ),
        (
            {"format": "ldp_vc", "credential_definition": {"type": "x"}, "proof": {"proof_type": "jwt", "jwt": PROOF}},
            "invalid_credential_request",
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": [LDP], "proofs": {"jwt": [PROOF]}},
            "unknown_credential_configuration",
            "unsupported_credential_format",
        ),
        (
            {"format": {"ldp_vc": 1}, "proof": {"proof_type": "jwt", "jwt": PROOF}},
            "unsupported_credential_format",
            "unsupported_credential_format",
        ),
        ({"credential_configuration_id": LDP}, "invalid_proof", "invalid_proof"),
        ({"format": "ldp_vc"}, "invalid_proof", "invalid_proof"),
        ({"credential_configuration_id": LDP, "proofs": {"di_vp": [{}]}}, "invalid_proof", "invalid_proof"),
        ({"credential_configuration_id": LDP, "proofs": {"jwt": [PROOF, PROOF]}}, "invalid_proof", "invalid_proof"),
        ({"credential_configuration_id": LDP, "proofs": {"jwt": []}}, "invalid_proof", "invalid_proof"),
        ({"credential_configuration_id": LDP, "proofs": {"jwt": [7]}}, "invalid_proof", "invalid_proof"),
        (
            {"credential_configuration_id": LDP, "proofs": {"jwt": [PROOF], "di_vp": [{}]}},
            "invalid_proof",
            "invalid_proof",
        ),
        ({"format": "ldp_vc", "proof": {"proof_type": "ldp_vp", "ldp_vp": {}}}, "invalid_proof", "invalid_proof"),
        ({"format": "ldp_vc", "proof": "jwt"}, "invalid_proof", "invalid_proof"),
        (
            {"credential_configuration_id": LDP, "proof": {"proof_type": "jwt", "jwt": PROOF}, "proofs": {}},
            "invalid_credential_request",
            "invalid_credential_request",
        ),
        (
            {"credential_configuration_id": LDP, "proofs": {"jwt": [PROOF]}, "credential_response_encryption": {}},
            "invalid_encryption_parameters",
            "invalid_encryption_parameters",
        ),
    ],
)
def test_credential_request_refusals(body, error, draft_error):
    with pytest.raises(Oid4vciError) as caught:
        oid4vci.parse_credential_request(body)
    assert caught.value.error == error
    assert caught.value.status == 400
    assert caught.value.to_json()["error"] == error
    assert caught.value.to_json(draft=True)["error"] == draft_error


def test_credential_responses_in_both_shapes():
    document = {"@context": CONTEXTS, "id": "urn:uuid:1", "proof": {"type": "DataIntegrityProof"}}
    assert oid4vci.credential_response(credential=document, draft=False) == {"credentials": [{"credential": document}]}
    assert oid4vci.credential_response(credential="a.b.c", draft=False) == {"credentials": [{"credential": "a.b.c"}]}
    assert oid4vci.credential_response(credential=document, draft=True) == {"credential": document, "format": "ldp_vc"}
    assert oid4vci.credential_response(credential="a.b.c", draft=True, c_nonce="n", c_nonce_expires_in=60) == {
        "credential": "a.b.c",
        "format": "jwt_vc_json",
        "c_nonce": "n",
        "c_nonce_expires_in": 60,
    }


# --- Errors --------------------------------------------------------------------------------------------------


def test_error_bodies_statuses_and_draft_spelling():
    nonce = Oid4vciError("invalid_nonce", "The key proof's nonce is not current.")
    assert nonce.to_json() == {"error": "invalid_nonce", "error_description": "The key proof's nonce is not current."}
    assert nonce.to_json(draft=True, c_nonce="fresh", c_nonce_expires_in=300) == {
        "error": "invalid_proof",
        "error_description": "The key proof's nonce is not current.",
        "c_nonce": "fresh",
        "c_nonce_expires_in": 300,
    }
    token = Oid4vciError("invalid_token", 'The access token "x" has expired.')
    assert token.status == 401
    assert (
        token.www_authenticate()
        == 'Bearer error="invalid_token", error_description="The access token \'x\' has expired."'
    )
    assert nonce.www_authenticate() is None


def test_error_description_is_restricted_to_the_allowed_ascii():
    body = Oid4vciError("invalid_proof", 'bad "kid" \\ café\n' + "x" * 600).to_json()
    assert body["error_description"].startswith("bad 'kid' ' caf''xx")
    assert len(body["error_description"]) == 500
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in body["error_description"])


# --- Hostile input -------------------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    ["format", "credential_configuration_id", "credential_identifier", "proof", "proofs", "credential_definition"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _JSON | st.sampled_from([LDP, "ldp_vc", {"jwt": [PROOF]}]), max_size=4) | _JSON)
def test_any_json_credential_request_is_parsed_or_refused_with_a_code(body):
    try:
        oid4vci.parse_credential_request(body)
    except Oid4vciError as exc:
        assert exc.error in {
            "invalid_credential_request",
            "unknown_credential_configuration",
            "unknown_credential_identifier",
            "unsupported_credential_format",
            "unsupported_credential_type",
            "invalid_proof",
            "invalid_encryption_parameters",
        }


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["grant_type", "pre-authorized_code", "tx_code", "user_pin", "authorization_details"]),
        st.text(max_size=40) | st.just(GRANT) | _JSON.map(json.dumps) | _JSON,
        max_size=5,
    )
)
def test_any_token_form_is_parsed_or_refused_with_a_code(form):
    try:
        oid4vci.parse_token_request(form)
    except Oid4vciError as exc:
        assert exc.error in {"invalid_request", "unsupported_grant_type", "invalid_grant"}
