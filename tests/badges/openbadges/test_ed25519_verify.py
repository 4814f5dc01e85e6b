"""Ed25519 verification by libsodium agrees with OpenSSL on everything an honest or a clumsy signer produces."""

import os
import random

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from badges.openbadges.ob3.proof import ed25519_verify


def openssl_verify(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def test_rfc_8032_test_vector_1():
    # RFC 8032 §7.1, TEST 1: the empty message.
    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    key = Ed25519PrivateKey.from_private_bytes(secret)
    assert key.public_key().public_bytes_raw() == public
    assert key.sign(b"") == signature
    assert ed25519_verify(public_key=key.public_key(), signature=signature, data=b"")
    assert not ed25519_verify(public_key=key.public_key(), signature=signature, data=b"\0")


def test_libsodium_and_openssl_agree_on_valid_and_altered_signatures():
    rng = random.Random(2026)
    for case in range(300):
        key = Ed25519PrivateKey.generate()
        data = os.urandom(rng.choice([0, 1, 32, 64, 1000]))
        signature = key.sign(data)
        if case % 3 == 1:  # one bit of the signature flipped
            position = rng.randrange(len(signature) * 8)
            signature = bytes(b ^ (1 << (position % 8)) if i == position // 8 else b for i, b in enumerate(signature))
        elif case % 3 == 2 and data:  # one bit of the data flipped
            data = bytes([data[0] ^ 1]) + data[1:]
        public = key.public_key()
        assert ed25519_verify(public_key=public, signature=signature, data=data) == openssl_verify(
            public, signature, data
        ), case


def test_another_key_does_not_verify():
    data = b"the credential's two hashes"
    signature = Ed25519PrivateKey.generate().sign(data)
    assert not ed25519_verify(public_key=Ed25519PrivateKey.generate().public_key(), signature=signature, data=data)


def test_a_small_order_key_is_refused():
    # The identity point (y = 1) has order 1: any "signature" with R = identity and S = 0 satisfies the cofactorless
    # equation for every message. OpenSSL accepts it; libsodium refuses keys and R points of small order.
    identity = (1).to_bytes(32, "little")
    forged = identity + bytes(32)
    public = Ed25519PublicKey.from_public_bytes(identity)
    assert openssl_verify(public, forged, b"anything")
    assert not ed25519_verify(public_key=public, signature=forged, data=b"anything")


def test_signing_by_libsodium_gives_openssls_signature() -> None:
    """``proof.ed25519_sign`` (libsodium) makes the very bytes OpenSSL makes: RFC 8032 vector 1, random keys and
    messages of every length a proof signs (64 bytes) and others."""
    from badges.openbadges.ob3.proof import ed25519_sign

    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    expected = bytes.fromhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert ed25519_sign(private_key=Ed25519PrivateKey.from_private_bytes(secret), data=b"") == expected
    rng = random.Random(8032)
    for n in range(300):
        key = Ed25519PrivateKey.generate()
        data = os.urandom(64 if n % 2 else rng.randrange(0, 300))
        signature = ed25519_sign(private_key=key, data=data)
        assert signature == key.sign(data)
        assert openssl_verify(key.public_key(), signature, data)


class _UnreadableKey:
    """A key whose raw bytes cannot be read (as with a key held in hardware): it can only sign."""

    def __init__(self, key: Ed25519PrivateKey, error: type[Exception] | None) -> None:
        self._key, self._error = key, error
        if error is None:  # no private_bytes_raw at all
            return
        self.private_bytes_raw = self._refuse

    def _refuse(self) -> bytes:
        raise self._error("raw bytes not available")

    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


@pytest.mark.parametrize("error", [None, NotImplementedError, TypeError, ValueError])
def test_a_key_whose_raw_bytes_cannot_be_read_is_signed_by_openssl(error) -> None:
    from badges.openbadges.ob3.proof import ed25519_sign

    key = Ed25519PrivateKey.generate()
    data = os.urandom(64)
    assert ed25519_sign(private_key=_UnreadableKey(key, error), data=data) == key.sign(data)


def test_a_readable_key_is_signed_by_libsodium_not_openssl() -> None:
    from badges.openbadges.ob3.proof import ed25519_sign

    class NoOpenSSL:
        def __init__(self, key: Ed25519PrivateKey) -> None:
            self.private_bytes_raw, self.public_key = key.private_bytes_raw, key.public_key

        def sign(self, data: bytes) -> bytes:
            raise AssertionError("OpenSSL was asked to sign: the faster libsodium path was skipped")

    key = Ed25519PrivateKey.generate()
    assert ed25519_sign(private_key=NoOpenSSL(key), data=b"hashes") == key.sign(b"hashes")
