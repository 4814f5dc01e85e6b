"""did:key for Ed25519: the did:key method's test vectors both ways, the DID document the LCW's library resolves,
and a clear refusal for every other kind of identifier."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.openbadges.base58btc import b58decode, b58encode
from badges.openbadges.wallets.didkey import (
    DidKeyError,
    did_key_document,
    did_key_for,
    did_key_verification_method,
    public_key_from_did_key,
)

# w3c-ccg/did-method-key test-vectors/ed25519-x25519.json: seed, did, Ed25519 publicKeyBase58, X25519 key id and
# publicKeyBase58 (the 2018/2019 key types there; the keys and ids are the same in the 2020 document).
SPEC_VECTORS = [
    (
        "00" * 32,
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
        "z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",
        "7By6kV2t2d188odEM4ExAve1UithKT6dLva4dwsDT3ak",
    ),
    (
        "00" * 31 + "01",
        "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
        "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt",
        "z6LSrHyXiPBhUbvPUtyUCdf32sniiMGPTAesgHrtEa4FePtr",
        "FcoNC5NqP9CePWbhfz95iHaEsCjGkZUioK9Ck7Qiw286",
    ),
    (
        "00" * 31 + "02",
        "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
        "8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH",
        "z6LSkkqoZRC34AEpbkhZCqLDcHQVAxuLpQ7kC8XCXMVUfvjE",
        "A5fe37PAxhX5WNKngBpGHhC1KpNE7nwbK9oX2tqwxYxU",
    ),
    (
        "00" * 31 + "03",
        "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ",
        "HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2",
        "z6LSiUo6AEDat8Ze4nQzDo67SGuHLLwsUGkxndHGUjsywHow",
        "7ocvdvQinfqtyQ3Dh9aA7ggoVCQkmfaoueZazHETDv3B",
    ),
    (
        "00" * 31 + "04",
        "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL",
        "J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x",
        "z6LSrGb3qm4xMCEBjvwkLb2WEcXfTM94Tu1RyGCbT5wbg8i9",
        "FbQtKTG6FjWSeYZyowWYv2KBcCbwmHqH6HUuxdJ4xkwP",
    ),
]


@pytest.mark.parametrize(("seed", "did", "public_b58", "x25519_id", "x25519_b58"), SPEC_VECTORS)
def test_spec_vectors(seed, did, public_b58, x25519_id, x25519_b58):
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed)).public_key()
    assert did_key_for(key) == did
    assert public_key_from_did_key(did).public_bytes_raw() == b58decode(public_b58)
    assert public_key_from_did_key(f"{did}#{did[8:]}").public_bytes_raw() == b58decode(public_b58)
    document = did_key_document(did)
    (agreement,) = document["keyAgreement"]
    assert agreement["id"] == f"{did}#{x25519_id}"
    assert agreement["publicKeyMultibase"] == x25519_id
    assert b58decode(x25519_id[1:]) == b"\xec\x01" + b58decode(x25519_b58)


def test_document_has_the_did_method_key_shape():
    did = SPEC_VECTORS[0][1]
    method = f"{did}#{did[8:]}"
    document = did_key_document(method)  # a DID URL gives the DID's document
    assert document["id"] == did
    assert document["@context"][:2] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ]
    assert document["verificationMethod"] == [
        {"id": method, "type": "Ed25519VerificationKey2020", "controller": did, "publicKeyMultibase": did[8:]}
    ]
    for relationship in ("authentication", "assertionMethod", "capabilityDelegation", "capabilityInvocation"):
        assert document[relationship] == [method]
    assert did_key_verification_method(did) == method


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("did:web:example.com", "is not a did:key identifier"),
        ("z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "is not a did:key identifier"),
        # did:key spec examples of other key types: secp256k1, P-256
        ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "is a secp256k1-pub key"),
        ("did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169", "is a p256-pub key"),
        ("did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW", "is a x25519-pub key"),
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mD0Owp", "is not valid base58btc"),
        ("did:key:" + "z" + b58encode(b"\xed\x01" + bytes(31)), "holds 31 key bytes"),
        ("did:key:" + "z" + b58encode(b"\xed\x01" + bytes(33)), "holds 33 key bytes"),
        ("did:key:f" + "ed01" + "00" * 32, "must start with 'z'"),
        ("did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "has a version"),
        (
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
            "names a key other than the one its did:key holds",
        ),
    ],
)
def test_refusals_say_what_is_wrong(value, message):
    with pytest.raises(DidKeyError, match=message):
        public_key_from_did_key(value)
    with pytest.raises(DidKeyError, match=message):
        did_key_document(value)


def test_a_non_string_is_refused():
    with pytest.raises(DidKeyError, match="must be a string"):
        public_key_from_did_key(None)  # type: ignore[arg-type]
