"""The Node reference stack of ``make bench`` (bench/node_reference: @digitalbazaar/vc + eddsa-rdfc-2022, pinned,
offline) runs, canonicalizes an OB 3.0 credential exactly as Laurel does, and cross-verifies with Laurel both ways —
so the speed ratios the bench prints compare the same work. Skipped (failed in CI) when Node.js is missing."""

from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.openbadges.ob3 import proof
from bench.node_reference.client import NodeReference, NodeReferenceError, NodeUnavailable, ensure_node
from tests.conftest import skip_or_fail
from tests.interop.ob3_kit import IssuerKit

pytestmark = pytest.mark.interop

CREATED = "2025-03-01T12:00:00Z"


@pytest.fixture(scope="module")
def node_available() -> None:
    try:
        ensure_node()
    except NodeUnavailable as exc:
        skip_or_fail(str(exc))


def start(kit: IssuerKit, credential: dict, signed: dict) -> NodeReference:
    return NodeReference.start(
        credential=credential,
        signed=signed,
        key=kit.ed_keys[-1],
        verification_method=kit.method_id(),
        did_document=kit.did_document(),
        created=CREATED,
    )


def test_reference_signs_and_verifies_the_same_credential_as_laurel(node_available: None) -> None:
    kit = IssuerKit()
    credential = kit.credential()
    signed = kit.sign(credential)
    with start(kit, credential, signed) as reference:
        assert reference.canonical == proof.canonicalize(credential)
        assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement>" in reference.canonical
        theirs = reference.node_signed
        assert theirs["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        assert theirs["proof"]["verificationMethod"] == kit.method_id()
        assert proof.verify_proof(document=theirs, public_key=kit.ed_keys[-1].public_key()).ok
        tampered = copy.deepcopy(theirs)
        tampered["credentialSubject"]["achievement"]["name"] = "Something else"
        assert not proof.verify_proof(document=tampered, public_key=kit.ed_keys[-1].public_key()).ok
        for op in ("sign", "verify"):
            window = reference.time(op, 0.05)
            assert window.op == op and window.count >= 1 and window.rate > 0


def test_reference_refuses_a_signature_it_cannot_verify(node_available: None) -> None:
    kit = IssuerKit()
    credential = kit.credential()
    forged = proof.sign_credential(
        credential=credential,
        private_key=ed25519.Ed25519PrivateKey.generate(),  # not the key the DID document publishes
        verification_method=kit.method_id(),
        created=CREATED,
    )
    with pytest.raises(NodeReferenceError, match="does not verify"):
        start(kit, credential, forged)


def test_without_node_the_reason_is_given(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no node, no npm
    with pytest.raises(NodeUnavailable, match="Node.js and npm are needed"):
        ensure_node()
