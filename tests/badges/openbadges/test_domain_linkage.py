"""DIF Well Known DID Configuration: composing a domain linkage JWT and verifying a did-configuration.json,
including the spec's traps (the JWT's registered claims and its ``vc`` member must agree)."""

import base64
import json
from datetime import timedelta

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from badges.openbadges.keys import ed25519_to_multikey
from badges.openbadges.ob3 import domain_linkage as dl
from tests.interop.ob3_kit import IssuerKit, utc

ORIGIN = "https://northfield.edu"
ISSUED, EXPIRES, NOW = utc(2026, 1, 1), utc(2027, 1, 1), utc(2026, 6, 1)


@pytest.fixture
def kit():
    return IssuerKit(base_url="https://badges.example.edu")


def _jwt(kit, *, key=None, origin=ORIGIN, did=None, issued=ISSUED, expires=EXPIRES):
    key = key or kit.ed_keys[-1]
    return dl.sign_domain_linkage_jwt(
        did=did or kit.did, origin=origin, private_key=key, kid=kit.method_id(key), issued=issued, expires=expires
    )


def _check(kit, resource, *, did=None, origin=ORIGIN, now=NOW):
    return dl.verify_did_configuration(
        resource=resource, did=did or kit.did, origin=origin, resolve_did=kit.resolve_did, now=now
    )


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _resign(kit, token: str, change) -> str:
    """The token's header and claims after ``change(claims)``, signed again with the issuer's real key."""
    header = pyjwt.get_unverified_header(token)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    change(claims)
    return pyjwt.encode(claims, kit.ed_keys[-1], algorithm="EdDSA", headers={"kid": header["kid"]})


def test_composed_linkage_has_the_spec_shape(kit):
    token = _jwt(kit)
    header = pyjwt.get_unverified_header(token)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert header["alg"] == "EdDSA" and header["kid"] == kit.method_id()
    assert claims["iss"] == claims["sub"] == kit.did
    assert claims["nbf"] == int(ISSUED.timestamp()) and claims["exp"] == int(EXPIRES.timestamp())
    vc = claims["vc"]
    assert vc["@context"] == [dl.VC_V1_CONTEXT, dl.DID_CONFIGURATION_CONTEXT]
    assert vc["type"] == ["VerifiableCredential", "DomainLinkageCredential"]
    assert vc["issuer"] == kit.did and vc["credentialSubject"] == {"id": kit.did, "origin": ORIGIN}
    assert vc["issuanceDate"] == "2026-01-01T00:00:00Z" and vc["expirationDate"] == "2027-01-01T00:00:00Z"
    assert "id" not in vc
    resource = dl.did_configuration(linked_dids=[token])
    assert resource == {"@context": dl.DID_CONFIGURATION_CONTEXT, "linked_dids": [token]}


def test_a_valid_linkage_is_confirmed(kit):
    outcome = _check(kit, dl.did_configuration(linked_dids=[_jwt(kit)]))
    assert outcome.confirmed and outcome.reason == "confirmed"


def test_rsa_key_of_the_did_document_also_confirms(kit):
    token = dl.sign_domain_linkage_jwt(
        did=kit.did, origin=ORIGIN, private_key=kit.rsa_key, kid=kit.jwt_kid, issued=ISSUED, expires=EXPIRES
    )
    assert pyjwt.get_unverified_header(token)["alg"] == "RS256"
    assert _check(kit, dl.did_configuration(linked_dids=[token])).confirmed


