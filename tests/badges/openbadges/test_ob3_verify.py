"""The OB 3.0 verifier: every check, both forms, revocation, expiry, key rotation and key binding."""

import base64
import copy
import json
import marshal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.openbadges.keys import ed25519_to_multikey
from badges.openbadges.ob3 import compose, proof, status_list
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

    v._remembered_reading.cache_clear()
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


def test_a_status_list_made_of_subclasses_is_checked_every_time(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    the_list = kit.signed_status_list()
    the_list["type"] = [_Text(t) for t in the_list["type"]]  # prints as the list it was, but is not what JSON gives
    for _ in range(2):
        result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: the_list)
        assert result.verdict == "valid", _failed(result)
    assert len(checked) == 2


def test_a_remembered_reading_is_never_served_for_a_list_that_differs_only_in_type(kit, monkeypatch):
    # JSON text cannot tell a tuple from a list, nor 1 from 1.0; the key keeps them apart, so each is read once.
    checked = _counting_status_list_proofs(monkeypatch)
    with_ttl = _status_list(kit, ttl=300000)
    as_float = json.loads(json.dumps(with_ttl))
    as_float["credentialSubject"]["ttl"] = 300000.0
    as_tuple = json.loads(json.dumps(with_ttl))
    as_tuple["type"] = tuple(as_tuple["type"])
    for document in (with_ttl, as_float, as_tuple, with_ttl, as_float, as_tuple):
        _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url, d=document: d)
    assert len(checked) == 3


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


# --- each check's own failures, one by one, and the words a person reads
# ---------------------------------------------------------------------------------------------------


def _said(result, name):
    """(ok, message) of the check of that name: the words the verification page shows for it."""
    check = result.check(name)
    return (check.ok, check.message) if check else None


def _verify_with(kit, credential, *, resolve_did=None, fetch_status_list=None, now=None):
    return v.verify(
        credential=credential,
        resolve_did=resolve_did or kit.resolve_did,
        fetch_status_list=fetch_status_list or kit.fetch_status_list,
        now=kit.clock(now),
    )


def _signed_with(kit, change):
    """A credential changed before it is signed (so the signature is good and only the change is judged)."""
    unsigned = kit.credential()
    change(unsigned)
    return kit.sign(unsigned)


def _status_list(kit, *, valid_until=None, purpose="revocation", **subject):
    unsigned = compose.status_list_credential(
        list_url=kit.status_list_url,
        issuer_id=kit.did,
        encoded_list=status_list.encode_list(kit.bits),
        valid_from=kit.list_signed_at,
        valid_until=valid_until,
        purpose=purpose,
    )
    unsigned["credentialSubject"].update(subject)
    return kit.sign(unsigned, created=kit.list_signed_at)


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (
            lambda c: c.pop("@context"),
            f"its first @context is not {v.VC_V2_CONTEXT}; its second @context is not an Open Badges 3.0 context",
        ),
        (
            lambda c: c.__setitem__("@context", [v.VC_V2_CONTEXT, "https://example.org/another-context"]),
            "its second @context is not an Open Badges 3.0 context",
        ),
        (
            lambda c: c.__setitem__("type", ["OpenBadgeCredential"]),
            "its type is not VerifiableCredential + OpenBadgeCredential",
        ),
        (lambda c: c.pop("id"), "it has no id"),
        (lambda c: c.pop("issuer"), "it has no issuer"),
        (lambda c: c.pop("validFrom"), "it has no validFrom"),
        (lambda c: c.pop("credentialSubject"), "it has no credentialSubject"),
        (lambda c: c.__setitem__("issuer", {"name": "No id"}), "its issuer has no id"),
    ],
)
def test_each_format_problem_is_named_alone(kit, change, problems):
    signed = kit.signed_credential()
    change(signed)
    result = _verify(kit, signed)
    assert _said(result, "format") == (False, f"This is not a well-formed Open Badge 3.0: {problems}.")


def test_an_achievement_credential_is_an_open_badge(kit):
    signed = kit.signed_credential()
    signed["type"] = ["VerifiableCredential", "AchievementCredential"]
    assert _said(_verify(kit, signed), "format") == (True, "This is a well-formed Open Badges 3.0 credential.")


def test_what_is_not_a_json_object_is_not_a_credential(kit):
    result = _verify(kit, ["not", "a", "credential"])
    assert result.credential is None
    assert [(c.name, c.ok, c.message) for c in result.checks] == [
        ("format", False, "This is not a credential (not a JSON object).")
    ]


