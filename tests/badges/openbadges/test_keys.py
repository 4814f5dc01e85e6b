"""Key encodings: Ed25519 Multikey (z6Mk…) both ways, public JWKs for Ed25519 and RSA, thumbprints."""

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from joserfc.jwk import OKPKey, RSAKey

from badges.openbadges import keys

VECTOR_PUBLIC = bytes.fromhex("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
VECTOR_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def test_multikey_matches_the_1edtech_vector_both_ways():
    public = ed25519.Ed25519PublicKey.from_public_bytes(VECTOR_PUBLIC)
    assert keys.ed25519_to_multikey(public) == VECTOR_MULTIKEY
    assert keys.ed25519_public_bytes(keys.ed25519_from_multikey(VECTOR_MULTIKEY)) == VECTOR_PUBLIC


def test_multikey_of_a_private_key_is_its_public_half():
    private = ed25519.Ed25519PrivateKey.generate()
    encoded = keys.ed25519_to_multikey(private)
    assert encoded.startswith("z6Mk") and encoded == keys.ed25519_to_multikey(private.public_key())


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",  # no multibase prefix
        "z0OIl",  # not base58
        "z" + base58.b58encode(b"\xe7\x01" + bytes(33)).decode(),  # secp256k1 codec
        "z" + base58.b58encode(b"\xed\x01" + bytes(31)).decode(),  # too short
    ],
)
def test_bad_multikeys_are_refused(bad):
    with pytest.raises(keys.KeyEncodingError):
        keys.ed25519_from_multikey(bad)


def test_ed25519_jwk_round_trip_and_agrees_with_joserfc():
    private = ed25519.Ed25519PrivateKey.generate()
    jwk = keys.public_key_to_jwk(private)
    assert set(jwk) == {"kty", "crv", "x"}
    assert keys.ed25519_public_bytes(keys.public_key_from_jwk(jwk)) == keys.ed25519_public_bytes(private)
    theirs = OKPKey.import_key(private.public_key()).as_dict(private=False)
    assert {k: theirs[k] for k in ("kty", "crv", "x")} == jwk


def test_rsa_jwk_round_trip_agrees_with_joserfc():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = keys.public_key_to_jwk(private)
    assert set(jwk) == {"kty", "n", "e"} and jwk["e"] == "AQAB"
    assert keys.public_key_from_jwk(jwk).public_numbers() == private.public_key().public_numbers()
    theirs = RSAKey.import_key(private.public_key()).as_dict(private=False)
    assert (theirs["n"], theirs["e"]) == (jwk["n"], jwk["e"])
    assert keys.jwk_thumbprint(jwk) == RSAKey.import_key(jwk).thumbprint()


def test_private_jwks_are_refused():
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "BBBB"}
    with pytest.raises(keys.KeyEncodingError, match="private"):
        keys.public_key_from_jwk(jwk)