def test_es256_key_confirms(kit):
    p256 = ec.generate_private_key(ec.SECP256R1())
    numbers = p256.public_key().public_numbers()

    def coordinate(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    document = kit.did_document()
    method = {
        "id": f"{kit.did}#p256",
        "type": "JsonWebKey",
        "controller": kit.did,
        "publicKeyJwk": {"kty": "EC", "crv": "P-256", "x": coordinate(numbers.x), "y": coordinate(numbers.y)},
    }
    document["verificationMethod"].append(method)
    document["assertionMethod"].append(method["id"])
    token = dl.sign_domain_linkage_jwt(
        did=kit.did, origin=ORIGIN, private_key=p256, kid=method["id"], issued=ISSUED, expires=EXPIRES
    )
    outcome = dl.verify_did_configuration(
        resource=dl.did_configuration(linked_dids=[token]),
        did=kit.did,
        origin=ORIGIN,
        resolve_did=lambda d: document,
        now=NOW,
    )
    assert outcome.confirmed, outcome


def test_signed_by_another_key_is_not_confirmed(kit):
    stranger = ed25519.Ed25519PrivateKey.generate()
    # A key that is not in the DID document, named as if it were the issuer's.
    kid = f"{kit.did}#{ed25519_to_multikey(stranger.public_key())}"
    token = dl.sign_domain_linkage_jwt(
        did=kit.did, origin=ORIGIN, private_key=stranger, kid=kid, issued=ISSUED, expires=EXPIRES
    )
    outcome = _check(kit, dl.did_configuration(linked_dids=[token]))
    assert not outcome.confirmed and outcome.reason == "invalid"
    assert "not published" in outcome.message
    # The same stranger's key claiming to be the issuer's published key: the signature does not match.
    forged = pyjwt.encode(
        json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")),
        stranger,
        algorithm="EdDSA",
        headers={"kid": kit.method_id()},
    )
    outcome = _check(kit, dl.did_configuration(linked_dids=[forged]))
    assert not outcome.confirmed and "signature does not match" in outcome.message


def test_a_linkage_for_another_did_is_not_confirmed(kit):
    other = IssuerKit(base_url="https://badges.example.edu", slug="someone-else")
    token = dl.sign_domain_linkage_jwt(
        did=other.did,
        origin=ORIGIN,
        private_key=other.ed_keys[-1],
        kid=other.method_id(),
        issued=ISSUED,
        expires=EXPIRES,
    )
    outcome = _check(kit, dl.did_configuration(linked_dids=[token]))
    assert not outcome.confirmed and outcome.reason == "no_linkage"


def test_a_linkage_for_another_origin_is_not_confirmed(kit):
    outcome = _check(kit, dl.did_configuration(linked_dids=[_jwt(kit, origin="https://evil.example")]))
    assert not outcome.confirmed and outcome.reason == "invalid" and "evil.example" in outcome.message
    # Same host, another scheme or port, is another origin.
    assert not _check(
        kit, dl.did_configuration(linked_dids=[_jwt(kit, origin="https://northfield.edu:8443")])
    ).confirmed


def test_expired_and_not_yet_valid_linkages_are_not_confirmed(kit):
    resource = dl.did_configuration(linked_dids=[_jwt(kit)])
    expired = _check(kit, resource, now=EXPIRES + timedelta(seconds=1))
    assert not expired.confirmed and "expired on 2027-01-01" in expired.message
    early = _check(kit, resource, now=ISSUED - timedelta(days=1))
    assert not early.confirmed and "not valid yet" in early.message


def test_an_expired_entry_beside_its_replacement_is_confirmed(kit):
    old = _jwt(kit, issued=utc(2024, 1, 1), expires=utc(2025, 1, 1))
    assert _check(kit, dl.did_configuration(linked_dids=[old, _jwt(kit)])).confirmed


# The spec's traps: top-level claims and the vc member are both signed and must both say the same thing.


def test_trap_top_level_exp_in_the_future_but_vc_expired(kit):
    def change(claims):
        claims["vc"]["expirationDate"] = "2026-02-01T00:00:00Z"

    token = _resign(kit, _jwt(kit), change)
    outcome = _check(kit, dl.did_configuration(linked_dids=[token]))
    assert not outcome.confirmed and "disagree" in outcome.message


def test_trap_vc_dates_valid_but_top_level_exp_missing(kit):
    token = _resign(kit, _jwt(kit), lambda claims: claims.pop("exp"))
    assert "exp claim" in _check(kit, dl.did_configuration(linked_dids=[token])).message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: c.update(iss="did:web:evil.example"), "iss claim"),
        (lambda c: c.update(sub="did:web:evil.example"), "sub claim"),
        (lambda c: c["vc"].update(issuer="did:web:evil.example"), "issued by"),
        (lambda c: c["vc"]["credentialSubject"].update(id="did:web:evil.example"), "subject"),
        (lambda c: c.pop("vc"), "no vc claim"),
        (lambda c: c["vc"].update(type=["VerifiableCredential"]), "DomainLinkageCredential"),
        (lambda c: c["vc"].update({"@context": [dl.VC_V1_CONTEXT]}), "context"),
        (lambda c: c["vc"]["credentialSubject"].pop("origin"), "no valid origin"),
        (lambda c: c.update(nbf=c["nbf"] - 10), "disagree"),
    ],
)
def test_trap_claims_and_vc_must_agree(kit, change, words):
    token = _resign(kit, _jwt(kit), change)
    outcome = _check(kit, dl.did_configuration(linked_dids=[token]))
    assert not outcome.confirmed and words in outcome.message, outcome