def test_a_key_listed_only_under_assertion_method_is_found(kit):
    document = kit.did_document()
    document["assertionMethod"] = document.pop("verificationMethod")
    result = _verify_with(kit, kit.signed_credential(), resolve_did=lambda did: document)
    assert result.verdict == "valid", _failed(result)
    assert _said(result, "issuer_key") == (
        True,
        "The signing key is published by the issuer for issuing credentials.",
    )


def test_a_key_whose_controller_is_not_the_issuer_is_refused(kit):
    document = kit.did_document()
    for method in document["verificationMethod"]:
        method["controller"] = "did:web:elsewhere.example"
    result = _verify_with(kit, kit.signed_credential(), resolve_did=lambda did: document)
    assert _said(result, "issuer_key") == (False, "The signing key's controller is not the issuer.")
    assert _said(result, "signature")[0]  # the signature itself is good


@pytest.mark.parametrize(
    "answer",
    [lambda kit: {**kit.did_document(), "id": "did:web:elsewhere.example"}, lambda kit: [kit.did_document()]],
)
def test_a_did_document_that_is_not_the_issuers_is_refused(kit, answer):
    result = _verify_with(kit, kit.signed_credential(), resolve_did=lambda did: answer(kit))
    message = f"The document fetched for {kit.did} is not its DID document."
    assert _said(result, "signature") == (False, message)
    assert _said(result, "issuer_key") == (False, message)


def test_a_proof_that_names_no_key(kit):
    signed = kit.signed_credential()
    del signed["proof"]["verificationMethod"]
    result = _verify(kit, signed)
    assert _said(result, "signature") == (False, "The proof does not say which key signed it.")
    assert _said(result, "issuer_key") == (False, "The proof does not say which key signed it.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda method: method.pop("publicKeyMultibase"),
            "The issuer's key could not be read: The verification method has no publicKeyMultibase or publicKeyJwk.",
        ),
        (
            lambda method: method.__setitem__("publicKeyMultibase", [method["publicKeyMultibase"]]),
            "The issuer's key could not be read: publicKeyMultibase must be a base58btc multibase string starting"
            " with 'z'.",
        ),
    ],
)
def test_a_published_key_that_cannot_be_read(kit, change, message):
    document = kit.did_document()
    change(document["verificationMethod"][0])
    result = _verify_with(kit, kit.signed_credential(), resolve_did=lambda did: document)
    assert _said(result, "signature") == (False, message)


def test_a_data_integrity_proof_must_name_an_ed25519_key(kit):
    signed = proof.sign_credential(
        credential=kit.credential(),
        private_key=kit.ed_keys[-1],
        verification_method=kit.jwt_kid,  # the issuer's RSA key, published for VC-JWTs
        created=utc(2025, 3, 1, 12),
    )
    assert _said(_verify(kit, signed), "signature") == (False, "The signing key is not an Ed25519 key.")


def test_a_credential_without_status_and_one_with_an_unknown_method(kit):
    result = _verify(kit, _signed_with(kit, lambda c: c.pop("credentialStatus")))
    assert result.verdict == "valid", _failed(result)
    assert _said(result, "status") == (True, "The issuer publishes no revocation status for this credential.")
    # Statuses the signer refuses to sign (an undefined type): changed after signing, the status check is still
    # made and said on its own.
    unknown = {"id": "https://example.org/status/1", "type": "SomeOtherStatusMethod"}
    signed = kit.signed_credential()
    signed["credentialStatus"] = unknown
    result = _verify(kit, signed)
    assert _said(result, "status") == (False, "The credential's status uses a method this verifier cannot check.")
    assert result.check("status").severity == "warning"
    signed["credentialStatus"] = ["not an entry", unknown, kit.credential()["credentialStatus"]]
    assert _said(_verify(kit, signed), "status") == (True, "The issuer has not revoked this credential.")


@pytest.mark.parametrize(
    "change",
    [
        lambda entry: entry.pop("statusListCredential"),
        lambda entry: entry.__setitem__("statusListIndex", 1234),
        lambda entry: entry.__setitem__("statusListIndex", "12a4"),
    ],
)
def test_a_malformed_status_entry_is_an_error_not_a_fetch(kit, change):
    fetched = []
    signed = kit.signed_credential()  # changed after signing: the signer refuses such an entry
    change(signed["credentialStatus"])
    result = _verify_with(kit, signed, fetch_status_list=lambda url: fetched.append(url) or kit.signed_status_list())
    assert _said(result, "status") == (False, "The credential's status entry is malformed.")
    assert result.check("status").severity == "error" and fetched == []


