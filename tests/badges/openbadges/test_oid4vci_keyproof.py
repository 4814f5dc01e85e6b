"""The OpenID4VCI ``jwt`` key proof, signed by an independent JOSE library (joserfc) as a wallet would: accepted
with Ed25519 and P-256 keys in ``jwk`` or a did:key/did:jwk ``kid``; every malformed or hostile proof refused with
its error code. Also the holder-key encodings against published test vectors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwt as rfc_jwt
from joserfc.jwk import ECKey, OKPKey

from badges.openbadges.keys import ed25519_to_multikey
from badges.openbadges.wallets import holder_keys
from badges.openbadges.wallets.oid4vci import Oid4vciError, verify_key_proof

pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")

ISSUER = "https://badges.example.edu"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
NONCE = "wKI4LT17ac15ES9bw8ac4"
TYP = "openid4vci-proof+jwt"
# did:key test vector (w3c-ccg/did-method-key test-vectors/nist-curves.json, P-256)
P256_VECTOR = {
    "did": "did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv",
    "jwk": {
        "kty": "EC",
        "crv": "P-256",
        "x": "igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns",
        "y": "efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM",
    },
}
# did:jwk spec (quartzjer/did-jwk spec.md, P-256 example)
DID_JWK_VECTOR = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgyVjAiLCJ5"
    "IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)


@pytest.fixture(scope="module")
def ed_key():
    return OKPKey.generate_key("Ed25519")


@pytest.fixture(scope="module")
def p256_key():
    return ECKey.generate_key("P-256")


def _claims(**overrides):
    claims = {"aud": ISSUER, "iat": int(NOW.timestamp()) - 5, "nonce": NONCE}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _proof(key, *, alg="EdDSA", header=None, claims=None, **claim_overrides):
    header = {"typ": TYP, "alg": alg, "jwk": key.as_dict(private=False)} if header is None else header
    return rfc_jwt.encode(header, claims if claims is not None else _claims(**claim_overrides), key, algorithms=[alg])


def _verify(token, **kwargs):
    return verify_key_proof(token, audience=ISSUER, nonce=kwargs.pop("nonce", NONCE), now=NOW, **kwargs)


def _refused(token, error="invalid_proof", **kwargs):
    with pytest.raises(Oid4vciError) as caught:
        _verify(token, **kwargs)
    assert caught.value.error == error, caught.value.description
    return caught.value.description


def _public_ed25519(key):
    return ed25519.Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key.as_dict()["x"] + "=="))


# --- Accepted ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_ed25519_jwk_proof_binds_to_its_did_key(ed_key, alg):
    holder = _verify(_proof(ed_key, alg=alg))
    assert holder.did == "did:key:" + ed25519_to_multikey(_public_ed25519(ed_key))
    assert holder.did.startswith("did:key:z6Mk")
    assert holder.public_key_jwk == {"crv": "Ed25519", "kty": "OKP", "x": ed_key.as_dict()["x"]}
    assert holder.nonce == NONCE


def test_es256_jwk_proof_binds_to_a_p256_did_key(p256_key):
    holder = _verify(_proof(p256_key, alg="ES256"))
    assert holder.did.startswith("did:key:zDn")
    public = p256_key.as_dict(private=False)
    assert holder.public_key_jwk == {"crv": "P-256", "kty": "EC", "x": public["x"], "y": public["y"]}
    assert (
        holder_keys.key_from_did_url(holder.did)[1].public_numbers()
        == p256_key.private_key.public_key().public_numbers()
    )


def test_kid_did_key_ed25519_and_p256(ed_key, p256_key):
    ed_did = "did:key:" + ed25519_to_multikey(_public_ed25519(ed_key))
    fragment = ed_did.removeprefix("did:key:")
    for kid in (f"{ed_did}#{fragment}", ed_did):
        assert _verify(_proof(ed_key, header={"typ": TYP, "alg": "EdDSA", "kid": kid})).did == ed_did
    p_did = holder_keys.did_key_for(p256_key.private_key.public_key())
    kid = f"{p_did}#{p_did.removeprefix('did:key:')}"
    assert _verify(_proof(p256_key, alg="ES256", header={"typ": TYP, "alg": "ES256", "kid": kid})).did == p_did


def test_kid_did_jwk_keeps_the_did_jwk(p256_key):
    did = holder_keys.did_jwk_for(p256_key.private_key.public_key())
    holder = _verify(_proof(p256_key, alg="ES256", header={"typ": TYP, "alg": "ES256", "kid": f"{did}#0"}))
    assert holder.did == did


def test_nonce_may_be_checked_by_a_callable_after_the_signature(ed_key):
    seen = []
    assert _verify(_proof(ed_key), nonce=lambda value: seen.append(value) or True).nonce == NONCE
    assert seen == [NONCE]
    forged = _proof(
        ed_key, header={"typ": TYP, "alg": "EdDSA", "jwk": OKPKey.generate_key("Ed25519").as_dict(private=False)}
    )
    _refused(forged, nonce=lambda value: seen.append(value) or True)
    assert seen == [NONCE]  # a forged proof never reaches the nonce store
    assert "nonce" in _refused(_proof(ed_key), "invalid_nonce", nonce=lambda value: False)


def test_aud_array_and_typ_media_type_are_accepted(ed_key):
    assert _verify(_proof(ed_key, aud=["https://other.example", ISSUER]))
    header = {"typ": "application/openid4vci-proof+jwt", "alg": "EdDSA", "jwk": ed_key.as_dict(private=False)}
    assert _verify(_proof(ed_key, header=header))


# --- Refused -------------------------------------------------------------------------------------------------


def _header(key, **changes):
    header = {"typ": TYP, "alg": "EdDSA", "jwk": key.as_dict(private=False)} | changes
    return {k: v for k, v in header.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"typ": "JWT"}, "typ"),
        ({"typ": None}, "typ"),
        ({"crit": ["b64"], "b64": True}, "critical"),
        ({"x5c": ["MIIB"]}, "x5c"),
    ],
)
def test_header_refusals(ed_key, changes, message):
    assert message in _refused(_proof(ed_key, header=_header(ed_key, **changes)))


def test_jwk_with_private_key_is_refused(ed_key):
    assert "private" in _refused(_proof(ed_key, header=_header(ed_key, jwk=ed_key.as_dict(private=True))))


def test_both_kid_and_jwk_or_neither_is_refused(ed_key):
    did = "did:key:" + ed25519_to_multikey(_public_ed25519(ed_key))
    assert "exactly one" in _refused(_proof(ed_key, header=_header(ed_key, kid=did)))
    assert "exactly one" in _refused(_proof(ed_key, header=_header(ed_key, jwk=None)))


@pytest.mark.parametrize(
    "kid",
    [
        "did:web:wallet.example#key-1",
        "https://wallet.example/keys/1",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkOther",
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1
        "did:key:z6Mk!!!",
        "did:jwk:not-base64!#0",
        DID_JWK_VECTOR + "#1",
        "did:key:" + "z" * 5000,
        7,
    ],
)
def test_unusable_kids_are_refused(ed_key, kid):
    _refused(_raw_proof(ed_key, {"typ": TYP, "alg": "EdDSA", "kid": kid}, _claims()))


def test_unsupported_algorithms_are_refused(ed_key):
    rsa_like = _proof(ed_key).split(".")
    for alg in ("RS256", "HS256", "none", "ES384", None):
        header = _header(ed_key, alg=alg)
        forged = ".".join([_b64(header), rsa_like[1], rsa_like[2]])
        assert "alg" in _refused(forged)


def test_alg_that_does_not_match_the_key_is_refused(ed_key, p256_key):
    token = _proof(ed_key).split(".")
    header = _header(ed_key, alg="ES256")
    assert "does not match" in _refused(".".join([_b64(header), token[1], token[2]]))
    assert "does not match" in _refused(
        _proof(p256_key, alg="ES256", header=_header(p256_key, alg="ES256", jwk=ed_key.as_dict(private=False)))
    )


def test_proof_signed_by_another_key_than_the_headers(ed_key, p256_key):
    other = OKPKey.generate_key("Ed25519")
    assert "signature" in _refused(_proof(other, header=_header(ed_key)))
    other_p = ECKey.generate_key("P-256")
    header = {"typ": TYP, "alg": "ES256", "jwk": p256_key.as_dict(private=False)}
    assert "signature" in _refused(_proof(other_p, alg="ES256", header=header))
    did = "did:key:" + ed25519_to_multikey(_public_ed25519(ed_key))
    assert "signature" in _refused(_proof(other, header={"typ": TYP, "alg": "EdDSA", "kid": did}))


def test_tampered_claims_are_refused(ed_key):
    header, _, signature = _proof(ed_key).split(".")
    payload = _b64(_claims(aud=ISSUER, nonce="another"))
    assert "signature" in _refused(f"{header}.{payload}.{signature}")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"aud": "https://evil.example"}, "aud"),
        ({"aud": None}, "aud"),
        ({"iat": int(NOW.timestamp()) - 301}, "older than 300 seconds"),
        ({"iat": int(NOW.timestamp()) + 61}, "future"),
        ({"iat": None}, "iat"),
        ({"iat": "2026-03-01T12:00:00Z"}, "iat"),
        ({"iat": True}, "iat"),
        ({"exp": int(NOW.timestamp()) - 120}, "expired"),
        ({"nbf": int(NOW.timestamp()) + 120}, "not valid yet"),
        ({"nonce": None}, "no nonce"),
        ({"nonce": 5}, "no nonce"),
    ],
)
def test_claim_refusals(ed_key, overrides, message):
    assert message in _refused(_proof(ed_key, **overrides))


def test_wrong_nonce_is_invalid_nonce(ed_key):
    _refused(_proof(ed_key, nonce="LarRGSbmUPYtRYO6BQ4yn8"), "invalid_nonce")


def test_small_clock_skew_and_max_age_are_honoured(ed_key):
    assert _verify(_proof(ed_key, iat=int(NOW.timestamp()) + 30))
    assert _verify(_proof(ed_key, iat=int(NOW.timestamp()) - 500), max_age_seconds=600)


@pytest.mark.parametrize("token", ["", "a.b", "not a jwt", "e30.e30.", "a" * 20_000, None, "W10.e30.c2ln"])
def test_garbage_is_invalid_proof(token):
    _refused(token)


def test_payload_must_be_a_json_object(ed_key):
    assert "JSON object" in _refused(_raw_proof(ed_key, _header(ed_key), [1, 2]))


def test_naive_now_is_a_programming_error(ed_key):
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_key_proof(_proof(ed_key), audience=ISSUER, nonce=NONCE, now=datetime(2026, 3, 1, 12))


def _raw_proof(key, header, claims) -> str:
    """Signed without a JOSE library's header checks, for the hostile headers those libraries will not write."""
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    return f"{signing_input}.{_raw_b64(key.private_key.sign(signing_input.encode()))}"


