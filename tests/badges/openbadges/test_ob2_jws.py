"""RS256 compact JWS for OB 2.0 signed assertions: round trip, tampering, and algorithm confusion refused."""

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jws as rfc_jws
from joserfc.jwk import RSAKey

from badges.openbadges.ob2.jws import SignatureError, public_key_pem, sign_assertion, verify_assertion

ASSERTION = {
    "@context": "https://w3id.org/openbadges/v2",
    "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
    "type": "Assertion",
    "narrative": "Ünïcödé is kept",
}


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_round_trip_and_header(key):
    token = sign_assertion(assertion=ASSERTION, private_key=key)
    header = json.loads(_unb64(token.split(".")[0]))
    assert header == {"alg": "RS256"}
    assert verify_assertion(token=token, public_key=key.public_key()) == ASSERTION
    assert verify_assertion(token=token, public_key=public_key_pem(key)) == ASSERTION


def test_an_independent_library_verifies_our_token(key):
    token = sign_assertion(assertion=ASSERTION, private_key=key)
    rfc_key = RSAKey.import_key(public_key_pem(key))
    obj = rfc_jws.deserialize_compact(token, rfc_key, algorithms=["RS256"])
    assert json.loads(obj.payload) == ASSERTION


def test_one_changed_payload_character_fails(key):
    head, payload, sig = sign_assertion(assertion=ASSERTION, private_key=key).split(".")
    text = _unb64(payload).decode().replace("kept", "kepT")
    with pytest.raises(SignatureError, match="signature"):
        verify_assertion(token=f"{head}.{_b64(text.encode())}.{sig}", public_key=key)
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    with pytest.raises(SignatureError):
        verify_assertion(token=f"{head}.{flipped}.{sig}", public_key=key)


def test_other_key_fails(key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = sign_assertion(assertion=ASSERTION, private_key=other)
    with pytest.raises(SignatureError):
        verify_assertion(token=token, public_key=key.public_key())


def test_alg_none_is_refused(key):
    token = _b64(b'{"alg":"none"}') + "." + _b64(json.dumps(ASSERTION).encode()) + "."
    with pytest.raises(SignatureError, match="none"):
        verify_assertion(token=token, public_key=key.public_key())


def test_hmac_key_confusion_is_refused(key):
    pem = public_key_pem(key).encode()
    body = _b64(b'{"alg":"HS256"}') + "." + _b64(json.dumps(ASSERTION).encode())
    import hashlib
    import hmac

    token = body + "." + _b64(hmac.new(pem, body.encode(), hashlib.sha256).digest())
    with pytest.raises(SignatureError, match="HS256"):
        verify_assertion(token=token, public_key=pem.decode())


def test_ps256_and_rs512_are_refused(key):
    for alg in ("PS256", "RS512"):
        token = jwt.api_jws.PyJWS().encode(json.dumps(ASSERTION).encode(), key, algorithm=alg)
        with pytest.raises(SignatureError, match=alg):
            verify_assertion(token=token, public_key=key.public_key())


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.@@@.###", "e30.e30.e30", 12])
def test_malformed_tokens(key, token):
    with pytest.raises(SignatureError):
        verify_assertion(token=token, public_key=key.public_key())


def test_non_object_payload_refused(key):
    token = jwt.api_jws.PyJWS().encode(b"[1,2]", key, algorithm="RS256")
    with pytest.raises(SignatureError, match="object"):
        verify_assertion(token=token, public_key=key)


def test_signing_needs_a_strong_rsa_key():
    with pytest.raises(TypeError):
        sign_assertion(assertion=ASSERTION, private_key=ec.generate_private_key(ec.SECP256R1()))
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - deliberately weak
    with pytest.raises(ValueError, match="1024"):
        sign_assertion(assertion=ASSERTION, private_key=weak)


def test_public_key_pem(key):
    pem = public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and pem == public_key_pem(key.public_key())


def test_a_key_one_bit_short_of_2048_is_refused():
    """The floor is exactly 2048 bits (2048 itself is the fixture's key, accepted above)."""
    short = rsa.generate_private_key(public_exponent=65537, key_size=2047)  # noqa: S505 - deliberately weak
    with pytest.raises(ValueError, match="2047"):
        sign_assertion(assertion=ASSERTION, private_key=short)


def test_the_payload_is_the_assertion_as_compact_utf8_json(key):
    """What is signed (and baked) is the Assertion's JSON as UTF-8 text, not \\u-escaped ASCII: a validator that
    prints or hashes the payload sees the learner's name as written."""
    token = sign_assertion(assertion=ASSERTION, private_key=key)
    payload = _unb64(token.split(".")[1])
    assert payload == json.dumps(ASSERTION, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert "Ünïcödé".encode() in payload


@pytest.mark.parametrize("pem", ["not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_a_public_key_that_is_not_pem_is_a_signature_error(key, pem):
    """A hosted key document with a damaged publicKeyPem gets the verifier's clear answer, not a crash."""
    token = sign_assertion(assertion=ASSERTION, private_key=key)
    with pytest.raises(SignatureError, match="not a PEM RSA key"):
        verify_assertion(token=token, public_key=pem)


@pytest.mark.parametrize("payload", [b"\xff\xfe not utf-8", b"not json"])
def test_a_signed_payload_that_is_not_utf8_json_is_a_signature_error(key, payload):
    token = jwt.api_jws.PyJWS().encode(payload, key, algorithm="RS256")
    with pytest.raises(SignatureError, match="not UTF-8 JSON"):
        verify_assertion(token=token, public_key=key)
