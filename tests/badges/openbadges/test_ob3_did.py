"""did:web identifiers both ways and the DID document: Multikey + JsonWebKey entries, absolute ids, retired keys."""

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from badges.openbadges.keys import ed25519_to_multikey
from badges.openbadges.ob3 import did


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://127.0.0.1:8000", "issuers/abc", "did:web:127.0.0.1%3A8000:issuers:abc"),
        ("https://Badges.Example.edu/", "/issuers/abc/", "did:web:badges.example.edu:issuers:abc"),
        ("https://example.edu/laurel", "issuers/x", "did:web:example.edu:laurel:issuers:x"),
        ("https://example.edu", "", "did:web:example.edu"),
        ("http://[::1]:8000", "issuers/a", "did:web:%5B%3A%3A1%5D%3A8000:issuers:a"),
    ],
)
def test_did_web_for(base, path, expected):
    assert did.did_web_for(base_url=base, path=path) == expected


@pytest.mark.parametrize(
    ("identifier", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:issuers:abc", "https://example.com/issuers/abc/did.json"),
        ("did:web:127.0.0.1%3A8000:issuers:abc", "https://127.0.0.1:8000/issuers/abc/did.json"),
        ("did:web:example.com:issuers:abc#key-1", "https://example.com/issuers/abc/did.json"),
    ],
)
def test_did_web_document_url(identifier, url):
    assert did.did_web_document_url(identifier) == url


def test_plain_http_test_servers_are_the_resolvers_choice():
    assert (
        did.did_web_document_url("did:web:127.0.0.1%3A8000:issuers:abc", scheme="http")
        == "http://127.0.0.1:8000/issuers/abc/did.json"
    )


@pytest.mark.parametrize("bad", ["did:key:z6Mk", "did:web:", "web:example.com", "did:web:a%2Fb"])
def test_bad_dids_are_refused(bad):
    with pytest.raises(did.DidError):
        did.did_web_document_url(bad)


def test_did_document_lists_current_and_retired_keys():
    identifier = "did:web:127.0.0.1%3A8000:issuers:abc"
    retired, current = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    document = did.did_document(
        did=identifier,
        keys=[
            did.PublishedKey(public_key=retired.public_key()),
            did.PublishedKey(public_key=current.public_key()),
            did.PublishedKey(public_key=rsa_key.public_key(), fragment="jwt"),
        ],
    )
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/jwk/v1",
    ]
    assert document["id"] == identifier
    methods = document["verificationMethod"]
    assert [m["type"] for m in methods] == ["Multikey", "Multikey", "JsonWebKey"]
    assert methods[0] == {
        "id": f"{identifier}#{ed25519_to_multikey(retired)}",
        "type": "Multikey",
        "controller": identifier,
        "publicKeyMultibase": ed25519_to_multikey(retired),
    }
    assert methods[2]["publicKeyJwk"]["kty"] == "RSA" and "d" not in methods[2]["publicKeyJwk"]
    assert document["assertionMethod"] == [m["id"] for m in methods]
    assert all(m.startswith(identifier + "#") for m in document["assertionMethod"])


def test_ed25519_only_document_has_no_jwk_context():
    document = did.did_document(
        did="did:web:example.com",
        keys=[did.PublishedKey(public_key=ed25519.Ed25519PrivateKey.generate().public_key())],
    )
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def test_duplicate_and_weak_keys_are_refused():
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    with pytest.raises(did.DidError, match="same verification method"):
        did.did_document(did="did:web:example.com", keys=[did.PublishedKey(public_key=key)] * 2)
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()  # noqa: S505 - weak on purpose
    with pytest.raises(did.DidError, match="2048"):
        did.did_document(did="did:web:example.com", keys=[did.PublishedKey(public_key=weak)])
