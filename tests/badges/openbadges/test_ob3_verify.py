"""The OB 3.0 verifier: every check, both forms, revocation, expiry, key rotation and key binding."""

import copy
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.openbadges.ob3 import proof, status_list
from badges.openbadges.ob3 import verify as v
from tests.interop.ob3_kit import IssuerKit, utc

VECTOR = Path(__file__).resolve().parent / "vectors" / "ob3-eddsa-rdfc-2022"


@pytest.fixture
def kit():
    return IssuerKit(base_url="http://127.0.0.1:8000")


def _verify(kit, credential, *, now=None):
    return v.verify(
        credential=credential,
        resolve_did=kit.resolve_did,
        fetch_status_list=kit.fetch_status_list,
        now=kit.clock(now),
    )


def _failed(result):
    return {c.name: c.message for c in result.checks if not c.ok}


def test_fresh_credential_is_valid_in_both_forms(kit):
    signed = kit.signed_credential(valid_until=utc(2030, 1, 1))
    for form, credential in (("data_integrity", signed), ("jwt", kit.jwt(signed))):
        result = _verify(kit, credential)
        assert result.verdict == "valid", _failed(result)
        assert result.form == form
        assert [c.name for c in result.checks] == [
            "format",
            "signature",
            "issuer_key",
            "status",
            "valid_from",
            "expiration",
        ]
        assert result.credential["id"] == signed["id"]


def test_json_text_is_detected(kit):
    assert _verify(kit, json.dumps(kit.signed_credential())).verdict == "valid"
    assert _verify(kit, "hello").verdict == "invalid"


def test_results_are_plain_data(kit):
    data = _verify(kit, kit.signed_credential()).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["verdict"] == "valid" and {"name", "ok", "message", "severity"} <= set(data["checks"][0])


def test_tampered_credential_is_invalid(kit):
    tampered = copy.deepcopy(kit.signed_credential())
    tampered["credentialSubject"]["achievement"]["name"] = "Brain Surgery"
    result = _verify(kit, tampered)
    assert result.verdict == "invalid" and set(_failed(result)) == {"signature"}