@pytest.mark.parametrize("answer", [lambda kit: kit.signed_credential(), lambda kit: [kit.signed_status_list()]])
def test_what_is_not_a_status_list_credential_is_refused(kit, answer):
    result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: answer(kit))
    assert _said(result, "status") == (False, "The revocation list is not a BitstringStatusListCredential.")


def test_a_status_list_published_by_another_issuer_is_refused(kit):
    mallory = IssuerKit(base_url="http://127.0.0.1:8000", slug="mallory")
    resolver = {kit.did: kit.did_document(), mallory.did: mallory.did_document()}
    result = _verify_with(
        kit,
        kit.signed_credential(),
        resolve_did=resolver.__getitem__,
        fetch_status_list=lambda url: mallory.signed_status_list(),
    )
    assert _said(result, "status") == (False, "The revocation list was not published by the credential's issuer.")


@pytest.mark.parametrize(
    ("list_valid_from", "list_valid_until", "said"),
    [
        (None, utc(2025, 5, 1), "The credential expired on 2025-05-01T00:00:00Z."),
        (utc(2099, 1, 1), None, "The credential is not valid until 2099-01-01T00:00:00Z."),  # after "now"
    ],
    ids=["expired", "not-yet-valid"],
)
def test_a_status_list_that_is_not_current_is_a_warning_that_says_why(kit, list_valid_from, list_valid_until, said):
    if list_valid_from is not None:
        kit.list_signed_at = list_valid_from  # the list's validFrom
    stale = _status_list(kit, valid_until=list_valid_until)
    result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: stale)
    assert result.verdict == "valid_with_warnings"
    assert _said(result, "status") == (False, "The revocation list is not current: " + said)


def test_a_status_list_for_another_purpose_is_refused(kit):
    suspensions = _status_list(kit, purpose="suspension")
    result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: suspensions)
    assert _said(result, "status") == (False, "The revocation list is for a different status purpose.")


def test_a_suspended_credential_says_suspended(kit):
    signed = _signed_with(kit, lambda c: c["credentialStatus"].__setitem__("statusPurpose", "suspension"))
    kit.revoke(1234)
    suspensions = _status_list(kit, purpose="suspension")
    result = _verify_with(kit, signed, fetch_status_list=lambda url: suspensions)
    assert _failed(result) == {"status": "The issuer has suspended this credential."}


def test_an_unreadable_encoded_list_is_said(kit):
    garbled = _status_list(kit, encodedList="uNot-a-gzip-stream")
    result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: garbled)
    ok, message = _said(result, "status")
    assert not ok and message.startswith("The revocation list could not be read: ")


def test_a_status_list_with_numbers_in_it_is_still_remembered(kit, monkeypatch):
    # A Bitstring list may carry a ttl (a JSON number): still plain JSON, so its proof is checked once.
    checked = _counting_status_list_proofs(monkeypatch)
    with_ttl = _status_list(kit, ttl=300000)
    for _ in range(2):
        result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: with_ttl)
        assert result.verdict == "valid", _failed(result)
    assert len(checked) == 1


def test_an_unchanged_status_list_is_inflated_once(kit, monkeypatch):
    inflated = []
    real = v.decode_list

    def counting(encoded):
        inflated.append(encoded)
        return real(encoded)

    monkeypatch.setattr(v, "_STATUS_BITS", {})
    monkeypatch.setattr(v, "decode_list", counting)
    for index in (1, 2):
        assert _verify(kit, kit.signed_credential(index=index)).verdict == "valid"
    assert len(inflated) == 1


@pytest.mark.parametrize(
    ("valid_until", "now", "valid_from", "expiration"),
    [
        (None, utc(2025, 3, 1, 12), (True, "The credential is valid from 2025-03-01T12:00:00Z."), None),
        (None, None, None, (True, "The credential does not expire.")),
        (
            utc(2026, 1, 1),
            utc(2026, 1, 1),
            None,
            (False, "The credential expired on 2026-01-01T00:00:00Z."),
        ),
        (utc(2026, 1, 1), None, None, (True, "The credential is valid until 2026-01-01T00:00:00Z.")),
    ],
)
def test_validity_dates_against_the_clock(kit, valid_until, now, valid_from, expiration):
    result = _verify(kit, kit.signed_credential(valid_until=valid_until), now=now)
    if valid_from:
        assert _said(result, "valid_from") == valid_from
    if expiration:
        assert _said(result, "expiration") == expiration


