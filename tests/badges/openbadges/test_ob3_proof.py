"""eddsa-rdfc-2022 Data Integrity proofs: the 1EdTech vector byte for byte, round trips, tampering, and refusals."""

import copy
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld import jsonld

from badges.openbadges.loader import document_loader
from badges.openbadges.ob3 import proof
from badges.openbadges.ob3.safety import UnsafeDocumentError
from tests.interop.ob3_kit import IssuerKit, utc

VECTOR = Path(__file__).resolve().parent / "vectors" / "ob3-eddsa-rdfc-2022"
SEED = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
METHOD = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
DOCUMENT_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
CONFIG_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
PROOF_VALUE = "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"


def _vector(name):
    return (VECTOR / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def kit():
    return IssuerKit()


def test_vector_canonical_forms_and_hashes():
    credential = json.loads(_vector("credential.json"))
    config = json.loads(_vector("proof-config.json")) | {"@context": credential["@context"]}
    document_nq, config_nq = proof.canonicalize(credential), proof.canonicalize(config)
    assert document_nq == _vector("document-canon.nq")
    assert config_nq == _vector("proof-canon.nq")
    assert hashlib.sha256(document_nq.encode()).hexdigest() == DOCUMENT_HASH
    assert hashlib.sha256(config_nq.encode()).hexdigest() == CONFIG_HASH
    assert proof.hash_data(document=credential, config=config).hex() == CONFIG_HASH + DOCUMENT_HASH


def test_vector_proof_value_is_reproduced_and_verifies():
    credential = json.loads(_vector("credential.json"))
    key = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    signed = proof.sign_credential(
        credential=credential,
        private_key=key,
        verification_method=METHOD,
        created=utc(2010, 1, 1, 19, 23, 24),
    )
    assert signed["proof"] == json.loads(_vector("proof-config.json")) | {"proofValue": PROOF_VALUE}
    assert "proof" not in credential  # the input is not modified
    assert proof.verify_proof(document=signed, public_key=key.public_key()).ok


@pytest.mark.parametrize("name", ["credential", "status_list"])
def test_cached_canonicalization_equals_stock_pyld(kit, name):
    document = kit.credential() if name == "credential" else kit.signed_status_list()
    stock = jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader},
    )
    for _ in range(3):  # cold and warm caches alike
        assert proof.canonicalize(document) == stock


def test_round_trip_with_a_fresh_key(kit):
    signed = kit.signed_credential()
    outcome = proof.verify_proof(document=signed, public_key=kit.ed_keys[-1].public_key())
    assert outcome.ok and outcome.verification_method == kit.method_id()
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    assert not proof.verify_proof(document=signed, public_key=other).ok


def test_a_remembered_proof_configuration_hashes_like_a_fresh_one(kit):
    context = kit.credential()["@context"]
    configs = [
        proof.proof_config(context=context, verification_method=kit.method_id(), created="2025-03-01T00:00:00Z"),
        proof.proof_config(context=context, verification_method=kit.method_id(), created="2025-03-01T00:00:01Z"),
        proof.proof_config(context=context, verification_method=kit.method_id() + "x", created="2025-03-01T00:00:00Z"),
        proof.proof_config(context=context[:2], verification_method=kit.method_id(), created="2025-03-01T00:00:00Z"),
        proof.proof_config(context=context, verification_method=kit.method_id(), created="2025-03-01T00:00:00Z")
        | {"id": "urn:uuid:1", "domain": "example.org"},
    ]
    forms, hashes = set(), set()
    for config in configs * 2:  # each once cold, once remembered
        canonical = proof.canonicalize(config)
        assert (
            proof.hash_data(document=kit.credential(), config=config)[:32]
            == hashlib.sha256(canonical.encode()).digest()
        )
        forms.add(canonical)
        hashes.add(proof.hash_data(document=kit.credential(), config=config)[:32])
    # (the extensions context defines no term of the proof, so two of the configurations read the same)
    assert len(hashes) == len(forms) == len(configs) - 1, "a changed configuration must not get another one's hash"