def _raw_b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64(value) -> str:
    return _raw_b64(json.dumps(value).encode())


# --- Holder keys against the published vectors ----------------------------------------------------------------


def test_p256_did_key_vector_both_ways():
    key = holder_keys.public_key_from_jwk(P256_VECTOR["jwk"])
    assert holder_keys.did_key_for(key) == P256_VECTOR["did"]
    did, read = holder_keys.key_from_did_url(P256_VECTOR["did"] + "#" + P256_VECTOR["did"].removeprefix("did:key:"))
    assert did == P256_VECTOR["did"]
    assert holder_keys.public_jwk(read) == {k: P256_VECTOR["jwk"][k] for k in ("crv", "kty", "x", "y")}


def test_did_jwk_vector_both_ways():
    did, key = holder_keys.key_from_did_url(DID_JWK_VECTOR + "#0")
    assert did == DID_JWK_VECTOR
    assert holder_keys.did_jwk_for(key) == DID_JWK_VECTOR


def test_ed25519_did_key_matches_the_multikey_encoding():
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    assert holder_keys.did_key_for(key) == "did:key:" + ed25519_to_multikey(key)
    assert holder_keys.key_from_did_url(holder_keys.did_key_for(key))[1] == key


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "EC", "crv": "P-256", "x": P256_VECTOR["jwk"]["x"], "y": P256_VECTOR["jwk"]["x"]},  # off the curve
        {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kty": "OKP", "crv": "Ed25519", "x": "=="},
        {"kty": "oct", "k": "c2VjcmV0"},
        "not a jwk",
    ],
)
def test_unusable_jwks_are_refused(jwk):
    with pytest.raises(holder_keys.HolderKeyError):
        holder_keys.public_key_from_jwk(jwk)


def test_other_key_types_have_no_holder_did():
    with pytest.raises(holder_keys.HolderKeyError):
        holder_keys.did_key_for(ec.generate_private_key(ec.SECP384R1()).public_key())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(
    header=st.fixed_dictionaries(
        {"typ": st.just(TYP), "alg": st.sampled_from(["EdDSA", "ES256"])},
        optional={"jwk": _JSON, "kid": _JSON | st.sampled_from(["did:key:z6Mk", "did:jwk:e30", DID_JWK_VECTOR])},
    ),
    claims=_JSON,
)
def test_hostile_headers_and_claims_are_refused_with_a_code(header, claims):
    key = OKPKey.generate_key("Ed25519")
    with pytest.raises(Oid4vciError) as caught:
        _verify(_raw_proof(key, header, claims))
    assert caught.value.error in {"invalid_proof", "invalid_nonce"}