@pytest.mark.parametrize(
    ("change", "name", "message"),
    [
        (
            lambda c: c.__setitem__("validFrom", "2025-03-01T12:00:00"),
            "valid_from",
            "The credential has no valid validFrom date with a time zone.",
        ),
        (
            lambda c: c.__setitem__("validUntil", "next spring"),
            "expiration",
            "The credential's validUntil date cannot be read.",
        ),
    ],
)
def test_dates_that_cannot_be_read(kit, change, name, message):
    signed = kit.signed_credential()
    change(signed)
    assert _said(_verify(kit, signed), name) == (False, message)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_jwt_whose_header_cannot_be_read_is_refused(kit):
    result = _verify(kit, "not.a.jwt")
    assert result.form == "jwt" and result.verdict == "invalid"
    assert [c.name for c in result.checks] == ["signature"]


def test_a_jwt_that_names_no_key_or_an_unreadable_one(kit):
    payload = kit.jwt(kit.credential()).split(".")[1]
    token = f"{_b64(json.dumps({'alg': 'RS256', 'kid': 5}).encode())}.{payload}.c2ln"
    result = _verify(kit, token)
    assert [(c.name, c.ok, c.message) for c in result.checks] == [
        ("signature", False, "The proof does not say which key signed it.")
    ]
    document = kit.did_document()
    del document["verificationMethod"][-1]["publicKeyJwk"]
    result = _verify_with(kit, kit.jwt(kit.credential()), resolve_did=lambda did: document)
    assert [(c.name, c.ok, c.message) for c in result.checks] == [
        ("signature", False, "The verification method has no publicKeyMultibase or publicKeyJwk.")
    ]


def test_any_input_form_is_recognised(kit):
    signed = kit.signed_credential()
    assert _verify(kit, json.dumps(signed).encode()).verdict == "valid"
    assert _verify(kit, f"  {kit.jwt(signed)}\n").verdict == "valid"
    for text, message in (("{not json", "This is not valid JSON."), ("hello", "This is neither JSON nor a JWT.")):
        result = _verify(kit, text)
        assert result.form == "unknown"
        assert [(c.name, c.ok, c.message) for c in result.checks] == [("format", False, message)]


def test_remembered_status_list_readings_are_bounded_in_number(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    assert _verify(kit, kit.signed_credential()).verdict == "valid"  # the fast path is on: readings are remembered
    lists = [
        {
            "id": f"https://example.org/status/{n}",
            "proof": {"cryptosuite": proof.CRYPTOSUITE, "verificationMethod": kit.method_id()},
        }
        for n in range(v._STATUS_LIST_READINGS_CACHED + 1)
    ]

    def read(document):
        return v._status_list_reading(document, kit.did, "revocation", kit.resolve_did)

    checked.clear()
    for document in lists[:-1]:
        assert read(document).failure is not None  # unsigned: what matters is whether the reading was remembered
    read(lists[0])
    assert len(checked) == 64  # all 64 kept: the first is not checked again
    read(lists[-1])  # one more: the least recently used goes
    read(lists[1])
    assert checked[-2:] == [lists[-1]["id"], lists[1]["id"]]


def _padded_status_list(kit, length):
    """A signed status list whose key (the list and the DID document, marshalled) is exactly ``length`` bytes."""

    def key_length(document):
        return len(marshal.dumps((document, kit.did_document()), v._MARSHAL_VERSION))

    unpadded = _status_list(kit, description="")
    unpadded = key_length(unpadded) - len(unpadded["proof"]["proofValue"])
    # The proof value's length varies by a character from one signature to the next: other fillers sign otherwise.
    for filler in "xyzwvu":
        for proof_length in (89, 88, 87):
            document = _status_list(kit, description=filler * (length - unpadded - proof_length))
            if key_length(document) == length:
                return document
    raise AssertionError("could not sign a list of that length")


def test_a_status_list_whose_key_is_longer_than_128_kib_is_not_remembered(kit, monkeypatch):
    checked = _counting_status_list_proofs(monkeypatch)
    for length, times in ((128 * 1024, 1), (128 * 1024 + 1, 2)):
        the_list = _padded_status_list(kit, length)
        checked.clear()
        for _ in range(2):
            result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url, d=the_list: d)
            assert result.verdict == "valid", _failed(result)
        assert len(checked) == times, length