def test_tampered_jwt_is_invalid(kit):
    token = kit.jwt(kit.credential())
    result = _verify(kit, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    assert result.verdict == "invalid" and "signature" in _failed(result)


def test_revoked_credential(kit):
    signed = kit.signed_credential(index=4321)
    kit.revoke(4321)
    for credential in (signed, kit.jwt(signed)):
        result = _verify(kit, credential)
        assert result.verdict == "invalid"
        assert _failed(result) == {"status": "The issuer has revoked this credential."}
    assert _verify(kit, kit.signed_credential(index=4322)).verdict == "valid"


def test_status_list_with_a_bad_signature_is_not_trusted(kit):
    signed = kit.signed_credential(index=7)
    status_list = kit.signed_status_list()
    status_list["credentialSubject"]["encodedList"] = kit.signed_status_list()["credentialSubject"]["encodedList"]
    status_list["validFrom"] = "2025-01-02T00:00:00Z"
    result = v.verify(
        credential=signed,
        resolve_did=kit.resolve_did,
        fetch_status_list=lambda url: status_list,
        now=kit.clock(),
    )
    assert "own signature" in _failed(result)["status"]


def _counting_status_list_proofs(monkeypatch):
    """Counts the status list proofs actually checked (the credential's own proof is not counted)."""
    checked = []
    real = v.verify_proof

    def counting(**kwargs):
        checked.append(kwargs["document"]["id"])
        return real(**kwargs)

    v._status_list_proof.cache_clear()
    monkeypatch.setattr(v, "verify_proof", counting)
    return checked


def test_an_unchanged_status_list_is_verified_once(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    for index in (1, 2, 3):
        assert _verify(kit, kit.signed_credential(index=index)).verdict == "valid"
    assert len(checked) == 1


def test_a_changed_status_list_is_not_served_from_the_cache(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    signed = kit.signed_credential(index=9)
    assert _verify(kit, signed).verdict == "valid"
    # Revoked: the list is signed again, its text changes, and the new list is checked and read.
    kit.revoke(9)
    assert _failed(_verify(kit, signed)) == {"status": "The issuer has revoked this credential."}
    assert len(checked) == 2
    # The list that verified before, altered without being signed again: its proof is checked, and fails.
    tampered = kit.signed_status_list()
    assert _failed(_verify(kit, signed)) == {"status": "The issuer has revoked this credential."}
    assert len(checked) == 2  # the same revoked list again: remembered
    tampered["credentialSubject"]["encodedList"] = status_list.encode_list(status_list.new_bitstring())
    result = v.verify(
        credential=signed, resolve_did=kit.resolve_did, fetch_status_list=lambda url: tampered, now=kit.clock()
    )
    assert "own signature" in _failed(result)["status"]
    assert len(checked) == 3


def test_a_status_list_is_checked_again_once_the_fast_path_is_switched_off(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    signed = kit.signed_credential()
    assert _verify(kit, signed).verdict == "valid"
    proof.disable_fast_path("a test: what the fast path computed is not trusted any more")
    try:
        for _ in range(2):  # and not remembered while the full path does the work
            assert _verify(kit, signed).verdict == "valid"
        assert len(checked) == 3
    finally:
        proof.reset_fast_path()


def test_a_cached_status_list_still_needs_a_published_key(kit, monkeypatch):
    _counting_status_list_proofs(monkeypatch)
    signed, the_list = kit.signed_credential(), kit.signed_status_list()
    assert _verify(kit, signed).verdict == "valid"
    kit.ed_keys = [ed25519.Ed25519PrivateKey.generate()]  # the key that signed the list is withdrawn
    result = v.verify(
        credential=signed, resolve_did=kit.resolve_did, fetch_status_list=lambda url: the_list, now=kit.clock()
    )
    assert "not published" in _failed(result)["status"]


def test_a_status_list_that_is_not_plain_json_is_checked_every_time(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    the_list = kit.signed_status_list()
    the_list["type"] = tuple(the_list["type"])  # not JSON: a tuple would read as a list in JSON text
    for _ in range(2):
        v.verify(
            credential=kit.signed_credential(),
            resolve_did=kit.resolve_did,
            fetch_status_list=lambda url: the_list,
            now=kit.clock(),
        )
    assert len(checked) == 2


def test_unreachable_status_list_is_a_warning(kit):
    def offline(url):
        raise OSError("connection refused")

    result = v.verify(
        credential=kit.signed_credential(),
        resolve_did=kit.resolve_did,
        fetch_status_list=offline,
        now=kit.clock(),
    )
    assert result.verdict == "valid_with_warnings"
    assert "could not be fetched" in _failed(result)["status"]


def test_expired_and_not_yet_valid(kit):
    signed = kit.signed_credential(valid_until=utc(2025, 5, 1))
    result = _verify(kit, signed)
    assert result.verdict == "invalid"
    assert _failed(result) == {"expiration": "The credential expired on 2025-05-01T00:00:00Z."}
    assert _verify(kit, signed, now=utc(2025, 4, 1)).verdict == "valid"
    assert "valid_from" in _failed(_verify(kit, signed, now=utc(2025, 2, 1)))


def test_key_rotation_keeps_old_credentials_valid(kit):
    old = kit.signed_credential(index=1)
    kit.rotate()
    new = kit.signed_credential(index=2)
    assert old["proof"]["verificationMethod"] != new["proof"]["verificationMethod"]
    assert _verify(kit, old).verdict == "valid"
    assert _verify(kit, new).verdict == "valid"


def test_a_key_removed_from_the_did_document_fails(kit):
    old = kit.signed_credential()
    kit.ed_keys = [ed25519.Ed25519PrivateKey.generate()]  # compromised key withdrawn
    result = _verify(kit, old)
    assert "not published" in _failed(result)["issuer_key"]


def test_a_key_not_listed_for_assertion_is_refused(kit):
    signed = kit.signed_credential()
    document = kit.did_document()
    document["assertionMethod"] = []
    result = v.verify(
        credential=signed,
        resolve_did=lambda d: document,
        fetch_status_list=kit.fetch_status_list,
        now=kit.clock(),
    )
    failed = _failed(result)
    assert failed["issuer_key"] == "The issuer has not authorised this key to issue credentials."
    assert "not signed with an issuer key" in failed["status"]  # the same key signed the status list


def test_someone_elses_key_is_refused(kit):
    mallory = IssuerKit(base_url="http://127.0.0.1:8000", slug="mallory")
    forged = mallory.sign(kit.credential())  # claims to be kit's issuer, signed with mallory's key
    resolver = {kit.did: kit.did_document(), mallory.did: mallory.did_document()}
    result = v.verify(
        credential=forged,
        resolve_did=resolver.__getitem__,
        fetch_status_list=kit.fetch_status_list,
        now=kit.clock(),
    )
    assert result.verdict == "invalid"
    assert "not to the issuer" in _failed(result)["issuer_key"]


def test_unresolvable_issuer(kit):
    def nowhere(did):
        raise LookupError("404")

    result = v.verify(
        credential=kit.signed_credential(),
        resolve_did=nowhere,
        fetch_status_list=kit.fetch_status_list,
        now=kit.clock(),
    )
    assert result.verdict == "invalid" and "could not be fetched" in _failed(result)["signature"]


def test_the_1edtech_vector_verifies_given_its_issuer_keys(kit):
    credential = json.loads((VECTOR / "credential.json").read_text())
    proof = json.loads((VECTOR / "proof-config.json").read_text())
    proof["proofValue"] = "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
    issuer = "https://example.edu/issuers/565049"
    controller = {
        "id": issuer,
        "verificationMethod": [
            {
                "id": proof["verificationMethod"],
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
            }
        ],
        "assertionMethod": [proof["verificationMethod"]],
    }
    result = v.verify(
        credential=credential | {"proof": proof},
        resolve_did={issuer: controller}.__getitem__,
        fetch_status_list=kit.fetch_status_list,
        now=kit.clock(),
    )
    assert result.verdict == "valid", _failed(result)


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda c: c.__setitem__("@context", c["@context"][1:]), "first @context"),
        (lambda c: c.__setitem__("type", ["VerifiableCredential"]), "type"),
        (lambda c: c["credentialSubject"].pop("achievement"), "achievement"),
    ],
)
def test_format_problems(kit, mutate, fragment):
    signed = kit.signed_credential()
    mutate(signed)
    result = _verify(kit, signed)
    assert result.verdict == "invalid" and fragment in _failed(result)["format"]
