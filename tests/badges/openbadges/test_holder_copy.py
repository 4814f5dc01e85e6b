"""A holder-bound copy of an award's credential: same content, new id and subject DID; it signs through the fast
path, verifies in both forms, and shares the award's status bit, so revoking the award revokes the copy."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from badges.openbadges.ob3 import proof
from badges.openbadges.ob3 import verify as v
from badges.openbadges.ob3.compose import ComposeError
from badges.openbadges.ob3.fastpath import guard
from badges.openbadges.ob3.holder_copy import holder_bound_copy
from badges.openbadges.wallets import holder_keys
from tests.interop.ob3_kit import IssuerKit

COPY_ID = "urn:uuid:0b7d4e36-5d3a-4f0e-9f34-2f5a8a1c6e01"


@pytest.fixture
def kit():
    return IssuerKit(base_url="http://127.0.0.1:8000")


@pytest.fixture(params=["ed25519", "p256", "jwk"])
def holder_did(request):
    if request.param == "ed25519":
        return holder_keys.did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return holder_keys.did_key_for(key) if request.param == "p256" else holder_keys.did_jwk_for(key)


def _verify(kit, credential):
    return v.verify(
        credential=credential, resolve_did=kit.resolve_did, fetch_status_list=kit.fetch_status_list, now=kit.clock()
    )


def test_copy_changes_only_id_and_subject_id(kit, holder_did):
    award = kit.signed_credential()
    bound = holder_bound_copy(award, holder_id=holder_did, copy_id=COPY_ID)
    assert "proof" not in bound and "proof" in award
    assert bound["id"] == COPY_ID
    assert bound["credentialSubject"]["id"] == holder_did
    assert list(bound["credentialSubject"]) == list(award["credentialSubject"])  # same shape, id where it was
    unchanged = {k: v for k, v in award.items() if k not in ("id", "proof", "credentialSubject")}
    assert {k: bound[k] for k in unchanged} == unchanged
    subject = {k: v for k, v in award["credentialSubject"].items() if k != "id"}
    assert {k: bound["credentialSubject"][k] for k in subject} == subject
    assert bound["credentialStatus"] == award["credentialStatus"]
    bound["credentialSubject"]["achievement"]["name"] = "changed"
    assert award["credentialSubject"]["achievement"]["name"] != "changed"  # a deep copy


def test_identifier_kept_by_default_and_dropped_on_request(kit):
    award = kit.signed_credential(learner_did=None)
    assert "id" not in award["credentialSubject"]
    did = holder_keys.did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    kept = holder_bound_copy(award, holder_id=did, copy_id=COPY_ID)
    assert list(kept["credentialSubject"]) == ["type", "id", "identifier", "achievement"]
    assert kept["credentialSubject"]["identifier"] == award["credentialSubject"]["identifier"]
    dropped = holder_bound_copy(award, holder_id=did, copy_id=COPY_ID, keep_identifier=False)
    assert list(dropped["credentialSubject"]) == ["type", "id", "achievement"]


@pytest.fixture
def fresh_fast_path():
    """The fast path tested afresh and no sampling, so the path reported is the fast path's own; restored after."""
    guard.reset_fast_path()
    guard.set_sample_rate(0)
    yield
    guard.reset_fast_path()
    guard.set_sample_rate(guard.DEFAULT_SAMPLE_RATE)


def test_copy_signs_through_the_fast_path_and_verifies(kit, holder_did, fresh_fast_path):
    assert proof.self_test_fast_path()
    bound = holder_bound_copy(kit.signed_credential(), holder_id=holder_did, copy_id=COPY_ID)
    assert proof.canonicalize_traced(bound).path == "fast"
    signed = kit.sign(bound)
    result = _verify(kit, signed)
    assert result.verdict == "valid", [c.message for c in result.checks if not c.ok]
    assert result.credential["credentialSubject"]["id"] == holder_did


def test_vc_jwt_of_the_copy_verifies(kit, holder_did):
    bound = holder_bound_copy(kit.signed_credential(), holder_id=holder_did, copy_id=COPY_ID)
    token = kit.jwt(bound)
    result = _verify(kit, token)
    assert result.form == "jwt"
    assert result.verdict == "valid", [c.message for c in result.checks if not c.ok]
    assert result.credential["credentialSubject"]["id"] == holder_did


def test_revoking_the_award_revokes_the_copy(kit):
    award = kit.signed_credential(index=77)
    did = holder_keys.did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    signed_copy = kit.sign(holder_bound_copy(award, holder_id=did, copy_id=COPY_ID))
    assert _verify(kit, signed_copy).verdict == "valid"
    kit.revoke(77)
    for credential in (award, signed_copy, kit.jwt(holder_bound_copy(award, holder_id=did, copy_id=COPY_ID))):
        result = _verify(kit, credential)
        assert result.verdict != "valid"
        assert not next(c for c in result.checks if c.name == "status").ok


def test_tampered_copy_does_not_verify(kit):
    did = holder_keys.did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    signed_copy = kit.sign(holder_bound_copy(kit.signed_credential(), holder_id=did, copy_id=COPY_ID))
    signed_copy["credentialSubject"]["id"] = holder_keys.did_key_for(ed25519.Ed25519PrivateKey.generate().public_key())
    assert _verify(kit, signed_copy).verdict == "invalid"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"holder_id": "https://wallet.example/me"}, "DID"),
        ({"holder_id": "did:key:z6Mk#frag"}, "DID"),
        ({"holder_id": "did:key:z6Mk with space"}, "DID"),
        ({"holder_id": ""}, "DID"),
        ({"copy_id": "relative/id"}, "absolute URI"),
        ({"copy_id": "urn:uuid: x"}, "absolute URI"),
    ],
)
def test_bad_ids_are_refused(kit, kwargs, message):
    args = {"holder_id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "copy_id": COPY_ID} | kwargs
    with pytest.raises(ComposeError, match=message):
        holder_bound_copy(kit.signed_credential(), **args)


def test_copy_needs_its_own_id_and_a_subject(kit):
    award = kit.signed_credential()
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    with pytest.raises(ComposeError, match="own id"):
        holder_bound_copy(award, holder_id=did, copy_id=award["id"])
    with pytest.raises(ComposeError, match="credentialSubject"):
        holder_bound_copy({**award, "credentialSubject": [award["credentialSubject"]]}, holder_id=did, copy_id=COPY_ID)
