"""VC-JWT: payload is the credential plus iss/jti/nbf/sub/exp, RS256 with a DID-URL kid, checked by joserfc."""

import base64
import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt as rfc_jwt
from joserfc.jwk import RSAKey

from badges.openbadges.ob3 import jwt as vcjwt
from tests.interop.ob3_kit import IssuerKit, utc


@pytest.fixture(scope="module")
def kit():
    return IssuerKit()


def _method(kit, kid):
    return next(m for m in kit.did_document()["verificationMethod"] if m["id"] == kid)


def test_payload_is_the_credential_plus_claims(kit):
    credential = kit.signed_credential(valid_until=utc(2027, 3, 1))
    token = kit.jwt(credential)
    header = vcjwt.read_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": kit.jwt_kid}
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert "vc" not in payload
    assert {k: payload[k] for k in credential} == credential  # Data Integrity proof kept inside
    assert payload["iss"] == kit.did and payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int(utc(2025, 3, 1, 12).timestamp())
    assert payload["exp"] == int(utc(2027, 3, 1).timestamp())


def test_no_sub_without_a_subject_did(kit):
    token = kit.jwt(kit.credential(learner_did=None))
    assert "sub" not in pyjwt.decode(token, options={"verify_signature": False})


def test_round_trip(kit):
    credential = kit.credential()
    verified = vcjwt.verify_jwt(token=kit.jwt(credential), public_key=kit.rsa_key.public_key())
    assert verified.credential == credential


def test_joserfc_verifies_with_the_did_documents_jwk(kit):
    token = kit.jwt(kit.credential())
    method = _method(kit, vcjwt.read_unverified_header(token)["kid"])
    assert method["type"] == "JsonWebKey" and method["controller"] == kit.did
    key = RSAKey.import_key(method["publicKeyJwk"])
    decoded = rfc_jwt.decode(token, key, algorithms=["RS256"])
    assert decoded.header["kid"] == kit.jwt_kid
    assert decoded.claims["iss"] == kit.did and decoded.claims["type"][1] == "OpenBadgeCredential"


def test_vc_wrapped_payloads_are_accepted(kit):
    credential = kit.credential()
    claims = vcjwt.jwt_claims(credential) | {"vc": credential}
    token = pyjwt.encode(claims, kit.rsa_key, algorithm="RS256", headers={"kid": kit.jwt_kid})
    assert vcjwt.verify_jwt(token=token, public_key=kit.rsa_key.public_key()).credential == credential


def _forge(header, payload, signature=b""):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{enc(header)}.{enc(payload)}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize("alg", ["none", "HS256", "EdDSA", "PS256"])
def test_unexpected_algorithms_are_refused(kit, alg):
    credential = kit.credential()
    token = _forge({"alg": alg, "kid": kit.jwt_kid}, credential | vcjwt.jwt_claims(credential))
    with pytest.raises(vcjwt.JwtError, match="not accepted"):
        vcjwt.verify_jwt(token=token, public_key=kit.rsa_key.public_key())


def test_algorithm_must_match_the_key(kit):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(vcjwt.JwtError, match="RS256 but"):
        vcjwt.verify_jwt(token=kit.jwt(kit.credential()), public_key=ec_key.public_key())


def test_tampered_payload_and_wrong_key(kit):
    token = kit.jwt(kit.credential())
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["name"] = "Rocket Science"
    forged = f"{head}.{base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b'=').decode()}.{sig}"
    with pytest.raises(vcjwt.JwtError, match="does not match"):
        vcjwt.verify_jwt(token=forged, public_key=kit.rsa_key.public_key())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    with pytest.raises(vcjwt.JwtError, match="does not match"):
        vcjwt.verify_jwt(token=token, public_key=other)


def test_claims_must_agree_with_the_credential(kit):
    credential = kit.credential()
    claims = credential | vcjwt.jwt_claims(credential) | {"iss": "did:web:evil.example"}
    token = pyjwt.encode(claims, kit.rsa_key, algorithm="RS256", headers={"kid": kit.jwt_kid})
    with pytest.raises(vcjwt.JwtError, match="iss"):
        vcjwt.verify_jwt(token=token, public_key=kit.rsa_key.public_key())


def test_signing_refuses_weak_keys_and_claim_clashes(kit):
    with pytest.raises(vcjwt.JwtError):
        vcjwt.sign_jwt(
            credential=kit.credential(),
            private_key=rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 - weak on purpose
            kid=kit.jwt_kid,
        )
    with pytest.raises(vcjwt.JwtError, match="claim names"):
        vcjwt.sign_jwt(credential=kit.credential() | {"iss": "x"}, private_key=kit.rsa_key, kid=kit.jwt_kid)