def test_vc_only_payload_without_registered_claims_is_refused(kit):
    def strip(claims):
        for name in ("iss", "sub", "nbf", "exp"):
            claims.pop(name)

    outcome = _check(kit, dl.did_configuration(linked_dids=[_resign(kit, _jwt(kit), strip)]))
    assert not outcome.confirmed and outcome.reason == "invalid"


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsafe_algorithms_are_refused(kit, alg):
    token = _jwt(kit)
    header = {"alg": alg, "kid": kit.method_id()}
    forged = f"{_b64(header)}.{token.split('.')[1]}."
    outcome = _check(kit, dl.did_configuration(linked_dids=[forged]))
    assert not outcome.confirmed and "not accepted" in outcome.message


def test_kid_of_another_did_is_refused(kit):
    other = IssuerKit(base_url="https://badges.example.edu", slug="someone-else")
    token = pyjwt.encode(
        json.loads(base64.urlsafe_b64decode(_jwt(kit).split(".")[1] + "==")),
        other.ed_keys[-1],
        algorithm="EdDSA",
        headers={"kid": other.method_id()},
    )
    outcome = _check(kit, dl.did_configuration(linked_dids=[token]))
    assert not outcome.confirmed and "not of" in outcome.message


def test_key_not_authorised_for_assertions_is_refused(kit):
    document = kit.did_document()
    document["assertionMethod"] = [m for m in document["assertionMethod"] if m != kit.method_id()]
    outcome = dl.verify_did_configuration(
        resource=dl.did_configuration(linked_dids=[_jwt(kit)]),
        did=kit.did,
        origin=ORIGIN,
        resolve_did=lambda d: document,
        now=NOW,
    )
    assert not outcome.confirmed and "assertion method" in outcome.message


def test_unresolvable_did_is_a_reason_not_a_crash(kit):
    def fail(did):
        raise OSError("connection refused")

    outcome = dl.verify_did_configuration(
        resource=dl.did_configuration(linked_dids=[_jwt(kit)]), did=kit.did, origin=ORIGIN, resolve_did=fail, now=NOW
    )
    assert not outcome.confirmed and "could not be fetched" in outcome.message


@pytest.mark.parametrize(
    "resource",
    [
        None,
        [],
        "text",
        {"linked_dids": "x"},
        {"@context": "https://example.org/other", "linked_dids": []},
        {"@context": dl.DID_CONFIGURATION_CONTEXT},
        {"@context": dl.DID_CONFIGURATION_CONTEXT, "linked_dids": ["x"] * 51},
    ],
)
def test_malformed_resources(kit, resource):
    outcome = _check(kit, resource)
    assert not outcome.confirmed and outcome.reason == "malformed"


def test_garbage_entries_are_skipped(kit):
    resource = dl.did_configuration(linked_dids=["a.b.c", 7, None, {"x": 1}, "not a jwt", _jwt(kit)])
    assert _check(kit, resource).confirmed
    assert _check(kit, dl.did_configuration(linked_dids=["a.b.c", 7])).reason == "no_linkage"


def test_json_ld_entries_are_not_checked(kit):
    unsigned = dl.domain_linkage_credential(did=kit.did, origin=ORIGIN, issued=ISSUED, expires=EXPIRES)
    outcome = _check(kit, dl.did_configuration(linked_dids=[{**unsigned, "proof": {"type": "Ed25519Signature2020"}}]))
    assert not outcome.confirmed and outcome.reason == "not_checked"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("northfield.edu", "https://northfield.edu"),
        ("HTTPS://NorthField.edu/", "https://northfield.edu"),
        ("https://northfield.edu:443", "https://northfield.edu"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_origins_are_normalized(given, expected):
    assert dl.normalize_origin(given) == expected


@pytest.mark.parametrize("bad", ["", "ftp://x.org", "https://x.org/path", "https://u:p@x.org", "https://x.org:99999"])
def test_bad_origins_are_refused(bad):
    with pytest.raises(dl.DomainLinkageError):
        dl.normalize_origin(bad)


def test_signing_refuses_a_kid_of_another_did(kit):
    with pytest.raises(dl.DomainLinkageError):
        dl.sign_domain_linkage_jwt(
            did=kit.did,
            origin=ORIGIN,
            private_key=kit.ed_keys[-1],
            kid="did:web:other.example#k",
            issued=ISSUED,
            expires=EXPIRES,
        )


def test_internationalised_and_hostile_host_names():
    assert dl.normalize_origin("https://bücher.example") == "https://xn--bcher-kva.example"
    for bad in ("https://ex<script>.com", "https://a b.com", "https://\ud800.com"):
        with pytest.raises(dl.DomainLinkageError):
            dl.normalize_origin(bad)