def test_a_remembered_proof_configuration_is_forgotten_when_the_switch_changes(kit):
    document = kit.credential()
    config = proof.proof_config(context=document["@context"], verification_method=kit.method_id(), created="2031-01-01")
    try:
        proof.reset_fast_path()
        proof.self_test_fast_path()
        proof.hash_data(document=document, config=config)
        proof.hash_data(document=document, config=config)
        assert proof.fast_path_status().fast == 3  # the document twice, the configuration once
        proof.reset_fast_path()
        proof.self_test_fast_path()
        proof.hash_data(document=document, config=config)
        assert proof.fast_path_status().fast == 2  # both again
    finally:
        proof.reset_fast_path()


def test_the_full_path_remembers_no_proof_configuration(kit, monkeypatch):
    from badges.openbadges.ob3.fastpath import guard

    proof.self_test_fast_path()  # (its own full-path canonicalizations are not the point here)
    computed = []
    real = guard.canonicalize_full
    monkeypatch.setattr(guard, "canonicalize_full", lambda document: computed.append(1) or real(document))
    document = kit.credential()
    config = proof.proof_config(context=document["@context"], verification_method=kit.method_id(), created="2032-01-01")
    with proof.fast_path_bypassed():
        for _ in range(2):
            proof.hash_data(document=document, config=config)
    assert len(computed) == 4  # the document and the configuration, twice


def test_a_proof_configuration_that_is_not_plain_strings_is_still_refused(kit):
    config = proof.proof_config(context=kit.credential()["@context"], verification_method=kit.method_id(), created="x")
    config["created"] = {"notATerm": "2025-03-01T00:00:00Z"}
    with pytest.raises(UnsafeDocumentError):
        proof.hash_data(document=kit.credential(), config=config)


TAMPERS = {
    "name": lambda c: c.__setitem__("name", c["name"] + "!"),
    "validFrom": lambda c: c.__setitem__("validFrom", "2025-03-01T12:00:01Z"),
    "issuer.name": lambda c: c["issuer"].__setitem__("name", "Evil Institute"),
    "identityHash": lambda c: c["credentialSubject"]["identifier"][0].__setitem__("identityHash", "sha256$" + "0" * 64),
    "achievement.name": lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "Rocket Science"),
    "criteria": lambda c: c["credentialSubject"]["achievement"]["criteria"].__setitem__("narrative", "Nothing."),
    "subject.id": lambda c: c["credentialSubject"].__setitem__("id", "did:example:someone-else"),
    "statusListIndex": lambda c: c["credentialStatus"].__setitem__("statusListIndex", "1235"),
    "evidence dropped": lambda c: c.pop("evidence"),
    "tag added": lambda c: c["credentialSubject"]["achievement"]["tag"].append("extra"),
    "proof.created": lambda c: c["proof"].__setitem__("created", "2025-03-01T12:00:01Z"),
    "proof.verificationMethod": lambda c: c["proof"].__setitem__("verificationMethod", c["issuer"]["id"] + "#x"),
}


@pytest.mark.parametrize("field", TAMPERS)
def test_any_single_change_breaks_the_signature(kit, field):
    tampered = copy.deepcopy(kit.signed_credential())
    TAMPERS[field](tampered)
    outcome = proof.verify_proof(document=tampered, public_key=kit.ed_keys[-1].public_key())
    assert not outcome.ok
    assert "does not match" in outcome.message


def test_a_term_no_context_defines_is_refused(kit):
    credential = kit.credential()
    credential["credentialSubject"]["achievement"]["favouriteColour"] = "green"
    with pytest.raises(UnsafeDocumentError, match="'favouriteColour' is not defined"):
        kit.sign(credential)