def test_inflated_status_lists_are_bounded_in_number_and_size(monkeypatch):
    monkeypatch.setattr(v, "_STATUS_BITS", {})
    lists = [status_list.encode_list(bytearray([n]) + bytearray(16 * 1024 - 1)) for n in range(33)]
    for encoded in lists:
        v._status_bits(encoded)
    assert list(v._STATUS_BITS) == lists[1:]  # 32 kept, the oldest gone first
    monkeypatch.setattr(v, "_STATUS_BITS", {})
    largest, too_large = (status_list.encode_list(bytearray(n)) for n in (256 * 1024, 256 * 1024 + 1))
    assert len(v._status_bits(largest)) == 256 * 1024 and len(v._status_bits(too_large)) == 256 * 1024 + 1
    assert list(v._STATUS_BITS) == [largest]


def test_decoded_issuer_keys_are_bounded_in_number():
    keys = [ed25519_to_multikey(ed25519.Ed25519PrivateKey.generate().public_key()) for _ in range(257)]
    v._multikey.cache_clear()
    for multibase in keys[:256]:
        v._public_key({"publicKeyMultibase": multibase})
    v._public_key({"publicKeyMultibase": keys[0]})
    assert v._multikey.cache_info().hits == 1  # all 256 kept
    v._public_key({"publicKeyMultibase": keys[256]})  # one more: the least recently used goes
    v._public_key({"publicKeyMultibase": keys[1]})
    assert v._multikey.cache_info().hits == 1
    v._multikey.cache_clear()


class _Text(str):
    """A str subclass: its JSON text is the same as a str's, but it is not what ``json.loads`` gives."""


def _cyclic():
    loop: list = []
    loop.append(loop)
    return loop


@pytest.mark.parametrize(
    ("extra", "checks"),
    [
        ({"n": 1, "f": 1.5, "yes": True, "no": False, "nothing": None, "list": [1, "x"], "map": {"k": "v"}}, 1),
        ({5: "a number as a key"}, 1),  # not JSON, but exactly what the key reads back
        ({"t": (1, 2)}, 1),
        ({"nan": float("nan")}, 1),
        ({"s": _Text("x")}, 2),  # a subclass: marshal refuses it, so it is read every time
        ({"cycle": _cyclic()}, 2),
    ],
)
def test_only_exact_builtin_status_lists_are_remembered(kit, monkeypatch, extra, checks):
    checked = _counting_status_list_proofs(monkeypatch)
    assert _verify(kit, kit.signed_credential()).verdict == "valid"  # the fast path is on: readings are remembered
    checked.clear()
    document = {
        "id": "https://example.org/status/9",
        "proof": {"cryptosuite": proof.CRYPTOSUITE, "verificationMethod": kit.method_id()},
        **extra,
    }
    for _ in range(2):
        reading = v._status_list_reading(document, kit.did, "revocation", kit.resolve_did)
        assert reading.failure is not None  # no valid proof: what matters is whether the reading was remembered
    assert len(checked) == checks


def test_a_key_authorised_only_by_another_keys_embedded_entry_is_refused(kit):
    document = kit.did_document()
    document["assertionMethod"] = [m for m in document["verificationMethod"] if m["id"] == kit.jwt_kid]
    result = _verify_with(kit, kit.signed_credential(), resolve_did=lambda did: document)
    assert _said(result, "issuer_key") == (False, "The issuer has not authorised this key to issue credentials.")


def test_a_signed_status_list_whose_subject_is_not_one_object_is_said_not_raised(kit):
    unsigned = compose.status_list_credential(
        list_url=kit.status_list_url,
        issuer_id=kit.did,
        encoded_list=status_list.encode_list(kit.bits),
        valid_from=kit.list_signed_at,
    )
    unsigned["credentialSubject"] = [unsigned["credentialSubject"]]
    listed = kit.sign(unsigned, created=kit.list_signed_at)
    result = _verify_with(kit, kit.signed_credential(), fetch_status_list=lambda url: listed)
    assert _said(result, "status") == (False, "The revocation list is for a different status purpose.")