def test_an_undefined_type_is_refused(kit):
    credential = kit.credential()
    credential["@context"] = credential["@context"][:2]  # drop extensions.json: the schema type is now undefined
    with pytest.raises(UnsafeDocumentError, match="type '1EdTechJsonSchemaValidator2019' is not defined"):
        kit.sign(credential)


@pytest.mark.parametrize(
    ("where", "value"),
    [("evidence", "evidence/42"), ("subject", "learner-17"), ("achievement", "../achievements/1")],
)
def test_relative_iris_are_refused(kit, where, value):
    credential = kit.credential()
    target = {
        "evidence": credential["evidence"][0],
        "subject": credential["credentialSubject"],
        "achievement": credential["credentialSubject"]["achievement"],
    }[where]
    target["id"] = value
    with pytest.raises(UnsafeDocumentError, match="relative IRI"):
        kit.sign(credential)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1b", "\x7f"])
def test_control_characters_are_refused(kit, char):
    credential = kit.credential()
    credential["credentialSubject"]["achievement"]["description"] = f"Good{char}work"
    with pytest.raises(UnsafeDocumentError, match="control character"):
        kit.sign(credential)


def test_tab_newline_and_carriage_return_are_fine(kit):
    credential = kit.credential()
    credential["credentialSubject"]["achievement"]["description"] = "Line one\r\n\tLine two"
    assert kit.sign(credential)["proof"]["proofValue"].startswith("z")


@pytest.mark.parametrize("index", [1234, "-1", "12a", "", "0x10", "01"])
def test_status_list_index_must_be_a_decimal_string(kit, index):
    credential = kit.credential()
    credential["credentialStatus"]["statusListIndex"] = index
    with pytest.raises(UnsafeDocumentError, match="statusListIndex must be a decimal string"):
        kit.sign(credential)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.__setitem__("description", None), "is null"),
        (lambda c: c["@context"].append({"@vocab": "https://example.com/#"}), "inline or null contexts"),
        (lambda c: c["@context"].append("https://example.com/ctx.json"), "not available offline"),
    ],
)
def test_other_unsafe_inputs_are_refused(kit, mutate, message):
    credential = kit.credential()
    mutate(credential)
    with pytest.raises(UnsafeDocumentError, match=message):
        kit.sign(credential)


def test_an_unsafe_signed_document_fails_verification_instead_of_raising(kit):
    signed = kit.signed_credential()
    signed["credentialSubject"]["achievement"]["unsignedClaim"] = "I am a surgeon"
    outcome = proof.verify_proof(document=signed, public_key=kit.ed_keys[-1].public_key())
    assert not outcome.ok and "not safe" in outcome.message


def test_signing_twice_is_refused(kit):
    with pytest.raises(proof.ProofError, match="already has a proof"):
        kit.sign(kit.signed_credential())


def test_proof_config_copies_the_context_whatever_its_shape():
    method, created = "did:example:issuer#key-1", "2025-03-01T00:00:00Z"
    url = "https://www.w3.org/ns/credentials/v2"
    assert proof.proof_config(context=url, verification_method=method, created=created)["@context"] == url
    context = [url, {"@vocab": "https://example.org/#"}]
    config = proof.proof_config(context=context, verification_method=method, created=created)
    assert config["@context"] == context
    config["@context"][1]["@vocab"] = "https://changed.example/#"  # shares nothing mutable with the document
    assert context[1] == {"@vocab": "https://example.org/#"}
    inline_only = [{"@vocab": "https://example.org/#"}]
    config = proof.proof_config(context=inline_only, verification_method=method, created=created)
    config["@context"][0]["@vocab"] = "https://changed.example/#"
    assert inline_only == [{"@vocab": "https://example.org/#"}]


def _containers(node):
    """Every dict and list in a JSON-like tree."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _containers(value)
    elif isinstance(node, list):
        yield node
        for item in node:
            yield from _containers(item)


@pytest.mark.parametrize("path", ["fast", "full"])
def test_the_signed_copy_shares_nothing_mutable_with_the_input(kit, path):
    credential = kit.credential()
    if path == "full":  # a dict subclass: the fast path declines it, full JSON-LD processing takes it
        credential["credentialSubject"] = OrderedDict(credential["credentialSubject"])
    assert proof.canonicalize_traced(credential).path == path
    signed = kit.sign(credential)
    inputs = {id(node) for node in _containers(credential)}
    assert not [node for node in _containers(signed) if id(node) in inputs]
    assert proof.verify_proof(document=signed, public_key=kit.ed_keys[-1].public_key()).ok


def test_b58decode_round_trips_every_leading_byte_length():
    # Values whose bit length is 8k + 1 and 8k need exactly k + 1 and k bytes; leading zero bytes come back as "1"s.
    for data in [b"\x01", b"\x01\x00", b"\x80", b"\x01" + bytes(63), b"\x00\x01\xff", bytes(3), b"\xff" * 64]:
        assert proof.b58decode(proof.b58encode(data)) == data, data.hex()


def test_a_verification_outcome_cannot_be_changed_afterwards(kit):
    outcome = proof.verify_proof(document=kit.credential(), public_key=kit.ed_keys[-1].public_key())
    with pytest.raises(AttributeError):
        outcome.ok = True


def _other_proof(signed):
    return {**signed["proof"], "cryptosuite": "ecdsa-rdfc-2019", "proofValue": "zNotChecked"}


def test_proof_selection(kit):
    public = kit.ed_keys[-1].public_key()
    signed = kit.signed_credential()
    unsigned = kit.credential()
    outcome = proof.verify_proof(document=unsigned, public_key=public)
    assert (outcome.ok, outcome.message) == (False, "The credential has no proof.")
    only_other = {**signed, "proof": _other_proof(signed)}
    outcome = proof.verify_proof(document=only_other, public_key=public)
    assert (outcome.ok, outcome.message) == (False, "The credential has no eddsa-rdfc-2022 proof.")
    assert proof.proof_verification_method(only_other) is None
    # In a list, the first eddsa-rdfc-2022 proof is the one checked; other suites and non-objects are passed over.
    another_key = kit.sign(unsigned, key=ed25519.Ed25519PrivateKey.generate())["proof"]
    listed = {**signed, "proof": ["not a proof", _other_proof(signed), signed["proof"], another_key]}
    assert proof.verify_proof(document=listed, public_key=public).ok
    assert proof.proof_verification_method(listed) == signed["proof"]["verificationMethod"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("created"), "no verificationMethod or created date"),
        (lambda p: p.pop("verificationMethod"), "no verificationMethod or created date"),
        (lambda p: p.__setitem__("@context", ["https://www.w3.org/ns/credentials/v2"]), "@context differs"),
        (lambda p: p.__setitem__("proofValue", "u" + p["proofValue"][1:]), "not a base58btc multibase string"),
        (lambda p: p.__setitem__("proofValue", 42), "not a base58btc multibase string"),
        (lambda p: p.__setitem__("proofValue", p["proofValue"] + "0"), "not a base58btc multibase string"),
        (lambda p: p.__setitem__("proofValue", p["proofValue"][:-2]), "not a 64-byte Ed25519 signature"),
    ],
)
def test_a_malformed_proof_fails_with_its_reason(kit, change, message):
    signed = copy.deepcopy(kit.signed_credential())
    change(signed["proof"])
    outcome = proof.verify_proof(document=signed, public_key=kit.ed_keys[-1].public_key())
    assert not outcome.ok and message in outcome.message


def test_a_proof_carrying_the_documents_own_context_verifies(kit):
    signed = copy.deepcopy(kit.signed_credential())
    signed["proof"]["@context"] = copy.deepcopy(signed["@context"])
    assert proof.verify_proof(document=signed, public_key=kit.ed_keys[-1].public_key()).ok
